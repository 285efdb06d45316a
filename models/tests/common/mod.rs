//! Helpers shared by the integration tests: locating `shared/reference`, reading its CSVs,
//! loading the repository's scenario files.
#![allow(dead_code)]

use models::run::{RunResult, run_scenario};
use models::scenario::load_scenario;
use models::sim::RunOptions;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `shared/` beside the repository (CI clones the repo with shared/ next to it), or
/// `$GMPSIM_SHARED`. Missing data is a test failure, never a silent skip.
pub fn shared_dir() -> PathBuf {
    if let Ok(p) = std::env::var("GMPSIM_SHARED") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    assert!(
        p.join("reference").is_dir(),
        "reference data not found at {} (set GMPSIM_SHARED)",
        p.display()
    );
    p
}

/// Rows of a reference CSV as column → value maps.
pub fn read_csv(rel: &str) -> Vec<BTreeMap<String, String>> {
    let path = shared_dir().join(rel);
    let mut rd =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rd.headers().expect("header").clone();
    rd.records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

pub fn num(row: &BTreeMap<String, String>, k: &str) -> f64 {
    row.get(k)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("column {k} missing or not a number in {row:?}"))
}

/// Runs a scenario file of the repository with `--set` overrides, recording goroutines.
pub fn run_file(rel: &str, sets: &[String]) -> RunResult {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    let sc = load_scenario(&path, sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    run_scenario(
        &sc,
        RunOptions {
            record: true,
            ..Default::default()
        },
    )
    .expect("runs")
}

/// Start of the named phase (e.g. the reference programs' `t0`).
pub fn phase_start(r: &RunResult, name: &str) -> u64 {
    r.world
        .stats
        .phases
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.start)
        .unwrap_or_else(|| panic!("no phase {name}"))
}
