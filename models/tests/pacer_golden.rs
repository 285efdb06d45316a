//! The pacer against Go's own `TestGcPacer` (golden per-cycle output of go1.21.13, identical on
//! go1.27.3, in `shared/reference/pacer-golden`): every integer equal, every float
//! bit-identical, and Go's checkers pass.

mod common;
use common::*;
use models::gc::replay::{CycleInput, CycleResult, ReplayConfig, read_inputs_csv, replay};
use std::collections::BTreeMap;

const SCENARIOS: [&str; 8] = [
    "Steady",
    "SteadyBigStacks",
    "StepAlloc",
    "HeavyStepAlloc",
    "OscAlloc",
    "SmallHeapSlowAlloc",
    "SteadyMemoryLimit",
    "ExceedMemoryLimit",
];

fn config(name: &str) -> ReplayConfig {
    let mut c = ReplayConfig::default();
    if name.contains("MemoryLimit") {
        c.memory_limit = 512 << 20;
    }
    c
}

fn golden(file: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    read_csv(&format!("reference/pacer-golden/{file}"))
        .into_iter()
        .filter(|r| r["scenario"] == name)
        .collect()
}

fn run(name: &str) -> (Vec<CycleInput>, Vec<CycleResult>) {
    let path = shared_dir().join("reference/pacer-golden/cycles_start.csv");
    let f = std::fs::File::open(&path).expect("golden inputs");
    let inputs = read_inputs_csv(f, name).expect("inputs");
    let out = replay(&inputs, &config(name));
    (inputs, out)
}

fn int(row: &BTreeMap<String, String>, k: &str) -> i128 {
    row[k]
        .parse()
        .unwrap_or_else(|_| panic!("{k} = {:?}", row[k]))
}

fn float(row: &BTreeMap<String, String>, k: &str) -> f64 {
    row[k]
        .parse()
        .unwrap_or_else(|_| panic!("{k} = {:?}", row[k]))
}

#[test]
fn eight_golden_scenarios_are_bit_exact() {
    let mut cycles = 0;
    for name in SCENARIOS {
        let (_, out) = run(name);
        let start = golden("cycles_start.csv", name);
        let end = golden("cycles_end.csv", name);
        assert_eq!(out.len(), start.len(), "{name}: cycle count");
        for ((r, s), e) in out.iter().zip(&start).zip(&end) {
            let at = format!("{name} cycle {}", r.cycle);
            let ints: [(&str, i128, &BTreeMap<String, String>); 21] = [
                ("cycle", r.cycle as i128, s),
                ("heapMarkedPrev", r.heap_marked_prev as i128, s),
                ("triggered", r.triggered as i128, s),
                ("heapPeak", r.heap_peak as i128, s),
                ("heapGoal", r.heap_goal as i128, s),
                ("heapScannable", r.heap_scannable as i128, s),
                ("assistTimeNs", r.assist_time_ns as i128, s),
                ("gcDurationNs", r.gc_duration_ns as i128, s),
                ("bytesAllocatedBlack", r.bytes_allocated_black as i128, s),
                ("nextHeapMarked", r.next_heap_marked as i128, s),
                ("nRevise", r.n_revise as i128, s),
                ("triggerFnTrigger", r.trigger_fn.0 as i128, s),
                ("triggerFnGoal", r.trigger_fn.1 as i128, s),
                ("runway", r.runway as i128, e),
                ("heapMarked", r.heap_marked as i128, e),
                ("lastHeapScan", r.last_heap_scan as i128, e),
                ("lastStackScan", r.last_stack_scan as i128, e),
                ("gcPercentHeapGoal", r.gc_percent_heap_goal as i128, e),
                ("sweepDistMinTrigger", r.sweep_dist_min_trigger as i128, e),
                ("nextTrigger", r.next_trigger as i128, e),
                ("nextGoal", r.next_goal as i128, e),
            ];
            for (k, v, row) in ints {
                assert_eq!(v, int(row, k), "{at}: {k}");
            }
            let floats = [
                ("gcUtilization", r.gc_utilization, s),
                ("consMark", r.cons_mark, e),
                ("lastConsMark0", r.last_cons_mark[0], e),
                ("lastConsMark1", r.last_cons_mark[1], e),
                ("lastConsMark2", r.last_cons_mark[2], e),
                ("lastConsMark3", r.last_cons_mark[3], e),
            ];
            for (k, v, row) in floats {
                assert_eq!(
                    v.to_bits(),
                    float(row, k).to_bits(),
                    "{at}: {k} {v} vs {}",
                    row[k]
                );
            }
            cycles += 1;
        }
    }
    assert_eq!(cycles, 500);
}

/// Go's checkers (pacer spec §3.3) on the replayed cycles.
#[test]
fn go_checkers_pass() {
    const LIM: u64 = 520_764_785;
    let in_eps = |a: f64, b: f64, e: f64| a >= b - e && a <= b + e;
    let in_range = |a: f64, lo: f64, hi: f64| a >= lo && a <= hi;
    for name in SCENARIOS {
        let (_, c) = run(name);
        for n in 1..=c.len() {
            let r = &c[n - 1];
            let util = r.gc_utilization;
            let prev = if n >= 2 {
                c[n - 2].gc_utilization
            } else {
                util
            };
            let goal_ratio = r.heap_peak as f64 / r.heap_goal as f64;
            let trigger_ratio = (r.triggered as f64 - r.heap_marked_prev as f64)
                / (r.heap_goal as f64 - r.heap_marked_prev as f64);
            assert!(
                (0.0..=1.0).contains(&util) && r.heap_scannable >= 0,
                "{name} {n}: generic checks"
            );
            let steady = |n: usize| {
                n < 25
                    || (in_eps(util, 0.25, 0.005)
                        && in_eps(util, prev, 0.005)
                        && in_range(goal_ratio, 0.95, 1.05))
            };
            let ok = match name {
                "Steady" | "SteadyBigStacks" => steady(n),
                "StepAlloc" | "HeavyStepAlloc" => {
                    !((25..50).contains(&n) || n >= 75)
                        || (in_eps(util, prev, 0.005) && in_range(goal_ratio, 0.95, 1.05))
                }
                "OscAlloc" => {
                    n <= 12 || (in_range(goal_ratio, 0.95, 1.05) && in_range(util, 0.25, 0.3))
                }
                "SmallHeapSlowAlloc" => {
                    (n <= 4
                        || (in_range(goal_ratio, 0.925, 1.025)
                            && in_range(trigger_ratio, 0.925, 0.975)))
                        && (n <= 25
                            || (in_eps(util, 0.25, 0.005)
                                && in_eps(util, prev, 0.05)
                                && in_eps(util, c[11].gc_utilization, 0.05)))
                }
                "SteadyMemoryLimit" => r.heap_peak < LIM && steady(n),
                "ExceedMemoryLimit" => {
                    (n <= 12 || r.heap_goal == r.heap_marked_prev)
                        && (n < 25 || (in_eps(util, 1.0, 0.005) && in_eps(util, prev, 0.005)))
                }
                _ => unreachable!(),
            };
            assert!(
                ok,
                "{name} cycle {n}: Go's checker fails (util {util}, goal ratio {goal_ratio})"
            );
        }
    }
}

/// The generated input streams equal the golden inputs bit for bit.
#[test]
fn builtin_streams_equal_the_golden_inputs() {
    for name in SCENARIOS {
        let (golden_inputs, _) = run(name);
        let (generated, cfg) =
            models::gc::scenarios::builtin(name).expect("deterministic scenario");
        assert_eq!(generated.len(), golden_inputs.len(), "{name}");
        for (a, b) in generated.iter().zip(&golden_inputs) {
            let same = a.alloc_rate.to_bits() == b.alloc_rate.to_bits()
                && a.scan_rate.to_bits() == b.scan_rate.to_bits()
                && a.growth_rate.to_bits() == b.growth_rate.to_bits()
                && a.scannable_frac.to_bits() == b.scannable_frac.to_bits()
                && a.stack_bytes == b.stack_bytes;
            assert!(same, "{name} cycle {}: {a:?} vs {b:?}", a.cycle);
        }
        assert_eq!(cfg.memory_limit, config(name).memory_limit);
    }
}

/// Go's checkers for the scenarios without golden data (pacer spec §3.3), on generated inputs.
#[test]
fn go_checkers_pass_on_the_other_generated_scenarios() {
    const LIM: u64 = 520_764_785;
    let in_eps = |a: f64, b: f64, e: f64| a >= b - e && a <= b + e;
    let in_range = |a: f64, lo: f64, hi: f64| a >= lo && a <= hi;
    for name in models::gc::scenarios::NAMES {
        let Some((inputs, cfg)) = models::gc::scenarios::builtin(name) else {
            assert!(
                ["HighGOGC", "JitterAlloc", "HeavyJitterAlloc"].contains(&name),
                "{name} has no generator"
            );
            continue;
        };
        let c = replay(&inputs, &cfg);
        for n in 1..=c.len() {
            let r = &c[n - 1];
            let util = r.gc_utilization;
            let prev = if n >= 2 {
                c[n - 2].gc_utilization
            } else {
                util
            };
            let goal_ratio = r.heap_peak as f64 / r.heap_goal as f64;
            let trigger_ratio = (r.triggered as f64 - r.heap_marked_prev as f64)
                / (r.heap_goal as f64 - r.heap_marked_prev as f64);
            let runway = r.heap_goal - r.triggered;
            let steady = n < 25
                || (in_eps(util, 0.25, 0.005)
                    && in_eps(util, prev, 0.005)
                    && in_range(goal_ratio, 0.95, 1.05));
            let slow_util = n <= 25
                || (in_eps(util, 0.25, 0.005)
                    && in_eps(util, prev, 0.05)
                    && in_eps(util, c[11].gc_utilization, 0.05));
            let ok = match name {
                "Steady" | "SteadyBigStacks" | "SteadyBigGlobals" => steady,
                "StepAlloc" | "HeavyStepAlloc" | "StepScannableFrac" => {
                    !((25..50).contains(&n) || n >= 75)
                        || (in_eps(util, prev, 0.005) && in_range(goal_ratio, 0.95, 1.05))
                }
                "OscAlloc" => {
                    n <= 12 || (in_range(goal_ratio, 0.95, 1.05) && in_range(util, 0.25, 0.3))
                }
                "SmallHeapSlowAlloc" => {
                    (n <= 4
                        || (in_range(goal_ratio, 0.925, 1.025)
                            && in_range(trigger_ratio, 0.925, 0.975)))
                        && slow_util
                }
                "MediumHeapSlowAlloc" => {
                    (n <= 9
                        || (in_range(goal_ratio, 0.925, 1.025)
                            && in_range(trigger_ratio, 0.925, 0.975)))
                        && slow_util
                }
                "LargeHeapSlowAlloc" => {
                    (n <= 13
                        || (in_range(goal_ratio, 0.95, 1.05)
                            && ((4 << 20) - (64 << 10)..=(4 << 20) + (64 << 10)).contains(&runway)))
                        && slow_util
                }
                "SteadyMemoryLimit" => r.heap_peak < LIM && steady,
                "SteadyMemoryLimitNoGCPercent" => r.heap_goal == LIM && steady,
                "ExceedMemoryLimit" => {
                    (n <= 12 || r.heap_goal == r.heap_marked_prev)
                        && (n < 25 || (in_eps(util, 1.0, 0.005) && in_eps(util, prev, 0.005)))
                }
                "ExceedMemoryLimitNoGCPercent" => {
                    (n >= 10 || r.heap_goal == LIM)
                        && (n <= 12 || r.heap_goal == r.heap_marked_prev)
                        && (n < 25 || (in_eps(util, 1.0, 0.005) && in_eps(util, prev, 0.005)))
                }
                "MaintainMemoryLimit" => (n <= 12 || r.heap_goal == LIM) && steady,
                "MaintainMemoryLimitNoGCPercent" => r.heap_goal == LIM && steady,
                other => panic!("no checker for {other}"),
            };
            assert!(
                ok,
                "{name} cycle {n}: Go's checker fails (util {util}, goal ratio {goal_ratio}, goal {})",
                r.heap_goal
            );
        }
    }
}
