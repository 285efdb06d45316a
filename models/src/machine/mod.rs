//! The machine under the runtime: CPUs grouped in NUMA nodes, the OS scheduler that shares
//! them among the process's threads, and the cgroup CPU quota (scenario table `[machine]`).
//!
//! The Go model above it is unchanged (but for the `sched.numa_aware` variant, not Go); the
//! machine only decides where each M runs and how long a G's CPU piece takes in wall time:
//! - when a P becomes busy (its M acquires it, is woken with it, returns from a syscall with
//!   it) the OS places the M on a CPU by [`placement`]'s rule (last CPU if free, else the
//!   least-loaded CPU of its node, else anywhere), and frees that CPU when the P stops being
//!   busy (idle, parked, in a syscall, stopped for the world); see
//!   [`World::machine_activity`];
//! - every CPU piece goes through [`World::run_piece`], which stretches a new piece by the
//!   NUMA factor when the G's memory is on another node than its M's CPU ([`numa`]) and by
//!   the CPU sharing factor when more threads run than there are CPUs ([`ossched`]), and
//!   starts it after the current CFS throttle if the quota is used up ([`quota`]).
//!
//! Placement and sharing: placement decides *which node* a thread runs on (and so the NUMA
//! cost and the migration counts); sharing decides *how fast*. The sharing factor is
//! machine-wide (`busy / cpus` once busy Ps outnumber CPUs), as if CFS load balancing kept
//! the per-CPU run queues even; a CPU that placement loads twice while another is idle does
//! not run its threads slower.
//!
//! Without a `[machine]` table the machine is ideal (one CPU per P, no quota, one node):
//! `machine_activity` returns at once, no thread is placed, and `run_piece` only schedules
//! the piece's end: every existing scenario keeps its results.
//!
//! # Simplifications
//! - Only Ms holding a busy P occupy a CPU: sysmon, the M blocked in `netpoll` and Ms in
//!   syscalls or parked take none. The process owns the machine (no other load).
//! - An M keeps its CPU while its P is busy; it changes CPU only when it starts CPU work
//!   again (no periodic load balancing, no pull towards the waker's CPU). A new M has no
//!   last CPU and takes the least-loaded CPU anywhere.
//! - A migration costs nothing by itself (no cache refill cost); its price is the NUMA
//!   factor on the new node.
//! - A piece's stretch is decided when it starts or resumes (after preemption, possibly on
//!   another P); changes in the number of busy threads while it runs do not re-time it.
//! - Only CPU pieces of goroutines are slowed or stopped; the scheduler's own short costs
//!   (`find_runnable`, switching) run at full speed.

pub mod numa;
pub mod ossched;
pub mod placement;
pub mod quota;

use crate::scenario::Scenario;
use crate::sched::types::*;
use crate::sim::{Ev, World};
use sim_core::Nanos;

/// The machine's layout and state.
#[derive(Clone, Debug)]
pub struct Machine {
    /// A `[machine]` table was given (else the machine is ideal and `run_piece` is a no-op).
    pub modelled: bool,
    /// Hardware threads in total.
    pub cpus: u32,
    pub numa_nodes: u32,
    pub remote_access_factor: f64,
    /// `[sched] numa_aware`: the non-Go NUMA-aware stealing variant.
    pub numa_aware: bool,
    /// The CFS time slice (`kernel_timeslice`).
    pub timeslice: Nanos,
    /// Ps doing CPU work right now (running a G or in the scheduler, not idle or in a syscall).
    pub busy: u32,
    /// Home node of each G (where its memory is), indexed by `GId`.
    pub g_home: Vec<u8>,
    /// Which CPU each M runs on ([`placement`]).
    pub placement: placement::OsPlacement,
    /// The CPU P's M runs on while the P is busy, the last one it ran on when not; `NIL`:
    /// the P never ran. Indexed by `PId`.
    pub p_cpu: Vec<u32>,
    /// The stretch factor each G's `remaining` is expressed in (wall ns per CPU ns).
    pub g_factor: Vec<f64>,
    pub quota: Option<quota::Quota>,
    /// CPU nanoseconds of goroutine pieces started, and those on remote memory.
    pub piece_ns: u64,
    pub remote_ns: u64,
    /// Involuntary OS context switches from time sharing.
    pub os_context_switches: u64,
}

impl Machine {
    /// The machine of a scenario and the GOMAXPROCS it implies when `runtime.gomaxprocs` is
    /// unset (`getproccount`, and 1.25+ `cgroup_linux.go`, scheduler spec §9).
    pub fn new(sc: &Scenario) -> (Machine, u32) {
        let rt = &sc.runtime;
        let Some(mc) = &sc.machine else {
            let gmp = rt.gomaxprocs.unwrap_or(rt.cpus).max(1);
            let m = Machine {
                modelled: false,
                cpus: gmp,
                numa_nodes: 1,
                remote_access_factor: 1.0,
                numa_aware: sc.sched.numa_aware,
                timeslice: 3_000_000,
                busy: 0,
                g_home: Vec::new(),
                placement: placement::OsPlacement::new(gmp, 1, 0),
                p_cpu: Vec::new(),
                g_factor: Vec::new(),
                quota: None,
                piece_ns: 0,
                remote_ns: 0,
                os_context_switches: 0,
            };
            return (m, gmp);
        };
        let nodes = mc.numa_nodes.max(1);
        let cpus = match mc.cores_per_node {
            Some(c) => nodes * c * mc.smt.max(1),
            None => rt.gomaxprocs.unwrap_or(rt.cpus).max(1),
        };
        let quota = mc.cpu_quota.map(|q| quota::Quota::new(q, mc.cpu_period.0));
        let gmp = match rt.gomaxprocs {
            Some(g) => g,
            None => default_gomaxprocs(cpus, mc.cpu_quota, rt.go_version.at_least(25)),
        };
        let m = Machine {
            modelled: true,
            cpus,
            numa_nodes: nodes,
            remote_access_factor: mc.remote_access_factor,
            numa_aware: sc.sched.numa_aware,
            timeslice: mc.kernel_timeslice.0,
            busy: 0,
            g_home: Vec::new(),
            // Room for GOMAXPROCS Ms and some in syscalls or parked before any growth.
            placement: placement::OsPlacement::new(cpus, nodes, gmp as usize + 16),
            p_cpu: vec![NIL; gmp.max(1) as usize],
            g_factor: Vec::new(),
            quota,
            piece_ns: 0,
            remote_ns: 0,
            os_context_switches: 0,
        };
        (m, gmp.max(1))
    }
}

/// `machine` in the run summary.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MachineSummary {
    /// Hardware threads (the CPU count Go sees).
    pub cpus: u32,
    pub numa_nodes: u32,
    /// Share of goroutine CPU work that ran on another node than its memory.
    pub remote_cpu_fraction: f64,
    /// cgroup `cpu.stat`: periods in which the quota ran out, and the wall time throttled.
    pub throttled_periods: u64,
    pub throttled_ns: u64,
    /// Involuntary OS context switches from threads outnumbering CPUs.
    pub os_context_switches: u64,
    /// The cgroup quota in CPUs, if any.
    pub cpu_quota: Option<f64>,
    /// `sched.numa_aware`: the NUMA-aware scheduler variant (not Go's behaviour) was on.
    pub numa_aware: bool,
    /// Times an M was placed on another CPU than its last one, and how many of those crossed
    /// nodes ([`placement`]). Absent on the ideal machine, which places no threads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_migrations: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_node_migrations: Option<u64>,
}

impl MachineSummary {
    pub fn from_world(w: &World) -> MachineSummary {
        let m = &w.machine;
        let q = m.quota.as_ref();
        MachineSummary {
            cpus: m.cpus,
            numa_nodes: m.numa_nodes,
            remote_cpu_fraction: if m.piece_ns > 0 {
                m.remote_ns as f64 / m.piece_ns as f64
            } else {
                0.0
            },
            throttled_periods: q.map_or(0, |q| q.throttled_periods),
            throttled_ns: q.map_or(0, |q| q.throttled_ns),
            os_context_switches: m.os_context_switches,
            cpu_quota: q.map(|q| q.budget as f64 / q.period as f64),
            numa_aware: m.numa_aware,
            thread_migrations: m.modelled.then_some(m.placement.migrations),
            cross_node_migrations: m.modelled.then_some(m.placement.cross_node_migrations),
        }
    }

    /// The summary line, in words.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "machine   {} CPUs on {} NUMA node{}, {:.1}% of CPU work on remote memory",
            self.cpus,
            self.numa_nodes,
            if self.numa_nodes == 1 { "" } else { "s" },
            self.remote_cpu_fraction * 100.0
        );
        if let Some(q) = self.cpu_quota {
            s += &format!(
                "; quota {q} CPUs: throttled in {} periods for {:.1} ms",
                self.throttled_periods,
                self.throttled_ns as f64 / 1e6
            );
        }
        if self.os_context_switches > 0 {
            s += &format!("; {} OS context switches", self.os_context_switches);
        }
        if let Some(n) = self.thread_migrations {
            s += &format!("; {n} thread migrations");
            if self.numa_nodes > 1 {
                let x = self.cross_node_migrations.unwrap_or(0);
                s += &format!(" ({x} across nodes)");
            }
        }
        if self.numa_aware {
            s += "; NUMA-aware scheduler: own node first in stealWork and wakep (not Go's behaviour)";
        }
        s
    }
}

/// The default GOMAXPROCS: the CPU count, and from Go 1.25 the cgroup limit
/// `ceil(quota/period)` but never below 2, capped at the CPU count (spec §9). The runtime
/// re-checks the limit every second; a scenario's quota never changes, so the first value
/// holds for the whole run.
pub fn default_gomaxprocs(cpus: u32, quota: Option<f64>, cgroup_aware: bool) -> u32 {
    match quota {
        Some(q) if cgroup_aware => (q.ceil() as u32).max(2).min(cpus),
        _ => cpus,
    }
}

impl World {
    /// Schedules the end of the running G's CPU piece (`gg.seg.start` + `gg.remaining`),
    /// `fresh` for a new piece (`remaining` in CPU ns) rather than a resumed one (`remaining`
    /// in wall ns at the G's last stretch factor). Models the CPU the kernel gives the thread
    /// running `execute`d code.
    #[inline]
    pub fn run_piece(&mut self, g: GId, fresh: bool) {
        if self.machine.modelled {
            self.stretch_piece(g, fresh);
            if let Some(q) = &self.machine.quota {
                let until = q.throttled_until;
                let gg = &mut self.gs[g as usize];
                if gg.seg.start < until {
                    gg.seg.start = until;
                }
            }
        }
        let gg = &self.gs[g as usize];
        let (t, epoch) = (gg.seg.start + gg.remaining, gg.epoch);
        self.at(t, Ev::Cpu { g, epoch });
    }

    /// A piece of `g` on its P: the NUMA factor for remote memory (on the node of the CPU its
    /// M runs on) times the sharing factor when threads outnumber CPUs.
    fn stretch_piece(&mut self, g: GId, fresh: bool) {
        let i = g as usize;
        if self.machine.g_factor.len() <= i {
            self.machine.g_factor.resize(i + 1, 1.0);
        }
        let old = if fresh { 1.0 } else { self.machine.g_factor[i] };
        let m = self.gs[i].m;
        let p = if m == NIL { NIL } else { self.ms[m as usize].p };
        let node = self.p_node(p);
        let cpu = (self.gs[i].remaining as f64 / old).round() as Nanos;
        let numa = self.numa_factor(g, node, cpu, fresh);
        let share = self.cpu_share_factor(cpu);
        let f = numa * share;
        self.machine.g_factor[i] = f;
        if f != old {
            self.gs[i].remaining = (cpu as f64 * f).round() as Nanos;
        }
    }

    /// Called whenever P `p` changes activity: keeps the count of busy Ps for the quota and
    /// the OS scheduler, and places the P's M on a CPU when it starts doing CPU work
    /// (`select_task_rq_fair` on wake-up) or frees the CPU when it stops (idle, parked, in a
    /// syscall, stopped for the world).
    #[inline]
    pub fn machine_activity(&mut self, p: PId, from: PActivity, to: PActivity, now: Nanos) {
        // The ideal machine reads no busy count: keep the per-switch hot path free of it.
        if !self.machine.modelled {
            return;
        }
        let was = matches!(from, PActivity::User | PActivity::Scheduler);
        let is = matches!(to, PActivity::User | PActivity::Scheduler);
        if was == is {
            return;
        }
        if self.machine.quota.is_some() {
            self.quota_account(now);
        }
        if is {
            self.machine.busy += 1;
            self.place_m_of(p);
        } else {
            self.machine.busy = self.machine.busy.saturating_sub(1);
            let cpu = self.machine.p_cpu[p as usize];
            if cpu != NIL {
                self.machine.placement.release(cpu);
            }
        }
        if self.machine.quota.is_some() {
            self.quota_arm(now);
        }
    }

    /// P `p` became busy: the OS places the M holding it on a CPU.
    fn place_m_of(&mut self, p: PId) {
        let i = p as usize;
        if self.machine.p_cpu.len() <= i {
            // GOMAXPROCS grew at run time (a stop-the-world, not per event).
            self.machine.p_cpu.resize(i + 1, NIL);
        }
        let m = self.allp[i].m;
        // Every P becomes busy through `acquirep`/`startm`, which set its M first; an M-less
        // P would be a model bug: it runs on its last CPU, as a thread of its own.
        let cpu = if m != NIL {
            self.machine.placement.place(m)
        } else {
            debug_assert!(false, "P{p} busy without an M");
            self.machine
                .placement
                .place_anonymous(self.machine.p_cpu[i])
        };
        self.machine.p_cpu[i] = cpu;
    }

    /// The NUMA node P `p` runs on: the node of its M's CPU while the P is busy, of the CPU
    /// it last ran on otherwise; `NIL` for a P that never ran (or no P).
    #[inline]
    pub fn p_node(&self, p: PId) -> u32 {
        if self.machine.numa_nodes <= 1 {
            return 0;
        }
        match self.machine.p_cpu.get(p as usize) {
            Some(&cpu) if cpu != NIL => self.machine.placement.node_of(cpu),
            _ => NIL,
        }
    }
}
