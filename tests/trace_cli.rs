//! `gmpsim run --trace/--trace-window/--plot` end to end: files written, bad windows rejected.

mod common;

use std::process::Command;

fn gmpsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gmpsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn tmpdir(name: &str) -> common::TmpDir {
    common::tmpdir("trace", name)
}

#[test]
fn run_writes_a_trace_and_the_lane_chart() {
    let d = tmpdir("ok");
    let out = gmpsim()
        .args(["run", "scenarios/validation/schedfair.toml", "--trace"])
        .arg(d.join("t.json"))
        .args(["--trace-window", "0..100ms", "--plot"])
        .arg(d.join("charts"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(d.join("t.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert!(doc["traceEvents"].as_array().unwrap().len() > 10);
    assert!(d.join("charts/lanes.png").exists() && d.join("charts/lanes.svg").exists());
    assert!(!d.join("t.json.tmp").exists());
}

#[test]
fn a_bad_trace_window_is_bad_input_with_no_file() {
    let d = tmpdir("bad");
    for w in ["2s", "2s..1s", "abc..1s"] {
        let out = gmpsim()
            .args(["run", "scenarios/validation/schedfair.toml", "--trace"])
            .arg(d.join("t.json"))
            .args(["--trace-window", w])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{w}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--trace-window"),
            "{w}"
        );
        assert!(!d.join("t.json").exists());
    }
}

#[test]
fn explain_takes_a_goid_as_the_output_writes_it() {
    let explain = |g: &str| {
        gmpsim()
            .args([
                "explain",
                "scenarios/validation/schedfair.toml",
                "--goroutine",
                g,
            ])
            .args(["--limit", "5"])
            .output()
            .unwrap()
    };
    let (plain, named) = (explain("17"), explain("G17"));
    assert!(plain.status.success() && named.status.success());
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(text.contains("G17 was created"), "{text}");
    assert_eq!(plain.stdout, named.stdout);
    let bad = explain("X17");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a goroutine id"));
}
