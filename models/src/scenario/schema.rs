//! The scenario file format: plain serde structs, one per TOML table.
//!
//! `docs/scenario-format.md` documents every field with a complete example. Values that people
//! write with units use the types of [`crate::units`]: durations (`"200us"`), sizes (`"64KiB"`),
//! rates (`"270k/s"`). Parameters of `[params]` are substituted before these structs are built
//! (see [`super::load`]), so every field here holds a final value.

use crate::units::{Bytes, Dur, Rate};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub meta: Meta,
    #[serde(default)]
    pub runtime: RuntimeCfg,
    /// Named knobs (`rps = "50k/s"`) that other fields refer to as `"$rps"` (whole value) or
    /// `"${rps}"` (inside a string). Kept for the summary; already substituted everywhere else.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub costs: Costs,
    #[serde(default)]
    pub limits: Limits,
    /// `[gc]`: the collector's flavour and the heap's fixed parts.
    #[serde(default)]
    pub gc: GcCfg,
    /// `[machine]`: cores, NUMA nodes and the cgroup CPU quota under the runtime. Absent: an
    /// ideal machine with one CPU per P (every older scenario keeps its results).
    #[serde(default)]
    pub machine: Option<MachineCfg>,
    /// `[sched]`: scheduler variants that are not Go's behaviour, for comparison.
    #[serde(default)]
    pub sched: SchedCfg,
    /// Time-based phases; a program can also start a phase with `{ op = "phase" }`.
    #[serde(default)]
    pub phases: Vec<PhaseCfg>,
    #[serde(default)]
    pub channels: Vec<ChannelCfg>,
    #[serde(default)]
    pub mutexes: Vec<NamedCfg>,
    #[serde(default)]
    pub waitgroups: Vec<NamedCfg>,
    /// Kernel pipes (raw blocking fds, not the netpoller), for `pipe_write`/`pipe_read`.
    #[serde(default)]
    pub pipes: Vec<NamedCfg>,
    /// `sync.Pool`s, for `pool_get`/`pool_put`.
    #[serde(default)]
    pub pools: Vec<NamedCfg>,
    /// Goroutine classes. A class with `count > 0` is started at `start` by main, in order;
    /// a class with `count = 0` only runs when a program spawns it or a source uses it.
    #[serde(default)]
    pub goroutines: Vec<GoroutineClass>,
    /// Open-loop request sources: requests arrive through the netpoller at a rate, one handler
    /// goroutine each (like net/http).
    #[serde(default)]
    pub arrivals: Vec<ArrivalSource>,
    /// Closed-loop clients: each sends a request, waits for its handler to finish, thinks, repeats.
    #[serde(default)]
    pub clients: Vec<ClientSource>,
    /// `[hunt]`: the property `gmpsim hunt`/`check` test and the knobs a hunt varies. `run`
    /// ignores it.
    #[serde(default)]
    pub hunt: Option<HuntCfg>,
}

/// `[hunt]`: which property a hunt checks, its threshold, and what it varies.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HuntCfg {
    /// A property name (`gmpsim hunt --help` lists them).
    #[serde(default)]
    pub property: Option<String>,
    /// The property's threshold: a duration (`"50ms"`), a fraction or a count.
    #[serde(default)]
    pub threshold: Option<toml::Value>,
    /// `--set` paths to vary with inclusive integer ranges: `"params.n" = [1, 64]`.
    #[serde(default)]
    pub vary: BTreeMap<String, [i64; 2]>,
    /// The shortest simulated duration shrinking may reach (default 10ms).
    #[serde(default)]
    pub min_duration: Option<Dur>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated duration of the run.
    pub duration: Dur,
}

fn default_seed() -> u64 {
    1
}

/// GOGC: a percentage or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gogc {
    Percent(i32),
    Off,
}

/// GOMEMLIMIT: a size or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemLimit {
    Bytes(u64),
    Off,
}

/// The Go release whose scheduler rules apply (spec §0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub minor: u32,
}

impl GoVersion {
    pub const OLDEST: u32 = 21;
    pub const NEWEST: u32 = 27;
    pub const DEFAULT: GoVersion = GoVersion { minor: 27 };
    pub fn at_least(&self, minor: u32) -> bool {
        self.minor >= minor
    }
}

impl std::fmt::Display for GoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

/// `[runtime]`: the knobs a Go user sets through the environment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeCfg {
    /// GOMAXPROCS. Unset: the machine's CPU count.
    #[serde(default)]
    pub gomaxprocs: Option<u32>,
    #[serde(default = "default_gogc")]
    pub gogc: Gogc,
    #[serde(default = "default_memlimit")]
    pub gomemlimit: MemLimit,
    /// `GODEBUG=asyncpreemptoff=1` is `asyncpreempt = false`.
    #[serde(default = "default_true")]
    pub asyncpreempt: bool,
    #[serde(default = "default_version")]
    pub go_version: GoVersion,
    /// CPUs of the (ideal) machine until the machine model exists; GOMAXPROCS defaults to it.
    #[serde(default = "default_cpus")]
    pub cpus: u32,
}

fn default_gogc() -> Gogc {
    Gogc::Percent(100)
}
fn default_memlimit() -> MemLimit {
    MemLimit::Off
}
fn default_true() -> bool {
    true
}
fn default_version() -> GoVersion {
    GoVersion::DEFAULT
}
fn default_cpus() -> u32 {
    8
}

impl Default for RuntimeCfg {
    fn default() -> Self {
        RuntimeCfg {
            gomaxprocs: None,
            gogc: default_gogc(),
            gomemlimit: default_memlimit(),
            asyncpreempt: true,
            go_version: GoVersion::DEFAULT,
            cpus: default_cpus(),
        }
    }
}

/// `[costs]`: the times the runtime source does not fix (scheduler spec §13.2). Each has a
/// documented default; a scenario overrides any of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    /// `gogo`/`mcall`: switching the M from one G to another.
    pub g_switch: Dur,
    /// Extra time for a G to resume on a different P (core) than it last ran on: its stack
    /// and context are refetched from another core's cache.
    pub g_migrate: Dur,
    /// One `schedule()` + `findRunnable` pass that finds work locally or globally.
    pub find_runnable: Dur,
    /// Probing one victim P in `stealWork`.
    pub steal_probe: Dur,
    /// Holding `sched.lock` uncontended (global runq operations, idle lists).
    pub sched_lock: Dur,
    /// Extra time to take `sched.lock` when another M held it last (cache-line transfer).
    pub sched_lock_transfer: Dur,
    /// Linux timer slack added to every `usleep`/`nanosleep`/`epoll_wait` timeout.
    pub timer_slack: Dur,
    /// Wake-up overhead of a timed sleep beyond the slack (measured usleep(20) ≈ 94 µs).
    pub sleep_overhead: Dur,
    /// futex wake of a parked M until the wakee runs.
    pub futex_wake: Dur,
    /// Creating an OS thread (`newm`).
    pub new_thread: Dur,
    /// SIGURG delivery until the handler runs (async preemption).
    pub signal_delivery: Dur,
    /// `entersyscall` + `exitsyscall` on the fast path.
    pub syscall_overhead: Dur,
    /// `newproc`: creating a goroutine (`go f()`), including its stack.
    pub newproc: Dur,
    /// A channel/mutex/waitgroup operation that does not block.
    pub sync_op: Dur,
    /// Waking a goroutine (`goready`) from a channel, mutex or wait group.
    pub goready: Dur,
    /// The netpoller noticing readiness and returning from `epoll_wait`.
    pub netpoll: Dur,
    /// Mark CPU per KiB of scannable heap with Green Tea (span-batched) marking: 69 ms of CPU
    /// per 64 MiB of random pointer graph measured on Go 1.27.
    pub mark_per_kib_greentea: Dur,
    /// Mark CPU per KiB with the classic object-at-a-time loop (137 ms per 64 MiB measured).
    pub mark_per_kib_classic: Dur,
    /// Sweeping one page of a span that keeps live objects (`mspan.sweep`: count the mark
    /// bits, swap them in as the alloc bits). Go's own figures cannot resolve it: between
    /// GC cycles its GOMAXPROCS=1 mutator allocates at 29-33 ns per object whether the heap
    /// it sweeps is 90, 147 or 364 MiB (gcsteady pointer-free GOGC 25/100/400, 447 intervals
    /// of `gc_cycles.csv`; least squares put the per-page term at 0 ± noise). 10 ns is the
    /// cost of those few instructions.
    pub sweep_per_page: Dur,
    /// Sweeping one page of a span whose objects are all dead, on top of `sweep_per_page`:
    /// `mheap.freeSpan` (the heap lock, the page allocator's bitmap and summaries). The same
    /// intervals' allocation costs 32.5 ns per 128 B object with these frees folded in;
    /// 390 ns per page is 6 ns of that per object, and a spare P (bgsweep) sweeping them
    /// makes GOMAXPROCS=2 faster than 1 by more than the GC CPU, as in Go.
    pub sweep_free_per_page: Dur,
    /// Extra mutator CPU per object allocated during the mark phase: `mallocgc`'s
    /// `gcmarknewobject` (allocate-black: an atomic mark-bit set and `bytesMarked`) and the
    /// buffered write barrier on the store that publishes the new pointer (`wbBufFlush1`
    /// shades both the old and the new value). From gcsteady's classic rows, where 128 B
    /// objects into never-used memory cost nothing else: 26-31 ns each during mark against
    /// 15 ns between cycles.
    pub mark_alloc_per_object: Dur,
    /// Extra mutator CPU per pointer word of an object allocated during the mark phase: the
    /// hybrid write barrier (`gcWriteBarrier` into the P's `wbBuf`, then `wbBufFlush1` finding
    /// and shading the pointee, a cache miss for a random one) on the store that fills the
    /// word. From gcsteady's published pointerful builds at GOMAXPROCS=1: building a 512 B
    /// object of 64 pointers costs 0.66 µs more during mark than between cycles (median of 31
    /// intervals, Green Tea and classic alike), while a pointer-free build costs the same.
    pub write_barrier_per_pointer: Dur,
    /// What a write-barrier pointer costs more while a mark worker runs on another P: the
    /// shading's atomic mark-bit updates and the mutator's cache misses then contend with the
    /// marking core. The same builds at GOMAXPROCS=2 cost 1.65 µs more per object during mark
    /// (median of 22 intervals, counting the fractional worker's half on the mutator's P as
    /// not the mutator's), against 0.66 µs at GOMAXPROCS=1: 15 ns more per pointer.
    pub write_barrier_contended: Dur,
    /// Releasing one 8 KiB page to the OS (`sysUnused`: `madvise`), which sets how fast the
    /// background scavenger's 1 % of CPU returns memory, and what an allocation pays for the
    /// pages it releases at the memory limit (`allocSpan`).
    pub scavenge_per_page: Dur,
    /// `memclrNoHeapPointers` of 1 KiB: `mallocgc` clears each object whose span reuses memory
    /// (`span.needzero`); memory the heap has just grown into is known zero and is not cleared.
    /// From gcsteady between GC cycles (classic, GOMAXPROCS=2): 128 B objects cost 24 ns
    /// where the heap reuses memory against 15 ns where it grows into never-used pages.
    pub zero_per_kib: Dur,
    /// What that clearing costs more per KiB during mark, while marking's cache misses compete
    /// for the memory system (a worker on another P, or the fractional worker evicting the
    /// mutator's cache lines between its slices). From gcsteady's marks, Green Tea and
    /// classic: 49 ns per 128 B object in reused memory, 13 ns above what allocation,
    /// `mark_alloc_per_object` and `zero_per_kib` explain.
    pub mark_zero_per_kib: Dur,
    /// The first touch of an OS page (4 KiB) the process never used, or one the scavenger
    /// released: a minor fault, the kernel zeroing the page. From gcsteady between GC cycles
    /// (GOMAXPROCS=2): Green Tea, which writes each new 8 KiB span's inline mark bits on its
    /// last page, allocates 128 B objects into never-used memory at 39 ns each against
    /// classic's 15 ns, which touches nothing there: 24 ns × 64 objects per fault.
    pub page_fault: Dur,
    /// `copystack`: copying 1 KiB of a goroutine's stack to its new, doubled stack (memmove
    /// plus adjusting the pointers into it).
    pub stack_copy_per_kib: Dur,
    /// Work inside each GC stop-the-world once every P has stopped (finishsweep, root prep…).
    pub gc_stw_work: Dur,
}

impl Default for Costs {
    fn default() -> Self {
        use crate::units::Dur as D;
        Costs {
            g_switch: D(25),
            g_migrate: D(200),
            find_runnable: D(15),
            steal_probe: D(40),
            sched_lock: D(10),
            sched_lock_transfer: D(60),
            timer_slack: D(50_000),
            sleep_overhead: D(22_000),
            futex_wake: D(2_500),
            new_thread: D(30_000),
            signal_delivery: D(3_000),
            syscall_overhead: D(200),
            newproc: D(1_200),
            sync_op: D(50),
            goready: D(100),
            netpoll: D(2_000),
            mark_per_kib_greentea: D(1_053),
            mark_per_kib_classic: D(2_090),
            sweep_per_page: D(10),
            sweep_free_per_page: D(390),
            mark_alloc_per_object: D(12),
            write_barrier_per_pointer: D(10),
            write_barrier_contended: D(15),
            scavenge_per_page: D(1_000),
            zero_per_kib: D(72),
            mark_zero_per_kib: D(104),
            page_fault: D(1_500),
            stack_copy_per_kib: D(150),
            gc_stw_work: D(15_000),
        }
    }
}

/// `[limits]`: resource limits enforced with a clear message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub max_events: u64,
    pub max_goroutines: u64,
    /// `debug.SetMaxThreads`; Go's default is 10000 and exceeding it is fatal.
    pub max_threads: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: 2_000_000_000,
            max_goroutines: 10_000_000,
            max_threads: 10_000,
        }
    }
}

/// `[machine]`: the hardware and the container the process runs in (`models::machine`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MachineCfg {
    pub numa_nodes: u32,
    /// Unset: `runtime.gomaxprocs` (or `runtime.cpus`) spread over the nodes.
    pub cores_per_node: Option<u32>,
    /// Hardware threads per core; the CPU count is `numa_nodes × cores_per_node × smt`.
    pub smt: u32,
    /// How much longer CPU work takes when its memory is on another node. Default 1.4: remote
    /// DRAM latency is 1.4–1.5× local on two-socket Xeons (Intel Memory Latency Checker
    /// figures in Lepers et al., "Thread and Memory Placement on NUMA Systems", USENIX ATC '15).
    pub remote_access_factor: f64,
    /// cgroup CPU quota in CPUs (`cpu.max` = quota/period); unset: no quota.
    pub cpu_quota: Option<f64>,
    /// cgroup CFS bandwidth period (`cpu.cfs_period_us`, 100 ms by default in Linux).
    pub cpu_period: Dur,
    /// The CFS time slice a runnable thread gets when threads outnumber CPUs
    /// (`sched_min_granularity_ns`: 3 ms on a typical 8+-CPU host).
    pub kernel_timeslice: Dur,
    /// How much the per-byte GC mark cost falls, as a fraction of its cost on a 64 MiB heap
    /// (`costs.mark_per_kib_*`), each time the reachable heap halves: smaller heaps' random
    /// pointer loads hit cache and the TLB more. 0.165 is fitted on every published
    /// pointerful gcsteady build cycle of Go (3-66 MiB; 0.15 Green Tea, 0.18 classic); see
    /// `gc::locality`. 0 turns it off.
    pub mark_cost_per_doubling: f64,
    /// Reachable heaps smaller than this mark at its per-byte cost (all of it in cache).
    pub mark_cache_floor: Bytes,
}

impl Default for MachineCfg {
    fn default() -> Self {
        MachineCfg {
            numa_nodes: 1,
            cores_per_node: None,
            smt: 1,
            remote_access_factor: 1.4,
            cpu_quota: None,
            cpu_period: Dur(100_000_000),
            kernel_timeslice: Dur(3_000_000),
            mark_cost_per_doubling: 0.165,
            mark_cache_floor: Bytes(2 << 20),
        }
    }
}

/// `[sched]`: scheduler variants none of the real runtimes implement.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedCfg {
    /// NUMA-aware stealing, `wakep` and `startm` (not Go's behaviour; the Go NUMA-aware
    /// scheduler design discussion): own node's Ps first in `stealWork`, an idle P last run on
    /// the waker's node in `wakep`, and an idle M last run on the P's node in `startm`.
    pub numa_aware: bool,
}

/// The mark loop: Green Tea (Go 1.26+ default) or classic (`GOEXPERIMENT=nogreenteagc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkFlavor {
    Greentea,
    Classic,
}

/// `[gc]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GcCfg {
    /// Unset: Green Tea for Go 1.26+, classic before.
    pub mark: Option<MarkFlavor>,
    /// `globalsScan`: data + bss of the binary.
    pub globals: Bytes,
    /// Stack bytes the GC scans per goroutine (`hi − sp`; 167–268 B measured for parked Gs).
    pub stack_scan_per_goroutine: Bytes,
    /// Non-heap memory of the runtime (metadata, OS stacks), counted against GOMEMLIMIT.
    pub runtime_overhead: Bytes,
    /// Starting goroutine stack size (2 KiB; `adaptivestackstart` kept it there in the
    /// reference runs).
    pub stack_start: Bytes,
}

impl Default for GcCfg {
    fn default() -> Self {
        GcCfg {
            mark: None,
            globals: Bytes(32 << 10),
            stack_scan_per_goroutine: Bytes(200),
            runtime_overhead: Bytes(4 << 20),
            stack_start: Bytes(2048),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseCfg {
    pub name: String,
    /// Simulated time at which the phase starts.
    pub at: Dur,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelCfg {
    pub name: String,
    /// Buffer size; 0 is an unbuffered channel.
    #[serde(default)]
    pub capacity: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedCfg {
    pub name: String,
}

/// A class of goroutines sharing one program.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoroutineClass {
    pub name: String,
    /// How many main starts at `start` (0: only spawned by programs or sources).
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub start: Dur,
    pub program: Vec<Op>,
}

/// Arrival process of an open-loop source.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Process {
    Poisson,
    Constant,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalSource {
    pub name: String,
    pub rate: Rate,
    #[serde(default = "default_process")]
    pub process: Process,
    #[serde(default)]
    pub start: Dur,
    /// When arrivals stop (default: never).
    #[serde(default)]
    pub stop: Option<Dur>,
    /// The handler's program.
    pub program: Vec<Op>,
}

fn default_process() -> Process {
    Process::Poisson
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSource {
    pub name: String,
    pub count: u64,
    /// Think time between a response and the next request.
    #[serde(default)]
    pub think: DurDist,
    #[serde(default)]
    pub start: Dur,
    pub program: Vec<Op>,
}

/// How long a heap allocation lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Lifetime {
    /// Until the request this goroutine serves completes (or the goroutine exits).
    Request,
    /// Until the goroutine exits.
    Goroutine,
    /// Never freed: a leak.
    Forever,
    /// A sampled duration.
    For(DurDist),
}

/// A distribution over durations, sizes or counts. Shorthand: a plain value is a constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist<T> {
    Const(T),
    Uniform {
        min: T,
        max: T,
    },
    Exp {
        mean: T,
    },
    /// Normal truncated at 0.
    Normal {
        mean: T,
        stddev: T,
    },
    /// Lognormal with the given mean and standard deviation of the value itself.
    LogNormal {
        mean: T,
        stddev: T,
    },
    /// Weighted choice among values.
    Empirical {
        values: Vec<T>,
        weights: Vec<f64>,
    },
}

pub type DurDist = Dist<Dur>;
pub type SizeDist = Dist<Bytes>;
pub type CountDist = Dist<u64>;

impl<T: Default> Default for Dist<T> {
    fn default() -> Self {
        Dist::Const(T::default())
    }
}

/// How many times a `repeat` body runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    N(u64),
    Forever,
}

/// One operation of a goroutine's program (`op = "..."`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// Run on the CPU. `calls_every`: spacing of function calls, whose prologues are the
    /// cooperative preemption points (`"none"` for a tight loop without calls).
    /// `nonpreemptible`: no asynchronous safe point either (e.g. zeroing a huge allocation).
    Compute {
        /// CPU time of one unit of work (sampled once per op).
        time: DurDist,
        /// How many units run back to back (a loop of equal work units, like a benchmark's
        /// inner loop); the op takes `units × time`.
        #[serde(default = "default_units")]
        units: u64,
        /// Call `runtime.Gosched()` after every `yield_every` units (0: never).
        #[serde(default)]
        yield_every: u64,
        #[serde(default)]
        calls_every: Option<CallsEvery>,
        #[serde(default)]
        nonpreemptible: bool,
    },
    /// Allocate `count` objects of `size` bytes on the heap (`mallocgc`).
    Alloc {
        size: SizeDist,
        #[serde(default = "default_count")]
        count: CountDist,
        #[serde(default = "default_lifetime")]
        lifetime: Lifetime,
        /// Fraction of the bytes the GC scans (scan work for the pacer, `heapScan`: Go scans
        /// an object up to its last pointer word); `true` is 1, `false` 0.
        #[serde(default, deserialize_with = "super::de::fraction")]
        scan: f64,
        /// Fraction of the scanned bytes that are pointer words, which is what marking's CPU
        /// pays for (default 1). A `[][]byte` (24 B slice headers) is `scan = 1`,
        /// `pointers = 0.333`.
        #[serde(default = "default_pointers")]
        pointers: f64,
        /// The program writes the objects (default). `false` for memory it allocates and
        /// never touches: where the heap grows into never-used pages, those pages then never
        /// fault in (`costs.page_fault`).
        #[serde(default = "default_true")]
        written: bool,
    },
    /// `sync.Pool.Get` of an object of at least `size` bytes: a pooled object is reused (no
    /// allocation); an empty pool, or a pooled object smaller than `size` (which the caller
    /// drops and replaces, as `bytes.Buffer` growth does), allocates `size` bytes. The
    /// goroutine holds the object until `pool_put` or until it exits.
    PoolGet {
        pool: String,
        size: SizeDist,
        #[serde(default, deserialize_with = "super::de::fraction")]
        scan: f64,
    },
    /// `sync.Pool.Put` of the object this goroutine got last from `pool`. With `max_size`, an
    /// object larger than it is dropped instead (the `if cap(buf) > max { return }` guard).
    PoolPut {
        pool: String,
        #[serde(default)]
        max_size: Option<Bytes>,
    },
    /// A blocking system call (`entersyscall` … `exitsyscall`) that stays `time` in the kernel.
    /// `timed = true`: a timed kernel sleep (`nanosleep`), which also pays the timer slack.
    Syscall {
        time: DurDist,
        #[serde(default)]
        timed: bool,
    },
    /// `write(2)` of one byte to a pipe: a short syscall that wakes a thread blocked reading it.
    PipeWrite {
        pipe: String,
    },
    /// Blocking `read(2)` of one byte from a pipe: the M blocks in the kernel until a byte is
    /// there (the P is retaken by sysmon like any syscall).
    PipeRead {
        pipe: String,
    },
    /// Wait on a network socket through the netpoller (`gopark` with `IO wait`).
    Io {
        time: DurDist,
    },
    /// `time.Sleep`.
    Sleep {
        time: DurDist,
    },
    /// Sleep until the goroutine's pace origin + n × `every` (n counts the G's `pace` ops since
    /// its last `phase` op or its start), or not at all when that time has passed: a loop
    /// paced to a rate that catches up when it falls behind, like
    /// `time.Sleep(time.Until(t0.Add(n * every)))` (realgo gcsteady's `-rate`).
    Pace {
        every: Dur,
    },
    /// `runtime.Gosched()`.
    Gosched,
    /// `go f()` for `count` goroutines of `class`.
    Spawn {
        class: String,
        #[serde(default = "default_count_u64")]
        count: u64,
    },
    Send {
        chan: String,
    },
    Recv {
        chan: String,
    },
    Close {
        chan: String,
    },
    Lock {
        mutex: String,
    },
    Unlock {
        mutex: String,
    },
    WgAdd {
        wg: String,
        #[serde(default = "default_count_i64")]
        n: i64,
    },
    WgDone {
        wg: String,
    },
    WgWait {
        wg: String,
    },
    /// Loop over `body` `n` times (`n = "forever"` loops until the run ends).
    Repeat {
        n: Times,
        body: Vec<Op>,
    },
    /// Start timing here: the next `respond` records the time since this op as a request
    /// latency (to time a span inside a goroutine, like a benchmark's `time.Since`).
    Begin,
    /// The request this goroutine serves is complete (latency is measured to here, or to
    /// the goroutine's exit when there is no `respond`).
    Respond,
    /// Start the named phase now (like the reference programs' `PHASE` markers).
    Phase {
        name: String,
    },
    /// The goroutine's frames reach `size` bytes of stack (deep recursion, big frames) and
    /// return: `newstack` doubles its stack until it fits, copying it each time.
    Stack {
        size: Bytes,
    },
    /// `runtime.GC()`: start a cycle (after any running one) and wait for its mark to end,
    /// then finish its sweep.
    Gc,
    /// `debug.SetGCPercent(gogc)`: a new GOGC (a percentage or "off") from now on.
    SetGcPercent {
        gogc: Gogc,
    },
    /// `debug.SetMemoryLimit(limit)`: a new GOMEMLIMIT (a size or "off") from now on.
    SetMemoryLimit {
        limit: MemLimit,
    },
    /// `runtime.GOMAXPROCS(n)`: stop the world and resize to `n` Ps.
    Gomaxprocs {
        n: u32,
    },
    /// The goroutine exits (`goexit`).
    Exit,
}

/// Cooperative preemption point spacing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CallsEvery {
    Every(Dur),
    None,
}

fn default_units() -> u64 {
    1
}
fn default_count() -> CountDist {
    Dist::Const(1)
}
fn default_count_u64() -> u64 {
    1
}
fn default_count_i64() -> i64 {
    1
}
fn default_pointers() -> f64 {
    1.0
}
fn default_lifetime() -> Lifetime {
    Lifetime::Request
}
