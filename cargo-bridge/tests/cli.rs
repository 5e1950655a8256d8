//! The binary: both invocations, exit codes, JSON shape, baselines, HTML, config.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{assert_matches_labels, fixture};

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-bridge"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn runs_as_cargo_subcommand_and_directly() {
    let dir = fixture("twins");
    let as_cargo = run(&["bridge", "scan"], &dir.join("app"));
    let direct = run(&["scan", dir.to_str().unwrap()], Path::new("/"));
    assert_eq!(
        as_cargo.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&as_cargo.stderr)
    );
    assert_eq!(direct.status.code(), Some(0));
    assert_eq!(
        stdout(&as_cargo),
        stdout(&direct),
        "the default PATH is the enclosing workspace"
    );
    let text = stdout(&direct);
    assert!(text.contains("warning[twin]"), "{text}");
    assert!(text.contains("--> app/src/lib.rs:9:16"), "{text}");
    assert!(text.contains("= fix: await the twin"), "{text}");
    assert!(text.contains("migration progress"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("total")),
        "a total line: {text}"
    );
    assert!(text.contains("12 findings (2 blocking, 10 twin)"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["scan", "--format", "xml"], Path::new("/"));
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["lint"], Path::new("/"));
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["scan", "/nonexistent/dir"], Path::new("/"));
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["--help"], Path::new("/"));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("cargo bridge scan"));
}

#[test]
fn json_has_findings_and_progress() {
    let out = run(
        &[
            "bridge",
            "scan",
            fixture("twins").to_str().unwrap(),
            "--format",
            "json",
        ],
        Path::new("/"),
    );
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let findings = value["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 12);
    for f in findings {
        for key in ["path", "kind", "callee", "function", "suggestion"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        assert!(f["line"].as_u64().unwrap() > 0 && f["column"].as_u64().unwrap() > 0);
        assert!(matches!(f["kind"].as_str(), Some("blocking" | "twin")));
    }
    let first = &findings[0];
    assert_eq!(first["path"], "app/src/lib.rs");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(9), Some(16))
    );
    assert_eq!(first["kind"], "twin");
    assert_eq!(first["callee"], "legacy::fetch");
    assert_eq!(first["function"], "app::wrong");
    let progress = &value["progress"];
    assert!(progress["modules"].as_array().unwrap().len() >= 4);
    assert_eq!(progress["total"]["twin"], 10);
    assert_eq!(progress["total"]["blocking"], 2);
    assert!(
        progress["crates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["crate"] == "legacy")
    );
}

#[test]
fn deny_and_baseline_ratchet() {
    let dir = std::env::temp_dir().join(format!("cargo-bridge-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let root = fixture("twins");
    let root = root.to_str().unwrap();
    let b = baseline.to_str().unwrap();

    let deny = run(&["scan", root, "--deny"], Path::new("/"));
    assert_eq!(
        deny.status.code(),
        Some(1),
        "findings and no baseline fail --deny"
    );
    let clean = run(
        &["scan", fixture("rules").join("src").to_str().unwrap()],
        Path::new("/"),
    );
    assert_eq!(clean.status.code(), Some(2), "not a crate root");

    let write = run(
        &["scan", root, "--write-baseline", "--baseline", b],
        Path::new("/"),
    );
    assert_eq!(write.status.code(), Some(0));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(saved["findings"].as_array().unwrap().len(), 12);

    let ok = run(&["scan", root, "--deny", "--baseline", b], Path::new("/"));
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("0 not in the baseline"));

    // Drop one accepted finding: it is new again, and --deny fails.
    let mut trimmed = saved.clone();
    trimmed["findings"].as_array_mut().unwrap().remove(0);
    std::fs::write(&baseline, serde_json::to_string(&trimmed).unwrap()).unwrap();
    let fail = run(
        &["scan", root, "--deny", "--baseline", b, "--format", "json"],
        Path::new("/"),
    );
    assert_eq!(fail.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&fail.stdout).unwrap();
    assert_eq!(value["new"].as_array().unwrap().len(), 1);
    let without_deny = run(&["scan", root, "--baseline", b], Path::new("/"));
    assert_eq!(without_deny.status.code(), Some(0), "only --deny fails");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn html_is_one_self_contained_page() {
    let dir = std::env::temp_dir().join(format!("cargo-bridge-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("scan.html");
    let out = run(
        &[
            "scan",
            fixture("twins").to_str().unwrap(),
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
        Path::new("/"),
    );
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<table id=\"progress\">") && html.contains("class=\"bar\""));
    assert!(html.contains("AsyncStore::get"));
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
        "self-contained"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_extends_the_blocking_list() {
    assert_matches_labels(&fixture("config"));
    let out = run(
        &[
            "scan",
            fixture("config").to_str().unwrap(),
            "--format",
            "json",
        ],
        Path::new("/"),
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let callees: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["callee"].as_str().unwrap())
        .collect();
    assert_eq!(
        callees,
        [
            "legacy_http::fetch",
            "legacy_db::Db::query",
            "legacy_db::Db::query",
            "soap::v2::Client::call"
        ]
    );
}

#[test]
fn a_bad_config_is_an_error() {
    let dir = std::env::temp_dir().join(format!("cargo-bridge-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("bridge.toml");
    std::fs::write(&config, "blocking = 3\n").unwrap();
    let out = run(
        &[
            "scan",
            fixture("config").to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        Path::new("/"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bridge.toml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn html_renders_in_headless_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.is_file() {
        println!("skipped: no /usr/bin/chromium (apt-get install chromium to run this test)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cargo-bridge-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("scan.html");
    let out = run(
        &[
            "scan",
            fixture("twins").to_str().unwrap(),
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
        Path::new("/"),
    );
    assert_eq!(out.status.code(), Some(0));
    let browse = |extra: &[&str]| {
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1600",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs")
    };
    let dom = browse(&["--dump-dom"]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<table id=\"progress\">"), "{dom}");
    assert_eq!(dom.matches("class=\"finding-item\"").count(), 12);
    assert_eq!(
        dom.matches("class=\"bar\"").count(),
        7,
        "one chart bar per module, crate and total"
    );
    let shot = dir.join("scan.png");
    let shot_arg = format!("--screenshot={}", shot.display());
    let taken = browse(&[&shot_arg]);
    assert!(taken.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real rendering"
    );
    std::fs::remove_dir_all(&dir).ok();
}
