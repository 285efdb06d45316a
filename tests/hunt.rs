//! `gmpsim hunt` and `gmpsim check` end to end: each template under `scenarios/hunt/` finds its
//! pathology with a fixed seed, shrinks it to a smaller scenario, and the repro replays the
//! same observation; `check` exits 0 when the property holds; an unknown property exits 2.

mod common;

use models::scenario::load_scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gmpsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gmpsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn tmpdir(name: &str) -> common::TmpDir {
    common::tmpdir("hunt", name)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The `observed …` figure of a hunt/check line.
fn observed(s: &str) -> String {
    let i = s.find("observed ").expect("an observation") + "observed ".len();
    s[i..].split_whitespace().next().unwrap().to_string()
}

/// Goroutines main starts (evaluated `count`s) and the duration, of a scenario file.
fn size(path: &Path) -> (u64, u64) {
    let sc = load_scenario(path, &[]).expect("loads").scenario;
    let gs: u64 = sc.goroutines.iter().map(|c| c.count).sum();
    (gs, sc.meta.duration.0)
}

fn hunt_finds(template: &str) {
    let dir = tmpdir(template);
    let tpl = format!("scenarios/hunt/{template}.toml");
    let out = gmpsim()
        .args(["hunt", &tpl, "--cases", "20", "--seed", "1", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    let t = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{template}: a violation is found\n{t}"
    );
    assert!(t.contains("VIOLATION"), "{t}");
    let repro = dir.join("repro.toml");
    assert!(
        t.contains(&format!("gmpsim check {}", repro.display())),
        "{t}"
    );
    assert!(!dir.join("repro.toml.tmp").exists());
    // The repro is smaller: fewer goroutines or a shorter run.
    let (g0, d0) = size(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&tpl));
    let (g1, d1) = size(&repro);
    assert!(
        g1 < g0 || d1 < d0,
        "{template}: repro ({g1} Gs, {d1} ns) not smaller than the template ({g0} Gs, {d0} ns)"
    );
    // The header names the property and what was seen; replaying sees exactly that.
    let header = std::fs::read_to_string(&repro).unwrap();
    assert!(header.starts_with("# Repro found by"), "{header}");
    let hunt_obs = observed(&t);
    assert!(
        header.contains(&format!("observed: {hunt_obs}")),
        "{header}"
    );
    let chk = gmpsim().arg("check").arg(&repro).output().expect("runs");
    let ct = text(&chk);
    assert_eq!(
        chk.status.code(),
        Some(1),
        "{template}: the repro still fails\n{ct}"
    );
    assert_eq!(
        observed(&ct),
        hunt_obs,
        "{template}: replay observes the same"
    );
}

#[test]
fn hunt_stw_nonpreemptible_loop() {
    hunt_finds("stw-nonpreemptible");
}

#[test]
fn hunt_runnext_pingpong() {
    hunt_finds("runnext-pingpong");
}

#[test]
fn hunt_syscall_storm() {
    hunt_finds("syscall-storm");
}

#[test]
fn hunt_gc_death_spiral() {
    hunt_finds("gc-death-spiral");
}

#[test]
fn hunt_global_runq_starvation() {
    hunt_finds("global-runq-starvation");
}

#[test]
fn hunt_is_deterministic_for_a_seed() {
    let run = |d: &str| {
        let dir = tmpdir(d);
        let out = gmpsim()
            .args([
                "hunt",
                "scenarios/hunt/syscall-storm.toml",
                "--cases",
                "10",
                "--seed",
                "9",
                "--out",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let r = std::fs::read_to_string(dir.join("repro.toml")).unwrap();
        r.replace(&dir.display().to_string(), "")
    };
    assert_eq!(run("det-a"), run("det-b"));
}

#[test]
fn check_exits_0_when_the_property_holds() {
    // One short-lived goroutine per P: no GC, no STW, threads well under the default.
    let out = gmpsim()
        .args([
            "check",
            "scenarios/validation/schedfair.toml",
            "--property",
            "max-threads",
        ])
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("ok max-threads"), "{t}");
    // The same template passes once its threshold is above what it does.
    let out = gmpsim()
        .args([
            "check",
            "scenarios/hunt/stw-nonpreemptible.toml",
            "--set-threshold-is-not-a-flag",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "unknown flag is bad input");
    let out = gmpsim()
        .args([
            "check",
            "scenarios/hunt/stw-nonpreemptible.toml",
            "--threshold",
            "100ms",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn unknown_property_exits_2_and_lists_the_valid_ones() {
    for cmd in ["check", "hunt"] {
        let mut c = gmpsim();
        c.args([
            cmd,
            "scenarios/hunt/syscall-storm.toml",
            "--property",
            "fast",
        ]);
        if cmd == "hunt" {
            c.args(["--out", "/tmp/gmpsim-hunt-never"]);
        }
        let out = c.output().unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        for p in [
            "no-starvation",
            "sched-latency-p99",
            "stw-max",
            "heap-under-limit",
            "gc-cpu",
            "progress",
        ] {
            assert!(t.contains(p), "{p} listed: {t}");
        }
        assert!(!Path::new("/tmp/gmpsim-hunt-never/repro.toml").exists());
    }
}

/// Runs a hunt with extra flags into a fresh directory; returns (exit code, stdout, dir).
fn hunt_in(name: &str, args: &[&str]) -> (Option<i32>, String, common::TmpDir) {
    let dir = tmpdir(name);
    let out = gmpsim()
        .arg("hunt")
        .args(args)
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "DIR");
    (out.status.code(), stdout, dir)
}

/// The files of a hunt's output directory, name → bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn hunt_result_does_not_depend_on_the_thread_count() {
    // With a 30 ms threshold the first violation is not the first case, so the cases below it
    // must all have run, whichever thread took them; --all collects several.
    let args = [
        "scenarios/hunt/stw-nonpreemptible.toml",
        "--threshold",
        "30ms",
        "--cases",
        "12",
    ];
    for all in [false, true] {
        let mut a: Vec<&str> = args.to_vec();
        if all {
            a.push("--all");
        }
        let run = |jobs: &str| {
            let mut a = a.clone();
            a.extend(["--jobs", jobs]);
            let (code, stdout, dir) = hunt_in(&format!("jobs{jobs}-{all}"), &a);
            assert_eq!(code, Some(1), "{stdout}");
            let f = files(&dir);
            (stdout, f)
        };
        let (s1, f1) = run("1");
        let (s2, f2) = run("2");
        assert!(!s1.contains("at case 0 "), "the first case violates: {s1}");
        assert_eq!(s1, s2, "stdout with --jobs 1 and 2");
        assert!(f1 == f2, "repro files with --jobs 1 and 2");
        assert!(f1.iter().any(|(n, _)| n == "repro.toml"));
    }
}

#[test]
fn hunt_all_writes_a_replayable_repro_per_violation() {
    let (code, stdout, dir) = hunt_in(
        "all",
        &[
            "scenarios/hunt/stw-nonpreemptible.toml",
            "--threshold",
            "30ms",
            "--cases",
            "12",
            "--all",
        ],
    );
    assert_eq!(code, Some(1), "{stdout}");
    let cases: Vec<u32> = stdout
        .lines()
        .filter(|l| l.starts_with("VIOLATION"))
        .map(|l| {
            let i = l.find(" at case ").unwrap() + " at case ".len();
            l[i..].split_whitespace().next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(cases.len() >= 2, "at least two violations: {stdout}");
    assert!(cases.windows(2).all(|w| w[0] < w[1]), "in case order");
    let summary = stdout.lines().last().unwrap();
    let listed: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
    assert!(
        summary.starts_with(&format!("{} violations of stw-max", cases.len()))
            && summary.contains(&format!("cases {}", listed.join(", "))),
        "{summary}"
    );
    // repro.toml is the first violation's; each violation has its own, which replays.
    let first = std::fs::read(dir.join(format!("repro-{}.toml", cases[0]))).unwrap();
    let plain = std::fs::read_to_string(dir.join("repro.toml")).unwrap();
    assert_eq!(
        plain.replace("check repro.toml", ""),
        String::from_utf8(first)
            .unwrap()
            .replace(&format!("check repro-{}.toml", cases[0]), "")
    );
    for c in &cases {
        let repro = dir.join(format!("repro-{c}.toml"));
        assert!(
            stdout.contains(&format!("replay: gmpsim check DIR/repro-{c}.toml")),
            "{stdout}"
        );
        let chk = gmpsim().arg("check").arg(&repro).output().unwrap();
        assert_eq!(chk.status.code(), Some(1), "case {c}: {}", text(&chk));
        let header = std::fs::read_to_string(&repro).unwrap();
        assert!(
            header.contains(&format!("observed: {}", observed(&text(&chk)))),
            "case {c} replays what the hunt saw: {header}"
        );
    }
}
