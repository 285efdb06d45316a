//! `gmpsim pacer-replay`: Go's `TestGcPacer` harness on per-cycle inputs; prints the pacer's
//! decisions as CSV (floats round-trip exactly).

use anyhow::Context;
use models::gc::replay::{read_inputs_csv, replay, write_csv};
use models::gc::scenarios;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct PacerReplayArgs {
    /// CSV with columns scenario,cycle,allocRate,scanRate,growthRate,scannableFrac,stackBytes
    /// (e.g. shared/reference/pacer-golden/cycles_start.csv).
    #[arg(long, required_unless_present = "builtin")]
    inputs: Option<PathBuf>,
    /// Which scenario's rows to replay (one of Go's 19 names).
    #[arg(long)]
    scenario: String,
    /// Generate the inputs from the scenario's definition instead of reading a CSV.
    #[arg(long, conflicts_with = "inputs")]
    builtin: bool,
    /// GOGC: a percentage or `off` (default 100, or the built-in scenario's).
    #[arg(long)]
    gogc: Option<String>,
    /// GOMEMLIMIT in bytes (suffixes KiB/MiB/GiB allowed; default none).
    #[arg(long)]
    memory_limit: Option<String>,
    /// Bytes of globals to scan (default 32768).
    #[arg(long)]
    globals: Option<String>,
    /// GOMAXPROCS of the harness (default 8).
    #[arg(long)]
    cores: Option<i32>,
}

/// Bad input to `pacer-replay` (exit code 2).
#[derive(Debug)]
pub struct ReplayInputError(pub String);
impl std::fmt::Display for ReplayInputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ReplayInputError {}

fn bad(msg: String) -> anyhow::Error {
    ReplayInputError(msg).into()
}

pub fn run(a: &PacerReplayArgs) -> anyhow::Result<()> {
    let (inputs, mut cfg) = if a.builtin {
        scenarios::builtin(&a.scenario).ok_or_else(|| {
            let why = if scenarios::NAMES.contains(&a.scenario.as_str()) {
                "is driven by Go's math/rand; pass its inputs with --inputs".to_string()
            } else {
                format!(
                    "is not one of Go's scenarios: {}",
                    scenarios::NAMES.join(", ")
                )
            };
            bad(format!("--scenario {}: {why}", a.scenario))
        })?
    } else {
        let path = a
            .inputs
            .as_ref()
            .expect("clap requires --inputs without --builtin");
        let f = std::fs::File::open(path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        let inputs =
            read_inputs_csv(f, &a.scenario).map_err(|e| bad(format!("{}: {e}", path.display())))?;
        (inputs, scenarios::config(&a.scenario).unwrap_or_default())
    };
    if let Some(g) = &a.gogc {
        cfg.gogc = match g.as_str() {
            "off" => -1,
            s => s
                .parse::<i32>()
                .ok()
                .filter(|v| *v >= 0)
                .ok_or_else(|| bad(format!("--gogc: expected a percentage or off, got {s}")))?,
        };
    }
    let bytes = |flag: &str, v: &str| -> anyhow::Result<u64> {
        models::units::parse_bytes(v)
            .map(|b| b.0)
            .map_err(|e| bad(format!("{flag}: {e}")))
    };
    if let Some(m) = &a.memory_limit {
        cfg.memory_limit = i64::try_from(bytes("--memory-limit", m)?)
            .map_err(|_| bad("--memory-limit: too large".into()))?;
    }
    if let Some(g) = &a.globals {
        cfg.globals = bytes("--globals", g)?;
    }
    if let Some(c) = a.cores {
        if !(1..=1024).contains(&c) {
            return Err(bad(format!("--cores: expected 1..=1024, got {c}")));
        }
        cfg.cores = c;
    }
    let rows = replay(&inputs, &cfg);
    let stdout = std::io::stdout();
    match write_csv(stdout.lock(), &a.scenario, &rows) {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.context("writing CSV")?,
    }
    Ok(())
}
