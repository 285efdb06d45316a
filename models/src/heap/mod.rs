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
//! - The tiny allocator (`mallocgcTiny`: pointer-free objects under 16 B packed into 16 B
//!   blocks) is followed per P and batch in closed form. A block belongs to the batch that
//!   opened it: its 16 B live and die with that batch's objects, while the runtime keeps a
//!   block alive as long as any object in it is; objects placed in an already open block add
//!   no bytes. Their assist debt is counted in blocks (16 B each), where the runtime charges
//!   each object's own size plus a new block's unused rest.

pub mod pages;
pub mod sizeclasses;

use pages::OS_PAGE_SIZE;
use sim_core::Nanos;
use sizeclasses::{MAX_SMALL_SIZE, PAGE_SIZE, SpanLayout, class_info, size_to_class, span_nelems};

/// `maxTinySize`: pointer-free objects below this size share 16 B blocks.
pub const MAX_TINY_SIZE: u64 = 16;

/// `tinySpanClass`: the noscan span class of 16 B objects (size class 2).
const TINY_SPAN_CLASS: usize = 2 << 1 | 1;
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
    /// Bytes of objects that `mallocgc` clears because their span reuses memory
    /// (`span.needzero` → `memclrNoHeapPointers`).
    pub zeroed: u64,
    /// OS pages of new spans that had never been used (heap growth): they fault in where
    /// something first writes them.
    pub fresh_pages: u64,
    /// Of those, the pages the span's setup writes: the last page of a span that keeps its
    /// heap bits or inline mark bits at its end (`initHeapBits`, `initInlineMarkBits`).
    pub setup_pages: u64,
    /// OS pages of new spans the scavenger had released: clearing them faults them back in.
    pub released_pages: u64,
}

/// Objects that die at a known time: (when, seq, bytes, scannable bytes, pointer bytes).
type Death = (Nanos, u64, u64, u64, u64);

/// The heap.
#[derive(Clone, Debug)]
pub struct Heap {
    /// Per P, per span class (size class × 2 + noscan): object slots left in the span the
    /// mcache holds.
    pub mcache: Vec<[u32; NUM_SPAN_CLASSES]>,
    /// Per P, per span class: the span the mcache holds reuses memory (`span.needzero`).
    needzero: Vec<[bool; NUM_SPAN_CLASSES]>,
    /// Objects per span of each span class (`mspan.nelems`).
    nelems: [u32; NUM_SPAN_CLASSES],
    /// Span classes whose setup writes metadata at the span's end (those that reserve room
    /// there: heap bits, inline mark bits).
    setup_writes: [bool; NUM_SPAN_CLASSES],
    /// Per P: `mcache.tinyoffset`, bytes used in the current tiny block (`MAX_TINY_SIZE`: no
    /// block, `mcache.tiny == 0`).
    tiny_offset: Vec<u64>,
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
        let mut setup_writes = [false; NUM_SPAN_CLASSES];
        for (spc, n) in nelems.iter_mut().enumerate() {
            let noscan = spc & 1 == 1;
            *n = span_nelems(spc >> 1, noscan, layout) as u32;
            let no_reserve = span_nelems(spc >> 1, noscan, SpanLayout::default()) as u32;
            setup_writes[spc] = *n < no_reserve;
        }
        Heap {
            mcache: vec![[0; NUM_SPAN_CLASSES]; procs],
            needzero: vec![[false; NUM_SPAN_CLASSES]; procs],
            nelems,
            setup_writes,
            tiny_offset: vec![MAX_TINY_SIZE; procs],
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
        self.needzero.resize(procs, [false; NUM_SPAN_CLASSES]);
        self.tiny_offset.resize(procs, MAX_TINY_SIZE);
    }

    /// `mcache.releaseAll` at the end of a cycle: the next allocation of every class refills.
    pub fn flush_mcaches(&mut self) {
        for c in &mut self.mcache {
            *c = [0; NUM_SPAN_CLASSES];
        }
        // "Clear tinyalloc pool."
        self.tiny_offset.fill(MAX_TINY_SIZE);
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
            // `allocLarge`: no metadata in the span (its type is `span.largeType`); what was
            // used before is cleared.
            let sp = self.pages.alloc_span(m.bytes);
            m.zeroed = sp.free + sp.released;
            m.fresh_pages = sp.grown.div_ceil(OS_PAGE_SIZE);
            m.released_pages = sp.released.div_ceil(OS_PAGE_SIZE);
        } else if scan_frac <= 0.0 && size < MAX_TINY_SIZE {
            m = self.malloc_tiny(p, size, count, heap_live, trigger);
        } else {
            // Pointer-free objects come from the class's noscan spans.
            let spc = size_to_class(size) << 1 | usize::from(scan_frac <= 0.0);
            m = self.malloc_small(p, spc, count, heap_live, trigger);
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

    /// Up to `count` objects of span class `spc` from P `p`'s mcache, refilling it with fresh
    /// spans (`nextFreeFast`, `mcache.nextFree` → `refill`); stops after the object whose
    /// refill takes `heapLive` to `trigger`.
    fn malloc_small(
        &mut self,
        p: usize,
        spc: usize,
        count: u64,
        heap_live: u64,
        trigger: u64,
    ) -> Malloc {
        let mut m = Malloc::default();
        let (osz, span, _) = class_info(spc >> 1);
        let nelems = self.nelems[spc];
        let mut need = count;
        while need > 0 {
            let mut refilled = false;
            if self.mcache[p][spc] == 0 {
                // `refill`: a fresh span; heapLive counts all its pages now
                // (`npages*pageSize - usedBytes`), reserve and waste included.
                self.mcache[p][spc] = nelems;
                m.heap_live += span;
                m.check_trigger = true;
                refilled = true;
                let sp = self.pages.alloc_span(span);
                self.needzero[p][spc] = sp.needzero();
                m.fresh_pages += sp.grown.div_ceil(OS_PAGE_SIZE);
                m.released_pages += sp.released.div_ceil(OS_PAGE_SIZE);
                if sp.grown > 0 && self.setup_writes[spc] {
                    // Free pages are taken first, so the span's last page is a grown one.
                    m.setup_pages += 1;
                }
            }
            // This object's mallocgc starts a cycle: it is the batch's last.
            let stop = refilled && heap_live + m.heap_live >= trigger;
            let slots = &mut self.mcache[p][spc];
            let take = if stop { 1 } else { need.min(*slots as u64) };
            *slots -= take as u32;
            need -= take;
            if self.needzero[p][spc] {
                m.zeroed += take * osz;
            }
            if stop {
                break;
            }
        }
        m.objects = count - need;
        m.bytes = osz.saturating_mul(m.objects);
        m
    }

    /// `mallocgcTiny` for `count` pointer-free objects of `size` < 16 B on P `p`: they go at
    /// the next suitably aligned offset of the current 16 B block while they fit, then into
    /// new blocks (16 B objects of the tiny span class). A new block becomes the current one
    /// if it has more room left (`size < c.tinyoffset`), which for objects of up to 8 B is
    /// always.
    fn malloc_tiny(
        &mut self,
        p: usize,
        size: u64,
        count: u64,
        heap_live: u64,
        trigger: u64,
    ) -> Malloc {
        let align = if size & 7 == 0 {
            8
        } else if size & 3 == 0 {
            4
        } else if size & 1 == 0 {
            2
        } else {
            1
        };
        let off = self.tiny_offset[p];
        let at = off.next_multiple_of(align);
        let fit = if at + size <= MAX_TINY_SIZE {
            count.min((MAX_TINY_SIZE - at) / size)
        } else {
            0
        };
        if fit > 0 {
            self.tiny_offset[p] = at + fit * size;
        }
        let rest = count - fit;
        if rest == 0 {
            return Malloc {
                objects: count,
                ..Malloc::default()
            };
        }
        let per_block = MAX_TINY_SIZE / size;
        let blocks = rest.div_ceil(per_block);
        let old = self.tiny_offset[p];
        let mut m = self.malloc_small(p, TINY_SPAN_CLASS, blocks, heap_live, trigger);
        // The last new block holds `last` objects, or only the first if its refill reached
        // the trigger: that object's `mallocgc` starts a cycle before the rest.
        let stopped = m.check_trigger && heap_live + m.heap_live >= trigger;
        let (placed, last) = if stopped {
            (fit + (m.objects - 1) * per_block + 1, 1)
        } else {
            (count, rest - (blocks - 1) * per_block)
        };
        if per_block > 1 || size < old {
            self.tiny_offset[p] = last * size;
        }
        m.objects = placed;
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

    /// `span.needzero`: memory the heap grows into is not cleared and faults in only where
    /// written (Green Tea's span setup writes the last page of a 128 B span, classic's
    /// writes nothing there); reused pages are cleared object by object; released ones are
    /// cleared and fault in again.
    #[test]
    fn new_memory_is_not_cleared_and_reused_memory_is() {
        let classic = SpanLayout {
            heap_bits_in_span: true,
            inline_mark_bits: false,
        };
        let greentea = SpanLayout {
            inline_mark_bits: true,
            ..classic
        };
        let noscan = (0.0, 1.0);
        let mut c = Heap::new(1, classic);
        let m = c.mallocgc(0, 128, 10, noscan, 0, u64::MAX);
        assert_eq!((m.zeroed, m.fresh_pages, m.setup_pages), (0, 2, 0));
        let mut g = Heap::new(1, greentea);
        let m = g.mallocgc(0, 128, 10, noscan, 0, u64::MAX);
        assert_eq!((m.zeroed, m.fresh_pages, m.setup_pages), (0, 2, 1));
        // Classic pointerful 128 B spans keep their heap bits at the end too.
        let m = c.mallocgc(0, 128, 1, (1.0, 1.0), 0, u64::MAX);
        assert_eq!(m.setup_pages, 1);
        // Two spans' pages come back free, one of them released: the next spans reuse them.
        c.pages.free_span(2 * PAGE_SIZE);
        c.pages.scavenge(PAGE_SIZE);
        c.flush_mcaches();
        let m = c.mallocgc(0, 128, 64 + 10, noscan, 0, u64::MAX);
        assert_eq!(
            m.zeroed,
            74 * 128,
            "every object of a reused span is cleared"
        );
        assert_eq!((m.fresh_pages, m.released_pages), (0, 2));
        // A large object across free and grown pages: only the used part is cleared.
        let mut l = Heap::new(1, classic);
        l.pages.alloc_span(3 * PAGE_SIZE);
        l.pages.free_span(3 * PAGE_SIZE);
        let m = l.mallocgc(0, 5 * PAGE_SIZE, 1, noscan, 0, u64::MAX);
        assert_eq!((m.zeroed, m.fresh_pages), (3 * PAGE_SIZE, 4));
    }

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

    /// `mallocgcTiny`: pointer-free objects under 16 B share 16 B blocks, at offsets
    /// aligned to 8, 4 or 2 by their size; a new block replaces the current one when it has
    /// more room left.
    #[test]
    fn tiny_objects_share_16_byte_blocks() {
        let noscan = (0.0, 0.0);
        let blocks = |size: u64, count: u64| {
            let mut h = Heap::new(1, SpanLayout::default());
            let m = h.mallocgc(0, size, count, noscan, 0, u64::MAX);
            assert_eq!(m.objects, count);
            m.bytes / MAX_TINY_SIZE
        };
        assert_eq!(blocks(4, 1000), 250, "four 4 B objects a block");
        assert_eq!(blocks(8, 1000), 500);
        assert_eq!(blocks(5, 1000), 334, "three 5 B objects (offsets 0, 5, 10)");
        assert_eq!(blocks(1, 1000), 63, "sixteen 1 B objects");
        assert_eq!(blocks(12, 1000), 1000, "one 12 B object a block");
        assert_eq!(blocks(16, 1000), 1000, "16 B is not tiny: the 16 B class");
        // Pointerful small objects are never tiny: 4 B rounds up to the 8 B class.
        let mut h = Heap::new(1, SpanLayout::default());
        assert_eq!(h.mallocgc(0, 4, 10, (1.0, 1.0), 0, u64::MAX).bytes, 80);

        let mut h = Heap::new(1, SpanLayout::default());
        let mut one = |size: u64| h.mallocgc(0, size, 1, noscan, 0, u64::MAX).bytes;
        assert_eq!(one(4), 16, "the first tiny object opens a block");
        assert_eq!(one(8), 0, "8 B aligned to offset 8 fits");
        assert_eq!(one(2), 16, "the block is full");
        assert_eq!(one(6), 0, "6 B at offset 2");
        assert_eq!(
            one(12),
            16,
            "12 B does not fit at 8: a new block, which keeps less room"
        );
        assert_eq!(one(8), 0, "so the old block takes 8 B at offset 8");
        // Each P has its own block, and the end of a cycle clears them.
        assert_eq!(h.mallocgc(0, 4, 1, noscan, 0, u64::MAX).bytes, 16);
        h.resize(2);
        assert_eq!(h.mallocgc(1, 4, 1, noscan, 0, u64::MAX).bytes, 16);
        assert_eq!(h.mallocgc(0, 4, 1, noscan, 0, u64::MAX).bytes, 0);
        h.flush_mcaches();
        assert_eq!(h.mallocgc(0, 4, 1, noscan, 0, u64::MAX).bytes, 16);
    }

    /// A tiny batch stops, like any other, after the object whose block's span refill
    /// reaches the trigger; the rest follows once the cycle has started.
    #[test]
    fn a_tiny_batch_stops_at_the_trigger_on_the_first_object_of_the_new_block() {
        let noscan = (0.0, 0.0);
        let mut h = Heap::new(1, SpanLayout::default());
        // One span of 16 B blocks holds 512: 4 B objects fill it after 2048.
        let first = h.mallocgc(0, 4, 2048, noscan, 0, u64::MAX);
        assert_eq!((first.objects, first.heap_live), (2048, 8192));
        // The next refill takes heapLive from 8192 to 16384, the trigger.
        let m = h.mallocgc(0, 4, 100, noscan, 8192, 16384);
        assert_eq!((m.objects, m.bytes, m.heap_live), (1, 16, 8192));
        let rest = h.mallocgc(0, 4, 99, noscan, 16384, u64::MAX);
        assert_eq!(rest.objects, 99);
        assert_eq!(
            rest.bytes,
            24 * 16,
            "3 more in the open block, then 24 blocks"
        );
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
