//! The GC's user-facing API as program operations: `runtime.GC()`, `debug.SetGCPercent` and
//! `debug.SetMemoryLimit` (`mgc.go`, `mgcpacer.go`).
//!
//! # Simplifications
//! - `debug.SetGCPercent(-1)` during a mark does not wait for the mark to finish
//!   (`gcWaitOnMark`); the running cycle completes on its own.

use super::cycle::GcPhase;
use super::pacer::TriggerKind;
use crate::sched::types::*;
use crate::sim::World;
use sim_core::Nanos;

impl World {
    /// `runtime.GC()` for the running G: start a cycle once no other is running, wait for its
    /// mark termination (`gcWaitOnMark`), then finish the sweep itself. Returns true when the
    /// G stopped running (it resumes in this same operation), false when the call is over.
    pub fn runtime_gc(&mut self, g: GId, now: Nanos) -> bool {
        let gg = &mut self.gs[g as usize];
        if !gg.op_started {
            gg.op_started = true;
            gg.op_iter = 0;
        }
        // op_iter: 0 before our cycle started, then the cycle count that ends it.
        let target = gg.op_iter;
        if target == 0 {
            if self.gc.phase == GcPhase::Off {
                self.gs[g as usize].op_iter = self.gc.cycles as u64 + 1;
                self.g_stops(g, now);
                self.gc_start_kind(g, TriggerKind::Cycle, now);
            } else {
                // A cycle is running: wait for its mark to end, then start ours.
                let n = self.gc.cycles + 1;
                self.gc_wait_on_mark(g, n, WaitReason::GcMarkWait, now);
            }
            return true;
        }
        if (self.gc.cycles as u64) < target {
            self.gc_wait_on_mark(g, target as u32, WaitReason::GcMarkWait, now);
            return true;
        }
        if self.gc.phase == GcPhase::Off && self.gc.sweep.pages_left > 0 {
            // for sweepone() != ^0 { … }: this G sweeps the rest of the heap.
            let (pages, freed) = self.gc.sweep.sweep_all();
            let ns = self.mutator_swept(pages, freed);
            let calls = Some(crate::workload::program::DEFAULT_CALLS_EVERY);
            self.start_piece(g, ns, calls, false, now);
            return true;
        }
        false
    }

    /// `gcWaitOnMark(n)`: park until `n` cycles have finished their mark.
    pub fn gc_wait_on_mark(&mut self, g: GId, n: u32, why: WaitReason, now: Nanos) {
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = why;
        gg.epoch = gg.epoch.wrapping_add(1);
        self.gc.mark_waiters.push((g, n));
        let m = self.gs[g as usize].m;
        self.park_and_schedule(m, now);
    }

    /// `debug.SetGCPercent` / `debug.SetMemoryLimit`: set the knob and `gcControllerCommit`
    /// (the goal, trigger and sweep pacing follow at once; during a mark, `revise`). A trigger
    /// the heap has already passed starts a cycle at the next span refill, as in the runtime.
    pub fn gc_set_percent(&mut self, gogc: Option<i32>, limit: Option<i64>, _now: Nanos) {
        if let Some(p) = gogc {
            self.gc.ctrl.set_gc_percent(p);
        }
        if let Some(l) = limit {
            self.gc.ctrl.set_memory_limit(l);
        }
        self.gc_memory_inputs();
        let sweep_done = self.gc.sweep.pages_left == 0;
        self.gc.ctrl.commit(sweep_done);
        if self.gc.phase == GcPhase::Mark {
            self.gc.ctrl.revise();
        } else if self.gc.phase == GcPhase::Off {
            self.gc_pace_sweeper();
        }
        self.gc_pace_scavenger();
    }
}
