//! Chrome Trace Event / Perfetto JSON from the event log (`obs.rs`).
//!
//! Tracks: pid 1 "Ps" (one thread per P: each G's run as an `X` slice `G17`, GC mark workers as
//! `GC worker`), pid 2 "Ms" (one thread per M: syscalls), pid 3 "Runtime" (GC phases, STW
//! pauses, instants for steals, preemption requests, handoffs), flow arrows from `ready`/a
//! steal to where the G next runs, and counters (heap live, goal, trigger, memory limit, global
//! and local run queue lengths). Timestamps are µs printed from integer ns (`1234.567`), so
//! the file is byte-identical for the same seed.
//!
//! # Simplifications
//! - Slices on one P are sequential; a slice whose recorded start precedes the end of the one
//!   before (a switch cut short) is clamped to start there, so slices never partially overlap.

use crate::gc::cycle::GC_WORKER_CLASS;
use crate::obs::{Counters, EventLog, GcPhaseEv, ObsEv, PreemptBy};
use crate::sched::proc::RunSource;
use crate::sched::types::NIL;
use crate::sim::StwKind;
use sim_core::Nanos;
use std::collections::BTreeMap;
use std::io::{self, Write};

const PID_P: u32 = 1;
const PID_M: u32 = 2;
const PID_RT: u32 = 3;
const TID_GC: u32 = 0;
const TID_STW: u32 = 1;
const TID_EVENTS: u32 = 2;

/// Formats integer ns as µs with three decimals.
pub fn us(ns: Nanos) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

struct Open {
    start: Nanos,
    name: String,
    src: RunSource,
    flow: Option<u64>,
}

struct Writer<'a, W: Write> {
    w: &'a mut W,
    first: bool,
    win: (Nanos, Nanos),
    tracks: BTreeMap<(u32, u32), String>,
}

impl<W: Write> Writer<'_, W> {
    fn raw(&mut self, s: &str) -> io::Result<()> {
        if !self.first {
            self.w.write_all(b",\n")?;
        }
        self.first = false;
        self.w.write_all(s.as_bytes())
    }
    fn track(&mut self, pid: u32, tid: u32, name: impl FnOnce() -> String) {
        self.tracks.entry((pid, tid)).or_insert_with(name);
    }
    /// An `X` slice clipped to the window; nothing if outside.
    fn slice(
        &mut self,
        pid: u32,
        tid: u32,
        name: &str,
        a: Nanos,
        b: Nanos,
        args: &str,
    ) -> io::Result<bool> {
        let (lo, hi) = self.win;
        if b < lo || a > hi {
            return Ok(false);
        }
        let (a, b) = (a.max(lo), b.min(hi).max(a.max(lo)));
        let s = format!(
            r#"{{"ph":"X","name":"{name}","pid":{pid},"tid":{tid},"ts":{},"dur":{}{args}}}"#,
            us(a),
            us(b - a)
        );
        self.raw(&s)?;
        Ok(true)
    }
    fn instant(&mut self, tid: u32, name: &str, t: Nanos, args: &str) -> io::Result<()> {
        if t < self.win.0 || t > self.win.1 {
            return Ok(());
        }
        self.track(PID_RT, tid, || "events".into());
        let s = format!(
            r#"{{"ph":"i","s":"t","name":"{name}","pid":{PID_RT},"tid":{tid},"ts":{}{args}}}"#,
            us(t)
        );
        self.raw(&s)
    }
    fn counters(&mut self, t: Nanos, c: &Counters, p: Option<u32>) -> io::Result<()> {
        if t < self.win.0 || t > self.win.1 {
            return Ok(());
        }
        let ts = us(t);
        let s = format!(
            r#"{{"ph":"C","name":"heap","pid":{PID_RT},"tid":{TID_GC},"ts":{ts},"args":{{"live":{},"goal":{},"trigger":{}}}}}"#,
            c.heap_live, c.heap_goal, c.trigger
        );
        self.raw(&s)?;
        if c.memory_limit < i64::MAX {
            let s = format!(
                r#"{{"ph":"C","name":"memory limit","pid":{PID_RT},"tid":{TID_GC},"ts":{ts},"args":{{"limit":{}}}}}"#,
                c.memory_limit
            );
            self.raw(&s)?;
        }
        let s = format!(
            r#"{{"ph":"C","name":"global runq","pid":{PID_RT},"tid":{TID_GC},"ts":{ts},"args":{{"len":{}}}}}"#,
            c.global_runq
        );
        self.raw(&s)?;
        if let Some(p) = p {
            let s = format!(
                r#"{{"ph":"C","name":"runq P{p}","pid":{PID_P},"tid":{p},"ts":{ts},"args":{{"len":{}}}}}"#,
                c.local_runq
            );
            self.raw(&s)?;
        }
        Ok(())
    }
}

fn src_name(s: RunSource) -> &'static str {
    match s {
        RunSource::Runnext => "runnext",
        RunSource::Local => "local runq",
        RunSource::Global => "global runq",
        RunSource::Fairness => "global runq (1 in 61)",
        RunSource::Netpoll => "netpoll",
        RunSource::Steal => "stolen",
        RunSource::StealRunnext => "stolen runnext",
        RunSource::Resume => "resume",
        RunSource::GcWorker => "GC worker",
    }
}

fn stw_name(k: StwKind) -> String {
    match k {
        StwKind::Gomaxprocs(n) => format!("STW GOMAXPROCS({n})"),
        StwKind::GcSweepTerm => "STW sweep termination".into(),
        StwKind::GcMarkTerm => "STW mark termination".into(),
    }
}

fn phase_name(p: GcPhaseEv) -> &'static str {
    match p {
        GcPhaseEv::SweepTerm => "GC sweep termination",
        GcPhaseEv::Mark => "GC mark",
        GcPhaseEv::MarkTerm => "GC mark termination",
        GcPhaseEv::Off => "GC off",
    }
}

/// Writes the log as Chrome Trace Event JSON, keeping what intersects `[from, to]` ns.
pub fn write_chrome_trace<W: Write>(
    log: &EventLog,
    end: Nanos,
    window: (Nanos, Nanos),
    w: &mut W,
) -> io::Result<()> {
    w.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
    let mut wr = Writer {
        w,
        first: true,
        win: (window.0, window.1.min(end)),
        tracks: BTreeMap::new(),
    };
    let mut open_p: Vec<Option<Open>> = Vec::new();
    let mut open_sys: Vec<Option<(Nanos, u64)>> = Vec::new();
    let mut last_end_p: Vec<Nanos> = Vec::new();
    let mut last_end_m: Vec<Nanos> = Vec::new();
    // goid → flow id waiting to be bound to the G's next run.
    let mut pending_flow: BTreeMap<u64, u64> = BTreeMap::new();
    let mut next_flow = 1u64;
    let mut gc_open: Option<(Nanos, GcPhaseEv, u32)> = None;
    let mut stw_open: Option<(Nanos, StwKind)> = None;

    fn grow<T: Default>(v: &mut Vec<T>, i: usize) {
        if v.len() <= i {
            v.resize_with(i + 1, T::default);
        }
    }

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
            } => {
                if p == NIL {
                    continue;
                }
                let pi = p as usize;
                grow(&mut open_p, pi);
                grow(&mut last_end_p, pi);
                if let Some(o) = open_p[pi].take() {
                    close_p(&mut wr, p, o, t, &mut last_end_p[pi])?;
                }
                let name = if class == GC_WORKER_CLASS || src == RunSource::GcWorker {
                    "GC worker".to_string()
                } else {
                    format!("G{goid}")
                };
                open_p[pi] = Some(Open {
                    start,
                    name,
                    src,
                    flow: pending_flow.remove(&goid),
                });
            }
            ObsEv::Stop { t, p, .. } => {
                if p == NIL || p as usize >= open_p.len() {
                    continue;
                }
                let pi = p as usize;
                if let Some(o) = open_p[pi].take() {
                    close_p(&mut wr, p, o, t, &mut last_end_p[pi])?;
                }
            }
            ObsEv::Ready {
                t, goid, p, new, ..
            } => {
                if t >= wr.win.0 && t <= wr.win.1 {
                    let id = next_flow;
                    next_flow += 1;
                    pending_flow.insert(goid, id);
                    let name = if new { "newproc" } else { "ready" };
                    wr.track(PID_RT, TID_EVENTS, || "events".into());
                    let s = format!(
                        r#"{{"ph":"s","name":"{name}","cat":"flow","id":{id},"pid":{PID_RT},"tid":{TID_EVENTS},"ts":{}}}"#,
                        us(t)
                    );
                    wr.raw(&s)?;
                    let _ = p;
                }
            }
            ObsEv::PreemptReq {
                t,
                goid,
                p,
                ran,
                by,
            } => {
                let by = match by {
                    PreemptBy::Sysmon => "sysmon retake",
                    PreemptBy::Stw => "preemptall (STW)",
                };
                let args = format!(
                    r#","args":{{"goid":{goid},"p":{p},"ran_us":"{}","by":"{by}"}}"#,
                    us(ran)
                );
                wr.instant(TID_EVENTS, "preempt request", t, &args)?;
            }
            ObsEv::Preempted { .. } => {}
            ObsEv::Steal {
                t,
                goid,
                thief,
                victim,
                runnext,
            } => {
                let args = format!(
                    r#","args":{{"goid":{goid},"thief":{thief},"victim":{victim},"runnext":{runnext}}}"#
                );
                wr.instant(TID_EVENTS, "steal", t, &args)?;
                if t >= wr.win.0 && t <= wr.win.1 {
                    let id = next_flow;
                    next_flow += 1;
                    pending_flow.insert(goid, id);
                    let s = format!(
                        r#"{{"ph":"s","name":"steal","cat":"flow","id":{id},"pid":{PID_RT},"tid":{TID_EVENTS},"ts":{}}}"#,
                        us(t)
                    );
                    wr.raw(&s)?;
                }
            }
            ObsEv::Handoff { t, p } => {
                wr.instant(
                    TID_EVENTS,
                    "handoffp",
                    t,
                    &format!(r#","args":{{"p":{p}}}"#),
                )?;
            }
            ObsEv::Syscall { t, goid, m, enter } => {
                if m == NIL {
                    continue;
                }
                let mi = m as usize;
                grow(&mut open_sys, mi);
                grow(&mut last_end_m, mi);
                if enter {
                    open_sys[mi] = Some((t, goid));
                } else if let Some((a, g)) = open_sys[mi].take() {
                    let a = a.max(last_end_m[mi]);
                    let b = t.max(a);
                    let args = format!(r#","args":{{"goid":{g}}}"#);
                    if wr.slice(PID_M, m, &format!("syscall G{g}"), a, b, &args)? {
                        wr.track(PID_M, m, || format!("M{m}"));
                    }
                    last_end_m[mi] = b;
                }
            }
            ObsEv::Stw { t, kind, start } => {
                let name = stw_name(kind);
                if start {
                    wr.instant(
                        TID_EVENTS,
                        "stopTheWorld",
                        t,
                        &format!(r#","args":{{"kind":"{name}"}}"#),
                    )?;
                    stw_open = Some((t, kind));
                } else {
                    wr.instant(TID_EVENTS, "startTheWorld", t, "")?;
                    if let Some((a, k)) = stw_open.take()
                        && wr.slice(PID_RT, TID_STW, &stw_name(k), a, t, "")?
                    {
                        wr.track(PID_RT, TID_STW, || "STW".into());
                    }
                }
            }
            ObsEv::Gc {
                t,
                phase,
                cycle,
                counters,
                ..
            } => {
                if let Some((a, ph, c)) = gc_open.take()
                    && ph != GcPhaseEv::Off
                    && wr.slice(
                        PID_RT,
                        TID_GC,
                        phase_name(ph),
                        a,
                        t,
                        &format!(r#","args":{{"cycle":{c}}}"#),
                    )?
                {
                    wr.track(PID_RT, TID_GC, || "GC".into());
                }
                gc_open = Some((t, phase, cycle));
                wr.counters(t, &counters, None)?;
            }
            ObsEv::Count { t, p, counters } => {
                wr.counters(t, &counters, (p != NIL).then_some(p))?;
            }
        }
    }
    // Close what is still open at the end of the run.
    for (pi, o) in open_p.iter_mut().enumerate() {
        if let Some(o) = o.take() {
            close_p(&mut wr, pi as u32, o, end, &mut last_end_p[pi])?;
        }
    }
    if let Some((a, ph, c)) = gc_open
        && ph != GcPhaseEv::Off
        && wr.slice(
            PID_RT,
            TID_GC,
            phase_name(ph),
            a,
            end,
            &format!(r#","args":{{"cycle":{c}}}"#),
        )?
    {
        wr.track(PID_RT, TID_GC, || "GC".into());
    }
    if let Some((a, k)) = stw_open
        && wr.slice(PID_RT, TID_STW, &stw_name(k), a, end, "")?
    {
        wr.track(PID_RT, TID_STW, || "STW".into());
    }
    // Counters live on the GC thread of pid 3; name it even without GC slices.
    wr.track(PID_RT, TID_GC, || "GC".into());
    // Metadata: every process and thread used.
    let procs = [(PID_P, "Ps"), (PID_M, "Ms"), (PID_RT, "Runtime")];
    for (pid, name) in procs {
        let s = format!(
            r#"{{"ph":"M","name":"process_name","pid":{pid},"tid":0,"args":{{"name":"{name}"}}}}"#
        );
        wr.raw(&s)?;
    }
    let tracks = std::mem::take(&mut wr.tracks);
    for ((pid, tid), name) in &tracks {
        let s = format!(
            r#"{{"ph":"M","name":"thread_name","pid":{pid},"tid":{tid},"args":{{"name":"{name}"}}}}"#
        );
        wr.raw(&s)?;
    }
    wr.w.write_all(b"\n]}\n")?;
    Ok(())
}

fn close_p<W: Write>(
    wr: &mut Writer<'_, W>,
    p: u32,
    o: Open,
    t: Nanos,
    last_end: &mut Nanos,
) -> io::Result<()> {
    let a = o.start.max(*last_end);
    let b = t.max(a);
    let args = format!(r#","args":{{"from":"{}"}}"#, src_name(o.src));
    if wr.slice(PID_P, p, &o.name, a, b, &args)? {
        wr.track(PID_P, p, || format!("P{p}"));
        if let Some(id) = o.flow {
            let s = format!(
                r#"{{"ph":"f","bp":"e","name":"run","cat":"flow","id":{id},"pid":{PID_P},"tid":{p},"ts":{}}}"#,
                us(a)
            );
            wr.raw(&s)?;
        }
    }
    *last_end = b;
    Ok(())
}
