//! Chrome Trace Event / Perfetto JSON from the event log (`obs.rs`).
//!
//! Tracks: pid 1 "Ps" (one thread per P: each G's run as an `X` slice `G17`, GC mark workers as
//! `GC worker`, a mark assist as `GC assist (G17)` nested in the G's slice, and between
//! goroutines `idle` (on the idle P list) and `stopped` (stopped for a STW)), pid 2 "Ms" (one
//! thread per M: `syscall G17`, `spinning`, `parked`, `netpoll`), pid 3 "Runtime" (GC phases,
//! STW pauses, instants for steals, preemption requests, handoffs), flow arrows from
//! `ready`/a steal to where the G next runs, and counters (heap live, goal, trigger, memory
//! limit, global and local run queue lengths, and `GC CPU`: how many Ps run GC mark work, a
//! worker of any mode or an assist, out of GOMAXPROCS). Timestamps are µs printed from
//! integer ns (`1234.567`), so the file is byte-identical for the same seed.
//!
//! # Simplifications
//! - Slices on one P are sequential; a slice whose recorded start precedes the end of the one
//!   before (a switch cut short) is clamped to start there, so slices never partially overlap.
//!   An assist slice is clamped into its G's slice; a preempted assist continues in the G's
//!   next slice.
//! - An M is in one state at a time on its track: a new state (syscall, spinning, parked,
//!   netpoll) ends the one before. Spinning and parked spans of 0 ns are left out.
//! - With `--trace-window`, the heap, global-runq and `GC CPU` counters open at the window's
//!   start with the values they had then (per-P runq counters start at their first change).
//! - The `GC CPU` counter changes at the scheduling decision (a worker) or the allocation (an
//!   assist), up to a switch cost before the slice it counts.

use crate::gc::cycle::GC_WORKER_CLASS;
use crate::obs::{Counters, EventLog, GcPhaseEv, MEv, ObsEv, PStateEv, PreemptBy, ReadyHow};
use crate::sched::proc::RunSource;
use crate::sched::types::NIL;
use crate::sim::StwKind;
use sim_core::Nanos;
use std::collections::{BTreeMap, BTreeSet};
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
    goid: u64,
    /// When the G's assist (if it is in one) began inside this slice.
    assist: Option<Nanos>,
}

struct Writer<'a, W: Write> {
    w: &'a mut W,
    first: bool,
    win: (Nanos, Nanos),
    tracks: BTreeMap<(u32, u32), String>,
    /// Per P: bit 0 a GC worker runs, bit 1 an assist runs; and how many Ps have either.
    gc_busy: Vec<u8>,
    gc_ps: u32,
    /// The counters' values before the window: written at its start, so a window opens with
    /// them instead of an empty counter track (`GC CPU`, then heap and global runq).
    gc_ps_seen: bool,
    heap_before: Option<Counters>,
    /// The counter values last written (heap triple, memory limit, global runq, each P's
    /// local runq): a counter is written only when it changes, so that counters can ride on
    /// every run and ready without repeating themselves.
    last_heap: Option<(u64, u64, u64)>,
    last_limit: Option<i64>,
    last_global: Option<u32>,
    last_local: Vec<Option<u32>>,
}

/// What an M's open slice is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MKind {
    Syscall(u64),
    Spinning,
    Parked,
    Netpoll,
}

const GC_WORKER_BIT: u8 = 1;
const GC_ASSIST_BIT: u8 = 2;

impl<W: Write> Writer<'_, W> {
    /// Sets or clears one of P's GC bits at `t`; the `GC CPU` counter follows.
    fn gc_set(&mut self, p: u32, bit: u8, on: bool, t: Nanos) -> io::Result<()> {
        let pi = p as usize;
        if self.gc_busy.len() <= pi {
            self.gc_busy.resize(pi + 1, 0);
        }
        let before = self.gc_busy[pi] != 0;
        if on {
            self.gc_busy[pi] |= bit;
        } else {
            self.gc_busy[pi] &= !bit;
        }
        let after = self.gc_busy[pi] != 0;
        if before == after {
            return Ok(());
        }
        let was = self.gc_ps;
        if after {
            self.gc_ps += 1;
        } else {
            self.gc_ps -= 1;
        }
        if t < self.win.0 || t > self.win.1 {
            return Ok(());
        }
        if !self.gc_ps_seen {
            self.gc_ps_seen = true;
            if t > self.win.0 {
                self.gc_cpu_counter(self.win.0, was)?;
            }
        }
        self.gc_cpu_counter(t, self.gc_ps)
    }
    /// One value of the `GC CPU` counter: `ps` Ps doing mark work from `t`.
    fn gc_cpu_counter(&mut self, t: Nanos, ps: u32) -> io::Result<()> {
        let s = format!(
            r#"{{"ph":"C","name":"GC CPU","pid":{PID_RT},"tid":{TID_GC},"ts":{},"args":{{"Ps":{ps}}}}}"#,
            us(t)
        );
        self.raw(&s)
    }
    /// Ends M's open slice (if `only` is given, only a slice of that kind) at `t`.
    fn m_close(
        &mut self,
        m: u32,
        open: &mut Option<(Nanos, MKind)>,
        only: Option<MKind>,
        t: Nanos,
        last_end: &mut Nanos,
    ) -> io::Result<()> {
        let Some((a, kind)) = *open else {
            return Ok(());
        };
        if only.is_some_and(|k| k != kind) {
            return Ok(());
        }
        *open = None;
        let a = a.max(*last_end);
        let b = t.max(a);
        let (name, args) = match kind {
            MKind::Syscall(g) => (
                format!("syscall G{g}"),
                format!(r#","args":{{"goid":{g}}}"#),
            ),
            _ if b == a => return Ok(()),
            MKind::Spinning => ("spinning".to_string(), String::new()),
            MKind::Parked => ("parked".to_string(), String::new()),
            MKind::Netpoll => ("netpoll".to_string(), String::new()),
        };
        if self.slice(PID_M, m, &name, a, b, &args)? {
            self.track(PID_M, m, || format!("M{m}"));
        }
        *last_end = b;
        Ok(())
    }
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
    /// An `X` slice on P `p`'s track (named in the metadata once it has one).
    fn p_slice(&mut self, p: u32, name: &str, a: Nanos, b: Nanos, args: &str) -> io::Result<bool> {
        let shown = self.slice(PID_P, p, name, a, b, args)?;
        if shown {
            self.track(PID_P, p, || format!("P{p}"));
        }
        Ok(shown)
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
        if t < self.win.0 {
            self.heap_before = Some(*c);
            return Ok(());
        }
        if t > self.win.1 {
            return Ok(());
        }
        if let Some(b) = self.heap_before.take()
            && t > self.win.0
        {
            self.counters(self.win.0, &b, None)?;
        }
        let ts = us(t);
        let heap = (c.heap_live, c.heap_goal, c.trigger);
        if self.last_heap != Some(heap) {
            self.last_heap = Some(heap);
            let s = format!(
                r#"{{"ph":"C","name":"heap","pid":{PID_RT},"tid":{TID_GC},"ts":{ts},"args":{{"live":{},"goal":{},"trigger":{}}}}}"#,
                c.heap_live, c.heap_goal, c.trigger
            );
            self.raw(&s)?;
        }
        if c.memory_limit < i64::MAX && self.last_limit != Some(c.memory_limit) {
            self.last_limit = Some(c.memory_limit);
            let s = format!(
                r#"{{"ph":"C","name":"memory limit","pid":{PID_RT},"tid":{TID_GC},"ts":{ts},"args":{{"limit":{}}}}}"#,
                c.memory_limit
            );
            self.raw(&s)?;
        }
        if self.last_global != Some(c.global_runq) {
            self.last_global = Some(c.global_runq);
            let s = format!(
                r#"{{"ph":"C","name":"global runq","pid":{PID_RT},"tid":{TID_GC},"ts":{ts},"args":{{"len":{}}}}}"#,
                c.global_runq
            );
            self.raw(&s)?;
        }
        if let Some(p) = p {
            let pi = p as usize;
            if self.last_local.len() <= pi {
                self.last_local.resize(pi + 1, None);
            }
            if self.last_local[pi] != Some(c.local_runq) {
                self.last_local[pi] = Some(c.local_runq);
                let s = format!(
                    r#"{{"ph":"C","name":"runq P{p}","pid":{PID_P},"tid":{p},"ts":{ts},"args":{{"len":{}}}}}"#,
                    c.local_runq
                );
                self.raw(&s)?;
            }
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
        gc_busy: Vec::new(),
        gc_ps: 0,
        gc_ps_seen: false,
        heap_before: None,
        last_heap: None,
        last_limit: None,
        last_global: None,
        last_local: Vec::new(),
    };
    let mut open_p: Vec<Option<Open>> = Vec::new();
    let mut open_m: Vec<Option<(Nanos, MKind)>> = Vec::new();
    // Per P: an open `idle` or `stopped` span (only while no goroutine slice is open).
    let mut open_state: Vec<Option<(Nanos, &'static str)>> = Vec::new();
    // Goroutines in the middle of an assist (it continues when a preempted one runs again).
    let mut in_assist: BTreeSet<u64> = BTreeSet::new();
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
                grow(&mut open_state, pi);
                if let Some(o) = open_p[pi].take() {
                    close_p(&mut wr, p, o, t, &mut last_end_p[pi])?;
                }
                if let Some((a, name)) = open_state[pi].take() {
                    state_slice(&mut wr, p, name, a, start.min(t), &mut last_end_p[pi])?;
                }
                let worker = class == GC_WORKER_CLASS || src == RunSource::GcWorker;
                let name = if worker {
                    "GC worker".to_string()
                } else {
                    format!("G{goid}")
                };
                let assist = in_assist.contains(&goid).then_some(start);
                if worker {
                    wr.gc_set(p, GC_WORKER_BIT, true, t)?;
                }
                if assist.is_some() {
                    wr.gc_set(p, GC_ASSIST_BIT, true, t)?;
                }
                open_p[pi] = Some(Open {
                    start,
                    name,
                    src,
                    flow: pending_flow.remove(&goid),
                    goid,
                    assist,
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
                t, goid, p, how, ..
            } => {
                if t >= wr.win.0 && t <= wr.win.1 {
                    let id = next_flow;
                    next_flow += 1;
                    pending_flow.insert(goid, id);
                    let name = match how {
                        ReadyHow::Newproc => "newproc",
                        ReadyHow::Ready => "ready",
                        ReadyHow::Inject => "injectglist",
                    };
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
                grow(&mut open_m, mi);
                grow(&mut last_end_m, mi);
                if enter {
                    wr.m_close(m, &mut open_m[mi], None, t, &mut last_end_m[mi])?;
                    open_m[mi] = Some((t, MKind::Syscall(goid)));
                } else if let Some((_, MKind::Syscall(_))) = open_m[mi] {
                    wr.m_close(m, &mut open_m[mi], None, t, &mut last_end_m[mi])?;
                }
            }
            ObsEv::M { t, m, what } => {
                let mi = m as usize;
                grow(&mut open_m, mi);
                grow(&mut last_end_m, mi);
                let (opens, closes) = match what {
                    MEv::Spin => (Some(MKind::Spinning), None),
                    MEv::SpinEnd => (None, Some(MKind::Spinning)),
                    MEv::Park => (Some(MKind::Parked), None),
                    MEv::Wake => (None, Some(MKind::Parked)),
                    MEv::Netpoll => (Some(MKind::Netpoll), None),
                    MEv::NetpollEnd => (None, Some(MKind::Netpoll)),
                };
                wr.m_close(m, &mut open_m[mi], closes, t, &mut last_end_m[mi])?;
                if let Some(k) = opens {
                    open_m[mi] = Some((t, k));
                }
            }
            ObsEv::Assist { t, goid, p, start } => {
                if start {
                    in_assist.insert(goid);
                } else {
                    in_assist.remove(&goid);
                }
                let Some(Some(o)) = open_p.get_mut(p as usize) else {
                    continue;
                };
                if o.goid != goid {
                    continue;
                }
                if start {
                    o.assist.get_or_insert(t);
                    wr.gc_set(p, GC_ASSIST_BIT, true, t)?;
                } else if let Some(a) = o.assist.take() {
                    let run_a = o.start.max(last_end_p[p as usize]);
                    assist_slice(&mut wr, p, goid, a.max(run_a), t)?;
                    wr.gc_set(p, GC_ASSIST_BIT, false, t)?;
                }
            }
            ObsEv::GcWork { .. } => {}
            ObsEv::PState { t, p, state } => {
                let pi = p as usize;
                grow(&mut open_p, pi);
                grow(&mut last_end_p, pi);
                grow(&mut open_state, pi);
                if let Some((a, name)) = open_state[pi].take() {
                    state_slice(&mut wr, p, name, a, t, &mut last_end_p[pi])?;
                }
                // Only between goroutines: a G still on the P (the STW initiator) keeps its slice.
                if open_p[pi].is_none() {
                    open_state[pi] = match state {
                        PStateEv::Idle => Some((t, "idle")),
                        PStateEv::Stopped => Some((t, "stopped")),
                        PStateEv::Busy => None,
                    };
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
    for (pi, o) in open_state.iter_mut().enumerate() {
        if let Some((a, name)) = o.take() {
            state_slice(&mut wr, pi as u32, name, a, end, &mut last_end_p[pi])?;
        }
    }
    for (mi, o) in open_m.iter_mut().enumerate() {
        wr.m_close(mi as u32, o, None, end, &mut last_end_m[mi])?;
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
    if let Some(aa) = o.assist {
        assist_slice(wr, p, o.goid, aa.max(a), b)?;
        wr.gc_set(p, GC_ASSIST_BIT, false, t)?;
    }
    if o.name == "GC worker" {
        wr.gc_set(p, GC_WORKER_BIT, false, t)?;
    }
    let args = format!(r#","args":{{"from":"{}"}}"#, src_name(o.src));
    if wr.p_slice(p, &o.name, a, b, &args)?
        && let Some(id) = o.flow
    {
        let s = format!(
            r#"{{"ph":"f","bp":"e","name":"run","cat":"flow","id":{id},"pid":{PID_P},"tid":{p},"ts":{}}}"#,
            us(a)
        );
        wr.raw(&s)?;
    }
    *last_end = b;
    Ok(())
}

/// An `idle` or `stopped` slice on P's track between goroutine slices; nothing if empty.
fn state_slice<W: Write>(
    wr: &mut Writer<'_, W>,
    p: u32,
    name: &str,
    a: Nanos,
    b: Nanos,
    last_end: &mut Nanos,
) -> io::Result<()> {
    let a = a.max(*last_end);
    if b <= a {
        return Ok(());
    }
    wr.p_slice(p, name, a, b, "")?;
    *last_end = b;
    Ok(())
}

/// A `GC assist (G17)` slice on P's track, inside the G's slice; nothing if empty.
fn assist_slice<W: Write>(
    wr: &mut Writer<'_, W>,
    p: u32,
    goid: u64,
    a: Nanos,
    b: Nanos,
) -> io::Result<()> {
    if b <= a {
        return Ok(());
    }
    let name = format!("GC assist (G{goid})");
    wr.p_slice(p, &name, a, b, r#","args":{"fn":"gcAssistAlloc"}"#)?;
    Ok(())
}
