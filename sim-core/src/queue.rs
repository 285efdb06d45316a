//! The event queue: a binary heap keyed by (time, sequence) plus a FIFO lane for events
//! scheduled at the current instant.
//!
//! Most scheduler events are zero-delay (a wake-up, a hand-off); the lane keeps them in
//! insertion order without heap work. Ordering is exactly (time, sequence): an event in the heap
//! at time `now` was inserted while the clock was still earlier, so it has a smaller sequence
//! number than anything in the lane and is popped first.
//!
//! Cancellation is left to the model: an event carries whatever epoch/token it needs and the
//! model ignores stale ones when they pop (a flag checked on pop), which costs nothing to the
//! queue and keeps it allocation-free in steady state. Stale events far in the future would
//! pile up (a poller's 500 ms timeout superseded thousands of times a second), so the run loop
//! drops them with `retain` whenever the queue has doubled since it last did.

use crate::time::Nanos;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

struct Entry<E> {
    at: Nanos,
    /// Insertion order among events at the same time. 32 bits keep an entry small (the heap
    /// moves entries on every operation); it wraps only after 2^32 insertions, which the run
    /// loop's event limit stays below.
    seq: u32,
    ev: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.at == o.at && self.seq == o.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed so that BinaryHeap (a max-heap) pops the earliest (time, seq) first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// A deterministic priority queue of events.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    lane: VecDeque<E>,
    now: Nanos,
    seq: u32,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(1024)
    }

    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            lane: VecDeque::with_capacity(n),
            now: 0,
            seq: 0,
        }
    }

    /// The current simulated time (the time of the last popped event).
    #[inline]
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Schedules `ev` at absolute time `at`. Times in the past are clamped to now, so simulated
    /// time never goes back.
    #[inline]
    pub fn schedule_at(&mut self, at: Nanos, ev: E) {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        if at <= self.now {
            self.lane.push_back(ev);
        } else {
            self.heap.push(Entry { at, seq, ev });
        }
    }

    /// Schedules `ev` after `delay` nanoseconds.
    #[inline]
    pub fn schedule_in(&mut self, delay: Nanos, ev: E) {
        self.schedule_at(self.now.saturating_add(delay), ev)
    }

    /// Pops the next event in (time, sequence) order and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        if let Some(top) = self.heap.peek()
            && top.at == self.now
        {
            let e = self.heap.pop().expect("peeked");
            return Some((e.at, e.ev));
        }
        if let Some(ev) = self.lane.pop_front() {
            return Some((self.now, ev));
        }
        let e = self.heap.pop()?;
        self.now = e.at;
        Some((e.at, e.ev))
    }

    /// Time of the next event without popping it.
    pub fn peek_time(&self) -> Option<Nanos> {
        if !self.lane.is_empty() {
            return Some(self.now);
        }
        self.heap.peek().map(|e| e.at)
    }

    /// Drops the future events `keep` rejects (events the model has superseded and would
    /// ignore). Pop order of the rest is unchanged: it is fixed by their (time, sequence) keys.
    /// Events of the current instant (the lane) are kept.
    pub fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        self.heap.retain(|e| keep(&e.ev));
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.lane.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule_at(10, 'a');
        q.schedule_at(5, 'b');
        q.schedule_at(10, 'c');
        q.schedule_at(0, 'd'); // zero-delay lane
        assert_eq!(q.pop(), Some((0, 'd')));
        assert_eq!(q.pop(), Some((5, 'b')));
        // At t=5 schedule a zero-delay event; it must come before the t=10 events.
        q.schedule_in(0, 'e');
        assert_eq!(q.pop(), Some((5, 'e')));
        assert_eq!(q.pop(), Some((10, 'a')));
        // At t=10, a new zero-delay event comes after 'c' (inserted earlier for t=10).
        q.schedule_in(0, 'f');
        assert_eq!(q.pop(), Some((10, 'c')));
        assert_eq!(q.pop(), Some((10, 'f')));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn pops_exactly_in_time_then_sequence_order_under_churn() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut q = EventQueue::new();
        // Reference: every event's (time, insertion number); pops must come in sorted order.
        let mut next = 0u64;
        let mut popped = Vec::new();
        for _ in 0..20_000 {
            if rng.next_u64() % 100 < 55 {
                let delay = rng.next_u64() % 50;
                q.schedule_in(delay, (q.now() + delay, next));
                next += 1;
            } else if let Some((t, ev)) = q.pop() {
                assert_eq!(t, ev.0, "popped at its time");
                popped.push(ev);
            }
        }
        while let Some((_, ev)) = q.pop() {
            popped.push(ev);
        }
        assert_eq!(popped.len() as u64, next);
        assert!(
            popped.windows(2).all(|w| w[0] < w[1]),
            "(time, sequence) order"
        );
    }

    #[test]
    fn past_times_are_clamped_to_now() {
        let mut q = EventQueue::new();
        q.schedule_at(100, 1);
        assert_eq!(q.pop(), Some((100, 1)));
        q.schedule_at(50, 2);
        assert_eq!(q.pop(), Some((100, 2)));
    }
}
