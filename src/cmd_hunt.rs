//! `gmpsim hunt TEMPLATE --property NAME --out DIR` and `gmpsim check FILE`: property tests of
//! the runtime model. A hunt draws scenario variations from the template's `[hunt].vary`
//! ranges (and the simulated duration) with proptest strategies: case `i` comes from a
//! ChaCha `TestRng` seeded with (seed, i) alone. Cases run in parallel on a rayon pool
//! (`--jobs`), taking indices in order; the first violation is the one with the lowest case
//! index, so the result is the same for any thread count. It is shrunk with proptest's
//! `ValueTree` (every knob toward its range's low end, the duration toward `min_duration`)
//! and written as `DIR/repro.toml`, an ordinary scenario that `check` replays. With `--all`
//! every violating case is shrunk (in parallel) and written as `DIR/repro-<case>.toml`.
//!
//! Exit codes: 0 the property held, 1 a violation, 2 bad input.
//!
//! # Simplifications
//! - Shrinking one violation is sequential (each step depends on the last run).
//! - Without `--all`, cases above the first violation that were already running finish and
//!   are dropped: up to one case per thread of wasted work.

use models::run::{RunResult, run_scenario};
use models::scenario::{LoadedScenario, apply_set, load_scenario};
use models::sim::RunOptions;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rayon::prelude::*;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

#[derive(clap::Args)]
pub struct HuntArgs {
    /// The template scenario (with a `[hunt]` table naming the knobs to vary).
    template: PathBuf,
    /// The property to check (default: the template's `hunt.property`).
    #[arg(long)]
    property: Option<String>,
    /// The property's threshold (default: the template's, else the property's default).
    #[arg(long)]
    threshold: Option<String>,
    /// How many cases to try.
    #[arg(long, default_value_t = 100)]
    cases: u32,
    /// The hunt's seed (the case generator's ChaCha stream).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where `repro.toml` goes.
    #[arg(long)]
    out: PathBuf,
    /// Collect every violating case (each shrunk to `DIR/repro-<case>.toml`) instead of
    /// stopping at the first.
    #[arg(long)]
    all: bool,
    /// Threads running cases (default: all cores; 1 = one after another). The result does
    /// not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// A scenario (e.g. a hunt's `repro.toml`).
    file: PathBuf,
    /// The property (default: the file's `hunt.property`).
    #[arg(long)]
    property: Option<String>,
    /// The threshold (default: the file's `hunt.threshold`, else the property's default).
    #[arg(long)]
    threshold: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Duration,
    Number,
}

/// A built-in property: the observed figure must not exceed the threshold.
struct Property {
    name: &'static str,
    unit: Unit,
    default: f64,
    doc: &'static str,
}

/// The built-in properties and their default thresholds.
const PROPERTIES: &[Property] = &[
    Property {
        name: "no-starvation",
        unit: Unit::Duration,
        default: 50e6,
        doc: "no runnable goroutine waits longer than X to run (default 50ms); counts Gs still waiting at the end",
    },
    Property {
        name: "sched-latency-p99",
        unit: Unit::Duration,
        default: 10e6,
        doc: "p99 of runnable→running latency below X (default 10ms)",
    },
    Property {
        name: "stw-max",
        unit: Unit::Duration,
        default: 10e6,
        doc: "no stop-the-world pause longer than X (default 10ms)",
    },
    Property {
        name: "heap-under-limit",
        unit: Unit::Number,
        default: 1.0,
        doc: "peak heap ≤ GOMEMLIMIT × k (default k = 1.0); holds trivially without a limit",
    },
    Property {
        name: "gc-cpu",
        unit: Unit::Number,
        default: 0.5,
        doc: "GC CPU fraction of the run ≤ X (default 0.5)",
    },
    Property {
        name: "progress",
        unit: Unit::Duration,
        default: 1e9,
        doc: "every goroutine that can run runs within X of its creation (default 1s), also those never run by the end",
    },
    Property {
        name: "max-threads",
        unit: Unit::Number,
        default: 100.0,
        doc: "at most X OS threads (Ms) created (default 100)",
    },
];

/// The properties, one per line, for errors and `--help`.
pub fn property_list() -> String {
    PROPERTIES
        .iter()
        .map(|p| format!("  {}: {}", p.name, p.doc))
        .collect::<Vec<_>>()
        .join("\n")
}

fn find_property(name: &str) -> Result<&'static Property, String> {
    PROPERTIES.iter().find(|p| p.name == name).ok_or_else(|| {
        format!(
            "unknown property `{name}`; the properties are:\n{}",
            property_list()
        )
    })
}

fn parse_threshold(p: &Property, s: &str) -> Result<f64, String> {
    match p.unit {
        Unit::Duration => models::units::parse_duration(s)
            .map(|d| d.0 as f64)
            .map_err(|e| format!("threshold of {}: {e}", p.name)),
        Unit::Number => s
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| format!("threshold of {}: `{s}` is not a number ≥ 0", p.name)),
    }
}

fn toml_threshold(p: &Property, v: &toml::Value) -> Result<f64, String> {
    match v {
        toml::Value::String(s) => parse_threshold(p, s),
        toml::Value::Integer(i) => parse_threshold(p, &i.to_string()),
        toml::Value::Float(f) => parse_threshold(p, &f.to_string()),
        other => Err(format!(
            "hunt.threshold: `{other}` is not a duration or a number"
        )),
    }
}

fn fmt_value(p: &Property, x: f64) -> String {
    match p.unit {
        Unit::Duration => format!("{:.3}ms", x / 1e6),
        Unit::Number => format!("{x:.4}"),
    }
}

/// The figure a property compares with its threshold.
fn observe(p: &Property, r: &RunResult) -> f64 {
    let s = &r.summary;
    let end = r.outcome.end_time;
    let user = |class: u16| !models::gc::cycle::is_runtime_class(class);
    match p.name {
        "no-starvation" => {
            let waiting = r
                .world
                .gs
                .iter()
                .filter(|g| user(g.class) && g.status == models::sched::types::GStatus::Runnable)
                .map(|g| end.saturating_sub(g.runnable_since))
                .max()
                .unwrap_or(0);
            s.sched_latency_ns.max.max(waiting) as f64
        }
        "sched-latency-p99" => s.sched_latency_ns.p99 as f64,
        "stw-max" => s.scheduler.stw_max_ns as f64,
        "heap-under-limit" => match s.gc.memory_limit {
            Some(l) if l > 0 => s.gc.peak_heap_bytes as f64 / l as f64,
            _ => 0.0,
        },
        "gc-cpu" => s.gc.cpu_fraction,
        "progress" => r
            .world
            .stats
            .records
            .iter()
            .filter(|g| user(g.class))
            .map(|g| g.started.min(end).saturating_sub(g.created))
            .max()
            .unwrap_or(0) as f64,
        "max-threads" => s.scheduler.threads as f64,
        _ => unreachable!("checked by find_property"),
    }
}

struct BadInput(String);

fn load(path: &Path, sets: &[String]) -> Result<LoadedScenario, BadInput> {
    load_scenario(path, sets).map_err(|e| BadInput(e.to_string()))
}

fn run_one(l: &LoadedScenario, path: &Path) -> Result<RunResult, BadInput> {
    run_scenario(
        &l.scenario,
        RunOptions {
            record: true,
            ..Default::default()
        },
    )
    .map_err(|e| BadInput(format!("{}: {e}", path.display())))
}

/// Property and threshold from the flags, else the file's `[hunt]`, else the default.
fn resolve(
    l: &LoadedScenario,
    path: &Path,
    prop: &Option<String>,
    thr: &Option<String>,
) -> Result<(&'static Property, f64), BadInput> {
    let h = l.scenario.hunt.clone().unwrap_or_default();
    let name = prop.clone().or(h.property.clone()).ok_or_else(|| {
        BadInput(format!(
            "{}: no property: give --property NAME or a `[hunt]` property; the properties are:\n{}",
            path.display(),
            property_list()
        ))
    })?;
    let p = find_property(&name).map_err(BadInput)?;
    let t = match (thr, &h.threshold) {
        (Some(s), _) => parse_threshold(p, s),
        (None, Some(v)) => toml_threshold(p, v).map_err(|e| format!("{}: {e}", path.display())),
        (None, None) => Ok(p.default),
    }
    .map_err(BadInput)?;
    Ok((p, t))
}

fn finish(r: Result<ExitCode, BadInput>) -> anyhow::Result<ExitCode> {
    match r {
        Ok(c) => Ok(c),
        Err(BadInput(m)) => {
            eprintln!("error: {m}");
            Ok(ExitCode::from(2))
        }
    }
}

/// `gmpsim check FILE`.
pub fn check(a: &CheckArgs) -> anyhow::Result<ExitCode> {
    finish(check_inner(a))
}

fn check_inner(a: &CheckArgs) -> Result<ExitCode, BadInput> {
    let l = load(&a.file, &[])?;
    let (p, thr) = resolve(&l, &a.file, &a.property, &a.threshold)?;
    let r = run_one(&l, &a.file)?;
    let obs = observe(p, &r);
    if obs > thr {
        println!(
            "VIOLATION {}: observed {} > threshold {}",
            p.name,
            fmt_value(p, obs),
            fmt_value(p, thr)
        );
        Ok(ExitCode::from(1))
    } else {
        println!(
            "ok {}: observed {} ≤ threshold {}",
            p.name,
            fmt_value(p, obs),
            fmt_value(p, thr)
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// `gmpsim hunt TEMPLATE`.
pub fn hunt(a: &HuntArgs) -> anyhow::Result<ExitCode> {
    finish(hunt_inner(a))
}

fn sets_for(knobs: &[(String, [i64; 2])], vals: &[i64], dur_ms: u64) -> Vec<String> {
    let mut sets: Vec<String> = knobs
        .iter()
        .zip(vals)
        .map(|((k, _), v)| format!("{k}={v}"))
        .collect();
    sets.push(format!("meta.duration=\"{dur_ms}ms\""));
    sets
}

/// One case's knob values and duration (ms).
type Case = (Vec<i64>, u64);
type CaseStrategy = (Vec<RangeInclusive<i64>>, RangeInclusive<u64>);

/// What a hunt needs to generate, run and judge a case.
struct Hunter<'a> {
    a: &'a HuntArgs,
    p: &'static Property,
    thr: f64,
    knobs: Vec<(String, [i64; 2])>,
    strategy: CaseStrategy,
}

/// A case that stopped the scan: a violation (the observed figure) or bad input.
enum Found {
    Violation(f64),
    Bad(String),
}

impl Hunter<'_> {
    /// The value tree of case `i`: drawn from a ChaCha stream seeded with (seed, i) alone, so a
    /// case does not depend on which cases ran before it, nor on which thread runs it.
    fn tree(&self, i: u32) -> impl ValueTree<Value = Case> {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&self.a.seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&u64::from(i).to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let mut runner = TestRunner::new_with_rng(
            Config {
                failure_persistence: None,
                ..Config::default()
            },
            rng,
        );
        self.strategy
            .new_tree(&mut runner)
            .expect("integer ranges always generate")
    }

    fn sets(&self, (vals, d): &Case) -> Vec<String> {
        sets_for(&self.knobs, vals, *d)
    }

    /// Runs a case; `Some(observed)` when it violates the property.
    fn eval(&self, case: &Case) -> Result<Option<f64>, BadInput> {
        let l = load(&self.a.template, &self.sets(case))?;
        let obs = observe(self.p, &run_one(&l, &self.a.template)?);
        Ok((obs > self.thr).then_some(obs))
    }

    /// proptest's shrinking loop (`TestRunner::shrink`) from case `i`: simplify while the
    /// property still fails, complicate when it passes, at most `MAX_SHRINK_ITERS` runs.
    /// Returns the last failing case, its observation and the runs it took.
    fn shrink(&self, i: u32, obs0: f64, bar: &Bar) -> Result<(Case, f64, u32), BadInput> {
        let mut tree = self.tree(i);
        let mut last = (tree.current(), obs0);
        let mut runs = 0;
        if tree.simplify() {
            while runs < MAX_SHRINK_ITERS {
                runs += 1;
                bar.shrinking(i, runs);
                let case = tree.current();
                match self.eval(&case)? {
                    Some(obs) => {
                        last = (case, obs);
                        if !tree.simplify() {
                            break;
                        }
                    }
                    None => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        Ok((last.0, last.1, runs))
    }

    /// Runs cases `0..cases` on the pool's threads, taking indices in order. Without `all`,
    /// stops taking new indices past the lowest one found so far: every case below the lowest
    /// violation has run, so that violation is the same for any thread count. Returns what
    /// was found, sorted by case index, and how many cases ran.
    fn scan(&self, pool: &rayon::ThreadPool, all: bool, bar: &Bar) -> (Vec<(u32, Found)>, u32) {
        let cases = self.a.cases.max(1);
        let next = AtomicU32::new(0);
        let ran = AtomicU32::new(0);
        let stop = AtomicU32::new(u32::MAX);
        let found = Mutex::new(Vec::new());
        pool.scope(|s| {
            for _ in 0..pool.current_num_threads() {
                s.spawn(|_| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= cases || i > stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let f = match self.eval(&self.tree(i).current()) {
                            Ok(None) => None,
                            Ok(Some(obs)) => Some(Found::Violation(obs)),
                            Err(BadInput(m)) => Some(Found::Bad(m)),
                        };
                        if let Some(f) = f {
                            if !all || matches!(f, Found::Bad(_)) {
                                stop.fetch_min(i, Ordering::SeqCst);
                            }
                            found.lock().unwrap_or_else(|e| e.into_inner()).push((i, f));
                        }
                        ran.fetch_add(1, Ordering::SeqCst);
                        bar.case_done();
                    }
                });
            }
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        found.sort_by_key(|(i, _)| *i);
        // Only what is below the stop index is certain to be the same on every run.
        let stop = stop.into_inner();
        found.retain(|(i, _)| *i <= stop);
        (found, ran.into_inner())
    }
}

/// At most this many runs shrink one violation (proptest's default `max_shrink_iters` is 1024).
const MAX_SHRINK_ITERS: u32 = 512;

/// Progress on stderr: a bar when stderr is a terminal, nothing otherwise (stdout, which the
/// results go to, never changes with it).
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(cases: u32) -> Bar {
        Bar(crate::out::terminal_bar(
            u64::from(cases),
            "{bar:30} {pos}/{len} cases  {wide_msg}",
        ))
    }
    fn case_done(&self) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }
    fn shrinking(&self, case: u32, runs: u32) {
        if let Some(b) = &self.0 {
            b.set_message(format!("shrinking case {case}: {runs} runs"));
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

fn hunt_inner(a: &HuntArgs) -> Result<ExitCode, BadInput> {
    let tpl = load(&a.template, &[])?;
    let (p, thr) = resolve(&tpl, &a.template, &a.property, &a.threshold)?;
    let h = tpl.scenario.hunt.clone().unwrap_or_default();
    let knobs: Vec<(String, [i64; 2])> = h.vary.clone().into_iter().collect();
    for (k, [lo, hi]) in &knobs {
        if lo > hi {
            return Err(BadInput(format!(
                "{}: hunt.vary.\"{k}\": the range [{lo}, {hi}] is empty",
                a.template.display()
            )));
        }
        // Each knob must be a field `--set` accepts.
        load(&a.template, &[format!("{k}={lo}")])?;
    }
    let dur_ms = (tpl.scenario.meta.duration.0 / 1_000_000).max(1);
    let min_ms = h
        .min_duration
        .map(|d| d.0 / 1_000_000)
        .unwrap_or(10)
        .clamp(1, dur_ms);
    let ranges: Vec<RangeInclusive<i64>> = knobs.iter().map(|(_, [lo, hi])| *lo..=*hi).collect();
    let hunter = Hunter {
        a,
        p,
        thr,
        knobs,
        strategy: (ranges, min_ms..=dur_ms),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.map_or(0, |j| j as usize))
        .build()
        .map_err(|e| BadInput(format!("--jobs: {e}")))?;
    let started = Instant::now();
    let bar = Bar::new(a.cases.max(1));
    let (found, ran) = hunter.scan(&pool, a.all, &bar);
    if let Some((_, Found::Bad(m))) = found.iter().find(|(_, f)| matches!(f, Found::Bad(_))) {
        bar.finish();
        return Err(BadInput(m.clone()));
    }
    let violations: Vec<(u32, f64)> = found
        .iter()
        .filter_map(|(i, f)| match f {
            Found::Violation(obs) => Some((*i, *obs)),
            Found::Bad(_) => None,
        })
        .take(if a.all { usize::MAX } else { 1 })
        .collect();
    // Each violation shrinks on its own (sequentially, as proptest does); several in parallel.
    let shrunk: Vec<Result<(Case, f64, u32), BadInput>> = pool.install(|| {
        violations
            .par_iter()
            .map(|&(i, obs)| hunter.shrink(i, obs, &bar))
            .collect()
    });
    bar.finish();
    eprintln!(
        "hunt: {ran} of {} cases run, {} violations shrunk, in {:.2}s on {} threads",
        a.cases.max(1),
        violations.len(),
        started.elapsed().as_secs_f64(),
        pool.current_num_threads()
    );
    if violations.is_empty() {
        println!(
            "no violation of {} (threshold {}) in {} cases (seed {})",
            p.name,
            fmt_value(p, thr),
            a.cases,
            a.seed
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut minimal: Vec<Vec<String>> = Vec::new();
    for (k, (&(i, _), s)) in violations.iter().zip(shrunk).enumerate() {
        let (case, obs, runs) = s?;
        let sets = hunter.sets(&case);
        let mut names = vec![format!("repro-{i}.toml")];
        if k == 0 {
            names.insert(0, "repro.toml".into());
        }
        if !a.all {
            names.truncate(1);
        }
        let mut paths = Vec::new();
        for name in &names {
            paths.push(write_repro(a, p, thr, &sets, obs, i, name)?);
        }
        println!(
            "VIOLATION {}: observed {} > threshold {} at case {i} of {} (seed {}), shrunk in {runs} runs",
            p.name,
            fmt_value(p, obs),
            fmt_value(p, thr),
            a.cases,
            a.seed
        );
        println!("minimal case: {}", sets.join(" "));
        for path in paths {
            println!("replay: gmpsim check {}", path.display());
        }
        if !minimal.contains(&sets) {
            minimal.push(sets);
        }
    }
    if a.all {
        let list: Vec<String> = violations.iter().map(|(i, _)| i.to_string()).collect();
        println!(
            "{} violations of {} (threshold {}) in {} cases (seed {}): cases {}; {} distinct minimal case(s)",
            violations.len(),
            p.name,
            fmt_value(p, thr),
            a.cases,
            a.seed,
            list.join(", "),
            minimal.len()
        );
    }
    Ok(ExitCode::from(1))
}

fn write_repro(
    a: &HuntArgs,
    p: &Property,
    thr: f64,
    sets: &[String],
    obs: f64,
    case: u32,
    name: &str,
) -> Result<PathBuf, BadInput> {
    let io = |e: std::io::Error| BadInput(format!("{}: {e}", a.out.display()));
    let text = std::fs::read_to_string(&a.template).map_err(io)?;
    let mut doc: toml::Value =
        toml::from_str(&text).map_err(|e| BadInput(format!("{}: {e}", a.template.display())))?;
    for s in sets {
        apply_set(&mut doc, s).map_err(BadInput)?;
    }
    let thr_value = match p.unit {
        Unit::Duration => toml::Value::String(fmt_value(p, thr)),
        Unit::Number => toml::Value::Float(thr),
    };
    if let Some(t) = doc.as_table_mut() {
        let mut h = toml::Table::new();
        h.insert("property".into(), toml::Value::String(p.name.into()));
        h.insert("threshold".into(), thr_value);
        t.insert("hunt".into(), toml::Value::Table(h));
    }
    let body = toml::to_string_pretty(&doc).map_err(|e| BadInput(e.to_string()))?;
    let header = format!(
        "# Repro found by `gmpsim hunt {} --property {} --seed {} --cases {}` (case {case}).\n\
         # property: {}  threshold: {}  observed: {}\n\
         # the case: {}\n\
         # replay: gmpsim check {name} (exit 1 while the violation is there, 0 once fixed)\n\n",
        a.template.display(),
        p.name,
        a.seed,
        a.cases,
        p.name,
        fmt_value(p, thr),
        fmt_value(p, obs),
        sets.join(" "),
    );
    std::fs::create_dir_all(&a.out).map_err(io)?;
    let path = a.out.join(name);
    crate::out::write_atomic(&path, (header + &body).as_bytes()).map_err(io)?;
    Ok(path)
}
