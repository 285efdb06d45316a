//! The GC pacer: a model of `gcControllerState` (`mgcpacer.go`, Go 1.21–1.27, whose pacing
//! math is unchanged across those releases). A standalone type with no event loop: the full
//! simulation and the `TestGcPacer` harness (`replay.rs`) both drive it.
//!
//! Integer arithmetic is uint64/int64 exactly as in the runtime (multiply before divide,
//! truncation); float expressions keep Go's left-to-right evaluation order and never fuse a
//! multiply-add, so results are bit-identical to the runtime's.

/// `gcBackgroundUtilization`: background mark CPU as a fraction of GOMAXPROCS.
pub const GC_BACKGROUND_UTILIZATION: f64 = 0.25;
/// `gcGoalUtilization`: the utilization the runway is designed for.
pub const GC_GOAL_UTILIZATION: f64 = GC_BACKGROUND_UTILIZATION;
/// `defaultHeapMinimum`: 4 MiB at GOGC=100.
pub const DEFAULT_HEAP_MINIMUM: u64 = 4 << 20;
/// `memoryLimitMinHeapGoalHeadroom`.
pub const MEMORY_LIMIT_MIN_HEAP_GOAL_HEADROOM: u64 = 1 << 20;
/// `memoryLimitHeapGoalHeadroomPercent`.
pub const MEMORY_LIMIT_HEAP_GOAL_HEADROOM_PERCENT: u64 = 3;
/// `triggerRatioDen`, `minTriggerRatioNum`, `maxTriggerRatioNum`.
pub const TRIGGER_RATIO_DEN: u64 = 64;
pub const MIN_TRIGGER_RATIO_NUM: u64 = 45;
pub const MAX_TRIGGER_RATIO_NUM: u64 = 61;
/// `sweepMinHeapDistance`.
pub const SWEEP_MIN_HEAP_DISTANCE: u64 = 1 << 20;
/// `gcOverAssistWork`: the minimum scan work of an assist.
pub const GC_OVER_ASSIST_WORK: i64 = 64 << 10;
/// `gcCreditSlack`.
pub const GC_CREDIT_SLACK: i64 = 2000;

/// How a GC cycle was triggered (`gcTrigger.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    /// `gcTriggerHeap`: heapLive reached the trigger.
    Heap,
    /// `gcTriggerTime`: the 2-minute forced GC.
    Time,
    /// `gcTriggerCycle`: `runtime.GC()`.
    Cycle,
}

/// `gcControllerState`.
#[derive(Clone, Debug)]
pub struct GcController {
    /// `gcPercent`; −1 is off.
    pub gc_percent: i32,
    /// `memoryLimit` (math.MaxInt64 for none).
    pub memory_limit: i64,
    /// `heapMinimum`.
    pub heap_minimum: u64,
    /// `runway`.
    pub runway: u64,
    /// `consMark` and its history `lastConsMark` (index 3 is the newest).
    pub cons_mark: f64,
    pub last_cons_mark: [f64; 4],
    pub gc_percent_heap_goal: u64,
    pub sweep_dist_min_trigger: u64,
    /// `lastHeapGoal`: the goal of the last completed cycle.
    pub last_heap_goal: u64,
    /// `heapLive`, `heapScan`, `heapMarked`, `triggered`.
    pub heap_live: u64,
    pub heap_scan: u64,
    pub heap_marked: u64,
    pub triggered: u64,
    /// `lastHeapScan`, `lastStackScan`, `maxStackScan`, `globalsScan`.
    pub last_heap_scan: u64,
    pub last_stack_scan: u64,
    pub max_stack_scan: u64,
    pub globals_scan: u64,
    /// Scan work done this cycle (`heapScanWork`, `stackScanWork`, `globalsScanWork`).
    pub heap_scan_work: i64,
    pub stack_scan_work: i64,
    pub globals_scan_work: i64,
    /// `bgScanCredit`: background work not yet used by assists.
    pub bg_scan_credit: i64,
    /// CPU time this cycle: `assistTime`, `dedicatedMarkTime`, `fractionalMarkTime`,
    /// `idleMarkTime`.
    pub assist_time: i64,
    pub dedicated_mark_time: i64,
    pub fractional_mark_time: i64,
    pub idle_mark_time: i64,
    pub mark_start_time: i64,
    pub dedicated_mark_workers_needed: i64,
    pub fractional_utilization_goal: f64,
    pub max_idle_mark_workers: i32,
    pub assist_work_per_byte: f64,
    pub assist_bytes_per_work: f64,
    /// Live inputs of the memory-limit goal: `mappedReady`, `heapFree`, `heapAlloc`.
    pub mapped_ready: u64,
    pub heap_free: u64,
    pub heap_alloc: u64,
}

impl GcController {
    /// `gcControllerState.init(gcPercent, memoryLimit)`.
    pub fn init(gc_percent: i32, memory_limit: i64) -> Self {
        let mut c = GcController {
            gc_percent: 100,
            memory_limit: i64::MAX,
            heap_minimum: DEFAULT_HEAP_MINIMUM,
            runway: 0,
            cons_mark: 0.0,
            last_cons_mark: [0.0; 4],
            gc_percent_heap_goal: 0,
            sweep_dist_min_trigger: 0,
            last_heap_goal: 0,
            heap_live: 0,
            heap_scan: 0,
            heap_marked: 0,
            triggered: u64::MAX,
            last_heap_scan: 0,
            last_stack_scan: 0,
            max_stack_scan: 0,
            globals_scan: 0,
            heap_scan_work: 0,
            stack_scan_work: 0,
            globals_scan_work: 0,
            bg_scan_credit: 0,
            assist_time: 0,
            dedicated_mark_time: 0,
            fractional_mark_time: 0,
            idle_mark_time: 0,
            mark_start_time: 0,
            dedicated_mark_workers_needed: 0,
            fractional_utilization_goal: 0.0,
            max_idle_mark_workers: 0,
            assist_work_per_byte: 0.0,
            assist_bytes_per_work: 0.0,
            mapped_ready: 0,
            heap_free: 0,
            heap_alloc: 0,
        };
        c.set_gc_percent(gc_percent);
        c.set_memory_limit(memory_limit);
        c.commit(true);
        c
    }

    /// `setGCPercent`: any negative value is off (−1); `heapMinimum` scales with GOGC.
    pub fn set_gc_percent(&mut self, gc_percent: i32) -> i32 {
        let out = self.gc_percent;
        let v = if gc_percent < 0 { -1 } else { gc_percent };
        // uint64(-1) wraps as in Go; the value is unused when GOGC is off.
        self.heap_minimum = DEFAULT_HEAP_MINIMUM.wrapping_mul(v as i64 as u64) / 100;
        self.gc_percent = v;
        out
    }

    /// `setMemoryLimit`.
    pub fn set_memory_limit(&mut self, limit: i64) -> i64 {
        let out = self.memory_limit;
        if limit >= 0 {
            self.memory_limit = limit;
        }
        out
    }

    /// `commit(isSweepDone)`: recompute the GOGC goal, the sweep-distance floor and the runway.
    pub fn commit(&mut self, is_sweep_done: bool) {
        self.sweep_dist_min_trigger = if is_sweep_done {
            0
        } else {
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
        let expected = (self.last_heap_scan + self.last_stack_scan + self.globals_scan) as f64;
        self.runway = ((self.cons_mark * (1.0 - GC_GOAL_UTILIZATION) / GC_GOAL_UTILIZATION)
            * expected) as u64;
    }

    /// `heapGoal`.
    pub fn heap_goal(&self) -> u64 {
        self.heap_goal_internal().0
    }

    /// `heapGoalInternal`: the goal and the minimum trigger.
    pub fn heap_goal_internal(&self) -> (u64, u64) {
        let mut goal = self.gc_percent_heap_goal;
        let mut min_trigger = 0;
        let limit_goal = self.memory_limit_heap_goal();
        if limit_goal < goal {
            goal = limit_goal;
        } else {
            let sweep = self.sweep_dist_min_trigger;
            if sweep > goal {
                goal = sweep;
            }
            min_trigger = sweep;
            const MIN_RUNWAY: u64 = 64 << 10;
            if self.triggered != u64::MAX && goal < self.triggered.wrapping_add(MIN_RUNWAY) {
                goal = self.triggered + MIN_RUNWAY;
            }
        }
        (goal, min_trigger)
    }

    /// `memoryLimitHeapGoal`, from the live `mappedReady`/`heapFree`/`heapAlloc` inputs.
    pub fn memory_limit_heap_goal(&self) -> u64 {
        let limit = self.memory_limit as u64;
        let non_heap = self
            .mapped_ready
            .wrapping_sub(self.heap_free)
            .wrapping_sub(self.heap_alloc);
        let overage = self.mapped_ready.saturating_sub(limit);
        if non_heap.wrapping_add(overage) >= limit {
            return self.heap_marked;
        }
        let mut goal = apply_memory_limit_heap_goal_headroom(limit - (non_heap + overage));
        if goal < self.heap_marked {
            goal = self.heap_marked;
        }
        goal
    }

    /// `trigger()`: the heap size at which the next cycle starts, and the goal.
    pub fn trigger(&self) -> (u64, u64) {
        let (goal, mut min_trigger) = self.heap_goal_internal();
        let hm = self.heap_marked;
        if hm >= goal {
            return (goal, goal);
        }
        if min_trigger < hm {
            min_trigger = hm;
        }
        let lower = ((goal - hm) / TRIGGER_RATIO_DEN) * MIN_TRIGGER_RATIO_NUM + hm;
        if min_trigger < lower {
            min_trigger = lower;
        }
        let mut max_trigger = ((goal - hm) / TRIGGER_RATIO_DEN) * MAX_TRIGGER_RATIO_NUM + hm;
        if goal > DEFAULT_HEAP_MINIMUM && goal - DEFAULT_HEAP_MINIMUM > max_trigger {
            max_trigger = goal - DEFAULT_HEAP_MINIMUM;
        }
        if max_trigger < min_trigger {
            max_trigger = min_trigger;
        }
        let mut trigger = if self.runway > goal {
            min_trigger
        } else {
            goal - self.runway
        };
        trigger = trigger.max(min_trigger).min(max_trigger);
        (trigger, goal)
    }

    /// `startCycle`: reset the cycle's counters, size the worker pool, compute the assist ratio.
    pub fn start_cycle(&mut self, mark_start_time: i64, procs: i32, kind: TriggerKind) {
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
        let (ded, frac) = mark_workers(procs);
        self.fractional_utilization_goal = frac;
        self.max_idle_mark_workers = match kind {
            TriggerKind::Time => {
                if ded > 0 {
                    0
                } else {
                    1
                }
            }
            _ => procs - ded as i32,
        };
        self.dedicated_mark_workers_needed = ded;
        self.revise();
    }

    /// `revise`: the assist ratio from the remaining expected work and heap distance.
    pub fn revise(&mut self) {
        let gc_percent = if self.gc_percent < 0 {
            100000
        } else {
            self.gc_percent
        };
        let live = self.heap_live;
        let scan = self.heap_scan;
        let work = self.heap_scan_work + self.stack_scan_work + self.globals_scan_work;
        let mut heap_goal = self.heap_goal() as i64;
        let mut expected = (self.last_heap_scan + self.last_stack_scan + self.globals_scan) as i64;
        let max_scan_work = (scan + self.max_stack_scan + self.globals_scan) as i64;
        if work > expected {
            let mut ext = ((heap_goal - self.triggered as i64) as f64 / expected as f64
                * max_scan_work as f64) as i64
                + self.triggered as i64;
            expected = max_scan_work;
            let hard_goal = ((1.0 + gc_percent as f64 / 100.0) * heap_goal as f64) as i64;
            if ext > hard_goal {
                ext = hard_goal;
            }
            heap_goal = ext;
        }
        if live as i64 > heap_goal {
            const MAX_OVERSHOOT: f64 = 1.1;
            heap_goal = (heap_goal as f64 * MAX_OVERSHOOT) as i64;
            expected = max_scan_work;
        }
        let mut work_remaining = expected - work;
        if work_remaining < 1000 {
            work_remaining = 1000;
        }
        let mut heap_remaining = heap_goal - live as i64;
        if heap_remaining <= 0 {
            heap_remaining = 1;
        }
        self.assist_work_per_byte = work_remaining as f64 / heap_remaining as f64;
        self.assist_bytes_per_work = heap_remaining as f64 / work_remaining as f64;
    }

    /// `endCycle(now, procs)`: measure cons/mark at mark termination.
    pub fn end_cycle(&mut self, now: i64, procs: i32) {
        self.last_heap_goal = self.heap_goal();
        if self.heap_live <= self.triggered {
            return;
        }
        let assist_duration = now - self.mark_start_time;
        let mut utilization = GC_BACKGROUND_UTILIZATION;
        if assist_duration > 0 {
            utilization += self.assist_time as f64 / (assist_duration * procs as i64) as f64;
        }
        let mut idle = 0.0;
        if assist_duration > 0 {
            idle = self.idle_mark_time as f64 / (assist_duration * procs as i64) as f64;
        }
        let scan_work = self.heap_scan_work + self.stack_scan_work + self.globals_scan_work;
        let current = ((self.heap_live - self.triggered) as f64 * (utilization + idle))
            / (scan_work as f64 * (1.0 - utilization));
        self.cons_mark = current;
        for v in self.last_cons_mark {
            if v > self.cons_mark {
                self.cons_mark = v;
            }
        }
        self.last_cons_mark.copy_within(1.., 0);
        self.last_cons_mark[3] = current;
    }

    /// `resetLive(bytesMarked)`: at mark termination the marked heap becomes the live heap.
    pub fn reset_live(&mut self, bytes_marked: u64) {
        self.heap_marked = bytes_marked;
        self.heap_live = bytes_marked;
        self.heap_scan = self.heap_scan_work as u64;
        self.last_heap_scan = self.heap_scan_work as u64;
        self.last_stack_scan = self.stack_scan_work as u64;
        self.triggered = u64::MAX;
    }
}

/// `applyMemoryLimitHeapGoalHeadroom`: 3 % (at least 1 MiB) below the limit's goal.
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

/// Dedicated workers and the fractional utilization goal per P (`startCycle`).
pub fn mark_workers(procs: i32) -> (i64, f64) {
    let total = procs as f64 * GC_BACKGROUND_UTILIZATION;
    let mut ded = (total + 0.5) as i64;
    let err = ded as f64 / total - 1.0;
    const MAX_UTIL_ERROR: f64 = 0.3;
    if !(-MAX_UTIL_ERROR..=MAX_UTIL_ERROR).contains(&err) {
        if ded as f64 > total {
            ded -= 1;
        }
        (ded, (total - ded as f64) / procs as f64)
    } else {
        (ded, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_table_matches_the_spec() {
        // GOMAXPROCS → (dedicated, fractional goal), pacer spec §1.10.
        assert_eq!(mark_workers(1), (0, 0.25));
        assert_eq!(mark_workers(2), (0, 0.25));
        assert_eq!(mark_workers(3), (0, 0.25));
        assert_eq!(mark_workers(4), (1, 0.0));
        assert_eq!(mark_workers(5), (1, 0.0));
        let (d, f) = mark_workers(6);
        assert_eq!(d, 1);
        assert!((f - 0.083333).abs() < 1e-6);
        for p in [7, 8, 9] {
            assert_eq!(mark_workers(p), (2, 0.0));
        }
        assert_eq!(mark_workers(16), (4, 0.0));
    }

    #[test]
    fn memory_limit_headroom() {
        // With no other memory, a 512 MiB limit gives the goal 520 764 785.
        let c = GcController::init(-1, 512 << 20);
        assert_eq!(c.heap_goal(), 520_764_785);
        assert_eq!(
            apply_memory_limit_heap_goal_headroom(10 << 20),
            (10 << 20) - (1 << 20)
        );
    }

    #[test]
    fn gogc_goal_counts_stacks_and_globals() {
        for gogc in [25, 50, 100, 200, 400] {
            let mut c = GcController::init(gogc, i64::MAX);
            c.heap_marked = 64 << 20;
            c.last_stack_scan = 1 << 20;
            c.globals_scan = 32 << 10;
            c.commit(true);
            let hm = c.heap_marked;
            assert_eq!(
                c.heap_goal(),
                hm + (hm + (1 << 20) + (32 << 10)) * gogc as u64 / 100
            );
        }
        let c = GcController::init(-1, i64::MAX);
        assert_eq!(
            c.gc_percent_heap_goal,
            u64::MAX,
            "GOGC=off has no GOGC goal"
        );
    }

    #[test]
    fn trigger_is_between_45_and_61_64ths() {
        let mut c = GcController::init(100, i64::MAX);
        c.heap_marked = 100 << 20;
        c.commit(true);
        let (t, g) = c.trigger();
        let span = g - c.heap_marked;
        assert!(t >= c.heap_marked + span / 64 * 45 && t <= g, "{t} {g}");
    }
}
