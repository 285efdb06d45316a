//! Engine and model throughput (criterion). Reports, in one run:
//! - a bare `BinaryHeap` push/pop loop with 1,000 pending events (the reference figure);
//! - `sim_core::EventQueue` doing the same;
//! - the full model on `scenarios/default.toml` (events per second; divide by the simulated
//!   time per iteration for simulated seconds per wall second);
//! - the same with the machine model on (`default_toml_machine`: 2 NUMA nodes × 2 cores and a
//!   3.5-CPU quota, so remote costs and throttling are exercised), in the same run;
//! - `scenarios/api-270k-qps.toml` for 1 s simulated (the GC issue's speed figure).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use models::run::run_scenario;
use models::scenario::load_scenario;
use models::sim::RunOptions;
use sim_core::EventQueue;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;

const PENDING: u64 = 1_000;
const OPS: u64 = 1_000_000;

/// A cheap deterministic delay generator (xorshift), the same for both queues.
fn delays() -> impl FnMut() -> u64 {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % 10_000
    }
}

fn queues(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue");
    g.throughput(Throughput::Elements(OPS));
    g.bench_function("binary_heap_1000_pending", |b| {
        b.iter_batched(
            || {
                let mut d = delays();
                let mut h = BinaryHeap::with_capacity(PENDING as usize + 1);
                for i in 0..PENDING {
                    h.push(Reverse((d(), i)));
                }
                (h, d)
            },
            |(mut h, mut d)| {
                for i in 0..OPS {
                    let Reverse((t, _)) = h.pop().expect("pending");
                    h.push(Reverse((t + d(), PENDING + i)));
                }
                black_box(h.len())
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("event_queue_1000_pending", |b| {
        b.iter_batched(
            || {
                let mut d = delays();
                let mut q = EventQueue::with_capacity(PENDING as usize + 1);
                for i in 0..PENDING {
                    q.schedule_at(d(), i);
                }
                (q, d)
            },
            |(mut q, mut d)| {
                for _ in 0..OPS {
                    let (_, e) = q.pop().expect("pending");
                    q.schedule_in(d(), e);
                }
                black_box(q.len())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Runs `file` (with `--set` overrides) as one criterion benchmark counting events.
fn bench_scenario(c: &mut Criterion, id: &str, file: &str, sets: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = load_scenario(&path, &sets).expect("scenario").scenario;
    let events = run_scenario(&sc, RunOptions::default())
        .expect("runs")
        .outcome
        .events;
    eprintln!(
        "{file}: {events} events per run of {} simulated",
        sim_core::time::fmt_duration(sc.meta.duration.0)
    );
    let mut g = c.benchmark_group("model");
    g.sample_size(10);
    g.throughput(Throughput::Elements(events));
    g.bench_function(id, |b| {
        b.iter(|| {
            black_box(
                run_scenario(&sc, RunOptions::default())
                    .expect("runs")
                    .outcome
                    .events,
            )
        })
    });
    g.finish();
}

fn model(c: &mut Criterion) {
    bench_scenario(c, "default_toml", "scenarios/default.toml", &[]);
    // The machine issue's cost figure: the same scenario on 2 NUMA nodes × 2 cores with a
    // 3.5-CPU quota (at most 25 % fewer events per second than the ideal machine).
    bench_scenario(
        c,
        "default_toml_machine",
        "scenarios/default.toml",
        &[
            "machine.numa_nodes=2",
            "machine.cores_per_node=2",
            "machine.cpu_quota=3.5",
        ],
    );
    // The GC issue's speed figure: 270k requests/s on GOMAXPROCS=8, allocating on every
    // request; one iteration is 1 s simulated, so iterations per second = simulated s per s.
    bench_scenario(
        c,
        "api_270k_qps_1s",
        "scenarios/api-270k-qps.toml",
        &["meta.duration=1s"],
    );
}

criterion_group!(benches, queues, model);
criterion_main!(benches);
