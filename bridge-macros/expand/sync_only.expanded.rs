pub fn fetch_user(id: u64) -> String {
    #![allow(clippy::useless_format)]
    ::bridge_runtime::__private::sync_only(
        ::core::concat!(::core::module_path!(), "::fetch_user"),
        "fetch_user_async",
    );
    format!("user {id}")
}
fn load(id: u64) -> u64 {
    my_deps::bridge::__private::sync_only(
        ::core::concat!(::core::module_path!(), "::load"),
        "load_later",
    );
    id
}
#[sync_to_async(name = fetch_later)]
fn composed(id: u64) -> u64 {
    ::bridge_runtime::__private::sync_only(
        ::core::concat!(::core::module_path!(), "::composed"),
        "fetch_later",
    );
    id
}
impl Store {
    pub fn get(&self, id: u64) -> u64 {
        ::bridge_runtime::__private::sync_only_method(
            ::core::concat!(::core::module_path!(), "::get"),
        );
        self.0 + id
    }
}
