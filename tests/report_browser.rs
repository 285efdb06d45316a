//! The sweep report in a real browser: headless Chromium loads `report.html`, takes a
//! screenshot, and the test fails on any console message or script error, or on a chart that
//! is missing. The page itself checks its charts and sets `data-status` on `<body>` ("ok" or
//! "error: …"), which `--dump-dom` shows after the page has loaded.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it when missing);
//! `GMPSIM_CHROMIUM` overrides the binary. Without a browser the test fails and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn tmpdir(name: &str) -> common::TmpDir {
    common::tmpdir("report", name)
}

fn chromium() -> PathBuf {
    if let Ok(p) = std::env::var("GMPSIM_CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "headless Chromium not found (/usr/bin/chromium): install Debian's `chromium` package \
         (`apt-get install -y chromium`, as .ci/run does) or set GMPSIM_CHROMIUM"
    );
}

/// Runs Chromium headless on `page` with `extra` flags; returns (stdout, stderr).
fn browse(page: &Path, extra: &[&str], profile: &Path) -> (String, String) {
    let url = format!("file://{}", page.display());
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The page's verdict and any console lines Chromium logged.
fn check(page: &Path, dir: &Path) -> (String, Vec<String>) {
    let (dom, log) = browse(page, &["--dump-dom"], &dir.join("profile-dom"));
    let status = dom
        .split("data-status=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("no <body data-status> in the dumped DOM")
        .to_string();
    let console: Vec<String> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    (status, console)
}

#[test]
fn report_loads_in_headless_chromium_with_every_chart_and_no_console_error() {
    let d = tmpdir("ok");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/default.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_gmpsim"))
        .current_dir(&d)
        .arg("sweep")
        .arg(&scenario)
        .args([
            "--gogc",
            "50,100,off",
            "--gomemlimit",
            "off,64MiB",
            "--gomaxprocs",
            "2,4",
            "--set",
            "meta.duration=200ms",
            "--out",
            "out",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = d.join("out/report.html");
    let (status, console) = check(&page, &d);
    assert_eq!(status, "ok");
    assert!(console.is_empty(), "console output: {console:#?}");

    let shot = d.join("report.png");
    browse(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,2000",
            "--hide-scrollbars",
        ],
        &d.join("profile-shot"),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 20_000, "screenshot of {} bytes", png.len());
    // Kept for people to look at.
    let _ = std::fs::copy(
        &shot,
        std::env::temp_dir().join("gmpsim-report-screenshot.png"),
    );

    // The check can fail: the same page with one chart taken out, and with a script error.
    let html = std::fs::read_to_string(&page).expect("report");
    let start = html.find("<svg").expect("an svg");
    let end = html[start..].find("</svg>").expect("svg end") + start + "</svg>".len();
    let broken = d.join("out/broken.html");
    std::fs::write(&broken, format!("{}{}", &html[..start], &html[end..])).expect("write");
    let (status, _) = check(&broken, &d);
    assert!(
        status.starts_with("error: chart stw is missing"),
        "{status}"
    );
    let erroring = d.join("out/erroring.html");
    std::fs::write(
        &erroring,
        html.replace("</body>", "<script>undefinedFunction();</script></body>"),
    )
    .expect("write");
    let (status, console) = check(&erroring, &d);
    assert!(status.contains("undefinedFunction"), "{status}");
    assert!(
        !console.is_empty(),
        "the script error reached the console log"
    );
}
