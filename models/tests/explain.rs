//! `explain` sentences checked against the logged events they tell: a sysmon preemption, a
//! steal, and a GC trigger.

use models::explain::{Query, explain, fmt_mib, fmt_ms, fmt_t};
use models::obs::{EventLog, GcPhaseEv, ObsEv, PreemptBy};
use models::run::{RunResult, run_scenario};
use models::scenario::load_scenario;
use models::sim::RunOptions;
use std::path::PathBuf;

/// A run of the scenario at `rel` (from the repo root) with its event log kept.
fn run_logged(rel: &str, sets: &[&str]) -> RunResult {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = load_scenario(&path, &sets).expect("loads").scenario;
    run_scenario(
        &sc,
        RunOptions {
            event_log: true,
            ..Default::default()
        },
    )
    .expect("runs")
}

fn log_of(rel: &str, sets: &[&str]) -> EventLog {
    run_logged(rel, sets).world.events.expect("log kept")
}

#[test]
fn a_sysmon_preemption_is_told_with_retake_and_goschedimpl() {
    // Four CPU-bound goroutines on one P: sysmon preempts each after its slice.
    let log = log_of("scenarios/validation/schedfair.toml", &[]);
    let (t, goid, p, ran) = log
        .events
        .iter()
        .find_map(|e| match *e {
            ObsEv::PreemptReq {
                t,
                goid,
                p,
                ran,
                by: PreemptBy::Sysmon,
            } if goid != 0 => Some((t, goid, p, ran)),
            _ => None,
        })
        .expect("sysmon preempted someone");
    // The runtime's slice: sysmon sees the same schedtick twice, 10 ms apart (≈20 ms).
    assert!((10_000_000..=21_000_000).contains(&ran), "ran {ran} ns");
    let lines = explain(&log, Query::Goroutine(goid));
    let want = format!(
        "{}: G{goid} was running on P{p} for {}; sysmon (`retake`) requested preemption (`preemptone`).",
        fmt_t(t),
        fmt_ms(ran)
    );
    let i = lines
        .iter()
        .position(|l| *l == want)
        .unwrap_or_else(|| panic!("missing {want:?} in {lines:#?}"));
    // Then it reaches a safe point and goes to the global queue (there is no STW here).
    let went = lines[i + 1..]
        .iter()
        .find(|l| l.contains("went to the global runq (`gopreempt_m`, `goschedImpl`)"))
        .expect("where the preempted G went");
    assert!(went.contains(&format!("G{goid} ")), "{went}");
    let logged = log.events.iter().any(|e| {
        matches!(*e, ObsEv::Preempted { goid: g, global: true, t: tp, .. } if g == goid && tp >= t)
    });
    assert!(logged, "the log has the preempted G going global");
}

#[test]
fn a_steal_is_told_with_the_thief_and_the_victim() {
    let log = log_of("scenarios/default.toml", &["meta.duration=\"200ms\""]);
    let (t, goid, thief, victim) = log
        .events
        .iter()
        .find_map(|e| match *e {
            ObsEv::Steal {
                t,
                goid,
                thief,
                victim,
                runnext: false,
            } => Some((t, goid, thief, victim)),
            _ => None,
        })
        .expect("a steal from a run queue happened");
    assert_ne!(thief, victim);
    let lines = explain(&log, Query::Window(t, t));
    let want = format!(
        "{}: P{thief} stole G{goid} from P{victim}'s run queue (`stealWork`, `runqsteal`).",
        fmt_t(t)
    );
    assert!(lines.contains(&want), "missing {want:?} in {lines:#?}");
    // And the goroutine's own story says it then ran on the thief.
    let story = explain(&log, Query::Goroutine(goid));
    let ran = format!("P{thief} (on M");
    let i = story
        .iter()
        .position(|l| *l == want)
        .expect("steal in story");
    assert!(
        story[i + 1..]
            .iter()
            .any(|l| l.contains(&ran) && l.contains(&format!("ran G{goid} after stealing"))),
        "{story:#?}"
    );
}

#[test]
fn a_gc_trigger_is_told_with_the_pacer_figures() {
    let log = log_of("scenarios/validation/gcstep.toml", &[]);
    let (t, c) = log
        .events
        .iter()
        .find_map(|e| match *e {
            ObsEv::Gc {
                t,
                phase: GcPhaseEv::SweepTerm,
                cycle: 2,
                counters,
                ..
            } => Some((t, counters)),
            _ => None,
        })
        .expect("a second GC cycle");
    // A heap trigger: live heap at or above the trigger, the trigger below the goal.
    assert!(c.heap_live >= c.trigger && c.trigger < c.heap_goal, "{c:?}");
    let lines = explain(&log, Query::Window(t, t));
    let want = format!(
        "{}: GC cycle 2 started (`gcStart`): heap live {} reached the trigger {} (goal {}; `gcTrigger.test`).",
        fmt_t(t),
        fmt_mib(c.heap_live),
        fmt_mib(c.trigger),
        fmt_mib(c.heap_goal)
    );
    assert!(lines.contains(&want), "missing {want:?} in {lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the world is stopping for GC sweep termination")),
        "{lines:#?}"
    );
}

#[test]
fn who_did_the_mark_work_is_told_from_the_cycle_accounting() {
    // gcstep on one P: dedicated and fractional workers, idle workers and assists all mark.
    let r = run_logged("scenarios/validation/gcstep.toml", &[]);
    let log = r.world.events.as_ref().expect("log kept");
    let records = &r.world.gc.records;
    let works: Vec<_> = log
        .events
        .iter()
        .filter_map(|e| match *e {
            ObsEv::GcWork { t, cycle, work } => Some((t, cycle, work)),
            _ => None,
        })
        .collect();
    assert_eq!(
        works.len(),
        records.len(),
        "one mark-work event per finished cycle"
    );
    let mut with_assists = 0;
    for &(t, cycle, w) in &works {
        // The numbers are the cycle's own accounting (what gctrace prints as assist/bg/idle).
        let rec = &records[cycle as usize - 1];
        assert_eq!(rec.n, cycle);
        assert_eq!(
            w.dedicated + w.fractional,
            rec.background_cpu_ns,
            "cycle {cycle}"
        );
        assert_eq!(w.idle, rec.idle_cpu_ns, "cycle {cycle}");
        assert_eq!(w.assist, rec.assist_cpu_ns, "cycle {cycle}");
        // The world restarted after mark termination at t.
        assert_eq!(
            t,
            rec.start_ns + rec.stw1_ns + rec.mark_ns + rec.stw2_ns,
            "cycle {cycle}"
        );
        with_assists += (w.assist > 0) as u32;
        let total = w.dedicated + w.fractional + w.idle + w.assist;
        assert!(total > 0, "cycle {cycle} marked something");
        let pct = |x: u64| (x as f64 * 1000.0 / total as f64).round() / 10.0;
        let sum = pct(w.dedicated) + pct(w.fractional) + pct(w.idle) + pct(w.assist);
        assert!(
            (sum - 100.0).abs() <= 0.25,
            "cycle {cycle}: shares sum to {sum}"
        );
        let part = |x: u64| format!("{} ({:.1} %)", fmt_ms(x), pct(x));
        let want = format!(
            "{}: GC cycle {cycle}: the mark work took {} of CPU: dedicated workers {}, fractional workers {}, idle workers {} (`gcBgMarkWorker` in `gcMarkWorkerDedicatedMode`, `gcMarkWorkerFractionalMode`, `gcMarkWorkerIdleMode`), assists by allocating goroutines {} (`gcAssistAlloc`).",
            fmt_t(t),
            fmt_ms(total),
            part(w.dedicated),
            part(w.fractional),
            part(w.idle),
            part(w.assist)
        );
        let lines = explain(log, Query::Window(t, t));
        assert!(lines.contains(&want), "missing {want:?} in {lines:#?}");
    }
    assert!(with_assists > 0, "some cycle had assists");
    // The assists themselves are told in the goroutines' stories.
    let (goid, start_t) = log
        .events
        .iter()
        .find_map(|e| match *e {
            ObsEv::Assist {
                t,
                goid,
                start: true,
                ..
            } => Some((goid, t)),
            _ => None,
        })
        .expect("an assist");
    let (end_t, p) = log
        .events
        .iter()
        .find_map(|e| match *e {
            ObsEv::Assist {
                t,
                goid: g,
                p,
                start: false,
            } if g == goid && t >= start_t => Some((t, p)),
            _ => None,
        })
        .expect("it ends");
    let story = explain(log, Query::Goroutine(goid));
    let want = format!(
        "{}: G{goid}'s mark assist on P{p} ended after {} (`gcAssistAlloc`): it allocated while the GC was marking and paid for it with scan work.",
        fmt_t(end_t),
        fmt_ms(end_t - start_t)
    );
    assert!(story.contains(&want), "missing {want:?}");
}

#[test]
fn a_netpoll_batch_into_a_local_queue_is_told_as_injectglist() {
    use models::obs::ReadyHow;
    // default.toml's handlers wake on I/O: `injectglist` puts a batch in the global queue (as
    // many as there are idle Ps) and the rest in the poller's P's ring.
    let log = log_of("scenarios/default.toml", &[]);
    let (t, goid, p) = log
        .events
        .iter()
        .find_map(|e| match *e {
            ObsEv::Ready {
                t,
                goid,
                p,
                how: ReadyHow::Inject,
                ..
            } if p != models::sched::types::NIL => Some((t, goid, p)),
            _ => None,
        })
        .expect("injectglist put a goroutine in a local queue");
    let want = format!(
        "{}: G{goid} was made runnable in a batch (`injectglist`) and put in P{p}'s local run \
         queue (`runqputbatch`).",
        fmt_t(t)
    );
    let lines = explain(&log, Query::Goroutine(goid));
    assert!(lines.contains(&want), "no `{want}` in {lines:#?}");
}

#[test]
fn a_stop_says_whether_the_goroutine_parked_and_why_or_exited() {
    use models::obs::StopWhy;
    use models::sched::types::WaitReason;
    // default.toml's handlers park on their backend I/O, then exit after responding.
    let log = log_of("scenarios/default.toml", &[]);
    let find = |want: StopWhy| {
        log.events
            .iter()
            .find_map(|e| match *e {
                ObsEv::Stop {
                    t, goid, p, why, ..
                } if goid != 0 && why == want => Some((t, goid, p)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no stop with {want:?}"))
    };
    let (t, goid, p) = find(StopWhy::Park(WaitReason::IoWait));
    let lines = explain(&log, Query::Goroutine(goid));
    let head = format!("{}: G{goid} stopped running on P{p} after ", fmt_t(t));
    let told = lines.iter().find(|l| l.starts_with(&head)).expect("told");
    assert!(
        told.ends_with(
            ": it parked (`gopark`), waiting for network I/O (the netpoller) (\"IO wait\")."
        ),
        "{told}"
    );
    let (t, goid, p) = find(StopWhy::Exit);
    let lines = explain(&log, Query::Goroutine(goid));
    let head = format!("{}: G{goid} stopped running on P{p} after ", fmt_t(t));
    let told = lines.iter().find(|l| l.starts_with(&head)).expect("told");
    assert!(told.ends_with(": it exited (`goexit0`)."), "{told}");
    // Nothing of the goroutine is told after its exit (only what its P ran next).
    let mut after = lines.iter().skip_while(|l| *l != told).skip(1);
    let me = format!("G{goid} ");
    assert!(after.all(|l| !l.contains(&me)), "{lines:#?}");
}
