//! `gmpsim hunt TEMPLATE --property NAME --out DIR` and `gmpsim check FILE`: property tests of
//! the runtime model. A hunt draws scenario variations from the template's `[hunt].vary`
//! ranges (and the simulated duration) with proptest's `TestRunner` on a fixed-seed ChaCha
//! `TestRng`, checks the property on each run, and on a violation lets proptest shrink the
//! case (every knob toward its range's low end, the duration toward `min_duration`), then
//! writes the minimal case as `DIR/repro.toml`, an ordinary scenario that `check` replays.
//!
//! Exit codes: 0 the property held, 1 a violation, 2 bad input.
//!
//! # Simplifications
//! - Cases run one after another (proptest's runner is sequential), so a hunt uses one core;
//!   its result depends only on the seed.

use models::run::{RunResult, run_scenario};
use models::scenario::{LoadedScenario, apply_set, load_scenario};
use models::sim::RunOptions;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&a.seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let config = Config {
        cases: a.cases.max(1),
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let ranges: Vec<std::ops::RangeInclusive<i64>> =
        knobs.iter().map(|(_, [lo, hi])| *lo..=*hi).collect();
    let strategy = (ranges, min_ms..=dur_ms);
    let path = a.template.clone();
    let cases = std::cell::Cell::new(0u64);
    let bad: std::cell::RefCell<Option<String>> = Default::default();
    let result = runner.run(&strategy, |(vals, d)| {
        cases.set(cases.get() + 1);
        let sets = sets_for(&knobs, &vals, d);
        let l = match load(&path, &sets) {
            Ok(l) => l,
            Err(BadInput(m)) => {
                *bad.borrow_mut() = Some(m);
                return Ok(()); // reported after the run
            }
        };
        let r = match run_one(&l, &path) {
            Ok(r) => r,
            Err(BadInput(m)) => {
                *bad.borrow_mut() = Some(m);
                return Ok(());
            }
        };
        let obs = observe(p, &r);
        if obs > thr {
            Err(TestCaseError::fail(format!("{}", obs)))
        } else {
            Ok(())
        }
    });
    let cases = cases.get();
    if let Some(m) = bad.into_inner() {
        return Err(BadInput(m));
    }
    match result {
        Ok(()) => {
            println!(
                "no violation of {} (threshold {}) in {} cases (seed {})",
                p.name,
                fmt_value(p, thr),
                a.cases,
                a.seed
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(TestError::Abort(why)) => Err(BadInput(format!("hunt aborted: {why}"))),
        Err(TestError::Fail(_, (vals, d))) => {
            let sets = sets_for(&knobs, &vals, d);
            let l = load(&a.template, &sets)?;
            let obs = observe(p, &run_one(&l, &a.template)?);
            let repro = write_repro(a, p, thr, &sets, obs)?;
            println!(
                "VIOLATION {}: observed {} > threshold {} after {cases} runs (seed {})",
                p.name,
                fmt_value(p, obs),
                fmt_value(p, thr),
                a.seed
            );
            println!("minimal case: {}", sets.join(" "));
            println!("replay: gmpsim check {}", repro.display());
            Ok(ExitCode::from(1))
        }
    }
}

fn write_repro(
    a: &HuntArgs,
    p: &Property,
    thr: f64,
    sets: &[String],
    obs: f64,
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
        "# Repro found by `gmpsim hunt {} --property {} --seed {} --cases {}`.\n\
         # property: {}  threshold: {}  observed: {}\n\
         # the case: {}\n\
         # replay: gmpsim check repro.toml (exit 1 while the violation is there, 0 once fixed)\n\n",
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
    let path = a.out.join("repro.toml");
    let tmp = a.out.join("repro.toml.tmp");
    std::fs::write(&tmp, header + &body).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}
