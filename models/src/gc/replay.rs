//! Go's `TestGcPacer` harness (`mgcpacer_test.go` with the `GCController` wrapper of
//! `export_test.go`): per-cycle synthetic inputs drive the pacer through idealised mark
//! phases of 500 µs revise periods. `gmpsim pacer-replay` and the golden tests use it.

use super::controller::{GC_BACKGROUND_UTILIZATION, GcController, TriggerKind};
use std::io::{Read, Write};

/// `revisePeriod`.
const REVISE_PERIOD: i64 = 500_000;
/// `rateConv = 1024 * revisePeriod / time.Millisecond`.
const RATE_CONV: f64 = 1024.0 * REVISE_PERIOD as f64 / 1e6;
/// `initialHeapBytes`.
const INITIAL_HEAP_BYTES: i64 = 256 << 10;

/// Harness settings (`gcExecTest`'s GOGC, memory limit, globals and cores).
#[derive(Clone, Copy, Debug)]
pub struct ReplayConfig {
    pub gogc: i32,
    pub memory_limit: i64,
    pub globals: u64,
    pub cores: i32,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            gogc: 100,
            memory_limit: i64::MAX,
            globals: 32 << 10,
            cores: 8,
        }
    }
}

/// One cycle's inputs (`gcCycle`), after the stream transforms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CycleInput {
    pub cycle: u32,
    pub alloc_rate: f64,
    pub scan_rate: f64,
    pub growth_rate: f64,
    pub scannable_frac: f64,
    pub stack_bytes: u64,
}

/// One cycle's results: what the test logs and checks, plus the pacer state after `EndCycle`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CycleResult {
    pub cycle: u32,
    pub heap_marked_prev: u64,
    pub triggered: u64,
    pub heap_peak: u64,
    pub heap_goal: u64,
    pub heap_scannable: i64,
    pub gc_utilization: f64,
    pub assist_time_ns: i64,
    pub gc_duration_ns: i64,
    pub bytes_allocated_black: i64,
    pub next_heap_marked: i64,
    pub n_revise: u32,
    pub trigger_fn: (u64, u64),
    pub cons_mark: f64,
    pub last_cons_mark: [f64; 4],
    pub runway: u64,
    pub heap_marked: u64,
    pub last_heap_scan: u64,
    pub last_stack_scan: u64,
    pub gc_percent_heap_goal: u64,
    pub sweep_dist_min_trigger: u64,
    pub next_trigger: u64,
    pub next_goal: u64,
}

/// An error reading an inputs file.
#[derive(Debug, thiserror::Error)]
pub enum InputsError {
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error(
        "missing column `{0}` (need scenario,cycle,allocRate,scanRate,growthRate,scannableFrac,stackBytes)"
    )]
    Column(&'static str),
    #[error("row {row}: `{col}` is not a number: {val:?}")]
    Number {
        row: usize,
        col: &'static str,
        val: String,
    },
    #[error("no rows for scenario `{0}`")]
    NoRows(String),
}

/// Reads the inputs of one scenario from a CSV with at least the columns
/// `scenario,cycle,allocRate,scanRate,growthRate,scannableFrac,stackBytes`.
pub fn read_inputs_csv(r: impl Read, scenario: &str) -> Result<Vec<CycleInput>, InputsError> {
    let mut rd = csv::Reader::from_reader(r);
    let h = rd.headers()?.clone();
    let col = |name: &'static str| {
        h.iter()
            .position(|c| c == name)
            .ok_or(InputsError::Column(name))
    };
    let idx = [
        col("scenario")?,
        col("cycle")?,
        col("allocRate")?,
        col("scanRate")?,
        col("growthRate")?,
        col("scannableFrac")?,
        col("stackBytes")?,
    ];
    let names = [
        "scenario",
        "cycle",
        "allocRate",
        "scanRate",
        "growthRate",
        "scannableFrac",
        "stackBytes",
    ];
    let mut out = Vec::new();
    for (row, rec) in rd.records().enumerate() {
        let rec = rec?;
        if rec.get(idx[0]) != Some(scenario) {
            continue;
        }
        let f = |i: usize| -> Result<f64, InputsError> {
            let v = rec.get(idx[i]).unwrap_or("");
            v.trim().parse::<f64>().map_err(|_| InputsError::Number {
                row: row + 2,
                col: names[i],
                val: v.to_string(),
            })
        };
        out.push(CycleInput {
            cycle: f(1)? as u32,
            alloc_rate: f(2)?,
            scan_rate: f(3)?,
            growth_rate: f(4)?,
            scannable_frac: f(5)?,
            stack_bytes: f(6)? as u64,
        });
    }
    if out.is_empty() {
        return Err(InputsError::NoRows(scenario.to_string()));
    }
    Ok(out)
}

/// Runs the harness over `inputs` (TestGcPacer's loop, one iteration per cycle).
pub fn replay(inputs: &[CycleInput], cfg: &ReplayConfig) -> Vec<CycleResult> {
    let mut c = GcController::init(cfg.gogc, cfg.memory_limit);
    let cores = cfg.cores;
    let mut out = Vec::with_capacity(inputs.len());
    let mut bytes_allocated_black_last: i64 = 0;
    for (i, cy) in inputs.iter().enumerate() {
        // GCController.StartCycle.
        let (mut trig, _) = c.trigger();
        if c.heap_marked > trig {
            trig = c.heap_marked;
        }
        c.max_stack_scan = cy.stack_bytes;
        c.globals_scan = cfg.globals;
        c.heap_live = trig;
        c.heap_scan = c
            .heap_scan
            .wrapping_add(((trig - c.heap_marked) as f64 * cy.scannable_frac) as i64 as u64);
        c.start_cycle(0, cores, TriggerKind::Heap);

        let next_heap_marked = if i == 0 {
            INITIAL_HEAP_BYTES
        } else {
            ((c.heap_marked as i64 - bytes_allocated_black_last) as f64 * cy.growth_rate) as i64
        };
        let mut left = [
            cfg.globals as i64,
            cy.stack_bytes as i64,
            (next_heap_marked as f64 * cy.scannable_frac) as i64,
        ];
        let (mut gc_duration, mut assist_time, mut black, mut n_revise) = (0i64, 0i64, 0i64, 0u32);
        while left.iter().sum::<i64>() > 0 {
            let ratio = c.assist_work_per_byte;
            let mut u = ratio * cy.alloc_rate / (ratio * cy.alloc_rate + cy.scan_rate);
            if u < GC_BACKGROUND_UTILIZATION {
                u = GC_BACKGROUND_UTILIZATION;
            }
            let bytes_scanned = (cy.scan_rate * RATE_CONV * cores as f64 * u) as i64;
            let bytes_allocated = (cy.alloc_rate * RATE_CONV * cores as f64 * (1.0 - u)) as i64;
            // doWork: globals, then stacks, then heap.
            let mut work = bytes_scanned;
            let mut done = [0i64; 3];
            for k in 0..3 {
                if left[k] == 0 {
                    continue;
                }
                if left[k] > work {
                    done[k] += work;
                    left[k] -= work;
                    break;
                }
                done[k] += left[k];
                work -= left[k];
                left[k] = 0;
            }
            let mut elapsed = REVISE_PERIOD;
            let mut allocated = bytes_allocated;
            let actual = done[0] + done[1] + done[2];
            if actual < bytes_scanned {
                elapsed = (actual as f64 * REVISE_PERIOD as f64
                    / (cy.scan_rate * RATE_CONV * cores as f64 * u))
                    as i64;
                allocated = (cy.alloc_rate * RATE_CONV * elapsed as f64 / REVISE_PERIOD as f64
                    * cores as f64
                    * (1.0 - u)) as i64;
            }
            // GCController.Revise.
            c.heap_live = c.heap_live.wrapping_add(allocated as u64);
            c.heap_scan = c
                .heap_scan
                .wrapping_add((allocated as f64 * cy.scannable_frac) as i64 as u64);
            c.heap_scan_work += done[2];
            c.stack_scan_work += done[1];
            c.globals_scan_work += done[0];
            c.revise();
            assist_time += (elapsed as f64 * cores as f64 * (u - GC_BACKGROUND_UTILIZATION)) as i64;
            gc_duration += elapsed;
            black += allocated;
            n_revise += 1;
        }
        let mut r = CycleResult {
            cycle: (i + 1) as u32,
            heap_marked_prev: c.heap_marked,
            triggered: c.triggered,
            heap_peak: c.heap_live,
            heap_goal: c.heap_goal(),
            heap_scannable: ((c.heap_marked as i64 - bytes_allocated_black_last) as f64
                * cy.scannable_frac) as i64,
            gc_utilization: assist_time as f64 / (gc_duration as f64 * cores as f64)
                + GC_BACKGROUND_UTILIZATION,
            assist_time_ns: assist_time,
            gc_duration_ns: gc_duration,
            bytes_allocated_black: black,
            next_heap_marked,
            n_revise,
            trigger_fn: c.trigger(),
            cons_mark: 0.0,
            last_cons_mark: [0.0; 4],
            runway: 0,
            heap_marked: 0,
            last_heap_scan: 0,
            last_stack_scan: 0,
            gc_percent_heap_goal: 0,
            sweep_dist_min_trigger: 0,
            next_trigger: 0,
            next_goal: 0,
        };
        // GCController.EndCycle.
        c.assist_time = assist_time;
        c.end_cycle(gc_duration, cores);
        c.reset_live((next_heap_marked + black) as u64);
        c.commit(false);
        bytes_allocated_black_last = black;
        r.cons_mark = c.cons_mark;
        r.last_cons_mark = c.last_cons_mark;
        r.runway = c.runway;
        r.heap_marked = c.heap_marked;
        r.last_heap_scan = c.last_heap_scan;
        r.last_stack_scan = c.last_stack_scan;
        r.gc_percent_heap_goal = c.gc_percent_heap_goal;
        r.sweep_dist_min_trigger = c.sweep_dist_min_trigger;
        (r.next_trigger, r.next_goal) = c.trigger();
        out.push(r);
    }
    out
}

/// Writes `gmpsim pacer-replay`'s CSV: floats in Rust's shortest round-trip form.
pub fn write_csv(mut w: impl Write, scenario: &str, rows: &[CycleResult]) -> std::io::Result<()> {
    writeln!(
        w,
        "scenario,cycle,heapMarkedPrev,triggered,heapPeak,heapGoal,gcUtilization,assistTimeNs,gcDurationNs,consMark,runway,nextTrigger,nextGoal"
    )?;
    for r in rows {
        writeln!(
            w,
            "{scenario},{},{},{},{},{},{:?},{},{},{:?},{},{},{}",
            r.cycle,
            r.heap_marked_prev,
            r.triggered,
            r.heap_peak,
            r.heap_goal,
            r.gc_utilization,
            r.assist_time_ns,
            r.gc_duration_ns,
            r.cons_mark,
            r.runway,
            r.next_trigger,
            r.next_goal
        )?;
    }
    Ok(())
}
