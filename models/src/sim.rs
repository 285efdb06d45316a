//! The simulated Go process: the world state (Gs, Ms, Ps, queues, sync objects, statistics),
//! the event type, and the glue that lets `sim_core::run` drive it.
//!
//! Scheduler rules live in `sched/*` as `impl World` blocks named after the runtime functions;
//! the workload interpreter lives in `workload/exec.rs`.

use crate::scenario::{GoVersion, Scenario};
use crate::sched::types::*;
use crate::stats::Stats;
use crate::workload::program::{Names, Program, compile_class, compile_ops};
use crate::workload::sources::Sources;
use crate::workload::sync::SyncObjects;
use sim_core::rng::Stream;
use sim_core::{Control, EventQueue, Model, Nanos, RngStreams, StopReason};
use std::collections::VecDeque;

/// Events of the simulation. Small and `Copy`; stale ones are recognised by their epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    /// The running G's current CPU piece is done (or it starts running after a switch).
    Cpu { g: GId, epoch: u32 },
    /// The running G reached a safe point while a preemption is pending.
    Safepoint { g: GId, epoch: u32 },
    /// A parked or new M wakes with `nextp` set and runs `schedule`.
    MWake { m: MId, epoch: u32 },
    /// A spinning M's `usleep(3)` before stealing `runnext` ended.
    /// (The victim P is kept in `M::steal_victim`, keeping events at 12 bytes.)
    StealRetry { m: MId, epoch: u32 },
    /// A blocking syscall returns.
    SyscallDone { g: GId },
    /// The fd a G waits on became ready (epoll reports it).
    IoReady { g: GId },
    /// The M blocked in `netpoll` returns (timeout, readiness or `netpollBreak`).
    NetpollWake { m: MId, epoch: u32 },
    /// sysmon's `usleep` (or deep sleep) ended.
    Sysmon { epoch: u32, by_note: bool },
    /// The next request of an open-loop source arrives.
    Arrival { src: u16 },
    /// A closed-loop client's think time ended.
    ClientNext { client: u32 },
    /// A time-based phase starts.
    Phase { idx: u16 },
    /// The stop-the-world initiator re-checks (every 100 µs it preempts all again).
    StwPoll { epoch: u32 },
    /// The world is stopped and the STW work is done: start the world.
    StwStart { epoch: u32 },
    /// A signal sent for asynchronous preemption arrives at the M.
    Signal { m: MId, epoch: u32 },
    /// main starts a goroutine class whose `start` is later than 0.
    StartClass { idx: u16 },
    /// The cgroup CPU quota runs out or its period ends (`machine::quota`).
    Quota { epoch: u32 },
}

/// Which Go release's rules apply (scheduler spec §0.1), as flags.
#[derive(Clone, Copy, Debug)]
pub struct VersionRules {
    pub version: GoVersion,
    /// 1.22+: `goschedImpl` calls `wakep`; the delicate dance re-checks the global queue.
    pub gosched_wakep: bool,
    /// 1.23+: `injectglist` ends with `wakep`.
    pub inject_wakep: bool,
    /// 1.25+: schedtrace with `schedticks=[ … ]`; cgroup-aware GOMAXPROCS.
    pub schedtrace_125: bool,
    /// 1.26+: no `_Psyscall`; STW-preempted G to its own `runnext`; no `usleep(3)` when the
    /// victim's G is in a syscall.
    pub no_psyscall: bool,
    /// 1.26+ `procresize`: a P with work restarts on its previous M (`oldm`); idle Ps are
    /// wired to the mark workers still needed (`assignWaitingGCWorker`); the idle list is
    /// rebuilt lowest id first.
    pub procresize_126: bool,
}

impl VersionRules {
    pub fn new(v: GoVersion) -> Self {
        VersionRules {
            version: v,
            gosched_wakep: v.at_least(22),
            inject_wakep: v.at_least(23),
            schedtrace_125: v.at_least(25),
            no_psyscall: v.at_least(26),
            procresize_126: v.at_least(26),
        }
    }
}

/// Run-time settings that are not part of the scenario file (CLI flags).
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `GODEBUG=schedtrace=X`: print every X ns.
    pub schedtrace: Option<Nanos>,
    /// `scheddetail=1`.
    pub scheddetail: bool,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Keep a per-goroutine record (created, first run, exit) for analysis.
    pub record: bool,
    /// Sample heap, run queues and P states every this many ns for charts (`timeline.rs`).
    pub sample_interval: Option<Nanos>,
    /// Keep the event log (`obs.rs`) for traces, `explain` and hunt properties.
    pub event_log: bool,
}

/// `sched.lock` contention: operations that take it serialise; taking it after another M
/// costs a cache-line transfer.
#[derive(Clone, Copy, Debug, Default)]
pub struct SchedLock {
    pub free_at: Nanos,
    pub last_m: MId,
}

/// sysmon's loop state (`sysmon` in proc.go).
#[derive(Clone, Copy, Debug)]
pub struct SysmonState {
    /// sysmon loop iterations so far.
    pub ticks: u64,
    pub idle: u32,
    pub delay: Nanos,
    /// `sched.sysmonwait`: in deep sleep.
    pub wait: bool,
    pub epoch: u32,
    pub lasttrace: Option<Nanos>,
    pub trace_start: Option<Nanos>,
}

/// Stop-the-world state (`sched.gcwaiting`, `stopwait`, the initiator).
#[derive(Clone, Copy, Debug)]
pub struct StwState {
    pub active: bool,
    pub stopwait: u32,
    pub epoch: u32,
    /// The G that asked for the STW and the M/P it runs on.
    pub g: GId,
    pub m: MId,
    pub p: PId,
    pub started: Nanos,
    pub kind: StwKind,
    /// Sum of the times at which each P reached `_Pgcstop` (`p.gcStopTime`).
    pub stop_sum: Nanos,
    /// When the last P stopped (`worldStop.finishedStopping`).
    pub finished: Nanos,
    /// `worldStop.stoppingCPUTime`: Σ over Ps of the time each sat in `_Pgcstop` before
    /// the last one stopped; the P still running until then is not counted.
    pub stopping_cpu: Nanos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StwKind {
    /// `runtime.GOMAXPROCS(n)`.
    Gomaxprocs(u32),
    /// GC sweep termination (`gcStart`).
    GcSweepTerm,
    /// GC mark termination (`gcMarkDone`).
    GcMarkTerm,
}

/// The whole simulated process.
pub struct World {
    pub scenario_name: String,
    pub seed: u64,
    pub rules: VersionRules,
    pub costs: crate::scenario::Costs,
    pub limits: crate::scenario::Limits,
    pub asyncpreempt: bool,
    pub gomaxprocs: u32,
    /// CPUs of the machine (`ncpu`).
    pub cpus: u32,
    pub duration: Nanos,
    pub opts: RunOptions,

    pub gs: Vec<G>,
    pub free_gs: Vec<GId>,
    pub allp: Vec<P>,
    pub ms: Vec<M>,
    /// `sched.pidle`: LIFO stack of idle Ps.
    pub pidle: Vec<PId>,
    /// `sched.midle`: LIFO stack of idle Ms.
    pub midle: Vec<MId>,
    pub nmspinning: u32,
    pub needspinning: bool,
    /// `sched.runq`.
    pub globrunq: VecDeque<GId>,
    pub sched_lock: SchedLock,
    pub goidgen: u64,
    pub timer_seq: u64,
    pub live_gs: u64,

    /// `sched.lastpoll`; `None` while an M is blocked in netpoll (the runtime's 0).
    pub lastpoll: Option<Nanos>,
    /// `sched.pollUntil` of the blocked poller (0: no deadline).
    pub poll_until: Nanos,
    pub netpoll_m: MId,
    /// When the blocked poller's pending wake-up lands (to coalesce `netpollBreak`s).
    pub poll_until_wake: Nanos,
    /// Gs whose fd is ready but that no `netpoll` call has returned yet.
    pub netpoll_ready: Vec<GId>,
    /// `netpollWaiters`: Gs parked on I/O.
    pub netpoll_waiters: u32,

    pub sysmon: SysmonState,
    pub stw: StwState,

    pub programs: Vec<Program>,
    pub phase_names: Vec<String>,
    pub class_rng: Vec<Stream>,
    pub steal_rng: Stream,
    /// `stealOrder.coprimes` for the current GOMAXPROCS.
    pub coprimes: Vec<u32>,
    pub sync: SyncObjects,
    pub sources: Sources,

    pub stats: Stats,
    /// The garbage collector and the heap.
    pub gc: crate::gc::cycle::GcState,
    /// Scratch buffers reused across events (no allocation per event).
    pub scratch: Vec<GId>,
    /// Events produced while handling one event, flushed to the queue in order.
    pub out: Vec<(Nanos, Ev)>,
    /// Every scheduling decision, when `opts.record` is on.
    pub run_log: Vec<crate::sched::proc::RunLog>,
    /// Lines of schedtrace output.
    pub trace_out: String,
    /// Set when the model must stop (program panic, resource limit).
    pub stop: Option<StopReason>,
    /// Periodic samples for charts, when `opts.sample_interval` is set.
    pub sampler: crate::timeline::Sampler,
    /// The event log, when `opts.event_log` is on.
    pub events: Option<crate::obs::EventLog>,
    /// The machine under the runtime: CPUs, NUMA nodes, CPU quota.
    pub machine: crate::machine::Machine,
}

/// An error building the world from a scenario (a reference the validator did not catch).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

impl World {
    /// Builds the process at time 0: `schedinit` + `procresize(GOMAXPROCS)`, M0 on P0, sysmon.
    pub fn new(sc: &Scenario, opts: RunOptions) -> Result<World, BuildError> {
        let seed = opts.seed.unwrap_or(sc.meta.seed);
        let rng = RngStreams::new(seed);
        let rules = VersionRules::new(sc.runtime.go_version);
        let (machine, gomaxprocs) = crate::machine::Machine::new(sc);
        let cpus = if machine.modelled {
            machine.cpus
        } else {
            sc.runtime.cpus
        };

        let mut names = Names::new(sc);
        let mut programs = Vec::new();
        for c in &sc.goroutines {
            programs.push(compile_class(c, &mut names).map_err(BuildError)?);
        }
        let mut handler_class = Vec::new();
        for a in &sc.arrivals {
            handler_class.push(programs.len() as u16);
            programs.push(compile_ops(&a.name, &a.program, &mut names).map_err(BuildError)?);
        }
        let mut client_class = Vec::new();
        for c in &sc.clients {
            client_class.push(programs.len() as u16);
            programs.push(compile_ops(&c.name, &c.program, &mut names).map_err(BuildError)?);
        }
        let phase_names = names.phases.clone();
        let class_rng = (0..programs.len())
            .map(|i| rng.stream_indexed("class", i as u64))
            .collect();

        let sample_interval = opts.sample_interval;
        let mut w = World {
            scenario_name: sc.meta.name.clone(),
            seed,
            rules,
            costs: sc.costs.clone(),
            limits: sc.limits.clone(),
            asyncpreempt: sc.runtime.asyncpreempt,
            gomaxprocs,
            cpus,
            duration: sc.meta.duration.0,
            opts,
            gs: Vec::new(),
            free_gs: Vec::new(),
            allp: Vec::new(),
            ms: Vec::new(),
            pidle: Vec::new(),
            midle: Vec::new(),
            nmspinning: 0,
            needspinning: false,
            globrunq: VecDeque::new(),
            sched_lock: SchedLock {
                free_at: 0,
                last_m: NIL,
            },
            // goids 1-4 are main, forcegc, bgsweep and bgscavenge; the first user goroutine
            // comes from a fresh batch of 16 (a real run jumps from G4 to G17).
            goidgen: 16,
            timer_seq: 0,
            live_gs: 0,
            lastpoll: Some(0),
            poll_until: 0,
            netpoll_m: NIL,
            poll_until_wake: u64::MAX,
            netpoll_ready: Vec::new(),
            netpoll_waiters: 0,
            sysmon: SysmonState {
                ticks: 0,
                idle: 0,
                delay: 0,
                wait: false,
                epoch: 0,
                lasttrace: None,
                trace_start: None,
            },
            stw: StwState {
                active: false,
                stopwait: 0,
                epoch: 0,
                g: NIL,
                m: NIL,
                p: NIL,
                started: 0,
                stop_sum: 0,
                finished: 0,
                stopping_cpu: 0,
                kind: StwKind::Gomaxprocs(0),
            },
            programs,
            phase_names,
            class_rng,
            steal_rng: rng.stream("steal"),
            coprimes: Vec::new(),
            sync: SyncObjects::new(sc),
            sources: Sources::new(sc, &rng, handler_class, client_class),
            stats: Stats::new(),
            gc: crate::gc::cycle::GcState::new(sc, gomaxprocs as usize),
            scratch: Vec::with_capacity(256),
            out: Vec::with_capacity(64),
            trace_out: String::new(),
            run_log: Vec::new(),
            stop: None,
            sampler: crate::timeline::Sampler::new(sample_interval),
            events: None,
            machine,
        };
        w.stats.record_goroutines = w.opts.record;
        w.events = w.opts.event_log.then(crate::obs::EventLog::default);
        w.stats.phase_start(0, "main");
        // M0 and sysmon (M1) exist from the start.
        w.ms.push(M::new(0));
        w.ms.push(M::new(1));
        w.procresize(gomaxprocs, 0);
        Ok(w)
    }

    /// Schedules the initial events: main's goroutines, sources, phases, sysmon.
    pub fn boot(&mut self, q: &mut EventQueue<Ev>) {
        // M0 takes P0 (procresize left P0 off the idle list for the current M).
        let p0 = 0;
        self.allp[p0 as usize].status = PStatus::Running;
        self.allp[p0 as usize].m = 0;
        self.allp[p0 as usize].oldm = 0;
        self.ms[0].p = p0;
        self.ms[0].state = MState::Running;
        // M0 runs runtime.main on P0 from the start (and the OS places it first, on CPU 0).
        self.set_activity(p0, PActivity::Scheduler, 0);
        // sysmon starts right away (runtime.main: newm(sysmon)).
        self.sysmon_schedule_next(0);
        if self.machine.quota.is_some() {
            self.quota_arm(0);
        }
        for (i, ph) in self.sources.timed_phases.clone().iter().enumerate() {
            self.out.push((*ph, Ev::Phase { idx: i as u16 }));
        }
        self.sources.boot(&mut self.out);
        if self.sources.has_listener() {
            // The listener's accept loop is parked on I/O for the whole run.
            self.netpoll_waiters += 1;
        }
        // main starts the fixed goroutine classes whose start is 0, in order, with `go`.
        let starts = self.sources.fixed_at(0);
        for (class, count) in starts {
            for _ in 0..count {
                self.newproc(0, class, 0, u64::MAX, NIL);
            }
        }
        self.schedule(0, 0, 0);
        self.flush(q);
    }

    /// Moves events produced by the last handler into the queue, in production order.
    #[inline]
    pub fn flush(&mut self, q: &mut EventQueue<Ev>) {
        for (t, e) in self.out.drain(..) {
            q.schedule_at(t, e);
        }
    }

    #[inline]
    pub fn at(&mut self, t: Nanos, e: Ev) {
        self.out.push((t, e));
    }

    /// Takes `sched.lock` at `now` on behalf of M `m`; returns how long the M waited and held it.
    #[inline]
    pub fn lock_sched(&mut self, m: MId, now: Nanos) -> Nanos {
        let start = now.max(self.sched_lock.free_at);
        let mut hold = self.costs.sched_lock.0;
        if self.sched_lock.last_m != m && self.sched_lock.last_m != NIL {
            hold += self.costs.sched_lock_transfer.0;
        }
        self.sched_lock.free_at = start + hold;
        self.sched_lock.last_m = m;
        start + hold - now
    }

    pub fn npidle(&self) -> u32 {
        self.pidle.len() as u32
    }

    /// Actual length of `usleep(d)` / a timed futex or epoll wait: the request plus timer slack
    /// and wake-up overhead.
    #[inline]
    pub fn os_sleep(&self, d: Nanos) -> Nanos {
        d + self.costs.timer_slack.0 + self.costs.sleep_overhead.0
    }

    /// Sets P's accounting activity at `now`.
    #[inline]
    pub fn set_activity(&mut self, p: PId, a: PActivity, now: Nanos) {
        let pp = &mut self.allp[p as usize];
        let dt = now.saturating_sub(pp.activity_since);
        if pp.activity == PActivity::Idle && dt > 0 {
            // `sched.idleTime` for the GC CPU limiter.
            self.gc.limiter.add_idle_time(dt as i64);
        }
        match pp.activity {
            PActivity::User => pp.user_ns += dt,
            PActivity::Scheduler => pp.sched_ns += dt,
            PActivity::Syscall => pp.syscall_ns += dt,
            _ => {}
        }
        let from = pp.activity;
        pp.activity = a;
        pp.activity_since = now.max(pp.activity_since);
        self.machine_activity(p, from, a, now);
        if self.events.is_some() && from != a {
            use crate::obs::PStateEv;
            let state = match a {
                PActivity::Idle => Some(PStateEv::Idle),
                PActivity::Stopped => Some(PStateEv::Stopped),
                _ if matches!(from, PActivity::Idle | PActivity::Stopped) => Some(PStateEv::Busy),
                _ => None,
            };
            if let Some(state) = state {
                self.obs(now, crate::obs::Hook::PState { p, state });
            }
        }
    }
}

impl Model for World {
    type Event = Ev;

    fn handle(&mut self, now: Nanos, ev: Ev, q: &mut EventQueue<Ev>) -> Control {
        if now >= self.sampler.next {
            self.sample_until(now);
        }
        match ev {
            Ev::Cpu { g, epoch } => {
                if self.gs[g as usize].epoch == epoch {
                    self.cpu_done(g, now);
                }
            }
            Ev::Safepoint { g, epoch } => {
                if self.gs[g as usize].epoch == epoch {
                    self.at_safepoint(g, now);
                }
            }
            Ev::Signal { m, epoch } => self.signal_arrives(m, epoch, now),
            Ev::MWake { m, epoch } => {
                if self.ms[m as usize].epoch == epoch {
                    self.mwake(m, now);
                }
            }
            Ev::StealRetry { m, epoch } => {
                if self.ms[m as usize].epoch == epoch {
                    let victim = self.ms[m as usize].steal_victim;
                    self.steal_retry(m, victim, now);
                }
            }
            Ev::SyscallDone { g } => self.exitsyscall(g, now),
            Ev::IoReady { g } => self.io_ready(g, now),
            Ev::NetpollWake { m, epoch } => {
                if self.ms[m as usize].epoch == epoch {
                    self.netpoll_return(m, now);
                }
            }
            Ev::Sysmon { epoch, by_note } => {
                if self.sysmon.epoch == epoch {
                    self.sysmon_wake(now, by_note);
                }
            }
            Ev::Arrival { src } => self.arrival(src, now),
            Ev::StartClass { idx } => self.start_class(idx, now),
            Ev::ClientNext { client } => self.client_next(client, now),
            Ev::Phase { idx } => {
                let name = self.sources.timed_phase_names[idx as usize].clone();
                self.stats.phase_start(now, &name);
            }
            Ev::StwPoll { epoch } => {
                if self.stw.active && self.stw.epoch == epoch {
                    self.stw_poll(now);
                }
            }
            Ev::StwStart { epoch } => {
                if self.stw.active && self.stw.epoch == epoch {
                    self.start_the_world(now);
                }
            }
            Ev::Quota { epoch } => self.quota_check(epoch, now),
        }
        self.flush(q);
        if let Some(r) = self.stop.take() {
            return Control::Stop(r);
        }
        Control::Continue
    }

    /// The epoch checks of `handle`, for the events whose epochs only ever count up.
    fn is_stale(&self, ev: &Ev) -> bool {
        match *ev {
            Ev::Cpu { g, epoch } | Ev::Safepoint { g, epoch } => self.gs[g as usize].epoch != epoch,
            Ev::MWake { m, epoch } | Ev::StealRetry { m, epoch } | Ev::NetpollWake { m, epoch } => {
                self.ms[m as usize].epoch != epoch
            }
            Ev::Sysmon { epoch, .. } => self.sysmon.epoch != epoch,
            _ => false,
        }
    }

    fn event_digest(&self, ev: &Ev) -> u64 {
        // A cheap, stable digest of the event's fields.
        let (tag, a, b) = match *ev {
            Ev::Cpu { g, epoch } => (1u64, g as u64, epoch as u64),
            Ev::Safepoint { g, epoch } => (2, g as u64, epoch as u64),
            Ev::MWake { m, epoch } => (3, m as u64, epoch as u64),
            Ev::StealRetry { m, epoch } => (4, m as u64, epoch as u64),
            Ev::SyscallDone { g } => (5, g as u64, 0),
            Ev::IoReady { g } => (6, g as u64, 0),
            Ev::NetpollWake { m, epoch } => (7, m as u64, epoch as u64),
            Ev::Sysmon { epoch, by_note } => (8, epoch as u64, by_note as u64),
            Ev::Arrival { src } => (9, src as u64, 0),
            Ev::ClientNext { client } => (10, client as u64, 0),
            Ev::Phase { idx } => (11, idx as u64, 0),
            Ev::StwPoll { epoch } => (12, epoch as u64, 0),
            Ev::StwStart { epoch } => (13, epoch as u64, 0),
            Ev::Signal { m, epoch } => (14, m as u64, epoch as u64),
            Ev::StartClass { idx } => (15, idx as u64, 0),
            Ev::Quota { epoch } => (16, epoch as u64, 0),
        };
        tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ a.rotate_left(20) ^ b.rotate_left(44)
    }
}
