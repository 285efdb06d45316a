//! The scavenger (`mgcscavenge.go`): returns free heap pages to the OS toward two goals set
//! after every cycle by `gcPaceScavenger` — 95 % of the memory limit for all mapped memory,
//! and the last cycle's in-use heap grown by the goal ratio plus 10 % for retained heap. The
//! background scavenger works at 1 % of total CPU (`scavengePercent`). An allocation that
//! would push mapped memory past the memory limit releases the excess at once (`allocSpan`),
//! unless the GC CPU limiter is on, and pays for it: `costs.scavenge_per_page` per page, on
//! the allocating G, counted by the limiter as assist time (`limiterEventScavengeAssist`).
//!
//! # Simplifications
//! - The background scavenger is a rate, applied lazily whenever the heap changes or sysmon
//!   runs, not a goroutine: its 1 % of CPU is not taken from any P, and its PI controller is
//!   replaced by the steady rate it aims for (`costs.scavenge_per_page` per 8 KiB page).
//! - `allocSpan`'s other eager rule, releasing up to a heap growth's size when retained memory
//!   passes the GOGC goal, is for fragments too small for the new span. The page heap has no
//!   fragmentation (`heap::pages`): it grows only once no free page is left, when there is
//!   nothing to release, so the rule is left out.
//! - Eager scavenging by `malg`'s allocation of a goroutine's `g` costs the goroutine nothing.
//! - Eager scavenging is not stopped midway when the limiter turns on (`allocSpan` checks it
//!   between chunks); it only does not start while the limiter is on.

use crate::heap::sizeclasses::PAGE_SIZE;
use crate::sim::World;
use sim_core::Nanos;

/// `scavengePercent`: the background scavenger's CPU share of GOMAXPROCS × wall time.
pub const SCAVENGE_PERCENT: u64 = 1;
/// `retainExtraPercent`: the GOGC-based goal keeps 10 % above the heap in use.
pub const RETAIN_EXTRA_PERCENT: u64 = 10;
/// `reduceExtraPercent`: the memory-limit goal is 5 % below the limit.
pub const REDUCE_EXTRA_PERCENT: u64 = 5;

/// The scavenger's goals and progress.
#[derive(Clone, Debug)]
pub struct Scavenger {
    /// `scavenge.memoryLimitGoal` (for mapped-ready memory) and `gcPercentGoal` (for
    /// retained heap); `u64::MAX` when disabled.
    pub memory_limit_goal: u64,
    pub gc_percent_goal: u64,
    /// `lastHeapInUse`: in-use heap at the last mark termination.
    pub last_heap_in_use: u64,
    /// When the lazy background rate was last applied.
    pub last_tick: Nanos,
    /// Fractional bytes of background budget carried between ticks.
    carry: u64,
    /// Bytes released eagerly by allocations (`releasedEager`).
    pub eager_bytes: u64,
}

impl Scavenger {
    pub fn new() -> Self {
        Scavenger {
            memory_limit_goal: u64::MAX,
            gc_percent_goal: u64::MAX,
            last_heap_in_use: 0,
            last_tick: 0,
            carry: 0,
            eager_bytes: 0,
        }
    }
}

impl Default for Scavenger {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    /// Memory mapped and backed by RAM (`mappedReady`): the heap's retained pages, goroutine
    /// stacks and the runtime's other memory. This is the process's RSS in the model.
    pub fn mapped_ready(&self) -> u64 {
        self.gc.heap.pages.retained() + self.gc.ctrl.max_stack_scan + self.gc.overhead
    }

    /// `gcPaceScavenger(memoryLimit, heapGoal, lastHeapGoal)`.
    pub fn gc_pace_scavenger(&mut self) {
        let limit = self.gc.ctrl.memory_limit;
        let mapped_ready = self.mapped_ready();
        let c = &self.gc.ctrl;
        let s = &mut self.gc.scavenge;
        s.memory_limit_goal = if limit == i64::MAX {
            u64::MAX
        } else {
            let g = limit as u64 / 100 * (100 - REDUCE_EXTRA_PERCENT);
            if mapped_ready <= g { u64::MAX } else { g }
        };
        let last_goal = c.last_heap_goal;
        s.gc_percent_goal = if last_goal == 0 || c.gc_percent < 0 {
            u64::MAX
        } else {
            let ratio = c.heap_goal() as f64 / last_goal as f64;
            let g = (s.last_heap_in_use as f64 * ratio) as u64;
            let g = g + g / 100 * RETAIN_EXTRA_PERCENT;
            let g = g.div_ceil(PAGE_SIZE) * PAGE_SIZE;
            if self.gc.heap.pages.retained() <= g + PAGE_SIZE {
                u64::MAX
            } else {
                g
            }
        };
    }

    /// Bytes the scavenger still wants to release.
    fn scavenge_excess(&self) -> u64 {
        let s = &self.gc.scavenge;
        let by_limit = self.mapped_ready().saturating_sub(s.memory_limit_goal);
        let by_gogc = self
            .gc
            .heap
            .pages
            .retained()
            .saturating_sub(s.gc_percent_goal);
        by_limit.max(by_gogc)
    }

    /// `bgscavenge`, applied lazily: release what 1 % of the CPU since the last tick could.
    pub fn scavenge_tick(&mut self, now: Nanos) {
        let elapsed = now.saturating_sub(self.gc.scavenge.last_tick);
        self.gc.scavenge.last_tick = now;
        let want = self.scavenge_excess();
        if want == 0 || self.gc.heap.pages.free == 0 {
            // Nothing to do: the scavenger parks and banks no time.
            self.gc.scavenge.carry = 0;
            return;
        }
        let per_page = self.costs.scavenge_per_page.0.max(1);
        // CPU budget: elapsed × GOMAXPROCS × 1 %, plus what was left over last time.
        let budget_ns = (elapsed.saturating_mul(self.gomaxprocs as u64) / 100)
            .saturating_mul(SCAVENGE_PERCENT)
            .saturating_add(self.gc.scavenge.carry);
        let pages = budget_ns / per_page;
        self.gc.scavenge.carry = budget_ns % per_page;
        self.gc
            .heap
            .pages
            .scavenge(pages.saturating_mul(PAGE_SIZE).min(want));
    }

    /// The rest of `mheap.allocSpan` once new spans have taken their pages (`Heap::mallocgc`
    /// or [`PageHeap::alloc_span`](crate::heap::pages::PageHeap::alloc_span)): the background
    /// scavenger catches up, then eager scavenging at the memory limit; tracks peak RSS.
    /// Returns the CPU the allocating G spends releasing pages, which the GC CPU limiter
    /// counts as assist time (`limiterEventScavengeAssist`).
    pub fn alloc_span_scavenge(&mut self, now: Nanos) -> Nanos {
        self.scavenge_tick(now);
        let limit = self.gc.ctrl.memory_limit;
        let mut cpu = 0;
        if limit != i64::MAX && !self.gc.limiter.limiting() {
            // `mappedReady` plus the span's released part, which it pages in: the model's
            // mapped-ready figure once the span is taken.
            let over = self.mapped_ready().saturating_sub(limit as u64);
            if over > 0 {
                // `pageAlloc.scavenge` works in whole pages.
                let released = self
                    .gc
                    .heap
                    .pages
                    .scavenge(over.div_ceil(PAGE_SIZE) * PAGE_SIZE);
                self.gc.scavenge.eager_bytes += released;
                cpu = released.div_ceil(PAGE_SIZE) * self.costs.scavenge_per_page.0;
                self.gc.limiter.add_assist_time(cpu as i64);
            }
        }
        let rss = self.mapped_ready();
        self.gc.peak_rss = self.gc.peak_rss.max(rss);
        cpu
    }
}
