//! Statistics primitives: latency histograms (HDR), time-weighted gauges, counters.

use crate::time::Nanos;
use hdrhistogram::Histogram as Hdr;
use serde::Serialize;

/// Percentile summary of a histogram, in the histogram's unit (nanoseconds for latencies).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Quantiles {
    pub count: u64,
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

/// An HDR histogram with 3 significant digits that grows as needed.
#[derive(Clone)]
pub struct Histogram {
    h: Hdr<u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    pub fn new() -> Self {
        // Auto-resizing: the range is not known in advance (1 ns to hours).
        let mut h = Hdr::new(3).expect("3 significant figures is valid");
        h.auto(true);
        Histogram { h }
    }

    #[inline]
    pub fn record(&mut self, v: u64) {
        // Auto-resize cannot fail for u64 values; ignore the impossible error rather than panic.
        let _ = self.h.record(v);
    }

    pub fn count(&self) -> u64 {
        self.h.len()
    }

    /// Number of recorded values in `lo..=hi` (at the histogram's precision), for plotting.
    pub fn count_between(&self, lo: u64, hi: u64) -> u64 {
        if self.h.is_empty() || hi < lo {
            0
        } else {
            self.h.count_between(lo, hi)
        }
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &Histogram) {
        // Both auto-resize, so adding cannot go out of range; ignore the impossible error.
        let _ = self.h.add(&other.h);
    }

    /// Value at quantile `q` (0..=1); 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.h.is_empty() {
            0
        } else {
            self.h.value_at_quantile(q)
        }
    }

    pub fn max(&self) -> u64 {
        if self.h.is_empty() { 0 } else { self.h.max() }
    }

    pub fn mean(&self) -> f64 {
        if self.h.is_empty() {
            0.0
        } else {
            self.h.mean()
        }
    }

    pub fn quantiles(&self) -> Quantiles {
        Quantiles {
            count: self.count(),
            mean: self.mean(),
            p50: self.quantile(0.50),
            p90: self.quantile(0.90),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            max: self.max(),
        }
    }

    /// Fraction of recorded values strictly above `v`.
    pub fn fraction_above(&self, v: u64) -> f64 {
        if self.h.is_empty() {
            return 0.0;
        }
        let above = self
            .h
            .iter_recorded()
            .filter(|x| x.value_iterated_to() > v)
            .map(|x| x.count_at_value())
            .sum::<u64>();
        above as f64 / self.h.len() as f64
    }
}

/// A value that holds over time (a queue length, heap size): integral, mean and maximum.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeWeightedGauge {
    value: f64,
    since: Nanos,
    start: Nanos,
    integral: f64,
    max: f64,
}

impl TimeWeightedGauge {
    pub fn new(start: Nanos, value: f64) -> Self {
        TimeWeightedGauge {
            value,
            since: start,
            start,
            integral: 0.0,
            max: value,
        }
    }

    /// Sets a new value at time `now`.
    #[inline]
    pub fn set(&mut self, now: Nanos, v: f64) {
        self.integral += self.value * now.saturating_sub(self.since) as f64;
        self.since = now;
        self.value = v;
        if v > self.max {
            self.max = v;
        }
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    /// Time-weighted mean over [start, now].
    pub fn mean(&self, now: Nanos) -> f64 {
        let total = now.saturating_sub(self.start);
        if total == 0 {
            return self.value;
        }
        (self.integral + self.value * now.saturating_sub(self.since) as f64) / total as f64
    }
}

/// A monotone event counter.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counter(pub u64);
impl Counter {
    #[inline]
    pub fn inc(&mut self) {
        self.0 += 1;
    }
    #[inline]
    pub fn add(&mut self, n: u64) {
        self.0 += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles_within_three_digits() {
        let mut h = Histogram::new();
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let q = h.quantiles();
        assert_eq!(q.count, 1000);
        assert!((q.p50 as f64 - 500_000.0).abs() / 500_000.0 < 0.001);
        assert!((q.p99 as f64 - 990_000.0).abs() / 990_000.0 < 0.001);
        assert!(q.max >= 1_000_000 && q.max < 1_001_000);
        assert!((h.fraction_above(900_000) - 0.1).abs() < 0.002);
    }

    #[test]
    fn gauge_is_time_weighted() {
        let mut g = TimeWeightedGauge::new(0, 0.0);
        g.set(10, 4.0); // 0 for 10 ns
        g.set(30, 1.0); // 4 for 20 ns
        // 1 for 10 ns more: (0*10 + 4*20 + 1*10) / 40
        assert!((g.mean(40) - 90.0 / 40.0).abs() < 1e-12);
        assert_eq!(g.max(), 4.0);
    }
}
