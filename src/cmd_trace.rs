//! `gmpsim run --trace out.json [--trace-window A..B]`: the run's event log as a Chrome Trace
//! Event / Perfetto JSON file, streamed through a buffer into a temp file, then renamed.

use models::obs_chrome::write_chrome_trace;
use models::run::RunResult;
use sim_core::Nanos;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Parses `A..B` (durations like `2s..2.5s`, `0..10ms`) into a ns window.
pub fn parse_window(s: &str) -> Result<(Nanos, Nanos), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("--trace-window {s:?}: expected START..END, e.g. 2s..2.5s"))?;
    let p = |x: &str| -> Result<Nanos, String> {
        if x.trim() == "0" {
            return Ok(0);
        }
        models::units::parse_duration(x.trim())
            .map(|d| d.0)
            .map_err(|e| format!("--trace-window {s:?}: {e}"))
    };
    let (a, b) = (p(a)?, p(b)?);
    if a >= b {
        return Err(format!("--trace-window {s:?}: START must be before END"));
    }
    Ok((a, b))
}

/// Writes the trace of `res` (run with `RunOptions::event_log`) to `path`.
pub fn write_trace(path: &Path, window: (Nanos, Nanos), res: &RunResult) -> anyhow::Result<()> {
    let log = res
        .world
        .events
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the run kept no event log"))?;
    let tmp = path.with_extension("json.tmp");
    {
        let f = std::fs::File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        write_chrome_trace(log, res.outcome.end_time, window, &mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Draws the P-lane timeline (`lanes.png`/`.svg`) of `res` over `window` into `dir`; without
/// a window, the first 100 ms (a whole long run has too many slices to see).
pub fn plot_lanes(
    dir: &Path,
    window: Option<(Nanos, Nanos)>,
    res: &RunResult,
) -> anyhow::Result<()> {
    let Some(log) = res.world.events.as_ref() else {
        return Ok(());
    };
    let w = window.unwrap_or((0, 100_000_000));
    let spans = models::obs_spans::spans(log, res.outcome.end_time, w);
    let title = format!(
        "P lanes {}..{} ms — scenario {} (seed {})",
        w.0 / 1_000_000,
        spans.window.1 / 1_000_000,
        res.summary.scenario,
        res.summary.seed
    );
    plots::render(&plots::lanes::LaneChart { title, spans }, dir)
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(())
}
