//! sysmon (`proc.go`: `sysmon`, `retake`, `preemptone`) and preemption delivery
//! (`preempt.go`, `signal_unix.go`: async preemption by SIGURG, cooperative preemption at
//! function prologues).

use super::types::*;
use crate::sim::{Ev, World};
use sim_core::Nanos;

/// `forcePreemptNS`: a time slice.
pub const FORCE_PREEMPT_NS: Nanos = 10_000_000;
/// sysmon's shortest and longest sleeps.
pub const SYSMON_MIN_DELAY: Nanos = 20_000;
pub const SYSMON_MAX_DELAY: Nanos = 10_000_000;
/// `forcegcperiod`; sysmon's deep sleep lasts at most half of it.
pub const FORCEGC_PERIOD: Nanos = 120_000_000_000;
/// sysmon polls the network if nobody did for this long.
pub const SYSMON_NETPOLL_AFTER: Nanos = 10_000_000;

impl World {
    /// Top of sysmon's loop: choose the next `usleep(delay)` from `idle` and sleep.
    pub fn sysmon_schedule_next(&mut self, now: Nanos) {
        let s = &mut self.sysmon;
        if s.idle == 0 {
            s.delay = SYSMON_MIN_DELAY;
        } else if s.idle > 50 {
            s.delay *= 2;
        }
        s.delay = s.delay.min(SYSMON_MAX_DELAY);
        s.epoch = s.epoch.wrapping_add(1);
        let (epoch, d) = (s.epoch, s.delay);
        let t = now + self.os_sleep(d);
        self.at(
            t,
            Ev::Sysmon {
                epoch,
                by_note: false,
            },
        );
    }

    /// sysmon wakes: from `usleep`, from deep sleep, or early through `sysmonnote`.
    pub fn sysmon_wake(&mut self, now: Nanos, by_note: bool) {
        if self.sysmon.wait {
            // Returning from deep sleep (timeout or note).
            self.sysmon.wait = false;
            if by_note {
                self.sysmon.idle = 0;
                self.sysmon.delay = SYSMON_MIN_DELAY;
            }
        } else if self.opts.schedtrace.is_none()
            && (self.stw.active || self.npidle() == self.gomaxprocs)
        {
            // Deep sleep: everything is idle (or stopped); sleep until the next timer.
            let next = self.earliest_timer().unwrap_or(u64::MAX);
            if next > now {
                let sleep = (FORCEGC_PERIOD / 2).min(next - now);
                self.sysmon.wait = true;
                self.sysmon.epoch = self.sysmon.epoch.wrapping_add(1);
                let epoch = self.sysmon.epoch;
                let t = now + self.os_sleep(sleep);
                self.at(
                    t,
                    Ev::Sysmon {
                        epoch,
                        by_note: false,
                    },
                );
                return;
            }
        }
        self.sysmon_work(now);
    }

    /// `sysmonnote` wake-up from `entersyscall`, `exitsyscall` or `startTheWorld`.
    pub fn sysmon_note(&mut self, now: Nanos) {
        if self.sysmon.wait {
            self.sysmon.epoch = self.sysmon.epoch.wrapping_add(1);
            let epoch = self.sysmon.epoch;
            let t = now + self.costs.futex_wake.0;
            self.at(
                t,
                Ev::Sysmon {
                    epoch,
                    by_note: true,
                },
            );
        }
    }

    /// One iteration of sysmon's work: netpoll, `retake`, schedtrace.
    fn sysmon_work(&mut self, now: Nanos) {
        self.sysmon.ticks += 1;
        if let Some(lp) = self.lastpoll
            && lp + SYSMON_NETPOLL_AFTER < now
        {
            self.lastpoll = Some(now);
            if self.netpoll_waiters > 0 && !self.netpoll_ready.is_empty() {
                let mut list = std::mem::take(&mut self.scratch);
                self.netpoll_collect(&mut list);
                self.injectglist(&mut list, NIL, now);
                self.scratch = list;
            }
        }
        if self.retake(now) != 0 {
            self.sysmon.idle = 0;
        } else {
            self.sysmon.idle += 1;
        }
        self.sysmon_forcegc(now);
        self.scavenge_tick(now);
        // `lasttrace` starts at 0 against the runtime's large nanotime(), so the first tick
        // prints: here "never printed" is `None`.
        if let Some(every) = self.opts.schedtrace
            && self.sysmon.lasttrace.is_none_or(|l| l + every <= now)
        {
            self.sysmon.lasttrace = Some(now);
            self.schedtrace(now);
        }
        self.sysmon_schedule_next(now);
    }

    /// `retake(now)`: preempt Gs that ran a whole slice (10 ms observed twice) and take Ps from
    /// syscalls. Returns the number of Ps taken from syscalls.
    pub fn retake(&mut self, now: Nanos) -> u32 {
        let mut n = 0;
        for p in 0..self.gomaxprocs {
            let st = self.allp[p as usize].status;
            let in_sys = self.p_in_syscall(p);
            let mut sysretake = false;
            if st == PStatus::Running || st == PStatus::Syscall {
                let pp = &mut self.allp[p as usize];
                let t = pp.schedtick;
                if pp.sysmontick.schedtick != t {
                    pp.sysmontick.schedtick = t;
                    pp.sysmontick.schedwhen = now;
                } else if pp.sysmontick.schedwhen + FORCE_PREEMPT_NS <= now {
                    self.obs(
                        now,
                        crate::obs::Hook::PreemptReq {
                            p,
                            by: crate::obs::PreemptBy::Sysmon,
                        },
                    );
                    self.preemptone(p, now);
                    sysretake = true;
                }
            }
            if in_sys {
                let pp = &mut self.allp[p as usize];
                let t = pp.syscalltick;
                if !sysretake && pp.sysmontick.syscalltick != t {
                    pp.sysmontick.syscalltick = t;
                    pp.sysmontick.syscallwhen = now;
                    continue;
                }
                let (empty, since) = (pp.runq_empty(), pp.sysmontick.syscallwhen);
                if empty && self.nmspinning + self.npidle() > 0 && since + FORCE_PREEMPT_NS > now {
                    continue;
                }
                let waited = self.sysmon.ticks - self.allp[p as usize].syscall_enter_tick;
                self.stats.retake_ticks.record(waited);
                self.take_p_from_syscall(p, now);
                self.stats.syscall_handoffs += 1;
                n += 1;
                self.handoffp(p, now);
            }
        }
        n
    }

    /// Detach a P from the M whose G is in a syscall (≤1.25: CAS `_Psyscall → _Pidle`;
    /// 1.26+: `setBlockOnExitSyscall` + `takeP`).
    pub fn take_p_from_syscall(&mut self, p: PId, now: Nanos) {
        let pp = &mut self.allp[p as usize];
        pp.syscalltick = pp.syscalltick.wrapping_add(1);
        let m = pp.m;
        pp.m = NIL;
        pp.status = PStatus::Idle;
        if m != NIL {
            self.ms[m as usize].p = NIL;
        }
        self.set_activity(p, PActivity::Idle, now);
    }

    /// `preemptone(pp)`: ask the G running on P to stop at its next safe point.
    pub fn preemptone(&mut self, p: PId, now: Nanos) -> bool {
        let m = self.allp[p as usize].m;
        if m == NIL || self.ms[m as usize].state != MState::Running {
            return false;
        }
        let g = self.ms[m as usize].curg;
        if g == NIL {
            return false;
        }
        self.gs[g as usize].preempt = true;
        self.allp[p as usize].preempt = true;
        self.stats.preempt_requests += 1;
        // Cooperative: the next function prologue, if it comes before the piece ends.
        let gg = &self.gs[g as usize];
        if let Some(every) = gg.seg.calls_every
            && gg.seg.start <= now
        {
            let done = now - gg.seg.start;
            let next = gg.seg.start + (done / every + 1) * every;
            if next < gg.seg.start + gg.remaining {
                let epoch = gg.epoch;
                self.at(next, Ev::Safepoint { g, epoch });
            }
        }
        // Asynchronous: SIGURG, at most one in flight per M.
        if self.asyncpreempt && !self.ms[m as usize].signal_pending {
            self.ms[m as usize].signal_pending = true;
            let t = now + self.costs.signal_delivery.0;
            self.at(t, Ev::Signal { m, epoch: 0 });
        }
        true
    }

    /// The SIGURG handler (`doSigPreempt`): preempt if wanted and at an async safe point.
    pub fn signal_arrives(&mut self, m: MId, _epoch: u32, now: Nanos) {
        self.ms[m as usize].signal_pending = false;
        if self.ms[m as usize].state != MState::Running {
            return;
        }
        let g = self.ms[m as usize].curg;
        let p = self.ms[m as usize].p;
        if g == NIL || p == NIL {
            return;
        }
        let gg = &self.gs[g as usize];
        let wanted = gg.preempt || self.allp[p as usize].preempt;
        if wanted && gg.status == GStatus::Running && !gg.seg.nonpreemptible && gg.seg.start <= now
        {
            self.stats.preempt_async += 1;
            self.preempt_now(g, now);
        }
    }

    /// A cooperative safe point (function prologue) was reached with a preemption pending.
    pub fn at_safepoint(&mut self, g: GId, now: Nanos) {
        if self.gs[g as usize].preempt && self.gs[g as usize].status == GStatus::Running {
            self.stats.preempt_sync += 1;
            self.preempt_now(g, now);
        }
    }

    /// Stop the running G mid-piece and hand it to `gopreempt_m`.
    fn preempt_now(&mut self, g: GId, now: Nanos) {
        if self.gs[g as usize].class == crate::gc::cycle::GC_WORKER_CLASS {
            // Mark workers check `gp.preempt` between pieces of work (a dedicated one ignores
            // it), but stop at once for a stop-the-world.
            if self.stw.active {
                self.gc_worker_interrupt(g, now);
            }
            return;
        }
        let gg = &mut self.gs[g as usize];
        let done = now.saturating_sub(gg.seg.start);
        gg.remaining = gg.remaining.saturating_sub(done);
        gg.epoch = gg.epoch.wrapping_add(1); // cancels the pending Cpu event
        self.gopreempt_m(g, now);
    }

    /// `gopreempt_m` → `goschedImpl`: to the global queue (1.26+: own `runnext` while an STW
    /// is pending), then `schedule`.
    pub fn gopreempt_m(&mut self, g: GId, now: Nanos) {
        self.g_stops(g, now);
        let m = self.gs[g as usize].m;
        let p = self.ms[m as usize].p;
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Runnable;
        gg.runnable_since = now;
        gg.wait_reason = WaitReason::Preempted;
        gg.preempt = false;
        let mut cost = self.costs.g_switch.0;
        if self.stw.active && self.rules.no_psyscall {
            self.runqput(p, g, true);
            self.obs(now, crate::obs::Hook::Preempted { g, global: false });
            self.stats.preempt_to_runnext += 1;
        } else {
            cost += self.lock_sched(m, now);
            self.globrunqput(g);
            self.obs(now, crate::obs::Hook::Preempted { g, global: true });
            if self.rules.gosched_wakep {
                self.wakep(p, now);
            }
        }
        self.schedule(m, now, cost);
    }
}
