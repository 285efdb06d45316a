//! The GC in the simulation against real Go 1.27 (`shared/reference/realgo`, gcsteady).
//!
//! What lands today: the heap goal over the previous marked heap for every published row
//! (the pacer formula with stacks and globals, within 1 %), the steady-phase cycle count
//! within 15 % on 16 of the 18 unpaced rows (every row not in `CYCLE_MISSES`, which names the
//! 2 that miss and why), and the direction of every GOMAXPROCS and pointer-free/pointerful
//! difference. Every row's cycle count is printed next to Go's, with the build phase's wall
//! time, which must be within 30 % of Go's where the build runs few GC cycles (GOGC >= 100).
//! The build's marks cost what Go's cost per MiB at each heap size, 3 to 66 MiB.
//! The paced runs (128 MiB/s, the regime of a service with idle time) are predicted within
//! 15 % on cycles and 0.03 on GC CPU without any constant fitted to them.

mod common;
use common::*;
use models::gc::cycle::CycleRecord;
use models::run::RunResult;

/// The GC cycles that started in the steady phase.
fn steady_records(r: &RunResult) -> Vec<&CycleRecord> {
    r.world
        .gc
        .records
        .iter()
        .filter(|c| c.phase == "steady")
        .collect()
}

/// One gcsteady run for a summary row: steady-phase cycles, mean goal over the previous
/// marked heap, and the build phase's wall time in ms.
fn steady_run(row: &std::collections::BTreeMap<String, String>) -> (u32, f64, f64) {
    let mut sets = vec![
        format!("runtime.gogc={}", row["GOGC"]),
        format!("runtime.gomaxprocs={}", row["GOMAXPROCS"]),
        format!("params.ptr={}", row["arg_ptr"].to_lowercase()),
    ];
    if row["variant"] == "nogreentea" {
        sets.push("gc.mark=\"classic\"".into());
    }
    let r = run_file("scenarios/validation/gcsteady.toml", &sets);
    let phase = |name: &str| {
        let p = r.summary.phases.iter().find(|p| p.name == name);
        p.unwrap_or_else(|| panic!("no {name} phase"))
    };
    let steady = phase("steady");
    let ratios: Vec<f64> = steady_records(&r)
        .iter()
        .map(|c| c.goal_over_prev_marked)
        .collect();
    let mean = ratios.iter().sum::<f64>() / ratios.len().max(1) as f64;
    let build = phase("build");
    let build_ms = (build.end_ns - build.start_ns) as f64 / 1e6;
    (steady.gc_cycles, mean, build_ms)
}

/// Go's median build-phase wall time (ms) over the reps (`gc_runs.csv`) of the configuration
/// of a `gc_summary.csv` row.
fn real_build_ms(
    runs: &[std::collections::BTreeMap<String, String>],
    row: &std::collections::BTreeMap<String, String>,
) -> f64 {
    let cols = ["group", "variant", "GOGC", "GOMAXPROCS", "arg_ptr"];
    let mut ms: Vec<f64> = runs
        .iter()
        .filter(|r| cols.iter().all(|c| r[*c] == row[*c]))
        .map(|r| num(r, "build_ms"))
        .collect();
    assert!(!ms.is_empty(), "no gc_runs rows for {row:?}");
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// The unpaced rows whose steady-phase cycle count misses Go's by more than 15 %. Both are
/// classic marking at GOMAXPROCS=1, where the count hangs on one or two huge cycles: once the
/// work done passes the pacer's scan estimate (`heapScan` leaves out what the previous cycle
/// allocated black), the assist ratio collapses and the mutator runs free while the
/// fractional worker finishes, so how far one mark overshoots decides the rest.
/// - Classic GOGC=100 P=1 (3 vs 5; Go's reps ran 4, 8 and 5): the first steady mark lands
///   inside Go's range (the model marks 699 MiB, Go 658-804), but the next one, into
///   never-used memory at Go's per-object cost (28 ns), runs 216 ms against Go's 170-199 with
///   the same GC CPU (139 vs 133-146 ms), allocates 348 MiB against 180-239 and marks 414
///   against 247-305: a higher goal, one cycle fewer.
/// - Classic GOGC=400 P=1 (2 vs 1 in every rep): Go's mutator allocates 720-910 MiB during
///   the first steady mark (284-324 ms) and never reaches the next goal; the model's mark is
///   shorter (170 ms, with 98 ms of assists against Go's 57-66) and allocates 143 MiB.
const CYCLE_MISSES: &[&str] = &[
    "nogreentea GOGC=100 P=1 ptr=True",
    "nogreentea GOGC=400 P=1 ptr=True",
];

/// The GOGC >= 100 rows whose build-phase wall time misses Go's by more than 30 % (none
/// since the mark cost follows the heap's size, `gc::locality`; the list stays so that a
/// regression has to be named here).
const BUILD_MISSES: &[&str] = &[];

#[test]
fn gcsteady_goal_ratio_and_cycle_counts() {
    let mut report = String::new();
    let mut failures = Vec::new();
    // (variant, GOGC, P, ptr) → (model cycles, real cycles), for the direction checks.
    let mut counts = std::collections::BTreeMap::new();
    let runs = read_csv("reference/realgo/data/gc_runs.csv");
    for row in read_csv("reference/realgo/data/gc_summary.csv") {
        if row["group"] != "gcsteady"
            || !(row["variant"] == "gogc" || row["variant"] == "nogreentea")
        {
            continue;
        }
        let (cycles, ratio, build_ms) = steady_run(&row);
        let real_cycles = num(&row, "n_cycles_steady_med");
        let key = format!(
            "{} GOGC={} P={} ptr={}",
            row["variant"], row["GOGC"], row["GOMAXPROCS"], row["arg_ptr"]
        );
        let real_build = real_build_ms(&runs, &row);
        report += &format!(
            "{key}: build ms real {real_build:.0} model {build_ms:.0}; \
             steady cycles real {real_cycles} model {cycles}; goal/prev marked model {ratio:.4}"
        );
        // The build's costs are taken from Go's build before and around its first GC; where
        // the build runs few cycles (GOGC >= 100) its wall time must then follow. At GOGC=25
        // the build runs 7-14 cycles, and at P=1 the model's are longer (see CYCLE_MISSES).
        if num(&row, "GOGC") >= 100.0 {
            let close = (build_ms / real_build - 1.0).abs() <= 0.3;
            match (close, BUILD_MISSES.contains(&key.as_str())) {
                (false, false) => {
                    failures.push(format!("{key}: build {build_ms:.0} ms vs {real_build:.0}"))
                }
                (true, true) => failures.push(format!("{key}'s build now lands: take it off")),
                _ => {}
            }
        }
        if let Ok(real_ratio) = row["mean_goal_over_prev_live_steady_med"].parse::<f64>() {
            // gctrace's MiB are truncated, which puts Go's mean up to ~1 % above the exact
            // ratio; the exact final ratio is the tighter reference.
            let exact = num(&row, "final_goal_over_live_exact_med");
            report += &format!(" (real {real_ratio:.4}, exact final {exact:.4})");
            if (ratio - exact).abs() / exact > 0.01 {
                failures.push(format!("{key}: goal ratio {ratio:.4} vs {exact:.4}"));
            }
        }
        report.push('\n');
        counts.insert(
            (
                row["variant"].clone(),
                row["GOGC"].clone(),
                row["GOMAXPROCS"].clone(),
                row["arg_ptr"].clone(),
            ),
            (cycles as f64, real_cycles),
        );
        let lands = (cycles as f64 - real_cycles).abs() / real_cycles <= 0.15;
        match (lands, CYCLE_MISSES.contains(&key.as_str())) {
            (false, false) => failures.push(format!("{key}: {cycles} cycles vs {real_cycles}")),
            (true, true) => failures.push(format!("{key} now lands: take it off CYCLE_MISSES")),
            _ => {}
        }
    }
    // The direction of every GOMAXPROCS and pointer-free/pointerful difference that Go shows
    // beyond its ±2-cycle rep noise. No known miss: pointer-free GOGC=25 (Go 116 at P=1, 124
    // at P=2) was one until allocating during mark cost the mutator (model 121 and 137 now).
    const KNOWN_MISSES: &[&str] = &[];
    let sign = |d: f64| {
        if d > 2.0 {
            1
        } else if d < -2.0 {
            -1
        } else {
            0
        }
    };
    for ((v, gogc, p, ptr), &(m, r)) in &counts {
        let mut pairs = Vec::new();
        if p == "1" {
            let other = (v.clone(), gogc.clone(), "2".to_string(), ptr.clone());
            if let Some(&(m2, r2)) = counts.get(&other) {
                pairs.push((
                    format!("{v} GOGC={gogc} ptr={ptr}: P=1 vs P=2"),
                    m2 - m,
                    r2 - r,
                ));
            }
        }
        if ptr == "False" {
            let other = (v.clone(), gogc.clone(), p.clone(), "True".to_string());
            if let Some(&(m2, r2)) = counts.get(&other) {
                let what = format!("{v} GOGC={gogc} P={p}: pointer-free vs pointerful");
                pairs.push((what, m2 - m, r2 - r));
            }
        }
        for (what, dm, dr) in pairs {
            let real = sign(dr);
            let model = if dm > 0.0 {
                1
            } else if dm < 0.0 {
                -1
            } else {
                0
            };
            let known = KNOWN_MISSES.contains(&what.as_str());
            if real != 0 && model != real && !known {
                failures.push(format!("{what}: Go {dr:+} cycles, model {dm:+}"));
            }
            if known && (real == 0 || model == real) {
                failures.push(format!("{what} now agrees: take it off KNOWN_MISSES"));
            }
        }
    }
    eprint!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The mark CPU per MiB grows with the heap being marked (`gc::locality`): Go's pointerful
/// build cycles mark a 9-15 MiB heap at about half the CPU per MiB of a 55-70 MiB one. For
/// both mark loops, the model's build cycles over all published configurations (GOGC 25, 100,
/// 400 at GOMAXPROCS 1 and 2) must land, per bin of heap size at the cycle's start, within
/// 20 % of the median of Go's (every rep of `gc_cycles.csv`). Bins under 9 MiB are left out:
/// there the 3 MiB holder slice, with one pointer word in three, is most of the heap.
#[test]
fn build_marks_cost_per_mib_what_go_s_cost_at_each_heap_size() {
    const BINS: [(f64, f64); 6] = [
        (9.0, 15.0),
        (15.0, 22.0),
        (22.0, 30.0),
        (30.0, 40.0),
        (40.0, 55.0),
        (55.0, 70.0),
    ];
    let bin = |mib: f64| BINS.iter().position(|&(lo, hi)| lo <= mib && mib < hi);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let cycles = read_csv("reference/realgo/data/gc_cycles.csv");
    let mut failures = Vec::new();
    for (variant, mark) in [("gogc", "greentea"), ("nogreentea", "classic")] {
        let mut go = vec![Vec::new(); BINS.len()];
        for r in cycles.iter().filter(|r| {
            r["group"] == "gcsteady"
                && r["variant"] == variant
                && r["arg_ptr"] == "True"
                && r["phase"] == "build"
        }) {
            let heap = num(r, "heap_start_mb");
            let cpu = num(r, "cpu_assist_ms") + num(r, "cpu_bg_ms") + num(r, "cpu_idle_ms");
            if let Some(b) = bin(heap) {
                go[b].push(cpu / heap);
            }
        }
        let mut model = vec![Vec::new(); BINS.len()];
        for gogc in [25, 100, 400] {
            for procs in [1, 2] {
                let r = run_file(
                    "scenarios/validation/gcsteady.toml",
                    &[
                        format!("runtime.gogc={gogc}"),
                        format!("runtime.gomaxprocs={procs}"),
                        format!("gc.mark=\"{mark}\""),
                    ],
                );
                for c in r.world.gc.records.iter().filter(|c| c.phase == "build") {
                    let heap = c.heap_trigger as f64 / (1 << 20) as f64;
                    let cpu = (c.assist_cpu_ns + c.background_cpu_ns + c.idle_cpu_ns) as f64 / 1e6;
                    if let Some(b) = bin(heap) {
                        model[b].push(cpu / heap);
                    }
                }
            }
        }
        let compared = model.iter().filter(|m| !m.is_empty()).count();
        assert!(
            compared >= 5,
            "{mark}: model build cycles in only {compared} bins"
        );
        for (b, &(lo, hi)) in BINS.iter().enumerate() {
            let (g, m) = (&mut go[b], &mut model[b]);
            assert!(!g.is_empty(), "Go has build cycles at {lo}-{hi} MiB");
            if m.is_empty() {
                continue; // the model's cycles may skip a bin; the others still hold it
            }
            let (g, m) = (median(g), median(m));
            eprintln!("{mark} {lo}-{hi} MiB: Go {g:.2} ms/MiB, model {m:.2}");
            if (m / g - 1.0).abs() > 0.2 {
                failures.push(format!(
                    "{mark} {lo}-{hi} MiB: Go {g:.2} ms/MiB, model {m:.2}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The leak program: each leaked goroutine keeps a 2 KiB stack (Go: 2051 B/g measured), the
/// stacks enter the heap goal through the scanned stack bytes, and the goal grows with the
/// goroutine count. GC cycle counts are printed next to Go's: the model lands on 4 and 6 at
/// GOMAXPROCS=2 and 7 at P=1 with a 1 KiB payload, where Go's reps ran 6, 7 and 6; the cycle
/// count must be within 15 % of Go's median or inside the range of its reps.
#[test]
fn leaked_goroutines_grow_stacks_and_the_heap_goal() {
    for row in read_csv("reference/realgo/data/leak_summary.csv") {
        let (p, payload) = (row["GOMAXPROCS"].clone(), row["arg_payload"].clone());
        let r = run_file(
            "scenarios/validation/leak.toml",
            &[
                format!("runtime.gomaxprocs={p}"),
                format!("params.payload={payload}B"),
            ],
        );
        let alive = r.summary.goroutines.alive_at_end;
        let leaked = num(&row, "leaked_med");
        assert!(
            (alive as f64 - leaked).abs() / leaked < 0.01,
            "{alive} goroutines alive vs {leaked} leaked"
        );
        let stack_per_g = r.world.gc.ctrl.max_stack_scan as f64 / alive as f64;
        let real_stack = num(&row, "stack_bytes_per_g_med");
        assert!(
            (stack_per_g - real_stack).abs() / real_stack < 0.01,
            "stack {stack_per_g} B/g vs {real_stack}"
        );
        let recs = &r.world.gc.records;
        let (first, last) = (recs.first().expect("cycles"), recs.last().expect("cycles"));
        assert!(
            last.heap_goal > 5 * first.heap_goal,
            "the goal grows: {} → {}",
            first.heap_goal,
            last.heap_goal
        );
        assert!(last.stacks > 0, "scanned stacks enter the goal");
        let c = &r.world.gc.ctrl;
        let expect = c.heap_marked + (c.heap_marked + c.last_stack_scan + c.globals_scan);
        assert_eq!(
            c.heap_goal(),
            expect.max(c.sweep_dist_min_trigger),
            "goal = live + (live + stacks + globals) at GOGC=100"
        );
        eprintln!(
            "leak P={p} payload={payload}: GC cycles real {} ({}–{}) model {}; final goal real {:.1} MiB model {:.1} MiB",
            row["gc_cycles_med"],
            row["gc_cycles_min"],
            row["gc_cycles_max"],
            r.summary.gc.cycles,
            num(&row, "heap_goal_bytes_med") / 1048576.0,
            c.heap_goal() as f64 / 1048576.0
        );
        // GC cycles: within 15 % of Go's median, or inside the range of its three reps (Go
        // itself ran 6 or 7 cycles at P=1 with a 1 KiB payload).
        let cycles = r.summary.gc.cycles as f64;
        let (lo, med, hi) = (
            num(&row, "gc_cycles_min"),
            num(&row, "gc_cycles_med"),
            num(&row, "gc_cycles_max"),
        );
        assert!(
            (cycles - med).abs() / med <= 0.15 || (lo..=hi).contains(&cycles),
            "leak P={p} payload={payload}: {cycles} GC cycles vs Go {med} ({lo}–{hi})"
        );
    }
}

/// gcsteady paced at 128 MiB/s (`-rate 128 -total 512`, pointerful): the low-pressure regime a
/// service lives in, where idle mark workers finish the mark in the mutator's sleeps. Nothing
/// in the model was calibrated on these rows (the mark, sweep and mutator costs come from the
/// unpaced runs), so they are predictions. Each published row must land within 15 % on the
/// steady-phase cycle count, within 0.03 on the GC CPU fraction (idle marking included, as in
/// Go's `/cpu/classes/gc/total`) and within 0.1 on mean peak/goal.
#[test]
fn paced_gcsteady_cycles_and_gc_cpu_are_predicted() {
    let mut failures = Vec::new();
    let mut rows = 0;
    for row in read_csv("reference/realgo/data/gc_summary.csv") {
        if row["group"] != "gcsteady" || row["variant"] != "paced" {
            continue;
        }
        rows += 1;
        let (gogc, p) = (&row["GOGC"], &row["GOMAXPROCS"]);
        let r = run_file(
            "scenarios/validation/gcsteady.toml",
            &[
                format!("runtime.gogc={gogc}"),
                format!("runtime.gomaxprocs={p}"),
                format!("params.ptr={}", row["arg_ptr"].to_lowercase()),
                format!("params.rate={}", row["arg_rate"]),
                format!("params.total={}", row["arg_total"]),
            ],
        );
        let steady = steady_records(&r);
        let cycles = steady.len() as f64;
        let peak_over_goal = steady
            .iter()
            .map(|c| c.heap_peak as f64 / c.heap_goal as f64)
            .sum::<f64>()
            / cycles.max(1.0);
        let g = &r.summary.gc;
        let cpu = g.cpu_fraction + g.idle_fraction;
        let (real_cycles, real_cpu, real_pg) = (
            num(&row, "n_cycles_steady_med"),
            num(&row, "gc_cpu_frac_med"),
            num(&row, "mean_peak_over_goal_steady_med"),
        );
        let key = format!("paced GOGC={gogc} P={p}");
        eprintln!(
            "{key}: steady cycles real {real_cycles} model {cycles}; GC CPU real {real_cpu:.3} model {cpu:.3}; peak/goal real {real_pg:.2} model {peak_over_goal:.2}"
        );
        if (cycles - real_cycles).abs() / real_cycles > 0.15 {
            failures.push(format!("{key}: {cycles} cycles vs {real_cycles}"));
        }
        if (cpu - real_cpu).abs() > 0.03 {
            failures.push(format!("{key}: GC CPU {cpu:.3} vs {real_cpu:.3}"));
        }
        if (peak_over_goal - real_pg).abs() > 0.1 {
            failures.push(format!(
                "{key}: peak/goal {peak_over_goal:.2} vs {real_pg:.2}"
            ));
        }
    }
    assert_eq!(rows, 4, "the four published paced rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Between GC cycles a GOMAXPROCS=1 mutator pays for its own sweeping (proportional sweep),
/// yet Go's allocates at about the same cost per object whether the heap it sweeps is 90,
/// 147 or 364 MiB (pointer-free gcsteady at GOGC 25, 100, 400): sweeping a span of live
/// objects is nearly free, freeing a span of garbage is not (`costs.sweep_per_page` vs
/// `sweep_free_per_page`). Each interval is a mark's end to the next cycle's start: its
/// wall time over the 128 B objects allocated in it (heap at the start less the last
/// marked heap). With one price for every page swept the model's was 70 ns at GOGC=25.
#[test]
fn between_cycles_allocation_costs_what_go_s_costs_at_every_heap_size() {
    let go_rows = read_csv("reference/realgo/data/gc_cycles.csv");
    let median = |mut v: Vec<f64>| {
        assert!(!v.is_empty());
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for gogc in ["25", "100", "400"] {
        let mut go = Vec::new();
        for rep in ["0", "1", "2"] {
            let mut rs: Vec<_> = go_rows
                .iter()
                .filter(|r| {
                    r["group"] == "gcsteady"
                        && r["variant"] == "gogc"
                        && r["GOMAXPROCS"] == "1"
                        && r["arg_ptr"] == "False"
                        && r["GOGC"] == gogc
                        && r["rep"] == rep
                })
                .collect();
            rs.sort_by_key(|r| num(r, "cycle") as u64);
            for w in rs.windows(2).filter(|w| w[0]["phase"] == "steady") {
                let (a, b) = (w[0], w[1]);
                let end = num(a, "time_s") * 1e3
                    + num(a, "stw1_ms")
                    + num(a, "concurrent_ms")
                    + num(a, "stw2_ms");
                let mib = num(b, "heap_start_mb") - num(a, "live_mb");
                if mib > 0.0 {
                    go.push((num(b, "time_s") * 1e3 - end) * 1e6 / (mib * 8192.0));
                }
            }
        }
        let r = run_file(
            "scenarios/validation/gcsteady.toml",
            &[format!("runtime.gogc={gogc}"), "params.ptr=false".into()],
        );
        let model: Vec<f64> = steady_records(&r)
            .windows(2)
            .map(|w| {
                let end = w[0].start_ns + w[0].stw1_ns + w[0].mark_ns + w[0].stw2_ns;
                let objects = (w[1].heap_trigger - w[0].heap_marked) as f64 / 128.0;
                (w[1].start_ns - end) as f64 / objects
            })
            .collect();
        let (go, model) = (median(go), median(model));
        println!("GOGC={gogc}: Go {go:.1} ns per object between cycles, model {model:.1}");
        assert!(
            (model / go - 1.0).abs() <= 0.2,
            "GOGC={gogc}: {model:.1} ns per object vs Go's {go:.1}"
        );
    }
}
