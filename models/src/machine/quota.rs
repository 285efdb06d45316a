//! The cgroup CPU quota: Linux's CFS bandwidth controller (`kernel/sched/fair.c`,
//! `cpu.max` = quota/period).
//!
//! Each period (`cpu_period`, 100 ms by default) the process gets `cpu_quota × period` ns of
//! CPU, shared by all its threads. Once they have used it, every thread of the cgroup is
//! throttled — taken off the CPU — until the period ends and the budget refills. A G whose
//! CPU piece spans the throttle simply finishes that much later.
//!
//! # Simplifications
//! - CPU use is counted continuously (Ps running a G or the scheduler, at most one CPU each
//!   and at most the machine's CPUs together), not in the kernel's 5 ms slices per CPU, so
//!   the budget is used exactly, never overrun.
//! - While throttled, goroutine CPU pieces stop (a running one is pushed past the end of the
//!   period, one that starts waits for it); the scheduler's own short steps, timers, the
//!   netpoller and sysmon go on. The budget stops counting during the throttle.
//! - A pending cooperative safe point of a stopped G is dropped with its old piece; sysmon
//!   asks again at its next `retake`.
//! - Unused budget does not carry over (no `cpu.max.burst`).

use crate::sched::types::*;
use crate::sim::{Ev, World};
use sim_core::Nanos;

/// The quota's state in the current period.
#[derive(Clone, Debug)]
pub struct Quota {
    /// CPU ns per period.
    pub budget: Nanos,
    pub period: Nanos,
    pub period_end: Nanos,
    /// CPU ns used in the current period.
    pub used: Nanos,
    /// When `used` was last brought up to date.
    pub last: Nanos,
    /// Threads are throttled until this time (≤ now: not throttled).
    pub throttled_until: Nanos,
    /// The pending quota check event.
    pub epoch: u32,
    pub armed_at: Nanos,
    /// `cpu.stat`: periods with a throttle, and wall time throttled.
    pub throttled_periods: u64,
    pub throttled_ns: u64,
    pub periods: u64,
    /// The most CPU used in any one period (never above `budget`).
    pub max_used: Nanos,
}

impl Quota {
    pub fn new(cpus: f64, period: Nanos) -> Quota {
        Quota {
            budget: (cpus * period as f64).round() as Nanos,
            period,
            period_end: period,
            used: 0,
            last: 0,
            throttled_until: 0,
            epoch: 0,
            armed_at: u64::MAX,
            throttled_periods: 0,
            throttled_ns: 0,
            periods: 0,
            max_used: 0,
        }
    }
}

impl World {
    /// CPU cores in use right now: busy Ps, at most one CPU each, at most all CPUs.
    #[inline]
    fn cpus_in_use(&self) -> u64 {
        self.machine.busy.min(self.machine.cpus) as u64
    }

    /// Adds the CPU used since the last update (`update_curr` → `account_cfs_rq_runtime`).
    pub fn quota_account(&mut self, now: Nanos) {
        let n = self.cpus_in_use();
        let Some(q) = &mut self.machine.quota else {
            return;
        };
        let from = q.last.max(q.throttled_until);
        if now > from {
            q.used += (now - from) * n;
        }
        q.last = now.max(q.last);
    }

    /// Makes sure a check is pending no later than the budget can run out or the period end.
    pub fn quota_arm(&mut self, now: Nanos) {
        let n = self.cpus_in_use();
        let Some(q) = &mut self.machine.quota else {
            return;
        };
        let mut t = q.period_end;
        if n > 0 && now >= q.throttled_until {
            let left = q.budget.saturating_sub(q.used);
            t = t.min(now + left / n);
        }
        if t < q.armed_at || q.armed_at < now {
            q.epoch = q.epoch.wrapping_add(1);
            q.armed_at = t;
            let epoch = q.epoch;
            self.at(t, Ev::Quota { epoch });
        }
    }

    /// The quota check: refill at the end of a period (`sched_cfs_period_timer`), throttle
    /// every thread when the budget is used up (`throttle_cfs_rq`).
    pub fn quota_check(&mut self, epoch: u32, now: Nanos) {
        match &self.machine.quota {
            Some(q) if q.epoch == epoch => {}
            _ => return,
        }
        self.quota_account(now);
        let n = self.cpus_in_use();
        let q = self.machine.quota.as_mut().expect("checked above");
        q.armed_at = u64::MAX;
        if now >= q.period_end {
            q.max_used = q.max_used.max(q.used);
            q.periods += 1;
            q.used = 0;
            q.period_end += q.period;
        } else if now >= q.throttled_until && n > 0 && q.budget - q.used.min(q.budget) < n {
            // Used up (to within a nanosecond per thread): throttle until the period ends.
            q.used = q.used.min(q.budget);
            q.throttled_until = q.period_end;
            q.throttled_periods += 1;
            q.throttled_ns += q.period_end - now;
            let until = q.period_end;
            self.throttle_all(now, until);
        }
        self.quota_arm(now);
    }

    /// Takes every running G off its CPU until `until`: its piece finishes that much later.
    fn throttle_all(&mut self, now: Nanos, until: Nanos) {
        for m in 0..self.ms.len() {
            let g = self.ms[m].curg;
            if g == NIL || self.ms[m].state != MState::Running {
                continue;
            }
            let gg = &mut self.gs[g as usize];
            if gg.status != GStatus::Running || gg.m != m as MId {
                continue;
            }
            let end = gg.seg.start + gg.remaining;
            if end <= now {
                continue; // finishing now
            }
            if gg.seg.start <= now {
                gg.remaining = end - now;
                gg.seg.start = until;
            } else {
                gg.seg.start = until + (gg.seg.start - now);
            }
            gg.epoch = gg.epoch.wrapping_add(1);
            let (t, epoch) = (gg.seg.start + gg.remaining, gg.epoch);
            self.at(t, Ev::Cpu { g, epoch });
        }
    }
}
