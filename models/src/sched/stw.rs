//! Stop-the-world (`proc.go`: `stopTheWorldWithSema`, `gcstopm`, `startTheWorldWithSema`,
//! `preemptall`) and the GOMAXPROCS change it serves (`runtime.GOMAXPROCS` → `procresize`).

use super::types::*;
use crate::sim::{Ev, StwKind, World};
use sim_core::Nanos;

/// The initiator re-preempts every 100 µs while Ps are still running (`notetsleep(100µs)`).
pub const STW_POLL: Nanos = 100_000;

impl World {
    /// `stopTheWorldWithSema`, called by the running G `g`.
    pub fn stop_the_world(&mut self, g: GId, kind: StwKind, now: Nanos) {
        let m = self.gs[g as usize].m;
        let p = self.ms[m as usize].p;
        self.stw.active = true;
        self.stw.epoch = self.stw.epoch.wrapping_add(1);
        self.stw.g = g;
        self.stw.m = m;
        self.stw.p = p;
        self.stw.kind = kind;
        self.stw.started = now;
        self.stw.stop_sum = 0;
        self.obs(now, crate::obs::Hook::Stw { start: true });
        self.stw.stopwait = self.gomaxprocs;
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = WaitReason::StoppingTheWorld;
        gg.epoch = gg.epoch.wrapping_add(1);
        self.preemptall(now);
        // The caller's own P.
        self.set_gcstop(p, now);
        self.allp[p as usize].m = m; // still owned by the initiator
        // Ps in syscalls and idle Ps stop at once.
        for q in 0..self.gomaxprocs {
            if q != p && self.p_in_syscall(q) {
                let owner = self.allp[q as usize].m;
                if owner != NIL {
                    self.ms[owner as usize].p = NIL;
                }
                let pp = &mut self.allp[q as usize];
                pp.syscalltick = pp.syscalltick.wrapping_add(1);
                pp.m = NIL;
                self.set_gcstop(q, now);
            }
        }
        while let Some(q) = self.pidle.pop() {
            self.set_gcstop(q, now);
        }
        self.stw_wait(now);
    }

    fn stw_wait(&mut self, now: Nanos) {
        let epoch = self.stw.epoch;
        if self.stw.stopwait == 0 {
            let t = now + self.costs.futex_wake.0 + self.stw_work();
            self.at(t, Ev::StwStart { epoch });
        } else {
            let t = now + self.os_sleep(STW_POLL);
            self.at(t, Ev::StwPoll { epoch });
        }
    }

    /// Work done inside the stop once every P has stopped.
    fn stw_work(&self) -> Nanos {
        match self.stw.kind {
            StwKind::Gomaxprocs(_) => 0,
            StwKind::GcSweepTerm | StwKind::GcMarkTerm => self.costs.gc_stw_work.0,
        }
    }

    /// `preemptall`: `preemptone` on every running P.
    pub fn preemptall(&mut self, now: Nanos) {
        for p in 0..self.gomaxprocs {
            // `preemptone` skips the caller's own M: the G stopping the world is not asked to
            // stop, and it runs on after `startTheWorld` with its time slice unchanged.
            if self.allp[p as usize].m == self.stw.m {
                continue;
            }
            if self.allp[p as usize].status == PStatus::Running && !self.p_in_syscall(p) {
                self.obs(
                    now,
                    crate::obs::Hook::PreemptReq {
                        p,
                        by: crate::obs::PreemptBy::Stw,
                    },
                );
                self.preemptone(p, now);
            }
        }
    }

    /// The initiator's 100 µs re-check: preempt again.
    pub fn stw_poll(&mut self, now: Nanos) {
        if self.stw.stopwait > 0 {
            self.preemptall(now);
        }
        self.stw_wait(now);
    }

    /// A P reaches `_Pgcstop`; the last one wakes the initiator.
    pub fn set_gcstop(&mut self, p: PId, now: Nanos) {
        if self.allp[p as usize].status == PStatus::GcStop {
            return;
        }
        self.allp[p as usize].status = PStatus::GcStop;
        self.set_activity(p, PActivity::Stopped, now);
        self.stw.stop_sum += now;
        self.stw.stopwait = self.stw.stopwait.saturating_sub(1);
        if self.stw.stopwait == 0 {
            self.stw.finished = now;
            self.stw.stopping_cpu =
                (self.gomaxprocs as Nanos * now).saturating_sub(self.stw.stop_sum);
            let epoch = self.stw.epoch;
            let t = now + self.costs.futex_wake.0 + self.stw_work();
            self.at(t, Ev::StwStart { epoch });
        }
    }

    /// `gcstopm`: an M at a scheduling point gives its P to the STW and parks.
    pub fn gcstopm(&mut self, m: MId, now: Nanos) {
        if self.ms[m as usize].spinning {
            let mm = &mut self.ms[m as usize];
            mm.spinning = false;
            self.nmspinning = self.nmspinning.saturating_sub(1);
            self.obs(
                now,
                crate::obs::Hook::M {
                    m,
                    what: crate::obs::MEv::SpinEnd,
                },
            );
        }
        let p = self.releasep(m, now);
        if p != NIL {
            self.set_gcstop(p, now);
        }
        self.stopm(m, now);
    }

    /// `startTheWorldWithSema`: apply the change, `procresize`, give Ps with work an M each,
    /// wake sysmon and one more spinning M; the initiator G continues.
    pub fn start_the_world(&mut self, now: Nanos) {
        if self.stw.stopwait > 0 {
            return; // a stale wake: some P has not stopped yet
        }
        let g = self.stw.g;
        let m = self.stw.m;
        let kind = self.stw.kind;
        let n = match kind {
            StwKind::Gomaxprocs(n) => n,
            _ => self.gomaxprocs,
        };
        match kind {
            StwKind::GcSweepTerm => self.gc_sweep_termination(now),
            StwKind::GcMarkTerm => self.gc_mark_termination(now),
            StwKind::Gomaxprocs(_) => {}
        }
        // netpoll(0) + injectglist before procresize, as the runtime does.
        let mut list = std::mem::take(&mut self.scratch);
        if self.lastpoll.is_some() && !self.netpoll_ready.is_empty() {
            self.netpoll_collect(&mut list);
        }
        let cur = if self.stw.p < n { self.stw.p } else { 0 };
        self.procresize_stw(n, cur, now);
        self.stw.active = false;
        self.obs(now, crate::obs::Hook::Stw { start: false });
        self.stats.stw_pause(now - self.stw.started);
        if matches!(kind, StwKind::GcSweepTerm | StwKind::GcMarkTerm) {
            // The whole pause counts as GC time on every P for the CPU limiter...
            self.gc.limiter.finish_gc_transition(now as i64);
            // ...but in `gc_cpu_fraction` (`cpuStats.accumulateGCPauseTime`) only the time
            // each P sat stopped, and then every P from the last stop to the restart.
            self.gc.cycle_pause_cpu +=
                self.stw.stopping_cpu + (now - self.stw.finished) * self.gomaxprocs as Nanos;
        }
        match kind {
            StwKind::GcSweepTerm => {
                self.gc.stw1 = now - self.gc.t_sweep_term;
                self.gc.t_mark = now;
            }
            StwKind::GcMarkTerm => {
                let stw1 = self.gc.stw1;
                self.gc_trace_line(now, stw1);
            }
            StwKind::Gomaxprocs(_) => {}
        }
        // The initiator keeps (or switches to) `cur`; every other P left off the idle list
        // gets an M.
        self.acquirep(m, cur, now);
        self.start_ps_after_stw(cur, now);
        self.injectglist(&mut list, NIL, now);
        self.scratch = list;
        self.sysmon_note(now);
        self.wakep(cur, now);
        if self.gs[g as usize].class == crate::gc::cycle::GC_WORKER_CLASS {
            // The worker that finished the mark goes back to the pool.
            self.set_activity(cur, PActivity::User, now);
            let gg = &mut self.gs[g as usize];
            gg.status = GStatus::Running;
            gg.m = m;
            self.ms[m as usize].curg = g;
            self.gc_worker_park(g, now);
            return;
        }
        // The initiator's G continues after the call.
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Running;
        gg.epoch = gg.epoch.wrapping_add(1);
        gg.seg.start = now;
        gg.run_start = now;
        let epoch = gg.epoch;
        let src = crate::sched::proc::RunSource::Resume;
        self.obs(now, crate::obs::Hook::Run { g, start: now, src });
        self.set_activity(cur, PActivity::User, now);
        self.at(now, Ev::Cpu { g, epoch });
    }

    /// The Ms `procresize` gives the Ps it left off the idle list (other than `cur`), woken
    /// in the order of its `runnablePs` list, as `startTheWorldWithSema` does. ≤1.25: the
    /// Ps with work take `mget` from the highest id down and wake lowest first. 1.26+: a P
    /// with work first takes back its previous M if that M is idle (`mgetSpecific`, highest
    /// id first); the other Ps with work then take `mget` lowest id first, then the Ps wired
    /// to a mark worker; they wake worker Ps highest first, then those Ps, then the Ps with
    /// their previous M lowest first. A P with no idle M left gets a new thread on waking.
    fn start_ps_after_stw(&mut self, cur: PId, now: Nanos) {
        let n = self.gomaxprocs;
        let waiting = |s: &Self, p: PId| {
            p != cur && s.allp[p as usize].status == PStatus::Idle && !s.pidle.contains(&p)
        };
        // (P, its M or NIL for a new thread), in wake order. A stop-the-world is rare: the
        // small allocation does not touch the per-event path.
        let mut plan: Vec<(PId, MId)> = Vec::new();
        if !self.rules.procresize_126 {
            for p in (0..n).rev() {
                if waiting(self, p) {
                    let mm = self.mget(p);
                    plan.push((p, mm));
                }
            }
            plan.reverse();
        } else {
            let mut own = Vec::new();
            let mut need = Vec::new();
            for p in (0..n).rev() {
                if !waiting(self, p) || self.allp[p as usize].runq_empty() {
                    continue;
                }
                let oldm = self.allp[p as usize].oldm;
                match self.midle.iter().position(|&x| x == oldm) {
                    Some(i) => own.push((p, self.midle.remove(i))),
                    None => need.push(p),
                }
            }
            let mut rest = Vec::new();
            for &p in need.iter().rev() {
                let mm = self.mget(p);
                rest.push((p, mm));
            }
            for p in 0..n {
                if waiting(self, p) && self.allp[p as usize].runq_empty() {
                    let mm = self.mget(p);
                    rest.push((p, mm));
                }
            }
            plan.extend(rest.iter().rev());
            plan.extend(own.iter().rev());
        }
        for (p, mm) in plan {
            self.wake_m(p, mm, false, now);
        }
    }
}
