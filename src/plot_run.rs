//! `gmpsim run --plot DIR`: the charts of one run from its sampled timeline.

use models::run::RunResult;
use plots::run_charts::{HeapChart, LatencyHistChart, PStateChart, RunqChart};
use std::path::Path;

/// Samples per run for the charts.
const SAMPLES: u64 = 1000;

/// The sampling interval for a run of `duration` ns: about `SAMPLES` samples, at least 1 µs.
pub fn sample_interval(duration: u64) -> u64 {
    (duration / SAMPLES).max(1_000)
}

/// Draws heap, run queue, P state and latency charts into `dir` (PNG and SVG each).
pub fn plot_run(dir: &Path, res: &RunResult, sets: &[String]) -> anyhow::Result<()> {
    let s = &res.summary;
    let mut fixed = format!(
        "GOGC={}, GOMEMLIMIT={}, GOMAXPROCS={}, seed {}",
        if s.gc.gogc < 0 {
            "off".to_string()
        } else {
            s.gc.gogc.to_string()
        },
        s.gc.memory_limit.map_or("off".to_string(), |b| format!(
            "{:.0}MiB",
            b as f64 / 1048576.0
        )),
        s.gomaxprocs,
        s.seed
    );
    if !sets.is_empty() {
        fixed.push_str(&format!("; --set {}", sets.join(" ")));
    }
    let t = |what: &str| format!("{what} — scenario {} ({fixed})", s.scenario);
    let tl = &res.timeline;
    let e = |e: String| anyhow::anyhow!(e);
    plots::render(
        &HeapChart {
            name: "heap".into(),
            title: t("Heap live, goal, trigger and limit"),
            panels: vec![("whole run".into(), tl.clone())],
        },
        dir,
    )
    .map_err(e)?;
    plots::render(
        &RunqChart {
            title: t("Run queue lengths"),
            timeline: tl.clone(),
        },
        dir,
    )
    .map_err(e)?;
    plots::render(
        &PStateChart {
            title: t("P states"),
            timeline: tl.clone(),
        },
        dir,
    )
    .map_err(e)?;
    plots::render(
        &LatencyHistChart::from_histogram(t("Request latency"), &res.world.stats.latency, 40),
        dir,
    )
    .map_err(e)?;
    Ok(())
}
