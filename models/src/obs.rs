//! The event log: what the runtime did, recorded at the scheduler's and the GC's decision
//! points, for `gmpsim run --trace`, `gmpsim explain` and the hunt's properties.
//!
//! Recording is off unless `RunOptions::event_log` is set; the hooks are one line each in the
//! model (`self.obs(…)`) and only read state, so a run's hash is the same with it on or off.
//!
//! # Simplifications
//! - The stop-the-world initiator is not stopped through `g_stops`, so its slice spans the STW.
//! - An assist (`gcAssistAlloc`) is logged from the allocation that starts it to the end of its
//!   last piece; if the G is preempted in between, the assist resumes with the G.
//! - An M's spinning is logged where `m.spinning` changes; a search that fails at the same
//!   instant it began (the model's `findRunnable` is atomic) spins for 0 ns.

use crate::gc::pacer::TriggerKind;
use crate::sched::proc::RunSource;
use crate::sched::types::*;
use crate::sim::{StwKind, World};
use sim_core::Nanos;

/// Who asked a G to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreemptBy {
    /// sysmon's `retake`: the G ran for a whole 10 ms slice.
    Sysmon,
    /// `preemptall` from `stopTheWorldWithSema`.
    Stw,
}

/// A GC phase change (`gcphase`), with the pacer's figures at that moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcPhaseEv {
    /// `gcStart`: sweep termination begins.
    SweepTerm,
    /// Marking begins (`gcBgMarkStartWorkers`, world restarted).
    Mark,
    /// `gcMarkDone`: mark termination begins.
    MarkTerm,
    /// `gcMarkTermination` done: GC off, sweeping.
    Off,
}

/// What an M did (for its track in the trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MEv {
    /// `m.spinning` set (`startm(pp, true)`, `becomeSpinning`).
    Spin,
    /// `m.spinning` cleared (`resetspinning`, a failed search, `gcstopm`).
    SpinEnd,
    /// `stopm`: the M parks on the idle list (`mput`, `notesleep`).
    Park,
    /// `startm` → `notewakeup`: a parked M is woken to run a P.
    Wake,
    /// The M blocks in `netpoll` (findRunnable step 14).
    Netpoll,
    /// The blocking `netpoll` returned.
    NetpollEnd,
}

/// What a P's track shows between goroutines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PStateEv {
    /// `pidleput`: on the idle P list.
    Idle,
    /// `_Pgcstop`: stopped for a stop-the-world.
    Stopped,
    /// Running the scheduler or a goroutine again.
    Busy,
}

/// Who did a GC cycle's mark work: CPU ns per kind of worker (from the cycle's accounting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkWork {
    /// `gcBgMarkWorker` in `gcMarkWorkerDedicatedMode`.
    pub dedicated: Nanos,
    /// `gcBgMarkWorker` in `gcMarkWorkerFractionalMode`.
    pub fractional: Nanos,
    /// `gcBgMarkWorker` in `gcMarkWorkerIdleMode`.
    pub idle: Nanos,
    /// `gcAssistAlloc` by allocating goroutines.
    pub assist: Nanos,
}

impl MarkWork {
    pub fn total(&self) -> Nanos {
        self.dedicated + self.fractional + self.idle + self.assist
    }
}

/// Why a running goroutine stopped, as far as its state tells at that moment (a preemption,
/// a yield and a syscall have events of their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopWhy {
    /// `gopark`, with its wait reason.
    Park(WaitReason),
    /// `goexit0`.
    Exit,
    Other,
}

/// What made a goroutine runnable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadyHow {
    /// `newproc`: it was just created.
    Newproc,
    /// `ready`: one goroutine woken (a channel, a lock, a timer, an assist's credit…).
    Ready,
    /// `injectglist`: a batch (from the netpoller, a stop-the-world's poll, forcegc's wake-up,
    /// assists woken by background credit, `runtime.GC` callers at the cycle's end).
    Inject,
}

/// One logged runtime event. Times are simulated ns.
#[derive(Clone, Copy, Debug)]
pub enum ObsEv {
    /// `execute`: G starts running on P/M at `start` (decided at `t`).
    Run {
        t: Nanos,
        start: Nanos,
        goid: u64,
        class: u16,
        p: PId,
        m: MId,
        src: RunSource,
    },
    /// The running G stops (parks, yields, is preempted, enters a syscall, exits).
    Stop {
        t: Nanos,
        goid: u64,
        p: PId,
        m: MId,
        why: StopWhy,
    },
    /// A G was made runnable (`newproc`, `ready`, `injectglist`) into P's queue (or `runnext`;
    /// `NIL`: the global queue).
    Ready {
        t: Nanos,
        goid: u64,
        p: PId,
        next: bool,
        how: ReadyHow,
    },
    /// `preemptone`: preemption requested of the G on P.
    PreemptReq {
        t: Nanos,
        goid: u64,
        p: PId,
        ran: Nanos,
        by: PreemptBy,
    },
    /// `gopreempt_m` → `goschedImpl`: the preempted G went to the global queue (or runnext).
    Preempted {
        t: Nanos,
        goid: u64,
        p: PId,
        global: bool,
    },
    /// `runqsteal`: P `thief` took `goid` (and maybe more) from `victim`.
    Steal {
        t: Nanos,
        goid: u64,
        thief: PId,
        victim: PId,
        runnext: bool,
    },
    /// `handoffp` (from sysmon's syscall retake).
    Handoff { t: Nanos, p: PId },
    /// `entersyscall` / `exitsyscall`.
    Syscall {
        t: Nanos,
        goid: u64,
        m: MId,
        enter: bool,
    },
    /// `stopTheWorldWithSema` began (`start`) or `startTheWorldWithSema` ended it.
    Stw {
        t: Nanos,
        kind: StwKind,
        start: bool,
    },
    /// A GC phase began, with the pacer's figures.
    Gc {
        t: Nanos,
        phase: GcPhaseEv,
        cycle: u32,
        trigger_kind: Option<TriggerKind>,
        counters: Counters,
    },
    /// Counter values (heap, queues).
    Count {
        t: Nanos,
        p: PId,
        counters: Counters,
    },
    /// `gcAssistAlloc`: the running G on P starts (or ends) a mark assist.
    Assist {
        t: Nanos,
        goid: u64,
        p: PId,
        start: bool,
    },
    /// An M's state changed (spinning, parked, blocked in netpoll).
    M { t: Nanos, m: MId, what: MEv },
    /// P's state for its track: idle (no G, no M), stopped for the world, or busy again.
    PState { t: Nanos, p: PId, state: PStateEv },
    /// GC cycle `cycle` is over (the world runs again): who did its mark work.
    GcWork {
        t: Nanos,
        cycle: u32,
        work: MarkWork,
    },
}

/// Counter-track values at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub heap_live: u64,
    pub heap_goal: u64,
    pub trigger: u64,
    pub memory_limit: i64,
    pub global_runq: u32,
    pub local_runq: u32,
}

impl ObsEv {
    /// When it happened.
    pub fn t(&self) -> Nanos {
        match *self {
            ObsEv::Run { t, .. }
            | ObsEv::Stop { t, .. }
            | ObsEv::Ready { t, .. }
            | ObsEv::PreemptReq { t, .. }
            | ObsEv::Preempted { t, .. }
            | ObsEv::Steal { t, .. }
            | ObsEv::Handoff { t, .. }
            | ObsEv::Syscall { t, .. }
            | ObsEv::Stw { t, .. }
            | ObsEv::Gc { t, .. }
            | ObsEv::Count { t, .. }
            | ObsEv::Assist { t, .. }
            | ObsEv::M { t, .. }
            | ObsEv::GcWork { t, .. }
            | ObsEv::PState { t, .. } => t,
        }
    }
}

/// The recorded events, in the order they happened.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    pub events: Vec<ObsEv>,
    /// GC cycles started so far.
    pub gc_cycles: u32,
}

/// What a hook reports; `World::obs` turns it into an `ObsEv` with the state it needs.
#[derive(Clone, Copy, Debug)]
pub enum Hook {
    Run {
        g: GId,
        start: Nanos,
        src: RunSource,
    },
    Stop {
        g: GId,
    },
    Ready {
        g: GId,
        p: PId,
        next: bool,
        how: ReadyHow,
    },
    PreemptReq {
        p: PId,
        by: PreemptBy,
    },
    Preempted {
        g: GId,
        global: bool,
    },
    Steal {
        g: GId,
        thief: PId,
        victim: PId,
        runnext: bool,
    },
    Handoff {
        p: PId,
    },
    Syscall {
        g: GId,
        enter: bool,
    },
    Stw {
        start: bool,
    },
    Gc {
        phase: GcPhaseEv,
    },
    Assist {
        g: GId,
        start: bool,
    },
    M {
        m: MId,
        what: MEv,
    },
    /// The cycle just recorded (`gc.records`' last) and its mark work.
    GcWork,
    PState {
        p: PId,
        state: PStateEv,
    },
}

impl World {
    /// Records a hook's event when the event log is on. Reads state only.
    #[inline]
    pub fn obs(&mut self, now: Nanos, h: Hook) {
        if self.events.is_some() {
            self.obs_record(now, h);
        }
    }

    /// Current counter values; `p` names the P whose local queue is reported.
    pub fn obs_counters(&self, p: PId) -> Counters {
        let ctrl = &self.gc.ctrl;
        Counters {
            heap_live: ctrl.heap_live,
            heap_goal: ctrl.heap_goal(),
            trigger: ctrl.trigger().0,
            memory_limit: ctrl.memory_limit,
            global_runq: self.globrunq.len() as u32,
            local_runq: if p == NIL {
                0
            } else {
                self.allp[p as usize].runq_len()
            },
        }
    }

    #[cold]
    fn obs_record(&mut self, now: Nanos, h: Hook) {
        let goid = |w: &World, g: GId| {
            if g == NIL { 0 } else { w.gs[g as usize].goid }
        };
        let g_p = |w: &World, g: GId| {
            let m = w.gs[g as usize].m;
            if m == NIL {
                (NIL, NIL)
            } else {
                (w.ms[m as usize].p, m)
            }
        };
        let ev = match h {
            Hook::Run { g, start, src } => {
                let (p, m) = g_p(self, g);
                ObsEv::Run {
                    t: now,
                    start,
                    goid: goid(self, g),
                    class: self.gs[g as usize].class,
                    p,
                    m,
                    src,
                }
            }
            Hook::Stop { g } => {
                let (p, m) = g_p(self, g);
                let gg = &self.gs[g as usize];
                ObsEv::Stop {
                    t: now,
                    goid: goid(self, g),
                    p,
                    m,
                    why: match gg.status {
                        GStatus::Waiting => StopWhy::Park(gg.wait_reason),
                        GStatus::Dead => StopWhy::Exit,
                        _ => StopWhy::Other,
                    },
                }
            }
            Hook::Ready { g, p, next, how } => ObsEv::Ready {
                t: now,
                goid: goid(self, g),
                p,
                next,
                how,
            },
            Hook::PreemptReq { p, by } => {
                let m = self.allp[p as usize].m;
                let g = if m == NIL {
                    NIL
                } else {
                    self.ms[m as usize].curg
                };
                let ran = if g == NIL {
                    0
                } else {
                    now.saturating_sub(self.gs[g as usize].run_start)
                };
                ObsEv::PreemptReq {
                    t: now,
                    goid: goid(self, g),
                    p,
                    ran,
                    by,
                }
            }
            Hook::Preempted { g, global } => ObsEv::Preempted {
                t: now,
                goid: goid(self, g),
                p: g_p(self, g).0,
                global,
            },
            Hook::Steal {
                g,
                thief,
                victim,
                runnext,
            } => ObsEv::Steal {
                t: now,
                goid: goid(self, g),
                thief,
                victim,
                runnext,
            },
            Hook::Handoff { p } => ObsEv::Handoff { t: now, p },
            Hook::Syscall { g, enter } => ObsEv::Syscall {
                t: now,
                goid: goid(self, g),
                m: self.gs[g as usize].m,
                enter,
            },
            Hook::Stw { start } => ObsEv::Stw {
                t: now,
                kind: self.stw.kind,
                start,
            },
            Hook::Assist { g, start } => ObsEv::Assist {
                t: now,
                goid: goid(self, g),
                p: g_p(self, g).0,
                start,
            },
            Hook::M { m, what } => ObsEv::M { t: now, m, what },
            Hook::GcWork => {
                let gc = &self.gc;
                ObsEv::GcWork {
                    t: now,
                    cycle: gc.records.last().map_or(gc.cycles, |r| r.n),
                    work: MarkWork {
                        dedicated: gc.cycle_dedicated,
                        fractional: gc.cycle_fractional,
                        idle: gc.cycle_idle,
                        assist: gc.cycle_assist,
                    },
                }
            }
            Hook::PState { p, state } => ObsEv::PState { t: now, p, state },
            Hook::Gc { phase } => {
                let counters = self.obs_counters(NIL);
                let log = self.events.as_mut().expect("checked");
                if phase == GcPhaseEv::SweepTerm {
                    log.gc_cycles += 1;
                }
                ObsEv::Gc {
                    t: now,
                    phase,
                    cycle: log.gc_cycles,
                    trigger_kind: (phase == GcPhaseEv::SweepTerm).then_some(self.gc.kind),
                    counters,
                }
            }
        };
        // Counters ride along with queue-changing events: a G taken from or put on a run
        // queue, a steal, a preemption to the global queue, a stop-the-world.
        // (when, the P whose queue changed or NIL, a steal's victim or NIL)
        let count = match ev {
            ObsEv::Run { t, p, .. } if p != NIL => Some((t, p, NIL)),
            ObsEv::Ready { t, p, .. } | ObsEv::Preempted { t, p, .. } => Some((t, p, NIL)),
            ObsEv::Steal {
                t, thief, victim, ..
            } => Some((t, thief, victim)),
            ObsEv::Stw { t, .. } => Some((t, NIL, NIL)),
            _ => None,
        };
        let counts = count.map(|(t, p, victim)| {
            let c = |p: PId| ObsEv::Count {
                t,
                p,
                counters: self.obs_counters(p),
            };
            (c(p), (victim != NIL).then(|| c(victim)))
        });
        let log = self.events.as_mut().expect("checked");
        log.events.push(ev);
        if let Some((c, victim)) = counts {
            log.events.push(c);
            log.events.extend(victim);
        }
    }
}
