//! The scenarios of Go's `TestGcPacer` (pacer spec §3.2) as input generators: the test's
//! stream helpers (`constant`, `ramp`, `unit`, `oscillate`, `delay`, `offset`, `sum`) and its
//! per-cycle transforms (`min`, `limit`, `quantize`).
//!
//! The three scenarios driven by Go's `math/rand` (HighGOGC, JitterAlloc, HeavyJitterAlloc)
//! are not generated here: their inputs must come from a CSV (`--inputs`).

use super::replay::{CycleInput, ReplayConfig};

/// A float64Stream of the test.
#[derive(Clone, Debug)]
enum Stream {
    Const(f64),
    /// `ramp(height, length)`: height·min(i, length)/length.
    Ramp {
        h: f64,
        len: i64,
        cycle: i64,
    },
    /// `unit(amp)`: amp once, then 0.
    Unit {
        amp: f64,
        dropped: bool,
    },
    /// `oscillate(amp, phase, period)`.
    Osc {
        amp: f64,
        phase: f64,
        period: i64,
        cycle: i64,
    },
    /// `f.delay(n)`: n zeroes, then f from its start.
    Delay(Box<Stream>, i64, i64),
    /// `f.offset(a)`.
    Offset(Box<Stream>, f64),
    /// `f.sum(s...)`.
    Sum(Vec<Stream>),
}

impl Stream {
    fn next(&mut self) -> f64 {
        match self {
            Stream::Const(c) => *c,
            Stream::Ramp { h, len, cycle } => {
                let v = *h * *cycle as f64 / *len as f64;
                if *cycle < *len {
                    *cycle += 1;
                }
                v
            }
            Stream::Unit { amp, dropped } => {
                if *dropped {
                    0.0
                } else {
                    *dropped = true;
                    *amp
                }
            }
            Stream::Osc {
                amp,
                phase,
                period,
                cycle,
            } => {
                let p = *cycle as f64 / *period as f64 * 2.0 * std::f64::consts::PI + *phase;
                *cycle += 1;
                if *cycle == *period {
                    *cycle = 0;
                }
                p.sin() * *amp
            }
            Stream::Delay(f, n, zeroes) => {
                if *zeroes < *n {
                    *zeroes += 1;
                    0.0
                } else {
                    f.next()
                }
            }
            Stream::Offset(f, a) => f.next() + *a,
            Stream::Sum(fs) => {
                let mut it = fs.iter_mut();
                let mut s = it.next().map_or(0.0, |f| f.next());
                for f in it {
                    s += f.next();
                }
                s
            }
        }
    }
}

fn c(v: f64) -> Stream {
    Stream::Const(v)
}
fn ramp(h: f64, len: i64) -> Stream {
    Stream::Ramp { h, len, cycle: 0 }
}
fn sum(v: Vec<Stream>) -> Stream {
    Stream::Sum(v)
}
fn delay(f: Stream, n: i64) -> Stream {
    Stream::Delay(Box::new(f), n, 0)
}

/// One of Go's scenarios: its harness settings and input streams.
struct Scenario {
    cfg: ReplayConfig,
    alloc: Stream,
    scan: Stream,
    growth: Stream,
    frac: Stream,
    stack: Stream,
    len: usize,
}

/// Names of the 19 scenarios of `TestGcPacer`.
pub const NAMES: [&str; 19] = [
    "Steady",
    "SteadyBigStacks",
    "SteadyBigGlobals",
    "StepAlloc",
    "HeavyStepAlloc",
    "StepScannableFrac",
    "HighGOGC",
    "OscAlloc",
    "JitterAlloc",
    "HeavyJitterAlloc",
    "SmallHeapSlowAlloc",
    "MediumHeapSlowAlloc",
    "LargeHeapSlowAlloc",
    "SteadyMemoryLimit",
    "SteadyMemoryLimitNoGCPercent",
    "ExceedMemoryLimit",
    "ExceedMemoryLimitNoGCPercent",
    "MaintainMemoryLimit",
    "MaintainMemoryLimitNoGCPercent",
];

/// The harness settings of a scenario (GOGC, memory limit, globals, cores), for any of the 19.
pub fn config(name: &str) -> Option<ReplayConfig> {
    if !NAMES.contains(&name) {
        return None;
    }
    let mut cfg = ReplayConfig::default();
    match name {
        "SteadyBigGlobals" => cfg.globals = 128 << 20,
        "HighGOGC" => cfg.gogc = 1500,
        _ => {}
    }
    if name.contains("MemoryLimit") {
        cfg.memory_limit = 512 << 20;
        if name.ends_with("NoGCPercent") {
            cfg.gogc = -1;
        }
    }
    Some(cfg)
}

fn scenario(name: &str) -> Option<Scenario> {
    let g2 = || sum(vec![c(2.0), ramp(-1.0, 12)]);
    let steady = |alloc: f64| Scenario {
        cfg: config(name).expect("known"),
        alloc: c(alloc),
        scan: c(1024.0),
        growth: g2(),
        frac: c(1.0),
        stack: c(8192.0),
        len: 50,
    };
    Some(match name {
        "Steady" | "SteadyMemoryLimit" | "SteadyMemoryLimitNoGCPercent" => steady(33.0),
        "SteadyBigStacks" => Scenario {
            stack: sum(vec![c(2048.0), ramp((128 << 20) as f64, 8)]),
            ..steady(132.0)
        },
        "SteadyBigGlobals" => steady(132.0),
        "StepAlloc" => Scenario {
            alloc: sum(vec![c(33.0), delay(ramp(66.0, 1), 50)]),
            len: 100,
            ..steady(0.0)
        },
        "HeavyStepAlloc" => Scenario {
            alloc: sum(vec![c(33.0), delay(ramp(330.0, 1), 50)]),
            len: 100,
            ..steady(0.0)
        },
        "StepScannableFrac" => Scenario {
            frac: sum(vec![
                c(0.2),
                delay(
                    Stream::Unit {
                        amp: 0.5,
                        dropped: false,
                    },
                    50,
                ),
            ]),
            len: 100,
            ..steady(128.0)
        },
        "OscAlloc" => Scenario {
            alloc: Stream::Offset(
                Box::new(Stream::Osc {
                    amp: 13.0,
                    phase: 0.0,
                    period: 8,
                    cycle: 0,
                }),
                67.0,
            ),
            ..steady(0.0)
        },
        "SmallHeapSlowAlloc" | "MediumHeapSlowAlloc" | "LargeHeapSlowAlloc" => {
            let growth = match name {
                "SmallHeapSlowAlloc" => sum(vec![c(2.0), ramp(-1.0, 3)]),
                "MediumHeapSlowAlloc" => sum(vec![c(2.0), ramp(-1.0, 8)]),
                _ => sum(vec![c(4.0), ramp(-3.0, 12)]),
            };
            Scenario {
                scan: c(2048.0),
                growth,
                frac: c(0.01),
                ..steady(1.0)
            }
        }
        "ExceedMemoryLimit" | "ExceedMemoryLimitNoGCPercent" => Scenario {
            growth: sum(vec![c(3.5), ramp(-2.5, 12)]),
            ..steady(33.0)
        },
        "MaintainMemoryLimit" | "MaintainMemoryLimitNoGCPercent" => Scenario {
            growth: sum(vec![c(3.0), ramp(-2.0, 12)]),
            ..steady(33.0)
        },
        _ => return None, // unknown, or driven by math/rand
    })
}

/// Generated inputs and settings of a scenario, or `None` for an unknown name or one of the
/// three `math/rand` scenarios.
pub fn builtin(name: &str) -> Option<(Vec<CycleInput>, ReplayConfig)> {
    let mut s = scenario(name)?;
    const MIN_RATE: f64 = 0.0001;
    let inputs = (0..s.len)
        .map(|i| {
            let alloc = s.alloc.next().max(MIN_RATE);
            let scan = s.scan.next().max(MIN_RATE);
            let growth = s.growth.next().max(MIN_RATE);
            let frac = s.frac.next().clamp(0.0, 1.0);
            // quantize(2048) then min(0), converted to uint64.
            let r = s.stack.next() / 2048.0;
            let q = if r < 0.0 {
                r.ceil() * 2048.0
            } else {
                r.floor() * 2048.0
            };
            CycleInput {
                cycle: (i + 1) as u32,
                alloc_rate: alloc,
                scan_rate: scan,
                growth_rate: growth,
                scannable_frac: frac,
                stack_bytes: q.max(0.0) as u64,
            }
        })
        .collect();
    Some((inputs, s.cfg))
}
