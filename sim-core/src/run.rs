//! The run loop: pops events in order, hands them to the model, enforces stop conditions, and
//! folds every handled event into a rolling hash (the determinism fingerprint, as in madsim and
//! TigerBeetle's simulator).

use crate::queue::EventQueue;
use crate::time::Nanos;

/// What the model tells the loop after handling an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Stop now: the model finished its work, or hit one of its own resource limits.
    Stop(StopReason),
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Simulated time reached the configured end.
    TimeLimit,
    /// The configured maximum number of events was handled.
    EventLimit,
    /// No events were left.
    Drained,
    /// The model declared its work complete.
    Finished,
    /// A resource limit of the model (goroutines, memory, threads) was exceeded.
    ResourceLimit(String),
    /// The simulated program failed (a Go panic or fatal error in the workload).
    Failed(String),
}

/// A simulation model driven by the loop.
pub trait Model {
    type Event;
    /// Handles one event at time `now`; schedules follow-ups on `q`.
    fn handle(&mut self, now: Nanos, ev: Self::Event, q: &mut EventQueue<Self::Event>) -> Control;
    /// A 64-bit digest of an event, folded into the run hash.
    fn event_digest(&self, ev: &Self::Event) -> u64;
    /// Whether `ev` is superseded: handling it would do nothing, now or at its time (its
    /// epoch no longer matches). The loop may drop such events before they pop.
    fn is_stale(&self, _ev: &Self::Event) -> bool {
        false
    }
}

/// The queue is purged of stale events when it holds this many, and again each time it has
/// doubled since: O(1) amortised per event, and no purge at all for small queues.
pub const PURGE_AT_LEAST: usize = 1024;

/// Cheap hook called for every handled event (after the model handled it).
pub trait Observer {
    fn on_event(&mut self, now: Nanos, digest: u64, running_hash: u64);
}

/// The observer that does nothing; monomorphised away.
pub struct NoObserver;
impl Observer for NoObserver {
    #[inline(always)]
    fn on_event(&mut self, _: Nanos, _: u64, _: u64) {}
}

/// Records the running hash at every event, to locate the first divergence of two runs.
#[derive(Default)]
pub struct HashTrace {
    pub points: Vec<(Nanos, u64)>,
}
impl Observer for HashTrace {
    fn on_event(&mut self, now: Nanos, _: u64, h: u64) {
        self.points.push((now, h));
    }
}

impl HashTrace {
    /// The first event index and simulated time at which two traces differ, if any.
    pub fn first_divergence(&self, other: &HashTrace) -> Option<(usize, Nanos)> {
        for (i, (a, b)) in self.points.iter().zip(&other.points).enumerate() {
            if a != b {
                return Some((i, a.0.min(b.0)));
            }
        }
        if self.points.len() != other.points.len() {
            let i = self.points.len().min(other.points.len());
            let t = self
                .points
                .get(i)
                .or(other.points.get(i))
                .map_or(0, |p| p.0);
            return Some((i, t));
        }
        None
    }
}

/// Stop conditions of a run.
#[derive(Clone, Copy, Debug)]
pub struct RunLimits {
    /// Events at or after this time are not handled.
    pub until: Nanos,
    /// At most this many events are handled.
    pub max_events: u64,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub events: u64,
    pub end_time: Nanos,
    pub reason: StopReason,
    /// Rolling hash of every handled event's time and digest.
    pub hash: u64,
}

#[inline(always)]
fn fold(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// Runs `model` until a stop condition holds.
pub fn run<M: Model, O: Observer>(
    model: &mut M,
    q: &mut EventQueue<M::Event>,
    limits: RunLimits,
    obs: &mut O,
) -> RunOutcome {
    let mut events = 0u64;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut purge_at = PURGE_AT_LEAST;
    let reason = loop {
        if events >= limits.max_events {
            break StopReason::EventLimit;
        }
        // Pop first and check the time after: an event at or past the end is simply dropped,
        // since the run stops there (one heap operation per event instead of two).
        let Some((now, ev)) = q.pop() else {
            break StopReason::Drained;
        };
        if now >= limits.until {
            break StopReason::TimeLimit;
        }
        let d = model.event_digest(&ev);
        hash = fold(fold(hash, now), d);
        events += 1;
        let ctl = model.handle(now, ev, q);
        obs.on_event(now, d, hash);
        if q.len() >= purge_at {
            q.retain(|e| !model.is_stale(e));
            purge_at = (2 * q.len()).max(PURGE_AT_LEAST);
        }
        if let Control::Stop(r) = ctl {
            break r;
        }
    };
    let end_time = match reason {
        StopReason::TimeLimit => limits.until,
        _ => q.now(),
    };
    RunOutcome {
        events,
        end_time,
        reason,
        hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy model: each event re-schedules itself `k` ns later until time 100.
    struct Ticker {
        seen: Vec<(Nanos, u32)>,
    }
    impl Model for Ticker {
        type Event = u32;
        fn handle(&mut self, now: Nanos, ev: u32, q: &mut EventQueue<u32>) -> Control {
            self.seen.push((now, ev));
            q.schedule_in(ev as u64, ev);
            Control::Continue
        }
        fn event_digest(&self, ev: &u32) -> u64 {
            *ev as u64
        }
    }

    fn go(limits: RunLimits) -> (Ticker, RunOutcome) {
        let mut m = Ticker { seen: vec![] };
        let mut q = EventQueue::new();
        q.schedule_at(0, 7);
        q.schedule_at(0, 3);
        let out = run(&mut m, &mut q, limits, &mut NoObserver);
        (m, out)
    }

    #[test]
    fn stops_at_time_limit_and_is_deterministic() {
        let (m, out) = go(RunLimits {
            until: 22,
            max_events: u64::MAX,
        });
        assert_eq!(out.reason, StopReason::TimeLimit);
        assert_eq!(&m.seen[..4], &[(0, 7), (0, 3), (3, 3), (6, 3)]);
        assert!(m.seen.iter().all(|(t, _)| *t < 22));
        assert!(
            m.seen.windows(2).all(|w| w[0].0 <= w[1].0),
            "time never goes back"
        );
        let (_, out2) = go(RunLimits {
            until: 22,
            max_events: u64::MAX,
        });
        assert_eq!(out.hash, out2.hash);
        let (_, out3) = go(RunLimits {
            until: 25,
            max_events: u64::MAX,
        });
        assert_ne!(out.hash, out3.hash);
    }

    #[test]
    fn stops_at_event_limit() {
        let (m, out) = go(RunLimits {
            until: u64::MAX,
            max_events: 5,
        });
        assert_eq!(out.reason, StopReason::EventLimit);
        assert_eq!(m.seen.len(), 5);
    }

    #[test]
    fn hash_trace_finds_first_divergence() {
        let a = HashTrace {
            points: vec![(0, 1), (5, 2), (9, 3)],
        };
        let b = HashTrace {
            points: vec![(0, 1), (5, 2), (9, 4)],
        };
        assert_eq!(a.first_divergence(&b), Some((2, 9)));
        assert_eq!(a.first_divergence(&a), None);
    }

    /// A poller: every 10 ns a tick supersedes the previous 1 ms timeout with a new one, as
    /// the blocking netpoller's timeout is superseded by each wake-up.
    struct Poller {
        epoch: u32,
        purge: bool,
        seen: Vec<(Nanos, u32)>,
        max_len: usize,
    }
    impl Model for Poller {
        type Event = u32;
        fn handle(&mut self, now: Nanos, ev: u32, q: &mut EventQueue<u32>) -> Control {
            if ev == 0 {
                self.epoch += 1;
                q.schedule_in(1_000_000, self.epoch);
                q.schedule_in(10, 0);
                self.seen.push((now, ev));
            } else if ev == self.epoch {
                self.seen.push((now, ev));
            }
            self.max_len = self.max_len.max(q.len());
            Control::Continue
        }
        fn event_digest(&self, ev: &u32) -> u64 {
            *ev as u64
        }
        fn is_stale(&self, ev: &u32) -> bool {
            self.purge && *ev != 0 && *ev != self.epoch
        }
    }

    #[test]
    fn superseded_events_are_purged_without_changing_the_run() {
        let go = |purge| {
            let mut m = Poller {
                epoch: 0,
                purge,
                seen: vec![],
                max_len: 0,
            };
            let mut q = EventQueue::new();
            q.schedule_at(0, 0);
            let limits = RunLimits {
                until: 200_000,
                max_events: u64::MAX,
            };
            let out = run(&mut m, &mut q, limits, &mut NoObserver);
            (m, out)
        };
        let (kept, a) = go(false);
        let (purged, b) = go(true);
        assert_eq!(
            kept.max_len, 20_001,
            "every superseded timeout stays queued"
        );
        assert!(purged.max_len <= PURGE_AT_LEAST, "{}", purged.max_len);
        assert_eq!(kept.seen, purged.seen);
        assert_eq!((a.events, a.hash), (b.events, b.hash));
    }
}
