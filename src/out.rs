//! Output files, written atomically: a temp file in the same directory, then a rename, so an
//! interrupted run never leaves a partial file.

use models::report::Summary;
use std::io::Write;
use std::path::Path;

/// A progress bar of `len` steps on stderr when it is a terminal (stdout, where results go,
/// never changes with it); `None` otherwise.
pub fn terminal_bar(len: u64, template: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            b.set_style(style);
        }
        b
    })
}

/// Writes `bytes` to `path` through a temp file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// `summary.json` and `summary.csv` (one `metric,value` row per scalar).
pub fn write_summary(dir: &Path, s: &Summary) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(s)?;
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    let v = serde_json::to_value(s)?;
    let mut rows = Vec::new();
    flatten("", &v, &mut rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "value"])?;
    for (k, val) in rows {
        w.write_record([k, val])?;
    }
    write_atomic(&dir.join("summary.csv"), &w.into_inner()?)?;
    Ok(())
}

/// `gc_cycles.csv`: one row per GC cycle (goal, trigger, marked, peak, STW times, assist and
/// background CPU, the phase it started in).
pub fn write_gc_cycles(
    dir: &Path,
    records: &[models::gc::cycle::CycleRecord],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.serialize(r)?;
    }
    if records.is_empty() {
        // Still a header, so a tool reading the file finds the columns.
        w.write_record([
            "n",
            "start_ns",
            "stw1_ns",
            "mark_ns",
            "stw2_ns",
            "assist_cpu_ns",
            "background_cpu_ns",
            "idle_cpu_ns",
            "heap_trigger",
            "heap_peak",
            "heap_marked",
            "heap_goal",
            "stacks",
            "globals",
            "procs",
            "phase",
            "goal_over_prev_marked",
        ])?;
    }
    write_atomic(&dir.join("gc_cycles.csv"), &w.into_inner()?)?;
    Ok(())
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                flatten(&key(k), x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&key(&i.to_string()), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
