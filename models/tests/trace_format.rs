//! The Chrome Trace Event / Perfetto export (`obs_chrome.rs`) checked against the rules of
//! Perfetto's JSON importer: it parses, every `X` has a `dur`, slices on one track nest (the
//! importer moves partially overlapping ones to another track), counters are numbers, and `M`
//! metadata names every process and thread used. Plus: same seed ⇒ same bytes, and the event
//! log does not change the run.

use models::obs_chrome::write_chrome_trace;
use models::run::{RunResult, run_scenario};
use models::scenario::load_scenario;
use models::sim::RunOptions;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn run(rel: &str, seed: Option<u64>, event_log: bool) -> RunResult {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    let sc = load_scenario(&path, &[]).expect("loads").scenario;
    run_scenario(
        &sc,
        RunOptions {
            seed,
            event_log,
            ..Default::default()
        },
    )
    .expect("runs")
}

fn trace(r: &RunResult, window: (u64, u64)) -> Vec<u8> {
    let mut out = Vec::new();
    write_chrome_trace(
        r.world.events.as_ref().expect("log kept"),
        r.outcome.end_time,
        window,
        &mut out,
    )
    .expect("writes");
    out
}

/// Integer ns from a µs timestamp printed with three decimals.
fn ns(v: &Value) -> i64 {
    (v.as_f64().expect("number") * 1000.0).round() as i64
}

/// Checks the importer rules; returns the number of X slices.
fn check_importer_rules(bytes: &[u8]) -> usize {
    let doc: Value = serde_json::from_slice(bytes).expect("the trace parses as JSON");
    let evs = doc["traceEvents"].as_array().expect("traceEvents array");
    let mut slices: BTreeMap<(u64, u64), Vec<(i64, i64)>> = BTreeMap::new();
    let mut used: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut named_threads = BTreeSet::new();
    let mut named_procs = BTreeSet::new();
    let mut n_counter = 0;
    for e in evs {
        let ph = e["ph"].as_str().expect("ph");
        let pid = e["pid"].as_u64().expect("pid");
        let tid = e["tid"].as_u64().unwrap_or(0);
        match ph {
            "X" => {
                let dur = e.get("dur").expect("every X has a dur");
                assert!(dur.as_f64().expect("dur is a number") >= 0.0, "{e}");
                let a = ns(&e["ts"]);
                slices.entry((pid, tid)).or_default().push((a, a + ns(dur)));
                used.insert((pid, tid));
            }
            "i" => {
                ns(&e["ts"]);
                used.insert((pid, tid));
            }
            "C" => {
                n_counter += 1;
                let args = e["args"].as_object().expect("counter args");
                assert!(!args.is_empty());
                for (k, v) in args {
                    assert!(v.is_number(), "counter {k} is not a number: {e}");
                }
            }
            "M" => match e["name"].as_str() {
                Some("process_name") => {
                    named_procs.insert(pid);
                }
                Some("thread_name") => {
                    assert!(e["args"]["name"].is_string());
                    named_threads.insert((pid, tid));
                }
                other => panic!("unexpected metadata {other:?}"),
            },
            "s" | "f" => {
                assert!(e["id"].is_u64());
            }
            other => panic!("unexpected phase {other}"),
        }
    }
    assert!(n_counter > 0, "counter tracks present");
    for (pid, tid) in &used {
        assert!(named_procs.contains(pid), "process {pid} has no name");
        assert!(
            named_threads.contains(&(*pid, *tid)),
            "thread {pid}/{tid} has no name"
        );
    }
    let mut n = 0;
    for (track, mut v) in slices {
        n += v.len();
        v.sort_by_key(|&(a, b)| (a, std::cmp::Reverse(b)));
        // A stack of open slices: each new one must end inside the innermost that contains it.
        let mut stack: Vec<(i64, i64)> = Vec::new();
        for (a, b) in v {
            while let Some(&(_, e)) = stack.last() {
                if e <= a {
                    stack.pop();
                } else {
                    break;
                }
            }
            if let Some(&(pa, pe)) = stack.last() {
                assert!(
                    b <= pe,
                    "track {track:?}: slice {a}..{b} partially overlaps {pa}..{pe}"
                );
            }
            stack.push((a, b));
        }
    }
    n
}

const SCENARIOS: [&str; 3] = [
    "scenarios/default.toml",
    "scenarios/validation/gcstep.toml",
    "scenarios/validation/syscallblock.toml",
];

#[test]
fn traces_follow_the_perfetto_importer_rules() {
    for s in SCENARIOS {
        let r = run(s, None, true);
        let n = check_importer_rules(&trace(&r, (0, u64::MAX)));
        // Every run slice of a G is in the trace.
        let runs = r
            .world
            .events
            .as_ref()
            .unwrap()
            .events
            .iter()
            .filter(|e| matches!(e, models::obs::ObsEv::Run { .. }))
            .count();
        assert!(n >= runs, "{s}: {n} slices for {runs} runs");
    }
}

#[test]
fn a_window_keeps_the_trace_small_and_valid() {
    let r = run("scenarios/default.toml", None, true);
    let full = trace(&r, (0, u64::MAX));
    let part = trace(&r, (500_000_000, 600_000_000));
    check_importer_rules(&part);
    assert!(
        part.len() * 5 < full.len(),
        "{} vs {}",
        part.len(),
        full.len()
    );
    let doc: Value = serde_json::from_slice(&part).unwrap();
    for e in doc["traceEvents"].as_array().unwrap() {
        if let Some(ts) = e.get("ts") {
            let t = ns(ts);
            assert!(
                (500_000_000..=600_000_000).contains(&t),
                "event outside the window: {e}"
            );
        }
    }
    // The counter tracks open at the window's start with the values they had then, and the
    // GC CPU one equals the last value written before the window in the full trace.
    let counters = |d: &Value, name: &str| -> Vec<(i64, Value)> {
        d["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "C" && e["name"] == name)
            .map(|e| (ns(&e["ts"]), e["args"].clone()))
            .collect()
    };
    let full_doc: Value = serde_json::from_slice(&full).unwrap();
    for name in ["heap", "GC CPU"] {
        let first = counters(&doc, name);
        assert_eq!(first.first().map(|c| c.0), Some(500_000_000), "{name}");
        let before = counters(&full_doc, name)
            .into_iter()
            .rfind(|c| c.0 <= 500_000_000)
            .expect("a value before the window");
        assert_eq!(first[0].1, before.1, "{name} at the window's start");
    }
}

#[test]
fn trace_is_byte_identical_for_the_same_seed() {
    for s in SCENARIOS {
        let a = trace(&run(s, Some(7), true), (0, u64::MAX));
        let b = trace(&run(s, Some(7), true), (0, u64::MAX));
        assert!(a == b, "{s}: traces differ for one seed");
    }
    let a = trace(&run(SCENARIOS[0], Some(7), true), (0, u64::MAX));
    let c = trace(&run(SCENARIOS[0], Some(8), true), (0, u64::MAX));
    assert!(a != c, "a different seed gives a different trace");
}

#[test]
fn the_event_log_does_not_change_the_run() {
    for s in SCENARIOS {
        let on = run(s, None, true);
        let off = run(s, None, false);
        assert!(off.world.events.is_none());
        assert_eq!(on.summary.run_hash, off.summary.run_hash, "{s}");
        assert_eq!(on.summary.events, off.summary.events, "{s}");
    }
}

#[test]
fn lane_spans_match_the_trace_slices() {
    let r = run("scenarios/default.toml", None, true);
    let w = (100_000_000, 110_000_000);
    let log = r.world.events.as_ref().unwrap();
    let sp = models::obs_spans::spans(log, r.outcome.end_time, w);
    let doc: Value = serde_json::from_slice(&trace(&r, w)).unwrap();
    for (p, lane) in sp.lanes.iter().enumerate() {
        let xs: Vec<(i64, i64)> = doc["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == "X" && e["pid"] == 1 && e["tid"] == p as u64)
            // Assists nest inside their G's slice, idle and stopped spans lie between the
            // runs; the lanes draw the runs.
            .filter(|e| {
                let n = e["name"].as_str().unwrap();
                !n.starts_with("GC assist") && n != "idle" && n != "stopped"
            })
            .map(|e| (ns(&e["ts"]), ns(&e["ts"]) + ns(&e["dur"])))
            .collect();
        let spans: Vec<(i64, i64)> = lane
            .iter()
            .map(|s| (s.start as i64, s.end as i64))
            .collect();
        assert_eq!(xs, spans, "P{p}");
        assert!(
            lane.windows(2).all(|v| v[0].end <= v[1].start),
            "P{p} lanes overlap"
        );
    }
    assert!(sp.lanes.iter().map(Vec::len).sum::<usize>() > 100);
}

/// The X slices of a trace: (pid, tid, name, start ns, end ns).
fn x_slices(bytes: &[u8]) -> Vec<(u64, u64, String, i64, i64)> {
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            let a = ns(&e["ts"]);
            (
                e["pid"].as_u64().unwrap(),
                e["tid"].as_u64().unwrap(),
                e["name"].as_str().unwrap().to_string(),
                a,
                a + ns(&e["dur"]),
            )
        })
        .collect()
}

#[test]
fn assists_are_slices_inside_their_goroutine_and_gc_cpu_counts_them() {
    // gcstep allocates hard during marking: its goroutines assist.
    let r = run("scenarios/validation/gcstep.toml", None, true);
    let bytes = trace(&r, (0, u64::MAX));
    check_importer_rules(&bytes);
    let xs = x_slices(&bytes);
    let assists: Vec<_> = xs
        .iter()
        .filter(|s| s.2.starts_with("GC assist (G"))
        .collect();
    assert!(!assists.is_empty(), "assist slices present");
    for (pid, tid, name, a, b) in &assists {
        assert_eq!(*pid, 1, "{name} on a P track");
        let g = &name["GC assist (".len()..name.len() - 1];
        assert!(
            xs.iter()
                .any(|s| s.0 == 1 && s.1 == *tid && s.2 == g && s.3 <= *a && *b <= s.4),
            "{name} {a}..{b} inside a {g} slice on P{tid}"
        );
    }
    // Assists happen only during mark: proportional sweeping before a cycle is the
    // goroutine's own work, not an assist.
    let mut cycles: Vec<(i64, i64)> = r
        .world
        .gc
        .records
        .iter()
        .map(|c| {
            let a = c.start_ns as i64;
            (a, a + (c.stw1_ns + c.mark_ns + c.stw2_ns) as i64)
        })
        .collect();
    // A cycle still running when the program ends has no record yet.
    if r.world.gc.phase != models::gc::cycle::GcPhase::Off {
        cycles.push((r.world.gc.t_sweep_term as i64, i64::MAX - 1000));
    }
    for (_, _, name, a, b) in &assists {
        assert!(
            cycles
                .iter()
                .any(|&(s, e)| s - 1000 <= *a && *b <= e + 1000),
            "{name} {a}..{b} lies in a GC cycle's mark"
        );
    }
    // Every assist the log saw end is drawn (an assist preempted midway is drawn in pieces).
    let log = r.world.events.as_ref().unwrap();
    let ended = log
        .events
        .iter()
        .filter(|e| matches!(e, models::obs::ObsEv::Assist { start: false, .. }))
        .count();
    assert!(
        assists.len() >= ended / 2 && ended > 0,
        "{} slices, {ended} assists",
        assists.len()
    );
    // The GC CPU counter: Ps doing mark work, between 0 and GOMAXPROCS, back to 0 after.
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let gc_cpu: Vec<i64> = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "GC CPU")
        .map(|e| e["args"]["Ps"].as_i64().expect("an integer count"))
        .collect();
    let procs = i64::from(r.world.gomaxprocs);
    assert!(
        gc_cpu.iter().all(|&n| (0..=procs).contains(&n)),
        "{gc_cpu:?}"
    );
    assert!(gc_cpu.contains(&procs), "at times every P does mark work");
    assert_eq!(gc_cpu.last(), Some(&0));
}

#[test]
fn m_tracks_show_syscalls_spinning_and_parked() {
    let r = run("scenarios/api-270k-qps.toml", None, true);
    let bytes = trace(&r, (100_000_000, 150_000_000));
    check_importer_rules(&bytes);
    let xs = x_slices(&bytes);
    let on_m = |n: &str| xs.iter().filter(|s| s.0 == 2 && s.2 == n).count();
    assert!(
        on_m("spinning") > 0 && on_m("parked") > 0,
        "spinning and parked on M tracks"
    );
    // Each spinning slice starts where the log has its M start spinning.
    let log = r.world.events.as_ref().unwrap();
    for s in xs
        .iter()
        .filter(|s| s.0 == 2 && s.2 == "spinning" && s.3 > 100_000_000)
    {
        assert!(
            log.events.iter().any(|e| matches!(*e,
                models::obs::ObsEv::M { t, m, what: models::obs::MEv::Spin }
                    if t as i64 == s.3 && u64::from(m) == s.1)),
            "spinning on M{} at {} ns is in the log",
            s.1,
            s.3
        );
    }
    let r = run("scenarios/validation/syscallblock.toml", None, true);
    let xs = x_slices(&trace(&r, (0, u64::MAX)));
    assert!(xs.iter().any(|s| s.0 == 2 && s.2.starts_with("syscall G")));
}

/// P tracks show `idle` (the P on the idle list) and `stopped` (a stop-the-world) between
/// goroutine slices: a stopped span lies inside an STW on the Runtime track, and neither
/// overlaps any other slice of its P.
#[test]
fn p_tracks_show_idle_and_stopped_between_goroutines() {
    let r = run("scenarios/default.toml", None, true);
    let xs = x_slices(&trace(&r, (0, u64::MAX)));
    let states: Vec<_> = xs
        .iter()
        .filter(|s| s.0 == 1 && (s.2 == "idle" || s.2 == "stopped"))
        .collect();
    let stws: Vec<_> = xs.iter().filter(|s| s.0 == 3 && s.1 == 1).collect();
    assert!(states.iter().any(|s| s.2 == "idle"), "idle spans");
    assert!(states.iter().any(|s| s.2 == "stopped"), "stopped spans");
    assert!(!stws.is_empty());
    for s in &states {
        if s.2 == "stopped" {
            assert!(
                stws.iter().any(|w| w.3 <= s.3 && s.4 <= w.4),
                "stopped P{} {}..{} inside an STW",
                s.1,
                s.3,
                s.4
            );
        }
        for o in xs.iter().filter(|o| o.0 == 1 && o.1 == s.1 && *o != *s) {
            assert!(
                o.4 <= s.3 || s.4 <= o.3,
                "P{}: {} {}..{} overlaps {} {}..{}",
                s.1,
                s.2,
                s.3,
                s.4,
                o.2,
                o.3,
                o.4
            );
        }
    }
}

/// A P's `runq P<n>` counter follows its local run queue: the counter rides on every run,
/// ready, steal and preemption, so whenever the P goes idle (`findRunnable` found nothing,
/// its local queue first) the counter last written for it reads 0.
#[test]
fn a_p_goes_idle_with_its_runq_counter_at_zero() {
    let r = run("scenarios/default.toml", None, true);
    let bytes = trace(&r, (0, u64::MAX));
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    // Per P: its runq counter values in time order (written in time order).
    let mut runq: BTreeMap<u64, Vec<(i64, u64)>> = BTreeMap::new();
    for e in doc["traceEvents"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap_or("");
        if e["ph"] == "C" && name.starts_with("runq P") {
            let p = e["tid"].as_u64().unwrap();
            runq.entry(p)
                .or_default()
                .push((ns(&e["ts"]), e["args"]["len"].as_u64().unwrap()));
        }
    }
    let idle: Vec<_> = x_slices(&bytes)
        .into_iter()
        .filter(|s| s.0 == 1 && s.2 == "idle")
        .collect();
    assert!(idle.len() > 100, "{} idle spans", idle.len());
    let mut checked = 0;
    for (_, p, _, start, _) in &idle {
        let Some(vals) = runq.get(p) else { continue };
        let before = vals.partition_point(|&(t, _)| t <= *start);
        if before > 0 {
            checked += 1;
            let (t, len) = vals[before - 1];
            assert_eq!(
                len, 0,
                "P{p} idle at {start} ns with runq {len} (counter at {t} ns)"
            );
        }
    }
    assert!(checked > 100, "{checked} idle spans checked");
}

/// The event log tells each goroutine's life once: a goroutine stops only after it ran (no
/// stop reported twice, as a parked assist once was), and one that is stolen was put in a
/// run queue since it last stopped (the netpoller's `injectglist` once put Gs in queues
/// unreported).
#[test]
fn every_stop_follows_a_run_and_every_steal_a_queueing() {
    use models::obs::ObsEv;
    for rel in ["scenarios/default.toml", "scenarios/nightly-spike.toml"] {
        let r = run(rel, None, true);
        let log = r.world.events.as_ref().expect("log kept");
        // Per goid: running now, and queued since it last stopped.
        let mut running: BTreeMap<u64, bool> = BTreeMap::new();
        let mut queued: BTreeMap<u64, bool> = BTreeMap::new();
        let (mut stops, mut steals) = (0, 0);
        for ev in &log.events {
            match *ev {
                // The GC's mark workers all log as goid 0.
                ObsEv::Run { goid: 0, .. } | ObsEv::Stop { goid: 0, .. } => {}
                ObsEv::Run { goid, .. } => {
                    running.insert(goid, true);
                    queued.insert(goid, false);
                }
                ObsEv::Stop { t, goid, .. } => {
                    stops += 1;
                    let was = running.insert(goid, false).unwrap_or(false);
                    assert!(was, "{rel}: G{goid} stopped at {t} ns without running");
                }
                ObsEv::Ready { goid, .. } | ObsEv::Preempted { goid, .. } => {
                    queued.insert(goid, true);
                }
                ObsEv::Steal { t, goid, .. } => {
                    steals += 1;
                    let q = queued.get(&goid).copied().unwrap_or(false);
                    assert!(q, "{rel}: G{goid} stolen at {t} ns, never reported queued");
                }
                _ => {}
            }
        }
        assert!(
            stops > 1000 && steals > 10,
            "{rel}: {stops} stops, {steals} steals"
        );
    }
}
