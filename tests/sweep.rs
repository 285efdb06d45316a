//! `gmpsim sweep`, `gmpsim merge` and `gmpsim run --plot` end to end: results, charts,
//! determinism across thread counts, resume after an interruption, shards, bad input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn gmpsim(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gmpsim"));
    c.current_dir(cwd);
    c
}

fn tmpdir(name: &str) -> common::TmpDir {
    common::tmpdir("sweep", name)
}

fn scenario() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/default.toml")
        .display()
        .to_string()
}

/// A small grid: 3 GOGC × 2 GOMAXPROCS, 250 ms each.
const GRID: [&str; 6] = [
    "--gogc",
    "50,200,off",
    "--gomaxprocs",
    "2,4",
    "--set",
    "meta.duration=250ms",
];

fn sweep(cwd: &Path, out: &str, extra: &[&str], threads: &str) -> Output {
    let s = scenario();
    let mut args = vec!["sweep", s.as_str()];
    args.extend(GRID);
    args.extend(["--out", out]);
    args.extend(extra);
    gmpsim(cwd)
        .args(&args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("runs")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Column `name` of every row.
fn column(csv_text: &str, name: &str) -> Vec<String> {
    let mut rd = csv::Reader::from_reader(csv_text.as_bytes());
    let h = rd.headers().expect("header").clone();
    let k = h.iter().position(|x| x == name).expect("column");
    rd.records()
        .map(|r| r.expect("row")[k].to_string())
        .collect()
}

#[test]
fn sweep_writes_one_row_per_point_charts_and_report() {
    let d = tmpdir("basic");
    let o = sweep(&d, "out", &[], "2");
    ok(&o);
    let out = d.join("out");
    let csv = read(&out.join("results.csv"));
    assert_eq!(column(&csv, "run"), ["0", "1", "2", "3", "4", "5"]);
    assert_eq!(
        column(&csv, "GOGC"),
        ["50", "50", "200", "200", "off", "off"]
    );
    assert_eq!(column(&csv, "GOMAXPROCS"), ["2", "4", "2", "4", "2", "4"]);
    // The scenario's own GOMEMLIMIT is the fixed value.
    assert!(column(&csv, "GOMEMLIMIT").iter().all(|v| v == "off"));
    let header = csv.lines().next().expect("header");
    for m in [
        "gc_cycles",
        "gc_cpu_fraction",
        "gc_assist_fraction",
        "stw_p50_ns",
        "stw_p99_ns",
        "stw_max_ns",
        "latency_p50_ns",
        "latency_p99_ns",
        "latency_p999_ns",
        "sched_latency_p99_ns",
        "throughput_per_s",
        "peak_heap_bytes",
        "peak_rss_bytes",
        "mean_heap_goal_bytes",
    ] {
        assert!(header.contains(m), "{m} missing from {header}");
    }
    // The pacer's rule shows through: a smaller GOGC runs more cycles, GOGC=off none, and
    // the mean goal grows with GOGC.
    let cycles: Vec<f64> = column(&csv, "gc_cycles")
        .iter()
        .map(|v| v.parse().expect("number"))
        .collect();
    let goal: Vec<f64> = column(&csv, "mean_heap_goal_bytes")
        .iter()
        .map(|v| v.parse().expect("number"))
        .collect();
    for p in 0..2 {
        assert!(cycles[p] > cycles[2 + p], "{cycles:?}");
        assert_eq!(cycles[4 + p], 0.0);
        assert!(goal[p] < goal[2 + p], "{goal:?}");
    }
    for c in ["stw", "latency", "heap", "gc_cpu"] {
        for ext in ["png", "svg"] {
            let p = out.join("charts").join(format!("{c}.{ext}"));
            let len = std::fs::metadata(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .len();
            assert!(len > 5_000, "{} is {len} bytes", p.display());
        }
    }
    let html = read(&out.join("report.html"));
    assert_eq!(html.matches("<figure data-chart=").count(), 4);
    assert_eq!(html.matches("<svg").count(), 4);
    // Self-contained: nothing loaded from elsewhere.
    assert!(!html.contains(" src=") && !html.contains("<link") && !html.contains("url("));
    // Heap timelines of the chosen runs (first and last GOGC at GOMAXPROCS=2).
    assert!(out.join("timelines/run-0.json").exists());
    assert!(out.join("timelines/run-4.json").exists());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("6/6 done"), "{stderr}");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (a, b) = (tmpdir("t1"), tmpdir("t2"));
    ok(&sweep(&a, "out", &["--seeds", "2"], "1"));
    ok(&sweep(&b, "out", &["--seeds", "2"], "2"));
    for f in [
        "results.csv",
        "report.html",
        "charts/latency.svg",
        "charts/heap.svg",
    ] {
        assert!(
            read(&a.join("out").join(f)) == read(&b.join("out").join(f)),
            "{f} differs between 1 and 2 threads"
        );
    }
    // Two seeds per point: 12 rows, the second seed is the scenario's seed + 1.
    let csv = read(&a.join("out/results.csv"));
    assert_eq!(
        column(&csv, "seed")[..2],
        ["1".to_string(), "2".to_string()]
    );
    assert_eq!(column(&csv, "run").len(), 12);
}

#[test]
fn resume_keeps_finished_points_and_drops_a_cut_line() {
    let d = tmpdir("resume");
    ok(&sweep(&d, "full", &[], "2"));
    let full = read(&d.join("full/results.csv"));
    // An interrupted sweep: header, two finished rows, a third cut short mid-line.
    ok(&sweep(&d, "part", &[], "2"));
    let lines: Vec<&str> = full.lines().collect();
    let cut = format!(
        "{}\n{}\n{}\n{}",
        lines[0],
        lines[1],
        lines[2],
        &lines[3][..lines[3].len() / 2]
    );
    std::fs::write(d.join("part/results.csv"), cut).expect("write");
    // Without --resume an existing results.csv is refused.
    let o = sweep(&d, "part", &[], "2");
    assert_eq!(o.status.code(), Some(2));
    let o = sweep(&d, "part", &["--resume"], "2");
    ok(&o);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("2 runs already in results.csv, 4 to run"),
        "{stderr}"
    );
    assert_eq!(read(&d.join("part/results.csv")), full);
    // A results.csv that no sweep wrote (no sweep.json beside it) is not resumed.
    std::fs::create_dir_all(d.join("stray")).expect("dir");
    std::fs::write(d.join("stray/results.csv"), "run\n").expect("write");
    let o = sweep(&d, "stray", &["--resume"], "2");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sweep.json"));
    // A different grid cannot resume this one.
    let s = scenario();
    let o = gmpsim(&d)
        .args(["sweep", &s, "--gogc", "75,100", "--out", "part", "--resume"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn shards_merge_into_the_whole_sweep() {
    let d = tmpdir("shards");
    ok(&sweep(&d, "full", &[], "2"));
    ok(&sweep(&d, "s1", &["--shard", "1/2"], "1"));
    ok(&sweep(&d, "s2", &["--shard", "2/2"], "1"));
    assert_eq!(
        column(&read(&d.join("s1/results.csv")), "run"),
        ["0", "2", "4"]
    );
    let o = gmpsim(&d)
        .args(["merge", "s1", "s2", "--out", "merged"])
        .output()
        .expect("runs");
    ok(&o);
    assert_eq!(
        read(&d.join("merged/results.csv")),
        read(&d.join("full/results.csv"))
    );
    assert_eq!(
        read(&d.join("merged/charts/heap.svg")),
        read(&d.join("full/charts/heap.svg"))
    );
    assert!(d.join("merged/report.html").exists());
    // Shards of different sweeps do not merge.
    let s = scenario();
    ok(&gmpsim(&d)
        .args([
            "sweep",
            &s,
            "--gogc",
            "75",
            "--set",
            "meta.duration=100ms",
            "--out",
            "other",
        ])
        .output()
        .expect("runs"));
    let o = gmpsim(&d)
        .args(["merge", "s1", "other", "--out", "bad"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_grids_exit_2_before_any_work() {
    let d = tmpdir("bad");
    let s = scenario();
    let cases: [(&[&str], &str); 8] = [
        (&["--set", "runtime.gogcc=1,2"], "gogcc"),
        (&["--set", "params.nope=1,2"], "nope"),
        (&["--gogc", "50,banana"], "banana"),
        (&["--gogc", ""], "empty"),
        (&["--gomaxprocs", "2,,4"], "empty"),
        (&["--seeds", "0"], "empty"),
        (
            &[
                "--gogc",
                "50,100",
                "--gomaxprocs",
                "1,2,3",
                "--max-runs",
                "5",
            ],
            "--max-runs 5",
        ),
        (&["--gogc", "50,50"], "twice"),
    ];
    for (args, want) in cases {
        let mut all = vec!["sweep", s.as_str(), "--out", "out"];
        all.extend(args);
        let o = gmpsim(&d).args(&all).output().expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!d.join("out").exists(), "{args:?} left output behind");
    }
    let o = gmpsim(&d)
        .args([
            "sweep", &s, "--gogc", "50", "--shard", "3/2", "--out", "out",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_plot_draws_the_single_run_charts() {
    let d = tmpdir("plot");
    let s = scenario();
    let o = gmpsim(&d)
        .args([
            "run",
            &s,
            "--set",
            "meta.duration=200ms",
            "--plot",
            "charts",
        ])
        .output()
        .expect("runs");
    ok(&o);
    for c in ["heap", "runq", "pstates", "latency_hist"] {
        for ext in ["png", "svg"] {
            let p = d.join("charts").join(format!("{c}.{ext}"));
            assert!(p.exists(), "{} missing", p.display());
        }
        let svg = read(&d.join("charts").join(format!("{c}.svg")));
        assert!(!svg.contains("no data"), "{c} has no data");
        // Titles name the scenario and the fixed parameters.
        assert!(svg.contains("scenario default"), "{c}");
        assert!(svg.contains("GOMAXPROCS=4"), "{c}");
    }
    let svg = read(&d.join("charts/pstates.svg"));
    for state in [
        "running user code",
        "GC worker",
        "idle",
        "in syscall",
        "stopped (STW)",
    ] {
        assert!(svg.contains(state), "legend lacks {state}");
    }
    // The plain run's summary is the same with and without charts.
    let plain = gmpsim(&d)
        .args(["run", &s, "--set", "meta.duration=200ms"])
        .output()
        .expect("runs");
    assert_eq!(plain.stdout, o.stdout);
}
