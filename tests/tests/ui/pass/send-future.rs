//! A twin's future is `Send` and `'static` (borrowed arguments are copied when it is called): it
//! can be `tokio::spawn`ed. `spawnable-twins.rs` spawns twins called with borrows.
use bridge_runtime::sync_to_async;
use std::path::Path;

#[derive(Clone)]
pub struct User {
    pub name: String,
}

#[sync_to_async]
fn greet(user: &User, greeting: &str, path: &Path) -> String {
    format!("{greeting} {} from {}", user.name, path.display())
}

#[sync_to_async]
fn parse<T: std::str::FromStr>(s: String) -> Option<T> {
    s.parse().ok()
}

#[sync_to_async]
fn show(value: impl std::fmt::Display) -> String {
    value.to_string()
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let parsed = tokio::spawn(parse_async::<u32>("42".into()));
    let shown = tokio::spawn(show_async(1.5));
    assert_eq!(parsed.await.unwrap(), Some(42));
    assert_eq!(shown.await.unwrap(), "1.5");

    // Called inside a task that owns the borrowed values, as before twins owned their arguments.
    let greeted = tokio::spawn(async {
        let user = User { name: "ada".into() };
        assert_send(greet_async(&user, "hi", Path::new("/home"))).await
    });
    assert_eq!(greeted.await.unwrap(), "hi ada from /home");
}
