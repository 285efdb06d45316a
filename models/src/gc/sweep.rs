//! Concurrent sweeping (`mgcsweep.go`): after mark termination every in-use span must be swept
//! before the next cycle starts. Allocating goroutines sweep in proportion to what they
//! allocate (`deductSweepCredit`, paced by `gcPaceSweeper`), and the background sweeper
//! goroutine (`bgsweep`) sweeps in batches whenever it gets a P, yielding after each batch
//! when no P is idle (`goschedIfBusy`). So on a busy GOMAXPROCS=1 process the mutator pays for
//! nearly all sweeping, while a spare P sweeps for free.
//!
//! # Simplifications
//! - Sweep work is counted in pages: every page swept costs `costs.sweep_per_page`, and each
//!   page of garbage freed `costs.sweep_free_per_page` more. A swept batch frees its
//!   proportional share of the garbage the last mark found, as if garbage and live objects
//!   never shared a span (no partly free spans); `mcentral.cacheSpan` sweeping a span of its
//!   own class to reuse it is folded into the proportional sweep.
//! - Pages still unswept when the next cycle starts (`gcStart`'s `sweepone` loop and
//!   `finishsweep_m`) are swept at no cost and counted in `unswept_at_gc_start`; the pacer's
//!   1 MiB margin makes this rare.

use crate::heap::sizeclasses::PAGE_SIZE;
use crate::sched::types::*;
use crate::sim::World;
use sim_core::Nanos;

/// Class id of the background sweeper goroutine (`bgsweep`).
pub const BGSWEEP_CLASS: u16 = u16::MAX - 2;

/// `sweepBatchSize`: spans `bgsweep` sweeps between `goschedIfBusy` calls (one page each for
/// the small size classes).
pub const SWEEP_BATCH_PAGES: u64 = 10;

/// The sweeper's state (`mheap_.pagesInUse`, `pagesSwept`, `sweepPagesPerByte`, …).
#[derive(Clone, Debug, Default)]
pub struct Sweeper {
    /// Pages left to sweep in this sweep phase.
    pub pages_left: u64,
    /// `sweepPagesPerByte`: pages the allocators must sweep per byte of heap growth.
    pub pages_per_byte: f64,
    /// `sweepHeapLiveBasis` and the pages swept since `pagesSweptBasis`.
    pub heap_live_basis: u64,
    pub swept_since_basis: u64,
    /// The `bgsweep` goroutine, and whether it is parked (`sweep.parked`).
    pub g: GId,
    pub parked: bool,
    /// The CPU `bgsweep`'s current piece was charged for its batch.
    pub batch_ns: Nanos,
    /// CPU spent sweeping by allocating goroutines and by `bgsweep`.
    pub mutator_ns: Nanos,
    pub background_ns: Nanos,
    /// Pages swept by allocators, by `bgsweep`, and left over at `gcStart`.
    pub pages_by_mutator: u64,
    pub pages_by_background: u64,
    pub unswept_at_gc_start: u64,
    /// Garbage found by the last mark, not yet freed; freed bytes waiting to reach the page
    /// heap.
    pub garbage_left: u64,
    pub freed: u64,
}

impl Sweeper {
    pub fn new() -> Self {
        Sweeper {
            g: NIL,
            parked: true,
            ..Default::default()
        }
    }

    /// `gcPaceSweeper(trigger)`: sweep every in-use page before the heap reaches the trigger.
    pub fn pace(&mut self, trigger: u64, heap_live: u64) {
        // A little margin so rounding does not leave pages unswept when GC starts.
        let distance = (trigger as i64 - heap_live as i64 - (1 << 20)).max(PAGE_SIZE as i64);
        self.swept_since_basis = 0;
        self.heap_live_basis = heap_live;
        self.pages_per_byte = if self.pages_left == 0 {
            0.0
        } else {
            self.pages_left as f64 / distance as f64
        };
    }

    /// `deductSweepCredit(spanBytes, 0)`: the pages an allocator that grew the heap to
    /// `heap_live` by taking `span_bytes` of spans must sweep first.
    /// Returns the pages swept and the garbage bytes they freed.
    pub fn deduct_sweep_credit(&mut self, span_bytes: u64, heap_live: u64) -> (u64, u64) {
        if self.pages_per_byte == 0.0 || self.pages_left == 0 {
            return (0, 0);
        }
        let grown = span_bytes + heap_live.saturating_sub(self.heap_live_basis);
        let target = (self.pages_per_byte * grown as f64) as u64;
        let owed = target
            .saturating_sub(self.swept_since_basis)
            .min(self.pages_left);
        (owed, self.take(owed))
    }

    /// Sweeps everything left (a caller's `sweepone` loop); returns the pages and the
    /// garbage bytes they freed.
    pub fn sweep_all(&mut self) -> (u64, u64) {
        let left = self.pages_left;
        (left, self.take(left))
    }

    /// The garbage bytes sweeping the next `pages` pages frees (what `take` frees): each
    /// page's share of the garbage found by the last mark.
    pub fn garbage_in(&self, pages: u64) -> u64 {
        match pages.min(self.pages_left) {
            0 => 0,
            n if n == self.pages_left => self.garbage_left,
            n => (self.garbage_left as u128 * n as u128 / self.pages_left as u128) as u64,
        }
    }

    /// Marks `pages` as swept; their share of the garbage is freed. Returns the bytes freed.
    fn take(&mut self, pages: u64) -> u64 {
        let mut f = 0;
        if pages > 0 {
            f = self.garbage_in(pages);
            self.garbage_left -= f;
            self.freed += f;
        }
        self.pages_left -= pages;
        self.swept_since_basis += pages;
        if self.pages_left == 0 {
            self.pages_per_byte = 0.0;
        }
        f
    }
}

impl World {
    /// `gcSweep` at mark termination: every in-use page is now unswept; wake `bgsweep`
    /// (`ready(sweep.g, 0, true)`: the runnext slot of the P that finished the cycle).
    pub fn gc_sweep(&mut self, in_use: u64, marked: u64, p: PId) {
        let s = &mut self.gc.sweep;
        // finish_sweep at gcStart has swept what the previous cycle left.
        s.pages_left = in_use.div_ceil(PAGE_SIZE);
        s.garbage_left = in_use.saturating_sub(marked);
        if s.pages_left == 0 {
            s.garbage_left = 0;
        }
        if s.g == NIL {
            // goid 3 is bgsweep's in the runtime.
            self.gs.push(G::new(3, BGSWEEP_CLASS));
            self.gc.sweep.g = (self.gs.len() - 1) as GId;
        }
        let s = &mut self.gc.sweep;
        if s.parked && s.pages_left > 0 && p != NIL {
            s.parked = false;
            let g = s.g;
            let batch = self.sweep_batch_cost();
            self.gc.sweep.batch_ns = batch;
            let gg = &mut self.gs[g as usize];
            gg.status = GStatus::Runnable;
            gg.remaining = batch;
            self.runqput(p, g, true);
        }
    }

    /// Swept spans with no live object go back to the page heap (`mheap.freeSpan`).
    pub fn sweep_free_spans(&mut self) {
        let f = std::mem::take(&mut self.gc.sweep.freed);
        if f > 0 {
            self.gc.heap.pages.free_span(f);
        }
    }

    /// `gcPaceSweeper` with the trigger the pacer just committed.
    pub fn gc_pace_sweeper(&mut self) {
        let trigger = self.gc.ctrl.trigger().0;
        let live = self.gc.ctrl.heap_live;
        self.gc.sweep.pace(trigger, live);
    }

    /// The proportional sweep an allocation owes: CPU time for the allocating goroutine.
    /// Called after `heapLive` counted the new spans; the runtime deducts before (`cacheSpan`).
    pub fn deduct_sweep_credit(&mut self, span_bytes: u64) -> Nanos {
        let live = self.gc.ctrl.heap_live.saturating_sub(span_bytes);
        let (pages, freed) = self.gc.sweep.deduct_sweep_credit(span_bytes, live);
        self.mutator_swept(pages, freed)
    }

    /// CPU to sweep `pages` pages whose garbage is `freed` bytes: every span's mark bits
    /// (`mspan.sweep`), and for the pages freed, `mheap.freeSpan`.
    pub fn sweep_cost(&self, pages: u64, freed: u64) -> Nanos {
        pages * self.costs.sweep_per_page.0
            + freed.div_ceil(PAGE_SIZE) * self.costs.sweep_free_per_page.0
    }

    /// CPU of `bgsweep`'s next batch (`sweepBatchSize` spans).
    fn sweep_batch_cost(&self) -> Nanos {
        let s = &self.gc.sweep;
        self.sweep_cost(SWEEP_BATCH_PAGES, s.garbage_in(SWEEP_BATCH_PAGES))
    }

    /// An allocating (or `runtime.GC`-calling) goroutine swept `pages`: free their garbage
    /// spans, count them as the mutator's, and return the CPU it spends.
    pub fn mutator_swept(&mut self, pages: u64, freed: u64) -> Nanos {
        self.sweep_free_spans();
        self.gc.sweep.pages_by_mutator += pages;
        let ns = self.sweep_cost(pages, freed);
        self.gc.sweep.mutator_ns += ns;
        ns
    }

    /// `gcStart`'s sweep-out: pages still unswept are finished (see Simplifications).
    pub fn finish_sweep(&mut self) {
        let s = &mut self.gc.sweep;
        s.unswept_at_gc_start += s.pages_left;
        let left = s.pages_left;
        s.take(left);
        self.sweep_free_spans();
    }

    /// `bgsweep` finished a batch: count it, then sweep on, yield (`goschedIfBusy`), or park
    /// once everything is swept.
    pub fn bgsweep_step(&mut self, g: GId, now: Nanos) {
        self.scavenge_tick(now);
        let s = &mut self.gc.sweep;
        let batch = SWEEP_BATCH_PAGES.min(s.pages_left);
        s.take(batch);
        s.pages_by_background += batch;
        s.background_ns += s.batch_ns;
        self.sweep_free_spans();
        let m = self.gs[g as usize].m;
        if self.gc.sweep.pages_left == 0 {
            // isSweepDone: park until the next gcSweep.
            self.gc.sweep.parked = true;
            self.g_stops(g, now);
            let gg = &mut self.gs[g as usize];
            gg.status = GStatus::Waiting;
            gg.wait_reason = WaitReason::GcSweepWait;
            gg.epoch = gg.epoch.wrapping_add(1);
            let c = self.costs.g_switch.0;
            self.schedule(m, now, c);
            return;
        }
        let next = self.sweep_batch_cost();
        self.gc.sweep.batch_ns = next;
        self.gs[g as usize].remaining = next;
        let busy = self.pidle.is_empty();
        if busy || self.gs[g as usize].preempt {
            self.gosched_impl(g, now);
        } else {
            self.start_piece(g, next, None, false, now);
        }
    }
}
