//! `GODEBUG=schedtrace=X[,scheddetail=1]` output (`proc.go`: `schedtrace`), byte-exact for the
//! selected version: ≤1.24 `[a b c]`, 1.25+ `[ a b c ] schedticks=[ … ]`.

use super::types::*;
use crate::sim::World;
use sim_core::Nanos;
use std::fmt::Write;

impl World {
    /// Prints one schedtrace record into `trace_out`.
    pub fn schedtrace(&mut self, now: Nanos) {
        let start = *self.sysmon.trace_start.get_or_insert(now);
        let t = (now - start) / 1_000_000;
        let mut s = String::with_capacity(160);
        let idlethreads = self.midle.len();
        let _ = write!(
            s,
            "SCHED {t}ms: gomaxprocs={} idleprocs={} threads={} spinningthreads={} needspinning={} idlethreads={} runqueue={}",
            self.gomaxprocs,
            self.npidle(),
            self.ms.len(),
            self.nmspinning,
            self.needspinning as u8,
            idlethreads,
            self.globrunq.len()
        );
        if self.opts.scheddetail {
            let _ = writeln!(
                s,
                " gcwaiting={} nmidlelocked=0 stopwait={} sysmonwait={}",
                self.stw.active, self.stw.stopwait, self.sysmon.wait
            );
            for p in &self.allp {
                let m = if p.m == NIL {
                    "nil".to_string()
                } else {
                    p.m.to_string()
                };
                let _ = writeln!(
                    s,
                    "  P{}: status={} schedtick={} syscalltick={} m={} runqsize={} gfreecnt={} timerslen={}",
                    p.id,
                    p.status as u8,
                    p.schedtick,
                    p.syscalltick,
                    m,
                    p.runq_len(),
                    p.gfreecnt,
                    p.timers.len()
                );
            }
            // allm order: newest first.
            for mm in self.ms.iter().rev() {
                let p = if mm.p == NIL {
                    "nil".to_string()
                } else {
                    mm.p.to_string()
                };
                let curg = if mm.curg == NIL {
                    "nil".to_string()
                } else {
                    self.gs[mm.curg as usize].goid.to_string()
                };
                let locks = if mm.id == 1 { 2 } else { 0 }; // sysmon holds sysmonlock while printing
                let _ = writeln!(
                    s,
                    "  M{}: p={} curg={} mallocing=0 throwing=0 preemptoff= locks={} dying=0 spinning={} blocked={} lockedg=nil",
                    mm.id,
                    p,
                    curg,
                    locks,
                    mm.spinning,
                    matches!(mm.state, MState::Idle)
                );
            }
            for g in &self.gs {
                if g.status == GStatus::Dead {
                    continue;
                }
                let m = if g.status == GStatus::Running || g.status == GStatus::Syscall {
                    g.m.to_string()
                } else {
                    "nil".to_string()
                };
                let _ = writeln!(
                    s,
                    "  G{}: status={}({}) m={} lockedm=nil",
                    g.goid,
                    g.status as u8,
                    g.wait_reason.as_str(),
                    m
                );
            }
        } else {
            if self.rules.schedtrace_125 {
                s.push_str(" [");
                for p in &self.allp {
                    let _ = write!(s, " {}", p.runq_len());
                }
                s.push_str(" ] schedticks=[ ");
                for p in &self.allp {
                    let _ = write!(s, "{} ", p.schedtick);
                }
                s.push_str("]\n");
            } else {
                for (i, p) in self.allp.iter().enumerate() {
                    s.push(' ');
                    if i == 0 {
                        s.push('[');
                    }
                    let _ = write!(s, "{}", p.runq_len());
                }
                s.push_str("]\n");
            }
        }
        self.trace_out.push_str(&s);
    }
}
