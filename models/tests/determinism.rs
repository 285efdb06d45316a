//! Same scenario + same seed ⇒ byte-identical output; another seed ⇒ different output. On a
//! mismatch the test names the simulated time of the first divergent event.

mod common;

use models::run::run_observed;
use models::scenario::load_scenario;
use models::sim::RunOptions;
use sim_core::run::HashTrace;
use std::path::PathBuf;

fn run(seed: Option<u64>) -> (String, u64, HashTrace) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/default.toml");
    let sc = load_scenario(&path, &[])
        .expect("default scenario loads")
        .scenario;
    let mut trace = HashTrace::default();
    let opts = RunOptions {
        seed,
        schedtrace: Some(50_000_000),
        ..Default::default()
    };
    let r = run_observed(&sc, opts, &mut trace).expect("runs");
    let out = format!(
        "{}\n{}",
        serde_json::to_string(&r.summary).expect("json"),
        r.schedtrace
    );
    (out, r.outcome.hash, trace)
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, ha, ta) = run(None);
    let (b, hb, tb) = run(None);
    if let Some((i, t)) = ta.first_divergence(&tb) {
        panic!("runs diverge at event {i}, simulated time {t} ns");
    }
    assert_eq!(ha, hb);
    assert_eq!(a, b, "same seed, same output bytes");
    let (c, hc, _) = run(Some(2));
    assert_ne!(ha, hc, "another seed gives another run");
    assert_ne!(a, c);
}

#[test]
fn machine_runs_are_deterministic() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/default.toml");
    let sets: Vec<String> = [
        "runtime.gomaxprocs=8",
        "machine.numa_nodes=2",
        "machine.cores_per_node=2",
        "machine.cpu_quota=3",
        "meta.duration=500ms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sc = load_scenario(&path, &sets).expect("loads").scenario;
    let go = |seed| {
        let r = models::run::run_scenario(
            &sc,
            RunOptions {
                seed,
                ..Default::default()
            },
        )
        .expect("runs");
        assert!(r.summary.machine.throttled_periods > 0);
        assert!(r.summary.machine.remote_cpu_fraction > 0.0);
        assert!(r.summary.machine.os_context_switches > 0);
        serde_json::to_string(&r.summary).expect("json")
    };
    assert_eq!(go(None), go(None), "same seed, same bytes");
    assert_ne!(go(None), go(Some(2)));
}
