//! The GC in the simulation follows the runtime's rules: forced cycles every 2 minutes, the
//! memory-limit goal, STW waiting for a non-preemptible loop, the heap trigger in mallocgc.

use models::run::{RunResult, run_scenario};
use models::scenario::parse_scenario;
use models::sim::RunOptions;

fn run(text: &str, sets: &[&str]) -> RunResult {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = parse_scenario(text, "gc.toml", &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    run_scenario(&sc, RunOptions::default()).expect("runs")
}

const SEC: u64 = 1_000_000_000;
const MIB: u64 = 1 << 20;

const IDLE: &str = r#"
[meta]
name = "idle"
duration = "10m"
[runtime]
gomaxprocs = 2
[[goroutines]]
name = "main"
count = 1
program = [
  { op = "alloc", size = "64KiB", count = 128, lifetime = "forever" },
  { op = "repeat", n = "forever", body = [{ op = "sleep", time = "10s" }] },
]
"#;

/// sysmon forces a cycle when none ran for 2 minutes (`forcegcperiod`), once a first GC has
/// happened, and never with GOGC=off.
#[test]
fn an_idle_program_collects_every_two_minutes() {
    let r = run(IDLE, &[]);
    let gc = &r.world.gc;
    assert!(
        gc.forced_cycles >= 4,
        "{} forced cycles in 10 minutes",
        gc.forced_cycles
    );
    let starts: Vec<u64> = gc.records.iter().map(|c| c.start_ns).collect();
    for w in starts.windows(2).skip(1) {
        let gap = w[1] - w[0];
        assert!(
            (120 * SEC..=121 * SEC).contains(&gap),
            "cycles {}s apart",
            gap as f64 / 1e9
        );
    }
    let r = run(IDLE, &["runtime.gogc=off"]);
    assert_eq!(
        r.world.gc.cycles, 0,
        "GOGC=off: no heap trigger and no forced GC"
    );
}

const LIMITED: &str = r#"
[meta]
name = "limited"
duration = "3s"
[runtime]
gomaxprocs = 2
gogc = "off"
gomemlimit = "64MiB"
[[goroutines]]
name = "main"
count = 1
program = [
  { op = "alloc", size = "32KiB", count = 640, lifetime = "forever" },
  { op = "repeat", n = 4000, body = [
    { op = "compute", time = "200us" },
    { op = "alloc", size = "128B", count = 8192, lifetime = "0s" },
  ] },
]
"#;

/// With GOGC=off the only goal is the memory limit's (limit − non-heap − 3 %): cycles start
/// only near it, and the heap stays under the limit.
#[test]
fn gogc_off_with_a_limit_collects_only_near_the_limit() {
    let r = run(LIMITED, &[]);
    let gc = &r.world.gc;
    assert!(gc.cycles >= 10, "{} cycles", gc.cycles);
    for c in gc.records.iter().skip(1) {
        assert!(
            c.heap_trigger >= 45 * MIB,
            "cycle {} started at {} MiB",
            c.n,
            c.heap_trigger >> 20
        );
        assert!(
            c.heap_goal < 64 * MIB && c.heap_goal > 55 * MIB,
            "goal {} MiB",
            c.heap_goal >> 20
        );
        assert!(c.heap_peak < 64 * MIB, "peak {} MiB", c.heap_peak >> 20);
    }
    // The same program under GOGC=100 and no limit collects at about twice the live heap.
    let r = run(LIMITED, &["runtime.gogc=100", "runtime.gomemlimit=off"]);
    let c = r.world.gc.records.last().expect("cycles");
    assert!(
        c.heap_goal < 45 * MIB,
        "GOGC goal {} MiB",
        c.heap_goal >> 20
    );
}

const LOOP: &str = r#"
[meta]
name = "loop"
duration = "500ms"
[runtime]
gomaxprocs = 2
asyncpreempt = false
[[goroutines]]
name = "spin"
count = 1
program = [{ op = "repeat", n = "forever", body = [{ op = "compute", time = "20ms", calls_every = "none" }] }]
[[goroutines]]
name = "alloc"
count = 1
program = [{ op = "repeat", n = "forever", body = [
  { op = "compute", time = "100us" },
  { op = "alloc", size = "64KiB", count = 4, lifetime = "2ms" },
] }]
"#;

/// A stop-the-world lasts until every running G reaches a safe point: a call-free loop with
/// asynchronous preemption off holds it for up to its whole length.
#[test]
fn a_non_preemptible_loop_stretches_gc_pauses() {
    let off = run(LOOP, &[]);
    let on = run(LOOP, &["runtime.asyncpreempt=true"]);
    let (off_max, on_max) = (off.summary.gc.stw_ns.max, on.summary.gc.stw_ns.max);
    assert!(off.summary.gc.cycles > 5 && on.summary.gc.cycles > 5);
    assert!(
        off_max > 5_000_000,
        "STW max {off_max} ns with asyncpreempt off"
    );
    assert!(on_max < 200_000, "STW max {on_max} ns with asyncpreempt on");
}

/// The trigger is tested in mallocgc when an mcache refills or for a large object, so the heap
/// at trigger time lands on the pacer's trigger (to within one span), and the first cycle
/// starts at the 4 MiB minimum heap × 45/64…61/64.
#[test]
fn cycles_start_at_the_pacer_trigger() {
    let r = run(LIMITED, &["runtime.gogc=100", "runtime.gomemlimit=off"]);
    let first = &r.world.gc.records[0];
    assert!(
        first.heap_trigger >= 4 * MIB * 45 / 64 && first.heap_trigger <= 4 * MIB,
        "{}",
        first.heap_trigger
    );
    assert_eq!(first.heap_goal, 4 * MIB);
}

const SPIRAL: &str = r#"
[meta]
name = "spiral"
duration = "3s"
[runtime]
gomaxprocs = 2
gogc = "off"
gomemlimit = "64MiB"
[[goroutines]]
name = "main"
count = 1
program = [
  { op = "alloc", size = "32KiB", count = 2560, lifetime = "forever", scan = 0.5 },
  { op = "repeat", n = "forever", body = [
    { op = "compute", time = "200us" },
    { op = "alloc", size = "128B", count = 8192, lifetime = "0s" },
  ] },
]
[[goroutines]]
name = "other"
count = 1
program = [{ op = "repeat", n = "forever", body = [
  { op = "compute", time = "1ms" }, { op = "alloc", size = "1KiB", count = 64, lifetime = "0s" },
] }]
"#;

/// A limit below the live heap: the goal collapses to the marked heap, cycles run back to
/// back, and the GC CPU limiter turns assists off to hold GC near 50 % of the CPU.
#[test]
fn a_limit_below_the_live_heap_runs_gc_back_to_back_under_the_cpu_limiter() {
    let r = run(SPIRAL, &[]);
    let gc = &r.summary.gc;
    // The limiter is a leaky bucket: once assists are cut off GC CPU drains it, so it
    // engages in bursts, not in every cycle; what it guarantees is the CPU fraction below.
    assert!(
        gc.limited_cycles > 0,
        "the limiter engaged in {} of {} cycles",
        gc.limited_cycles,
        gc.cycles
    );
    assert!(
        (0.40..=0.62).contains(&gc.cpu_fraction),
        "GC CPU {:.3}",
        gc.cpu_fraction
    );
    let recs = &r.world.gc.records;
    let gaps: Vec<u64> = recs
        .windows(2)
        .skip(2)
        .map(|w| w[1].start_ns - (w[0].start_ns + w[0].stw1_ns + w[0].mark_ns + w[0].stw2_ns))
        .collect();
    let back_to_back = gaps.iter().filter(|g| **g < 2_000_000).count();
    assert!(
        back_to_back * 10 >= gaps.len() * 9,
        "{back_to_back} of {} cycles start right after the previous one",
        gaps.len()
    );
    // A higher limit does not spiral.
    let r = run(SPIRAL, &["runtime.gomemlimit=1GiB"]);
    assert_eq!(r.summary.gc.limited_cycles, 0);
    assert!(
        r.summary.gc.cycles * 4 < gc.cycles,
        "{} vs {} cycles",
        r.summary.gc.cycles,
        gc.cycles
    );
}

const STEP: &str = r#"
[meta]
name = "step"
duration = "3s"
[runtime]
gomaxprocs = 4
[[goroutines]]
name = "main"
count = 1
program = [
  { op = "alloc", size = "32KiB", count = 1024, lifetime = "forever", scan = 1.0 },
  { op = "phase", name = "slow" },
  { op = "repeat", n = 800, body = [
    { op = "compute", time = "2ms" },
    { op = "alloc", size = "128B", count = 8192, lifetime = "0s" },
  ] },
  { op = "phase", name = "fast" },
  { op = "repeat", n = "forever", body = [
    { op = "compute", time = "100us" },
    { op = "alloc", size = "128B", count = 8192, lifetime = "0s" },
  ] },
]
"#;

/// A step up in the allocation rate: the pacer's cons/mark estimate lags by a cycle, the
/// runway is too short, and assists make up the difference in the cycles after the step.
#[test]
fn a_step_up_in_allocation_rate_produces_assists() {
    let r = run(STEP, &[]);
    let recs = &r.world.gc.records;
    let slow: Vec<u64> = recs
        .iter()
        .filter(|c| c.phase == "slow")
        .map(|c| c.assist_cpu_ns)
        .collect();
    let fast: Vec<u64> = recs
        .iter()
        .filter(|c| c.phase == "fast")
        .map(|c| c.assist_cpu_ns)
        .collect();
    assert!(
        slow.len() > 10 && fast.len() > 5,
        "{} slow and {} fast cycles",
        slow.len(),
        fast.len()
    );
    let before = slow[slow.len() - 5..].iter().sum::<u64>() / 5;
    let after = fast[..3].iter().sum::<u64>() / 3;
    assert!(
        after >= 2 * before,
        "assist CPU per cycle {before} ns before the step, {after} ns after"
    );
}
