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
