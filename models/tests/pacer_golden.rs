//! The pacer model against Go's own `TestGcPacer`: every integer equal and every float
//! bit-identical to the golden per-cycle data of go1.21.13 (`shared/reference/pacer-golden/`),
//! plus the runtime rules the spec states for the goal, the memory limit and the workers.
//!
//! The golden files are found through `GMPSIM_SHARED` (the `shared/` directory), else
//! `<models>/../../shared`. A missing file fails the test.

use models::gc::pacer::{
    DEFAULT_HEAP_MINIMUM, GcController, TriggerKind, apply_memory_limit_heap_goal_headroom,
};
use models::gc::pacer_replay::{
    CycleInput, CycleResult, ReplayConfig, SCENARIO_NAMES, builtin_scenario, check_scenario,
    read_inputs_csv, replay, scenario_config,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The scenarios the golden set must hold, with their cycle counts.
const GOLDEN: [(&str, usize); 8] = [
    ("Steady", 50),
    ("SteadyBigStacks", 50),
    ("StepAlloc", 100),
    ("HeavyStepAlloc", 100),
    ("OscAlloc", 50),
    ("SmallHeapSlowAlloc", 50),
    ("SteadyMemoryLimit", 50),
    ("ExceedMemoryLimit", 50),
];

/// Scenarios whose inputs come from Go's math/rand.
const RANDOM: [&str; 3] = ["HighGOGC", "JitterAlloc", "HeavyJitterAlloc"];

fn golden_path(file: &str) -> PathBuf {
    let shared = std::env::var_os("GMPSIM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    shared.join("reference/pacer-golden").join(file)
}

fn open_golden(file: &str) -> std::fs::File {
    let p = golden_path(file);
    std::fs::File::open(&p).unwrap_or_else(|e| {
        panic!(
            "golden file {} cannot be opened ({e}); set GMPSIM_SHARED to the shared/ directory",
            p.display()
        )
    })
}

/// A golden CSV as rows of column → text, grouped by scenario (rows in file order).
struct Golden {
    rows: BTreeMap<String, Vec<BTreeMap<String, String>>>,
}

impl Golden {
    fn load(file: &str) -> Golden {
        let mut rd = csv::Reader::from_reader(open_golden(file));
        let header: Vec<String> = rd
            .headers()
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
        for rec in rd.records() {
            let rec = rec.unwrap_or_else(|e| panic!("{file}: {e}"));
            let row: BTreeMap<String, String> = header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect();
            rows.entry(row["scenario"].clone()).or_default().push(row);
        }
        Golden { rows }
    }
}

/// Compares one golden row with the model's values, recording every difference.
struct Cmp<'a> {
    scenario: &'a str,
    file: &'a str,
    row: &'a BTreeMap<String, String>,
    errs: &'a mut Vec<String>,
}

impl Cmp<'_> {
    fn field(&self, col: &str) -> &str {
        self.row
            .get(col)
            .unwrap_or_else(|| panic!("{}: no column {col}", self.file))
    }

    fn int(&mut self, col: &str, got: i128) {
        let want: i128 = self
            .field(col)
            .parse()
            .unwrap_or_else(|_| panic!("{}: {col} is not an integer", self.file));
        if want != got {
            self.errs.push(format!(
                "{} {} cycle {}: {col}: golden {want}, model {got}",
                self.file,
                self.scenario,
                self.field("cycle")
            ));
        }
    }

    fn float(&mut self, col: &str, got: f64) {
        let want: f64 = self
            .field(col)
            .parse()
            .unwrap_or_else(|_| panic!("{}: {col} is not a number", self.file));
        if want.to_bits() != got.to_bits() {
            self.errs.push(format!(
                "{} {} cycle {}: {col}: golden {want:e}, model {got:e} (bits differ)",
                self.file,
                self.scenario,
                self.field("cycle")
            ));
        }
    }
}

fn compare_start(r: &CycleResult, c: &mut Cmp) {
    c.int("cycle", r.cycle.into());
    c.int("heapMarkedPrev", r.heap_marked_prev.into());
    c.int("triggered", r.triggered.into());
    c.int("heapPeak", r.heap_peak.into());
    c.int("heapGoal", r.heap_goal.into());
    c.int("heapScannable", r.heap_scannable.into());
    c.float("gcUtilization", r.gc_utilization);
    c.int("assistTimeNs", r.assist_time_ns.into());
    c.int("gcDurationNs", r.gc_duration_ns.into());
    c.int("bytesAllocatedBlack", r.bytes_allocated_black.into());
    c.int("nextHeapMarked", r.next_heap_marked.into());
    c.int("nRevise", r.n_revise.into());
    c.int("triggerFnTrigger", r.trigger_fn_trigger.into());
    c.int("triggerFnGoal", r.trigger_fn_goal.into());
}

fn compare_end(r: &CycleResult, c: &mut Cmp) {
    c.int("cycle", r.cycle.into());
    c.float("consMark", r.cons_mark);
    for (i, v) in r.last_cons_mark.iter().enumerate() {
        c.float(&format!("lastConsMark{i}"), *v);
    }
    c.int("runway", r.runway.into());
    c.int("heapMarked", r.heap_marked.into());
    c.int("lastHeapScan", r.last_heap_scan.into());
    c.int("lastStackScan", r.last_stack_scan.into());
    c.int("gcPercentHeapGoal", r.gc_percent_heap_goal.into());
    c.int("sweepDistMinTrigger", r.sweep_dist_min_trigger.into());
    c.int("nextTrigger", r.next_trigger.into());
    c.int("nextGoal", r.next_goal.into());
}

/// The config the spec gives the golden scenarios (§3.2).
fn golden_config(name: &str) -> ReplayConfig {
    let cfg = scenario_config(name).unwrap_or_else(|| panic!("{name} is not a Go scenario"));
    let limited = matches!(name, "SteadyMemoryLimit" | "ExceedMemoryLimit");
    assert_eq!(
        cfg,
        ReplayConfig {
            gogc: 100,
            memory_limit: if limited { 512 << 20 } else { i64::MAX },
            globals: 32 << 10,
            cores: 8,
        },
        "{name}"
    );
    cfg
}

fn golden_inputs(name: &str) -> Vec<CycleInput> {
    read_inputs_csv(open_golden("cycles_start.csv"), name)
        .unwrap_or_else(|e| panic!("cycles_start.csv: {name}: {e}"))
}

/// Replays every scenario of the golden set from its recorded inputs and compares all fields of
/// both golden files, then runs Go's checkers.
#[test]
fn replay_is_bit_exact_against_go() {
    let start = Golden::load("cycles_start.csv");
    let end = Golden::load("cycles_end.csv");
    for (name, len) in GOLDEN {
        let n = start.rows.get(name).map_or(0, Vec::len);
        assert_eq!(n, len, "cycles_start.csv must hold {len} cycles of {name}");
    }
    let mut errs = Vec::new();
    let mut cycles = 0;
    // Every scenario in the files is compared: the eight required ones and any others.
    for (name, rows) in &start.rows {
        let cfg = if GOLDEN.iter().any(|(g, _)| g == name) {
            golden_config(name)
        } else {
            scenario_config(name).unwrap_or_else(|| panic!("unknown scenario {name} in golden"))
        };
        let results = replay(&golden_inputs(name), &cfg);
        let end_rows = &end.rows[name];
        assert_eq!(results.len(), rows.len(), "{name}");
        assert_eq!(end_rows.len(), rows.len(), "{name}: cycles_end.csv rows");
        for ((r, s), e) in results.iter().zip(rows).zip(end_rows) {
            let file = "cycles_start.csv";
            compare_start(
                r,
                &mut Cmp {
                    scenario: name,
                    file,
                    row: s,
                    errs: &mut errs,
                },
            );
            let file = "cycles_end.csv";
            compare_end(
                r,
                &mut Cmp {
                    scenario: name,
                    file,
                    row: e,
                    errs: &mut errs,
                },
            );
            cycles += 1;
        }
        for e in check_scenario(name, &results) {
            errs.push(format!("{name}: Go's checker: {e}"));
        }
    }
    assert!(
        errs.is_empty(),
        "{} differences in {cycles} cycles; first ones:\n{}",
        errs.len(),
        errs.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(cycles >= 500, "only {cycles} cycles compared");
}

/// The test's own log lines (`GC <n> <util>% <marked>-><trigger>-><peak> (goal: <goal>)`) are
/// reproduced byte for byte.
#[test]
fn log_lines_match_go() {
    let text = std::fs::read_to_string(golden_path("testlog_gc_lines.txt"))
        .unwrap_or_else(|e| panic!("testlog_gc_lines.txt cannot be read ({e}); set GMPSIM_SHARED"));
    let mut by_scenario: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (name, rest) = line.split_once(' ').expect("scenario then the log line");
        by_scenario.entry(name).or_default().push(rest);
    }
    for (name, _) in GOLDEN {
        assert!(by_scenario.contains_key(name), "no log lines for {name}");
    }
    for (name, lines) in by_scenario {
        let results = replay(&golden_inputs(name), &scenario_config(name).unwrap());
        assert_eq!(results.len(), lines.len(), "{name}");
        for (r, want) in results.iter().zip(lines) {
            let got = format!(
                "GC {} {:.1}% {}->{}->{} (goal: {})",
                r.cycle,
                r.gc_utilization * 100.0,
                r.heap_marked_prev,
                r.triggered,
                r.heap_peak,
                r.heap_goal
            );
            assert_eq!(got, want, "{name}");
        }
    }
}

/// The generated streams of the non-random golden scenarios equal the recorded inputs, bit for
/// bit (which checks the stream helpers, including Go's `math.Sin` in OscAlloc).
#[test]
fn builtin_inputs_equal_golden_inputs() {
    let start = Golden::load("cycles_start.csv");
    let mut checked = 0;
    for name in start.rows.keys() {
        let golden = golden_inputs(name);
        let (generated, cfg) = builtin_scenario(name).expect("a Go scenario");
        if GOLDEN.iter().any(|(g, _)| g == name) {
            assert_eq!(cfg, golden_config(name), "{name}");
        }
        assert_eq!(generated.len(), golden.len(), "{name}");
        for (g, w) in generated.iter().zip(&golden) {
            let bits = |c: &CycleInput| {
                [
                    c.alloc_rate.to_bits(),
                    c.scan_rate.to_bits(),
                    c.growth_rate.to_bits(),
                    c.scannable_frac.to_bits(),
                    c.stack_bytes,
                    c.cycle.into(),
                ]
            };
            assert_eq!(bits(g), bits(w), "{name} cycle {}", w.cycle);
        }
        if !RANDOM.contains(&name.as_str()) {
            checked += 1;
        }
    }
    assert!(checked >= GOLDEN.len());
}

/// Every one of Go's 19 scenarios can be generated and passes Go's checkers when replayed.
#[test]
fn all_builtin_scenarios_pass_gos_checkers() {
    for name in SCENARIO_NAMES {
        let (inputs, cfg) = builtin_scenario(name).expect("builtin");
        let results = replay(&inputs, &cfg);
        let errs = check_scenario(name, &results);
        assert!(errs.is_empty(), "{name}: {errs:?}");
    }
}

/// The GOGC goal is Hm + (Hm + stacks scanned + globals)·GOGC/100, in integer arithmetic.
#[test]
fn gogc_goal_counts_stacks_and_globals() {
    let hm: u64 = 100 << 20;
    let stacks: u64 = 3 << 20;
    let globals: u64 = 5 << 20;
    for gogc in [1, 25, 50, 100, 150, 200, 1500, 12345] {
        let mut c = GcController::new(gogc, i64::MAX);
        c.heap_marked = hm;
        c.heap_live = hm;
        c.last_stack_scan = stacks;
        c.globals_scan = globals;
        c.commit(true);
        let want = hm + (hm + stacks + globals) * gogc as u64 / 100;
        assert_eq!(c.gc_percent_heap_goal, want, "GOGC={gogc}");
        assert_eq!(c.heap_goal(), want, "GOGC={gogc}");
    }
    // Multiply before divide: (Hm + S + G)·1/100 keeps the remainder's bytes.
    let mut c = GcController::new(1, i64::MAX);
    c.heap_marked = 199 << 20;
    c.commit(true);
    assert_eq!(c.gc_percent_heap_goal, (199 << 20) + (199 << 20) / 100);
    // Small heaps are lifted to heapMinimum = 4 MiB·GOGC/100.
    let mut c = GcController::new(200, i64::MAX);
    c.heap_marked = 1 << 20;
    c.commit(true);
    assert_eq!(c.gc_percent_heap_goal, DEFAULT_HEAP_MINIMUM * 2);
    // GOGC=0: the goal is the marked heap; with sweeping pending the goal is Hm + 1 MiB.
    let mut c = GcController::new(0, i64::MAX);
    c.heap_marked = hm;
    c.heap_live = hm;
    c.commit(false);
    assert_eq!(c.gc_percent_heap_goal, hm);
    assert_eq!(c.heap_goal(), hm + (1 << 20));
}

/// A 512 MiB limit with no other memory gives the goal 520 764 785, which binds once below the
/// GOGC goal.
#[test]
fn memory_limit_goal_is_520764785_at_512_mib() {
    assert_eq!(
        apply_memory_limit_heap_goal_headroom(512 << 20),
        520_764_785
    );
    let mut c = GcController::new(100, 512 << 20);
    assert_eq!(c.memory_limit_heap_goal(), 520_764_785);
    assert_eq!(c.heap_goal(), 4 << 20, "the GOGC goal is smaller at first");
    c.heap_marked = 300 << 20;
    c.heap_live = 300 << 20;
    c.commit(false);
    assert_eq!(c.heap_goal(), 520_764_785);
    // A live heap above the limit goal: the goal is the live heap, and the trigger too.
    c.heap_marked = 600 << 20;
    c.commit(false);
    assert_eq!(c.trigger(), (600 << 20, 600 << 20));
}

/// GOGC=off: no GOGC goal at all; the goal is the memory-limit goal (or effectively none).
#[test]
fn gogc_off_has_no_gogc_goal() {
    let mut c = GcController::new(-1, 512 << 20);
    assert_eq!(c.gc_percent, -1);
    assert_eq!(c.gc_percent_heap_goal, u64::MAX);
    assert_eq!(c.heap_goal(), 520_764_785);
    c.heap_marked = 100 << 20;
    c.heap_live = 100 << 20;
    c.last_stack_scan = 1 << 20;
    c.commit(false);
    assert_eq!(c.gc_percent_heap_goal, u64::MAX);
    assert_eq!(c.heap_goal(), 520_764_785);
    let c = GcController::new(-1, i64::MAX);
    assert_eq!(c.gc_percent_heap_goal, u64::MAX);
    assert_eq!(
        c.heap_goal(),
        apply_memory_limit_heap_goal_headroom(i64::MAX as u64)
    );
    // Any negative GOGC is stored as −1.
    assert_eq!(GcController::new(-50, i64::MAX).gc_percent, -1);
}

/// Spec §1.10: dedicated workers, fractional goal and idle-worker cap by GOMAXPROCS.
#[test]
fn worker_counts_follow_the_spec_table() {
    // (procs, dedicated, fractional goal per P, max idle workers)
    let table: [(i32, i64, f64, i32); 16] = [
        (1, 0, 0.25, 1),
        (2, 0, 0.25, 2),
        (3, 0, 0.25, 3),
        (4, 1, 0.0, 3),
        (5, 1, 0.0, 4),
        (6, 1, (1.5 - 1.0) / 6.0, 5),
        (7, 2, 0.0, 5),
        (8, 2, 0.0, 6),
        (9, 2, 0.0, 7),
        (10, 3, 0.0, 7),
        (11, 3, 0.0, 8),
        (12, 3, 0.0, 9),
        (13, 3, 0.0, 10),
        (14, 4, 0.0, 10),
        (15, 4, 0.0, 11),
        (16, 4, 0.0, 12),
    ];
    for (procs, ded, frac, idle) in table {
        let mut c = GcController::new(100, i64::MAX);
        c.start_cycle(0, procs, TriggerKind::Heap);
        assert_eq!(c.dedicated_mark_workers_needed, ded, "procs {procs}");
        assert_eq!(c.fractional_utilization_goal, frac, "procs {procs}");
        assert_eq!(c.max_idle_mark_workers, idle, "procs {procs}");
        // A periodic GC allows no idle worker, or one when there is no dedicated worker.
        c.start_cycle(0, procs, TriggerKind::Time);
        assert_eq!(
            c.max_idle_mark_workers,
            if ded > 0 { 0 } else { 1 },
            "procs {procs}"
        );
    }
    let mut c = GcController::new(100, i64::MAX);
    c.start_cycle(0, 6, TriggerKind::Heap);
    assert!((c.fractional_utilization_goal - 0.083333).abs() < 1e-6);
    // 4k Ps: k dedicated, 3k idle.
    c.start_cycle(0, 64, TriggerKind::Heap);
    assert_eq!(
        (c.dedicated_mark_workers_needed, c.max_idle_mark_workers),
        (16, 48)
    );
}
