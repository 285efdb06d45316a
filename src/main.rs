//! `gmpsim`: the command-line front end.
//!
//! With no arguments it runs `scenarios/default.toml` and prints the summary.
//! Exit codes: 0 success, 1 a run that hit a resource limit, 2 bad input.

mod cmd_explain;
mod cmd_hunt;
mod cmd_merge;
mod cmd_pacer_replay;
mod cmd_sweep;
mod cmd_trace;
mod out;
mod plot_run;

use anyhow::Context;
use clap::{Parser, Subcommand};
use models::run::run_scenario;
use models::scenario::{LoadedScenario, load_scenario};
use models::sim::RunOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gmpsim",
    version,
    about = "Deterministic simulator of the Go runtime's GMP scheduler and GC pacer"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print its summary.
    Run(RunArgs),
    /// Replay Go's TestGcPacer harness on per-cycle inputs and print the pacer's decisions as CSV.
    PacerReplay(cmd_pacer_replay::PacerReplayArgs),
    /// Run a scenario over a grid of GOGC × GOMEMLIMIT × GOMAXPROCS (× any field) in parallel;
    /// write results.csv, charts and report.html.
    Sweep(cmd_sweep::SweepArgs),
    /// Join the outputs of `sweep --shard K/N` runs into one results.csv, charts and report.
    Merge(cmd_merge::MergeArgs),
    /// Property-test the runtime model: vary a template, shrink a violation to DIR/repro.toml.
    Hunt(cmd_hunt::HuntArgs),
    /// Check a scenario (e.g. a hunt's repro.toml) against its property: exit 1 on violation.
    Check(cmd_hunt::CheckArgs),
    /// Tell in sentences what the runtime did for a goroutine or in a span of time.
    Explain(cmd_explain::ExplainArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Seed for every random stream (default: the scenario's `meta.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario field: `--set runtime.gomaxprocs=4`, `--set params.rps=50k/s`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Write summary.json, summary.csv and gc_cycles.csv (one row per GC cycle) into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print `GODEBUG=schedtrace` lines every interval (e.g. `10ms`) to stderr.
    #[arg(long, value_name = "INTERVAL")]
    schedtrace: Option<String>,
    /// With --schedtrace: the `scheddetail=1` format.
    #[arg(long)]
    scheddetail: bool,
    /// Print a `GODEBUG=gctrace=1` line per GC cycle to stderr.
    #[arg(long)]
    gctrace: bool,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Draw the run's charts (PNG and SVG) into this directory.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// Write a Chrome Trace Event / Perfetto JSON trace of the run to this file.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// With --trace: keep only this span of simulated time, e.g. `2s..2.5s`.
    #[arg(long, value_name = "A..B")]
    trace_window: Option<String>,
}

/// An error caused by the user's input: exit code 2.
#[derive(Debug)]
struct InputError(String);
impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InputError {}

fn input_err(msg: impl Into<String>) -> anyhow::Error {
    InputError(msg.into()).into()
}

fn default_scenario() -> PathBuf {
    let here = Path::new("scenarios/default.toml");
    if here.exists() {
        return here.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/default.toml")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.cmd {
        None => cmd_run(&RunArgs {
            scenario: default_scenario(),
            seed: None,
            sets: vec![],
            out: None,
            schedtrace: None,
            scheddetail: false,
            gctrace: false,
            json: false,
            plot: None,
            trace: None,
            trace_window: None,
        }),
        Some(Cmd::Run(a)) => cmd_run(&a),
        Some(Cmd::PacerReplay(a)) => cmd_pacer_replay::run(&a).map(|_| ExitCode::SUCCESS),
        Some(Cmd::Sweep(a)) => cmd_sweep::run(&a),
        Some(Cmd::Merge(a)) => cmd_merge::run(&a),
        Some(Cmd::Hunt(a)) => cmd_hunt::hunt(&a),
        Some(Cmd::Check(a)) => cmd_hunt::check(&a),
        Some(Cmd::Explain(a)) => cmd_explain::run(&a),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<InputError>().is_some()
                || e.downcast_ref::<cmd_pacer_replay::ReplayInputError>()
                    .is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn load(path: &Path, sets: &[String]) -> anyhow::Result<LoadedScenario> {
    load_scenario(path, sets).map_err(|e| input_err(e.to_string()))
}

fn cmd_run(a: &RunArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(&a.scenario, &a.sets)?;
    let schedtrace = match &a.schedtrace {
        Some(s) => Some(
            models::units::parse_duration(s)
                .map_err(|e| input_err(format!("--schedtrace: {e}")))?
                .0
                .max(1_000_000),
        ),
        None => None,
    };
    let window = match &a.trace_window {
        Some(s) => Some(cmd_trace::parse_window(s).map_err(input_err)?),
        None => None,
    };
    let opts = RunOptions {
        event_log: a.trace.is_some() || a.plot.is_some(),
        schedtrace,
        scheddetail: a.scheddetail,
        seed: a.seed,
        sample_interval: a
            .plot
            .as_ref()
            .map(|_| plot_run::sample_interval(loaded.scenario.meta.duration.0)),
        ..Default::default()
    };
    let res = run_scenario(&loaded.scenario, opts)
        .map_err(|e| input_err(format!("{}: {e}", a.scenario.display())))?;
    if !res.schedtrace.is_empty() {
        eprint!("{}", res.schedtrace);
    }
    if a.gctrace {
        eprint!("{}", res.world.gc.trace);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&res.summary)?);
    } else {
        print!("{}", res.summary.to_text());
    }
    if let Some(dir) = &a.out {
        out::write_summary(dir, &res.summary)
            .with_context(|| format!("writing {}", dir.display()))?;
        out::write_gc_cycles(dir, &res.world.gc.records)
            .with_context(|| format!("writing {}", dir.display()))?;
    }
    if let Some(dir) = &a.plot {
        plot_run::plot_run(dir, &res, &a.sets)
            .and_then(|_| cmd_trace::plot_lanes(dir, window, &res))
            .with_context(|| format!("drawing charts in {}", dir.display()))?;
    }
    if let Some(path) = &a.trace {
        cmd_trace::write_trace(path, window.unwrap_or((0, u64::MAX)), &res)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    use sim_core::StopReason;
    if matches!(
        res.outcome.reason,
        StopReason::ResourceLimit(_) | StopReason::Failed(_) | StopReason::EventLimit
    ) {
        eprintln!("gmpsim: the run stopped early: {}", res.summary.stop_reason);
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
