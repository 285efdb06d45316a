//! The `gmpsim` binary end to end: the default run, JSON keys, exit codes, atomic outputs.

mod common;

use std::process::Command;

fn gmpsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gmpsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn tmpdir(name: &str) -> common::TmpDir {
    common::tmpdir("cli", name)
}

#[test]
fn no_arguments_runs_the_default_scenario() {
    let out = gmpsim().output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("scenario  default"), "{text}");
    assert!(
        text.contains("latency") && text.contains("steals"),
        "{text}"
    );
}

/// The GC line: a GOGC=off run with no limit has no goal (Go's internal goal is effectively
/// infinite), and idle-P marking is reported beside the GC CPU figure, not inside it.
#[test]
fn the_gc_line_reads_as_go_counts() {
    let out = gmpsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--set",
            "meta.duration=300ms",
        ])
        .args(["--set", "runtime.gogc=off"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let gc = text
        .lines()
        .find(|l| l.starts_with("GC "))
        .expect("a GC line");
    assert!(gc.ends_with("goal none (GOGC=off, no limit)"), "{gc}");
    assert!(
        gc.contains("(of which assist") && gc.contains("on top)"),
        "{gc}"
    );
    assert!(!text.contains("phase main"), "{text}");
}

#[test]
fn json_summary_has_the_documented_keys() {
    let out = gmpsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--json",
            "--set",
            "meta.duration=300ms",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for k in [
        "seed",
        "sim_time_ns",
        "events",
        "phases",
        "latency_ns",
        "sched_latency_ns",
        "goroutines",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    for k in ["p50", "p90", "p99", "p999", "max"] {
        assert!(
            v["latency_ns"][k].is_u64() && v["sched_latency_ns"][k].is_u64(),
            "missing {k}"
        );
    }
    for k in [
        "cpus",
        "numa_nodes",
        "remote_cpu_fraction",
        "throttled_periods",
        "throttled_ns",
        "os_context_switches",
    ] {
        assert!(v["machine"].get(k).is_some(), "missing machine.{k}");
    }
    assert_eq!(v["machine"]["cpus"], 4, "the ideal machine: one CPU per P");
    assert!(v["goroutines"]["created"].as_u64().unwrap_or(0) > 100);
    assert!(v["goroutines"]["max_alive"].is_u64());
    assert_eq!(v["sim_time_ns"], 300_000_000u64);
    let ph = &v["phases"][0];
    assert!(ph["name"].is_string() && ph["start_ns"].is_u64() && ph["end_ns"].is_u64());
}

#[test]
fn schedtrace_prints_go_format_for_the_version() {
    let out = gmpsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--schedtrace",
            "100ms",
            "--set",
            "meta.duration=500ms",
        ])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().next().expect("a SCHED line");
    assert!(
        first.starts_with("SCHED 0ms: gomaxprocs=4 idleprocs="),
        "{first}"
    );
    assert!(
        first.contains(" [ ") && first.contains(" ] schedticks=[ ") && first.ends_with(" ]"),
        "1.25+ format: {first}"
    );
    assert!(err.lines().count() >= 5);
    let out = gmpsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--schedtrace",
            "100ms",
            "--set",
            "meta.duration=200ms",
            "--set",
            "runtime.go_version=1.21",
        ])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().next().expect("a SCHED line");
    assert!(
        first.contains(" [")
            && !first.contains("[ ")
            && first.ends_with(']')
            && !first.contains("schedticks"),
        "≤1.24 format: {first}"
    );
}

#[test]
fn bad_scenario_exits_2_naming_file_line_and_field_and_writes_nothing() {
    let dir = tmpdir("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[meta]\nname = \"x\"\nduration = \"1s\"\n[runtime]\ngomaxproc = 4\n",
    )
    .expect("write");
    let outdir = dir.join("out");
    let out = gmpsim()
        .arg("run")
        .arg(&bad)
        .arg("--out")
        .arg(&outdir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:5"), "names file and line: {err}");
    assert!(
        err.contains("gomaxprocs"),
        "suggests the closest key: {err}"
    );
    assert!(!outdir.exists(), "no partial output on bad input");
}

#[test]
fn unknown_set_path_exits_2() {
    let out = gmpsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--set",
            "runtime.gomaxprocz=4",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gomaxprocs"));
}

#[test]
fn out_dir_gets_json_and_csv_and_no_temp_files() {
    let dir = tmpdir("out");
    let out = gmpsim()
        .args([
            "run",
            "scenarios/default.toml",
            "--set",
            "meta.duration=200ms",
            "--out",
        ])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let json = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    assert!(json.contains("\"run_hash\""));
    let csv = std::fs::read_to_string(dir.join("summary.csv")).expect("summary.csv");
    assert!(csv.starts_with("metric,value\n") && csv.contains("latency_ns.p99,"));
    // One gc_cycles.csv row per GC cycle of the summary.
    let cycles: usize = csv
        .lines()
        .find_map(|l| l.strip_prefix("gc.cycles,"))
        .expect("gc.cycles in summary.csv")
        .parse()
        .expect("a count");
    let table = std::fs::read_to_string(dir.join("gc_cycles.csv")).expect("gc_cycles.csv");
    assert!(
        table.starts_with("n,start_ns,stw1_ns,mark_ns,stw2_ns,"),
        "{table}"
    );
    assert_eq!(table.lines().count(), cycles + 1, "{table}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn pacer_replay_reproduces_go_golden_rows() {
    let shared = std::env::var("GMPSIM_SHARED")
        .unwrap_or_else(|_| format!("{}/../shared", env!("CARGO_MANIFEST_DIR")));
    let inputs = format!("{shared}/reference/pacer-golden/cycles_start.csv");
    let out = gmpsim()
        .args([
            "pacer-replay",
            "--inputs",
            &inputs,
            "--scenario",
            "SteadyMemoryLimit",
            "--memory-limit",
            "512MiB",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "scenario,cycle,heapMarkedPrev,triggered,heapPeak,heapGoal,gcUtilization,assistTimeNs,gcDurationNs,consMark,runway,nextTrigger,nextGoal"
        )
    );
    let end = std::fs::read_to_string(format!("{shared}/reference/pacer-golden/cycles_end.csv"))
        .expect("golden");
    let golden: Vec<Vec<&str>> = end
        .lines()
        .filter(|l| l.starts_with("SteadyMemoryLimit,"))
        .map(|l| l.split(',').collect())
        .collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 50);
    for (r, g) in rows.iter().zip(&golden) {
        // consMark round-trips to the same float; runway, nextTrigger and nextGoal are equal.
        assert_eq!(
            r[9].parse::<f64>().unwrap().to_bits(),
            g[2].parse::<f64>().unwrap().to_bits()
        );
        assert_eq!((r[10], r[11], r[12]), (g[7], g[13], g[14]));
    }
    let out = gmpsim()
        .args(["pacer-replay", "--builtin", "--scenario", "HighGOGC"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "math/rand-driven scenarios are generated too"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 51);
    let out = gmpsim()
        .args(["pacer-replay", "--builtin", "--scenario", "Nope"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "unknown scenario");
    let out = gmpsim()
        .args([
            "pacer-replay",
            "--inputs",
            "/nonexistent.csv",
            "--scenario",
            "Steady",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_program_panic_stops_the_run_with_exit_1() {
    let dir = tmpdir("panic");
    let f = dir.join("panic.toml");
    std::fs::write(
        &f,
        "[meta]\nname = \"p\"\nduration = \"1s\"\n[[channels]]\nname = \"c\"\n[[goroutines]]\nname = \"m\"\ncount = 1\nprogram = [{ op = \"close\", chan = \"c\" }, { op = \"close\", chan = \"c\" }]\n",
    )
    .expect("write");
    let out = gmpsim().arg("run").arg(&f).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("close of closed channel"));
}

#[test]
fn bad_machine_value_exits_2_naming_the_field() {
    for (set, field) in [
        ("machine.cores_per_node=0", "machine.cores_per_node"),
        ("machine.cpu_quota=-1", "machine.cpu_quota"),
        ("machine.cpu_period=0s", "machine.cpu_period"),
    ] {
        let out = gmpsim()
            .args(["run", "scenarios/default.toml", "--set", set])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{set}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(field), "{set}: {err}");
    }
}
