//! The heap as the GC sees it (`malloc.go`, `mcache.go`, `mcentral.go`, `mheap.go`): objects
//! rounded to size classes, per-P mcaches that count a whole span into `heapLive` when they
//! take one, large objects straight from the page heap, and what is reachable now.
//!
//! Allocations are kept in aggregate (bytes per owner or per death time), never per object,
//! so hundreds of thousands of requests per second stay cheap.
//!
//! # Simplifications
//! - Every span an mcache takes is fresh (all its slots free); partially used spans from
//!   sweeping are not modelled, so `heapLive` grows by whole spans (`refill` adds the span's
//!   pages, the end-of-span reserve and rounding waste included, as the runtime does).
//! - Page states (in use, free, released) are in `pages.rs`, with its own simplifications.
//! - Tiny-allocator batching (< 16 B noscan) is not modelled; such objects use class 2.

pub mod pages;
pub mod sizeclasses;

use sim_core::Nanos;
use sizeclasses::{MAX_SMALL_SIZE, PAGE_SIZE, SpanLayout, class_info, size_to_class, span_nelems};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Number of size classes (`_NumSizeClasses`).
pub const NUM_CLASSES: usize = sizeclasses::CLASS_TO_SIZE.len();

/// Span classes: a scan and a noscan one per size class (`numSpanClasses`).
pub const NUM_SPAN_CLASSES: usize = 2 * NUM_CLASSES;

/// `goarch.PtrSize`: bytes per pointer word (amd64, arm64).
pub const PTR_SIZE: u64 = 8;

/// Scannable bytes of some objects, as Go's pacer counts them (`heapScan`, `heapScanWork`:
/// each object up to its last pointer word), and the pointer words among them (bytes), which
/// is what marking's CPU pays for: a slice of 24 B slice headers is scannable whole but one
/// word in three is a pointer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    pub bytes: u64,
    pub ptrs: u64,
}

impl Scan {
    /// Scannable bytes that are all pointer words.
    pub fn dense(bytes: u64) -> Scan {
        Scan { bytes, ptrs: bytes }
    }

    pub fn saturating_sub(self, o: Scan) -> Scan {
        Scan {
            bytes: self.bytes.saturating_sub(o.bytes),
            ptrs: self.ptrs.saturating_sub(o.ptrs),
        }
    }
}

impl std::ops::Add for Scan {
    type Output = Scan;
    fn add(self, o: Scan) -> Scan {
        Scan {
            bytes: self.bytes + o.bytes,
            ptrs: self.ptrs + o.ptrs,
        }
    }
}

impl std::ops::AddAssign for Scan {
    fn add_assign(&mut self, o: Scan) {
        *self = *self + o;
    }
}

/// What an allocation did to the runtime's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Malloc {
    /// Bytes handed out (object sizes rounded up to their class, or whole pages).
    pub bytes: u64,
    /// Scannable part of them.
    pub scan: Scan,
    /// Growth of `heapLive` (spans taken by the mcache, large objects).
    pub heap_live: u64,
    /// An mcache refill or a large allocation happened: `mallocgc` tests the GC trigger.
    pub check_trigger: bool,
    /// Objects allocated (fewer than asked when the trigger was reached part-way).
    pub objects: u64,
}

/// Objects that die at a known time: (when, seq, bytes, scannable bytes, pointer bytes).
type Death = (Nanos, u64, u64, u64, u64);

/// The heap.
#[derive(Clone, Debug)]
pub struct Heap {
    /// Per P, per span class (size class × 2 + noscan): object slots left in the span the
    /// mcache holds.
    pub mcache: Vec<[u32; NUM_SPAN_CLASSES]>,
    /// Objects per span of each span class (`mspan.nelems`).
    nelems: [u32; NUM_SPAN_CLASSES],
    /// Bytes of objects reachable now, and their scannable part.
    pub live_bytes: u64,
    pub live_scan: Scan,
    /// Objects that die at a known time.
    deaths: BinaryHeap<Reverse<Death>>,
    death_seq: u64,
    /// Bytes that are never freed (a leak).
    pub leaked_bytes: u64,
    /// Cumulative allocation.
    pub total_bytes: u64,
    pub total_objects: u64,
    /// Page states: in use, free, released.
    pub pages: pages::PageHeap,
}

impl Heap {
    pub fn new(procs: usize, layout: SpanLayout) -> Self {
        let mut nelems = [0; NUM_SPAN_CLASSES];
        for (spc, n) in nelems.iter_mut().enumerate() {
            *n = span_nelems(spc >> 1, spc & 1 == 1, layout) as u32;
        }
        Heap {
            mcache: vec![[0; NUM_SPAN_CLASSES]; procs],
            nelems,
            live_bytes: 0,
            live_scan: Scan::default(),
            deaths: BinaryHeap::new(),
            death_seq: 0,
            leaked_bytes: 0,
            total_bytes: 0,
            total_objects: 0,
            pages: pages::PageHeap::default(),
        }
    }

    /// GOMAXPROCS changed: one mcache per P.
    pub fn resize(&mut self, procs: usize) {
        self.mcache.resize(procs, [0; NUM_SPAN_CLASSES]);
    }

    /// `mcache.releaseAll` at the end of a cycle: the next allocation of every class refills.
    pub fn flush_mcaches(&mut self) {
        for c in &mut self.mcache {
            *c = [0; NUM_SPAN_CLASSES];
        }
    }

    /// `mallocgc` of up to `count` objects of `size` bytes on P `p` (the counting part). Each
    /// object is a separate `mallocgc` in the runtime, which tests the trigger after an mcache
    /// refill or a large object: when `heap_live + growth` reaches `trigger`, allocation stops
    /// after that object (`objects` says how many were allocated) so the caller can start a
    /// cycle before the rest.
    pub fn mallocgc(
        &mut self,
        p: usize,
        size: u64,
        count: u64,
        (scan_frac, ptr_frac): (f64, f64),
        heap_live: u64,
        trigger: u64,
    ) -> Malloc {
        let mut m = Malloc::default();
        if size == 0 || count == 0 {
            // Zero-sized objects are all `&zerobase`: allocated, nothing counted.
            m.objects = count;
            return m;
        }
        if size > MAX_SMALL_SIZE {
            // Large: a span of whole pages per object.
            let bytes = size.div_ceil(PAGE_SIZE) * PAGE_SIZE;
            let room = trigger.saturating_sub(heap_live);
            let n = if room == 0 {
                1
            } else {
                count.min(room.div_ceil(bytes))
            };
            m.objects = n;
            m.bytes = bytes.saturating_mul(n);
            m.heap_live = m.bytes;
            m.check_trigger = true;
        } else {
            let class = size_to_class(size);
            let (osz, span, _) = class_info(class);
            // Pointer-free objects come from the class's noscan spans.
            let spc = class << 1 | usize::from(scan_frac <= 0.0);
            let nelems = self.nelems[spc];
            let slots = &mut self.mcache[p][spc];
            let mut need = count;
            while need > 0 {
                let mut refilled = false;
                if *slots == 0 {
                    // `refill`: a fresh span; heapLive counts all its pages now
                    // (`npages*pageSize - usedBytes`), reserve and waste included.
                    *slots = nelems;
                    m.heap_live += span;
                    m.check_trigger = true;
                    refilled = true;
                }
                if refilled && heap_live + m.heap_live >= trigger {
                    // This object's mallocgc starts a cycle.
                    *slots -= 1;
                    need -= 1;
                    break;
                }
                let take = need.min(*slots as u64);
                *slots -= take as u32;
                need -= take;
            }
            m.objects = count - need;
            m.bytes = osz.saturating_mul(m.objects);
        }
        let scan = (m.bytes as f64 * scan_frac) as u64;
        m.scan = Scan {
            bytes: scan,
            ptrs: (scan as f64 * ptr_frac) as u64,
        };
        self.total_bytes += m.bytes;
        self.total_objects += m.objects;
        m
    }

    /// Objects become reachable (for as long as their owner keeps them).
    pub fn hold(&mut self, bytes: u64, scan: Scan) {
        self.live_bytes += bytes;
        self.live_scan += scan;
    }

    /// Objects become unreachable.
    pub fn drop_live(&mut self, bytes: u64, scan: Scan) {
        self.live_bytes = self.live_bytes.saturating_sub(bytes);
        self.live_scan = self.live_scan.saturating_sub(scan);
    }

    /// Objects that die at `when`.
    pub fn hold_until(&mut self, when: Nanos, bytes: u64, scan: Scan) {
        self.hold(bytes, scan);
        self.death_seq += 1;
        let (s, p) = (scan.bytes, scan.ptrs);
        self.deaths
            .push(Reverse((when, self.death_seq, bytes, s, p)));
    }

    /// Applies every death up to `now` (lazily, when the GC looks).
    pub fn process_deaths(&mut self, now: Nanos) {
        while let Some(Reverse((t, _, b, s, p))) = self.deaths.peek().copied() {
            if t > now {
                break;
            }
            self.deaths.pop();
            self.drop_live(b, Scan { bytes: s, ptrs: p });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refill_counts_the_whole_span_in_heap_live() {
        let mut h = Heap::new(1, SpanLayout::default());
        // 120 B rounds up to the 128 B class: 64 objects per 8 KiB span.
        let m = h.mallocgc(0, 120, 1, (0.0, 1.0), 0, u64::MAX);
        assert_eq!((m.bytes, m.heap_live, m.check_trigger), (128, 8192, true));
        let m = h.mallocgc(0, 128, 63, (0.0, 1.0), 0, u64::MAX);
        assert_eq!(
            (m.heap_live, m.check_trigger),
            (0, false),
            "the span still has slots"
        );
        let m = h.mallocgc(0, 128, 1, (0.0, 1.0), 0, u64::MAX);
        assert_eq!(
            (m.heap_live, m.check_trigger),
            (8192, true),
            "the 65th object needs a new span"
        );
        h.flush_mcaches();
        assert!(h.mallocgc(0, 128, 1, (0.0, 1.0), 0, u64::MAX).check_trigger);
    }

    #[test]
    fn heap_live_counts_the_span_pages_and_each_span_class_has_its_own_span() {
        let layout = SpanLayout {
            heap_bits_in_span: true,
            inline_mark_bits: true,
        };
        let mut h = Heap::new(1, layout);
        // 512 B pointerful: 15 objects per span, but the refill counts all 8192 bytes.
        let m = h.mallocgc(0, 512, 15, (1.0, 1.0), 0, u64::MAX);
        assert_eq!((m.bytes, m.heap_live), (15 * 512, 8192));
        let m = h.mallocgc(0, 512, 1, (1.0, 1.0), 0, u64::MAX);
        assert_eq!(m.heap_live, 8192, "the 16th object needs a new span");
        // Pointer-free 512 B objects come from the noscan span class: a span of their own.
        let m = h.mallocgc(0, 512, 1, (0.0, 1.0), 0, u64::MAX);
        assert_eq!(m.heap_live, 8192);
        let m = h.mallocgc(0, 512, 14, (0.0, 1.0), 0, u64::MAX);
        assert_eq!(
            m.heap_live, 0,
            "15 noscan objects fit under the inline mark bits"
        );
    }

    #[test]
    fn zero_sized_objects_are_all_allocated_and_count_nothing() {
        let mut h = Heap::new(1, SpanLayout::default());
        let m = h.mallocgc(0, 0, 5, (1.0, 1.0), 0, 0);
        assert_eq!((m.objects, m.bytes, m.heap_live), (5, 0, 0));
        assert!(!m.check_trigger);
    }

    #[test]
    fn large_objects_take_whole_pages() {
        let mut h = Heap::new(1, SpanLayout::default());
        let m = h.mallocgc(0, 40_000, 2, (1.0, 1.0), 0, u64::MAX);
        assert_eq!(m.bytes, 2 * 5 * 8192);
        assert_eq!(m.heap_live, m.bytes);
        assert_eq!(m.scan, Scan::dense(m.bytes));
    }

    #[test]
    fn allocation_stops_at_the_trigger() {
        let mut h = Heap::new(1, SpanLayout::default());
        // 40 KiB objects take 5 pages each: the third crosses a 100 KiB trigger.
        let m = h.mallocgc(0, 40_000, 10, (0.0, 1.0), 0, 100 << 10);
        assert_eq!(m.objects, 3);
        // Small objects: the refill that crosses the trigger allocates one more object.
        let m = h.mallocgc(0, 128, 1000, (0.0, 1.0), 0, 3 * 8192);
        assert_eq!(
            m.objects, 129,
            "two full spans, then the object of the third refill"
        );
    }

    #[test]
    fn deaths_apply_in_time_order_and_never_underflow() {
        let mut h = Heap::new(1, SpanLayout::default());
        h.hold_until(10, 100, Scan::dense(10));
        h.hold_until(5, 50, Scan::default());
        h.process_deaths(7);
        assert_eq!(h.live_bytes, 100);
        h.process_deaths(10);
        assert_eq!(h.live_bytes, 0);
        h.drop_live(1, Scan::dense(1));
        assert_eq!((h.live_bytes, h.live_scan), (0, Scan::default()));
    }
}
