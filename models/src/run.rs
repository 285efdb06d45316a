//! Running a scenario end to end: build the world, drive it with `sim_core::run`, summarise.

use crate::report::Summary;
use crate::scenario::Scenario;
use crate::sim::{BuildError, RunOptions, World};
use sim_core::{EventQueue, NoObserver, Observer, RunLimits, RunOutcome, run};

/// The outcome of one run.
pub struct RunResult {
    pub summary: Summary,
    pub outcome: RunOutcome,
    /// `schedtrace` lines, if asked for.
    pub schedtrace: String,
    /// Samples for charts (empty unless `RunOptions::sample_interval` was set).
    pub timeline: crate::timeline::Timeline,
    pub world: World,
}

/// Runs `sc` with `opts`.
pub fn run_scenario(sc: &Scenario, opts: RunOptions) -> Result<RunResult, BuildError> {
    run_observed(sc, opts, &mut NoObserver)
}

/// Runs `sc` with an observer of every event (tracing, divergence checks).
pub fn run_observed<O: Observer>(
    sc: &Scenario,
    opts: RunOptions,
    obs: &mut O,
) -> Result<RunResult, BuildError> {
    let mut w = World::new(sc, opts)?;
    let mut q = EventQueue::with_capacity(4096);
    w.boot(&mut q);
    let limits = RunLimits {
        until: w.duration,
        max_events: w.limits.max_events,
    };
    let outcome = run(&mut w, &mut q, limits, obs);
    let timeline = w.take_timeline(outcome.end_time);
    let summary = Summary::from_world(&mut w, &outcome);
    let schedtrace = std::mem::take(&mut w.trace_out);
    Ok(RunResult {
        summary,
        outcome,
        schedtrace,
        timeline,
        world: w,
    })
}
