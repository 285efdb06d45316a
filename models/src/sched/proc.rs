//! The scheduler proper (`proc.go`): creating and readying goroutines, `schedule`,
//! `findRunnable`, `stealWork`, spinning, `wakep`/`startm`/`stopm`/`handoffp`, `injectglist`,
//! `procresize`.
//!
//! Each decision is atomic at an event's time: the M evaluates `findRunnable` in one step and
//! the chosen G starts after the pass's modelled cost. The runtime's CAS races become "the
//! first event in (time, sequence) order wins" (scheduler spec §3.4).

use super::runq::{self, Put};
use super::types::*;
use crate::obs::{Hook, MEv};
use crate::sim::{Ev, World};
use rand::Rng;
use sim_core::Nanos;

/// Where `findRunnable` found the G it runs (for the run log and `explain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunSource {
    Runnext,
    Local,
    Global,
    /// The 1-in-61 global-queue check.
    Fairness,
    Netpoll,
    Steal,
    StealRunnext,
    /// The initiator of a stop-the-world continuing.
    Resume,
    /// A GC mark worker (`findRunnableGCWorker` or an idle worker).
    GcWorker,
}

/// One scheduling decision, kept when recording is on.
#[derive(Clone, Copy, Debug)]
pub struct RunLog {
    pub t: Nanos,
    pub goid: u64,
    pub class: u16,
    pub p: PId,
    pub m: MId,
    pub src: RunSource,
    pub schedtick: u32,
}

/// What `findRunnable` ended with.
pub enum Found {
    /// Run this G (`inheritTime`), after `cost` ns of scheduler work, found at `RunSource`.
    Run(GId, bool, Nanos, RunSource),
    /// The M gave up its P (idle, netpoll, STW) or is sleeping before a `runnext` steal.
    Parked,
}

/// What `stealWork` ended with.
pub(crate) enum Steal {
    G(GId, bool, RunSource),
    /// The only work is a running victim's `runnext`: `usleep(3)` first.
    Sleep(PId),
    /// Timers ran or an STW is pending: go back to the top of `findRunnable`.
    NewWork,
    None,
}

impl World {
    // ----- goroutine creation and wake-up -----

    /// `newproc`: create a goroutine of `class` from P `p` and put it in `p`'s `runnext`,
    /// then `wakep()` (main has started).
    pub fn newproc(
        &mut self,
        p: PId,
        class: u16,
        now: Nanos,
        req_start: Nanos,
        client: u32,
    ) -> GId {
        let g = self.newg(p, class, now, req_start, client);
        self.gs[g as usize].status = GStatus::Runnable;
        self.gs[g as usize].runnable_since = now;
        self.runqput(p, g, true);
        self.obs(
            now,
            crate::obs::Hook::Ready {
                g,
                p,
                next: true,
                how: crate::obs::ReadyHow::Newproc,
            },
        );
        self.wakep(p, now);
        g
    }

    /// `malg` + goid allocation from the P's cache (batches of 16, `_GoidCacheBatch`).
    pub fn newg(&mut self, p: PId, class: u16, now: Nanos, req_start: Nanos, client: u32) -> GId {
        let pp = &mut self.allp[p as usize];
        if pp.goidcache == pp.goidcacheend {
            pp.goidcache = self.goidgen + 1;
            self.goidgen += 16;
            pp.goidcacheend = pp.goidcache + 16;
        }
        let goid = pp.goidcache;
        pp.goidcache += 1;
        let mut gg = G::new(goid, class);
        gg.req_start = req_start;
        gg.client = client;
        gg.pace_origin = now;
        let id = if let Some(id) = self.free_gs.pop() {
            // The epoch keeps counting across reuse: a stale event of the previous goroutine in
            // this slot (a safe point, a piece end pushed past a CPU-quota throttle) must never
            // match the new one.
            gg.epoch = self.gs[id as usize].epoch.wrapping_add(1);
            if self.allp[p as usize].gfreecnt > 0 {
                self.allp[p as usize].gfreecnt -= 1;
            }
            self.gs[id as usize] = gg;
            id
        } else {
            self.gs.push(gg);
            // malg: a goroutine that reuses no dead G allocates a new g on the heap.
            self.malg_heap(now);
            (self.gs.len() - 1) as GId
        };
        self.live_gs += 1;
        self.numa_newg(id, p);
        let rec = self.stats.goroutine_created(now, self.live_gs, goid, class);
        self.gs[id as usize].rec = rec;
        self.gs[id as usize].stack_bytes = self.gc.stack_start;
        self.gc.ctrl.max_stack_scan += self.gc.stack_start;
        self.gc.peak_stacks = self.gc.peak_stacks.max(self.gc.ctrl.max_stack_scan);
        if self.live_gs > self.limits.max_goroutines {
            self.stop = Some(sim_core::StopReason::ResourceLimit(format!(
                "goroutine limit exceeded: {} goroutines alive (limits.max_goroutines = {})",
                self.live_gs, self.limits.max_goroutines
            )));
        }
        id
    }

    /// `runqput` on P `p`, counting spills to the global queue.
    pub fn runqput(&mut self, p: PId, g: GId, next: bool) {
        if let Put::Spilled(n) =
            runq::runqput(&mut self.allp[p as usize], &mut self.globrunq, g, next)
        {
            self.stats.runq_spills += 1;
            self.stats.spilled_gs += n as u64;
        }
    }

    /// `ready(gp, traceskip, next)` / `goready`: make a waiting G runnable on P `p`.
    pub fn ready(&mut self, g: GId, p: PId, next: bool, now: Nanos) {
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Runnable;
        gg.runnable_since = now;
        self.runqput(p, g, next);
        self.obs(
            now,
            crate::obs::Hook::Ready {
                g,
                p,
                next,
                how: crate::obs::ReadyHow::Ready,
            },
        );
        self.wakep(p, now);
    }

    /// `globrunqput`: the tail of the global queue.
    pub fn globrunqput(&mut self, g: GId) {
        self.globrunq.push_back(g);
    }

    /// `gcBgMarkWorker`'s kick: a preempted dedicated worker moves its P's runnext and local
    /// run queue, in order, to the global run queue's tail (`runqdrain` + `globrunqputbatch`),
    /// so that the other Ps run them while it marks on.
    pub fn dedicated_worker_kick_runq(&mut self, p: PId) {
        let mut moved = std::mem::take(&mut self.scratch);
        moved.clear();
        runq::runqdrain(&mut self.allp[p as usize], &mut moved);
        self.globrunq.extend(moved.iter().copied());
        moved.clear();
        self.scratch = moved;
    }

    // ----- running -----

    /// `execute(gp, inheritTime)`: run `g` on `m` after `delay` ns of switching.
    pub fn execute(
        &mut self,
        m: MId,
        g: GId,
        inherit: bool,
        now: Nanos,
        delay: Nanos,
        src: RunSource,
    ) {
        let p = self.ms[m as usize].p;
        if !inherit {
            self.allp[p as usize].schedtick = self.allp[p as usize].schedtick.wrapping_add(1);
        }
        let gg = &mut self.gs[g as usize];
        let delay = if gg.last_p != NIL && gg.last_p != p {
            delay + self.costs.g_migrate.0
        } else {
            delay
        };
        gg.last_p = p;
        let start = now + delay;
        gg.status = GStatus::Running;
        gg.m = m;
        gg.preempt = false;
        gg.epoch = gg.epoch.wrapping_add(1);
        gg.seg.start = start;
        gg.run_start = start;
        let lat = start.saturating_sub(gg.runnable_since);
        let rec = gg.rec;
        self.ms[m as usize].curg = g;
        if gg_class_is_user(self.gs[g as usize].class) {
            self.stats.sched_latency(lat);
        }
        if rec != u32::MAX && self.stats.records[rec as usize].started == u64::MAX {
            self.stats.records[rec as usize].started = start;
        }
        if self.opts.record {
            let gg = &self.gs[g as usize];
            let schedtick = self.allp[p as usize].schedtick;
            self.run_log.push(RunLog {
                t: start,
                goid: gg.goid,
                class: gg.class,
                p,
                m,
                src,
                schedtick,
            });
        }
        self.obs(now, crate::obs::Hook::Run { g, start, src });
        self.set_activity(p, PActivity::Scheduler, now);
        let pp = &mut self.allp[p as usize];
        pp.sched_ns += delay;
        pp.activity = PActivity::User;
        pp.activity_since = start;
        self.run_piece(g, false);
    }

    /// Bookkeeping when the running G `g` stops running (preempted, parked, exited, syscall).
    #[inline]
    pub fn g_stops(&mut self, g: GId, now: Nanos) {
        self.obs(now, crate::obs::Hook::Stop { g });
        // Only when recording: it costs a histogram update on every switch.
        if self.opts.record {
            let start = self.gs[g as usize].run_start;
            self.stats.run_slices.record(now.saturating_sub(start));
        }
    }

    /// `schedule()`: find a G for `m` and run it; `extra` is scheduler time already spent.
    pub fn schedule(&mut self, m: MId, now: Nanos, extra: Nanos) {
        let p = self.ms[m as usize].p;
        if p != NIL {
            self.allp[p as usize].preempt = false;
        }
        self.ms[m as usize].curg = NIL;
        match self.find_runnable(m, now) {
            Found::Run(g, inherit, cost, src) => {
                // A worker assigned to this P at start-the-world but not chosen goes back.
                let p = self.ms[m as usize].p;
                self.release_next_gc_mark_worker(p);
                if self.ms[m as usize].spinning {
                    self.resetspinning(m, now);
                }
                self.execute(m, g, inherit, now, extra + cost, src);
            }
            Found::Parked => {}
        }
    }

    /// `becomeSpinning`.
    fn become_spinning(&mut self, m: MId, now: Nanos) {
        let mm = &mut self.ms[m as usize];
        if !mm.spinning {
            mm.spinning = true;
            mm.spin_since = now;
            self.nmspinning += 1;
            self.obs(now, Hook::M { m, what: MEv::Spin });
        }
        self.needspinning = false;
    }

    /// Clears `m.spinning` and `nmspinning` (without the `wakep` of `resetspinning`).
    fn stop_spinning(&mut self, m: MId, now: Nanos) {
        let mm = &mut self.ms[m as usize];
        if mm.spinning {
            mm.spinning = false;
            self.stats.spinning_ns += now.saturating_sub(mm.spin_since);
            self.nmspinning = self.nmspinning.saturating_sub(1);
            self.obs(
                now,
                Hook::M {
                    m,
                    what: MEv::SpinEnd,
                },
            );
        }
    }

    /// `resetspinning`: a spinning M found work; start another spinning M if there is an idle P.
    pub fn resetspinning(&mut self, m: MId, now: Nanos) {
        self.stop_spinning(m, now);
        let p = self.ms[m as usize].p;
        self.wakep(p, now);
    }

    /// `findRunnable` (scheduler spec §3.2), atomic at `now`.
    pub fn find_runnable(&mut self, m: MId, now: Nanos) -> Found {
        let mut cost = self.costs.find_runnable.0;
        'top: loop {
            let p = self.ms[m as usize].p;
            // 0. A pending stop-the-world: give the P up.
            if self.stw.active {
                self.gcstopm(m, now);
                return Found::Parked;
            }
            // 1. Own timers: expired ones ready their Gs into this P's runnext.
            self.check_timers(p, p, now);
            // 3. A GC mark worker (dedicated, or fractional under its goal).
            if let Some(w) = self.find_runnable_gc_worker(p, now) {
                return Found::Run(w, false, cost, RunSource::GcWorker);
            }
            // 4. Fairness: every 61st schedtick, one G from the global queue first.
            if self.allp[p as usize].schedtick.is_multiple_of(61) && !self.globrunq.is_empty() {
                cost += self.lock_sched(m, now);
                let g = self.globrunq.pop_front().expect("non-empty");
                self.stats.global_fairness_picks += 1;
                return Found::Run(g, false, cost, RunSource::Fairness);
            }
            // 6. Local run queue: runnext, then the ring.
            if let Some((g, inherit)) = runq::runqget(&mut self.allp[p as usize]) {
                let src = if inherit {
                    RunSource::Runnext
                } else {
                    RunSource::Local
                };
                return Found::Run(g, inherit, cost, src);
            }
            // 7. Global run queue, a batch.
            if !self.globrunq.is_empty() {
                cost += self.lock_sched(m, now);
                let gmp = self.gomaxprocs;
                if let Some(g) =
                    runq::globrunqget(&mut self.allp[p as usize], &mut self.globrunq, gmp)
                {
                    return Found::Run(g, false, cost, RunSource::Global);
                }
            }
            // 8. Non-blocking netpoll, if some G waits on I/O and nobody is blocked in netpoll.
            if self.netpoll_waiters > 0 && self.lastpoll.is_some() && !self.netpoll_ready.is_empty()
            {
                cost += self.costs.netpoll.0;
                if let Some(g) = self.netpoll_take_with_p(m, p, now) {
                    return Found::Run(g, false, cost, RunSource::Netpoll);
                }
            }
            // 9. Steal, if spinning or fewer than half the busy Ps have spinning Ms.
            let busy = self.gomaxprocs - self.npidle();
            if self.ms[m as usize].spinning || 2 * self.nmspinning < busy {
                self.become_spinning(m, now);
                match self.steal_work(m, now, &mut cost) {
                    Steal::G(g, inherit, src) => return Found::Run(g, inherit, cost, src),
                    Steal::Sleep(victim) => {
                        // usleep(3): the victim probably readied this G and is about to block.
                        let mm = &mut self.ms[m as usize];
                        mm.state = MState::StealSleep;
                        mm.steal_victim = victim;
                        mm.epoch = mm.epoch.wrapping_add(1);
                        let epoch = mm.epoch;
                        let t = now + cost + self.os_sleep(3_000);
                        self.at(t, Ev::StealRetry { m, epoch });
                        return Found::Parked;
                    }
                    Steal::NewWork => continue 'top,
                    Steal::None => {}
                }
            }
            // 10. An idle-mode GC worker on a P that has nothing else to do.
            if let Some(w) = self.find_idle_gc_worker(p, now) {
                return Found::Run(w, false, cost, RunSource::GcWorker);
            }
            // 12. Prepare to drop the P (under sched.lock).
            cost += self.lock_sched(m, now);
            if self.stw.active {
                continue 'top;
            }
            if !self.globrunq.is_empty() {
                let gmp = self.gomaxprocs;
                if let Some(g) =
                    runq::globrunqget(&mut self.allp[p as usize], &mut self.globrunq, gmp)
                {
                    return Found::Run(g, false, cost, RunSource::Global);
                }
            }
            if !self.ms[m as usize].spinning && self.needspinning {
                self.become_spinning(m, now);
                continue 'top;
            }
            let mut poll_until = self.allp[p as usize].next_timer().unwrap_or(0);
            self.releasep(m, now);
            self.pidleput(p, now);
            // 13. The delicate dance: drop spinning, then re-check everything once more.
            let was_spinning = self.ms[m as usize].spinning;
            if was_spinning {
                self.stop_spinning(m, now);
                if self.rules.gosched_wakep
                    && !self.globrunq.is_empty()
                    && let Some(pp) = self.pidleget_spinning(NIL, now)
                {
                    {
                        self.acquirep(m, pp, now);
                        self.become_spinning(m, now);
                        let gmp = self.gomaxprocs;
                        if let Some(g) =
                            runq::globrunqget(&mut self.allp[pp as usize], &mut self.globrunq, gmp)
                        {
                            return Found::Run(g, false, cost, RunSource::Global);
                        }
                        continue 'top;
                    }
                }
                if self.any_runq_nonempty()
                    && let Some(pp) = self.pidleget_spinning(NIL, now)
                {
                    {
                        self.acquirep(m, pp, now);
                        self.become_spinning(m, now);
                        continue 'top;
                    }
                }
                // checkTimersNoP: the earliest timer over all Ps.
                if let Some(t) = self.earliest_timer() {
                    poll_until = if poll_until == 0 {
                        t
                    } else {
                        poll_until.min(t)
                    };
                }
            }
            // 14. Block in netpoll until the earliest timer, if somebody needs polling.
            if (self.netpoll_waiters > 0 || poll_until != 0) && self.lastpoll.is_some() {
                // The M reaches epoll_wait only after the failed search: the timeout is computed
                // then, and truncated to whole ms (a 10 ms sleep waits 9 ms, then 1 ms more).
                self.block_in_netpoll(m, poll_until, now + cost);
                return Found::Parked;
            } else if poll_until != 0
                && self.lastpoll.is_none()
                && (self.poll_until == 0 || self.poll_until > poll_until)
            {
                self.netpoll_break(now);
            }
            // 15. stopm.
            self.stopm(m, now);
            return Found::Parked;
        }
    }

    fn any_runq_nonempty(&self) -> bool {
        self.allp
            .iter()
            .any(|pp| pp.status != PStatus::Idle && !pp.runq_empty())
    }

    /// Earliest timer over all Ps (`timeSleepUntil` / `checkTimersNoP`).
    pub fn earliest_timer(&self) -> Option<Nanos> {
        self.allp.iter().filter_map(|pp| pp.next_timer()).min()
    }

    /// `stealWork` (scheduler spec §3.3): 4 passes over all Ps in a random coprime order; timers
    /// and `runnext` only on the last pass.
    pub(crate) fn steal_work(&mut self, m: MId, now: Nanos, cost: &mut Nanos) -> Steal {
        let p = self.ms[m as usize].p;
        let n = self.gomaxprocs;
        let mut ran_timer = false;
        for i in 0..4 {
            let last = i == 3;
            let r = self.steal_rng.next_u32();
            let mut pos = r % n;
            let inc = self.coprimes[((r / n) as usize) % self.coprimes.len()];
            // NUMA-aware variant (not Go): the same order twice, own node's Ps first.
            let sweeps = if self.machine.numa_aware { 2 } else { 1 };
            for k in 0..n * sweeps {
                if self.stw.active {
                    return Steal::NewWork;
                }
                let v = pos;
                pos = (pos + inc) % n;
                if v == p || (sweeps == 2 && self.numa_skip(p, v, k < n)) {
                    continue;
                }
                *cost += self.costs.steal_probe.0;
                if last && !self.allp[v as usize].timers.is_empty() && self.check_timers(p, v, now)
                {
                    if let Some((g, inherit)) = runq::runqget(&mut self.allp[p as usize]) {
                        return Steal::G(g, inherit, RunSource::Runnext);
                    }
                    ran_timer = true;
                }
                let vp = &self.allp[v as usize];
                if vp.status == PStatus::Idle {
                    continue;
                }
                if last && vp.runq_len() == 0 && vp.runnext != NIL && vp.status == PStatus::Running
                {
                    let skip_sleep = self.rules.no_psyscall && self.p_in_syscall(v);
                    if !skip_sleep {
                        return Steal::Sleep(v);
                    }
                }
                let (a, b) = two_mut(&mut self.allp, p as usize, v as usize);
                let ring_empty = b.runq_len() == 0;
                if let Some(g) = runq::runqsteal(a, b, last) {
                    self.obs(
                        now,
                        crate::obs::Hook::Steal {
                            g,
                            thief: p,
                            victim: v,
                            runnext: ring_empty,
                        },
                    );
                    self.stats.steals += 1;
                    let src = if ring_empty {
                        RunSource::StealRunnext
                    } else {
                        RunSource::Steal
                    };
                    if ring_empty {
                        self.stats.runnext_steals += 1;
                    }
                    return Steal::G(g, false, src);
                }
            }
        }
        if ran_timer {
            Steal::NewWork
        } else {
            Steal::None
        }
    }

    /// After `usleep(3)`: steal the victim's `runnext` if it is still there, else start over.
    pub fn steal_retry(&mut self, m: MId, victim: PId, now: Nanos) {
        self.ms[m as usize].state = MState::Running;
        let p = self.ms[m as usize].p;
        if !self.stw.active
            && self.allp[p as usize].runq_empty()
            && (victim as usize) < self.allp.len()
        {
            let vp = &mut self.allp[victim as usize];
            if vp.status != PStatus::Idle && vp.runq_len() == 0 && vp.runnext != NIL {
                let g = vp.runnext;
                vp.runnext = NIL;
                self.stats.steals += 1;
                self.stats.runnext_steals += 1;
                self.resetspinning(m, now);
                let c = self.costs.g_switch.0;
                self.execute(m, g, false, now, c, RunSource::StealRunnext);
                return;
            }
        }
        self.schedule(m, now, 0);
    }

    /// Is P `p`'s G in a syscall (≤1.25: `_Psyscall`; 1.26+: running P whose G is `_Gsyscall`)?
    pub fn p_in_syscall(&self, p: PId) -> bool {
        let Some(pp) = self.allp.get(p as usize) else {
            return false; // destroyed by a GOMAXPROCS shrink
        };
        if self.rules.no_psyscall {
            pp.status == PStatus::Running
                && pp.m != NIL
                && self.ms[pp.m as usize].state == MState::Syscall
        } else {
            pp.status == PStatus::Syscall
        }
    }

    // ----- Ps and Ms -----

    /// `releasep`: detach M from its P.
    pub fn releasep(&mut self, m: MId, _now: Nanos) -> PId {
        let p = self.ms[m as usize].p;
        self.ms[m as usize].p = NIL;
        if p != NIL {
            // A P that stops gives back the worker assigned to it.
            self.release_next_gc_mark_worker(p);
            self.allp[p as usize].m = NIL;
        }
        p
    }

    /// `acquirep`/`wirep`.
    pub fn acquirep(&mut self, m: MId, p: PId, now: Nanos) {
        self.ms[m as usize].p = p;
        let pp = &mut self.allp[p as usize];
        pp.m = m;
        pp.oldm = m;
        pp.status = PStatus::Running;
        self.set_activity(p, PActivity::Scheduler, now);
    }

    /// `pidleput`: push P on the idle stack.
    pub fn pidleput(&mut self, p: PId, now: Nanos) {
        let pp = &mut self.allp[p as usize];
        debug_assert!(pp.runq_empty(), "pidleput: P has non-empty run queue");
        pp.status = PStatus::Idle;
        pp.m = NIL;
        self.pidle.push(p);
        self.set_activity(p, PActivity::Idle, now);
    }

    /// `pidleget`: pop the most recently idled P.
    pub fn pidleget(&mut self, _now: Nanos) -> Option<PId> {
        let p = self.pidle.pop()?;
        // Taken: no longer idle for stealers (`idlepMask` cleared); the new owner sets Running.
        self.allp[p as usize].status = PStatus::Running;
        Some(p)
    }

    /// `pidleget` for a wake-up by P `waker` (`NIL`: none). Go takes the most recently idled
    /// P; the NUMA-aware variant (not Go) first the most recently idled P that last ran on the
    /// waker's node.
    pub fn pidleget_near(&mut self, waker: PId, now: Nanos) -> Option<PId> {
        if self.machine.numa_aware
            && self.machine.numa_nodes > 1
            && waker != NIL
            && let Some(i) = self.numa_local_idle_p(waker)
        {
            // To the top of the stack, where pidleget takes it (no allocation).
            let p = self.pidle.remove(i);
            self.pidle.push(p);
        }
        self.pidleget(now)
    }

    /// `pidlegetSpinning`: like `pidleget`, but sets `needspinning` when no P is idle; for a
    /// wake-up by P `waker` (see [`World::pidleget_near`]).
    pub fn pidleget_spinning(&mut self, waker: PId, now: Nanos) -> Option<PId> {
        let p = self.pidleget_near(waker, now);
        if p.is_none() {
            self.needspinning = true;
        }
        p
    }

    /// `wakep()`: start one spinning M if none is spinning and a P is idle. `waker` is the P
    /// of the M calling it (`NIL`: none, e.g. sysmon), which only the NUMA-aware variant reads.
    pub fn wakep(&mut self, waker: PId, now: Nanos) {
        if self.nmspinning != 0 {
            return;
        }
        self.nmspinning += 1;
        match self.pidleget_spinning(waker, now) {
            Some(p) => self.startm(p, true, now),
            None => self.nmspinning -= 1,
        }
    }

    /// `startm(pp, spinning)`: hand P to an idle M (or a new one) and wake it.
    pub fn startm(&mut self, p: PId, spinning: bool, now: Nanos) {
        let p = if p == NIL {
            match self.pidleget(now) {
                Some(p) => p,
                None => {
                    if spinning {
                        self.nmspinning = self.nmspinning.saturating_sub(1);
                    }
                    return;
                }
            }
        } else {
            p
        };
        let m = self.mget(p);
        self.wake_m(p, m, spinning, now);
    }

    /// `mget`: the idle M on top of the stack (`NIL`: none). The NUMA-aware variant (not Go)
    /// takes an M whose thread last ran on `p`'s node, so that a node-local P also runs on
    /// that node (per-node M pools of the design sketch).
    pub fn mget(&mut self, p: PId) -> MId {
        if self.machine.numa_aware
            && self.machine.numa_nodes > 1
            && let Some(i) = self.numa_local_idle_m(p)
        {
            return self.midle.remove(i);
        }
        self.midle.pop().unwrap_or(NIL)
    }

    /// Hands `p` to the idle M `m` and wakes it (`notewakeup(&mp.park)`), or to a new thread
    /// if `m` is `NIL` (`newm`).
    pub fn wake_m(&mut self, p: PId, m: MId, spinning: bool, now: Nanos) {
        let (m, delay) = if m != NIL {
            self.obs(now, Hook::M { m, what: MEv::Wake });
            (m, self.costs.futex_wake.0)
        } else {
            match self.newm(now) {
                Some(m) => (m, self.costs.new_thread.0),
                None => return,
            }
        };
        if spinning {
            self.obs(now, Hook::M { m, what: MEv::Spin });
        }
        let mm = &mut self.ms[m as usize];
        mm.nextp = p;
        mm.spinning = spinning;
        mm.spin_since = now;
        mm.state = MState::Waking;
        mm.epoch = mm.epoch.wrapping_add(1);
        let epoch = mm.epoch;
        let pp = &mut self.allp[p as usize];
        pp.status = PStatus::Running;
        pp.m = m;
        self.set_activity(p, PActivity::Scheduler, now);
        self.at(now + delay, Ev::MWake { m, epoch });
    }

    /// `newm`: a new OS thread (M ids are never reused; threads never exit).
    fn newm(&mut self, now: Nanos) -> Option<MId> {
        let id = self.ms.len() as MId;
        if self.ms.len() as u64 >= self.limits.max_threads {
            self.stop = Some(sim_core::StopReason::ResourceLimit(format!(
                "program exceeds {}-thread limit (limits.max_threads) at t={}",
                self.limits.max_threads,
                sim_core::time::fmt_duration(now)
            )));
            return None;
        }
        self.ms.push(M::new(id));
        self.stats.threads_created += 1;
        Some(id)
    }

    /// A woken M takes `nextp` and runs `schedule`.
    pub fn mwake(&mut self, m: MId, now: Nanos) {
        let p = self.ms[m as usize].nextp;
        self.ms[m as usize].nextp = NIL;
        self.ms[m as usize].state = MState::Running;
        if p == NIL {
            self.stopm(m, now);
            return;
        }
        self.acquirep(m, p, now);
        self.schedule(m, now, 0);
    }

    /// `stopm`: park the M on the idle list.
    pub fn stopm(&mut self, m: MId, now: Nanos) {
        self.obs(now, Hook::M { m, what: MEv::Park });
        let mm = &mut self.ms[m as usize];
        mm.state = MState::Idle;
        mm.curg = NIL;
        mm.p = NIL;
        self.midle.push(m);
    }

    /// `handoffp`: a P freed by a syscall retake (or similar) gets an M only if it needs one.
    pub fn handoffp(&mut self, p: PId, now: Nanos) {
        self.obs(now, crate::obs::Hook::Handoff { p });
        if !self.allp[p as usize].runq_empty() || !self.globrunq.is_empty() {
            self.startm(p, false, now);
            return;
        }
        if self.nmspinning + self.npidle() == 0 {
            self.nmspinning += 1;
            self.needspinning = false;
            self.startm(p, true, now);
            return;
        }
        if self.stw.active {
            self.set_gcstop(p, now);
            return;
        }
        if self.npidle() == self.gomaxprocs - 1 && self.lastpoll.is_some() {
            self.startm(p, false, now);
            return;
        }
        let when = self.allp[p as usize].next_timer();
        self.pidleput(p, now);
        if let Some(w) = when {
            self.wake_net_poller(w, NIL, now);
        }
    }

    /// `injectglist`: make a list of Gs runnable. With a P (`p != NIL`): the first `npidle` go
    /// to the global queue with that many Ms started, the rest to P's ring. Without: all global.
    pub fn injectglist(&mut self, list: &mut Vec<GId>, p: PId, now: Nanos) {
        self.injectglist_as(list, p, crate::obs::ReadyHow::Inject, now);
    }

    /// The event log's record of a G that `injectglist` put in a queue (`p`, or NIL: global).
    #[inline]
    fn obs_injected(&mut self, g: GId, p: PId, how: crate::obs::ReadyHow, now: Nanos) {
        let next = false;
        self.obs(now, crate::obs::Hook::Ready { g, p, next, how });
    }

    /// [`Self::injectglist`], logged as `how` (new goroutines that main starts as a batch are
    /// logged as created).
    pub fn injectglist_as(
        &mut self,
        list: &mut Vec<GId>,
        p: PId,
        how: crate::obs::ReadyHow,
        now: Nanos,
    ) {
        if list.is_empty() {
            return;
        }
        for &g in list.iter() {
            let gg = &mut self.gs[g as usize];
            gg.status = GStatus::Runnable;
            gg.runnable_since = now;
        }
        // The first `npidle` (all of them without a P) go to the global queue.
        let npidle = if p == NIL {
            list.len()
        } else {
            self.pidle.len().min(list.len())
        };
        for &g in &list[..npidle] {
            self.globrunq.push_back(g);
            self.obs_injected(g, NIL, how, now);
        }
        if p == NIL {
            for _ in 0..npidle {
                if self.pidle.is_empty() {
                    break;
                }
                self.startm(NIL, false, now);
            }
            list.clear();
            return;
        }
        for _ in 0..npidle {
            // startm(nil): the NUMA-aware variant prefers an idle P on the waker's node.
            match self.pidleget_near(p, now) {
                Some(pp) => self.startm(pp, false, now),
                None => break,
            }
        }
        for &g in &list[npidle..] {
            self.runqput(p, g, false);
            self.obs_injected(g, p, how, now);
        }
        list.clear();
        if self.rules.inject_wakep {
            self.wakep(p, now);
        }
    }

    /// `procresize(n)` at start-up: M0 keeps P0.
    pub fn procresize(&mut self, n: u32, now: Nanos) {
        self.procresize_stw(n, 0, now)
    }

    /// `procresize(n)` with the world stopped: grow or shrink `allp` and rebuild the idle list.
    /// Ps with work (1.26+: or wired to a mark worker) are left `_Pidle` off the list;
    /// start-the-world gives each an M. `cur` is the current M's P.
    pub fn procresize_stw(&mut self, n: u32, cur: PId, now: Nanos) {
        let old = self.allp.len() as u32;
        for i in old..n {
            self.allp.push(P::new(i));
        }
        if n < old {
            // Destroyed Ps: their runnext and ring go to the head of the global queue in order.
            let mut moved = Vec::new();
            for i in n..old {
                runq::runqdrain(&mut self.allp[i as usize], &mut moved);
                let timers: Vec<_> = self.allp[i as usize].timers.drain().collect();
                for t in timers {
                    self.allp[0].timers.push(t);
                }
            }
            for g in moved.into_iter().rev() {
                self.globrunq.push_front(g);
            }
            self.allp.truncate(n as usize);
        }
        self.gomaxprocs = n;
        self.gc.heap.resize(n as usize);
        if self.gc.limiter.nprocs != n as i32 {
            // A real resize (not a GC's start-the-world): the limiter's capacity follows it.
            self.gc.limiter.reset_capacity(now as i64, n as i32);
        }
        self.coprimes = (1..=n).filter(|c| gcd(*c, n) == 1).collect();
        self.pidle.clear();
        // Ps with work are given an M by start-the-world. ≤1.25: the idle ones go on the idle
        // list highest id first, so `pidleget` hands out the lowest. 1.26+: idle Ps, lowest
        // id first, are first wired to the mark workers the cycle still needs
        // (`assignWaitingGCWorker`), so the workers start beside the goroutines that were
        // running instead of in their place; the rest go on the idle list lowest id first,
        // so `pidleget` hands out the highest.
        let new_rules = self.rules.procresize_126;
        let mut workers = new_rules;
        for k in 0..n {
            let i = if new_rules { k } else { n - 1 - k };
            if i == cur {
                continue;
            }
            if !self.allp[i as usize].runq_empty() {
                self.allp[i as usize].status = PStatus::Idle; // off the idle list
                continue;
            }
            if workers {
                if self.assign_waiting_gc_worker(i, now) {
                    self.allp[i as usize].status = PStatus::Idle; // likewise
                    continue;
                }
                workers = false; // no more workers needed
            }
            self.pidleput(i, now);
        }
    }
}

/// GC mark workers are runtime goroutines: they do not count in user statistics.
#[inline]
fn gg_class_is_user(class: u16) -> bool {
    !crate::gc::cycle::is_runtime_class(class)
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Two distinct mutable elements of a slice.
pub fn two_mut<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    assert_ne!(a, b);
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}
