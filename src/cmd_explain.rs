//! `gmpsim explain SCENARIO --goroutine N | --at A..B`: what the runtime did, in sentences
//! naming the runtime functions, from the run's event log.

use models::explain::{Query, explain};
use models::run::run_scenario;
use models::scenario::load_scenario;
use models::sim::RunOptions;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Tell the story of this goroutine: its goid, `17` or `G17` as the output writes it.
    #[arg(long, conflicts_with = "at", required_unless_present = "at", value_parser = parse_goid)]
    goroutine: Option<u64>,
    /// Tell what happened in this span of simulated time, e.g. `1.2s..1.21s`.
    #[arg(long, value_name = "A..B")]
    at: Option<String>,
    /// Seed for every random stream (default: the scenario's `meta.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario field, as with `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Print at most this many sentences.
    #[arg(long, default_value_t = 200)]
    limit: usize,
}

/// A goid as the user copies it from the output: `17` or `G17`.
fn parse_goid(s: &str) -> Result<u64, String> {
    let digits = s.strip_prefix(['G', 'g']).unwrap_or(s);
    digits
        .parse()
        .map_err(|_| format!("`{s}` is not a goroutine id (write `17` or `G17`)"))
}

pub fn run(a: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let bad = |m: String| {
        eprintln!("error: {m}");
        Ok(ExitCode::from(2))
    };
    let q = match (&a.goroutine, &a.at) {
        (Some(g), _) => Query::Goroutine(*g),
        (None, Some(w)) => match crate::cmd_trace::parse_window(w) {
            Ok((x, y)) => Query::Window(x, y),
            Err(e) => return bad(e.replace("--trace-window", "--at")),
        },
        (None, None) => return bad("give --goroutine N or --at A..B".into()),
    };
    let l = match load_scenario(&a.scenario, &a.sets) {
        Ok(l) => l,
        Err(e) => return bad(e.to_string()),
    };
    let opts = RunOptions {
        seed: a.seed,
        event_log: true,
        ..Default::default()
    };
    let res = match run_scenario(&l.scenario, opts) {
        Ok(r) => r,
        Err(e) => return bad(format!("{}: {e}", a.scenario.display())),
    };
    let lines = explain(res.world.events.as_ref().expect("event log on"), q);
    if lines.is_empty() {
        println!("nothing happened that the event log records for this query");
    }
    for l in lines.iter().take(a.limit) {
        println!("{l}");
    }
    if lines.len() > a.limit {
        println!("… {} more (raise --limit)", lines.len() - a.limit);
    }
    Ok(ExitCode::SUCCESS)
}
