//! Invariants on every event of randomised runs, and determinism.

use models::scenario::parse_scenario;
use models::sim::{RunOptions, World};
use proptest::prelude::*;
use sim_core::{EventQueue, Model};

/// A scenario text from generated knobs: a mix of every blocking operation.
fn scenario_text(
    procs: u32,
    n: u32,
    version: &str,
    asyncpreempt: bool,
    rps: u32,
    seed: u64,
) -> String {
    format!(
        r#"
[meta]
name = "random"
seed = {seed}
duration = "60ms"
[runtime]
gomaxprocs = {procs}
go_version = "{version}"
asyncpreempt = {asyncpreempt}
[[channels]]
name = "c"
capacity = 2
[[mutexes]]
name = "mu"
[[waitgroups]]
name = "wg"
[[goroutines]]
name = "worker"
count = {n}
program = [{{ op = "repeat", n = "forever", body = [
  {{ op = "compute", time = {{ dist = "exp", mean = "300us" }} }},
  {{ op = "alloc", size = "16KiB", count = 8, lifetime = "3ms", scan = 0.5 }},
  {{ op = "lock", mutex = "mu" }}, {{ op = "compute", time = "5us" }}, {{ op = "unlock", mutex = "mu" }},
  {{ op = "send", chan = "c" }},
  {{ op = "sleep", time = {{ dist = "uniform", min = "10us", max = "2ms" }} }},
  {{ op = "syscall", time = {{ dist = "exp", mean = "200us" }} }},
  {{ op = "gosched" }},
  {{ op = "spawn", class = "child" }},
] }}]
[[goroutines]]
name = "consumer"
count = 2
program = [{{ op = "repeat", n = "forever", body = [
  {{ op = "recv", chan = "c" }}, {{ op = "compute", time = "50us", calls_every = "none" }},
  {{ op = "io", time = "300us" }},
] }}]
[[goroutines]]
name = "child"
program = [{{ op = "compute", time = "20us" }}, {{ op = "sleep", time = "100us" }}]
[[goroutines]]
name = "resizer"
count = 1
start = "20ms"
program = [{{ op = "gomaxprocs", n = {resize} }}, {{ op = "compute", time = "1ms" }}]
[[clients]]
name = "cl"
count = 3
think = {{ dist = "exp", mean = "1ms" }}
program = [{{ op = "compute", time = "30us" }}, {{ op = "io", time = "500us" }}]
[[arrivals]]
name = "req"
rate = "{rps}/s"
program = [{{ op = "compute", time = "40us" }}, {{ op = "alloc", size = "48KiB", scan = true }}, {{ op = "io", time = "1ms" }}, {{ op = "respond" }}]
"#,
        resize = (procs % 4) + 1
    )
}

fn check_every_event(text: &str) -> Result<(u64, u32), String> {
    let sc = parse_scenario(text, "random.toml", &[])
        .map_err(|e| e.to_string())?
        .scenario;
    let mut w = World::new(&sc, RunOptions::default()).map_err(|e| e.to_string())?;
    let mut q = EventQueue::new();
    w.boot(&mut q);
    w.check_invariants()
        .map_err(|e| format!("after boot: {e}"))?;
    let mut last = 0;
    let mut events = 0;
    while let Some((t, ev)) = q.pop() {
        if t >= w.duration {
            break;
        }
        if t < last {
            return Err(format!("time went back from {last} to {t}"));
        }
        last = t;
        let ctl = w.handle(t, ev, &mut q);
        events += 1;
        w.check_invariants()
            .map_err(|e| format!("t={t} after {ev:?}: {e}"))?;
        if ctl != sim_core::Control::Continue {
            break;
        }
    }
    Ok((events, w.gc.cycles))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold_on_every_event(
        procs in 1u32..6,
        n in 1u32..12,
        v in prop::sample::select(vec!["1.21", "1.22", "1.25", "1.26", "1.27"]),
        asyncpreempt in any::<bool>(),
        rps in 100u32..20_000,
        seed in 0u64..1000,
    ) {
        let text = scenario_text(procs, n, v, asyncpreempt, rps, seed);
        let (events, cycles) = check_every_event(&text).map_err(TestCaseError::fail)?;
        prop_assert!(events > 100, "the run did something ({events} events)");
        prop_assert!(cycles >= 1, "the GC ran during the run");
    }
}
