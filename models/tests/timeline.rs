//! The chart sampler (`timeline.rs`): sampling does not change the run, samples land on the
//! grid, and the sampled state obeys the pacer's and the scheduler's rules.

use models::run::run_scenario;
use models::scenario::load_scenario;
use models::sim::RunOptions;
use models::timeline::PState;
use std::path::PathBuf;

fn scenario(sets: &[&str]) -> models::scenario::Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/default.toml");
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_scenario(&path, &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

#[test]
fn sampling_leaves_the_run_unchanged_and_samples_on_the_grid() {
    let sc = scenario(&["meta.duration=400ms", "runtime.gomaxprocs=2"]);
    let plain = run_scenario(&sc, RunOptions::default()).expect("runs");
    let sampled = run_scenario(
        &sc,
        RunOptions {
            sample_interval: Some(1_000_000),
            ..Default::default()
        },
    )
    .expect("runs");
    assert!(plain.timeline.is_empty());
    assert_eq!(plain.summary.run_hash, sampled.summary.run_hash);
    assert_eq!(plain.summary.events, sampled.summary.events);
    let tl = &sampled.timeline;
    // 0, 1 ms, …, 400 ms.
    assert_eq!(tl.len(), 401);
    assert!(
        tl.t_ns
            .iter()
            .enumerate()
            .all(|(i, t)| *t == i as u64 * 1_000_000)
    );
    assert_eq!(tl.max_procs(), 2);
    assert_eq!(tl.p_runq.len(), 2 * 401);
    assert_eq!(tl.gc_cycles.len() as u32, sampled.summary.gc.cycles);
    for i in 0..tl.len() {
        // The pacer's trigger never exceeds its goal.
        assert!(tl.trigger[i] <= tl.heap_goal[i], "sample {i}");
    }
    // The sampled heap never exceeds the peak the run reports.
    let peak = *tl.heap_live.iter().max().expect("samples");
    assert!(peak <= sampled.summary.gc.peak_heap_bytes);
    assert!(peak > 0);
}

#[test]
fn p_states_show_gc_workers_during_cycles_only() {
    // A small GOGC makes several cycles; dedicated workers run only while a cycle is on.
    let sc = scenario(&[
        "meta.duration=400ms",
        "runtime.gomaxprocs=4",
        "runtime.gogc=25",
    ]);
    let r = run_scenario(
        &sc,
        RunOptions {
            sample_interval: Some(100_000),
            ..Default::default()
        },
    )
    .expect("runs");
    let tl = &r.timeline;
    assert!(r.summary.gc.cycles >= 2, "cycles {}", r.summary.gc.cycles);
    let in_cycle = |t: u64| tl.gc_cycles.iter().any(|(a, b)| *a <= t && t <= *b);
    let mut worker_samples = 0;
    let mut user_samples = 0;
    for i in 0..tl.len() {
        for k in tl.ps(i) {
            match tl.p_state[k] {
                PState::GcWorker => {
                    worker_samples += 1;
                    assert!(
                        in_cycle(tl.t_ns[i]),
                        "GC worker outside a cycle at {}",
                        tl.t_ns[i]
                    );
                }
                PState::User => user_samples += 1,
                _ => {}
            }
        }
    }
    assert!(worker_samples > 0);
    assert!(user_samples > worker_samples);
}
