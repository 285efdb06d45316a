//! OS thread placement: which CPU each M (OS thread) runs on.
//!
//! A small model of Linux CFS's `select_task_rq_fair` wake-affine path, simplified: when a
//! thread starts doing CPU work (it acquires a P, is woken, returns from a syscall), the
//! kernel picks
//! 1. its last CPU if no other thread of the process runs there (`prev_cpu` is idle, the
//!    cache-hot choice of `select_idle_sibling`);
//! 2. else the least-loaded CPU of the last CPU's NUMA node (an idle sibling in the node's
//!    sched domain), ties by the lowest CPU index;
//! 3. else — the node has no free CPU — the least-loaded CPU anywhere (ties: the last CPU,
//!    then its node, then the lowest index), which is where a thread crosses nodes.
//!
//! A thread that never ran (a new M, `clone`) has no last CPU and takes the least-loaded
//! CPU anywhere, lowest index first (`find_idlest_cpu` of fork balancing).
//!
//! CPUs are numbered node-major: with `nodes` nodes of `cpus / nodes` hardware threads each,
//! CPU `c` is on node `c × nodes / cpus`. SMT siblings count as separate CPUs.
//!
//! # Simplifications
//! - Only the process's own threads load the CPUs (the rest of the host is idle); the load
//!   of a CPU is the number of the process's running threads placed on it.
//! - The waker's CPU plays no part (no `wake_affine` pull towards the waker), and a running
//!   thread is never moved by the periodic load balancer: a thread changes CPU only when it
//!   starts doing CPU work again.
//! - A thread placed on a CPU that already runs one shares it; how much that slows it is the
//!   machine-wide sharing factor of [`super::ossched`], not a per-CPU run queue.

use crate::sched::types::{MId, NIL};

/// The process's threads on the machine's CPUs (`select_task_rq_fair`, simplified).
#[derive(Clone, Debug)]
pub struct OsPlacement {
    /// Running threads placed on each CPU.
    load: Vec<u32>,
    /// The CPU each M last ran on (`task_cpu`), indexed by M id; `NIL`: never ran.
    last: Vec<u32>,
    nodes: u32,
    /// Times a thread was placed on another CPU than its last one, and on another node.
    pub migrations: u64,
    pub cross_node_migrations: u64,
}

impl OsPlacement {
    /// `cpus` CPUs on `nodes` nodes; room for `threads` Ms before any growth.
    pub fn new(cpus: u32, nodes: u32, threads: usize) -> OsPlacement {
        OsPlacement {
            load: vec![0; cpus.max(1) as usize],
            last: vec![NIL; threads],
            nodes: nodes.clamp(1, cpus.max(1)),
            migrations: 0,
            cross_node_migrations: 0,
        }
    }

    pub fn cpus(&self) -> u32 {
        self.load.len() as u32
    }

    /// The NUMA node of CPU `cpu` (node-major numbering).
    #[inline]
    pub fn node_of(&self, cpu: u32) -> u32 {
        (cpu as u64 * self.nodes as u64 / self.load.len() as u64) as u32
    }

    /// Running threads on CPU `cpu`.
    pub fn load(&self, cpu: u32) -> u32 {
        self.load[cpu as usize]
    }

    /// The CPU M `m` last ran on, or `NIL`.
    #[inline]
    pub fn last_cpu(&self, m: MId) -> u32 {
        self.last.get(m as usize).copied().unwrap_or(NIL)
    }

    /// Sets the CPU M `m` last ran on without placing it (for tests and tools that build a
    /// state by hand).
    pub fn set_last_cpu(&mut self, m: MId, cpu: u32) {
        let i = m as usize;
        if self.last.len() <= i {
            self.last.resize(i + 1, NIL);
        }
        self.last[i] = cpu;
    }

    /// The rule alone: the CPU a thread whose last CPU is `last` (`NIL`: none) goes to now.
    pub fn select_cpu(&self, last: u32) -> u32 {
        if last == NIL {
            return self.least_loaded(0, self.cpus(), NIL);
        }
        if self.load[last as usize] == 0 {
            return last;
        }
        let n = self.cpus() as u64;
        let node = self.node_of(last) as u64;
        let lo = (node * n).div_ceil(self.nodes as u64) as u32;
        let hi = ((node + 1) * n).div_ceil(self.nodes as u64) as u32;
        let local = self.least_loaded(lo, hi, last);
        if self.load[local as usize] == 0 {
            return local;
        }
        // The node is full: the least-loaded CPU anywhere; on equal load stay on the node.
        let any = self.least_loaded(0, self.cpus(), NIL);
        if self.load[any as usize] < self.load[local as usize] {
            any
        } else {
            local
        }
    }

    /// The least-loaded CPU in `lo..hi`: `prefer` on equal load, else the lowest index.
    fn least_loaded(&self, lo: u32, hi: u32, prefer: u32) -> u32 {
        let mut best = lo;
        for c in lo..hi {
            if self.load[c as usize] < self.load[best as usize] {
                best = c;
            }
        }
        if prefer != NIL
            && (lo..hi).contains(&prefer)
            && self.load[prefer as usize] == self.load[best as usize]
        {
            return prefer;
        }
        best
    }

    /// Places M `m` when it starts doing CPU work: picks its CPU by [`Self::select_cpu`],
    /// counts it there and as a migration if it moved. Returns the CPU.
    pub fn place(&mut self, m: MId) -> u32 {
        let i = m as usize;
        if self.last.len() <= i {
            // A new thread beyond the preallocated ones (`newm` is rare; not per event).
            self.last.resize(i + 1, NIL);
        }
        let last = self.last[i];
        let cpu = self.select_cpu(last);
        if last != NIL && cpu != last {
            self.migrations += 1;
            if self.node_of(cpu) != self.node_of(last) {
                self.cross_node_migrations += 1;
            }
        }
        self.load[cpu as usize] += 1;
        self.last[i] = cpu;
        cpu
    }

    /// Places a thread the model does not track, whose last CPU was `last`.
    pub fn place_anonymous(&mut self, last: u32) -> u32 {
        let cpu = self.select_cpu(last);
        self.load[cpu as usize] += 1;
        cpu
    }

    /// The thread on `cpu` stops doing CPU work (idle, parked, blocked in a syscall).
    pub fn release(&mut self, cpu: u32) {
        let l = &mut self.load[cpu as usize];
        debug_assert!(*l > 0, "release of an unloaded CPU {cpu}");
        *l = l.saturating_sub(1);
    }
}
