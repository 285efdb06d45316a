//! How the per-byte mark cost depends on the size of the heap being marked.
//!
//! Marking a random pointer graph is a stream of dependent loads: each pointer leads to an
//! object (its mark bits, then its words) anywhere in the heap. While the reachable heap fits
//! in the caches and the TLB's reach those loads hit; as it grows, more of them go to memory.
//! Go's own gcsteady builds show it (`realgo/data/gc_cycles.csv`, every published pointerful
//! build cycle from a 3 to a 66 MiB heap): the mark CPU per MiB grows by a near-constant step
//! each time the heap doubles, 0.15 of the 64 MiB cost with Green Tea (91 marks) and 0.18 with
//! the classic loop (88 marks); a 12 MiB heap marks at about 0.55 of the 64 MiB cost per byte.
//!
//! `costs.mark_per_kib_*` are measured on a 64 MiB graph ([`REF_HEAP`]), so the model scales
//! them by `1 - machine.mark_cost_per_doubling × log2(64 MiB / heap)`, with the heap held at
//! least `machine.mark_cache_floor`.
//!
//! # Simplifications
//! - One step per doubling for both mark loops (0.165, between the two fits), a machine
//!   property rather than the collector's.
//! - Heaps above 64 MiB mark at the 64 MiB cost: Go's Green Tea cost is already flat from
//!   45 MiB on, and nothing larger was measured.
//! - The heap is the reachable heap at sweep termination, fixed for the cycle; objects the
//!   mutator allocates during the mark (black, never scanned) do not change it.

/// The reachable heap on which `costs.mark_per_kib_greentea`/`_classic` were measured.
pub const REF_HEAP: u64 = 64 << 20;

/// The mark cost per KiB for a cycle whose reachable heap is `heap` bytes: `ref_ns_per_kib`
/// (the 64 MiB cost) scaled down for a heap that better fits in cache.
pub fn mark_ns_per_kib(ref_ns_per_kib: u64, heap: u64, per_doubling: f64, floor: u64) -> u64 {
    let h = heap.clamp(floor.clamp(1, REF_HEAP), REF_HEAP);
    let factor = 1.0 - per_doubling * (REF_HEAP as f64 / h as f64).log2();
    ((ref_ns_per_kib as f64 * factor.max(0.0)).round() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_per_halving_down_to_the_floor() {
        let f = |h: u64| mark_ns_per_kib(1000, h, 0.165, 2 << 20);
        assert_eq!(f(64 << 20), 1000);
        assert_eq!(f(1 << 30), 1000, "flat above the 64 MiB reference");
        assert_eq!(f(32 << 20), 835);
        assert_eq!(f(16 << 20), 670);
        assert_eq!(f(2 << 20), 175);
        assert_eq!(f(1 << 20), 175, "held at the floor");
        assert_eq!(
            mark_ns_per_kib(1000, 4 << 20, 0.0, 2 << 20),
            1000,
            "0 turns it off"
        );
    }
}
