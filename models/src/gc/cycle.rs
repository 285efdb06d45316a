//! A GC cycle in the simulated process (`mgc.go`, `mgcmark.go`, `mgcpacer.go`): the heap
//! trigger in `mallocgc`, sweep termination (STW), concurrent mark by dedicated, fractional and
//! idle workers plus mutator assists, mark termination (STW), and the `gctrace` line.
//!
//! # Simplifications
//! - Mark work is a byte count: scannable live heap at mark start, scanned stack bytes per
//!   goroutine (`gc.stack_scan_per_goroutine`) and globals, consumed at the flavour's CPU cost
//!   per KiB (`costs.mark_per_kib_*`). Objects allocated during mark are black (marked, not
//!   scanned); objects that die during mark float to the next cycle.
//! - Sweeping and the scavenger have their own modules (`sweep.rs`, `scavenge.rs`). The GC
//!   CPU limiter switches assists off; it is updated at STW transitions, from `findRunnableGCWorker` and after each assist piece. An
//!   assist runs in pieces of at most `WORKER_QUANTUM` of CPU and stops between pieces when the
//!   limiter has turned on (the runtime's `gcDrainN` checks it every work buffer).
//! - A new goroutine's `g` (`G_STRUCT_BYTES`) enters the heap directly, without a span refill,
//!   trigger check or assist of its own; the next allocation sees it.
//! - An assist (`gcDrainN`) takes its work from the shared pool one piece at a time, beside
//!   the workers on other Ps, and is credited per piece at the current assist ratio. One that
//!   finds no work left to take parks on the assist queue; one whose pool runs dry part-way
//!   keeps the rest of its debt for its next allocation (the runtime would retry or park at
//!   once). There are no per-P work buffers: any worker can take any grey byte.
//! - Workers run in pieces of `WORKER_QUANTUM` of CPU and decide between pieces whether to go on
//!   (fractional: above 1.2× its goal; idle: other work appeared), as `pollWork` and
//!   `pollFractionalWorkerExit` do between drain batches. A stop-the-world waits for a
//!   running piece to end (up to 100 µs), where the runtime's `gcDrain` sees the preemption
//!   request within a work buffer.
//! - `deductAssistCredit` runs per alloc batch, not per object: during mark a batch allocates
//!   as many objects as the G's credit covers, then the object that goes into debt alone, its
//!   assist first; the rest follows. The assist ratio is revised per batch part, not per span
//!   refill.
//! - During mark each allocated object costs its goroutine `costs.mark_alloc_per_object` of
//!   CPU beyond the scenario's own (allocate-black in `gcmarknewobject`, and the write barrier
//!   on the store that publishes the pointer, `wbBufFlush1` shading old and new values), paid
//!   per alloc batch after the assist the batch owes. It is one flat price whatever the
//!   program stores. Each pointer word of an object allocated during mark also costs
//!   `costs.write_barrier_per_pointer` (its one initialising store goes through the write
//!   barrier), plus `costs.write_barrier_contended` while a worker marks on another P; other
//!   cache interference between marking and the mutator is not modelled beyond
//!   `costs.mark_zero_per_kib`. A Go 1.27 execution trace of gcsteady (2 vCPUs) shows the
//!   mutator allocating 0.5–0.6× as fast during mark as outside it, pointer-free and
//!   pointerful alike.
//! - Filling memory is priced where Go pays for it (`touch_cpu`): `mallocgc` clears objects
//!   whose span reuses memory (`span.needzero` → `memclrNoHeapPointers`,
//!   `costs.zero_per_kib`, plus `mark_zero_per_kib` during mark); memory the heap grows into
//!   is known zero. The first touch of a never-used or released OS page is a fault
//!   (`costs.page_fault`): by the span's setup where it writes heap bits or Green Tea's inline
//!   mark bits at its end (`initHeapBits`, `initInlineMarkBits`), by clearing, or by the
//!   program (`alloc`'s `written`). A new span's faults are charged whole at its refill, to
//!   the allocation that took it, whichever allocation later writes the span's other objects.
//!   gcsteady's 128 B garbage is never written, so during mark it costs 27 ns per object in
//!   never-used memory under classic (Go 26–31), 50 ns under Green Tea (Go 58–61), and
//!   49 ns in reused memory (Go 49–50; classic at GOMAXPROCS=1 63).
//! - In the unpaced pointerful GOGC=25 gcsteady runs Go stays ~55 cycles (P=2) in a stable
//!   regime, until the GC CPU limiter's bucket (assist time plus 25 % of the mark's wall time,
//!   less mutator time) fills; then assists switch off and cycles grow long and large. The
//!   model reproduces both regimes and switches at about the same point (2.25 s against Go's
//!   2.32 s; 66 steady-phase cycles against 71).

use super::pacer::{GC_OVER_ASSIST_WORK, GcController, TriggerKind};
use crate::heap::Heap;
use crate::scenario::{Gogc, MarkFlavor, MemLimit, Scenario};
use crate::sched::types::*;
use crate::sim::{StwKind, World};
use sim_core::Nanos;
use sim_core::stats::Histogram;
use std::fmt::Write;

/// Class id of GC mark worker goroutines (not a user class).
pub const GC_WORKER_CLASS: u16 = u16::MAX;
/// Class id of the forcegc helper goroutine (`forcegchelper`).
pub const FORCEGC_CLASS: u16 = u16::MAX - 1;

/// Runtime goroutines (mark workers, forcegc, bgsweep) do not count in user statistics.
#[inline]
pub fn is_runtime_class(class: u16) -> bool {
    class >= super::sweep::BGSWEEP_CLASS
}
/// The heap bytes of one `g` (`new(g)` in `malg`), rounded to its size class: 576 B, inferred
/// from the realgo leak measurement (757 B of heap objects per leaked goroutine, less its
/// 96 B hchan and 96 B sudog). Gs are never freed; dead ones are reused from `gFree`.
pub const G_STRUCT_BYTES: u64 = 576;
/// The pointer words of a `g` (`_panic`, `_defer`, `m`, `sched.ctxt`, `param`, `writebuf`,
/// `waiting`, `timer`, `labels`, …): about a fifth of its ~72 words. Marking pays per pointer,
/// so a g costs that share of a fully pointerful object of its size.
pub const G_STRUCT_SCAN: u64 = G_STRUCT_BYTES / 5;

/// `gc_assist_alloc`'s answer when the G must park on the assist queue.
pub const ASSIST_PARK: Nanos = Nanos::MAX;

/// What a `mallocgc` batch costs the allocating G.
#[derive(Debug, Clone, Copy)]
pub struct Malloc {
    /// CPU of the mark assist it owes (`gcAssistAlloc`), or [`ASSIST_PARK`].
    pub assist: Nanos,
    /// Its own CPU beyond the scenario's compute: proportional sweeping
    /// (`deductSweepCredit`) outside mark, allocate-black and the write barrier during mark
    /// (`costs.mark_alloc_per_object`, `write_barrier_per_pointer`, `write_barrier_contended`),
    /// and releasing pages in `allocSpan` (`costs.scavenge_per_page`). Not GC time: gctrace
    /// counts it as mutator time, as the runtime does; the limiter counts the page releases
    /// as assist time (`limiterEventScavengeAssist`) and the rest as mutator time.
    pub own: Nanos,
    /// The trigger was reached: the caller runs `gcStart`.
    pub start: bool,
    /// Objects allocated (fewer than asked when the trigger was reached part-way).
    pub objects: u64,
}

/// CPU a worker runs before re-checking whether to go on.
pub const WORKER_QUANTUM: Nanos = 100_000;

/// `gcphase` plus the STW stages around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcPhase {
    Off,
    /// `gcStart` is stopping the world for sweep termination.
    SweepTerm,
    Mark,
    /// `gcMarkDone` is stopping the world for mark termination.
    MarkTerm,
}

/// What a mark worker was started as (`gcMarkWorkerMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerMode {
    None,
    Dedicated,
    Fractional,
    Idle,
}

/// One completed cycle, as gctrace reports it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CycleRecord {
    pub n: u32,
    pub start_ns: Nanos,
    pub stw1_ns: Nanos,
    pub mark_ns: Nanos,
    pub stw2_ns: Nanos,
    pub assist_cpu_ns: Nanos,
    pub background_cpu_ns: Nanos,
    pub idle_cpu_ns: Nanos,
    pub heap_trigger: u64,
    pub heap_peak: u64,
    pub heap_marked: u64,
    pub heap_goal: u64,
    pub stacks: u64,
    pub globals: u64,
    pub procs: u32,
    pub phase: String,
    /// This cycle's goal over the previous cycle's marked heap (1 + GOGC/100 plus stacks and
    /// globals when GOGC binds).
    pub goal_over_prev_marked: f64,
}

/// The collector's state in the simulated process.
pub struct GcState {
    pub ctrl: GcController,
    pub heap: Heap,
    pub phase: GcPhase,
    /// This cycle's mark CPU per KiB of scan work: `ref_ns_per_kib` scaled for the heap's size
    /// (`gc::locality`) and for its pointer share (set at sweep termination).
    pub ns_per_kib: Nanos,
    /// The mark loop's CPU per KiB on a 64 MiB heap (`costs.mark_per_kib_*`).
    pub ref_ns_per_kib: Nanos,
    /// `machine.mark_cost_per_doubling` and `machine.mark_cache_floor` (see `gc::locality`).
    pub mark_locality: (f64, u64),
    pub globals: u64,
    pub stack_scan_per_g: u64,
    pub stack_start: u64,
    pub overhead: u64,
    /// Scan work left: globals, stacks, heap (consumed in that order, as the harness does).
    pub work_left: [i64; 3],
    /// Live bytes at mark start (marked) and bytes allocated black since.
    pub mark_base: u64,
    pub black: u64,
    pub t_sweep_term: Nanos,
    pub t_mark: Nanos,
    pub t_mark_term: Nanos,
    pub heap0: u64,
    pub heap1: u64,
    /// Length of this cycle's sweep-termination stop.
    pub stw1: Nanos,
    /// Mark worker G per P, and what each is running as.
    pub workers: Vec<GId>,
    pub modes: Vec<WorkerMode>,
    pub frac_time: Vec<Nanos>,
    /// Per P: its dedicated worker is still in its first, preemptible `gcDrain`; a preemption
    /// then kicks the P's run queue to the global one (`gcBgMarkWorker`).
    pub dedicated_preemptible: Vec<bool>,
    /// Per P: a worker is assigned to it and not yet run (`p.nextGCMarkWorker`, 1.26+); its
    /// mode is in `modes`.
    pub assigned: Vec<bool>,
    /// Pieces of work a running worker has in flight (bytes).
    pub piece: Vec<i64>,
    /// Work reserved by worker pieces and assists in flight.
    pub reserved: i64,
    /// `work.assistQueue`: Gs parked until background credit pays their debt.
    pub assist_queue: std::collections::VecDeque<GId>,
    /// Assists that parked for lack of work (counted over the run).
    pub assist_parks: u64,
    /// The GC CPU limiter (`gcCPULimiter`).
    pub limiter: super::limiter::GcCpuLimiter,
    /// Cycles that ended with the limiter on.
    pub limited_cycles: u32,
    pub idle_workers: i32,
    /// CPU totals of this cycle and of the run.
    pub cycle_assist: Nanos,
    pub cycle_idle: Nanos,
    /// This cycle's two pauses as `cpuStats.GCPauseTime` counts them (see `start_the_world`).
    pub cycle_pause_cpu: Nanos,
    /// The dedicated and fractional workers' mark CPU this cycle (their sum is gctrace's
    /// background figure, [`GcState::cycle_bg`]).
    pub cycle_dedicated: Nanos,
    pub cycle_fractional: Nanos,
    pub total_gc_cpu: Nanos,
    pub total_idle_cpu: Nanos,
    pub total_assist: Nanos,
    pub cycles: u32,
    pub records: Vec<CycleRecord>,
    pub stw: Histogram,
    pub peak_heap: u64,
    /// Peak of allocated goroutine stacks.
    pub peak_stacks: u64,
    pub goal_sum: f64,
    pub goal_n: u32,
    /// goal(n) / marked(n−1) of the last cycle.
    pub goal_over_prev: f64,
    pub trace: String,
    pub last_gc: Nanos,
    /// Why the cycle being started was triggered.
    pub kind: TriggerKind,
    /// The forcegc helper G, created the first time sysmon needs it.
    pub forcegc_g: GId,
    pub forcegc_idle: bool,
    pub forced_cycles: u32,
    /// Concurrent sweeping.
    pub sweep: super::sweep::Sweeper,
    /// Goroutines in `runtime.GC()` waiting for a cycle's mark termination (`gcWaitOnMark`):
    /// (G, the cycle count to wait for).
    pub mark_waiters: Vec<(GId, u32)>,
    /// The scavenger, and the peak of mapped-ready memory (RSS).
    pub scavenge: super::scavenge::Scavenger,
    pub peak_rss: u64,
}

impl GcState {
    pub fn new(sc: &Scenario, procs: usize) -> GcState {
        let gogc = match sc.runtime.gogc {
            Gogc::Percent(p) => p,
            Gogc::Off => -1,
        };
        let limit = match sc.runtime.gomemlimit {
            MemLimit::Bytes(b) => b.min(i64::MAX as u64) as i64,
            MemLimit::Off => i64::MAX,
        };
        let mut ctrl = GcController::new(gogc, limit);
        ctrl.globals_scan = sc.gc.globals.0;
        ctrl.commit(true);
        // The mark-cost fields apply with their defaults when there is no `[machine]` table.
        let machine = sc.machine.clone().unwrap_or_default();
        let flavor = sc.gc.mark.unwrap_or(if sc.runtime.go_version.at_least(26) {
            MarkFlavor::Greentea
        } else {
            MarkFlavor::Classic
        });
        GcState {
            ctrl,
            heap: Heap::new(
                procs,
                crate::heap::sizeclasses::SpanLayout {
                    heap_bits_in_span: sc.runtime.go_version.at_least(22),
                    inline_mark_bits: flavor == MarkFlavor::Greentea,
                },
            ),
            phase: GcPhase::Off,
            ns_per_kib: 0,
            ref_ns_per_kib: match flavor {
                MarkFlavor::Greentea => sc.costs.mark_per_kib_greentea.0,
                MarkFlavor::Classic => sc.costs.mark_per_kib_classic.0,
            },
            mark_locality: (machine.mark_cost_per_doubling, machine.mark_cache_floor.0),
            globals: sc.gc.globals.0,
            stack_scan_per_g: sc.gc.stack_scan_per_goroutine.0,
            stack_start: sc.gc.stack_start.0,
            overhead: sc.gc.runtime_overhead.0,
            work_left: [0; 3],
            mark_base: 0,
            black: 0,
            t_sweep_term: 0,
            t_mark: 0,
            t_mark_term: 0,
            heap0: 0,
            heap1: 0,
            stw1: 0,
            workers: Vec::new(),
            modes: vec![WorkerMode::None; procs],
            frac_time: vec![0; procs],
            dedicated_preemptible: vec![false; procs],
            assigned: vec![false; procs],
            piece: vec![0; procs],
            reserved: 0,
            assist_queue: std::collections::VecDeque::new(),
            assist_parks: 0,
            limiter: super::limiter::GcCpuLimiter::new(0, procs as i32),
            limited_cycles: 0,
            idle_workers: 0,
            cycle_assist: 0,
            cycle_idle: 0,
            cycle_pause_cpu: 0,
            cycle_dedicated: 0,
            cycle_fractional: 0,
            total_gc_cpu: 0,
            total_idle_cpu: 0,
            total_assist: 0,
            cycles: 0,
            records: Vec::new(),
            stw: Histogram::new(),
            peak_heap: 0,
            peak_stacks: 0,
            goal_sum: 0.0,
            goal_n: 0,
            goal_over_prev: 0.0,
            trace: String::new(),
            last_gc: 0,
            kind: TriggerKind::Heap,
            forcegc_g: NIL,
            forcegc_idle: true,
            forced_cycles: 0,
            sweep: super::sweep::Sweeper::new(),
            mark_waiters: Vec::new(),
            scavenge: super::scavenge::Scavenger::new(),
            peak_rss: 0,
        }
    }

    fn work_total(&self) -> i64 {
        self.work_left.iter().sum()
    }

    /// Background mark CPU this cycle: dedicated plus fractional workers (gctrace's "bg").
    pub fn cycle_bg(&self) -> Nanos {
        self.cycle_dedicated + self.cycle_fractional
    }

    /// Work not yet reserved by a worker piece or an assist in progress.
    pub fn available(&self) -> i64 {
        (self.work_total() - self.reserved).max(0)
    }

    /// All mark work is done (none left, none in flight).
    pub fn mark_complete(&self) -> bool {
        self.phase == GcPhase::Mark && self.work_total() == 0 && self.reserved == 0
    }

    /// Consumes up to `n` bytes of scan work; returns what was done per kind.
    fn consume(&mut self, mut n: i64) -> [i64; 3] {
        let mut done = [0i64; 3];
        for (left, d) in self.work_left.iter_mut().zip(done.iter_mut()) {
            *d = n.min(*left);
            *left -= *d;
            n -= *d;
        }
        done
    }

    /// CPU time of `bytes` of scan work.
    fn cpu_for(&self, bytes: i64) -> Nanos {
        (bytes.max(0) as u64).saturating_mul(self.ns_per_kib) / 1024
    }

    /// Scan work a worker does in `ns` of CPU.
    fn bytes_for(&self, ns: Nanos) -> i64 {
        (ns.saturating_mul(1024) / self.ns_per_kib.max(1)) as i64
    }
}

impl World {
    /// Updates the live inputs of the memory-limit goal (`mappedReady`, `heapFree`,
    /// `heapAlloc`): the heap's page states, stacks and the runtime's other memory.
    pub(crate) fn gc_memory_inputs(&mut self) {
        let c = &mut self.gc.ctrl;
        let pages = &self.gc.heap.pages;
        c.mem.heap_alloc = pages.in_use;
        c.mem.heap_free = pages.free;
        c.mem.mapped_ready = pages.retained() + c.max_stack_scan + self.gc.overhead;
    }

    /// `malg`'s `new(g)`: a g on the heap, kept for ever (see Simplifications).
    pub fn malg_heap(&mut self, now: Nanos) {
        let b = G_STRUCT_BYTES;
        // Its eager scavenging, if any, is not charged (see the scavenger's Simplifications).
        self.gc.heap.pages.alloc_span(b);
        let _ = self.alloc_span_scavenge(now);
        self.gc
            .heap
            .hold(b, crate::heap::Scan::dense(G_STRUCT_SCAN));
        let c = &mut self.gc.ctrl;
        c.heap_live += b;
        if self.gc.phase == GcPhase::Off {
            c.heap_scan += G_STRUCT_SCAN;
        } else {
            self.gc.black += b;
        }
        self.gc.peak_heap = self.gc.peak_heap.max(c.heap_live);
    }

    /// `mallocgc` for the running G: counts the allocation, holds it for its lifetime, tests
    /// the trigger, and says what the G owes for it (see [`Malloc`]).
    pub fn mallocgc(
        &mut self,
        g: GId,
        size: u64,
        count: u64,
        (scan, ptrs, written): (f64, f64, bool),
        life: Hold,
        now: Nanos,
    ) -> Malloc {
        let m = self.gs[g as usize].m;
        let p = self.ms[m as usize].p as usize;
        let count = self.assist_credit_covers(g, size, count);
        let trigger = if self.gc.phase == GcPhase::Off {
            self.gc_memory_inputs();
            self.gc.ctrl.trigger().0
        } else {
            u64::MAX
        };
        let live = self.gc.ctrl.heap_live;
        let a = self
            .gc
            .heap
            .mallocgc(p, size, count, (scan, ptrs), live, trigger);
        let scavenge = if a.heap_live > 0 {
            self.alloc_span_scavenge(now)
        } else {
            0
        };
        let touch = self.touch_cpu(&a, written);
        self.stats.alloc_bytes += a.bytes;
        self.stats.alloc_objects += a.objects;
        match life {
            Hold::Request => {
                let gg = &mut self.gs[g as usize];
                gg.owned_req.0 += a.bytes;
                gg.owned_req.1 += a.scan;
                self.gc.heap.hold(a.bytes, a.scan);
            }
            Hold::Goroutine => {
                let gg = &mut self.gs[g as usize];
                gg.owned_g.0 += a.bytes;
                gg.owned_g.1 += a.scan;
                self.gc.heap.hold(a.bytes, a.scan);
            }
            Hold::Forever => {
                self.gc.heap.hold(a.bytes, a.scan);
                self.gc.heap.leaked_bytes += a.bytes;
            }
            Hold::Until(t) => self.gc.heap.hold_until(t, a.bytes, a.scan),
        }
        let c = &mut self.gc.ctrl;
        c.heap_live += a.heap_live;
        self.gc.peak_heap = self.gc.peak_heap.max(c.heap_live);
        let (mut assist, mut own) = (0, 0);
        match self.gc.phase {
            GcPhase::Off => {
                c.heap_scan += a.scan.bytes;
                // Sweeping and assists never overlap: sweeping ends before a cycle starts.
                if a.heap_live > 0 {
                    own = self.deduct_sweep_credit(a.heap_live);
                }
            }
            GcPhase::Mark => {
                self.gc.black += a.bytes;
                if a.heap_live > 0 {
                    c.revise();
                }
                // Each pointer word of the new objects is filled once, through the write
                // barrier; dearer while a worker on another P marks the same heap. A worker
                // assigned to a P at start-the-world counts from then: its M wakes within
                // microseconds, and a batch's stores take longer than that.
                let words = a.scan.ptrs / crate::heap::PTR_SIZE;
                let mut wb = self.costs.write_barrier_per_pointer.0;
                if (self.gc.modes.iter().enumerate()).any(|(q, m)| q != p && *m != WorkerMode::None)
                {
                    wb += self.costs.write_barrier_contended.0;
                }
                own = a
                    .objects
                    .saturating_mul(self.costs.mark_alloc_per_object.0)
                    .saturating_add(words.saturating_mul(wb));
                assist = self.gc_assist_alloc(g, a.bytes as i64, now);
            }
            _ => self.gc.black += a.bytes,
        }
        let start =
            a.check_trigger && self.gc.phase == GcPhase::Off && self.gc.ctrl.heap_live >= trigger;
        Malloc {
            assist,
            own: own.saturating_add(scavenge).saturating_add(touch),
            start,
            objects: a.objects,
        }
    }

    /// What filling new memory costs the allocating G (`mallocgc`): clearing objects whose
    /// span reuses memory (`memclrNoHeapPointers`, `costs.zero_per_kib`), and a page fault
    /// (`costs.page_fault`) for each OS page touched for the first time: released pages when
    /// they are cleared, never-used pages where the span's setup writes its metadata, and all
    /// of them when the program writes its objects (`written`).
    fn touch_cpu(&self, a: &crate::heap::Malloc, written: bool) -> Nanos {
        let first = if written {
            a.fresh_pages
        } else {
            a.setup_pages
        };
        let faults = first + a.released_pages;
        let mut per_kib = self.costs.zero_per_kib.0;
        if self.gc.phase == GcPhase::Mark {
            per_kib += self.costs.mark_zero_per_kib.0;
        }
        let zero = a.zeroed.saturating_mul(per_kib) / 1024;
        faults
            .saturating_mul(self.costs.page_fault.0)
            .saturating_add(zero)
    }

    /// `deductAssistCredit`, which `mallocgc` runs before each object: during mark a G
    /// allocates only as many objects of a batch as its assist credit covers, and the object
    /// that takes it into debt is allocated alone, so that its assist runs at the ratio of the
    /// heap before the rest of the batch (the caller allocates the rest afterwards). Without
    /// this a batch could carry heapLive past the goal before any scan work is done, where
    /// `revise` asks for the worst-case work over a runway of nothing.
    fn assist_credit_covers(&self, g: GId, size: u64, count: u64) -> u64 {
        if self.gc.phase != GcPhase::Mark || self.gc.limiter.limiting() {
            return count;
        }
        let credit = self.gs[g as usize].assist_bytes;
        let per = size.max(1) as i64;
        if credit < per {
            1
        } else {
            count.min((credit / per) as u64)
        }
    }

    /// `gcAssistAlloc`: pay for `bytes` of allocation during mark with scan work (stealing
    /// background credit first). Returns the CPU the G spends assisting.
    fn gc_assist_alloc(&mut self, g: GId, bytes: i64, now: Nanos) -> Nanos {
        let gg = &mut self.gs[g as usize];
        gg.assist_bytes -= bytes;
        if gg.assist_bytes >= 0 || self.gc.limiter.limiting() {
            // In credit, or the CPU limiter is on: no assist, the debt stays.
            return 0;
        }
        let c = &mut self.gc.ctrl;
        let mut debt = -gg.assist_bytes;
        let mut scan_work = (c.assist_work_per_byte * debt as f64) as i64;
        if scan_work < GC_OVER_ASSIST_WORK {
            scan_work = GC_OVER_ASSIST_WORK;
            debt = (c.assist_bytes_per_work * scan_work as f64) as i64;
        }
        if c.bg_scan_credit > 0 {
            let stolen = c.bg_scan_credit.min(scan_work);
            c.bg_scan_credit -= stolen;
            if stolen == scan_work {
                gg.assist_bytes += debt;
                return 0;
            }
            gg.assist_bytes += 1 + (c.assist_bytes_per_work * stolen as f64) as i64;
            scan_work -= stolen;
        }
        // `gcDrainN`: the G works through the shared pool one piece at a time, beside the
        // workers on other Ps, until it has done `scan_work` or finds the pool empty.
        if self.gc.available() == 0 {
            // No work to take: `gcParkAssist`, until background credit pays the debt.
            return ASSIST_PARK;
        }
        let gg = &mut self.gs[g as usize];
        gg.assist_pending = scan_work;
        gg.assist_bytes += 1;
        self.gc_assist_piece(g, now)
    }

    /// Starts the next piece (at most `WORKER_QUANTUM` of CPU, and no more than the pool still
    /// holds) of the G's assist; returns its CPU time, 0 if the pool is empty. Between pieces
    /// the limiter can stop the assist, as `gcDrainN` checks it.
    fn gc_assist_piece(&mut self, g: GId, now: Nanos) -> Nanos {
        let quantum = self.gc.bytes_for(WORKER_QUANTUM).max(1);
        let available = self.gc.available();
        let gg = &mut self.gs[g as usize];
        let piece = gg.assist_pending.min(quantum).min(available);
        gg.assist_piece = piece;
        if piece <= 0 {
            return 0;
        }
        self.gc.reserved += piece;
        let cpu = self.gc.cpu_for(piece);
        self.gc.cycle_assist += cpu;
        self.gc.ctrl.assist_time += cpu as i64;
        // Assist time reaches the limiter as it is flushed; update it when due.
        self.gc.limiter.add_assist_time(cpu as i64);
        if self.gc.limiter.need_update(now as i64) {
            self.gc.limiter.update(now as i64);
        }
        cpu
    }

    /// `gcFlushBgCredit`: background work pays the queued assists first, in order (a partly
    /// paid one goes to the back); what is left becomes `bgScanCredit`. Paid Gs are readied to
    /// the tail of P's local queue.
    fn gc_flush_bg_credit(&mut self, mut credit: i64, p: PId, now: Nanos) {
        for _ in 0..self.gc.assist_queue.len() {
            if credit <= 0 {
                break;
            }
            let Some(g) = self.gc.assist_queue.pop_front() else {
                break;
            };
            let c = &self.gc.ctrl;
            let have = (c.assist_bytes_per_work * credit as f64) as i64;
            let gg = &mut self.gs[g as usize];
            if have >= -gg.assist_bytes {
                credit -= (c.assist_work_per_byte * -gg.assist_bytes as f64) as i64;
                gg.assist_bytes = 0;
                self.ready(g, p, false, now);
            } else {
                gg.assist_bytes += have;
                credit = 0;
                self.gc.assist_queue.push_back(g);
            }
        }
        self.gc.ctrl.bg_scan_credit += credit.max(0);
    }

    /// `gcParkAssist`: the allocating G waits on the assist queue.
    pub fn gc_park_assist(&mut self, g: GId) {
        self.gc.assist_parks += 1;
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = WaitReason::GcAssistWait;
        self.gc.assist_queue.push_back(g);
    }

    /// The assist's CPU time has passed: its work leaves the pool. Returns true when that
    /// finished the mark (the caller then runs `gc_mark_done`).
    pub fn gc_assist_done(&mut self, g: GId, now: Nanos) -> AssistNext {
        let gg = &mut self.gs[g as usize];
        let work = std::mem::take(&mut gg.assist_piece);
        if work == 0 {
            return AssistNext::Done;
        }
        gg.assist_pending -= work;
        self.gc.reserved -= work;
        if self.gc.phase == GcPhase::Mark {
            let done = self.gc.consume(work);
            let c = &mut self.gc.ctrl;
            c.globals_scan_work += done[0];
            c.stack_scan_work += done[1];
            c.heap_scan_work += done[2];
            // gcAssistAlloc1 backs the work out into allocation credit at the current ratio.
            let credit = (c.assist_bytes_per_work * work as f64) as i64;
            let gg = &mut self.gs[g as usize];
            gg.assist_bytes = gg.assist_bytes.saturating_add(credit);
        }
        if self.gs[g as usize].assist_pending > 0
            && self.gc.phase == GcPhase::Mark
            && !self.gc.limiter.limiting()
        {
            let cpu = self.gc_assist_piece(g, now);
            if cpu > 0 {
                return AssistNext::Continue(cpu);
            }
        }
        // Done, stopped by the limiter or the mark's end, or the pool is empty (the rest is
        // in other workers' hands): the unpaid part of the debt stays with the G.
        self.gs[g as usize].assist_pending = 0;
        self.obs(now, crate::obs::Hook::Assist { g, start: false });
        if self.gc.mark_complete() {
            AssistNext::MarkDone
        } else {
            AssistNext::Done
        }
    }

    /// `gcStart` from the allocating G: stop the world for sweep termination.
    pub fn gc_start(&mut self, g: GId, now: Nanos) {
        self.gc_start_kind(g, TriggerKind::Heap, now)
    }

    /// `gcStart(trigger)`.
    pub fn gc_start_kind(&mut self, g: GId, kind: TriggerKind, now: Nanos) {
        self.gc.kind = kind;
        self.gc.limiter.start_gc_transition(true, now as i64);
        self.gc.phase = GcPhase::SweepTerm;
        self.obs(
            now,
            crate::obs::Hook::Gc {
                phase: crate::obs::GcPhaseEv::SweepTerm,
            },
        );
        self.gc.t_sweep_term = now;
        self.gc.heap0 = self.gc.ctrl.heap_live;
        self.finish_sweep();
        self.stop_the_world(g, StwKind::GcSweepTerm, now);
    }

    /// `gcMarkDone` from whoever finished the last work: stop the world for mark termination.
    pub fn gc_mark_done(&mut self, g: GId, now: Nanos) {
        self.gc.phase = GcPhase::MarkTerm;
        self.obs(
            now,
            crate::obs::Hook::Gc {
                phase: crate::obs::GcPhaseEv::MarkTerm,
            },
        );
        self.gc.limiter.start_gc_transition(false, now as i64);
        self.gc.t_mark_term = now;
        self.gc.heap1 = self.gc.ctrl.heap_live;
        self.stop_the_world(g, StwKind::GcMarkTerm, now);
    }

    /// With the world stopped for sweep termination: `startCycle`, roots, workers.
    pub fn gc_sweep_termination(&mut self, now: Nanos) {
        let procs = self.gomaxprocs as usize;
        self.pool_cleanup(); // clearpools: before the live heap is taken, so victims drop
        self.gc.heap.process_deaths(now);
        // Stack scanning shrinks stacks the goroutines no longer use.
        self.shrinkstacks();
        let live_gs = self.live_gs;
        let gc = &mut self.gc;
        gc.mark_base = gc.heap.live_bytes;
        let (per_doubling, floor) = gc.mark_locality;
        let per_kib =
            super::locality::mark_ns_per_kib(gc.ref_ns_per_kib, gc.mark_base, per_doubling, floor);
        gc.black = 0;
        let stacks = live_gs * gc.stack_scan_per_g;
        gc.work_left = [
            gc.globals as i64,
            stacks as i64,
            gc.heap.live_scan.bytes as i64,
        ];
        // The CPU goes to pointer words: scan work (bytes up to each object's last pointer)
        // costs in proportion to the pointers among it (globals and stacks taken as dense).
        let work = gc.globals + stacks + gc.heap.live_scan.bytes;
        let ptrs = gc.globals + stacks + gc.heap.live_scan.ptrs;
        gc.ns_per_kib = if work == 0 {
            per_kib
        } else {
            ((per_kib as u128 * ptrs as u128).div_ceil(work as u128) as u64).max(1)
        };
        gc.cycle_assist = 0;
        gc.cycle_idle = 0;
        gc.cycle_dedicated = 0;
        gc.cycle_fractional = 0;
        gc.idle_workers = 0;
        gc.modes = vec![WorkerMode::None; procs];
        gc.frac_time = vec![0; procs];
        gc.dedicated_preemptible = vec![false; procs];
        gc.assigned = vec![false; procs];
        gc.piece = vec![0; procs];
        gc.reserved = 0;
        gc.ctrl
            .start_cycle(gc.t_sweep_term as i64, procs as i32, gc.kind);
        gc.phase = GcPhase::Mark;
        // gcBgMarkStartWorkers: one worker G per P, parked in the pool.
        while self.gc.workers.len() < procs {
            let id = self.gs.len() as GId;
            let mut w = G::new(0, GC_WORKER_CLASS);
            w.status = GStatus::Waiting;
            w.wait_reason = WaitReason::GcWorkerIdle;
            self.gs.push(w);
            self.gc.workers.push(id);
        }
        self.obs(
            now,
            crate::obs::Hook::Gc {
                phase: crate::obs::GcPhaseEv::Mark,
            },
        );
        // Every G's assist balance restarts at zero.
        for g in &mut self.gs {
            g.assist_bytes = 0;
        }
    }

    /// With the world stopped for mark termination: `endCycle`, `resetLive`, `commit`, sweep.
    pub fn gc_mark_termination(&mut self, now: Nanos) {
        let procs = self.gomaxprocs as i32;
        let gc = &mut self.gc;
        let marked = gc.mark_base + gc.black;
        let prev_marked = gc.ctrl.heap_marked;
        let _ = gc.ctrl.end_cycle(gc.t_mark_term as i64, procs);
        gc.goal_over_prev = if prev_marked > 0 {
            gc.ctrl.last_heap_goal as f64 / prev_marked as f64
        } else {
            0.0
        };
        gc.ctrl.reset_live(marked);
        gc.ctrl.commit(false);
        gc.heap.flush_mcaches();
        gc.phase = GcPhase::Off;
        let p = self.stw.p;
        self.gc.scavenge.last_heap_in_use = self.gc.heap.pages.in_use;
        // Every span in use now (live or not) must be swept before the next cycle.
        let in_use = self.gc.heap.pages.in_use;
        self.gc_sweep(in_use, marked, p);
        self.gc_pace_sweeper();
        self.gc_pace_scavenger();
        self.obs(
            now,
            crate::obs::Hook::Gc {
                phase: crate::obs::GcPhaseEv::Off,
            },
        );
        let gc = &mut self.gc;
        // gcWakeAllAssists: parked assists run again; their remaining debt is dropped.
        let mut woken: Vec<GId> = gc.assist_queue.drain(..).collect();
        for &g in &woken {
            self.gs[g as usize].assist_bytes = 0;
        }
        self.injectglist(&mut woken, NIL, now);
        let gc = &mut self.gc;
        gc.cycles += 1;
        gc.last_gc = now;
        gc.limiter.numgc = gc.cycles;
        gc.limited_cycles += gc.limiter.limiting() as u32;
        // gcWaitOnMark: runtime.GC() callers waiting for this cycle run again.
        let cycles = gc.cycles;
        let mut waiters = std::mem::take(&mut self.scratch);
        waiters.clear();
        self.gc.mark_waiters.retain(|&(g, n)| {
            if n <= cycles {
                waiters.push(g);
                false
            } else {
                true
            }
        });
        for &g in &waiters {
            self.gs[g as usize].runnable_since = now;
        }
        self.injectglist(&mut waiters, NIL, now);
        self.scratch = waiters;
        let gc = &mut self.gc;
        if gc.goal_over_prev > 0.0 {
            gc.goal_sum += gc.goal_over_prev;
            gc.goal_n += 1;
        }
        // Parked workers stay parked; any still queued leave their queues when they next run.
    }

    /// Records the finished cycle and prints its gctrace line (called once the world runs).
    pub fn gc_trace_line(&mut self, end: Nanos, stw1: Nanos) {
        let gc = &mut self.gc;
        let stwprocs = self.gomaxprocs.min(self.cpus) as u64;
        let stw2 = end - gc.t_mark_term;
        let mark = gc.t_mark_term - gc.t_mark;
        // `gc_cpu_fraction` counts the pauses as `cpuStats` does, not as the trace's STW
        // columns (wall × stwprocs) do: a P still running while the world stops is not GC.
        gc.total_gc_cpu += std::mem::take(&mut gc.cycle_pause_cpu)
            + gc.cycle_assist
            + gc.cycle_bg()
            + gc.cycle_idle;
        gc.total_idle_cpu += gc.cycle_idle;
        gc.total_assist += gc.cycle_assist;
        let total = (end as f64) * self.gomaxprocs as f64;
        let frac = if total > 0.0 {
            (gc.total_gc_cpu - gc.total_idle_cpu) as f64 / total
        } else {
            0.0
        };
        let mb = |b: u64| b >> 20;
        let _ = writeln!(
            gc.trace,
            "gc {} @{}.{:03}s {}%: {}+{}+{} ms clock, {}+{}/{}/{}+{} ms cpu, {}->{}->{} MB, {} MB goal, {} MB stacks, {} MB globals, {} P",
            gc.cycles,
            gc.t_sweep_term / 1_000_000_000,
            gc.t_sweep_term / 1_000_000 % 1000,
            (frac * 100.0) as i64,
            fmt_ns_as_ms(stw1),
            fmt_ns_as_ms(mark),
            fmt_ns_as_ms(stw2),
            fmt_ns_as_ms(stwprocs * stw1),
            fmt_ns_as_ms(gc.cycle_assist),
            fmt_ns_as_ms(gc.cycle_bg()),
            fmt_ns_as_ms(gc.cycle_idle),
            fmt_ns_as_ms(stwprocs * stw2),
            mb(gc.heap0),
            mb(gc.heap1),
            mb(gc.ctrl.heap_marked),
            mb(gc.ctrl.last_heap_goal),
            mb(gc.ctrl.last_stack_scan),
            mb(gc.globals),
            self.gomaxprocs
        );
        let phase = self
            .stats
            .phases
            .iter()
            .rev()
            .find(|p| p.start <= gc.t_sweep_term)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        gc.records.push(CycleRecord {
            n: gc.cycles,
            start_ns: gc.t_sweep_term,
            stw1_ns: stw1,
            mark_ns: mark,
            stw2_ns: stw2,
            assist_cpu_ns: gc.cycle_assist,
            background_cpu_ns: gc.cycle_bg(),
            idle_cpu_ns: gc.cycle_idle,
            heap_trigger: gc.heap0,
            heap_peak: gc.heap1,
            heap_marked: gc.ctrl.heap_marked,
            heap_goal: gc.ctrl.last_heap_goal,
            stacks: gc.ctrl.last_stack_scan,
            globals: gc.globals,
            procs: self.gomaxprocs,
            phase,
            goal_over_prev_marked: gc.goal_over_prev,
        });
        gc.stw.record(stw1);
        gc.stw.record(stw2);
        self.obs(end, crate::obs::Hook::GcWork);
    }

    /// `gcControllerState.assignWaitingGCWorker`: wire `p` as a dedicated or fractional mark
    /// worker if one should run there; the worker stays parked until `p` runs it
    /// ([`Self::find_runnable_gc_worker`]) or gives it back
    /// ([`Self::release_next_gc_mark_worker`]).
    pub fn assign_waiting_gc_worker(&mut self, p: PId, now: Nanos) -> bool {
        // gcShouldScheduleWorker: no worker for work that assists have in hand.
        if self.gc.phase != GcPhase::Mark || self.gc.available() == 0 {
            return false;
        }
        let c = &self.gc.ctrl;
        if c.dedicated_mark_workers_needed <= 0 && c.fractional_utilization_goal == 0.0 {
            return false;
        }
        // gcBgMarkWorkerPool.pop(): this P's worker, if it is parked in the pool.
        let Some(&w) = self.gc.workers.get(p as usize) else {
            return false;
        };
        if self.gs[w as usize].status != GStatus::Waiting {
            return false;
        }
        let c = &mut self.gc.ctrl;
        let mode = if c.dedicated_mark_workers_needed > 0 {
            c.dedicated_mark_workers_needed -= 1;
            WorkerMode::Dedicated
        } else {
            // Is this P behind on the fractional utilization goal?
            let delta = now.saturating_sub(self.gc.t_sweep_term);
            if delta > 0
                && self.gc.frac_time[p as usize] as f64 / delta as f64
                    > c.fractional_utilization_goal
            {
                return false;
            }
            WorkerMode::Fractional
        };
        self.gc.modes[p as usize] = mode;
        self.gc.dedicated_preemptible[p as usize] = mode == WorkerMode::Dedicated;
        self.gc.assigned[p as usize] = true;
        true
    }

    /// `findRunnableGCWorker` (findRunnable step 3): the worker assigned to `p` at
    /// start-the-world, or else one assigned now, made runnable.
    pub fn find_runnable_gc_worker(&mut self, p: PId, now: Nanos) -> Option<GId> {
        if self.gc.phase != GcPhase::Mark {
            return None;
        }
        if self.gc.limiter.need_update(now as i64) {
            self.gc.limiter.update(now as i64);
        }
        let pi = p as usize;
        if !self.gc.assigned.get(pi).copied().unwrap_or(false)
            && !self.assign_waiting_gc_worker(p, now)
        {
            return None;
        }
        self.gc.assigned[pi] = false;
        let w = self.gc.workers[pi];
        self.gs[w as usize].status = GStatus::Runnable;
        self.gs[w as usize].runnable_since = now;
        Some(w)
    }

    /// `gcControllerState.releaseNextGCMarkWorker`: `p` ran something else (or stopped), so
    /// its assigned worker goes back to the pool, a dedicated one's slot with it
    /// (`markWorkerStop`).
    pub fn release_next_gc_mark_worker(&mut self, p: PId) {
        let pi = p as usize;
        if !self.gc.assigned.get(pi).copied().unwrap_or(false) {
            return;
        }
        self.gc.assigned[pi] = false;
        if self.gc.modes[pi] == WorkerMode::Dedicated {
            self.gc.ctrl.dedicated_mark_workers_needed += 1;
        }
        self.gc.modes[pi] = WorkerMode::None;
        self.gc.dedicated_preemptible[pi] = false;
    }

    /// An idle P runs an idle-mode worker (findRunnable step 10) if the count allows.
    pub fn find_idle_gc_worker(&mut self, p: PId, now: Nanos) -> Option<GId> {
        if self.gc.phase != GcPhase::Mark || self.gc.available() == 0 {
            return None;
        }
        let w = *self.gc.workers.get(p as usize)?;
        if self.gs[w as usize].status != GStatus::Waiting
            || self.gc.idle_workers >= self.gc.ctrl.max_idle_mark_workers
        {
            return None;
        }
        self.gc.idle_workers += 1;
        self.gc.modes[p as usize] = WorkerMode::Idle;
        self.gs[w as usize].status = GStatus::Runnable;
        self.gs[w as usize].runnable_since = now;
        Some(w)
    }

    /// A worker's piece of CPU ended (or it just started): account, then go on or park.
    pub fn gc_worker_step(&mut self, w: GId, now: Nanos) {
        let m = self.gs[w as usize].m;
        let p = self.ms[m as usize].p;
        let pi = p as usize;
        // Account for the piece just run.
        let did = std::mem::take(&mut self.gc.piece[pi]);
        self.gc.reserved -= did;
        if did > 0 {
            let cpu = self.gc.cpu_for(did);
            let done = self.gc.consume(did);
            let c = &mut self.gc.ctrl;
            c.globals_scan_work += done[0];
            c.stack_scan_work += done[1];
            c.heap_scan_work += done[2];
            let credit = done.iter().sum::<i64>();
            match self.gc.modes[pi] {
                WorkerMode::Dedicated => {
                    c.dedicated_mark_time += cpu as i64;
                    self.gc.cycle_dedicated += cpu;
                }
                WorkerMode::Fractional => {
                    c.fractional_mark_time += cpu as i64;
                    self.gc.frac_time[pi] += cpu;
                    self.gc.cycle_fractional += cpu;
                }
                _ => {
                    c.idle_mark_time += cpu as i64;
                    self.gc.cycle_idle += cpu;
                    // The limiter counts idle-worker time as idle.
                    self.gc.limiter.add_idle_time(cpu as i64);
                }
            }
            self.gc_flush_bg_credit(credit, p, now);
        }
        if self.gc.phase != GcPhase::Mark || self.stw.active {
            self.gc_worker_park(w, now);
            return;
        }
        if self.gc.mark_complete() {
            self.gc_mark_done(w, now);
            return;
        }
        if self.gc.available() == 0 {
            // The rest is in other workers' or assists' hands.
            self.gc_worker_park(w, now);
            return;
        }
        let keep = match self.gc.modes[pi] {
            // A dedicated worker owns its P for the whole mark phase. Its first `gcDrain`
            // stops at a preemption (sysmon's after 10 ms): "a useful signal to kick
            // everything out of the run queue so it can run somewhere else" (`runqdrain` →
            // `globrunqputbatch`); then it drains on without preemption.
            WorkerMode::Dedicated => {
                if self.gs[w as usize].preempt && self.gc.dedicated_preemptible[pi] {
                    self.gc.dedicated_preemptible[pi] = false;
                    self.dedicated_worker_kick_runq(p);
                }
                true
            }
            WorkerMode::Fractional => {
                let delta = now.saturating_sub(self.gc.t_sweep_term).max(1);
                !self.gs[w as usize].preempt
                    && (self.gc.frac_time[pi] as f64 / delta as f64)
                        <= 1.2 * self.gc.ctrl.fractional_utilization_goal
            }
            WorkerMode::Idle => {
                !self.gs[w as usize].preempt
                    && self.allp[pi].runq_empty()
                    && self.globrunq.is_empty()
                    && self.netpoll_ready.is_empty()
            }
            WorkerMode::None => false,
        };
        if !keep {
            self.gc_worker_park(w, now);
            return;
        }
        let bytes = self
            .gc
            .bytes_for(WORKER_QUANTUM)
            .min(self.gc.available())
            .max(1);
        self.gc.piece[pi] = bytes;
        self.gc.reserved += bytes;
        let ns = self.gc.cpu_for(bytes).max(1);
        let gg = &mut self.gs[w as usize];
        gg.remaining = ns;
        gg.seg = Segment {
            start: now,
            calls_every: None,
            nonpreemptible: true,
        };
        gg.epoch = gg.epoch.wrapping_add(1);
        self.run_piece(w, true);
    }

    /// sysmon's forced-GC check (`gcTrigger{kind: gcTriggerTime}.test()`): GC on, no cycle
    /// running, at least one GC done, the last one more than `forcegcperiod` ago. It injects
    /// the forcegc helper, which calls `gcStart`.
    pub fn sysmon_forcegc(&mut self, now: Nanos) {
        let gc = &self.gc;
        if gc.ctrl.gc_percent < 0
            || gc.phase != GcPhase::Off
            || gc.last_gc == 0
            || now - gc.last_gc <= crate::sched::sysmon::FORCEGC_PERIOD
            || !gc.forcegc_idle
        {
            return;
        }
        if self.gc.forcegc_g == NIL {
            self.gs.push(G::new(2, FORCEGC_CLASS));
            self.gc.forcegc_g = (self.gs.len() - 1) as GId;
        }
        let g = self.gc.forcegc_g;
        self.gc.forcegc_idle = false;
        self.gs[g as usize].op_started = false;
        let mut list = std::mem::take(&mut self.scratch);
        list.clear();
        list.push(g);
        self.injectglist(&mut list, NIL, now);
        self.scratch = list;
    }

    /// The forcegc helper runs: start a time-triggered cycle, or park once it is started.
    pub fn forcegc_step(&mut self, g: GId, now: Nanos) {
        if !self.gs[g as usize].op_started && self.gc.phase == GcPhase::Off {
            self.gs[g as usize].op_started = true;
            self.gc.forced_cycles += 1;
            self.gc_start_kind(g, TriggerKind::Time, now);
            return;
        }
        self.gc.forcegc_idle = true;
        let m = self.gs[g as usize].m;
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = WaitReason::ForceGcIdle;
        gg.epoch = gg.epoch.wrapping_add(1);
        let c = self.costs.g_switch.0;
        self.schedule(m, now, c);
    }

    /// A running worker is asked to stop for a stop-the-world: it counts the work done so far
    /// in its piece and parks at once (the runtime's workers notice preemption within µs).
    pub fn gc_worker_interrupt(&mut self, w: GId, now: Nanos) {
        let gg = &self.gs[w as usize];
        if gg.status != GStatus::Running || gg.seg.start > now {
            return;
        }
        let m = gg.m;
        let p = self.ms[m as usize].p as usize;
        let done = self.gc.bytes_for(now - gg.seg.start);
        let keep = self.gc.piece[p].min(done);
        self.gc.reserved -= self.gc.piece[p] - keep;
        self.gc.piece[p] = keep;
        self.gs[w as usize].epoch = self.gs[w as usize].epoch.wrapping_add(1);
        self.gc_worker_step(w, now);
    }

    /// The worker goes back to the pool; its M schedules something else.
    pub fn gc_worker_park(&mut self, w: GId, now: Nanos) {
        self.obs(now, crate::obs::Hook::Stop { g: w });
        let m = self.gs[w as usize].m;
        let p = self.ms[m as usize].p as usize;
        match self.gc.modes.get(p).copied().unwrap_or(WorkerMode::None) {
            WorkerMode::Dedicated => self.gc.ctrl.dedicated_mark_workers_needed += 1,
            WorkerMode::Idle => self.gc.idle_workers -= 1,
            _ => {}
        }
        if let Some(md) = self.gc.modes.get_mut(p) {
            *md = WorkerMode::None;
        }
        let gg = &mut self.gs[w as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = WaitReason::GcWorkerIdle;
        gg.preempt = false;
        gg.epoch = gg.epoch.wrapping_add(1);
        let c = self.costs.g_switch.0;
        self.schedule(m, now, c);
    }
}

/// What an assist does after one of its pieces.
pub enum AssistNext {
    /// Run another piece of this many ns.
    Continue(Nanos),
    /// The assist is over.
    Done,
    /// The assist is over and it finished the mark work: `gcMarkDone`.
    MarkDone,
}

/// How long an allocation is held (the compiled lifetime, sampled).
#[derive(Clone, Copy, Debug)]
pub enum Hold {
    Request,
    Goroutine,
    Forever,
    Until(Nanos),
}

/// The runtime's `fmtNSAsMS`: whole ms from 10 ms, else two significant digits, at most three
/// decimals.
pub fn fmt_ns_as_ms(ns: u64) -> String {
    if ns >= 10_000_000 {
        return (ns / 1_000_000).to_string();
    }
    let mut x = ns / 1000;
    if x == 0 {
        return "0".into();
    }
    let mut dec = 3;
    while x >= 100 {
        x /= 10;
        dec -= 1;
    }
    let s = format!("{x:0>width$}", width = dec + 1);
    let (i, f) = s.split_at(s.len() - dec);
    if dec == 0 {
        i.to_string()
    } else {
        format!("{i}.{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_ns_as_ms;
    #[test]
    fn gctrace_time_format() {
        assert_eq!(fmt_ns_as_ms(42_000), "0.042");
        assert_eq!(fmt_ns_as_ms(420_000), "0.42");
        assert_eq!(fmt_ns_as_ms(4_200_000), "4.2");
        assert_eq!(fmt_ns_as_ms(1_500), "0.001");
        assert_eq!(fmt_ns_as_ms(0), "0");
        assert_eq!(fmt_ns_as_ms(12_345_678), "12");
    }
}
