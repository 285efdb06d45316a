//! Spans from the event log for drawing: each P's goroutine runs, GC mark phases, STW pauses,
//! the global run-queue length; clipped to a window.

use crate::gc::cycle::GC_WORKER_CLASS;
use crate::obs::{EventLog, GcPhaseEv, ObsEv};
use crate::sched::proc::RunSource;
use crate::sched::types::NIL;
use sim_core::Nanos;

/// One goroutine run on a P.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpan {
    pub start: Nanos,
    pub end: Nanos,
    pub goid: u64,
    pub gc_worker: bool,
}

/// What a lane timeline shows.
#[derive(Clone, Debug, Default)]
pub struct Spans {
    pub window: (Nanos, Nanos),
    /// Per P, its runs in time order (never overlapping).
    pub lanes: Vec<Vec<RunSpan>>,
    /// GC cycles' mark phases (sweep termination to mark termination).
    pub gc: Vec<(Nanos, Nanos)>,
    pub stw: Vec<(Nanos, Nanos)>,
    /// (time, global runq length) samples.
    pub global_runq: Vec<(Nanos, u32)>,
}

fn clip(w: (Nanos, Nanos), a: Nanos, b: Nanos) -> Option<(Nanos, Nanos)> {
    if b < w.0 || a > w.1 {
        return None;
    }
    Some((a.max(w.0), b.min(w.1).max(a.max(w.0))))
}

/// The spans of `log` within `window` (a run ending at `end`).
pub fn spans(log: &EventLog, end: Nanos, window: (Nanos, Nanos)) -> Spans {
    let w = (window.0, window.1.min(end));
    let mut s = Spans {
        window: w,
        ..Default::default()
    };
    let mut open: Vec<Option<RunSpan>> = Vec::new();
    let mut last_end: Vec<Nanos> = Vec::new();
    let mut gc_open: Option<Nanos> = None;
    let mut stw_open: Option<Nanos> = None;
    let close = |s: &mut Spans, p: usize, mut r: RunSpan, t: Nanos, last: &mut Nanos| {
        r.start = r.start.max(*last);
        r.end = t.max(r.start);
        *last = r.end;
        if let Some((a, b)) = clip(w, r.start, r.end) {
            s.lanes[p].push(RunSpan {
                start: a,
                end: b,
                ..r
            });
        }
    };
    for ev in &log.events {
        match *ev {
            ObsEv::Run {
                t,
                start,
                goid,
                class,
                p,
                src,
                ..
            } if p != NIL => {
                let p = p as usize;
                if open.len() <= p {
                    open.resize(p + 1, None);
                    last_end.resize(p + 1, 0);
                    s.lanes.resize(p + 1, Vec::new());
                }
                if let Some(r) = open[p].take() {
                    close(&mut s, p, r, t, &mut last_end[p]);
                }
                open[p] = Some(RunSpan {
                    start,
                    end: start,
                    goid,
                    gc_worker: class == GC_WORKER_CLASS || src == RunSource::GcWorker,
                });
            }
            ObsEv::Stop { t, p, .. } if p != NIL && (p as usize) < open.len() => {
                let p = p as usize;
                if let Some(r) = open[p].take() {
                    close(&mut s, p, r, t, &mut last_end[p]);
                }
            }
            ObsEv::Gc {
                t, phase, counters, ..
            } => {
                match phase {
                    GcPhaseEv::SweepTerm => gc_open = Some(t),
                    GcPhaseEv::Off => {
                        if let Some(a) = gc_open.take()
                            && let Some(c) = clip(w, a, t)
                        {
                            s.gc.push(c);
                        }
                    }
                    _ => {}
                }
                if t >= w.0 && t <= w.1 {
                    s.global_runq.push((t, counters.global_runq));
                }
            }
            ObsEv::Stw { t, start, .. } => {
                if start {
                    stw_open = Some(t);
                } else if let Some(a) = stw_open.take()
                    && let Some(c) = clip(w, a, t)
                {
                    s.stw.push(c);
                }
            }
            // Counters ride on every run and ready: keep the changes only.
            ObsEv::Count { t, counters, .. }
                if t >= w.0
                    && t <= w.1
                    && s.global_runq.last().map(|&(_, n)| n) != Some(counters.global_runq) =>
            {
                s.global_runq.push((t, counters.global_runq));
            }
            _ => {}
        }
    }
    for p in 0..open.len() {
        if let Some(r) = open[p].take() {
            close(&mut s, p, r, w.1, &mut last_end[p]);
        }
    }
    if let Some(a) = gc_open
        && let Some(c) = clip(w, a, w.1)
    {
        s.gc.push(c);
    }
    s
}
