//! `gmpsim sweep`: runs a scenario over the cartesian grid GOGC × GOMEMLIMIT × GOMAXPROCS × any
//! `--set` field × seeds, in parallel, and writes `results.csv`, charts and `report.html`.
//!
//! Every point is loaded (with the same `--set` mechanism as `gmpsim run`) and validated before
//! the first one runs, so a typo stops the sweep at once with exit code 2. Points run on rayon's
//! pool; each finished point is appended to `results.csv` with one `write` of a whole line, so an
//! interrupted sweep keeps every finished point and `--resume` skips them. At the end the file
//! is rewritten in grid order, so its bytes do not depend on the thread count or on the order
//! in which points finished.

use crate::input_err;
use anyhow::Context;
use models::run::run_scenario;
use models::scenario::{Gogc, MemLimit, Scenario, parse_scenario};
use models::sim::RunOptions;
use models::timeline::Timeline;
use plots::data::{Axis, GOGC, GOMAXPROCS, GOMEMLIMIT, Grid, Metrics, Row, header};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

#[derive(clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// GOGC values, comma-separated (`50,100,200,off`).
    #[arg(long, value_name = "LIST")]
    pub gogc: Option<String>,
    /// GOMEMLIMIT values, comma-separated (`off,512MiB`).
    #[arg(long, value_name = "LIST")]
    pub gomemlimit: Option<String>,
    /// GOMAXPROCS values, comma-separated (`2,4,8`).
    #[arg(long, value_name = "LIST")]
    pub gomaxprocs: Option<String>,
    /// Seeds per point: the scenario's `meta.seed` and the next ones.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// Sweep (or, with one value, set) any scenario field: `--set params.rps=4k/s,8k/s`.
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    pub sets: Vec<String>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Skip the points already in `OUT/results.csv`.
    #[arg(long)]
    pub resume: bool,
    /// Run only the K-th (1-based) of N interleaved slices of the grid (`--shard 2/8`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Refuse grids with more runs (points × seeds) than this.
    #[arg(long, default_value_t = 10_000)]
    pub max_runs: usize,
    /// Runs whose heap timeline is charted, by run index (default: the first and last GOGC
    /// at each GOMEMLIMIT, first GOMAXPROCS and seed, at most 6).
    #[arg(long, value_name = "RUN,...", value_delimiter = ',')]
    pub heap_runs: Vec<usize>,
    /// Sampling interval of the heap timelines (default: the duration / 500).
    #[arg(long, value_name = "DURATION")]
    pub sample_interval: Option<String>,
}

/// `OUT/sweep.json`: what a sweep (or a shard of it) ran, enough to merge and report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub scenario_file: String,
    pub scenario_name: String,
    pub scenario_text: String,
    /// Single-valued `--set`s, applied to every point.
    pub base_sets: Vec<String>,
    pub grid: Grid,
    pub heap_runs: Vec<usize>,
    pub sample_interval_ns: u64,
    pub command: String,
}

impl Manifest {
    /// The same sweep (the shard and the command line may differ).
    pub fn same_sweep(&self, o: &Manifest) -> bool {
        self.scenario_text == o.scenario_text
            && self.base_sets == o.base_sets
            && self.grid == o.grid
    }
}

fn split_list(flag: &str, list: &str) -> anyhow::Result<Vec<String>> {
    let v: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
    if v.iter().all(String::is_empty) {
        return Err(input_err(format!(
            "{flag}: empty list: the grid would be empty"
        )));
    }
    if let Some(i) = v.iter().position(String::is_empty) {
        return Err(input_err(format!(
            "{flag}: value {} of `{list}` is empty",
            i + 1
        )));
    }
    for (i, x) in v.iter().enumerate() {
        if v[..i].contains(x) {
            return Err(input_err(format!("{flag}: `{x}` is listed twice")));
        }
    }
    Ok(v)
}

fn fmt_gogc(g: Gogc) -> String {
    match g {
        Gogc::Percent(p) => p.to_string(),
        Gogc::Off => "off".into(),
    }
}

fn fmt_limit(l: MemLimit) -> String {
    match l {
        MemLimit::Off => "off".into(),
        MemLimit::Bytes(b) => {
            for (unit, k) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
                if b > 0 && b % (1u64 << k) == 0 {
                    return format!("{}{unit}", b >> k);
                }
            }
            format!("{b}B")
        }
    }
}

/// `K/N` → (K-1, N).
fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let bad = || input_err(format!("--shard: expected K/N with 1 ≤ K ≤ N, got `{s}`"));
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k - 1, n))
}

/// Builds the grid and the manifest from the arguments; loads the base scenario.
fn plan(a: &SweepArgs) -> anyhow::Result<(Manifest, Scenario)> {
    let file = a.scenario.display().to_string();
    let text = std::fs::read_to_string(&a.scenario)
        .map_err(|e| input_err(format!("{file}: cannot read the scenario: {e}")))?;
    let mut base_sets = Vec::new();
    let mut extra = Vec::new();
    for s in &a.sets {
        let (path, vals) = s
            .split_once('=')
            .ok_or_else(|| input_err(format!("--set: expected PATH=V1,V2,..., got `{s}`")))?;
        let vals = split_list(&format!("--set {}", path.trim()), vals)?;
        if vals.len() == 1 {
            base_sets.push(format!("{}={}", path.trim(), vals[0]));
        } else {
            extra.push((path.trim().to_string(), vals));
        }
    }
    let base = parse_scenario(&text, &file, &base_sets).map_err(|e| input_err(e.to_string()))?;
    let sc = base.scenario;
    let rt = &sc.runtime;
    let axis = |name: &str,
                path: &str,
                given: &Option<String>,
                flag: &str,
                own: String|
     -> anyhow::Result<Axis> {
        Ok(match given {
            Some(list) => Axis {
                name: name.into(),
                path: path.into(),
                values: split_list(flag, list)?,
                swept: true,
            },
            None => Axis {
                name: name.into(),
                path: path.into(),
                values: vec![own],
                swept: false,
            },
        })
    };
    let mut axes = vec![
        axis("GOGC", "runtime.gogc", &a.gogc, "--gogc", fmt_gogc(rt.gogc))?,
        axis(
            "GOMEMLIMIT",
            "runtime.gomemlimit",
            &a.gomemlimit,
            "--gomemlimit",
            fmt_limit(rt.gomemlimit),
        )?,
        axis(
            "GOMAXPROCS",
            "runtime.gomaxprocs",
            &a.gomaxprocs,
            "--gomaxprocs",
            rt.gomaxprocs.unwrap_or(rt.cpus).to_string(),
        )?,
    ];
    for (path, values) in extra {
        if axes.iter().any(|x| x.path == path) {
            return Err(input_err(format!(
                "--set {path}: this field is already swept"
            )));
        }
        axes.push(Axis {
            name: path.clone(),
            path,
            values,
            swept: true,
        });
    }
    if a.seeds == 0 {
        return Err(input_err("--seeds 0: the grid would be empty"));
    }
    let seeds = (0..a.seeds).map(|i| sc.meta.seed.wrapping_add(i)).collect();
    let grid = Grid { axes, seeds };
    // Checked before anything is multiplied out.
    let runs = grid
        .axes
        .iter()
        .map(|x| x.values.len())
        .try_fold(grid.seeds.len(), |acc, n| acc.checked_mul(n));
    match runs {
        Some(n) if n <= a.max_runs => {}
        _ => {
            return Err(input_err(format!(
                "the grid has {} runs, more than --max-runs {}",
                runs.map_or("too many".to_string(), |n| n.to_string()),
                a.max_runs
            )));
        }
    }
    let heap_runs = if a.heap_runs.is_empty() {
        default_heap_runs(&grid)
    } else {
        for &r in &a.heap_runs {
            if r >= grid.len() {
                return Err(input_err(format!(
                    "--heap-runs: run {r} is outside the grid of {} runs",
                    grid.len()
                )));
            }
        }
        a.heap_runs.clone()
    };
    let sample_interval_ns = match &a.sample_interval {
        Some(s) => {
            models::units::parse_duration(s)
                .map_err(|e| input_err(format!("--sample-interval: {e}")))?
                .0
        }
        None => sc.meta.duration.0 / 500,
    }
    .max(1_000);
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    Ok((
        Manifest {
            scenario_file: file,
            scenario_name: sc.meta.name.clone(),
            scenario_text: text,
            base_sets,
            grid,
            heap_runs,
            sample_interval_ns,
            command,
        },
        sc,
    ))
}

/// The first and last GOGC at each of the first three GOMEMLIMITs, with the first value of
/// every other axis and the first seed.
fn default_heap_runs(g: &Grid) -> Vec<usize> {
    let ng = g.axes[GOGC].values.len();
    let mut gogcs = vec![0];
    if ng > 1 {
        gogcs.push(ng - 1);
    }
    let mut out = Vec::new();
    for l in 0..g.axes[GOMEMLIMIT].values.len().min(3) {
        for &gi in &gogcs {
            let mut idx = vec![0; g.axes.len()];
            idx[GOGC] = gi;
            idx[GOMEMLIMIT] = l;
            idx[GOMAXPROCS] = 0;
            out.push(g.run_of(&idx, 0));
        }
    }
    out
}

/// Label of run `i` for progress lines.
fn run_label(g: &Grid, i: usize) -> String {
    let (idx, seed) = g.coords(i);
    let mut parts: Vec<String> = g
        .axes
        .iter()
        .zip(idx)
        .map(|(a, j)| format!("{}={}", a.name, a.values[j]))
        .collect();
    parts.push(format!("seed={seed}"));
    parts.join(" ")
}

/// Reads `results.csv` rows of `grid`. A last line cut short by an interrupted write is
/// dropped (and its bytes counted in the second value, so the file can be truncated).
pub fn read_results(path: &Path, grid: &Grid) -> anyhow::Result<(Vec<Row>, u64)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let complete = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(i) => i + 1,
        None => 0,
    };
    let partial = (bytes.len() - complete) as u64;
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[..complete]);
    let want = header(grid);
    let got: Vec<String> = rd
        .headers()
        .map_err(|e| input_err(format!("{}: {e}", path.display())))?
        .iter()
        .map(str::to_string)
        .collect();
    if got != want {
        return Err(input_err(format!(
            "{}: its columns {:?} are not this sweep's {:?}",
            path.display(),
            got,
            want
        )));
    }
    let mut rows = Vec::new();
    for (n, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| input_err(format!("{}: {e}", path.display())))?;
        let fields: Vec<&str> = rec.iter().collect();
        let row = Row::parse(grid, &fields)
            .map_err(|e| input_err(format!("{}: row {}: {e}", path.display(), n + 2)))?;
        rows.push(row);
    }
    Ok((rows, partial))
}

fn csv_line(fields: &[String]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields)?;
    Ok(w.into_inner()?)
}

/// Writes `rows` (sorted by run) as the whole `results.csv`, atomically.
pub fn write_results(path: &Path, grid: &Grid, rows: &mut [Row]) -> anyhow::Result<()> {
    rows.sort_by_key(|r| r.run);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header(grid))?;
    for r in rows.iter() {
        w.write_record(r.record())?;
    }
    crate::out::write_atomic(path, &w.into_inner()?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Progress: a bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: Mutex<usize>,
    start: Instant,
}

impl Progress {
    fn new(total: usize, skipped: usize) -> Progress {
        let bar = crate::out::terminal_bar(
            total as u64,
            "{bar:30} {pos}/{len} runs  ETA {eta}  {wide_msg}",
        );
        if skipped > 0 {
            eprintln!("sweep: {skipped} runs already in results.csv, {total} to run");
        }
        Progress {
            bar,
            total,
            done: Mutex::new(0),
            start: Instant::now(),
        }
    }

    fn started(&self, label: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("running {label}"));
        }
    }

    fn finished(&self, label: &str) {
        let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *d += 1;
        match &self.bar {
            Some(b) => b.inc(1),
            None => eprintln!(
                "sweep: {}/{} done ({:.1}s): {label}",
                *d,
                self.total,
                self.start.elapsed().as_secs_f64()
            ),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        eprintln!(
            "sweep: {} runs in {:.2}s",
            self.total,
            self.start.elapsed().as_secs_f64()
        );
    }
}

pub fn timeline_path(dir: &Path, run: usize) -> PathBuf {
    dir.join("timelines").join(format!("run-{run}.json"))
}

pub fn run(a: &SweepArgs) -> anyhow::Result<std::process::ExitCode> {
    let (manifest, _) = plan(a)?;
    let grid = &manifest.grid;
    let (shard_k, shard_n) = match &a.shard {
        Some(s) => parse_shard(s)?,
        None => (0, 1),
    };
    let mine: Vec<usize> = (0..grid.len()).filter(|i| i % shard_n == shard_k).collect();
    // Load and validate every point this process will run before running any.
    let mut scenarios = Vec::with_capacity(mine.len());
    for &i in &mine {
        let mut sets = manifest.base_sets.clone();
        sets.extend(grid.sets(i));
        let sc = parse_scenario(&manifest.scenario_text, &manifest.scenario_file, &sets)
            .map_err(|e| input_err(format!("{e} (sweep point {})", run_label(grid, i))))?;
        scenarios.push(sc.scenario);
    }

    let dir = &a.out;
    let results = dir.join("results.csv");
    let man_path = dir.join("sweep.json");
    let mut done_rows = Vec::new();
    if results.exists() {
        if !a.resume {
            return Err(input_err(format!(
                "{} exists: pass --resume to continue that sweep, or choose another --out",
                results.display()
            )));
        }
        let old: Manifest = serde_json::from_slice(&std::fs::read(&man_path).map_err(|e| {
            input_err(format!(
                "--resume: {}: {e} (not the output of a sweep?)",
                man_path.display()
            ))
        })?)
        .map_err(|e| input_err(format!("{}: {e}", man_path.display())))?;
        if !old.same_sweep(&manifest) {
            return Err(input_err(format!(
                "--resume: {} is a different sweep (scenario, --set or grid differ)",
                dir.display()
            )));
        }
        let (rows, partial) = read_results(&results, grid)?;
        if partial > 0 {
            // Drop the cut-short last line before appending.
            let f = std::fs::OpenOptions::new().write(true).open(&results)?;
            let len = f.metadata()?.len();
            f.set_len(len - partial)?;
        }
        done_rows = rows;
    } else {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        crate::out::write_atomic(&results, &csv_line(&header(grid))?)?;
    }
    crate::out::write_atomic(
        &man_path,
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;

    let skip: std::collections::BTreeSet<usize> = done_rows.iter().map(|r| r.run).collect();
    let todo: Vec<(usize, &Scenario)> = mine
        .iter()
        .copied()
        .zip(scenarios.iter())
        .filter(|(i, _)| !skip.contains(i))
        .collect();
    let skipped = mine.len() - todo.len();
    let progress = Progress::new(todo.len(), skipped);
    let file = Mutex::new(
        std::fs::OpenOptions::new()
            .append(true)
            .open(&results)
            .with_context(|| format!("opening {}", results.display()))?,
    );
    let new_rows = Mutex::new(Vec::new());
    let failures = Mutex::new(Vec::new());
    if !manifest.heap_runs.is_empty() {
        std::fs::create_dir_all(dir.join("timelines"))?;
    }
    todo.par_iter().for_each(|&(i, sc)| {
        let label = run_label(grid, i);
        progress.started(&label);
        let (_, seed) = grid.coords(i);
        let opts = RunOptions {
            seed: Some(seed),
            sample_interval: manifest
                .heap_runs
                .contains(&i)
                .then_some(manifest.sample_interval_ns),
            ..Default::default()
        };
        let res = match run_scenario(sc, opts) {
            Ok(r) => r,
            Err(e) => {
                failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{label}: {e}"));
                return;
            }
        };
        let row = Row::new(grid, i, Metrics::from_summary(&res.summary));
        let written = (|| -> anyhow::Result<()> {
            if !res.timeline.is_empty() {
                crate::out::write_atomic(
                    &timeline_path(dir, i),
                    serde_json::to_string(&res.timeline)?.as_bytes(),
                )?;
            }
            let line = csv_line(&row.record())?;
            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
            // One write of the whole line: a crash leaves at most a cut-short last line,
            // which --resume drops.
            f.write_all(&line)?;
            f.sync_data()?;
            Ok(())
        })();
        if let Err(e) = written {
            failures
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{label}: writing results: {e:#}"));
            return;
        }
        new_rows.lock().unwrap_or_else(|e| e.into_inner()).push(row);
        progress.finished(&label);
    });
    progress.finish();
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut rows = done_rows;
    rows.extend(new_rows.into_inner().unwrap_or_else(|e| e.into_inner()));
    write_results(&results, grid, &mut rows)?;
    let early = rows
        .iter()
        .filter(|r| r.metrics.stop_reason != "time limit")
        .count();
    if early > 0 {
        eprintln!("sweep: {early} runs stopped before the scenario's duration (see stop_reason)");
    }
    finish(dir, &manifest, &rows)?;
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("sweep: failed: {f}");
        }
        return Err(anyhow::anyhow!("{} runs failed", failures.len()));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Charts (`DIR/charts/*.png|svg`) and `DIR/report.html` from the rows in hand.
pub fn finish(dir: &Path, m: &Manifest, rows: &[Row]) -> anyhow::Result<()> {
    use plots::sweep_charts::{StwChart, Table, gc_cpu_chart, latency_chart};
    let charts_dir = dir.join("charts");
    let name = &m.scenario_name;
    let table = || Table::new(name, &m.grid, rows);
    let mut panels = Vec::new();
    for &r in &m.heap_runs {
        let p = timeline_path(dir, r);
        let tl: Timeline = match std::fs::read(&p) {
            Ok(b) => {
                serde_json::from_slice(&b).with_context(|| format!("reading {}", p.display()))?
            }
            // Not run (yet, or in another shard): the panel says so.
            Err(_) => Timeline::default(),
        };
        panels.push((format!("run {r}: {}", run_label(&m.grid, r)), tl));
    }
    let mut title = format!("Heap live, goal, trigger and limit — scenario {name}");
    let fixed = m.grid.fixed_text();
    if !fixed.is_empty() {
        title.push_str(&format!(" ({fixed})"));
    }
    let heap = plots::run_charts::HeapChart {
        name: "heap".into(),
        title,
        panels,
    };
    let e = |e: String| anyhow::anyhow!("drawing charts in {}: {e}", charts_dir.display());
    // The charts are independent: draw them in parallel too.
    let ((stw, lat), (hp, cpu)) = rayon::join(
        || {
            rayon::join(
                || plots::render(&StwChart { table: table() }, &charts_dir),
                || plots::render(&latency_chart(table()), &charts_dir),
            )
        },
        || {
            rayon::join(
                || plots::render(&heap, &charts_dir),
                || plots::render(&gc_cpu_chart(table()), &charts_dir),
            )
        },
    );
    let rendered = vec![
        stw.map_err(e)?,
        lat.map_err(e)?,
        hp.map_err(e)?,
        cpu.map_err(e)?,
    ];
    let html = plots::report::report_html(&plots::report::ReportInput {
        scenario_name: name,
        scenario_file: &m.scenario_file,
        scenario_text: &m.scenario_text,
        grid: &m.grid,
        command: &m.command,
        charts: &rendered,
        rows,
    });
    crate::out::write_atomic(&dir.join("report.html"), html.as_bytes())?;
    Ok(())
}
