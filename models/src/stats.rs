//! What a run measures: request and scheduling latency (overall and per phase), scheduler
//! counters, STW pauses, per-goroutine records for validation.

use sim_core::Nanos;
use sim_core::stats::Histogram;

/// One named phase of the run.
#[derive(Clone)]
pub struct PhaseStats {
    pub name: String,
    pub start: Nanos,
    pub end: Option<Nanos>,
    pub requests: u64,
    pub latency: Histogram,
    pub sched_latency: Histogram,
}

/// Per-goroutine timeline (only when recording is on).
#[derive(Clone, Copy, Debug)]
pub struct GRecord {
    pub goid: u64,
    pub class: u16,
    pub created: Nanos,
    pub started: Nanos,
    pub ended: Nanos,
}

/// Counters and distributions of one run.
#[derive(Clone)]
pub struct Stats {
    /// Whole-run latency histograms, merged from the phases' at the end of the run (each
    /// value is recorded once, in its phase).
    pub latency: Histogram,
    pub sched_latency: Histogram,
    pub stw: Histogram,
    /// Uninterrupted on-CPU stretches of goroutines (execute → stop running); kept only when
    /// `RunOptions::record` is on.
    pub run_slices: Histogram,
    /// sysmon ticks between a syscall's entry and the retake of its P.
    pub retake_ticks: Histogram,
    pub phases: Vec<PhaseStats>,
    pub requests: u64,
    pub goroutines_created: u64,
    pub max_alive: u64,
    pub steals: u64,
    pub runnext_steals: u64,
    pub preempt_requests: u64,
    pub preempt_sync: u64,
    pub preempt_async: u64,
    pub preempt_to_runnext: u64,
    pub syscalls: u64,
    pub syscall_handoffs: u64,
    pub syscall_exit_slow: u64,
    pub syscall_exit_other_p: u64,
    pub syscall_p_takeovers: u64,
    pub gosched: u64,
    pub runq_spills: u64,
    /// `newstack` growths (each doubles a goroutine's stack).
    pub stack_growths: u64,
    pub spilled_gs: u64,
    pub global_fairness_picks: u64,
    pub timers_fired: u64,
    pub threads_created: u64,
    pub spinning_ns: Nanos,
    pub alloc_bytes: u64,
    pub alloc_objects: u64,
    pub record_goroutines: bool,
    pub records: Vec<GRecord>,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    pub fn new() -> Self {
        Stats {
            latency: Histogram::new(),
            sched_latency: Histogram::new(),
            stw: Histogram::new(),
            run_slices: Histogram::new(),
            retake_ticks: Histogram::new(),
            phases: Vec::new(),
            requests: 0,
            goroutines_created: 0,
            max_alive: 0,
            steals: 0,
            runnext_steals: 0,
            preempt_requests: 0,
            preempt_sync: 0,
            preempt_async: 0,
            preempt_to_runnext: 0,
            syscalls: 0,
            syscall_handoffs: 0,
            syscall_exit_slow: 0,
            syscall_exit_other_p: 0,
            syscall_p_takeovers: 0,
            gosched: 0,
            runq_spills: 0,
            stack_growths: 0,
            spilled_gs: 0,
            global_fairness_picks: 0,
            timers_fired: 0,
            threads_created: 0,
            spinning_ns: 0,
            alloc_bytes: 0,
            alloc_objects: 0,
            record_goroutines: false,
            records: Vec::new(),
        }
    }

    /// Ends the current phase and starts `name` at `now`.
    pub fn phase_start(&mut self, now: Nanos, name: &str) {
        if let Some(last) = self.phases.last_mut() {
            if last.end.is_none() {
                last.end = Some(now);
            }
            // A phase that lasted no time (e.g. "main" replaced at t=0) is dropped.
            if last.start == now && last.requests == 0 && last.sched_latency.count() == 0 {
                self.phases.pop();
            }
        }
        self.phases.push(PhaseStats {
            name: name.to_string(),
            start: now,
            end: None,
            requests: 0,
            latency: Histogram::new(),
            sched_latency: Histogram::new(),
        });
    }

    /// Closes the last phase at the end of the run and builds the whole-run histograms.
    pub fn finish(&mut self, now: Nanos) {
        if let Some(last) = self.phases.last_mut()
            && last.end.is_none()
        {
            last.end = Some(now);
        }
        self.latency = Histogram::new();
        self.sched_latency = Histogram::new();
        for p in &self.phases {
            self.latency.merge(&p.latency);
            self.sched_latency.merge(&p.sched_latency);
        }
    }

    /// A goroutine was created; returns its record index (or `u32::MAX` when not recording).
    pub fn goroutine_created(&mut self, now: Nanos, alive: u64, goid: u64, class: u16) -> u32 {
        self.goroutines_created += 1;
        self.max_alive = self.max_alive.max(alive);
        if self.record_goroutines {
            self.records.push(GRecord {
                goid,
                class,
                created: now,
                started: u64::MAX,
                ended: u64::MAX,
            });
            (self.records.len() - 1) as u32
        } else {
            u32::MAX
        }
    }

    #[inline]
    pub fn sched_latency(&mut self, lat: Nanos) {
        if let Some(p) = self.phases.last_mut() {
            p.sched_latency.record(lat);
        }
    }

    #[inline]
    pub fn request_done(&mut self, lat: Nanos) {
        self.requests += 1;
        if let Some(p) = self.phases.last_mut() {
            p.requests += 1;
            p.latency.record(lat);
        }
    }

    pub fn stw_pause(&mut self, d: Nanos) {
        self.stw.record(d);
    }
}
