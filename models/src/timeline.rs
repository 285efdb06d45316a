//! Periodic samples of the process state for charts: the heap (live, goal, trigger, memory
//! limit), the run queues (per P and global) and what each P is doing.
//!
//! Sampling is on only when `RunOptions::sample_interval` is set. It adds no event to the queue:
//! the state only changes at events, so before handling an event at time `now` the world takes
//! every sample due at or before `now` from its current state, which is the state over the
//! whole gap since the previous event. A sampled run therefore handles exactly the events, in
//! the same order and with the same run hash, as an unsampled one; a run without sampling pays
//! one comparison per event and allocates nothing.
//!
//! # Simplifications
//! - A sample at time t shows the state before the events at t are handled.
//! - Heap live is the pacer's `heapLive` (what the trigger compares against); objects whose
//!   lifetime has ended but that the heap has not processed yet still count, as in the model.
//! - A P running a scheduler pass (`schedule`, `findRunnable`) is shown as its own state,
//!   `scheduler`; the runtime has no such P status.

use crate::gc::cycle::GC_WORKER_CLASS;
use crate::sched::types::{NIL, PActivity};
use crate::sim::World;
use serde::{Deserialize, Serialize};
use sim_core::Nanos;

/// What a P was doing at a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum PState {
    /// Running a user goroutine.
    User = 0,
    /// Running a GC mark worker goroutine.
    GcWorker = 1,
    /// In the scheduler (finding the next goroutine).
    Scheduler = 2,
    Idle = 3,
    /// Its goroutine is in a blocking syscall.
    Syscall = 4,
    /// Stopped for a stop-the-world.
    Stopped = 5,
}

impl PState {
    pub const ALL: [PState; 6] = [
        PState::User,
        PState::GcWorker,
        PState::Scheduler,
        PState::Idle,
        PState::Syscall,
        PState::Stopped,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PState::User => "running user code",
            PState::GcWorker => "GC worker",
            PState::Scheduler => "scheduler",
            PState::Idle => "idle",
            PState::Syscall => "in syscall",
            PState::Stopped => "stopped (STW)",
        }
    }
}

/// The samples of one run. Per-P columns are flat: sample `i` covers
/// `p_start[i] .. p_start[i + 1]` (the P count can change with `runtime.GOMAXPROCS`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timeline {
    pub interval_ns: Nanos,
    pub t_ns: Vec<Nanos>,
    pub heap_live: Vec<u64>,
    pub heap_goal: Vec<u64>,
    pub trigger: Vec<u64>,
    /// `GOMEMLIMIT`, `None` when off.
    pub memory_limit: Option<u64>,
    pub global_runq: Vec<u32>,
    pub p_start: Vec<u32>,
    /// Local run queue length (including `runnext`) of each P.
    pub p_runq: Vec<u32>,
    pub p_state: Vec<PState>,
    /// GC cycles: (start, end of mark termination).
    pub gc_cycles: Vec<(Nanos, Nanos)>,
}

impl Timeline {
    pub fn len(&self) -> usize {
        self.t_ns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.t_ns.is_empty()
    }

    /// The per-P range of sample `i`.
    pub fn ps(&self, i: usize) -> std::ops::Range<usize> {
        let end = self
            .p_start
            .get(i + 1)
            .copied()
            .unwrap_or(self.p_runq.len() as u32);
        self.p_start[i] as usize..end as usize
    }

    /// The largest P count of any sample.
    pub fn max_procs(&self) -> usize {
        (0..self.len()).map(|i| self.ps(i).len()).max().unwrap_or(0)
    }
}

/// The sampler's state inside the world.
#[derive(Clone, Debug)]
pub struct Sampler {
    /// Time of the next sample; `Nanos::MAX` when sampling is off.
    pub next: Nanos,
    pub interval: Nanos,
    pub data: Timeline,
}

impl Sampler {
    pub fn new(interval: Option<Nanos>) -> Sampler {
        let interval = interval.unwrap_or(0);
        Sampler {
            next: if interval > 0 { 0 } else { Nanos::MAX },
            interval,
            data: Timeline {
                interval_ns: interval,
                ..Default::default()
            },
        }
    }
}

impl World {
    /// Takes every sample due at or before `now` (see the module doc).
    pub fn sample_until(&mut self, now: Nanos) {
        while self.sampler.next <= now && self.sampler.next <= self.duration {
            let t = self.sampler.next;
            self.take_sample(t);
            self.sampler.next = t.saturating_add(self.sampler.interval);
        }
    }

    fn take_sample(&mut self, t: Nanos) {
        let ctrl = &self.gc.ctrl;
        let (trigger, goal) = ctrl.trigger();
        let d = &mut self.sampler.data;
        d.t_ns.push(t);
        d.heap_live.push(ctrl.heap_live);
        d.heap_goal.push(goal);
        d.trigger.push(trigger);
        d.memory_limit = (ctrl.memory_limit != i64::MAX).then_some(ctrl.memory_limit as u64);
        d.global_runq.push(self.globrunq.len() as u32);
        d.p_start.push(d.p_runq.len() as u32);
        for p in &self.allp {
            let local = p.runqtail.wrapping_sub(p.runqhead) + (p.runnext != NIL) as u32;
            d.p_runq.push(local);
            let state = match p.activity {
                PActivity::User => {
                    let g = if p.m != NIL {
                        self.ms[p.m as usize].curg
                    } else {
                        NIL
                    };
                    if g != NIL && self.gs[g as usize].class == GC_WORKER_CLASS {
                        PState::GcWorker
                    } else {
                        PState::User
                    }
                }
                PActivity::Scheduler => PState::Scheduler,
                PActivity::Idle => PState::Idle,
                PActivity::Syscall => PState::Syscall,
                PActivity::Stopped => PState::Stopped,
            };
            d.p_state.push(state);
        }
    }

    /// Samples up to the end of the run and hands the timeline over (empty when sampling was
    /// off).
    pub fn take_timeline(&mut self, end: Nanos) -> Timeline {
        if self.sampler.interval == 0 {
            return Timeline::default();
        }
        self.sample_until(end);
        let mut tl = std::mem::take(&mut self.sampler.data);
        tl.interval_ns = self.sampler.interval;
        tl.gc_cycles = self
            .gc
            .records
            .iter()
            .map(|r| (r.start_ns, r.start_ns + r.stw1_ns + r.mark_ns + r.stw2_ns))
            .collect();
        // A cycle still running at the end: shade it to the end.
        if self.gc.phase != crate::gc::cycle::GcPhase::Off {
            tl.gc_cycles.push((self.gc.t_sweep_term, end));
        }
        tl
    }
}
