//! The page heap's states (`mheap.go`, `mgcscavenge.go`): heap memory is in use by spans,
//! free but still backed by RAM (`heapFree`), or released to the OS by the scavenger
//! (`heapReleased`). Mapped = all three; retained (RSS of the heap) = in use + free.
//!
//! # Simplifications
//! - Spans count in use whole from the refill that takes them (end-of-span reserve and
//!   rounding waste included), but sweeping frees all but the marked bytes, as if the live
//!   objects were packed perfectly: after a sweep, in-use pages equal the marked heap (no
//!   fragmentation of partly used spans, no waste kept in live spans).
//! - Arenas are not modelled: the heap grows page by page, and mapped memory never shrinks
//!   (as in the runtime, released pages stay mapped).

/// `physPageSize` on Linux amd64/arm64: the unit the kernel faults in on first touch.
pub const OS_PAGE_SIZE: u64 = 4096;

/// Where a new span's pages came from (`mheap.allocSpan`), which decides what filling it
/// costs: free pages were used before and must be cleared (`span.needzero`); released ones
/// also fault back in when first touched; grown ones are known zero (above the arena's
/// `zeroedBase`) and fault in only where something writes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanPages {
    pub free: u64,
    pub released: u64,
    pub grown: u64,
}

impl SpanPages {
    /// `mheap.allocNeedsZero`: a span needs zeroing if any of it was used before.
    pub fn needzero(&self) -> bool {
        self.free + self.released > 0
    }
}

/// Bytes in each page state.
#[derive(Clone, Debug, Default)]
pub struct PageHeap {
    /// `heapInUse`: spans in use, including garbage not yet swept.
    pub in_use: u64,
    /// `heapFree`: free pages still backed by memory.
    pub free: u64,
    /// `heapReleased`: free pages returned to the OS.
    pub released: u64,
    /// Cumulative bytes released by the scavenger, and reused after release (page faults).
    pub scavenged_total: u64,
    pub reused_released: u64,
}

impl PageHeap {
    /// `mheap.allocSpan`: `bytes` of pages for a new span, from free pages first, then
    /// released ones (`sysUsed`), then by growing the heap (`sysMap`).
    pub fn alloc_span(&mut self, bytes: u64) -> SpanPages {
        let free = bytes.min(self.free);
        self.free -= free;
        let released = (bytes - free).min(self.released);
        self.released -= released;
        self.reused_released += released;
        self.in_use += bytes;
        SpanPages {
            free,
            released,
            grown: bytes - free - released,
        }
    }

    /// `mheap.freeSpan`: swept spans with no live object go back to the free pages.
    pub fn free_span(&mut self, bytes: u64) {
        let b = bytes.min(self.in_use);
        self.in_use -= b;
        self.free += b;
    }

    /// `heapRetained`: heap memory backed by RAM.
    pub fn retained(&self) -> u64 {
        self.in_use + self.free
    }

    /// Heap memory mapped from the OS.
    pub fn mapped(&self) -> u64 {
        self.in_use + self.free + self.released
    }

    /// The scavenger releases up to `bytes` of free pages; returns what it released.
    pub fn scavenge(&mut self, bytes: u64) -> u64 {
        let b = bytes.min(self.free);
        self.free -= b;
        self.released += b;
        self.scavenged_total += b;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_move_between_states_and_are_conserved() {
        let mut h = PageHeap::default();
        let fresh = h.alloc_span(100);
        assert_eq!((fresh.grown, fresh.needzero()), (100, false));
        h.free_span(60);
        assert_eq!((h.in_use, h.free, h.released), (40, 60, 0));
        assert_eq!(h.scavenge(50), 50);
        assert_eq!(h.scavenge(50), 10, "only free pages can be released");
        // Free pages are used first, then released ones, then the heap grows.
        h.free_span(40);
        let sp = h.alloc_span(100);
        assert_eq!((sp.free, sp.released, sp.grown), (40, 60, 0));
        assert!(sp.needzero());
        assert_eq!((h.in_use, h.free, h.released), (100, 0, 0));
        h.alloc_span(10);
        assert_eq!(h.mapped(), 110);
        assert_eq!(h.retained(), 110);
    }
}
