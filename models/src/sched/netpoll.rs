//! The netpoller and per-P timers (`netpoll.go`, `netpoll_epoll.go`, `time.go`, and the
//! netpoll parts of `findRunnable`).

use super::types::*;
use crate::sim::{Ev, World};
use sim_core::Nanos;

const MS: Nanos = 1_000_000;

/// `netpoll(delay)` on Linux: `epoll_wait` takes milliseconds. Below 1 ms waits 1 ms; above,
/// the delay is truncated to whole ms (it can wake early; the loop polls again).
pub fn epoll_wait_ns(delay: Nanos) -> Nanos {
    if delay == 0 {
        0
    } else if delay < MS {
        MS
    } else {
        (delay / MS).min(1_000_000_000) * MS
    }
}

impl World {
    /// `checkTimers`: run P `of`'s expired timers on behalf of P `runner`; readied Gs go to
    /// `runner`'s `runnext`. Returns whether any ran.
    pub fn check_timers(&mut self, runner: PId, of: PId, now: Nanos) -> bool {
        let mut ran = false;
        while let Some(t) = self.allp[of as usize].timers.peek() {
            if t.0.when > now {
                break;
            }
            let t = self.allp[of as usize].timers.pop().expect("peeked").0;
            ran = true;
            self.stats.timers_fired += 1;
            // goroutineReady → goready: runnext of the P running the timer, then wakep.
            self.ready(t.g, runner, true, now);
        }
        ran
    }

    /// `time.Sleep`: arm the G's timer on P `p` (`addtimer` → `wakeNetPoller`).
    pub fn add_timer(&mut self, p: PId, when: Nanos, g: GId, now: Nanos) {
        self.timer_seq += 1;
        self.allp[p as usize].timers.push(std::cmp::Reverse(Timer {
            when,
            seq: self.timer_seq,
            g,
        }));
        self.wake_net_poller(when, p, now);
    }

    /// `wakeNetPoller(when)`: interrupt a poller that sleeps past `when`, or `wakep` if nobody
    /// polls (on behalf of P `waker`, `NIL` for none).
    pub fn wake_net_poller(&mut self, when: Nanos, waker: PId, now: Nanos) {
        if self.lastpoll.is_none() {
            if self.poll_until == 0 || self.poll_until > when {
                self.netpoll_break(now);
            }
        } else {
            self.wakep(waker, now);
        }
    }

    /// `netpollBreak`: wake the M blocked in `epoll_wait` (coalesced).
    pub fn netpoll_break(&mut self, now: Nanos) {
        let m = self.netpoll_m;
        if m == NIL {
            return;
        }
        let t = now + self.costs.netpoll.0;
        if self.poll_until_wake > t {
            self.poll_until_wake = t;
            let mm = &mut self.ms[m as usize];
            mm.epoch = mm.epoch.wrapping_add(1);
            let epoch = mm.epoch;
            self.at(t, Ev::NetpollWake { m, epoch });
        }
    }

    /// Step 14 of `findRunnable`: M `m` (without a P) becomes the single blocking poller.
    pub fn block_in_netpoll(&mut self, m: MId, poll_until: Nanos, now: Nanos) {
        self.lastpoll = None;
        self.netpoll_m = m;
        self.poll_until = poll_until;
        self.ms[m as usize].state = MState::Netpoll;
        self.poll_until_wake = u64::MAX;
        self.obs(
            now,
            crate::obs::Hook::M {
                m,
                what: crate::obs::MEv::Netpoll,
            },
        );
        if !self.netpoll_ready.is_empty() {
            self.netpoll_break(now);
            return;
        }
        if poll_until != 0 {
            let delay = epoll_wait_ns(poll_until.saturating_sub(now));
            let t = if delay == 0 {
                now
            } else {
                now + self.os_sleep(delay)
            };
            self.poll_until_wake = t;
            let mm = &mut self.ms[m as usize];
            mm.epoch = mm.epoch.wrapping_add(1);
            let epoch = mm.epoch;
            self.at(t, Ev::NetpollWake { m, epoch });
        }
        // No deadline: blocks until an fd is ready or a timer is added (netpollBreak).
    }

    /// The blocking `netpoll` returned: take a P if one is idle and run the first ready G.
    pub fn netpoll_return(&mut self, m: MId, now: Nanos) {
        self.lastpoll = Some(now);
        self.netpoll_m = NIL;
        self.poll_until = 0;
        self.poll_until_wake = u64::MAX;
        self.ms[m as usize].state = MState::Running;
        self.obs(
            now,
            crate::obs::Hook::M {
                m,
                what: crate::obs::MEv::NetpollEnd,
            },
        );
        let mut list = std::mem::take(&mut self.scratch);
        self.netpoll_collect(&mut list);
        match self.pidleget(now) {
            None => {
                self.injectglist(&mut list, NIL, now);
                self.stopm(m, now);
            }
            Some(p) => {
                self.acquirep(m, p, now);
                if list.is_empty() {
                    self.scratch = list;
                    self.schedule(m, now, 0);
                    return;
                }
                let g = list.remove(0);
                self.injectglist(&mut list, p, now);
                let gg = &mut self.gs[g as usize];
                gg.status = GStatus::Runnable;
                gg.runnable_since = gg.runnable_since.min(now);
                let c = self.costs.find_runnable.0;
                self.execute(m, g, false, now, c, super::proc::RunSource::Netpoll);
            }
        }
        self.scratch = list;
    }

    /// Drain the ready fds into `list` in `netpoll`'s order (the reverse of readiness order,
    /// because the runtime builds the list by pushing).
    pub fn netpoll_collect(&mut self, list: &mut Vec<GId>) {
        list.clear();
        list.extend(self.netpoll_ready.drain(..).rev());
        self.netpoll_waiters = self.netpoll_waiters.saturating_sub(list.len() as u32);
        for &g in list.iter() {
            self.gs[g as usize].status = GStatus::Runnable;
        }
    }

    /// Step 8 of `findRunnable` with P `p`: a non-blocking `netpoll(0)`; the first G is
    /// returned, the rest injected.
    pub fn netpoll_take_with_p(&mut self, _m: MId, p: PId, now: Nanos) -> Option<GId> {
        let mut list = std::mem::take(&mut self.scratch);
        self.netpoll_collect(&mut list);
        let first = if list.is_empty() {
            None
        } else {
            Some(list.remove(0))
        };
        self.injectglist(&mut list, p, now);
        self.scratch = list;
        first
    }

    /// An fd became ready (workload-driven readiness). The blocked poller, if any, returns.
    pub fn io_ready(&mut self, g: GId, now: Nanos) {
        // Scheduling latency runs from readiness, not from when the G last became runnable.
        self.gs[g as usize].runnable_since = now;
        self.netpoll_ready.push(g);
        if self.lastpoll.is_none() {
            self.netpoll_break(now);
        }
    }

    /// Park the running G on I/O (`netpollblock` → `gopark(IO wait)`); ready after `dur`.
    pub fn park_on_io(&mut self, g: GId, dur: Nanos, now: Nanos) {
        self.netpoll_waiters += 1;
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = WaitReason::IoWait;
        self.at(now + dur, Ev::IoReady { g });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn epoll_rounding() {
        assert_eq!(epoll_wait_ns(0), 0);
        assert_eq!(epoll_wait_ns(50_000), MS, "below 1 ms waits 1 ms");
        assert_eq!(epoll_wait_ns(1_500_000), MS, "truncated to whole ms");
        assert_eq!(epoll_wait_ns(9_990_000), 9 * MS);
        assert_eq!(epoll_wait_ns(10 * MS), 10 * MS);
    }
}
