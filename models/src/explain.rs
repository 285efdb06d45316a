//! `gmpsim explain`: the event log (`obs.rs`) told in plain sentences tied to the runtime
//! functions, for one goroutine or a span of time.
//!
//! # Simplifications
//! - For a goroutine, the story is its own events plus, after it stops, what its P ran next.
//! - Counter-only log entries and the Ms' spinning, parking and netpoll blocking are not told.
//! - A mark assist is told once, when it ends, and only in a goroutine's story (`--at` tells
//!   each cycle's total of assist time in its mark-work sentence instead).

use crate::gc::pacer::TriggerKind;
use crate::obs::{EventLog, GcPhaseEv, MarkWork, ObsEv, PreemptBy, ReadyHow, StopWhy};
use crate::sched::proc::RunSource;
use crate::sched::types::{NIL, WaitReason};
use crate::sim::StwKind;
use sim_core::Nanos;

/// What to explain.
#[derive(Clone, Copy, Debug)]
pub enum Query {
    /// Everything about the goroutine with this goid.
    Goroutine(u64),
    /// Everything in `[from, to]` ns.
    Window(Nanos, Nanos),
}

/// `t=1.203400 s`, from integer ns.
pub fn fmt_t(t: Nanos) -> String {
    format!(
        "t={}.{:06} s",
        t / 1_000_000_000,
        (t % 1_000_000_000) / 1000
    )
}

/// A duration in ms with three decimals.
pub fn fmt_ms(ns: Nanos) -> String {
    format!("{}.{:03} ms", ns / 1_000_000, (ns % 1_000_000) / 1000)
}

/// Bytes as MiB with two decimals.
pub fn fmt_mib(b: u64) -> String {
    format!("{:.2} MiB", b as f64 / (1u64 << 20) as f64)
}

fn from_where(s: RunSource) -> &'static str {
    match s {
        RunSource::Runnext => "from runnext (`runqget`)",
        RunSource::Local => "from its local run queue (`runqget`)",
        RunSource::Global => "from the global run queue (`globrunqget`)",
        RunSource::Fairness => {
            "from the global run queue on the 1-in-61 fairness check (`schedule`, `globrunqget`)"
        }
        RunSource::Netpoll => "from the netpoller (`netpoll`, `injectglist`)",
        RunSource::Steal => "after stealing it from another P (`stealWork`, `runqsteal`)",
        RunSource::StealRunnext => {
            "after stealing it from another P's runnext (`stealWork`, `runqsteal`)"
        }
        RunSource::Resume => "as the stop-the-world initiator resuming (`startTheWorldWithSema`)",
        RunSource::GcWorker => "found by `findRunnableGCWorker` (`gcBgMarkWorker`)",
    }
}

fn stw_what(k: StwKind) -> String {
    match k {
        StwKind::Gomaxprocs(n) => format!("`GOMAXPROCS({n})`"),
        StwKind::GcSweepTerm => "GC sweep termination".into(),
        StwKind::GcMarkTerm => "GC mark termination".into(),
    }
}

/// What a parked goroutine waits for, with the runtime's wait reason as `go tool trace` and
/// goroutine dumps print it.
fn wait_words(r: WaitReason) -> String {
    let what = match r {
        WaitReason::Sleep => "a timer",
        WaitReason::IoWait => "network I/O (the netpoller)",
        WaitReason::ChanReceive | WaitReason::Forever => "a channel receive",
        WaitReason::ChanSend => "a channel send",
        WaitReason::MutexLock => "a mutex",
        WaitReason::WaitGroup => "a wait group",
        WaitReason::GcAssistWait => "background mark credit to pay its assist debt",
        WaitReason::Semacquire => "a semaphore",
        WaitReason::GcMarkWait => "the GC's mark termination",
        WaitReason::StoppingTheWorld => "the world to stop",
        _ => "the runtime",
    };
    format!("{what} (\"{}\")", r.as_str())
}

fn g_name(goid: u64, class_is_worker: bool) -> String {
    if class_is_worker || goid == 0 {
        "a GC mark worker".into()
    } else {
        format!("G{goid}")
    }
}

/// `part` of `total` in percent with one decimal, rounded half up, from integers.
pub fn fmt_pct(part: Nanos, total: Nanos) -> String {
    if total == 0 {
        return "0.0 %".into();
    }
    let tenths = (u128::from(part) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// The sentence for a cycle's mark work: who did it, in CPU time and share.
pub fn mark_work_sentence(t: Nanos, cycle: u32, w: &MarkWork) -> String {
    let total = w.total();
    if total == 0 {
        return format!(
            "{}: GC cycle {cycle}: no mark work took CPU time (no `gcBgMarkWorker` ran, no `gcAssistAlloc`).",
            fmt_t(t)
        );
    }
    let part = |x: Nanos| format!("{} ({})", fmt_ms(x), fmt_pct(x, total));
    format!(
        "{}: GC cycle {cycle}: the mark work took {} of CPU: dedicated workers {}, fractional workers {}, idle workers {} (`gcBgMarkWorker` in `gcMarkWorkerDedicatedMode`, `gcMarkWorkerFractionalMode`, `gcMarkWorkerIdleMode`), assists by allocating goroutines {} (`gcAssistAlloc`).",
        fmt_t(t),
        fmt_ms(total),
        part(w.dedicated),
        part(w.fractional),
        part(w.idle),
        part(w.assist)
    )
}

/// One sentence per event the query selects, in time order.
pub fn explain(log: &EventLog, q: Query) -> Vec<String> {
    let mut out = Vec::new();
    let mut run_start: Vec<Nanos> = Vec::new();
    // goid → when its current mark assist began.
    let mut assist_start: std::collections::BTreeMap<u64, Nanos> = Default::default();
    let mut stw_started: Nanos = 0;
    // After the goroutine stops on a P, the next run on that P is part of its story.
    let mut follow_p: Option<u32> = None;
    for ev in &log.events {
        let t = ev.t();
        let (sel, involved) = match q {
            Query::Window(a, b) => (t >= a && t <= b, true),
            Query::Goroutine(g) => {
                let mine = match *ev {
                    ObsEv::Run { goid, .. }
                    | ObsEv::Stop { goid, .. }
                    | ObsEv::Ready { goid, .. }
                    | ObsEv::PreemptReq { goid, .. }
                    | ObsEv::Preempted { goid, .. }
                    | ObsEv::Steal { goid, .. }
                    | ObsEv::Syscall { goid, .. }
                    | ObsEv::Assist { goid, .. } => goid == g,
                    _ => false,
                };
                (mine, mine)
            }
        };
        let sentence = match *ev {
            ObsEv::Run {
                start,
                goid,
                class,
                p,
                m,
                src,
                ..
            } => {
                if p != NIL {
                    if run_start.len() <= p as usize {
                        run_start.resize(p as usize + 1, 0);
                    }
                    run_start[p as usize] = start;
                }
                let follow = follow_p == Some(p) && !sel;
                if follow {
                    follow_p = None;
                }
                if !(sel || follow) {
                    continue;
                }
                let who = g_name(goid, class == crate::gc::cycle::GC_WORKER_CLASS);
                format!(
                    "{}: P{p} (on M{m}) ran {who} {} (`execute`).",
                    fmt_t(start),
                    from_where(src)
                )
            }
            ObsEv::Stop {
                t, goid, p, why, ..
            } => {
                if !sel {
                    continue;
                }
                if matches!(q, Query::Goroutine(_)) {
                    follow_p = Some(p);
                }
                let ran = run_start
                    .get(p as usize)
                    .map(|&s| t.saturating_sub(s))
                    .unwrap_or(0);
                if goid == 0 {
                    format!(
                        "{}: the GC mark worker on P{p} parked after {} (`gcBgMarkWorker`, `gopark`).",
                        fmt_t(t),
                        fmt_ms(ran)
                    )
                } else {
                    let how = match why {
                        StopWhy::Park(r) => {
                            format!(": it parked (`gopark`), waiting for {}", wait_words(r))
                        }
                        StopWhy::Exit => ": it exited (`goexit0`)".to_string(),
                        StopWhy::Other => String::new(),
                    };
                    format!(
                        "{}: G{goid} stopped running on P{p} after {}{how}.",
                        fmt_t(t),
                        fmt_ms(ran)
                    )
                }
            }
            ObsEv::Ready {
                t,
                goid,
                p,
                next,
                how,
            } => {
                if !sel {
                    continue;
                }
                let batch = how == ReadyHow::Inject;
                let how = match how {
                    ReadyHow::Newproc => "was created (`newproc`)",
                    ReadyHow::Ready => "was made runnable (`ready`)",
                    ReadyHow::Inject => "was made runnable in a batch (`injectglist`)",
                };
                let q = if p == NIL {
                    "the global run queue (`globrunqputbatch`)".to_string()
                } else if next {
                    format!("P{p}'s runnext (`runqput`)")
                } else if batch {
                    format!("P{p}'s local run queue (`runqputbatch`)")
                } else {
                    format!("P{p}'s local run queue (`runqput`)")
                };
                format!("{}: G{goid} {how} and put in {q}.", fmt_t(t))
            }
            ObsEv::PreemptReq {
                t,
                goid,
                p,
                ran,
                by,
            } => {
                if !sel {
                    continue;
                }
                match by {
                    PreemptBy::Sysmon => format!(
                        "{}: {} was running on P{p} for {}; sysmon (`retake`) requested preemption (`preemptone`).",
                        fmt_t(t),
                        g_name(goid, false),
                        fmt_ms(ran)
                    ),
                    PreemptBy::Stw => format!(
                        "{}: the stop-the-world asked {} on P{p} to stop (`preemptall`).",
                        fmt_t(t),
                        g_name(goid, false)
                    ),
                }
            }
            ObsEv::Preempted { t, goid, p, global } => {
                if !sel {
                    continue;
                }
                if matches!(q, Query::Goroutine(_)) {
                    follow_p = Some(p);
                }
                if global {
                    format!(
                        "{}: G{goid} stopped at a safe point and went to the global runq (`gopreempt_m`, `goschedImpl`).",
                        fmt_t(t)
                    )
                } else {
                    format!(
                        "{}: G{goid} stopped at a safe point and went to P{p}'s runnext, since a stop-the-world is pending (`goschedImpl`).",
                        fmt_t(t)
                    )
                }
            }
            ObsEv::Steal {
                t,
                goid,
                thief,
                victim,
                runnext,
            } => {
                if !sel {
                    continue;
                }
                let from = if runnext { "runnext" } else { "run queue" };
                format!(
                    "{}: P{thief} stole G{goid} from P{victim}'s {from} (`stealWork`, `runqsteal`).",
                    fmt_t(t)
                )
            }
            ObsEv::Handoff { t, p } => {
                if !sel || !involved {
                    continue;
                }
                format!(
                    "{}: P{p} was handed off (`handoffp`): its M is blocked in a syscall.",
                    fmt_t(t)
                )
            }
            ObsEv::Syscall { t, goid, m, enter } => {
                if !sel {
                    continue;
                }
                if enter {
                    format!(
                        "{}: G{goid} entered a blocking syscall on M{m} (`entersyscall`).",
                        fmt_t(t)
                    )
                } else {
                    format!(
                        "{}: G{goid}'s syscall on M{m} returned (`exitsyscall`).",
                        fmt_t(t)
                    )
                }
            }
            ObsEv::Stw { t, kind, start } => {
                if start {
                    stw_started = t;
                }
                if !sel || !involved {
                    continue;
                }
                if start {
                    format!(
                        "{}: the world is stopping for {} (`stopTheWorldWithSema`): every running G is asked to stop.",
                        fmt_t(t),
                        stw_what(kind)
                    )
                } else {
                    format!(
                        "{}: the world restarted after {} stopped for {} (`startTheWorldWithSema`).",
                        fmt_t(t),
                        fmt_ms(t.saturating_sub(stw_started)),
                        stw_what(kind)
                    )
                }
            }
            ObsEv::Gc {
                t,
                phase,
                cycle,
                trigger_kind,
                counters: c,
            } => {
                if !sel || !involved {
                    continue;
                }
                match phase {
                    GcPhaseEv::SweepTerm => match trigger_kind {
                        Some(TriggerKind::Cycle) => format!(
                            "{}: GC cycle {cycle} started (`gcStart`): `runtime.GC()` asked for it (`gcTriggerCycle`); heap live {}.",
                            fmt_t(t),
                            fmt_mib(c.heap_live)
                        ),
                        Some(TriggerKind::Time) => format!(
                            "{}: GC cycle {cycle} started (`gcStart`): two minutes without a GC (`forcegchelper`, `gcTriggerTime`); heap live {}.",
                            fmt_t(t),
                            fmt_mib(c.heap_live)
                        ),
                        _ => format!(
                            "{}: GC cycle {cycle} started (`gcStart`): heap live {} reached the trigger {} (goal {}; `gcTrigger.test`).",
                            fmt_t(t),
                            fmt_mib(c.heap_live),
                            fmt_mib(c.trigger),
                            fmt_mib(c.heap_goal)
                        ),
                    },
                    GcPhaseEv::Mark => format!(
                        "{}: GC cycle {cycle}: marking began with the world restarted (`gcBgMarkStartWorkers`, `gcController.startCycle`).",
                        fmt_t(t)
                    ),
                    GcPhaseEv::MarkTerm => format!(
                        "{}: GC cycle {cycle}: the mark work is done at heap live {} (`gcMarkDone`).",
                        fmt_t(t),
                        fmt_mib(c.heap_live)
                    ),
                    GcPhaseEv::Off => format!(
                        "{}: GC cycle {cycle} ended (`gcMarkTermination`): the next goal is {} and the trigger {}.",
                        fmt_t(t),
                        fmt_mib(c.heap_goal),
                        fmt_mib(c.trigger)
                    ),
                }
            }
            ObsEv::Assist { t, goid, p, start } => {
                if start {
                    assist_start.insert(goid, t);
                    continue;
                }
                let Some(a) = assist_start.remove(&goid) else {
                    continue;
                };
                if !sel || matches!(q, Query::Window(..)) {
                    continue;
                }
                format!(
                    "{}: G{goid}'s mark assist on P{p} ended after {} (`gcAssistAlloc`): it allocated while the GC was marking and paid for it with scan work.",
                    fmt_t(t),
                    fmt_ms(t.saturating_sub(a))
                )
            }
            ObsEv::GcWork { t, cycle, work } => {
                if !sel || !involved {
                    continue;
                }
                mark_work_sentence(t, cycle, &work)
            }
            ObsEv::Count { .. } | ObsEv::M { .. } | ObsEv::PState { .. } => continue,
        };
        out.push(sentence);
    }
    out
}
