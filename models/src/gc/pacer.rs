//! The GC pacer: a bit-exact model of `gcControllerState` (`runtime/mgcpacer.go`, Go 1.21
//! through 1.27, whose pacing math did not change in that span).
//!
//! A plain struct with no event loop: the `TestGcPacer` harness (`pacer_replay.rs`) and the full
//! simulation both drive it by calling the methods below in the order the runtime does
//! (`start_cycle` at sweep termination, `update`/`revise` on every `heapLive` change while
//! marking, `end_cycle` + `reset_live` + `commit(false)` at mark termination).
//!
//! Arithmetic follows the runtime exactly, so results are bit-identical to Go on amd64:
//! - integers are uint64/int64 with Go's wrap-around (`wrapping_*`), multiply before divide,
//!   truncating division;
//! - float expressions keep Go's left-to-right order (`a*b*c` is `(a*b)*c`) and never fuse a
//!   multiply-add (amd64 Go emits no FMA);
//! - `int64(f)` / `uint64(f)` go through [`go_f64_to_i64`] / [`go_f64_to_u64`], which reproduce
//!   amd64's `CVTTSD2SQ` (truncation; out-of-range and NaN give `0x8000000000000000`), and
//!   `float64(u)` is Rust's correctly rounded `as f64`, like Go's.
//!
//! # Simplifications
//! - No atomics or locks: every field is a plain value, updated in one step. The runtime's
//!   races (two `revise` calls interleaving, `memoryLimitHeapGoal` retrying on torn reads of the
//!   memory stats) cannot happen; if the memory inputs are inconsistent
//!   (`heapFree + heapAlloc > mappedReady`, on which Go would spin forever) non-heap memory is
//!   taken as 0.
//! - `gcBlackenEnabled` and `debug.gcstoptheworld` are not globals: `update` takes the former as
//!   an argument and the latter is the field `debug_gcstoptheworld`.
//! - Per-P state (`p.gcAssistTime`, `p.gcFractionalMarkTime`, `p.maxStackScanDelta`) belongs to
//!   the caller; `start_cycle` does not clear it (the runtime does) and the helpers that need it
//!   take it as an argument.
//! - `findRunnableGCWorker` is reduced to its decision (dedicated, fractional or none); the
//!   limiter update, `gcMarkWorkAvailable` and the worker pool are the caller's.
//! - `endCycle` stores `lastHeapGoal` in this struct (the runtime writes the global
//!   `gcController` even from a test copy).
//! - Tracing (`gcpacertrace`, trace events) is not printed; `end_cycle` returns the numbers the
//!   trace line would show.
//! - `defaultHeapMinimum` is 4 MiB (the `heapminimum512kib` GOEXPERIMENT is off by default).

use std::collections::VecDeque;

/// `gcBackgroundUtilization`: the fixed background mark CPU, as a fraction of GOMAXPROCS.
pub const GC_BACKGROUND_UTILIZATION: f64 = 0.25;
/// `gcGoalUtilization` (= `gcBackgroundUtilization`): the utilization the runway is sized for.
pub const GC_GOAL_UTILIZATION: f64 = GC_BACKGROUND_UTILIZATION;
/// `gcCreditSlack`: scan work a worker accumulates before flushing it.
pub const GC_CREDIT_SLACK: i64 = 2000;
/// `gcAssistTimeSlack`: assist ns batched per P before reaching `assistTime`.
pub const GC_ASSIST_TIME_SLACK: i64 = 5000;
/// `gcOverAssistWork`: the minimum scan work of one assist.
pub const GC_OVER_ASSIST_WORK: i64 = 64 << 10;
/// `defaultHeapMinimum`: `heapMinimum` at GOGC=100.
pub const DEFAULT_HEAP_MINIMUM: u64 = 4 << 20;
/// `maxStackScanSlack`: per-P batching of stack-size deltas.
pub const MAX_STACK_SCAN_SLACK: i64 = 8 << 10;
/// `memoryLimitMinHeapGoalHeadroom`.
pub const MEMORY_LIMIT_MIN_HEAP_GOAL_HEADROOM: u64 = 1 << 20;
/// `memoryLimitHeapGoalHeadroomPercent`.
pub const MEMORY_LIMIT_HEAP_GOAL_HEADROOM_PERCENT: u64 = 3;
/// `triggerRatioDen`.
pub const TRIGGER_RATIO_DEN: u64 = 64;
/// `minTriggerRatioNum` (≈0.7 of the way from heapMarked to the goal).
pub const MIN_TRIGGER_RATIO_NUM: u64 = 45;
/// `maxTriggerRatioNum` (≈0.95).
pub const MAX_TRIGGER_RATIO_NUM: u64 = 61;
/// `sweepMinHeapDistance` (mgc.go).
pub const SWEEP_MIN_HEAP_DISTANCE: u64 = 1024 * 1024;
/// `maxUtilError`, local to `startCycle`: rounding tolerance for dedicated workers.
pub const MAX_UTIL_ERROR: f64 = 0.3;
/// `minRunway`, local to `heapGoalInternal`.
pub const MIN_RUNWAY: u64 = 64 << 10;
/// `maxOvershoot`, local to `revise`.
pub const MAX_OVERSHOOT: f64 = 1.1;
/// The floor on remaining scan work in `revise`.
pub const MIN_SCAN_WORK_REMAINING: i64 = 1000;
/// The GOGC stand-in `revise` uses when GOGC is off (forced GC).
pub const GC_PERCENT_OFF_STANDIN: i32 = 100_000;
/// Slack on the fractional goal before a fractional worker leaves (`pollFractionalWorkerExit`).
pub const FRACTIONAL_EXIT_SLACK: f64 = 1.2;

/// Go's `int64(f)` on amd64 (`CVTTSD2SQ`): truncation toward zero; NaN and out-of-range values
/// give `math.MinInt64`.
pub fn go_f64_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; the valid range is [-2^63, 2^63).
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if !(-TWO63..TWO63).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `uint64(f)` on amd64: the compiler's branchy expansion (`floatToUint` in ssagen) around
/// `CVTTSD2SQ`.
pub fn go_f64_to_u64(f: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f < TWO63 {
        go_f64_to_i64(f) as u64
    } else {
        (go_f64_to_i64(f - TWO63) as u64) | (1 << 63)
    }
}

/// `gcTrigger.kind`: why a cycle started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TriggerKind {
    /// `gcTriggerHeap`: heapLive reached the trigger.
    #[default]
    Heap,
    /// `gcTriggerTime`: the 2-minute periodic GC (fewer idle workers).
    Time,
    /// `gcTriggerCycle`: `runtime.GC()`.
    Cycle,
}

/// `gcMarkWorkerMode` (without `gcMarkWorkerNotWorker`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkWorkerMode {
    Dedicated,
    Fractional,
    Idle,
}

/// The live memory statistics `memoryLimitHeapGoal` reads on every call
/// (`gcController.mappedReady`, `heapFree`, `totalAlloc − totalFree`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryInputs {
    /// `mappedReady`: mapped memory in the Ready state (what the limit counts).
    pub mapped_ready: u64,
    /// `heapFree`: free, unscavenged heap pages.
    pub heap_free: u64,
    /// `heapAlloc` = `totalAlloc − totalFree`: bytes in heap objects.
    pub heap_alloc: u64,
}

/// What `endCycle` measured (the numbers of the `gcpacertrace` end-of-cycle line).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EndCycleStats {
    /// 0.25 + assist utilization.
    pub utilization: f64,
    /// Idle-worker utilization (0 if cons/mark was not updated).
    pub idle_utilization: f64,
    /// The cons/mark measured this cycle, or `None` when `heapLive <= triggered` (no update).
    pub current_cons_mark: Option<f64>,
    /// `consMark` before this cycle.
    pub old_cons_mark: f64,
}

/// What the debt arithmetic at the top of `gcAssistAlloc` decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssistSteal {
    /// Scan work still to do with `gcDrainN` after stealing (0: fully paid by stolen credit).
    pub scan_work: i64,
    /// Background credit taken from `bgScanCredit`.
    pub stolen: i64,
    /// Bytes credited to the goroutine's `gcAssistBytes` for the stolen work.
    pub credited_bytes: i64,
}

/// `gcControllerState`. Field names follow the runtime's (snake_case).
#[derive(Clone, Debug, Default)]
pub struct GcController {
    /// `gcPercent`: GOGC; −1 is off.
    pub gc_percent: i32,
    /// `memoryLimit` (math.MaxInt64 for none).
    pub memory_limit: i64,
    /// `heapMinimum`: 4 MiB × GOGC/100.
    pub heap_minimum: u64,
    /// `runway`: bytes of allocation the GC gets once it starts (from cons/mark).
    pub runway: u64,
    /// `consMark`: max of the last 5 cons/mark measurements.
    pub cons_mark: f64,
    /// `lastConsMark`: the last 4 raw measurements, index 3 newest.
    pub last_cons_mark: [f64; 4],
    /// `gcPercentHeapGoal`: the GOGC goal (2^64−1 when GOGC is off).
    pub gc_percent_heap_goal: u64,
    /// `sweepDistMinTrigger`: minimum trigger giving the sweeper 1 MiB of runway.
    pub sweep_dist_min_trigger: u64,
    /// `triggered`: heapLive when this cycle started; 2^64−1 outside the mark phase.
    pub triggered: u64,
    /// `lastHeapGoal`: the heap goal when the last cycle ended.
    pub last_heap_goal: u64,
    /// `heapLive`.
    pub heap_live: u64,
    /// `heapScan`: scannable bytes of the heap.
    pub heap_scan: u64,
    /// `lastHeapScan`: heap bytes scanned last cycle.
    pub last_heap_scan: u64,
    /// `lastStackScan`: stack bytes scanned last cycle.
    pub last_stack_scan: u64,
    /// `maxStackScan`: allocated stack bytes of all goroutines.
    pub max_stack_scan: u64,
    /// `globalsScan`: data+bss bytes.
    pub globals_scan: u64,
    /// `heapMarked`: bytes marked by the last cycle.
    pub heap_marked: u64,
    /// `heapScanWork`: heap scan work done this cycle.
    pub heap_scan_work: i64,
    /// `stackScanWork`.
    pub stack_scan_work: i64,
    /// `globalsScanWork`.
    pub globals_scan_work: i64,
    /// `bgScanCredit`: background work not yet claimed by assists.
    pub bg_scan_credit: i64,
    /// `assistTime`: assist ns this cycle (flushed per P in batches).
    pub assist_time: i64,
    /// `dedicatedMarkTime`.
    pub dedicated_mark_time: i64,
    /// `fractionalMarkTime`.
    pub fractional_mark_time: i64,
    /// `idleMarkTime`.
    pub idle_mark_time: i64,
    /// `markStartTime`.
    pub mark_start_time: i64,
    /// `dedicatedMarkWorkersNeeded`: dedicated workers still to start.
    pub dedicated_mark_workers_needed: i64,
    /// Low half of `idleMarkWorkers`: idle workers running.
    pub idle_mark_workers: i32,
    /// High half of `idleMarkWorkers`: how many may run.
    pub max_idle_mark_workers: i32,
    /// `assistWorkPerByte`.
    pub assist_work_per_byte: f64,
    /// `assistBytesPerWork`.
    pub assist_bytes_per_work: f64,
    /// `fractionalUtilizationGoal`: per-P fraction of time for the fractional worker.
    pub fractional_utilization_goal: f64,
    /// The memory statistics `memoryLimitHeapGoal` reads (zero in the test harness).
    pub mem: MemoryInputs,
    /// `debug.gcstoptheworld > 0`: all Ps become dedicated workers.
    pub debug_gcstoptheworld: bool,
}

impl GcController {
    /// A controller as `NewGCController` builds it: zero state, then `init`.
    pub fn new(gc_percent: i32, memory_limit: i64) -> Self {
        let mut c = Self::default();
        c.init(gc_percent, memory_limit);
        c
    }

    /// Models `gcControllerState.init`.
    pub fn init(&mut self, gc_percent: i32, memory_limit: i64) {
        self.heap_minimum = DEFAULT_HEAP_MINIMUM;
        self.triggered = u64::MAX;
        self.set_gc_percent(gc_percent);
        self.set_memory_limit(memory_limit);
        // No sweep phase precedes the first cycle.
        self.commit(true);
    }

    /// Models `gcControllerState.setGCPercent`; returns the old value. Call `commit` after.
    pub fn set_gc_percent(&mut self, gc_percent: i32) -> i32 {
        let out = self.gc_percent;
        let v = if gc_percent < 0 { -1 } else { gc_percent };
        // GOGC=off wraps around to a meaningless value, as in Go; the goal is then 2^64−1.
        self.heap_minimum = DEFAULT_HEAP_MINIMUM.wrapping_mul(v as i64 as u64) / 100;
        self.gc_percent = v;
        out
    }

    /// Models `gcControllerState.setMemoryLimit`; negative values only query. Call `commit` after.
    pub fn set_memory_limit(&mut self, memory_limit: i64) -> i64 {
        let out = self.memory_limit;
        if memory_limit >= 0 {
            self.memory_limit = memory_limit;
        }
        out
    }

    /// Models `gcControllerState.commit`: recomputes the GOGC goal, the sweep-distance floor and
    /// the runway. Call `revise` after it if marking.
    pub fn commit(&mut self, is_sweep_done: bool) {
        self.sweep_dist_min_trigger = if is_sweep_done {
            0
        } else {
            // Concurrent sweep happens while heapLive grows to the trigger: give it 1 MiB.
            self.heap_live.wrapping_add(SWEEP_MIN_HEAP_DISTANCE)
        };
        let mut goal = u64::MAX;
        if self.gc_percent >= 0 {
            let base = self
                .heap_marked
                .wrapping_add(self.last_stack_scan)
                .wrapping_add(self.globals_scan);
            goal = self
                .heap_marked
                .wrapping_add(base.wrapping_mul(self.gc_percent as u64) / 100);
        }
        if goal < self.heap_minimum {
            goal = self.heap_minimum;
        }
        self.gc_percent_heap_goal = goal;
        let expected_work = self
            .last_heap_scan
            .wrapping_add(self.last_stack_scan)
            .wrapping_add(self.globals_scan);
        // Bytes the mutator allocates while the GC does the expected work at 25 % CPU.
        self.runway = go_f64_to_u64(
            (self.cons_mark * (1.0 - GC_GOAL_UTILIZATION) / GC_GOAL_UTILIZATION)
                * expected_work as f64,
        );
    }

    /// Models `gcControllerState.heapGoal`.
    pub fn heap_goal(&self) -> u64 {
        self.heap_goal_internal().0
    }

    /// Models `gcControllerState.heapGoalInternal`: (goal, minTrigger).
    pub fn heap_goal_internal(&self) -> (u64, u64) {
        let mut goal = self.gc_percent_heap_goal;
        let mut min_trigger = 0;
        let limit_goal = self.memory_limit_heap_goal();
        if limit_goal < goal {
            // Memory-limit regime: no floor may push the goal past the limit.
            goal = limit_goal;
        } else {
            let sweep = self.sweep_dist_min_trigger;
            if sweep > goal {
                goal = sweep;
            }
            min_trigger = sweep;
            if self.triggered != u64::MAX && goal < self.triggered.wrapping_add(MIN_RUNWAY) {
                goal = self.triggered.wrapping_add(MIN_RUNWAY);
            }
        }
        (goal, min_trigger)
    }

    /// Models `gcControllerState.memoryLimitHeapGoal`, reading the live inputs in `self.mem`.
    pub fn memory_limit_heap_goal(&self) -> u64 {
        let MemoryInputs {
            mapped_ready,
            heap_free,
            heap_alloc,
        } = self.mem;
        let memory_limit = self.memory_limit as u64;
        let non_heap = mapped_ready.saturating_sub(heap_free.wrapping_add(heap_alloc));
        let overage = mapped_ready.saturating_sub(memory_limit);
        if non_heap.wrapping_add(overage) >= memory_limit {
            // Non-heap memory alone exceeds the limit: collect continuously.
            return self.heap_marked;
        }
        let goal = memory_limit - (non_heap + overage);
        let goal = apply_memory_limit_heap_goal_headroom(goal);
        goal.max(self.heap_marked)
    }

    /// Models `gcControllerState.trigger`: (trigger, goal).
    pub fn trigger(&self) -> (u64, u64) {
        let (goal, mut min_trigger) = self.heap_goal_internal();
        let marked = self.heap_marked;
        if marked >= goal {
            return (goal, goal);
        }
        if min_trigger < marked {
            min_trigger = marked;
        }
        let lower = ((goal - marked) / TRIGGER_RATIO_DEN)
            .wrapping_mul(MIN_TRIGGER_RATIO_NUM)
            .wrapping_add(marked);
        if min_trigger < lower {
            min_trigger = lower;
        }
        let mut max_trigger = ((goal - marked) / TRIGGER_RATIO_DEN)
            .wrapping_mul(MAX_TRIGGER_RATIO_NUM)
            .wrapping_add(marked);
        // For big heaps leave at most defaultHeapMinimum (not heapMinimum) of runway.
        if goal > DEFAULT_HEAP_MINIMUM && goal - DEFAULT_HEAP_MINIMUM > max_trigger {
            max_trigger = goal - DEFAULT_HEAP_MINIMUM;
        }
        max_trigger = max_trigger.max(min_trigger);
        let runway = self.runway;
        let mut trigger = if runway > goal {
            min_trigger
        } else {
            goal - runway
        };
        trigger = trigger.max(min_trigger);
        trigger = trigger.min(max_trigger);
        assert!(
            trigger <= goal,
            "produced a trigger greater than the heap goal: trigger={trigger} heapGoal={goal} \
             minTrigger={min_trigger} maxTrigger={max_trigger}"
        );
        (trigger, goal)
    }

    /// Models `gcControllerState.startCycle`: zeroes the per-cycle counters, records `triggered`,
    /// sizes the background workers and computes the first assist ratio.
    pub fn start_cycle(&mut self, mark_start_time: i64, procs: i32, trigger: TriggerKind) {
        self.heap_scan_work = 0;
        self.stack_scan_work = 0;
        self.globals_scan_work = 0;
        self.bg_scan_credit = 0;
        self.assist_time = 0;
        self.dedicated_mark_time = 0;
        self.fractional_mark_time = 0;
        self.idle_mark_time = 0;
        self.mark_start_time = mark_start_time;
        self.triggered = self.heap_live;

        let (dedicated, fractional) = background_workers(procs, self.debug_gcstoptheworld);
        self.fractional_utilization_goal = fractional;
        self.set_max_idle_mark_workers(max_idle_mark_workers(procs, dedicated, trigger));
        self.dedicated_mark_workers_needed = dedicated;
        self.revise();
    }

    /// Models `gcControllerState.revise`: the assist ratio so that the remaining scan work is done
    /// by the time heapLive reaches the (possibly extrapolated) goal.
    pub fn revise(&mut self) {
        let gc_percent = if self.gc_percent < 0 {
            GC_PERCENT_OFF_STANDIN
        } else {
            self.gc_percent
        };
        let live = self.heap_live;
        let scan = self.heap_scan;
        let work = self
            .heap_scan_work
            .wrapping_add(self.stack_scan_work)
            .wrapping_add(self.globals_scan_work);

        let mut heap_goal = self.heap_goal() as i64;
        let mut scan_work_expected = self
            .last_heap_scan
            .wrapping_add(self.last_stack_scan)
            .wrapping_add(self.globals_scan) as i64;
        let max_scan_work = scan
            .wrapping_add(self.max_stack_scan)
            .wrapping_add(self.globals_scan) as i64;
        if work > scan_work_expected {
            // More work than expected: assume the heap grew and stretch the runway in proportion
            // to the worst-case work, capped at the hard goal γ·goal.
            let triggered = self.triggered as i64;
            let mut ext_heap_goal = go_f64_to_i64(
                heap_goal.wrapping_sub(triggered) as f64 / scan_work_expected as f64
                    * max_scan_work as f64,
            )
            .wrapping_add(triggered);
            scan_work_expected = max_scan_work;
            let hard_goal = go_f64_to_i64((1.0 + gc_percent as f64 / 100.0) * heap_goal as f64);
            if ext_heap_goal > hard_goal {
                ext_heap_goal = hard_goal;
            }
            heap_goal = ext_heap_goal;
        }
        if live as i64 > heap_goal {
            // Already past even the extended goal: aim 10 % further at the worst-case work.
            heap_goal = go_f64_to_i64(heap_goal as f64 * MAX_OVERSHOOT);
            scan_work_expected = max_scan_work;
        }
        let mut scan_work_remaining = scan_work_expected.wrapping_sub(work);
        if scan_work_remaining < MIN_SCAN_WORK_REMAINING {
            scan_work_remaining = MIN_SCAN_WORK_REMAINING;
        }
        let mut heap_remaining = heap_goal.wrapping_sub(live as i64);
        if heap_remaining <= 0 {
            heap_remaining = 1;
        }
        self.assist_work_per_byte = scan_work_remaining as f64 / heap_remaining as f64;
        self.assist_bytes_per_work = heap_remaining as f64 / scan_work_remaining as f64;
    }

    /// Models `gcControllerState.endCycle`: records `lastHeapGoal` and measures cons/mark
    /// (`now` = tMarkTerm). Updates nothing else when `heapLive <= triggered`.
    pub fn end_cycle(&mut self, now: i64, procs: i32) -> EndCycleStats {
        self.last_heap_goal = self.heap_goal();
        let assist_duration = now.wrapping_sub(self.mark_start_time);
        let cpu = assist_duration.wrapping_mul(procs as i64);
        // Background workers are assumed to have hit 25 % exactly.
        let mut utilization = GC_BACKGROUND_UTILIZATION;
        if assist_duration > 0 {
            utilization += self.assist_time as f64 / cpu as f64;
        }
        let old_cons_mark = self.cons_mark;
        if self.heap_live <= self.triggered {
            return EndCycleStats {
                utilization,
                idle_utilization: 0.0,
                current_cons_mark: None,
                old_cons_mark,
            };
        }
        let idle_utilization = if assist_duration > 0 {
            self.idle_mark_time as f64 / cpu as f64
        } else {
            0.0
        };
        let scan_work = self
            .heap_scan_work
            .wrapping_add(self.stack_scan_work)
            .wrapping_add(self.globals_scan_work);
        // Idle time counts for the GC's scan rate but not against the mutator's.
        let current = ((self.heap_live - self.triggered) as f64 * (utilization + idle_utilization))
            / (scan_work as f64 * (1.0 - utilization));
        // Max of this and the last 4 measurements: a noisy estimate errs toward early triggers.
        self.cons_mark = current;
        for &v in &self.last_cons_mark {
            if v > self.cons_mark {
                self.cons_mark = v;
            }
        }
        self.last_cons_mark.copy_within(1.., 0);
        self.last_cons_mark[3] = current;
        EndCycleStats {
            utilization,
            idle_utilization,
            current_cons_mark: Some(current),
            old_cons_mark,
        }
    }

    /// Models `gcControllerState.resetLive`: at mark termination heapLive = heapMarked = marked
    /// bytes, and this cycle's scan work becomes the next cycle's expectation.
    pub fn reset_live(&mut self, bytes_marked: u64) {
        self.heap_marked = bytes_marked;
        self.heap_live = bytes_marked;
        self.heap_scan = self.heap_scan_work as u64;
        self.last_heap_scan = self.heap_scan_work as u64;
        self.last_stack_scan = self.stack_scan_work as u64;
        self.triggered = u64::MAX;
    }

    /// Models `gcControllerState.update`: heapLive/heapScan deltas from mcache refills and large
    /// allocations. heapScan is frozen while marking (`gc_blacken_enabled`), when the assist
    /// ratio is revised instead.
    pub fn update(&mut self, d_heap_live: i64, d_heap_scan: i64, gc_blacken_enabled: bool) {
        if d_heap_live != 0 {
            self.heap_live = self.heap_live.wrapping_add(d_heap_live as u64);
        }
        if !gc_blacken_enabled {
            if d_heap_scan != 0 {
                self.heap_scan = self.heap_scan.wrapping_add(d_heap_scan as u64);
            }
        } else {
            self.revise();
        }
    }

    /// Models `gcControllerState.addScannableStack`: with a P, the delta is batched in
    /// `p_max_stack_scan_delta` until it reaches ±`maxStackScanSlack`.
    pub fn add_scannable_stack(&mut self, p_max_stack_scan_delta: Option<&mut i64>, amount: i64) {
        match p_max_stack_scan_delta {
            None => self.max_stack_scan = self.max_stack_scan.wrapping_add(amount as u64),
            Some(d) => {
                *d += amount;
                if *d >= MAX_STACK_SCAN_SLACK || *d <= -MAX_STACK_SCAN_SLACK {
                    self.max_stack_scan = self.max_stack_scan.wrapping_add(*d as u64);
                    *d = 0;
                }
            }
        }
    }

    /// Models `gcControllerState.addGlobals`.
    pub fn add_globals(&mut self, amount: i64) {
        self.globals_scan = self.globals_scan.wrapping_add(amount as u64);
    }

    /// Models `applyMemoryLimitHeapGoalHeadroom` on the current limit with no other memory in
    /// play (the value TestGcPacer's checkers compare against).
    pub fn apply_memory_limit_heap_goal_headroom(&self) -> u64 {
        apply_memory_limit_heap_goal_headroom(self.memory_limit as u64)
    }

    /// Models the worker choice of `gcControllerState.findRunnableGCWorker` for a P whose
    /// fractional worker has run `p_fractional_mark_time` ns this cycle.
    pub fn find_runnable_gc_worker(
        &mut self,
        p_fractional_mark_time: i64,
        now: i64,
    ) -> Option<MarkWorkerMode> {
        if self.dedicated_mark_workers_needed > 0 {
            self.dedicated_mark_workers_needed -= 1;
            return Some(MarkWorkerMode::Dedicated);
        }
        if self.fractional_utilization_goal == 0.0 {
            return None;
        }
        let delta = now.wrapping_sub(self.mark_start_time);
        if delta > 0
            && p_fractional_mark_time as f64 / delta as f64 > self.fractional_utilization_goal
        {
            // This P is ahead of its fractional quota.
            return None;
        }
        Some(MarkWorkerMode::Fractional)
    }

    /// Models `pollFractionalWorkerExit`: `self_time` is the P's fractional time including the
    /// current run. True when the worker should stop.
    pub fn poll_fractional_worker_exit(&self, now: i64, self_time: i64) -> bool {
        let delta = now.wrapping_sub(self.mark_start_time);
        if delta <= 0 {
            return true;
        }
        self_time as f64 / delta as f64 > FRACTIONAL_EXIT_SLACK * self.fractional_utilization_goal
    }

    /// Models `gcControllerState.markWorkerStop`.
    pub fn mark_worker_stop(&mut self, mode: MarkWorkerMode, duration: i64) {
        match mode {
            MarkWorkerMode::Dedicated => {
                self.dedicated_mark_time += duration;
                self.dedicated_mark_workers_needed += 1;
            }
            MarkWorkerMode::Fractional => self.fractional_mark_time += duration,
            MarkWorkerMode::Idle => {
                self.idle_mark_time += duration;
                self.remove_idle_mark_worker();
            }
        }
    }

    /// Models `gcControllerState.addIdleMarkWorker`.
    pub fn add_idle_mark_worker(&mut self) -> bool {
        let n = self.idle_mark_workers;
        if n >= self.max_idle_mark_workers {
            // n > max is tolerated (the max may drop while workers run).
            return false;
        }
        assert!(n >= 0, "negative idle mark workers: n={n}");
        self.idle_mark_workers = n + 1;
        true
    }

    /// Models `gcControllerState.needIdleMarkWorker`.
    pub fn need_idle_mark_worker(&self) -> bool {
        self.idle_mark_workers < self.max_idle_mark_workers
    }

    /// Models `gcControllerState.removeIdleMarkWorker`.
    pub fn remove_idle_mark_worker(&mut self) {
        let n = self.idle_mark_workers;
        assert!(n > 0, "negative idle mark workers: n={n}");
        self.idle_mark_workers = n - 1;
    }

    /// Models `gcControllerState.setMaxIdleMarkWorkers`.
    pub fn set_max_idle_mark_workers(&mut self, max: i32) {
        assert!(
            self.idle_mark_workers >= 0,
            "negative idle mark workers: n={}",
            self.idle_mark_workers
        );
        self.max_idle_mark_workers = max;
    }

    /// The debt arithmetic at the top of `gcAssistAlloc` for a goroutine with
    /// `gc_assist_bytes < 0`: converts debt to scan work (at least `gcOverAssistWork`) and steals
    /// background credit. The caller adds `credited_bytes` to the goroutine's balance and drains
    /// `scan_work` (if non-zero). Does not check the CPU limiter (the caller does first).
    pub fn assist_steal(&mut self, gc_assist_bytes: i64) -> AssistSteal {
        let mut debt_bytes = gc_assist_bytes.wrapping_neg();
        let mut scan_work = go_f64_to_i64(self.assist_work_per_byte * debt_bytes as f64);
        if scan_work < GC_OVER_ASSIST_WORK {
            scan_work = GC_OVER_ASSIST_WORK;
            debt_bytes = go_f64_to_i64(self.assist_bytes_per_work * scan_work as f64);
        }
        let mut out = AssistSteal {
            scan_work,
            ..AssistSteal::default()
        };
        let bg = self.bg_scan_credit;
        if bg > 0 {
            if bg < scan_work {
                out.stolen = bg;
                out.credited_bytes =
                    1i64.wrapping_add(go_f64_to_i64(self.assist_bytes_per_work * bg as f64));
            } else {
                out.stolen = scan_work;
                out.credited_bytes = debt_bytes;
            }
            self.bg_scan_credit -= out.stolen;
            out.scan_work -= out.stolen;
        }
        out
    }

    /// The credit `gcAssistAlloc1` gives for `work_done` units drained:
    /// `1 + int64(assistBytesPerWork × workDone)`.
    pub fn assist_credit_for_work(&self, work_done: i64) -> i64 {
        1i64.wrapping_add(go_f64_to_i64(self.assist_bytes_per_work * work_done as f64))
    }

    /// The per-P batching at the end of `gcAssistAlloc1`: adds `duration` to the P's
    /// `gcAssistTime` and flushes it to `assistTime` once above `gcAssistTimeSlack`. Returns true
    /// on a flush, when the caller must also update the CPU limiter.
    pub fn add_assist_time(&mut self, p_gc_assist_time: &mut i64, duration: i64) -> bool {
        *p_gc_assist_time += duration;
        if *p_gc_assist_time > GC_ASSIST_TIME_SLACK {
            self.assist_time += *p_gc_assist_time;
            *p_gc_assist_time = 0;
            return true;
        }
        false
    }

    /// Models `gcFlushBgCredit`: background `scan_work` first pays the queued assists (goroutine,
    /// `gcAssistBytes < 0`) in FIFO order; a partly paid one goes to the back. The rest becomes
    /// `bgScanCredit`. Returns the goroutines fully paid (their balance is now 0), to be readied.
    pub fn flush_bg_credit<T>(&mut self, scan_work: i64, queue: &mut VecDeque<(T, i64)>) -> Vec<T> {
        let mut ready = Vec::new();
        if queue.is_empty() {
            self.bg_scan_credit += scan_work;
            return ready;
        }
        let mut scan_bytes = go_f64_to_i64(scan_work as f64 * self.assist_bytes_per_work);
        while scan_bytes > 0 {
            let Some((g, bytes)) = queue.pop_front() else {
                break;
            };
            if scan_bytes + bytes >= 0 {
                scan_bytes += bytes;
                ready.push(g);
            } else {
                queue.push_back((g, bytes + scan_bytes));
                scan_bytes = 0;
                break;
            }
        }
        if scan_bytes > 0 {
            self.bg_scan_credit += go_f64_to_i64(scan_bytes as f64 * self.assist_work_per_byte);
        }
        ready
    }
}

/// `applyMemoryLimitHeapGoalHeadroom` (mgcpacer_test.go; the same arithmetic as the tail of
/// `memoryLimitHeapGoal`): subtract 3 % (at least 1 MiB), never below the headroom itself.
pub fn apply_memory_limit_heap_goal_headroom(goal: u64) -> u64 {
    let mut headroom = goal / 100 * MEMORY_LIMIT_HEAP_GOAL_HEADROOM_PERCENT;
    if headroom < MEMORY_LIMIT_MIN_HEAP_GOAL_HEADROOM {
        headroom = MEMORY_LIMIT_MIN_HEAP_GOAL_HEADROOM;
    }
    if goal < headroom || goal - headroom < headroom {
        headroom
    } else {
        goal - headroom
    }
}

/// The dedicated-worker count and fractional goal `startCycle` computes for `procs` Ps
/// (spec §1.10): round 25 % of procs to whole workers, and fall back to fractional workers when
/// rounding is off by more than 30 %.
pub fn background_workers(procs: i32, gcstoptheworld: bool) -> (i64, f64) {
    let total_utilization_goal = procs as f64 * GC_BACKGROUND_UTILIZATION;
    let mut dedicated = go_f64_to_i64(total_utilization_goal + 0.5);
    let util_error = dedicated as f64 / total_utilization_goal - 1.0;
    let mut fractional = 0.0;
    // Go's comparison form: a NaN error (procs = 0) means no fractional workers.
    #[allow(clippy::manual_range_contains)]
    if util_error < -MAX_UTIL_ERROR || util_error > MAX_UTIL_ERROR {
        if dedicated as f64 > total_utilization_goal {
            dedicated -= 1;
        }
        fractional = (total_utilization_goal - dedicated as f64) / procs as f64;
    }
    if gcstoptheworld {
        dedicated = procs as i64;
        fractional = 0.0;
    }
    (dedicated, fractional)
}

/// The idle-worker cap `startCycle` sets: procs − dedicated, but for a periodic GC only 0 (or 1
/// when there is no dedicated worker, so that the GC still progresses).
pub fn max_idle_mark_workers(procs: i32, dedicated: i64, trigger: TriggerKind) -> i32 {
    if trigger == TriggerKind::Time {
        if dedicated > 0 { 0 } else { 1 }
    } else {
        procs - dedicated as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_conversions_match_amd64() {
        assert_eq!(go_f64_to_i64(-1.9), -1);
        assert_eq!(go_f64_to_i64(2.9), 2);
        assert_eq!(go_f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(go_f64_to_i64(1e19), i64::MIN);
        assert_eq!(go_f64_to_u64(1e19), 10_000_000_000_000_000_000);
        assert_eq!(go_f64_to_u64(f64::INFINITY), 1 << 63);
        assert_eq!(go_f64_to_u64(-1.0), u64::MAX);
    }

    #[test]
    fn init_sets_the_minimum_goal_and_no_runway() {
        let c = GcController::new(100, i64::MAX);
        assert_eq!(c.heap_minimum, 4 << 20);
        assert_eq!(c.gc_percent_heap_goal, 4 << 20);
        assert_eq!(c.sweep_dist_min_trigger, 0);
        assert_eq!(c.runway, 0);
        assert_eq!(c.triggered, u64::MAX);
        // Hm = 0: the trigger sits at 61/64 of the goal.
        assert_eq!(c.trigger(), ((4u64 << 20) / 64 * 61, 4 << 20));
        let c = GcController::new(1500, i64::MAX);
        assert_eq!(c.heap_minimum, 60 << 20);
        let c = GcController::new(0, i64::MAX);
        assert_eq!(c.heap_minimum, 0);
    }

    #[test]
    fn memory_limit_goal_subtracts_non_heap_and_overage() {
        let mut c = GcController::new(-1, 512 << 20);
        assert_eq!(c.heap_goal(), 520_764_785);
        // 10 MiB of non-heap memory: goal = (limit − 10 MiB) − 3 %.
        c.mem = MemoryInputs {
            mapped_ready: 30 << 20,
            heap_free: 4 << 20,
            heap_alloc: 16 << 20,
        };
        let base = (512u64 << 20) - (10 << 20);
        assert_eq!(c.heap_goal(), base - base / 100 * 3);
        // Over the limit by 1 MiB: the overage is subtracted too.
        c.mem = MemoryInputs {
            mapped_ready: (512 << 20) + (1 << 20),
            heap_free: 0,
            heap_alloc: 500 << 20,
        };
        // Non-heap 13 MiB plus the 1 MiB overage.
        let base = (512u64 << 20) - (14 << 20);
        assert_eq!(c.heap_goal(), base - base / 100 * 3);
        // Non-heap memory alone exceeds the limit: the goal is heapMarked.
        c.heap_marked = 12345;
        c.mem = MemoryInputs {
            mapped_ready: 600 << 20,
            heap_free: 0,
            heap_alloc: 0,
        };
        assert_eq!(c.heap_goal(), 12345);
    }

    #[test]
    fn small_limits_keep_at_least_the_headroom() {
        assert_eq!(
            apply_memory_limit_heap_goal_headroom(512 << 20),
            520_764_785
        );
        // 3 % of 10 MiB is below 1 MiB: 1 MiB is subtracted.
        assert_eq!(apply_memory_limit_heap_goal_headroom(10 << 20), 9 << 20);
        // Less than twice the headroom left: the goal is the headroom.
        assert_eq!(apply_memory_limit_heap_goal_headroom(1 << 20), 1 << 20);
        assert_eq!(apply_memory_limit_heap_goal_headroom(3 << 19), 1 << 20);
    }

    #[test]
    fn sweep_floor_and_min_runway_apply_only_in_the_gogc_regime() {
        let mut c = GcController::new(100, i64::MAX);
        c.heap_marked = 8 << 20;
        c.heap_live = 8 << 20;
        c.commit(false);
        // Goal = 8 + (8 + 0 + 0) = 16 MiB; sweep floor = 9 MiB.
        assert_eq!(c.heap_goal_internal(), (16 << 20, 9 << 20));
        c.triggered = (16 << 20) - 100;
        assert_eq!(c.heap_goal(), (16 << 20) - 100 + (64 << 10));
        c.set_memory_limit(12 << 20);
        c.commit(false);
        // The memory-limit goal is smaller: neither floor applies.
        let lim = apply_memory_limit_heap_goal_headroom(12 << 20);
        assert_eq!(c.heap_goal_internal(), (lim, 0));
    }

    #[test]
    fn trigger_is_clamped_between_45_and_61_64ths() {
        let mut c = GcController::new(100, i64::MAX);
        let hm = 200u64 << 20;
        c.heap_marked = hm;
        c.heap_live = hm;
        c.commit(true);
        let goal = 2 * hm;
        // No runway: the trigger is the upper bound, which for this heap is goal − 4 MiB
        // (above 61/64 of the way).
        assert!(goal - (4 << 20) > hm + hm / 64 * 61);
        assert_eq!(c.trigger(), (goal - (4 << 20), goal));
        // A huge runway: the lower bound, 45/64 of the way.
        c.runway = 1 << 40;
        assert_eq!(c.trigger(), (hm + hm / 64 * 45, goal));
        c.runway = 10 << 20;
        assert_eq!(c.trigger(), (goal - (10 << 20), goal));
        // A smaller heap: the upper bound is 61/64 of the way.
        c.heap_marked = 8 << 20;
        c.heap_live = 8 << 20;
        c.runway = 0;
        c.commit(true);
        assert_eq!(c.trigger(), ((8 << 20) + (8 << 20) / 64 * 61, 16 << 20));
    }

    #[test]
    fn revise_extrapolates_and_caps_at_the_hard_goal() {
        let mut c = GcController::new(100, i64::MAX);
        c.heap_marked = 100 << 20;
        c.heap_live = 100 << 20;
        c.last_heap_scan = 100 << 20;
        c.commit(true);
        c.heap_scan = 100 << 20;
        c.heap_live = 150 << 20;
        c.start_cycle(0, 8, TriggerKind::Heap);
        let goal = 200i64 << 20;
        assert_eq!(c.heap_goal() as i64, goal);
        let want = (100i64 << 20) as f64 / (50i64 << 20) as f64;
        assert_eq!(c.assist_work_per_byte.to_bits(), want.to_bits());
        // Twice the expected work found: the goal extends to triggered + 2·(goal − triggered),
        // here 250 MiB, below the hard goal 2·200 MiB.
        c.heap_scan = 200 << 20;
        c.heap_scan_work = (100 << 20) + 1;
        c.revise();
        let ext = (250i64 << 20) as f64;
        let want = ((200i64 << 20) - ((100 << 20) + 1)) as f64 / (ext - (150i64 << 20) as f64);
        assert_eq!(c.assist_work_per_byte.to_bits(), want.to_bits());
        // Heap scan 10×: the extension is capped at the hard goal 400 MiB, and with the heap
        // already past it the goal moves out ×1.1.
        c.heap_scan = 2000 << 20;
        c.heap_live = 420 << 20;
        c.revise();
        let hard = go_f64_to_i64(2.0 * goal as f64);
        let over = go_f64_to_i64(hard as f64 * 1.1);
        let want = ((2000i64 << 20) - ((100 << 20) + 1)) as f64 / (over - (420i64 << 20)) as f64;
        assert_eq!(c.assist_work_per_byte.to_bits(), want.to_bits());
        // Beyond even that: the heap distance is floored at 1 byte.
        c.heap_live = 500 << 20;
        c.revise();
        let want = ((2000i64 << 20) - ((100 << 20) + 1)) as f64;
        assert_eq!(c.assist_work_per_byte.to_bits(), want.to_bits());
    }

    #[test]
    fn end_cycle_takes_the_max_of_five_measurements() {
        let mut c = GcController::new(100, i64::MAX);
        c.last_cons_mark = [0.5, 0.1, 0.2, 0.3];
        c.heap_live = 1000;
        c.start_cycle(0, 4, TriggerKind::Heap);
        c.heap_live = 2000;
        c.heap_scan_work = 3000;
        let s = c.end_cycle(1_000_000, 4);
        // u = 0.25, no idle: (1000·0.25)/(3000·0.75) = 1/9.
        let cur = (1000.0 * 0.25) / (3000.0 * 0.75);
        assert_eq!(s.current_cons_mark, Some(cur));
        assert_eq!(c.cons_mark, 0.5);
        assert_eq!(c.last_cons_mark, [0.1, 0.2, 0.3, cur]);
        // heapLive <= triggered: nothing changes.
        c.start_cycle(0, 4, TriggerKind::Heap);
        let s = c.end_cycle(1_000_000, 4);
        assert_eq!(s.current_cons_mark, None);
        assert_eq!(c.last_cons_mark, [0.1, 0.2, 0.3, cur]);
    }

    #[test]
    fn worker_table_of_spec_1_10() {
        let frac = |p: i32| background_workers(p, false);
        for p in 1..=3 {
            assert_eq!(frac(p), (0, 0.25), "procs {p}");
        }
        assert_eq!(frac(4), (1, 0.0));
        assert_eq!(frac(5), (1, 0.0));
        let (d6, f6) = frac(6);
        assert_eq!(d6, 1);
        assert_eq!(f6, (1.5 - 1.0) / 6.0);
        for (p, d) in [
            (7, 2),
            (8, 2),
            (9, 2),
            (10, 3),
            (13, 3),
            (14, 4),
            (16, 4),
            (64, 16),
        ] {
            assert_eq!(frac(p), (d, 0.0), "procs {p}");
        }
        assert_eq!(background_workers(8, true), (8, 0.0));
        assert_eq!(max_idle_mark_workers(8, 2, TriggerKind::Heap), 6);
        assert_eq!(max_idle_mark_workers(3, 0, TriggerKind::Heap), 3);
        assert_eq!(max_idle_mark_workers(8, 2, TriggerKind::Time), 0);
        assert_eq!(max_idle_mark_workers(3, 0, TriggerKind::Time), 1);
    }

    #[test]
    fn fractional_worker_runs_below_its_quota() {
        let mut c = GcController::new(100, i64::MAX);
        c.start_cycle(1_000, 2, TriggerKind::Heap);
        assert_eq!(c.fractional_utilization_goal, 0.25);
        assert_eq!(c.dedicated_mark_workers_needed, 0);
        assert_eq!(
            c.find_runnable_gc_worker(0, 1_000 + 100),
            Some(MarkWorkerMode::Fractional)
        );
        assert_eq!(c.find_runnable_gc_worker(26, 1_000 + 100), None);
        assert!(!c.poll_fractional_worker_exit(1_100, 30));
        assert!(c.poll_fractional_worker_exit(1_100, 31));
        let mut c = GcController::new(100, i64::MAX);
        c.start_cycle(0, 8, TriggerKind::Heap);
        assert_eq!(
            c.find_runnable_gc_worker(0, 1),
            Some(MarkWorkerMode::Dedicated)
        );
        assert_eq!(
            c.find_runnable_gc_worker(0, 1),
            Some(MarkWorkerMode::Dedicated)
        );
        assert_eq!(c.find_runnable_gc_worker(0, 1), None);
        c.mark_worker_stop(MarkWorkerMode::Dedicated, 10);
        assert_eq!(c.dedicated_mark_workers_needed, 1);
        assert_eq!(c.dedicated_mark_time, 10);
    }

    #[test]
    fn idle_mark_worker_count() {
        // Go's TestIdleMarkWorkerCount.
        const WORKERS: i32 = 10;
        let mut c = GcController::new(100, i64::MAX);
        c.set_max_idle_mark_workers(WORKERS);
        for _ in 0..WORKERS {
            assert!(c.need_idle_mark_worker());
            assert!(c.add_idle_mark_worker());
        }
        assert!(!c.need_idle_mark_worker());
        assert!(!c.add_idle_mark_worker());
        for _ in 0..WORKERS {
            c.remove_idle_mark_worker();
            assert!(c.need_idle_mark_worker());
        }
        for _ in 0..WORKERS - 1 {
            assert!(c.add_idle_mark_worker());
        }
        for _ in 0..10 {
            assert!(c.add_idle_mark_worker());
            assert!(!c.add_idle_mark_worker());
            c.remove_idle_mark_worker();
        }
        c.set_max_idle_mark_workers(0);
        assert!(!c.need_idle_mark_worker());
        assert!(!c.add_idle_mark_worker());
        for _ in 0..WORKERS - 1 {
            c.remove_idle_mark_worker();
        }
        assert!(!c.need_idle_mark_worker());
        assert!(!c.add_idle_mark_worker());
        c.set_max_idle_mark_workers(1);
        assert!(c.need_idle_mark_worker());
        assert!(c.add_idle_mark_worker());
    }

    #[test]
    fn heap_scan_is_frozen_while_marking() {
        let mut c = GcController::new(100, i64::MAX);
        c.update(1000, 500, false);
        assert_eq!((c.heap_live, c.heap_scan), (1000, 500));
        c.start_cycle(0, 8, TriggerKind::Heap);
        let before = c.assist_work_per_byte;
        c.update(1 << 20, 500, true);
        assert_eq!((c.heap_live, c.heap_scan), (1000 + (1 << 20), 500));
        assert_ne!(
            c.assist_work_per_byte, before,
            "update revises while marking"
        );
        let mut d = 0;
        c.add_scannable_stack(Some(&mut d), 4096);
        assert_eq!((c.max_stack_scan, d), (0, 4096));
        c.add_scannable_stack(Some(&mut d), 4096);
        assert_eq!((c.max_stack_scan, d), (8192, 0));
    }

    #[test]
    fn assist_credit_steals_then_drains() {
        let mut c = GcController::new(100, i64::MAX);
        c.assist_work_per_byte = 0.5;
        c.assist_bytes_per_work = 2.0;
        // A small debt is rounded up to gcOverAssistWork.
        c.bg_scan_credit = 0;
        let s = c.assist_steal(-1000);
        assert_eq!(
            s,
            AssistSteal {
                scan_work: 65536,
                stolen: 0,
                credited_bytes: 0
            }
        );
        // Enough background credit pays the over-assisted debt in full.
        c.bg_scan_credit = 100_000;
        let s = c.assist_steal(-1000);
        assert_eq!(
            s,
            AssistSteal {
                scan_work: 0,
                stolen: 65536,
                credited_bytes: 131072
            }
        );
        assert_eq!(c.bg_scan_credit, 100_000 - 65536);
        // Partial credit: 1 + 2·stolen bytes.
        c.bg_scan_credit = 100;
        let s = c.assist_steal(-400_000);
        assert_eq!(
            s,
            AssistSteal {
                scan_work: 200_000 - 100,
                stolen: 100,
                credited_bytes: 201
            }
        );
        assert_eq!(c.assist_credit_for_work(10), 21);
        let mut p = 0;
        assert!(!c.add_assist_time(&mut p, 5000));
        assert!(c.add_assist_time(&mut p, 1));
        assert_eq!((c.assist_time, p), (5001, 0));
    }

    #[test]
    fn background_credit_pays_queued_assists_in_order() {
        let mut c = GcController::new(100, i64::MAX);
        c.assist_work_per_byte = 0.5;
        c.assist_bytes_per_work = 2.0;
        let mut q: VecDeque<(u32, i64)> = VecDeque::new();
        assert!(c.flush_bg_credit(10, &mut q).is_empty());
        assert_eq!(c.bg_scan_credit, 10);
        q.extend([(1, -100), (2, -50), (3, -1000)]);
        // 100 work = 200 bytes: pays g1 (100) and g2 (50), 50 bytes into g3.
        let ready = c.flush_bg_credit(100, &mut q);
        assert_eq!(ready, vec![1, 2]);
        assert_eq!(q, VecDeque::from([(3, -950)]));
        assert_eq!(c.bg_scan_credit, 10);
        // Surplus bytes go back to credit at assistWorkPerByte.
        let ready = c.flush_bg_credit(500, &mut q);
        assert_eq!(ready, vec![3]);
        assert_eq!(c.bg_scan_credit, 10 + 25);
    }
}
