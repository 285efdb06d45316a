//! The GC CPU limiter: a model of `gcCPULimiterState` (`runtime/mgclimit.go`, Go 1.21+).
//!
//! A leaky bucket of capacity GOMAXPROCS × 1 CPU-second that fills with GC CPU time and drains
//! with mutator time. While it is full (`limiting()`), assists are skipped, so GC CPU stays near
//! 50 % over a window of about 2 × GOMAXPROCS CPU-seconds; the heap overshoots instead.
//!
//! The driver calls `start_gc_transition` / `finish_gc_transition` around both STW pauses,
//! `update` after assist flushes and when `need_update` says 10 ms passed, `add_assist_time` /
//! `add_idle_time` (or the per-P [`LimiterEvent`]s) for time spent in assists and idle, and
//! `reset_capacity` when GOMAXPROCS changes.
//!
//! # Simplifications
//! - No lock: `update` racing another update (dropped in Go) cannot happen. Calling `update`
//!   during a transition, or transitioning to the state the limiter is already in, panics with
//!   Go's throw message.
//! - `lastEnabledCycle` is set from the field `numgc`, a copy of `memstats.numgc` the driver
//!   keeps current (the runtime reads the global).
//! - [`LimiterEvent`] keeps the event type and start time as two fields instead of packing them
//!   into one word, so the runtime's loss of an event that crosses a 2^61 ns boundary is absent.
//! - `update` in the test configuration (Go's `test` flag) consumes no in-flight per-P events;
//!   [`GcCpuLimiter::update_with_events`] is the runtime's non-test path. The transitions and
//!   `reset_capacity` flush without events: a driver with per-P events calls
//!   `update_with_events(now, ..)` just before them, which leaves them nothing more to flush.

/// `capacityPerProc`: 1 CPU-second of bucket per P.
pub const CAPACITY_PER_PROC: u64 = 1_000_000_000;
/// `gcCPULimiterUpdatePeriod`: the longest the limiter goes without an update while marking.
pub const GC_CPU_LIMITER_UPDATE_PERIOD: i64 = 10_000_000;

use super::pacer::{GC_BACKGROUND_UTILIZATION, go_f64_to_i64};

/// `gcCPULimiterState`.
#[derive(Clone, Debug, Default)]
pub struct GcCpuLimiter {
    /// `enabled`: the limiter is limiting (see `limiting()`).
    pub enabled: bool,
    /// `bucket.fill` (0 ≤ fill ≤ capacity).
    pub fill: u64,
    /// `bucket.capacity`.
    pub capacity: u64,
    /// `overflow`: GC CPU time that did not fit in the full bucket, cumulative.
    pub overflow: u64,
    /// `gcEnabled`: internal copy of gcBlackenEnabled (background workers count as GC time).
    pub gc_enabled: bool,
    /// `transitioning`: between `start_gc_transition` and `finish_gc_transition`.
    pub transitioning: bool,
    /// `assistTimePool`: assist (and scavenge-assist) time since the last update.
    pub assist_time_pool: i64,
    /// `idleTimePool`: P idle time plus idle-mark time since the last update.
    pub idle_time_pool: i64,
    /// `lastUpdate`.
    pub last_update: i64,
    /// `lastEnabledCycle`: the GC cycle that last had the limiter on.
    pub last_enabled_cycle: u32,
    /// `nprocs`: internal copy of GOMAXPROCS.
    pub nprocs: i32,
    /// Copy of `memstats.numgc`, kept by the driver (for `lastEnabledCycle`).
    pub numgc: u32,
}

impl GcCpuLimiter {
    /// A limiter as `NewGCCPULimiter` builds it: zero state, then `resetCapacity(now, nprocs)`.
    pub fn new(now: i64, nprocs: i32) -> Self {
        let mut l = Self::default();
        l.reset_capacity(now, nprocs);
        l
    }

    /// Models `gcCPULimiterState.limiting`.
    pub fn limiting(&self) -> bool {
        self.enabled
    }

    /// Models `gcCPULimiterState.startGCTransition` (`now` = start of the STW pause).
    pub fn start_gc_transition(&mut self, enable_gc: bool, now: i64) {
        assert!(
            !self.transitioning,
            "failed to acquire lock to start a GC transition"
        );
        assert!(
            self.gc_enabled != enable_gc,
            "transitioning GC to the same state as before?"
        );
        // Flush whatever was left between the last update and now.
        self.update_locked(now, &mut []);
        self.gc_enabled = enable_gc;
        self.transitioning = true;
    }

    /// Models `gcCPULimiterState.finishGCTransition` (`now` = end of the STW pause): the whole
    /// pause counts as GC time on every P.
    pub fn finish_gc_transition(&mut self, now: i64) {
        assert!(
            self.transitioning,
            "finishGCTransition called without starting one?"
        );
        if now >= self.last_update {
            let stw = now
                .wrapping_sub(self.last_update)
                .wrapping_mul(self.nprocs as i64);
            self.accumulate(0, stw);
        }
        self.last_update = now;
        self.transitioning = false;
    }

    /// Models `gcCPULimiterState.needUpdate`: more than 10 ms since the last update.
    pub fn need_update(&self, now: i64) -> bool {
        now.wrapping_sub(self.last_update) > GC_CPU_LIMITER_UPDATE_PERIOD
    }

    /// Models `gcCPULimiterState.addAssistTime`.
    pub fn add_assist_time(&mut self, t: i64) {
        self.assist_time_pool += t;
    }

    /// Models `gcCPULimiterState.addIdleTime`.
    pub fn add_idle_time(&mut self, t: i64) {
        self.idle_time_pool += t;
    }

    /// Models `gcCPULimiterState.update` with no in-flight per-P events (Go's test path).
    pub fn update(&mut self, now: i64) {
        self.update_with_events(now, &mut []);
    }

    /// Models `gcCPULimiterState.update` on the runtime path: also consumes the time of each P's
    /// in-flight limiter event up to `now`. Returns the idle time consumed from events, which the
    /// runtime also adds to `sched.idleTime`.
    pub fn update_with_events(&mut self, now: i64, events: &mut [LimiterEvent]) -> i64 {
        assert!(!self.transitioning, "update during transition");
        self.update_locked(now, events)
    }

    /// Models `gcCPULimiterState.updateLocked`.
    fn update_locked(&mut self, now: i64, events: &mut [LimiterEvent]) -> i64 {
        let last_update = self.last_update;
        if now < last_update {
            // A stale clock reading: not the latest update anyway.
            return 0;
        }
        let mut window_total_time = now
            .wrapping_sub(last_update)
            .wrapping_mul(self.nprocs as i64);
        self.last_update = now;
        let mut assist_time = std::mem::take(&mut self.assist_time_pool);
        let mut idle_time = std::mem::take(&mut self.idle_time_pool);
        let mut idle_from_events = 0;
        for e in events.iter_mut() {
            let (typ, d) = e.consume(now);
            match typ {
                LimiterEventType::IdleMarkWork | LimiterEventType::Idle => {
                    idle_time += d;
                    idle_from_events += d;
                }
                LimiterEventType::MarkAssist | LimiterEventType::ScavengeAssist => assist_time += d,
                LimiterEventType::None => {}
            }
        }
        let mut window_gc_time = assist_time;
        if self.gc_enabled {
            window_gc_time = window_gc_time.wrapping_add(go_f64_to_i64(
                window_total_time as f64 * GC_BACKGROUND_UTILIZATION,
            ));
        }
        // Idle time is removed after computing the background share, which is a share of the
        // real total time.
        window_total_time = window_total_time.wrapping_sub(idle_time);
        self.accumulate(
            window_total_time.wrapping_sub(window_gc_time),
            window_gc_time,
        );
        idle_from_events
    }

    /// Models `gcCPULimiterState.accumulate`: GC time fills the bucket, mutator time drains it.
    pub fn accumulate(&mut self, mutator_time: i64, gc_time: i64) {
        let headroom = self.capacity - self.fill;
        let enabled = headroom == 0;
        let change = gc_time.wrapping_sub(mutator_time);
        if change > 0 && headroom <= change as u64 {
            self.overflow = self.overflow.wrapping_add(change as u64 - headroom);
            self.fill = self.capacity;
            if !enabled {
                self.enabled = true;
                self.last_enabled_cycle = self.numgc.wrapping_add(1);
            }
            return;
        }
        let drain = change.wrapping_neg() as u64;
        if change < 0 && self.fill <= drain {
            self.fill = 0;
        } else {
            // Also the 0 < change < headroom case: subtracting −change adds change.
            self.fill = self.fill.wrapping_sub(drain);
        }
        if change != 0 && enabled {
            self.enabled = false;
        }
    }

    /// Models `gcCPULimiterState.resetCapacity` (GOMAXPROCS changed; not while the GC is on).
    pub fn reset_capacity(&mut self, now: i64, nprocs: i32) {
        assert!(
            !self.transitioning,
            "failed to acquire lock to reset capacity"
        );
        self.update_locked(now, &mut []);
        self.nprocs = nprocs;
        self.capacity = (nprocs as u64).wrapping_mul(CAPACITY_PER_PROC);
        if self.fill > self.capacity {
            self.fill = self.capacity;
            self.enabled = true;
            self.last_enabled_cycle = self.numgc.wrapping_add(1);
        } else if self.fill < self.capacity {
            self.enabled = false;
        }
    }
}

/// `limiterEventType`: what a P is doing that the limiter tracks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LimiterEventType {
    /// `limiterEventNone`.
    #[default]
    None,
    /// `limiterEventIdleMarkWork`: an idle mark worker.
    IdleMarkWork,
    /// `limiterEventMarkAssist`.
    MarkAssist,
    /// `limiterEventScavengeAssist`.
    ScavengeAssist,
    /// `limiterEventIdle`: the P is on the idle list.
    Idle,
}

/// `limiterEvent`: one P's in-flight tracked event (`p.limiterEvent`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimiterEvent {
    /// The event type (`None` when nothing is in flight).
    pub typ: LimiterEventType,
    /// When the event started, or when its time was last consumed.
    pub start: i64,
}

impl LimiterEvent {
    /// Models `limiterEvent.start`: false if another event is already in flight.
    pub fn start(&mut self, typ: LimiterEventType, now: i64) -> bool {
        if self.typ != LimiterEventType::None {
            return false;
        }
        self.typ = typ;
        self.start = now;
        true
    }

    /// Models `limiterEvent.consume`: takes the time of the in-flight event so far and restarts
    /// its clock at `now`.
    pub fn consume(&mut self, now: i64) -> (LimiterEventType, i64) {
        let typ = self.typ;
        if typ == LimiterEventType::None {
            return (typ, 0);
        }
        let d = self.duration(now);
        if d == 0 {
            return (LimiterEventType::None, 0);
        }
        self.start = now;
        (typ, d)
    }

    /// Models `limiterEvent.stop`: ends the event and accounts its time to the limiter's pools.
    /// Returns the duration of an `Idle` event (the runtime adds it to `sched.idleTime`), else 0.
    pub fn stop(&mut self, typ: LimiterEventType, now: i64, limiter: &mut GcCpuLimiter) -> i64 {
        assert!(
            self.typ == typ,
            "limiterEvent.stop: found wrong event in p's limiter event slot: want={typ:?} got={:?}",
            self.typ
        );
        let d = self.duration(now);
        self.typ = LimiterEventType::None;
        self.start = 0;
        if d == 0 {
            return 0;
        }
        match typ {
            LimiterEventType::IdleMarkWork => limiter.add_idle_time(d),
            LimiterEventType::Idle => {
                limiter.add_idle_time(d);
                return d;
            }
            LimiterEventType::MarkAssist | LimiterEventType::ScavengeAssist => {
                limiter.add_assist_time(d)
            }
            LimiterEventType::None => {
                panic!("limiterEvent.stop: invalid limiter event type found")
            }
        }
        0
    }

    /// `limiterEventStamp.duration`: 0 for a stale `now`.
    fn duration(&self, now: i64) -> i64 {
        if now < self.start {
            0
        } else {
            now - self.start
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;
    const US: i64 = 1_000;
    const SEC: i64 = 1_000_000_000;
    const HOUR: i64 = 3600 * SEC;

    /// Go's TestGCCPULimiter (mgclimit_test.go), step for step.
    #[test]
    fn gc_cpu_limiter() {
        const PROCS: i64 = 14;
        let mut ticks = 0i64;
        let mut advance = |d: i64| {
            ticks += d;
            ticks
        };
        let assist_time = |d: i64, frac: f64| go_f64_to_i64(frac * d as f64 * PROCS as f64);
        let cap_per_proc = CAPACITY_PER_PROC as i64;

        let mut l = GcCpuLimiter::new(0, PROCS as i32);
        let mut base_overflow = 0u64;
        for _ in 0..2 {
            assert_eq!(l.capacity, PROCS as u64 * CAPACITY_PER_PROC);
            assert_eq!(l.fill, 0, "expected empty bucket to start");

            // Only mutator time: the bucket stays empty.
            l.update(advance(10 * MS));
            l.update(advance(SEC));
            l.update(advance(HOUR));
            assert_eq!(l.fill, 0);

            // needUpdate is strictly more than 10 ms.
            assert!(!l.need_update(advance(GC_CPU_LIMITER_UPDATE_PERIOD / 2)));
            assert!(l.need_update(advance(GC_CPU_LIMITER_UPDATE_PERIOD)));
            l.update(advance(0));
            assert!(!l.need_update(advance(0)));

            // The STW of the GC start counts fully.
            l.start_gc_transition(true, advance(109 * MS));
            l.finish_gc_transition(advance(2 * MS + US));
            assert_eq!(l.fill, ((2 * MS + US) * PROCS) as u64);

            // With the GC on and no assists the bucket drains at 50 % of the window: drain to
            // exactly procs ns.
            let factor = 1.0 / (1.0 - 2.0 * GC_BACKGROUND_UTILIZATION);
            let fill = (2 * MS + US) * PROCS;
            l.update(advance(go_f64_to_i64(
                factor * (fill - PROCS) as f64 / PROCS as f64,
            )));
            assert_eq!(l.fill, PROCS as u64);

            l.update(advance(2 * PROCS * cap_per_proc));
            assert_eq!(l.fill, 0);

            // Exactly 50 % GC: no change.
            l.add_assist_time(assist_time(10 * MS, 0.5 - GC_BACKGROUND_UTILIZATION));
            l.update(advance(10 * MS));
            assert_eq!(l.fill, 0);

            // 100 % GC for 1 ms.
            l.add_assist_time(assist_time(MS, 1.0 - GC_BACKGROUND_UTILIZATION));
            l.update(advance(MS));
            assert_eq!(l.fill, (PROCS * MS) as u64);
            assert!(!l.limiting());

            // Fill exactly to capacity.
            l.add_assist_time(assist_time(
                cap_per_proc - MS,
                1.0 - GC_BACKGROUND_UTILIZATION,
            ));
            l.update(advance(cap_per_proc - MS));
            assert_eq!(l.fill, l.capacity);
            assert!(l.limiting());
            assert_eq!(l.overflow, base_overflow);

            // A change of exactly zero keeps it limiting, no overflow.
            l.add_assist_time(assist_time(SEC, 0.5 - GC_BACKGROUND_UTILIZATION));
            l.update(advance(SEC));
            assert_eq!(l.fill, l.capacity);
            assert!(l.limiting());
            assert_eq!(l.overflow, base_overflow);

            // Drain by half.
            l.add_assist_time(assist_time(cap_per_proc, 0.0));
            l.update(advance(cap_per_proc));
            assert_eq!(l.fill, l.capacity / 2);
            assert!(!l.limiting());

            // Overfill.
            l.add_assist_time(assist_time(cap_per_proc, 1.0 - GC_BACKGROUND_UTILIZATION));
            l.update(advance(cap_per_proc));
            assert_eq!(l.fill, l.capacity);
            assert!(l.limiting());
            assert_eq!(
                l.overflow,
                (cap_per_proc * PROCS / 2) as u64 + base_overflow
            );

            // End the cycle with assists left over.
            l.add_assist_time(assist_time(MS, 1.0 - GC_BACKGROUND_UTILIZATION));
            l.start_gc_transition(false, advance(MS));
            assert_eq!(l.fill, l.capacity);
            assert!(l.limiting());
            assert_eq!(
                l.overflow,
                ((cap_per_proc / 2 + MS) * PROCS) as u64 + base_overflow
            );

            // The STW adds to the bucket.
            l.finish_gc_transition(advance(5 * MS));
            assert_eq!(l.fill, l.capacity);
            assert!(l.limiting());
            let expect = ((cap_per_proc / 2 + 6 * MS) * PROCS) as u64 + base_overflow;
            assert_eq!(l.overflow, expect);

            // More procs: limiting stops, fill kept.
            let expect_fill = l.capacity;
            l.reset_capacity(advance(0), PROCS as i32 + 10);
            assert_eq!(l.fill, expect_fill);
            assert!(!l.limiting());
            assert_eq!(l.overflow, expect);

            // Fewer procs: fill clipped, limiting again, overflow unchanged.
            l.reset_capacity(advance(0), PROCS as i32 - 10);
            assert_eq!(l.fill, l.capacity);
            assert!(l.limiting());
            assert_eq!(l.overflow, expect);

            l.reset_capacity(advance(cap_per_proc * PROCS), PROCS as i32);
            base_overflow += ((cap_per_proc / 2 + 6 * MS) * PROCS) as u64;
        }
    }

    #[test]
    fn limiter_enabled_records_the_next_cycle() {
        let mut l = GcCpuLimiter::new(0, 1);
        l.numgc = 7;
        l.accumulate(0, 2 * SEC);
        assert!(l.limiting());
        assert_eq!(l.last_enabled_cycle, 8);
        assert_eq!(l.overflow, SEC as u64);
    }

    #[test]
    fn in_flight_events_are_consumed_by_update() {
        let mut l = GcCpuLimiter::new(0, 2);
        l.start_gc_transition(true, 0);
        l.finish_gc_transition(0);
        let mut evs = [LimiterEvent::default(); 2];
        assert!(evs[0].start(LimiterEventType::MarkAssist, 0));
        assert!(!evs[0].start(LimiterEventType::Idle, 0));
        assert!(evs[1].start(LimiterEventType::Idle, 0));
        // 10 ms × 2 Ps: GC = 5 ms background + 10 ms assist; mutator = 20 − 10 idle − 15 = −5.
        let idle = l.update_with_events(10 * MS, &mut evs);
        assert_eq!(idle, 10 * MS);
        assert_eq!(l.fill, (20 * MS) as u64);
        assert_eq!(evs[0].start, 10 * MS);
        // Stopping accounts only the time since the last consume, into the pools.
        assert_eq!(evs[1].stop(LimiterEventType::Idle, 12 * MS, &mut l), 2 * MS);
        assert_eq!(
            evs[0].stop(LimiterEventType::MarkAssist, 13 * MS, &mut l),
            0
        );
        assert_eq!((l.idle_time_pool, l.assist_time_pool), (2 * MS, 3 * MS));
        assert_eq!(evs[0].typ, LimiterEventType::None);
    }

    #[test]
    #[should_panic(expected = "update during transition")]
    fn update_during_a_transition_is_a_bug() {
        let mut l = GcCpuLimiter::new(0, 4);
        l.start_gc_transition(true, 1);
        l.update(2);
    }
}
