//! Structural invariants of the scheduler state, checked after every event by the tests:
//! every live G is in exactly one place, a P runs at most one G and is owned by at most one
//! M, no G is lost.

use super::types::*;
use crate::sim::World;

impl World {
    /// Checks the invariants; returns a description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        let n = self.gs.len();
        let mut queued = vec![0u32; n];
        for p in &self.allp {
            if p.runnext != NIL {
                queued[p.runnext as usize] += 1;
            }
            if p.runq_len() > RUNQ_SIZE {
                return Err(format!("P{} ring holds {} > 256", p.id, p.runq_len()));
            }
            for i in 0..p.runq_len() {
                queued[p.runq[(p.runqhead.wrapping_add(i) % RUNQ_SIZE) as usize] as usize] += 1;
            }
            if p.status == PStatus::Idle && self.pidle.contains(&p.id) && !p.runq_empty() {
                return Err(format!("idle P{} has queued work", p.id));
            }
        }
        for &g in &self.globrunq {
            queued[g as usize] += 1;
        }
        let mut on_m = vec![0u32; n];
        for m in &self.ms {
            if m.curg != NIL {
                on_m[m.curg as usize] += 1;
            }
            if m.p != NIL {
                let p = &self.allp[m.p as usize];
                if p.m != m.id {
                    return Err(format!("M{} holds P{} but P{}.m = {}", m.id, m.p, m.p, p.m));
                }
            }
        }
        for p in &self.allp {
            if p.m != NIL && p.status == PStatus::Running {
                let m = &self.ms[p.m as usize];
                let ok = m.p == p.id || (m.state == MState::Waking && m.nextp == p.id);
                if !ok {
                    return Err(format!(
                        "P{} is owned by M{} which holds P{}",
                        p.id, p.m, m.p
                    ));
                }
            }
        }
        let mut live = 0u64;
        for (i, g) in self.gs.iter().enumerate() {
            let (q, r) = (queued[i], on_m[i]);
            let bad = match g.status {
                GStatus::Dead => q != 0 || r != 0,
                GStatus::Runnable => q != 1 || r != 0,
                GStatus::Running => q != 0 || r != 1,
                GStatus::Syscall => q != 0 || r != 1,
                GStatus::Waiting => {
                    q != 0 || (r != 0 && !(self.stw.active && self.stw.g == i as GId))
                }
                GStatus::Idle => q != 0 || r != 0,
            };
            if bad {
                return Err(format!(
                    "G{} ({:?}) is in {q} queues and on {r} Ms",
                    g.goid, g.status
                ));
            }
            if g.status != GStatus::Dead && !crate::gc::cycle::is_runtime_class(g.class) {
                live += 1;
            }
            if g.status == GStatus::Running {
                let m = &self.ms[g.m as usize];
                if m.curg != i as GId || m.p == NIL {
                    return Err(format!("running G{} has no M with a P", g.goid));
                }
            }
        }
        if live != self.live_gs {
            return Err(format!(
                "{live} live Gs found, {} counted: a G was lost",
                self.live_gs
            ));
        }
        if self.nmspinning as usize > self.ms.len() {
            return Err("nmspinning exceeds the number of Ms".into());
        }
        let spinning = self.ms.iter().filter(|m| m.spinning).count() as u32;
        if spinning != self.nmspinning {
            return Err(format!(
                "{spinning} Ms spin but nmspinning = {}",
                self.nmspinning
            ));
        }
        self.check_heap_invariants()
    }

    /// No heap figure goes negative (an unsigned underflow shows up as an absurd size), the
    /// page states account for every allocated byte, and sweeping never frees more than is
    /// in use.
    fn check_heap_invariants(&self) -> Result<(), String> {
        const ABSURD: u64 = 1 << 50;
        let gc = &self.gc;
        let pages = &gc.heap.pages;
        let figures = [
            ("heapLive", gc.ctrl.heap_live),
            ("heapMarked", gc.ctrl.heap_marked),
            ("heapScan", gc.ctrl.heap_scan),
            ("maxStackScan", gc.ctrl.max_stack_scan),
            ("live bytes", gc.heap.live_bytes),
            ("live scannable bytes", gc.heap.live_scan.bytes),
            ("pages in use", pages.in_use),
            ("free pages", pages.free),
            ("released pages", pages.released),
            ("unswept garbage", gc.sweep.garbage_left),
        ];
        for (name, v) in figures {
            if v >= ABSURD {
                return Err(format!("{name} = {v}: a heap figure went negative"));
            }
        }
        if gc.heap.live_scan.bytes > gc.heap.live_bytes
            || gc.heap.live_scan.ptrs > gc.heap.live_scan.bytes
        {
            return Err(format!(
                "live pointer bytes {} exceed scannable bytes {}, or those live bytes {}",
                gc.heap.live_scan.ptrs, gc.heap.live_scan.bytes, gc.heap.live_bytes
            ));
        }
        if gc.sweep.garbage_left > pages.in_use {
            return Err(format!(
                "unswept garbage {} exceeds the heap in use {}",
                gc.sweep.garbage_left, pages.in_use
            ));
        }
        Ok(())
    }
}
