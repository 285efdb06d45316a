//! `gmpsim pacer-replay`: Go's `TestGcPacer` harness on per-cycle inputs; prints the pacer's
//! decisions as CSV on stdout (floats round-trip exactly).
//!
//! Inputs come from a CSV (`--inputs`, e.g. the golden `cycles_start.csv`, with the defaults
//! GOGC 100, no memory limit, 32 KiB of globals, 8 cores) or are generated from one of Go's 19
//! scenarios (`--builtin`, with that scenario's settings). The flags override either.

use models::gc::pacer_replay::{
    CycleInput, ReplayConfig, SCENARIO_NAMES, builtin_scenario, read_inputs_csv, try_replay,
    write_csv,
};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct PacerReplayArgs {
    /// CSV with (at least) the columns scenario,cycle,allocRate,scanRate,growthRate,
    /// scannableFrac,stackBytes, e.g. shared/reference/pacer-golden/cycles_start.csv.
    #[arg(
        long,
        value_name = "FILE.csv",
        required_unless_present = "builtin",
        conflicts_with = "builtin"
    )]
    pub inputs: Option<PathBuf>,
    /// The scenario whose rows to replay; with --builtin one of Go's 19 TestGcPacer names.
    #[arg(long, value_name = "NAME")]
    pub scenario: String,
    /// Generate the inputs from Go's definition of --scenario (and use its settings).
    #[arg(long)]
    pub builtin: bool,
    /// GOGC: a percentage, or `off` (a negative number is off too). Default 100.
    #[arg(long, value_name = "N|off", allow_hyphen_values = true)]
    pub gogc: Option<String>,
    /// The memory limit in bytes; KiB/MiB/GiB/TiB suffixes allowed, `off` for none. Default none.
    #[arg(long, value_name = "BYTES")]
    pub memory_limit: Option<String>,
    /// Bytes of globals scanned each cycle (suffixes allowed). Default 32768.
    #[arg(long, value_name = "BYTES")]
    pub globals: Option<String>,
    /// GOMAXPROCS of the harness. Default 8.
    #[arg(long, value_name = "N")]
    pub cores: Option<i32>,
}

/// Bad input to `pacer-replay` (the CLI exits with code 2).
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

/// Runs the replay and prints the CSV to stdout.
pub fn run(args: &PacerReplayArgs) -> anyhow::Result<()> {
    let (inputs, cfg, source) = load(args)?;
    let results = try_replay(&inputs, &cfg).map_err(|e| bad(format!("{source}: {e}")))?;
    let stdout = std::io::stdout();
    match write_csv(stdout.lock(), &args.scenario, &results) {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| anyhow::anyhow!("writing the CSV to stdout: {e}")),
    }
}

/// The inputs, the configuration, and a name for the input source (for error messages).
fn load(args: &PacerReplayArgs) -> anyhow::Result<(Vec<CycleInput>, ReplayConfig, String)> {
    let (inputs, mut cfg, source) = if args.builtin {
        let (inputs, cfg) = builtin_scenario(&args.scenario).ok_or_else(|| {
            bad(format!(
                "--scenario {}: not one of Go's TestGcPacer scenarios ({})",
                args.scenario,
                SCENARIO_NAMES.join(", ")
            ))
        })?;
        (inputs, cfg, format!("builtin scenario {}", args.scenario))
    } else {
        let path = args
            .inputs
            .as_ref()
            .ok_or_else(|| bad("either --inputs FILE.csv or --builtin is required".into()))?;
        let file = std::fs::File::open(path)
            .map_err(|e| bad(format!("{}: cannot open: {e}", path.display())))?;
        let inputs = read_inputs_csv(file, &args.scenario)
            .map_err(|e| bad(format!("{}: {e}", path.display())))?;
        (inputs, ReplayConfig::default(), path.display().to_string())
    };
    if let Some(g) = &args.gogc {
        cfg.gogc = parse_gogc(g).map_err(|e| bad(format!("--gogc: {e}")))?;
    }
    if let Some(m) = &args.memory_limit {
        cfg.memory_limit = if m == "off" || m == "none" {
            i64::MAX
        } else {
            let b = parse_bytes(m).map_err(|e| bad(format!("--memory-limit: {e}")))?;
            i64::try_from(b).map_err(|_| {
                bad(format!(
                    "--memory-limit: {m} is above the maximum {}",
                    i64::MAX
                ))
            })?
        };
    }
    if let Some(g) = &args.globals {
        cfg.globals = parse_bytes(g).map_err(|e| bad(format!("--globals: {e}")))?;
    }
    if let Some(c) = args.cores {
        if !(1..=1024).contains(&c) {
            return Err(bad(format!("--cores: expected 1 to 1024, got {c}")));
        }
        cfg.cores = c;
    }
    Ok((inputs, cfg, source))
}

/// GOGC as `readGOGC` reads it, except that junk is an error: `off` or an int32; negative
/// values mean off.
fn parse_gogc(s: &str) -> Result<i32, String> {
    if s == "off" {
        return Ok(-1);
    }
    let v: i32 = s
        .parse()
        .map_err(|_| format!("expected a percentage or off, got \"{s}\""))?;
    Ok(v.max(-1))
}

/// A byte count: digits with an optional `B`, `KiB`, `MiB`, `GiB` or `TiB` suffix (the
/// suffixes GOMEMLIMIT accepts).
fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("expected bytes like 536870912 or 512MiB, got \"{s}\"");
    if num.is_empty() {
        return Err(bad());
    }
    let shift = match unit.trim_start() {
        "" | "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        "TiB" => 40,
        _ => return Err(bad()),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("\"{s}\" is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::Parser;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        a: PacerReplayArgs,
    }

    fn parse(extra: &[&str]) -> Result<PacerReplayArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("x").chain(extra.iter().copied())).map(|c| c.a)
    }

    fn args(extra: &[&str]) -> PacerReplayArgs {
        parse(extra).unwrap_or_else(|e| panic!("{e}"))
    }

    fn golden() -> String {
        let shared = std::env::var("GMPSIM_SHARED")
            .unwrap_or_else(|_| format!("{}/../shared", env!("CARGO_MANIFEST_DIR")));
        format!("{shared}/reference/pacer-golden/cycles_start.csv")
    }

    #[test]
    fn byte_sizes_and_gogc_parse() {
        assert_eq!(parse_bytes("536870912"), Ok(512 << 20));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("32 KiB"), Ok(32 << 10));
        assert_eq!(parse_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("7B"), Ok(7));
        assert!(
            parse_bytes("512MB").is_err(),
            "decimal suffixes are not GOMEMLIMIT's"
        );
        assert!(parse_bytes("-1").is_err());
        assert!(parse_bytes("MiB").is_err());
        assert!(parse_bytes("99999999999TiB").is_err());
        assert_eq!(parse_gogc("off"), Ok(-1));
        assert_eq!(parse_gogc("150"), Ok(150));
        assert_eq!(parse_gogc("-20"), Ok(-1));
        assert!(parse_gogc("fast").is_err());
    }

    #[test]
    fn builtin_uses_the_scenario_settings_unless_overridden() {
        let (inputs, cfg, _) = load(&args(&["--builtin", "--scenario", "HighGOGC"])).unwrap();
        assert_eq!((inputs.len(), cfg.gogc), (50, 1500));
        let a = args(&[
            "--builtin",
            "--scenario",
            "SteadyMemoryLimit",
            "--gogc",
            "off",
            "--memory-limit",
            "1GiB",
            "--globals",
            "64KiB",
            "--cores",
            "4",
        ]);
        let (_, cfg, _) = load(&a).unwrap();
        assert_eq!(
            cfg,
            ReplayConfig {
                gogc: -1,
                memory_limit: 1 << 30,
                globals: 64 << 10,
                cores: 4
            }
        );
    }

    #[test]
    fn inputs_default_to_the_plain_config() {
        let a = args(&["--inputs", &golden(), "--scenario", "OscAlloc"]);
        let (inputs, cfg, _) = load(&a).unwrap();
        assert_eq!(inputs.len(), 50);
        assert_eq!(cfg, ReplayConfig::default());
    }

    #[test]
    fn errors_name_the_file_or_flag() {
        let e = |a: &[&str]| load(&args(a)).unwrap_err();
        let err = e(&["--inputs", "/nonexistent/x.csv", "--scenario", "Steady"]);
        assert!(err.downcast_ref::<ReplayInputError>().is_some());
        assert!(
            err.to_string()
                .starts_with("/nonexistent/x.csv: cannot open"),
            "{err}"
        );
        let err = e(&["--inputs", &golden(), "--scenario", "Nope"]);
        assert_eq!(
            err.to_string(),
            format!("{}: no rows for scenario \"Nope\"", golden())
        );
        let err = e(&["--builtin", "--scenario", "Nope"]);
        assert!(
            err.to_string()
                .contains("not one of Go's TestGcPacer scenarios"),
            "{err}"
        );
        let err = e(&[
            "--builtin",
            "--scenario",
            "Steady",
            "--memory-limit",
            "lots",
        ]);
        assert!(err.to_string().starts_with("--memory-limit: "), "{err}");
        let err = e(&["--builtin", "--scenario", "Steady", "--cores", "0"]);
        assert_eq!(err.to_string(), "--cores: expected 1 to 1024, got 0");
        let dir = std::env::temp_dir().join(format!("gmpsim-pr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("bad.csv");
        std::fs::write(&f, "scenario,cycle,allocRate\nSteady,1,33\n").unwrap();
        let err = e(&["--inputs", f.to_str().unwrap(), "--scenario", "Steady"]);
        assert!(
            err.to_string()
                .starts_with(&format!("{}: missing column \"scanRate\"", f.display())),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn clap_needs_exactly_one_input_source() {
        assert!(parse(&["--scenario", "Steady"]).is_err());
        assert!(parse(&["--builtin", "--inputs", "a.csv", "--scenario", "Steady"]).is_err());
        assert_eq!(
            args(&["--builtin", "--scenario", "S", "--gogc", "-1"])
                .gogc
                .as_deref(),
            Some("-1")
        );
    }

    #[test]
    fn replays_the_golden_inputs_to_the_golden_goal() {
        // The whole pipeline behind `run`: golden SteadyMemoryLimit inputs with a 512 MiB limit
        // never reach the limit goal, and cycle 1 is Go's 0->3997696->4026999 (goal 4194304).
        let a = args(&[
            "--inputs",
            &golden(),
            "--scenario",
            "SteadyMemoryLimit",
            "--memory-limit",
            "512MiB",
        ]);
        let (inputs, cfg, _) = load(&a).unwrap();
        let res = try_replay(&inputs, &cfg).unwrap();
        assert_eq!(
            (res[0].triggered, res[0].heap_peak, res[0].heap_goal),
            (3997696, 4026999, 4194304)
        );
        assert!(res.iter().all(|r| r.heap_peak < 520_764_785));
        let mut out = Vec::new();
        write_csv(&mut out, "SteadyMemoryLimit", &res).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 51);
    }
}
