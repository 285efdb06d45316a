//! `gmpsim merge SHARD_DIR... --out DIR`: joins the outputs of `gmpsim sweep --shard K/N` runs
//! of one sweep into one `results.csv` (in grid order), its heap timelines, charts and report.

use crate::cmd_sweep::{Manifest, finish, read_results, timeline_path, write_results};
use crate::input_err;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Output directories of the shards (each with sweep.json and results.csv).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where the merged results, charts and report go.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: &MergeArgs) -> anyhow::Result<std::process::ExitCode> {
    let mut manifest: Option<Manifest> = None;
    let mut rows = BTreeMap::new();
    for d in &a.dirs {
        let mp = d.join("sweep.json");
        let bytes = std::fs::read(&mp)
            .map_err(|e| input_err(format!("{}: not a sweep output: {e}", mp.display())))?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| input_err(format!("{}: {e}", mp.display())))?;
        if let Some(first) = &manifest
            && !first.same_sweep(&m)
        {
            return Err(input_err(format!(
                "{}: a different sweep than {} (scenario, --set or grid differ)",
                d.display(),
                a.dirs[0].display()
            )));
        }
        let (shard_rows, _) = read_results(&d.join("results.csv"), &m.grid)?;
        for r in shard_rows {
            if let Some(prev) = rows.get(&r.run)
                && prev != &r
            {
                return Err(input_err(format!(
                    "{}: run {} differs from the same run in another shard",
                    d.display(),
                    r.run
                )));
            }
            // A heap timeline of this run travels with it.
            let tl = timeline_path(d, r.run);
            if tl.exists() {
                let dst = timeline_path(&a.out, r.run);
                std::fs::create_dir_all(dst.parent().unwrap_or(&a.out))?;
                let bytes =
                    std::fs::read(&tl).with_context(|| format!("reading {}", tl.display()))?;
                crate::out::write_atomic(&dst, &bytes)?;
            }
            rows.insert(r.run, r);
        }
        manifest.get_or_insert(m);
    }
    let Some(mut m) = manifest else {
        return Err(input_err("merge: no shard directories given"));
    };
    m.command = std::env::args().collect::<Vec<_>>().join(" ");
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut rows: Vec<_> = rows.into_values().collect();
    write_results(&a.out.join("results.csv"), &m.grid, &mut rows)?;
    crate::out::write_atomic(
        &a.out.join("sweep.json"),
        serde_json::to_string_pretty(&m)?.as_bytes(),
    )?;
    let missing = m.grid.len() - rows.len();
    if missing > 0 {
        eprintln!(
            "merge: {} of {} runs are missing (a shard not run or not finished)",
            missing,
            m.grid.len()
        );
    }
    finish(&a.out, &m, &rows)?;
    eprintln!("merge: {} runs into {}", rows.len(), a.out.display());
    Ok(std::process::ExitCode::SUCCESS)
}
