//! The machine under the runtime (`[machine]`): CFS quota throttling, the quota-aware default
//! GOMAXPROCS, CPU sharing when threads outnumber CPUs, NUMA costs, and the transparency of
//! the default machine.

mod common;

use models::machine::{Machine, default_gomaxprocs};
use models::run::{RunResult, run_scenario};
use models::scenario::parse_scenario;
use models::sim::RunOptions;

/// A CPU-bound service: constant arrivals, 1 ms of CPU per request, 8 CPUs of demand.
const SERVICE: &str = r#"[meta]
name = "cpu-bound"
duration = "1s"

[runtime]
gomaxprocs = 4

[[arrivals]]
name = "req"
rate = "8k/s"
process = "constant"
program = [{ op = "compute", time = "1ms" }]
"#;

fn run(text: &str, sets: &[&str]) -> RunResult {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = parse_scenario(text, "t.toml", &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    run_scenario(&sc, RunOptions::default()).expect("runs")
}

#[test]
fn a_quota_below_gomaxprocs_throttles_and_caps_cpu_per_period() {
    let m = ["machine.cores_per_node=8", "machine.cpu_quota=2"];
    let r = run(SERVICE, &m);
    let q = r.world.machine.quota.as_ref().expect("quota");
    assert_eq!(q.budget, 200_000_000, "2 CPUs × 100 ms");
    // 4 busy Ps use 2 CPUs' budget in half a period: every period throttles.
    assert!(
        q.throttled_periods >= 9,
        "throttled in {} of 10 periods",
        q.throttled_periods
    );
    assert!(r.summary.machine.throttled_ns > 400_000_000);
    // The accounting's own bound …
    assert!(q.max_used <= q.budget, "{} > {}", q.max_used, q.budget);
    // … and an independent one: each completed request used 1 ms of CPU, so at most
    // quota × duration of them can finish (4 Ps without the quota finish ~4000).
    let done = r.summary.requests.completed;
    assert!(
        done <= 2_000,
        "{done} requests done on a 2-CPU quota in 1 s"
    );
    assert!(done >= 1_800, "the quota is used, not wasted: {done}");
    let free = run(SERVICE, &["machine.cores_per_node=8"]);
    assert!(free.summary.requests.completed >= 3_900);
    assert_eq!(free.summary.machine.throttled_periods, 0);
}

#[test]
fn a_quota_above_gomaxprocs_never_throttles_and_changes_nothing() {
    let free = run(SERVICE, &["machine.cores_per_node=8"]);
    let r = run(
        SERVICE,
        &["machine.cores_per_node=8", "machine.cpu_quota=4.5"],
    );
    let q = r.world.machine.quota.as_ref().expect("quota");
    assert_eq!(q.throttled_periods, 0);
    assert_eq!(r.summary.machine.throttled_ns, 0);
    assert!(q.periods >= 9, "the periods did roll over: {}", q.periods);
    // 4 Ps can use at most 4 CPUs: the same schedule as without a quota.
    assert_eq!(
        r.summary.requests.completed,
        free.summary.requests.completed
    );
    assert_eq!(
        r.summary.latency_ns.p99, free.summary.latency_ns.p99,
        "an unreached quota changes no latency"
    );
}

#[test]
fn go_1_25_default_gomaxprocs_follows_the_quota() {
    // The rule (spec §9): ceil(quota), never below 2, capped at the CPU count.
    assert_eq!(default_gomaxprocs(32, Some(4.0), true), 4);
    assert_eq!(default_gomaxprocs(32, Some(2.3), true), 3);
    assert_eq!(default_gomaxprocs(32, Some(0.5), true), 2);
    assert_eq!(default_gomaxprocs(32, Some(100.0), true), 32);
    assert_eq!(default_gomaxprocs(1, Some(0.5), true), 1);
    assert_eq!(default_gomaxprocs(32, None, true), 32);
    assert_eq!(default_gomaxprocs(32, Some(4.0), false), 32);
    // Through a scenario: GOMAXPROCS unset, a 4-CPU quota on 32 cores.
    let gmp = |sets: &[&str]| {
        let all: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let text = SERVICE.replace("gomaxprocs = 4\n", "");
        let sc = parse_scenario(&text, "t.toml", &all)
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        Machine::new(&sc).1
    };
    let m = ["machine.cores_per_node=32", "machine.cpu_quota=4"];
    assert_eq!(gmp(&[m[0], m[1], "runtime.go_version=\"1.25\""]), 4);
    assert_eq!(gmp(&[m[0], m[1], "runtime.go_version=\"1.27\""]), 4);
    assert_eq!(gmp(&[m[0], m[1], "runtime.go_version=\"1.24\""]), 32);
    assert_eq!(gmp(&[m[0], "runtime.go_version=\"1.25\""]), 32);
    // An explicit GOMAXPROCS wins.
    let r = run(SERVICE, &[m[0], m[1]]);
    assert_eq!(r.world.gomaxprocs, 4);
    let r = run(SERVICE, &[m[0], m[1], "runtime.gomaxprocs=32"]);
    assert_eq!(r.world.gomaxprocs, 32);
}

/// Eight goroutines of 100 ms of CPU each, on 8 Ps.
const CRUNCH: &str = r#"[meta]
name = "crunch"
duration = "2s"

[runtime]
gomaxprocs = 8

[[goroutines]]
name = "crunch"
count = 8
program = [{ op = "compute", time = "100ms" }]
"#;

#[test]
fn threads_above_cpus_take_proportionally_longer() {
    let t = |cores: u32| {
        let r = run(CRUNCH, &[&format!("machine.cores_per_node={cores}")]);
        (
            r.summary.sim_time_ns as f64,
            r.summary.machine.os_context_switches,
        )
    };
    let (t8, cs8) = t(8);
    let (t4, cs4) = t(4);
    let (t2, _) = t(2);
    assert!((t8 / 1e8 - 1.0).abs() < 0.05, "8 threads on 8 CPUs: {t8}");
    assert_eq!(cs8, 0, "no time sharing with a CPU per thread");
    let r4 = t4 / t8;
    let r2 = t2 / t8;
    assert!((r4 - 2.0).abs() < 0.1, "8 threads on 4 CPUs: ×{r4:.3}");
    assert!((r2 - 4.0).abs() < 0.2, "8 threads on 2 CPUs: ×{r2:.3}");
    // 8 × 200 ms of wall time in 3 ms slices.
    assert!(cs4 >= 500, "time slices switched: {cs4}");
}

/// main creates two goroutines of 5 ms on P0 (node 0); the spinning M on P1 (node 1)
/// steals one of them: its work runs on remote memory.
const REMOTE: &str = r#"[meta]
name = "remote"
duration = "1s"

[runtime]
gomaxprocs = 2

[machine]
numa_nodes = 2
cores_per_node = 1
remote_access_factor = 1.5

[[goroutines]]
name = "w"
count = 2
program = [{ op = "compute", time = "5ms" }]
"#;

#[test]
fn remote_work_costs_exactly_the_factor() {
    let r = run(REMOTE, &[]);
    let mut w = r.world;
    // The two threads ran on CPU 0 (node 0) and CPU 1 (node 1); which P each holds at the
    // end depends on the run.
    let mut nodes = [w.p_node(0), w.p_node(1)];
    nodes.sort();
    assert_eq!(nodes, [0, 1]);
    // The rule: a G created on node 0 (memory there) pays the factor on node 1 only.
    let p_on_0 = (0..2).find(|&p| w.p_node(p) == 0).expect("a P on node 0");
    w.numa_newg(0, p_on_0);
    assert_eq!(w.numa_factor(0, 0, 1_000_000, true), 1.0);
    assert_eq!(w.numa_factor(0, 1, 1_000_000, true), 1.5);
    // End to end: the stolen goroutine's 5 ms take 7.5 ms; the local one 5 ms.
    let two = run(REMOTE, &[]);
    let one = run(
        REMOTE,
        &["machine.numa_nodes=1", "machine.cores_per_node=2"],
    );
    assert_eq!(two.summary.machine.remote_cpu_fraction, 0.5);
    assert_eq!(one.summary.machine.remote_cpu_fraction, 0.0);
    assert_eq!(
        two.summary.sim_time_ns - one.summary.sim_time_ns,
        2_500_000,
        "the remote piece costs exactly 0.5 × 5 ms more"
    );
}

#[test]
fn the_default_machine_is_transparent() {
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/default.toml");
    let text = std::fs::read_to_string(&path).expect("default.toml");
    // An explicit machine with the defaults: one node, one CPU per P, no quota.
    let explicit = format!("{text}\n[machine]\nnuma_nodes = 1\nsmt = 1\n");
    let a = run(&text, &[]);
    let b = run(&explicit, &[]);
    assert!(b.world.machine.modelled && !a.world.machine.modelled);
    assert_eq!(a.summary.run_hash, b.summary.run_hash);
    assert_eq!(a.summary.events, b.summary.events);
    // GOMAXPROCS below the cores: still nothing changes.
    let c = run(&explicit, &["machine.cores_per_node=16"]);
    assert_eq!(a.summary.run_hash, c.summary.run_hash);
    assert_eq!(c.summary.machine.cpus, 16);
}

#[test]
fn cpu_quota_throttling_stalls_requests_with_32_procs() {
    let run = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        common::run_file("scenarios/cpu-quota-throttling.toml", &sets)
    };
    let p32 = run(&["runtime.gomaxprocs=32"]);
    let aware = run(&[]);
    let p4 = run(&["runtime.gomaxprocs=4"]);
    let old = run(&["runtime.go_version=\"1.24\""]);
    assert_eq!(p32.world.gomaxprocs, 32);
    assert_eq!(
        aware.world.gomaxprocs, 4,
        "1.25+: GOMAXPROCS from the 4-CPU quota"
    );
    assert_eq!(old.world.gomaxprocs, 32, "1.24: all host CPUs");
    let m = |r: &RunResult| r.summary.machine.throttled_periods;
    assert!(m(&p32) >= 5, "32 Ps throttle: {}", m(&p32));
    assert!(m(&old) >= 5, "so does 1.24's default: {}", m(&old));
    assert_eq!(m(&aware), 0);
    assert_eq!(m(&p4), 0);
    let p99 = |r: &RunResult| r.summary.latency_ns.p99;
    // Once the cache is built (the `serve` phase; building it runs 7–8 GC cycles whose
    // assists set the warm-up's tail in every configuration), a throttled period stalls
    // every thread for the rest of it: the quota of 400 ms of CPU runs out after ~12.5 ms
    // with 32 threads busy, so a request can wait most of the remaining ~87 ms, once for
    // each of its two CPU pieces. The quota-aware run's tail is the GC's (marks of the
    // 256 MiB cache: the dedicated worker takes one of 4 Ps, and requests assist).
    let serve = |r: &RunResult| {
        let p = r.summary.phases.iter().find(|p| p.name == "serve");
        p.expect("serve phase").latency_ns
    };
    let (s32, saware) = (serve(&p32), serve(&aware));
    eprintln!(
        "serve: p99 {} / max {} with 32 Ps, {} / {} quota-aware",
        s32.p99, s32.max, saware.p99, saware.max
    );
    // How long the worst request waits depends on where in a period a mark burns the quota;
    // the tail as a whole is what a throttle moves.
    assert!(
        s32.p99 > saware.p99 + 5_000_000,
        "a throttled period's stall: p99 {} with 32 Ps vs {} quota-aware",
        s32.p99,
        saware.p99
    );
    assert!(
        s32.p99 > saware.p99,
        "p99 {} with 32 Ps vs {} quota-aware",
        s32.p99,
        saware.p99
    );
    assert!(
        p99(&old) > p99(&aware) + 25_000_000,
        "1.24's 32 Ps (and classic marking): p99 {} vs {} quota-aware",
        p99(&old),
        p99(&aware)
    );
    // A throttle stalls a running piece for at most the rest of its 100 ms period; a
    // request's CPU comes in two pieces (parse, render) on either side of its I/O, and each
    // can meet one.
    let max = p32.summary.latency_ns.max;
    assert!(max < 2 * 100_000_000, "latency max {max} ns with 32 Ps");
    // The quota-aware run's marks (100–200 ms, a dedicated worker on one of 4 Ps) strand no
    // goroutine in that P's run queue: sysmon preempts the worker after 10–20 ms and it
    // kicks the queue to the global one (`gcBgMarkWorker`). Without the kick, Gs readied
    // into the queue just before the mark waited for its end (115 and 187 ms; with the kick
    // 62 ms, a G readied behind assists and sysmon's 10–20 ms preemption).
    let worst = aware.summary.sched_latency_ns.max;
    assert!(
        worst < 80_000_000,
        "scheduling latency max {worst} ns quota-aware"
    );
    assert_eq!(p99(&p4), p99(&aware), "the same 4 Ps");
}

#[test]
fn numa_two_socket_scenario_aware_variant_lowers_remote_share_and_p99() {
    let run = |aware: bool| {
        let sets = vec![format!("sched.numa_aware={aware}")];
        common::run_file("scenarios/numa-two-socket.toml", &sets)
    };
    let go = run(false);
    let aware = run(true);
    let (rg, ra) = (
        go.summary.machine.remote_cpu_fraction,
        aware.summary.machine.remote_cpu_fraction,
    );
    assert_eq!(go.summary.machine.numa_nodes, 2);
    assert!(rg > 0.3, "Go's random victims: much work remote ({rg:.3})");
    assert!(ra < 0.9 * rg, "remote share {rg:.3} → {ra:.3}");
    assert!(
        aware.summary.sched_latency_ns.p99 < go.summary.sched_latency_ns.p99,
        "sched p99 drops"
    );
    assert!(
        aware.summary.latency_ns.p99 < go.summary.latency_ns.p99,
        "p99 drops"
    );
    assert!(aware.summary.machine.numa_aware && !go.summary.machine.numa_aware);
}

// ----- OS thread placement (`machine::placement`, CFS `select_task_rq_fair`, simplified) -----

use models::machine::placement::OsPlacement;
use models::sched::types::NIL;

/// 2 nodes × 4 CPUs (node 0: CPUs 0–3, node 1: CPUs 4–7) with M0…M7 placed as new threads:
/// a new thread takes the least-loaded CPU anywhere, lowest index first, so Mk runs on CPU k.
fn eight_threads() -> OsPlacement {
    let mut pl = OsPlacement::new(8, 2, 4);
    for m in 0..8 {
        assert_eq!(pl.last_cpu(m), NIL, "M{m} never ran");
        assert_eq!(pl.place(m), m, "new thread M{m}");
    }
    assert_eq!(
        (0..8).map(|c| pl.node_of(c)).collect::<Vec<_>>(),
        [0, 0, 0, 0, 1, 1, 1, 1],
        "node-major numbering"
    );
    assert_eq!(pl.migrations, 0);
    pl
}

#[test]
fn placement_a_thread_goes_back_to_its_last_cpu_when_free() {
    let mut pl = eight_threads();
    // M6 blocks (its CPU is freed), then M2 and M3: CPUs 2, 3 and 6 are free.
    for c in [6, 2, 3] {
        pl.release(c);
    }
    // M6 wakes: its last CPU is free, so it goes back there, not to the lower-numbered
    // free CPUs 2 and 3.
    assert_eq!(pl.select_cpu(6), 6);
    assert_eq!(pl.place(6), 6);
    assert_eq!(pl.load(6), 1);
    assert_eq!((pl.migrations, pl.cross_node_migrations), (0, 0));
}

#[test]
fn placement_last_cpu_taken_goes_to_the_least_loaded_cpu_of_its_node() {
    let mut pl = eight_threads();
    // M6 blocks; a new thread M8 takes the only free CPU, M6's.
    pl.release(6);
    assert_eq!(pl.place(8), 6);
    // M5 and M1 block: CPU 5 (node 1) and CPU 1 (node 0) are free.
    pl.release(5);
    pl.release(1);
    // M6 wakes: CPU 6 is taken; it goes to CPU 5 on its own node, not the lower CPU 1.
    assert_eq!(pl.place(6), 5);
    assert_eq!(pl.last_cpu(6), 5);
    assert_eq!((pl.migrations, pl.cross_node_migrations), (1, 0));
    // Among several free CPUs of the node the lowest index wins (ties are deterministic).
    let mut pl = eight_threads();
    for c in [7, 6, 4] {
        pl.release(c); // M7, M6, M4 block
    }
    assert_eq!(
        pl.place(9),
        4,
        "a new thread: least loaded anywhere, lowest index"
    );
    assert_eq!(pl.select_cpu(4), 6, "CPU 4 taken: CPU 6 before CPU 7");
}

#[test]
fn placement_crosses_nodes_only_when_its_node_is_full() {
    let mut pl = eight_threads();
    pl.release(6);
    assert_eq!(pl.place(8), 6); // M8 takes M6's CPU
    pl.release(1); // M1 blocks: only CPU 1 (node 0) is free
    // M6 wakes: CPU 6 taken, node 1 full (CPUs 4, 5, 7 busy too): another node.
    assert_eq!(pl.place(6), 1);
    assert_eq!((pl.migrations, pl.cross_node_migrations), (1, 1));
    // Every CPU busy: M1 wakes and shares a CPU. With equal load everywhere it stays on its
    // last CPU (now shared with M6) rather than moving.
    assert_eq!(pl.place(1), 1);
    assert_eq!(pl.load(1), 2);
    assert_eq!((pl.migrations, pl.cross_node_migrations), (1, 1));
    // A thread of node 1 blocks and wakes while CPU 1 is doubly loaded: back to its CPU.
    pl.release(7); // M7 blocks
    assert_eq!(pl.place(7), 7);
    assert_eq!(pl.migrations, 1);
}

#[test]
fn placement_is_deterministic() {
    // The same sequence of wake-ups and blocks gives the same CPUs and counts.
    let run = || {
        let mut pl = OsPlacement::new(6, 2, 0);
        let mut cpus = Vec::new();
        let mut on = [NIL; 9];
        let mut x: u64 = 1;
        for _ in 0..400 {
            // A fixed LCG picks which of 9 threads wakes or blocks.
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let m = ((x >> 33) % 9) as u32;
            if on[m as usize] == NIL {
                let c = pl.place(m);
                on[m as usize] = c;
                cpus.push(c);
            } else {
                pl.release(on[m as usize]);
                on[m as usize] = NIL;
            }
        }
        (cpus, pl.migrations, pl.cross_node_migrations)
    };
    let a = run();
    assert_eq!(a, run());
    assert!(a.1 > 0, "9 threads on 6 CPUs migrate: {a:?}");
    // End to end: the two-socket scenario counts the same migrations run after run.
    let sets = vec!["meta.duration=\"200ms\"".to_string()];
    let x = common::run_file("scenarios/numa-two-socket.toml", &sets);
    let y = common::run_file("scenarios/numa-two-socket.toml", &sets);
    let (mx, my) = (&x.summary.machine, &y.summary.machine);
    assert!(mx.thread_migrations.unwrap_or(0) > 0, "{mx:?}");
    assert_eq!(mx.thread_migrations, my.thread_migrations);
    assert_eq!(mx.cross_node_migrations, my.cross_node_migrations);
    assert_eq!(x.summary.run_hash, y.summary.run_hash);
}

#[test]
fn the_ideal_machine_places_no_threads() {
    let r = run(SERVICE, &[]);
    assert!(!r.world.machine.modelled);
    assert_eq!(r.summary.machine.thread_migrations, None);
    let json = serde_json::to_string(&r.summary.machine).expect("json");
    assert!(!json.contains("migrations"), "{json}");
    let m = run(SERVICE, &["machine.cores_per_node=8"]);
    assert_eq!(
        m.summary.machine.thread_migrations,
        Some(0),
        "a CPU per thread"
    );
    assert!(m.summary.machine.to_text().contains("0 thread migrations"));
}

// ----- NUMA-aware wakep (not Go) -----

/// 4 Ps on 2 nodes × 2 CPUs; P3 (its thread on CPU 3, node 1) readies a G while P1 (node 0,
/// idled last) and P2 (node 1) are idle, M1 (last on node 0) and M2 (last on node 1) parked.
/// Returns the P `wakep` hands out and the M that gets it.
fn wakeup_from_node_1(aware: bool) -> (u32, u32) {
    let text = format!(
        "[meta]\nname = \"w\"\nduration = \"1s\"\n[runtime]\ngomaxprocs = 4\n\
         [machine]\nnuma_nodes = 2\ncores_per_node = 2\n[sched]\nnuma_aware = {aware}\n\
         [[goroutines]]\nname = \"w\"\ncount = 1\nstart = \"500ms\"\nprogram = [{{ op = \"compute\", time = \"1ms\" }}]\n"
    );
    let sc = parse_scenario(&text, "w.toml", &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let mut w = models::sim::World::new(&sc, RunOptions::default()).expect("builds");
    let mut q = sim_core::EventQueue::with_capacity(64);
    w.boot(&mut q);
    use models::sched::types::{M, PStatus};
    while w.ms.len() < 4 {
        let id = w.ms.len() as u32;
        w.ms.push(M::new(id));
    }
    // Pk last ran on CPU k: P0, P1 on node 0; P2, P3 on node 1.
    w.machine.p_cpu = vec![0, 1, 2, 3];
    for (m, cpu) in [(1, 0), (2, 3), (3, 3)] {
        w.machine.placement.set_last_cpu(m, cpu);
    }
    for p in 0..4 {
        w.allp[p].status = PStatus::Running;
        w.allp[p].m = NIL;
    }
    w.allp[3].m = 3;
    w.ms[3].p = 3;
    w.pidle = vec![2, 1]; // P1 idled last: Go's pidleget takes it
    for p in [1, 2] {
        w.allp[p].status = PStatus::Idle;
    }
    w.midle = vec![2, 1]; // M1 parked last: Go's startm takes it
    w.nmspinning = 0;
    w.wakep(3, 0);
    let p = (1..3)
        .find(|&p| !w.pidle.contains(&p))
        .expect("wakep took an idle P");
    let m = w.allp[p as usize].m;
    assert_eq!(w.ms[m as usize].nextp, p);
    assert!(w.ms[m as usize].spinning, "wakep starts a spinning M");
    (p, m)
}

#[test]
fn numa_aware_wakep_takes_an_idle_p_on_the_wakers_node() {
    // Go: the most recently idled P (P1, node 0) and the most recently parked M (M1).
    assert_eq!(wakeup_from_node_1(false), (1, 1));
    // NUMA-aware (not Go): P2 on the waker's node 1, and M2, whose thread last ran there.
    assert_eq!(wakeup_from_node_1(true), (2, 2));
}
