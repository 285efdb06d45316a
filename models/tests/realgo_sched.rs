//! The scheduler model against real Go 1.27 measurements (`shared/reference/realgo`):
//! schedfair makespans and start order, the cost of Gosched, blocking syscalls vs parking.

mod common;
use common::*;

fn sets(pairs: &[(&str, String)]) -> Vec<String> {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// Makespan (first `go` to the last worker's end) in ns, and worker start order by index.
fn schedfair(n: u64, w: u64, k: u64, procs: u64, file: &str) -> (f64, Vec<usize>) {
    let r = run_file(
        file,
        &sets(&[
            ("params.n", n.to_string()),
            ("params.w", w.to_string()),
            ("params.k", k.to_string()),
            ("runtime.gomaxprocs", procs.to_string()),
        ]),
    );
    let t0 = phase_start(&r, "t0");
    let workers: Vec<_> = r
        .world
        .stats
        .records
        .iter()
        .filter(|g| r.world.programs[g.class as usize].name == "worker")
        .collect();
    assert_eq!(workers.len() as u64, n);
    let end = workers.iter().map(|g| g.ended).max().expect("workers");
    assert!(end != u64::MAX, "every worker finished");
    let mut order: Vec<(u64, usize)> = workers
        .iter()
        .enumerate()
        .map(|(i, g)| (g.started, i))
        .collect();
    order.sort();
    ((end - t0) as f64, order.into_iter().map(|x| x.1).collect())
}

#[test]
fn schedfair_makespans_within_10_percent() {
    let mut report = String::new();
    let mut worst: f64 = 0.0;
    for row in read_csv("reference/realgo/data/schedfair_summary.csv") {
        if row["group"] != "fair" {
            continue;
        }
        let (p, n, w) = (
            num(&row, "GOMAXPROCS") as u64,
            num(&row, "arg_n") as u64,
            num(&row, "arg_w") as u64,
        );
        let real = num(&row, "all_done_ns_med");
        let (sim, _) = schedfair(n, w, 0, p, "scenarios/validation/schedfair.toml");
        let err = (sim - real) / real;
        worst = worst.max(err.abs());
        report += &format!(
            "N={n} W={w} P={p}: real {:.1} ms, model {:.1} ms ({:+.1}%)\n",
            real / 1e6,
            sim / 1e6,
            err * 100.0
        );
    }
    eprint!("{report}");
    assert!(
        worst <= 0.10,
        "a makespan is off by more than 10%:\n{report}"
    );
}

#[test]
fn schedfair_start_order_at_gomaxprocs_1_is_runnext_then_fifo() {
    // Measured: N=4 starts 3, 0, 1, 2; N=100 starts 99, 0, 1, 2, …
    let (_, order) = schedfair(4, 500_000, 0, 1, "scenarios/validation/schedfair.toml");
    assert_eq!(order, vec![3, 0, 1, 2]);
    let (_, order) = schedfair(100, 200_000, 0, 1, "scenarios/validation/schedfair.toml");
    assert_eq!(order[0], 99);
    assert_eq!(&order[1..], &(0..99).collect::<Vec<_>>()[..]);
    // N=10000: main is preempted mid-spawn; the runnext G runs first, then the local ring in
    // FIFO order (measured: 4906, 4772, 4773, …).
    let (_, order) = schedfair(10_000, 10_000, 0, 1, "scenarios/validation/schedfair.toml");
    assert!(
        order[0] > 1000
            && order[1] < order[0]
            && order[2] == order[1] + 1
            && order[3] == order[2] + 1,
        "{:?}",
        &order[..5]
    );
}

#[test]
fn gosched_overhead_ratios_within_15_percent() {
    let rows = read_csv("reference/realgo/data/gosched_summary.csv");
    let mut report = String::new();
    let mut worst: f64 = 0.0;
    for row in rows.iter().filter(|r| r["arg_k"] == "1") {
        let (p, n, w) = (
            num(row, "GOMAXPROCS") as u64,
            num(row, "arg_n") as u64,
            num(row, "arg_w") as u64,
        );
        let real = num(row, "overhead_ratio_med");
        let (base, _) = schedfair(n, w, 0, p, "scenarios/validation/gosched.toml");
        let (with, _) = schedfair(n, w, 1, p, "scenarios/validation/gosched.toml");
        let sim = with / base;
        let err = (sim - real) / real;
        worst = worst.max(err.abs());
        report += &format!(
            "N={n} W={w} P={p} k=1: real ratio {real:.3}, model {sim:.3} ({:+.1}%)\n",
            err * 100.0
        );
    }
    eprint!("{report}");
    assert!(
        worst <= 0.15,
        "a Gosched ratio is off by more than 15%:\n{report}"
    );
}

/// Configurations whose measured block() median the model does not reach, with the reason.
/// The test fails if one of these starts landing (then delete it here) or if any other
/// configuration misses.
const KNOWN_MISSES: &[(&str, &str)] = &[
    (
        "nanosleep 1ms n=8 P=2",
        "Go's distribution is bimodal (p40 1.11 ms, p60 2.05 ms, p90 8.5 ms): about half the \
         syscalls keep or regain their P at once, the rest wait long. The model is fair and \
         lock-step (every syscall is retaken, every G waits its turn): its median sits at the \
         real mean (3.4 ms vs 3.47 ms measured).",
    ),
    (
        "pipe 0ns n=2 P=1",
        "the model's round trip is two kernel wake-ups with an exitsyscall take-over of the P \
         (5.8 µs, which matches P=2); Go at P=1 needs 41–49 µs, a cost of taking the P from the \
         other blocked thread that the model does not have",
    ),
    ("pipe 0ns n=8 P=1", "as for n=2 at P=1"),
    (
        "pipe 0ns n=8 P=2",
        "bimodal in Go (p40 6 µs, p60 29 µs, p90 3.8 ms); the model shares one pipe pair among \
         the 8 workers, which queues them",
    ),
];

/// block() p50 for every published syscallblock configuration.
#[test]
fn syscallblock_medians() {
    let mut report = String::new();
    let mut failures = Vec::new();
    let mut landed = 0;
    for row in read_csv("reference/realgo/data/syscall_summary.csv") {
        let (p, n) = (num(&row, "GOMAXPROCS") as u64, num(&row, "arg_n") as u64);
        let (mode, block) = (row["arg_mode"].clone(), row["arg_block"].clone());
        let block = if block == "0s" {
            "0ns".to_string()
        } else {
            block
        };
        let r = run_file(
            "scenarios/validation/syscallblock.toml",
            &sets(&[
                ("params.n", n.to_string()),
                ("params.mode", mode.clone()),
                ("params.block", block.clone()),
                ("runtime.gomaxprocs", p.to_string()),
            ]),
        );
        let real = num(&row, "block_p50_ns_med");
        let sim = r.summary.latency_ns.p50 as f64;
        let err = (sim - real) / real;
        let key = format!("{mode} {block} n={n} P={p}");
        let line = format!(
            "{key}: real block p50 {:.1} us, model {:.1} us ({:+.0}%)",
            real / 1e3,
            sim / 1e3,
            err * 100.0
        );
        let known = KNOWN_MISSES.iter().any(|(k, _)| *k == key);
        if (err.abs() > 0.20) != known {
            failures.push(if known {
                format!("{line} — now lands: remove it from KNOWN_MISSES")
            } else {
                line.clone()
            });
        }
        landed += (err.abs() <= 0.20) as u32;
        report += &line;
        report.push('\n');
    }
    eprint!("{report}");
    assert!(
        failures.is_empty(),
        "unexpected results:\n{}",
        failures.join("\n")
    );
    assert_eq!(
        landed, 12,
        "12 of the 16 published configurations land within 20%"
    );
}
