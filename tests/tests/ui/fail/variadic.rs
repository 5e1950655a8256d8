use bridge_runtime::sync_to_async;
use std::ffi::{c_char, c_int};

unsafe extern "C" {
    fn printf(format: *const c_char, ...) -> c_int;
}

// A C variadic fn can only be wrapped with a Rust fn of fixed arity.
#[sync_to_async(wraps = printf)]
unsafe extern "C" fn print(format: *const c_char, _: ...) -> c_int;

fn main() {}
