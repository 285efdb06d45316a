//! Goroutine programs compiled from the scenario's op lists into flat instruction arrays with
//! resolved names (class, channel, mutex, wait-group indices) and ready samplers.

use super::dist::Sampler;
use crate::scenario::{CallsEvery, GoroutineClass, Lifetime, Op, Scenario, Times};
use crate::sched::types::MAX_LOOP_DEPTH;

/// How long an allocation lives (see [`Lifetime`]).
#[derive(Clone, Debug)]
pub enum Life {
    Request,
    Goroutine,
    Forever,
    For(Sampler),
}

/// One compiled instruction.
#[derive(Clone, Debug)]
pub enum Instr {
    Compute {
        time: Sampler,
        units: u64,
        yield_every: u64,
        calls_every: Option<u64>,
        nonpreemptible: bool,
    },
    Alloc {
        size: Sampler,
        count: Sampler,
        life: Life,
        scan: f64,
        /// Pointer words among the scannable bytes (a fraction).
        ptrs: f64,
        /// The program writes the objects (first touches fault in never-used pages).
        written: bool,
    },
    Syscall {
        time: Sampler,
        timed: bool,
    },
    /// `sync.Pool.Get` (see [`super::pool`]).
    PoolGet {
        pool: u32,
        size: Sampler,
        scan: f64,
    },
    /// `sync.Pool.Put`; objects above `max_size` are dropped (`u64::MAX`: no guard).
    PoolPut {
        pool: u32,
        max_size: u64,
    },
    PipeWrite(u32),
    PipeRead(u32),
    Io {
        time: Sampler,
    },
    Sleep {
        time: Sampler,
    },
    /// Sleep until the G's pace origin + n × period (see `Op::Pace`).
    Pace(u64),
    Gosched,
    Spawn {
        class: u16,
        count: u64,
    },
    Send(u32),
    Recv(u32),
    Close(u32),
    Lock(u32),
    Unlock(u32),
    WgAdd(u32, i64),
    WgDone(u32),
    WgWait(u32),
    /// Start of a loop; `end` is the index of its `LoopEnd`.
    Loop {
        n: Times,
        end: u32,
    },
    /// End of a loop body; jumps back to `start + 1` while iterations remain.
    LoopEnd {
        start: u32,
    },
    Respond,
    Begin,
    Phase(u16),
    /// `runtime.GOMAXPROCS(n)`: a stop-the-world and `procresize`.
    Gomaxprocs(u32),
    /// Reach this many bytes of stack (`newstack`).
    Stack(u64),
    /// `runtime.GC()`.
    Gc,
    /// `debug.SetGCPercent` (negative: off).
    SetGcPercent(i32),
    /// `debug.SetMemoryLimit` (`i64::MAX`: off).
    SetMemoryLimit(i64),
    Exit,
}

/// A class's compiled program.
#[derive(Clone, Debug)]
pub struct Program {
    pub name: String,
    pub instrs: Vec<Instr>,
}

/// Name tables used to resolve references.
pub struct Names<'a> {
    pub classes: Vec<&'a str>,
    pub chans: Vec<&'a str>,
    pub mutexes: Vec<&'a str>,
    pub wgs: Vec<&'a str>,
    pub pipes: Vec<&'a str>,
    pub pools: Vec<&'a str>,
    pub phases: Vec<String>,
}

impl<'a> Names<'a> {
    pub fn new(s: &'a Scenario) -> Self {
        Names {
            classes: s.goroutines.iter().map(|c| c.name.as_str()).collect(),
            chans: s.channels.iter().map(|c| c.name.as_str()).collect(),
            mutexes: s.mutexes.iter().map(|c| c.name.as_str()).collect(),
            wgs: s.waitgroups.iter().map(|c| c.name.as_str()).collect(),
            pipes: s.pipes.iter().map(|c| c.name.as_str()).collect(),
            pools: s.pools.iter().map(|c| c.name.as_str()).collect(),
            phases: s.phases.iter().map(|p| p.name.clone()).collect(),
        }
    }
}

fn find(list: &[&str], name: &str, what: &str) -> Result<u32, String> {
    list.iter()
        .position(|n| *n == name)
        .map(|i| i as u32)
        .ok_or_else(|| format!("unknown {what} `{name}`"))
}

fn durs(d: &crate::scenario::DurDist) -> Sampler {
    Sampler::new(d, |x| x.0)
}

/// Compiles one op list. Phase names met in `phase` ops are added to `names.phases`.
pub fn compile(
    ops: &[Op],
    names: &mut Names,
    out: &mut Vec<Instr>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_LOOP_DEPTH {
        return Err(format!("`repeat` nested deeper than {MAX_LOOP_DEPTH}"));
    }
    for op in ops {
        let ins = match op {
            Op::Compute {
                time,
                units,
                yield_every,
                calls_every,
                nonpreemptible,
            } => Instr::Compute {
                time: durs(time),
                units: *units,
                yield_every: *yield_every,
                calls_every: match calls_every {
                    None => Some(DEFAULT_CALLS_EVERY),
                    Some(CallsEvery::None) => None,
                    Some(CallsEvery::Every(d)) => Some(d.0.max(1)),
                },
                nonpreemptible: *nonpreemptible,
            },
            Op::Alloc {
                size,
                count,
                lifetime,
                scan,
                pointers,
                written,
            } => Instr::Alloc {
                size: Sampler::new(size, |b| b.0),
                count: Sampler::new(count, |c| *c),
                life: match lifetime {
                    Lifetime::Request => Life::Request,
                    Lifetime::Goroutine => Life::Goroutine,
                    Lifetime::Forever => Life::Forever,
                    Lifetime::For(d) => Life::For(durs(d)),
                },
                scan: *scan,
                ptrs: *pointers,
                written: *written,
            },
            Op::Syscall { time, timed } => Instr::Syscall {
                time: durs(time),
                timed: *timed,
            },
            Op::PoolGet { pool, size, scan } => Instr::PoolGet {
                pool: find(&names.pools, pool, "pool")?,
                size: Sampler::new(size, |b| b.0),
                scan: *scan,
            },
            Op::PoolPut { pool, max_size } => Instr::PoolPut {
                pool: find(&names.pools, pool, "pool")?,
                max_size: max_size.map_or(u64::MAX, |b| b.0),
            },
            Op::PipeWrite { pipe } => Instr::PipeWrite(find(&names.pipes, pipe, "pipe")?),
            Op::PipeRead { pipe } => Instr::PipeRead(find(&names.pipes, pipe, "pipe")?),
            Op::Io { time } => Instr::Io { time: durs(time) },
            Op::Sleep { time } => Instr::Sleep { time: durs(time) },
            Op::Pace { every } => Instr::Pace(every.0),
            Op::Gosched => Instr::Gosched,
            Op::Spawn { class, count } => Instr::Spawn {
                class: find(&names.classes, class, "class")? as u16,
                count: *count,
            },
            Op::Send { chan } => Instr::Send(find(&names.chans, chan, "channel")?),
            Op::Recv { chan } => Instr::Recv(find(&names.chans, chan, "channel")?),
            Op::Close { chan } => Instr::Close(find(&names.chans, chan, "channel")?),
            Op::Lock { mutex } => Instr::Lock(find(&names.mutexes, mutex, "mutex")?),
            Op::Unlock { mutex } => Instr::Unlock(find(&names.mutexes, mutex, "mutex")?),
            Op::WgAdd { wg, n } => Instr::WgAdd(find(&names.wgs, wg, "wait group")?, *n),
            Op::WgDone { wg } => Instr::WgDone(find(&names.wgs, wg, "wait group")?),
            Op::WgWait { wg } => Instr::WgWait(find(&names.wgs, wg, "wait group")?),
            Op::Repeat { n, body } => {
                let start = out.len();
                out.push(Instr::Loop { n: *n, end: 0 });
                compile(body, names, out, depth + 1)?;
                let end = out.len() as u32;
                out.push(Instr::LoopEnd {
                    start: start as u32,
                });
                out[start] = Instr::Loop { n: *n, end };
                continue;
            }
            Op::Respond => Instr::Respond,
            Op::Begin => Instr::Begin,
            Op::Phase { name } => {
                let idx = match names.phases.iter().position(|p| p == name) {
                    Some(i) => i,
                    None => {
                        names.phases.push(name.clone());
                        names.phases.len() - 1
                    }
                };
                Instr::Phase(idx as u16)
            }
            Op::Gomaxprocs { n } => Instr::Gomaxprocs(*n),
            Op::Stack { size } => Instr::Stack(size.0),
            Op::Gc => Instr::Gc,
            Op::SetGcPercent { gogc } => Instr::SetGcPercent(match gogc {
                crate::scenario::Gogc::Percent(p) => *p,
                crate::scenario::Gogc::Off => -1,
            }),
            Op::SetMemoryLimit { limit } => Instr::SetMemoryLimit(match limit {
                crate::scenario::MemLimit::Bytes(b) => (*b).min(i64::MAX as u64) as i64,
                crate::scenario::MemLimit::Off => i64::MAX,
            }),
            Op::Exit => Instr::Exit,
        };
        out.push(ins);
    }
    Ok(())
}

/// Spacing of function calls in a compute segment when the scenario does not say: ordinary Go
/// code calls functions often, so a cooperative preemption point is never far away.
pub const DEFAULT_CALLS_EVERY: u64 = 1_000;

/// Compiles every class of the scenario.
pub fn compile_class(c: &GoroutineClass, names: &mut Names) -> Result<Program, String> {
    let mut instrs = Vec::new();
    compile(&c.program, names, &mut instrs, 0)
        .map_err(|e| format!("goroutines `{}`: {e}", c.name))?;
    instrs.push(Instr::Exit);
    Ok(Program {
        name: c.name.clone(),
        instrs,
    })
}

/// Compiles a source's handler program (arrivals, clients).
pub fn compile_ops(name: &str, ops: &[Op], names: &mut Names) -> Result<Program, String> {
    let mut instrs = Vec::new();
    compile(ops, names, &mut instrs, 0).map_err(|e| format!("`{name}`: {e}"))?;
    instrs.push(Instr::Exit);
    Ok(Program {
        name: name.to_string(),
        instrs,
    })
}
