//! Goroutine stacks (`stack.go`): every goroutine starts with a 2 KiB stack counted in
//! `maxStackScan`; a goroutine that goes deeper than its stack (`morestack` → `newstack`)
//! gets one twice the size and its frames are copied (`copystack`), and the GC halves a stack
//! that is mostly unused (`shrinkstack`, during stack scanning).
//!
//! # Simplifications
//! - A `stack` op is a point in the program where the goroutine reaches that depth and
//!   returns; afterwards it uses its starting depth again, so each GC halves a grown stack
//!   (the runtime's "less than 1/4 used" test) until it is back at the starting size.
//! - Dead goroutines keep no stack (the runtime frees non-standard stacks in `gfput`).

use crate::sched::types::*;
use crate::sim::World;
use sim_core::Nanos;

/// `maxstacksize` on 64-bit platforms: deeper is a fatal "stack overflow".
pub const MAX_STACK_SIZE: u64 = 1_000_000_000;

impl World {
    /// `newstack` as often as needed for the G to reach `depth` bytes of stack: each doubles
    /// the stack and copies the old one. Returns the CPU the copies take.
    pub fn newstack(&mut self, g: GId, depth: u64) -> Nanos {
        let per_kib = self.costs.stack_copy_per_kib.0;
        let gg = &mut self.gs[g as usize];
        let mut cost = 0;
        let mut grown = 0;
        let mut doublings = 0;
        while gg.stack_bytes < depth {
            cost += gg.stack_bytes / 1024 * per_kib;
            grown += gg.stack_bytes;
            gg.stack_bytes *= 2;
            doublings += 1;
        }
        if grown > 0 {
            self.stats.stack_growths += doublings;
            self.gc.ctrl.max_stack_scan += grown;
            self.gc.peak_stacks = self.gc.peak_stacks.max(self.gc.ctrl.max_stack_scan);
            let rss = self.mapped_ready();
            self.gc.peak_rss = self.gc.peak_rss.max(rss);
        }
        cost
    }

    /// `shrinkstack` for every goroutine at a cycle's stack scan: a grown stack is halved.
    pub fn shrinkstacks(&mut self) {
        let start = self.gc.stack_start;
        let mut freed = 0;
        for g in &mut self.gs {
            if g.status != GStatus::Dead && g.stack_bytes > start {
                g.stack_bytes /= 2;
                freed += g.stack_bytes;
            }
        }
        self.gc.ctrl.max_stack_scan = self.gc.ctrl.max_stack_scan.saturating_sub(freed);
    }
}
