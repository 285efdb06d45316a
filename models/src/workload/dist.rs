//! Sampling the scenario's distributions (constant, uniform, exponential, normal truncated at 0,
//! lognormal, empirical) from a seeded stream.

use crate::scenario::Dist;
use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal};
use sim_core::rng::Stream;

/// A ready-to-sample distribution over non-negative integers (ns, bytes, counts).
#[derive(Clone, Debug)]
pub enum Sampler {
    Const(u64),
    Uniform(u64, u64),
    Exp(Exp<f64>, f64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>, f64),
    /// Values and cumulative weights.
    Empirical(Vec<u64>, Vec<f64>),
}

impl Sampler {
    /// Builds a sampler; `to_u64` maps the scenario's unit type to integers. Invalid parameters
    /// were rejected by scenario validation; any that slip through become a constant 0 rather
    /// than a panic.
    pub fn new<T: Clone>(d: &Dist<T>, to_u64: impl Fn(&T) -> u64) -> Sampler {
        let f = |x: &T| to_u64(x) as f64;
        match d {
            Dist::Const(v) => Sampler::Const(to_u64(v)),
            Dist::Uniform { min, max } => {
                Sampler::Uniform(to_u64(min), to_u64(max).max(to_u64(min)))
            }
            Dist::Exp { mean } => {
                let m = f(mean);
                if m <= 0.0 {
                    Sampler::Const(0)
                } else {
                    Exp::new(1.0 / m).map_or(Sampler::Const(0), |d| Sampler::Exp(d, m))
                }
            }
            Dist::Normal { mean, stddev } => Normal::new(f(mean), f(stddev))
                .map_or(Sampler::Const(to_u64(mean)), Sampler::Normal),
            Dist::LogNormal { mean, stddev } => {
                let (m, s) = (f(mean), f(stddev));
                if m <= 0.0 {
                    return Sampler::Const(0);
                }
                // Parameters of the underlying normal from the value's mean and stddev.
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                LogNormal::new(mu, sigma2.sqrt())
                    .map_or(Sampler::Const(to_u64(mean)), |d| Sampler::LogNormal(d, m))
            }
            Dist::Empirical { values, weights } => {
                let vals: Vec<u64> = values.iter().map(&to_u64).collect();
                let mut acc = 0.0;
                let cum: Vec<f64> = (0..vals.len())
                    .map(|i| {
                        acc += weights.get(i).copied().unwrap_or(1.0);
                        acc
                    })
                    .collect();
                if vals.is_empty() {
                    Sampler::Const(0)
                } else {
                    Sampler::Empirical(vals, cum)
                }
            }
        }
    }

    /// Draws one value. A constant draws nothing from the stream.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> u64 {
        match self {
            Sampler::Const(v) => *v,
            Sampler::Uniform(a, b) => {
                if a == b {
                    *a
                } else {
                    rng.random_range(*a..=*b)
                }
            }
            Sampler::Exp(d, _) => d.sample(rng).round() as u64,
            Sampler::Normal(d) => d.sample(rng).max(0.0).round() as u64,
            Sampler::LogNormal(d, _) => d.sample(rng).round() as u64,
            Sampler::Empirical(v, cum) => {
                let total = *cum.last().unwrap_or(&1.0);
                let x = rng.random::<f64>() * total;
                let i = cum.partition_point(|c| *c <= x).min(v.len() - 1);
                v[i]
            }
        }
    }

    /// The mean of the distribution (for summaries and sizing).
    pub fn mean(&self) -> f64 {
        match self {
            Sampler::Const(v) => *v as f64,
            Sampler::Uniform(a, b) => (*a as f64 + *b as f64) / 2.0,
            Sampler::Exp(_, m) | Sampler::LogNormal(_, m) => *m,
            Sampler::Normal(d) => d.mean(),
            Sampler::Empirical(v, cum) => {
                let mut prev = 0.0;
                let total = *cum.last().unwrap_or(&1.0);
                v.iter()
                    .zip(cum)
                    .map(|(x, c)| {
                        let w = c - prev;
                        prev = *c;
                        *x as f64 * w / total
                    })
                    .sum()
            }
        }
    }
}
