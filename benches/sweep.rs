//! The sweep's parallel speed-up: the 27-point grid GOGC {50,100,200} × GOMEMLIMIT
//! {off,32MiB,128MiB} × GOMAXPROCS {2,4,8} of `scenarios/default.toml` (2 s simulated each),
//! run on a rayon pool of 1 and of 2 threads, as `gmpsim sweep` runs it (without the files).
//!
//! `cargo bench --bench sweep`; compare `sweep27/threads=1` with `sweep27/threads=2`.

use criterion::{Criterion, criterion_group, criterion_main};
use models::run::run_scenario;
use models::scenario::parse_scenario;
use models::sim::RunOptions;
use rayon::prelude::*;

fn grid() -> Vec<models::scenario::Scenario> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");
    let text = std::fs::read_to_string(path).expect("default.toml");
    let mut out = Vec::new();
    for gogc in ["50", "100", "200"] {
        for limit in ["off", "32MiB", "128MiB"] {
            for procs in ["2", "4", "8"] {
                let sets = [
                    format!("runtime.gogc={gogc}"),
                    format!("runtime.gomemlimit={limit}"),
                    format!("runtime.gomaxprocs={procs}"),
                ];
                out.push(parse_scenario(&text, path, &sets).expect("loads").scenario);
            }
        }
    }
    out
}

fn sweep(c: &mut Criterion) {
    let points = grid();
    let mut g = c.benchmark_group("sweep27");
    g.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        g.bench_function(format!("threads={threads}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    points
                        .par_iter()
                        .map(|sc| {
                            run_scenario(sc, RunOptions::default())
                                .expect("runs")
                                .summary
                                .events
                        })
                        .sum::<u64>()
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
