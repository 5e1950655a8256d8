//! The demo binary, run as a user would with its output piped to files: no progress frames
//! (carriage returns or terminal escapes) in either stream, one line per variant on stderr,
//! and the table on stdout.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn piped_output_has_no_progress_frames() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (stdout_path, stderr_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_migrated-demo"))
        .args(["--users", "3", "--latency-ms", "1", "--concurrency", "2"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("the demo starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("the demo can be waited for") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::fs::read_to_string(&stdout_path).expect("stdout is text");
    let stderr = std::fs::read_to_string(&stderr_path).expect("stderr is text");
    assert!(
        status.success(),
        "{status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );

    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains('\r') && !text.contains('\u{1b}'),
            "progress frames in {name}: {text:?}"
        );
    }
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "one line per variant: {stderr}");
    assert!(lines[0].starts_with("legacy (sync): "), "{stderr}");
    assert!(lines[4].starts_with("phase 3: native async: "), "{stderr}");
    assert!(
        stdout.contains("peak threads") && stdout.contains("CPU time"),
        "{stdout}"
    );
    assert!(
        stdout.contains("every variant built the same report"),
        "{stdout}"
    );
}
