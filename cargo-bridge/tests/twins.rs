//! Bridged fns called from async code: renamed twins, handle methods, blocking twins,
//! `#[sync_only]`, across crates, through aliases and re-exports.

mod common;

use cargo_bridge::findings::Finding;
use common::{assert_matches_labels, fixture};

fn on<'f>(findings: &'f [Finding], text: &str) -> &'f Finding {
    findings
        .iter()
        .find(|f| f.source.contains(text))
        .unwrap_or_else(|| panic!("no finding on a line with `{text}`"))
}

#[test]
fn twins_fixture_matches_its_labels_exactly() {
    assert_matches_labels(&fixture("twins"));
}

#[test]
fn each_fix_names_the_real_twin() {
    let findings = cargo_bridge::scan(&fixture("twins"), None)
        .unwrap()
        .findings;
    let alias = on(&findings, "get_user(7)");
    assert_eq!(alias.callee, "legacy::fetch");
    assert!(
        alias.suggestion.contains("`get_user_async(7).await`")
            || alias.suggestion.contains("fetch_async"),
        "{}",
        alias.suggestion
    );
    assert!(
        alias.suggestion.contains("legacy::fetch_async"),
        "{}",
        alias.suggestion
    );

    let qualified = on(&findings, "legacy::fetch(8)");
    assert!(
        qualified
            .suggestion
            .contains("`legacy::fetch_async(8).await`"),
        "{}",
        qualified.suggestion
    );

    let renamed = on(&findings, "read_config(\"app.toml\"); // expect");
    assert_eq!(renamed.callee, "legacy::config::read_config");
    assert!(
        renamed.suggestion.contains("`load(\"app.toml\").await`"),
        "{}",
        renamed.suggestion
    );
    assert!(
        !renamed.suggestion.contains("read_config_async"),
        "{}",
        renamed.suggestion
    );
    let module_alias = on(&findings, "cfg::read_config");
    assert!(
        module_alias
            .suggestion
            .contains("`cfg::load(\"app.toml\").await`"),
        "{}",
        module_alias.suggestion
    );

    let method = on(&findings, "store.get(1)");
    assert_eq!(method.callee, "legacy::store::Store::get");
    assert!(
        method.suggestion.contains("AsyncStore::get"),
        "{}",
        method.suggestion
    );
    assert!(
        method.suggestion.contains("handle.get(1).await"),
        "{}",
        method.suggestion
    );

    let renamed_method = on(&findings, "owned.push(");
    assert!(
        renamed_method.suggestion.contains("AsyncStore::add"),
        "{}",
        renamed_method.suggestion
    );

    let ctor = on(&findings, "Store::open(\"db\")");
    assert!(
        ctor.suggestion.contains("`AsyncStore::open(\"db\").await`"),
        "{}",
        ctor.suggestion
    );

    let blocking_twin = on(&findings, "ping_blocking();");
    assert!(
        blocking_twin.suggestion.contains("`ping().await`"),
        "{}",
        blocking_twin.suggestion
    );
    let renamed_blocking = on(&findings, "pong_sync()");
    assert_eq!(renamed_blocking.callee, "legacy::pong_sync");
    assert!(
        renamed_blocking.suggestion.contains("`pong().await`"),
        "{}",
        renamed_blocking.suggestion
    );

    let guarded = on(&findings, "guarded()");
    assert!(
        guarded.suggestion.contains("sync_only"),
        "{}",
        guarded.suggestion
    );
    let pipeline = on(&findings, "legacy::pipeline()");
    assert!(
        pipeline.suggestion.contains("legacy::fetch_async"),
        "{}",
        pipeline.suggestion
    );
}

#[test]
fn progress_counts_each_kind() {
    let progress = cargo_bridge::scan(&fixture("twins"), None)
        .unwrap()
        .progress;
    let legacy = progress
        .crates
        .iter()
        .find(|r| r.crate_name == "legacy")
        .unwrap();
    assert_eq!(legacy.sync_to_async, 2, "fetch and read_config");
    assert_eq!(legacy.sync_only, 1, "guarded");
    assert_eq!(
        legacy.handle_methods, 3,
        "open, get, push (not the private helper)"
    );
    assert_eq!(legacy.async_to_sync, 2);
    assert_eq!(legacy.sync, 2, "pipeline and the private helper");
    let app = progress
        .crates
        .iter()
        .find(|r| r.crate_name == "app")
        .unwrap();
    assert_eq!((app.async_fns, app.clean_async, app.sync), (2, 1, 1));
    assert_eq!((app.twin, app.blocking), (10, 2));
    assert_eq!(progress.total.twin + progress.total.blocking, 12);
}
