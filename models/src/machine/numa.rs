//! NUMA: CPUs and memory on nodes; reaching memory on another node is slower.
//!
//! Work runs on the node of the CPU the OS placed its thread on ([`super::placement`]): a P
//! is on the node of its M's CPU ([`World::p_node`]), which changes when the P passes to
//! another M or the M migrates. A goroutine's memory lives on the node where it was created:
//! the node of the CPU the creating thread ran on (Linux first-touch placement: the new
//! stack and first allocations are touched there). A goroutine that later runs on another
//! node — stolen, taken from the global queue, or its thread migrated — moves its execution,
//! not its memory: its CPU work there costs `remote_access_factor` more. GC mark work scans
//! spans of every node; Go's heap is not NUMA-aware, so a worker finds `(nodes − 1) / nodes`
//! of them remote.
//!
//! `sched.numa_aware = true` switches on a scheduler none of the real runtimes has (the Go
//! NUMA-aware scheduler design discussion): `stealWork` probes the Ps on its own node before
//! the others, and `wakep` (and `injectglist`'s `startm`) takes an idle P that last ran on
//! the waker's node before Go's choice, the most recently idled P.
//!
//! # Simplifications
//! - The whole of a remote G's piece runs at the remote factor: all its memory accesses are
//!   assumed to miss the cache (an upper bound on the penalty).
//! - Memory never migrates (no automatic NUMA balancing).
//! - The remote share counts each piece by the node it started on; the rest of a piece
//!   resumed on another node is slowed but not recounted.
//! - An M does not change CPU while its P is busy, so a piece runs on one node; a G
//!   preempted and resumed on another node is re-timed there when it resumes.
//! - In the NUMA-aware variant an idle P's node is the node of the CPU it last ran on; a P
//!   that never ran has none and is never preferred.

use crate::gc::cycle::GC_WORKER_CLASS;
use crate::sched::types::*;
use crate::sim::World;
use sim_core::Nanos;

impl World {
    /// Records the home node of a new G: the node of the CPU the thread of the P creating it
    /// runs on (`newproc1`'s `malg`, first touch). Before P0's first run: node 0, where M0's
    /// first placement puts it.
    #[inline]
    pub fn numa_newg(&mut self, g: GId, p: PId) {
        if self.machine.numa_nodes <= 1 {
            return;
        }
        let node = match self.p_node(p) {
            NIL => 0,
            n => n as u8,
        };
        let i = g as usize;
        if self.machine.g_home.len() <= i {
            self.machine.g_home.resize(i + 1, 0);
        }
        self.machine.g_home[i] = node;
    }

    /// NUMA-aware `stealWork` (not Go): in the `first` sweep over the victims skip those on
    /// another node than `p`, in the second those on its node.
    #[inline]
    pub fn numa_skip(&self, p: PId, v: PId, first: bool) -> bool {
        (self.p_node(p) == self.p_node(v)) != first
    }

    /// NUMA-aware `pidleget` (not Go): the most recently idled P that last ran on the node
    /// of P `waker`, as an index into `pidle`; `None` when there is none (or no waker).
    pub fn numa_local_idle_p(&self, waker: PId) -> Option<usize> {
        let node = self.p_node(waker);
        if node == NIL {
            return None;
        }
        self.pidle.iter().rposition(|&p| self.p_node(p) == node)
    }

    /// NUMA-aware `startm` (not Go): the most recently parked M whose thread last ran on P
    /// `p`'s node, as an index into `midle`.
    pub fn numa_local_idle_m(&self, p: PId) -> Option<usize> {
        let node = self.p_node(p);
        if node == NIL {
            return None;
        }
        let pl = &self.machine.placement;
        self.midle.iter().rposition(|&m| {
            let c = pl.last_cpu(m);
            c != NIL && pl.node_of(c) == node
        })
    }

    /// The cost factor of `ns` of CPU work of `g` running on node `node` (`NIL`: not
    /// running on a P); accounts the remote share of `fresh` pieces (a resumed piece was
    /// counted when it started).
    pub fn numa_factor(&mut self, g: GId, node: u32, ns: Nanos, fresh: bool) -> f64 {
        let ns = if fresh { ns } else { 0 };
        self.machine.piece_ns += ns;
        let nodes = self.machine.numa_nodes;
        if nodes <= 1 || node == NIL {
            return 1.0;
        }
        let f = self.machine.remote_access_factor;
        if self.gs[g as usize].class == GC_WORKER_CLASS {
            let share = (nodes - 1) as f64 / nodes as f64;
            self.machine.remote_ns += (ns as f64 * share) as u64;
            return 1.0 + (f - 1.0) * share;
        }
        let home = self.machine.g_home.get(g as usize).copied().unwrap_or(0) as u32;
        if home == node {
            return 1.0;
        }
        self.machine.remote_ns += ns;
        f
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse_scenario;
    use crate::sched::proc::Steal;
    use crate::sim::{RunOptions, World};
    use sim_core::EventQueue;

    /// 4 Ps on 2 nodes × 2 CPUs, Pk's thread on CPU k (P0, P1 on node 0; P2, P3 on node 1).
    /// M0 runs P0; P1 and P3 have one runnable G each. Returns the P whose G M0 steals, over
    /// many steal orders.
    fn victims(aware: bool) -> Vec<u32> {
        let text = format!(
            "[meta]\nname = \"n\"\nduration = \"1s\"\n[runtime]\ngomaxprocs = 4\n\
             [machine]\nnuma_nodes = 2\ncores_per_node = 2\n[sched]\nnuma_aware = {aware}\n\
             [[goroutines]]\nname = \"w\"\ncount = 1\nstart = \"500ms\"\nprogram = [{{ op = \"compute\", time = \"1ms\" }}]\n"
        );
        let sc = parse_scenario(&text, "n.toml", &[])
            .expect("parses")
            .scenario;
        let mut out = Vec::new();
        for seed in 1..=40 {
            let opts = RunOptions {
                seed: Some(seed),
                ..Default::default()
            };
            let mut w = World::new(&sc, opts).expect("builds");
            let mut q = EventQueue::with_capacity(64);
            w.boot(&mut q);
            // Busy Ps (idle ones are skipped) with a queued G on P1 and P3.
            for p in 0..4 {
                w.allp[p].status = crate::sched::types::PStatus::Running;
            }
            // M0 holds P0 and looks for work.
            w.ms[0].p = 0;
            w.allp[0].m = 0;
            w.machine.p_cpu = vec![0, 1, 2, 3];
            let a = w.newg(1, 0, 0, u64::MAX, u32::MAX);
            w.runqput(1, a, false);
            let b = w.newg(3, 0, 0, u64::MAX, u32::MAX);
            w.runqput(3, b, false);
            let mut cost = 0;
            match w.steal_work(0, 0, &mut cost) {
                Steal::G(g, _, _) if g == a => out.push(1),
                Steal::G(g, _, _) if g == b => out.push(3),
                _ => panic!("M0 must steal one of them"),
            }
        }
        out
    }

    #[test]
    fn numa_aware_stealing_takes_from_its_own_node_first() {
        let aware = victims(true);
        assert!(aware.iter().all(|&v| v == 1), "own node first: {aware:?}");
        // Go's order is random over all Ps: some steals cross the node.
        let go = victims(false);
        assert!(go.contains(&1) && go.contains(&3), "{go:?}");
    }
}
