//! Blocking system calls (`proc.go`: `reentersyscall`, `exitsyscall`, `exitsyscallfast`,
//! `exitsyscall0`; 1.26+: `exitsyscallTryGetP`, `exitsyscallNoP`).

use super::types::*;
use crate::sim::{Ev, World};
use sim_core::Nanos;

impl World {
    /// `entersyscall`: the G blocks in the kernel with its M. Nobody is woken; sysmon may retake
    /// the P later. ≤1.25 the P goes to `_Psyscall` unowned; 1.26+ it stays `_Prunning`.
    /// `dur = None`: the syscall returns when something else completes it (a pipe write).
    pub fn entersyscall(&mut self, g: GId, dur: Option<Nanos>, now: Nanos) {
        let m = self.gs[g as usize].m;
        let p = self.ms[m as usize].p;
        self.g_stops(g, now);
        self.obs(now, crate::obs::Hook::Syscall { g, enter: true });
        self.gs[g as usize].status = GStatus::Syscall;
        self.ms[m as usize].state = MState::Syscall;
        self.ms[m as usize].oldp = p;
        self.allp[p as usize].syscall_enter_tick = self.sysmon.ticks;
        self.stats.syscalls += 1;
        self.sysmon_note(now);
        self.set_activity(p, PActivity::Syscall, now);
        if !self.rules.no_psyscall {
            let pp = &mut self.allp[p as usize];
            pp.status = PStatus::Syscall;
            pp.m = NIL;
            self.ms[m as usize].p = NIL;
        }
        if self.stw.active {
            // entersyscall_gcwait: the P stops right away.
            if self.rules.no_psyscall {
                self.allp[p as usize].m = NIL;
                self.ms[m as usize].p = NIL;
            }
            self.set_gcstop(p, now);
        }
        if let Some(d) = dur {
            self.at(now + d, Ev::SyscallDone { g });
        }
    }

    /// `exitsyscall`: get the old P back (fast path 1), or any idle P (fast path 2), or queue
    /// the G globally and park the M (slow path, no `wakep`).
    pub fn exitsyscall(&mut self, g: GId, now: Nanos) {
        self.obs(now, crate::obs::Hook::Syscall { g, enter: false });
        let m = self.gs[g as usize].m;
        let oldp = self.ms[m as usize].oldp;
        self.ms[m as usize].oldp = NIL;
        // Fast path 1 takes the old P back whenever its G is in a syscall — ours, or another
        // M's that blocked on it since (≤1.25: CAS `_Psyscall → _Pidle`; 1.26+:
        // `setBlockOnExitSyscall` + `takeP` on whichever M holds it).
        let still_ours = oldp != NIL && self.p_in_syscall(oldp);
        if still_ours {
            let owner = self.allp[oldp as usize].m;
            if owner != NIL && owner != m {
                self.ms[owner as usize].p = NIL;
                self.stats.syscall_p_takeovers += 1;
            }
        }
        let p = if still_ours {
            Some(oldp)
        } else {
            let p = self.pidleget(now);
            if p.is_some() {
                self.sysmon_note(now);
            }
            p
        };
        self.ms[m as usize].state = MState::Running;
        match p {
            Some(p) => {
                self.acquirep(m, p, now);
                let pp = &mut self.allp[p as usize];
                pp.syscalltick = pp.syscalltick.wrapping_add(1);
                // Back to user code on the same slice: no trip through the scheduler.
                let gg = &mut self.gs[g as usize];
                gg.status = GStatus::Running;
                gg.epoch = gg.epoch.wrapping_add(1);
                gg.seg.start = now;
                gg.run_start = now;
                let epoch = gg.epoch;
                self.set_activity(p, PActivity::User, now);
                if !still_ours {
                    self.stats.syscall_exit_other_p += 1;
                }
                self.at(now + self.costs.syscall_overhead.0, Ev::Cpu { g, epoch });
            }
            None => {
                self.stats.syscall_exit_slow += 1;
                let gg = &mut self.gs[g as usize];
                gg.status = GStatus::Runnable;
                gg.runnable_since = now;
                self.lock_sched(m, now);
                self.globrunqput(g);
                self.stopm(m, now);
            }
        }
    }
}
