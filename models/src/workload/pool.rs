//! `sync.Pool` (`src/sync/pool.go`): a per-P private slot and a shared chain, emptied into the
//! victim cache at every GC and dropped at the next (Go 1.13+), so an object that nobody takes
//! survives one cycle in the victim cache and is freed by the second.
//!
//! A pooled object is live heap: it counts in the marked heap and so in the goal until it is
//! dropped. A goroutine holding an object from `pool_get` owns it like an allocation with
//! lifetime `"goroutine"` (it becomes garbage if the goroutine exits without `pool_put`).
//!
//! # Simplifications
//! - `Get` and `Put` take no CPU time (tens of nanoseconds in Go); only their effect on the
//!   heap is modelled. A miss allocates through `mallocgc` like `alloc`.
//! - `Get` asks for a size: a pooled object smaller than that is dropped and a new one
//!   allocated (what `bytes.Buffer` growth does to a pooled buffer); in Go the caller decides.
//! - `Put` returns the object this goroutine got last from the same pool; a `Put` without a
//!   held object does nothing. Objects are (bytes, scannable bytes), not identities.
//! - `poolCleanup` runs with the world stopped for sweep termination (`clearpools` in
//!   `gcStart`), before the cycle's live heap is taken, so the dropped victims are not marked.
//! - When GOMAXPROCS grows past a pool's per-P array, the array is replaced and the objects in
//!   the old one become garbage, as `pinSlow` does.

use crate::gc::cycle::GcPhase;
use crate::heap::sizeclasses::{MAX_SMALL_SIZE, PAGE_SIZE, class_info, size_to_class};
use crate::scenario::Scenario;
use crate::sched::types::GId;
use crate::sim::World;
use serde::Serialize;
use std::collections::VecDeque;

/// A pooled object: its bytes as allocated (rounded to its size class) and their scannable part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Obj {
    pub bytes: u64,
    pub scan: crate::heap::Scan,
}

/// `poolLocalInternal`: the private slot and the shared chain (head at the back).
#[derive(Clone, Debug, Default)]
struct Local {
    private: Option<Obj>,
    shared: VecDeque<Obj>,
}

impl Local {
    fn bytes(&self) -> (u64, crate::heap::Scan) {
        self.private
            .iter()
            .chain(self.shared.iter())
            .fold((0, Default::default()), |(b, s), o| {
                (b + o.bytes, s + o.scan)
            })
    }
    fn count(&self) -> u64 {
        self.private.is_some() as u64 + self.shared.len() as u64
    }
}

/// Counters of one pool, reported in the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PoolStats {
    pub name: String,
    pub gets: u64,
    /// Gets that reused a pooled object (no allocation), from the primary or victim cache.
    pub hits: u64,
    /// Of the hits, those served by the victim cache.
    pub victim_hits: u64,
    /// Gets that allocated because the pool was empty.
    pub misses: u64,
    /// Gets that found an object too small for `size`, dropped it and allocated.
    pub too_small: u64,
    pub puts: u64,
    /// Puts that dropped the object because it was above `max_size`.
    pub put_dropped: u64,
    /// Objects and bytes freed because they sat in the victim cache through a whole cycle.
    pub gc_dropped_objects: u64,
    pub gc_dropped_bytes: u64,
    /// Bytes in the pool (primary and victim) now and at their peak.
    pub pooled_bytes: u64,
    pub pooled_peak_bytes: u64,
    /// hits / gets.
    pub hit_rate: f64,
}

/// One `sync.Pool`.
#[derive(Clone, Debug, Default)]
struct Pool {
    local: Vec<Local>,
    victim: Vec<Local>,
    stats: PoolStats,
}

/// Every pool of the program, and the objects goroutines hold.
#[derive(Clone, Debug, Default)]
pub struct Pools {
    pools: Vec<Pool>,
    /// Per G: the goid that owns the list and its held objects (pool, object), last got last.
    /// A list whose goid is not the G's current one belonged to a goroutine that exited.
    held: Vec<(u64, Vec<(u32, Obj)>)>,
}

/// The bytes `mallocgc` hands out for `size`: its size class, or whole pages.
fn rounded(size: u64) -> u64 {
    if size == 0 {
        0 // mallocgc(0) returns zerobase: nothing allocated
    } else if size > MAX_SMALL_SIZE {
        size.div_ceil(PAGE_SIZE) * PAGE_SIZE
    } else {
        class_info(size_to_class(size)).0
    }
}

impl Pools {
    pub fn new(s: &Scenario) -> Self {
        Pools {
            pools: s
                .pools
                .iter()
                .map(|p| Pool {
                    stats: PoolStats {
                        name: p.name.clone(),
                        ..Default::default()
                    },
                    ..Default::default()
                })
                .collect(),
            held: Vec::new(),
        }
    }

    /// The summary's per-pool counters.
    pub fn stats(&self) -> Vec<PoolStats> {
        self.pools
            .iter()
            .map(|p| {
                let mut s = p.stats.clone();
                s.hit_rate = if s.gets > 0 {
                    s.hits as f64 / s.gets as f64
                } else {
                    0.0
                };
                s
            })
            .collect()
    }

    /// Bytes in every pool now.
    pub fn pooled_bytes(&self) -> u64 {
        self.pools.iter().map(|p| p.stats.pooled_bytes).sum()
    }

    /// The held list of G `g` (cleared if it belonged to an earlier goroutine).
    fn held(&mut self, g: GId, goid: u64) -> &mut Vec<(u32, Obj)> {
        let i = g as usize;
        if self.held.len() <= i {
            self.held.resize_with(i + 1, || (u64::MAX, Vec::new()));
        }
        let h = &mut self.held[i];
        if h.0 != goid {
            h.0 = goid;
            h.1.clear();
        }
        &mut h.1
    }
}

impl Pool {
    /// `Pool.Get`'s search: private, shared head, other Ps' shared tails, then the victim
    /// cache (`getSlow`).
    fn take(&mut self, pid: usize) -> Option<(Obj, bool)> {
        if let Some(l) = self.local.get_mut(pid) {
            if let Some(o) = l.private.take() {
                return Some((o, false));
            }
            if let Some(o) = l.shared.pop_back() {
                return Some((o, false));
            }
        }
        let n = self.local.len();
        for i in 0..n {
            if let Some(o) = self.local[(pid + i + 1) % n].shared.pop_front() {
                return Some((o, false));
            }
        }
        let n = self.victim.len();
        if pid >= n {
            return None;
        }
        if let Some(o) = self.victim[pid].private.take() {
            return Some((o, true));
        }
        for i in 0..n {
            if let Some(o) = self.victim[(pid + i) % n].shared.pop_front() {
                return Some((o, true));
            }
        }
        // Mark the victim cache empty for future gets (victimSize = 0).
        self.victim.clear();
        None
    }
}

impl World {
    /// `sync.Pool.Get` by G `g` on its P. Returns true when a pooled object was reused; false
    /// when the caller must allocate `size` bytes (it is then held by `g`, with lifetime
    /// `"goroutine"`).
    pub fn pool_get(&mut self, g: GId, pool: u32, size: u64, scan: f64) -> bool {
        let m = self.gs[g as usize].m;
        let pid = self.ms[m as usize].p as usize;
        let goid = self.gs[g as usize].goid;
        self.pool_pin(pool);
        let pl = &mut self.sync.pools.pools[pool as usize];
        pl.stats.gets += 1;
        let got = pl.take(pid);
        if let Some((o, _)) = got {
            pl.stats.pooled_bytes -= o.bytes;
        }
        match got {
            Some((o, victim)) if o.bytes >= size => {
                pl.stats.hits += 1;
                pl.stats.victim_hits += victim as u64;
                let gg = &mut self.gs[g as usize];
                gg.owned_g.0 += o.bytes;
                gg.owned_g.1 += o.scan;
                self.sync.pools.held(g, goid).push((pool, o));
                true
            }
            other => {
                if let Some((o, _)) = other {
                    // Too small: the caller drops it and allocates a bigger one.
                    pl.stats.too_small += 1;
                    self.gc.heap.drop_live(o.bytes, o.scan);
                } else {
                    pl.stats.misses += 1;
                }
                let bytes = rounded(size);
                let o = Obj {
                    bytes,
                    scan: crate::heap::Scan::dense((bytes as f64 * scan) as u64),
                };
                self.sync.pools.held(g, goid).push((pool, o));
                false
            }
        }
    }

    /// `sync.Pool.Put` by G `g` of the object it got last from `pool` (dropped instead when
    /// larger than `max_size`).
    pub fn pool_put(&mut self, g: GId, pool: u32, max_size: u64) {
        let m = self.gs[g as usize].m;
        let pid = self.ms[m as usize].p as usize;
        let goid = self.gs[g as usize].goid;
        let held = self.sync.pools.held(g, goid);
        let Some(i) = held.iter().rposition(|(p, _)| *p == pool) else {
            return;
        };
        let (_, o) = held.remove(i);
        let gg = &mut self.gs[g as usize];
        gg.owned_g.0 = gg.owned_g.0.saturating_sub(o.bytes);
        gg.owned_g.1 = gg.owned_g.1.saturating_sub(o.scan);
        self.pool_pin(pool);
        let pl = &mut self.sync.pools.pools[pool as usize];
        if o.bytes > max_size {
            pl.stats.put_dropped += 1;
            self.gc.heap.drop_live(o.bytes, o.scan);
            return;
        }
        pl.stats.puts += 1;
        let l = &mut pl.local[pid];
        if l.private.is_none() {
            l.private = Some(o);
        } else {
            l.shared.push_back(o);
        }
        pl.stats.pooled_bytes += o.bytes;
        pl.stats.pooled_peak_bytes = pl.stats.pooled_peak_bytes.max(pl.stats.pooled_bytes);
    }

    /// `Pool.pin` → `pinSlow`: the per-P array exists and covers every P; an array from a
    /// smaller GOMAXPROCS is replaced and its objects become garbage.
    fn pool_pin(&mut self, pool: u32) {
        let procs = self.gomaxprocs as usize;
        let pl = &mut self.sync.pools.pools[pool as usize];
        if pl.local.len() >= procs {
            return;
        }
        let (mut b, mut s, mut n) = (0, crate::heap::Scan::default(), 0);
        for l in &pl.local {
            let (lb, ls) = l.bytes();
            b += lb;
            s += ls;
            n += l.count();
        }
        pl.stats.pooled_bytes -= b;
        pl.stats.gc_dropped_objects += n;
        pl.stats.gc_dropped_bytes += b;
        pl.local = vec![Local::default(); procs];
        self.gc.heap.drop_live(b, s);
    }

    /// `poolCleanup` (called by `clearpools` with the world stopped in `gcStart`): drop every
    /// victim cache, then move every primary cache to the victim cache.
    pub fn pool_cleanup(&mut self) {
        debug_assert!(self.gc.phase != GcPhase::Mark);
        let (mut b, mut s) = (0, crate::heap::Scan::default());
        for pl in &mut self.sync.pools.pools {
            for l in &pl.victim {
                let (lb, ls) = l.bytes();
                pl.stats.gc_dropped_objects += l.count();
                pl.stats.gc_dropped_bytes += lb;
                pl.stats.pooled_bytes -= lb;
                b += lb;
                s += ls;
            }
            pl.victim = std::mem::take(&mut pl.local);
        }
        self.gc.heap.drop_live(b, s);
    }
}
