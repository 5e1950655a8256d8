//! The names generated code declares inside a twin or a handle's method (its `CallSite`, its
//! arguments, the type that names it in `Send` errors, the locals of a handle's call) are chosen
//! apart from the names of the signature: parameters named like them, and types named like the
//! twin or the method, change nothing.
#![allow(non_snake_case, non_camel_case_types)]

use bridge_runtime::sync_to_async;

/// A type named like the twin `report` gets with `name = Report`, and one named like the
/// default twin of `load`.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub total: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct load_async {
    pub value: u32,
}

#[sync_to_async(name = Report)]
pub fn report(report: &Report, __BRIDGE_SITE: u32, __a0: u32, __bridge_twin: u32) -> Report {
    Report {
        total: report.total + __BRIDGE_SITE + __a0 + __bridge_twin,
    }
}

#[sync_to_async]
pub fn load(x: load_async, __a1: u32) -> load_async {
    load_async {
        value: x.value + __a1,
    }
}

/// A type named like a method of the handle.
#[derive(Clone, Debug, PartialEq)]
pub struct get {
    pub value: u32,
}

pub struct Store {
    value: u32,
}

#[sync_to_async(handle = AsyncStore)]
impl Store {
    pub fn new(__this: u32, __state: u32, __made: u32) -> Self {
        Store {
            value: __this + __state + __made,
        }
    }

    pub fn get(&self, g: get, __BRIDGE_SITE: u32, __this: u32, __access: u32, __a0: u32) -> get {
        get {
            value: self.value + g.value + __BRIDGE_SITE + __this + __access + __a0,
        }
    }
}

fn main() {
    futures_executor::block_on(async {
        let expected = report(&Report { total: 1 }, 2, 3, 4);
        assert_eq!(Report(&Report { total: 1 }, 2, 3, 4).await, expected);
        assert_eq!(load_async(load_async { value: 1 }, 2).await.value, 3);
        let store = AsyncStore::new(1, 2, 3).await;
        assert_eq!(store.get(get { value: 1 }, 1, 1, 1, 1).await.value, 11);
    });
}
