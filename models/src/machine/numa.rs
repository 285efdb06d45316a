//! NUMA: CPUs and memory on nodes; reaching memory on another node is slower.
//!
//! Each P has a home node (see [`World::p_node`]); a goroutine's memory lives on the node
//! of the P that created it (Linux first-touch placement: the creating thread's stack and
//! first allocations come from its node's mcache). A goroutine stolen to a P on another
//! node moves its execution, not its memory: its CPU work there costs
//! `remote_access_factor` more. GC mark work scans spans of every node; Go's heap is not
//! NUMA-aware, so a worker finds `(nodes − 1) / nodes` of them remote.
//!
//! `sched.numa_aware = true` switches on a scheduler none of the real runtimes has (the Go
//! NUMA-aware scheduler design discussion): `stealWork` probes the Ps of its own node before
//! the others.
//!
//! # Simplifications
//! - The whole of a remote G's piece runs at the remote factor: all its memory accesses are
//!   assumed to miss the cache (an upper bound on the penalty).
//! - Memory never migrates (no automatic NUMA balancing).
//! - The remote share counts each piece by the node it started on; the rest of a piece
//!   resumed on another node is slowed but not recounted.

use crate::gc::cycle::GC_WORKER_CLASS;
use crate::sched::types::*;
use crate::sim::World;
use sim_core::Nanos;

impl World {
    /// Records the home node of a new G: the node of the P creating it (`newproc1`'s `malg`).
    #[inline]
    pub fn numa_newg(&mut self, g: GId, p: PId) {
        if self.machine.numa_nodes <= 1 {
            return;
        }
        let node = self.p_node(p) as u8;
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

    /// The cost factor of `ns` of CPU work of `g` on P `p`; accounts the remote share of
    /// `fresh` pieces (a resumed piece was counted when it started).
    pub fn numa_factor(&mut self, g: GId, p: PId, ns: Nanos, fresh: bool) -> f64 {
        let ns = if fresh { ns } else { 0 };
        self.machine.piece_ns += ns;
        let nodes = self.machine.numa_nodes;
        if nodes <= 1 || p == NIL {
            return 1.0;
        }
        let f = self.machine.remote_access_factor;
        if self.gs[g as usize].class == GC_WORKER_CLASS {
            let share = (nodes - 1) as f64 / nodes as f64;
            self.machine.remote_ns += (ns as f64 * share) as u64;
            return 1.0 + (f - 1.0) * share;
        }
        let home = self.machine.g_home.get(g as usize).copied().unwrap_or(0) as u32;
        if home == self.p_node(p) {
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

    /// 4 Ps on 2 nodes (P0, P1 on node 0; P2, P3 on node 1). M0 runs P0; P1 and P3 have
    /// one runnable G each. Returns the P whose G M0 steals, over many steal orders.
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
        assert_eq!(
            (0..4).map(|p| p * 2 / 4).collect::<Vec<u32>>(),
            [0, 0, 1, 1]
        );
        let aware = victims(true);
        assert!(aware.iter().all(|&v| v == 1), "own node first: {aware:?}");
        // Go's order is random over all Ps: some steals cross the node.
        let go = victims(false);
        assert!(go.contains(&1) && go.contains(&3), "{go:?}");
    }
}
