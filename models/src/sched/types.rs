//! G, M and P: plain data, addressed by index handles (`runtime2.go`'s `g`, `m`, `p`).

use sim_core::Nanos;

/// Index of a goroutine in `World::gs` (not its goid).
pub type GId = u32;
/// Index of a P in `allp` (equal to its id).
pub type PId = u32;
/// Index of an M in `World::ms` (equal to its id).
pub type MId = u32;
/// "No G/M/P" (the runtime's nil).
pub const NIL: u32 = u32::MAX;

/// Size of a P's local run queue ring (`len(p.runq)`).
pub const RUNQ_SIZE: u32 = 256;

/// G states of `runtime2.go` (values as printed by scheddetail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GStatus {
    Idle = 0,
    Runnable = 1,
    Running = 2,
    Syscall = 3,
    Waiting = 4,
    Dead = 6,
}

/// Why a G is parked (`waitReason`); kept after the G is readied, as the runtime does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitReason {
    None,
    Sleep,
    IoWait,
    ChanReceive,
    ChanSend,
    MutexLock,
    WaitGroup,
    StoppingTheWorld,
    Preempted,
    GcAssistWait,
    GcWorkerIdle,
    ForceGcIdle,
    GcSweepWait,
    GcMarkWait,
    Semacquire,
    Forever,
}

impl WaitReason {
    /// The runtime's `waitReasonStrings` entry.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::None => "",
            WaitReason::Sleep => "sleep",
            WaitReason::IoWait => "IO wait",
            WaitReason::ChanReceive => "chan receive",
            WaitReason::ChanSend => "chan send",
            WaitReason::MutexLock => "sync.Mutex.Lock",
            WaitReason::WaitGroup => "sync.WaitGroup.Wait",
            WaitReason::StoppingTheWorld => "stopping the world",
            WaitReason::Preempted => "preempted",
            WaitReason::GcAssistWait => "GC assist wait",
            WaitReason::GcWorkerIdle => "GC worker (idle)",
            WaitReason::ForceGcIdle => "force gc (idle)",
            WaitReason::GcSweepWait => "GC sweep wait",
            WaitReason::GcMarkWait => "GC mark termination",
            WaitReason::Semacquire => "semacquire",
            WaitReason::Forever => "chan receive (nil chan)",
        }
    }
}

/// What a running G is doing on its CPU right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// When the current uninterrupted CPU piece started.
    pub start: Nanos,
    /// Spacing of cooperative preemption points (function prologues); `None`: no calls.
    pub calls_every: Option<Nanos>,
    /// No asynchronous safe point either.
    pub nonpreemptible: bool,
}

/// Maximum nesting of `repeat` loops in a program.
pub const MAX_LOOP_DEPTH: usize = 8;

/// A goroutine.
#[derive(Clone, Debug)]
pub struct G {
    pub goid: u64,
    pub status: GStatus,
    pub wait_reason: WaitReason,
    /// Goroutine class (index into the compiled programs).
    pub class: u16,
    /// Program counter into the class's instruction list.
    pub pc: u32,
    /// Remaining iterations of the enclosing `repeat` loops (innermost last).
    pub loops: [u64; MAX_LOOP_DEPTH],
    pub depth: u8,
    /// CPU nanoseconds still to run before the current instruction takes effect.
    pub remaining: Nanos,
    /// The current instruction's cost was already sampled.
    pub op_started: bool,
    /// Remaining repetitions inside the current instruction (spawn count, work units).
    pub op_iter: u64,
    /// A partly done allocation's sampled object size and lifetime: the rest of the batch
    /// allocates the same objects.
    pub op_alloc: (u64, Nanos),
    /// The current compute piece ends with a `runtime.Gosched()`.
    pub op_yield: bool,
    pub seg: Segment,
    /// `gp.preempt`: a preemption was requested.
    pub preempt: bool,
    /// Invalidates events scheduled for this G when it stops running (cancellation by epoch).
    pub epoch: u32,
    /// The M running it (`gp.m`).
    pub m: MId,
    /// The P it last ran on (for the migration cost).
    pub last_p: PId,
    /// When it last became runnable (for scheduling latency).
    pub runnable_since: Nanos,
    /// When its current run on a CPU started.
    pub run_start: Nanos,
    /// The request it serves: arrival time, or `u64::MAX` for none.
    pub req_start: Nanos,
    /// Closed-loop client that waits for this handler, or NIL.
    pub client: u32,
    /// Sync object being waited on and its direction (for channels).
    pub waiting_on: u32,
    /// Stack size in bytes (`stack.hi - stack.lo`).
    pub stack_bytes: u64,
    /// Index of its record in `Stats::records`, or `u32::MAX`.
    pub rec: u32,
    /// `gcAssistBytes`: allocation credit (negative: debt) during a mark phase.
    pub assist_bytes: i64,
    /// Heap bytes (and scannable bytes) it holds until its request completes / it exits.
    pub owned_req: (u64, crate::heap::Scan),
    pub owned_g: (u64, crate::heap::Scan),
    /// Scan work of the assist it is performing (left to do, and in the current piece).
    pub assist_pending: i64,
    pub assist_piece: i64,
    /// The allocating G's own CPU for its last `mallocgc` batch (sweep credit or
    /// allocate-black), run after the assist that batch owes.
    pub alloc_cpu_after: Nanos,
    /// `pace` op: the origin (creation or last `phase` op) and the paces done since.
    pub pace_origin: Nanos,
    pub pace_n: u64,
}

impl G {
    pub fn new(goid: u64, class: u16) -> Self {
        G {
            goid,
            status: GStatus::Idle,
            wait_reason: WaitReason::None,
            class,
            pc: 0,
            loops: [0; MAX_LOOP_DEPTH],
            depth: 0,
            remaining: 0,
            op_started: false,
            op_iter: 0,
            op_alloc: (0, 0),
            op_yield: false,
            seg: Segment {
                start: 0,
                calls_every: None,
                nonpreemptible: false,
            },
            preempt: false,
            epoch: 0,
            m: NIL,
            last_p: NIL,
            runnable_since: 0,
            run_start: 0,
            req_start: u64::MAX,
            client: NIL,
            waiting_on: NIL,
            stack_bytes: 2048,
            rec: u32::MAX,
            assist_bytes: 0,
            owned_req: Default::default(),
            owned_g: Default::default(),
            assist_pending: 0,
            assist_piece: 0,
            alloc_cpu_after: 0,
            pace_origin: 0,
            pace_n: 0,
        }
    }
}

/// P states of `runtime2.go`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PStatus {
    Idle = 0,
    Running = 1,
    /// Go ≤ 1.25 only: its G is in a syscall and the P is not owned.
    Syscall = 2,
    GcStop = 3,
    Dead = 4,
}

/// sysmon's last observation of a P (`sysmontick`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SysmonTick {
    pub schedtick: u32,
    pub schedwhen: Nanos,
    pub syscalltick: u32,
    pub syscallwhen: Nanos,
}

/// A timer in a P's heap: fires at `when` and readies goroutine `g` (`goroutineReady`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timer {
    pub when: Nanos,
    pub seq: u64,
    pub g: GId,
}

/// What a P is doing, for utilisation accounting and the P-state timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PActivity {
    User,
    Scheduler,
    Idle,
    Syscall,
    Stopped,
}

/// A processor.
#[derive(Clone, Debug)]
pub struct P {
    pub id: PId,
    pub status: PStatus,
    pub m: MId,
    /// The M this P last ran on (`p.oldm`); 1.26+ start-the-world gives it back to the P.
    pub oldm: MId,
    pub runq: [GId; RUNQ_SIZE as usize],
    pub runqhead: u32,
    pub runqtail: u32,
    pub runnext: GId,
    pub schedtick: u32,
    pub syscalltick: u32,
    pub sysmontick: SysmonTick,
    /// Min-heap of timers (the runtime uses a 4-ary heap; the order of firing is the same).
    pub timers: std::collections::BinaryHeap<std::cmp::Reverse<Timer>>,
    /// `p.preempt`.
    pub preempt: bool,
    /// sysmon's tick count when this P's G last entered a syscall.
    pub syscall_enter_tick: u64,
    /// Number of dead Gs cached (`gFree.n`), for scheddetail.
    pub gfreecnt: u32,
    /// goid cache (`goidcache`, `goidcacheend`).
    pub goidcache: u64,
    pub goidcacheend: u64,
    /// Accounting: current activity and since when; accumulated busy time.
    pub activity: PActivity,
    pub activity_since: Nanos,
    pub user_ns: Nanos,
    pub sched_ns: Nanos,
    pub syscall_ns: Nanos,
}

impl P {
    pub fn new(id: PId) -> Self {
        P {
            id,
            status: PStatus::Idle,
            m: NIL,
            oldm: NIL,
            runq: [NIL; RUNQ_SIZE as usize],
            runqhead: 0,
            runqtail: 0,
            runnext: NIL,
            schedtick: 0,
            syscalltick: 0,
            sysmontick: SysmonTick::default(),
            timers: Default::default(),
            preempt: false,
            syscall_enter_tick: 0,
            gfreecnt: 0,
            goidcache: 0,
            goidcacheend: 0,
            activity: PActivity::Idle,
            activity_since: 0,
            user_ns: 0,
            sched_ns: 0,
            syscall_ns: 0,
        }
    }

    /// `runqsize` as schedtrace prints it: the ring only, not `runnext`.
    #[inline]
    pub fn runq_len(&self) -> u32 {
        self.runqtail.wrapping_sub(self.runqhead)
    }

    /// `runqempty`.
    #[inline]
    pub fn runq_empty(&self) -> bool {
        self.runqhead == self.runqtail && self.runnext == NIL
    }

    /// Earliest timer, if any.
    #[inline]
    pub fn next_timer(&self) -> Option<Nanos> {
        self.timers.peek().map(|t| t.0.when)
    }
}

/// What an M is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MState {
    /// Has a P; running a G or the scheduler.
    Running,
    /// Woken (or being created) with `nextp` set; will run `schedule` when the wake lands.
    Waking,
    /// Parked on `sched.midle`.
    Idle,
    /// Blocked in a syscall with its G.
    Syscall,
    /// Blocked in `netpoll` (at most one M).
    Netpoll,
    /// sleeping in `usleep(3)` before stealing a victim's `runnext`.
    StealSleep,
}

/// An OS thread.
#[derive(Clone, Debug)]
pub struct M {
    pub id: MId,
    pub state: MState,
    pub p: PId,
    pub nextp: PId,
    /// The P it had when entering a syscall (`m.oldp`).
    pub oldp: PId,
    pub curg: GId,
    pub spinning: bool,
    /// Invalidates scheduled wake events (cancellation by epoch).
    pub epoch: u32,
    /// A SIGURG is in flight (`m.signalPending`).
    pub signal_pending: bool,
    /// When it started spinning (for the spinning-time counter).
    pub spin_since: Nanos,
    /// The P whose `runnext` it will try to steal after `usleep(3)`.
    pub steal_victim: PId,
}

impl M {
    pub fn new(id: MId) -> Self {
        M {
            id,
            state: MState::Idle,
            p: NIL,
            nextp: NIL,
            oldp: NIL,
            curg: NIL,
            spinning: false,
            epoch: 0,
            signal_pending: false,
            spin_since: 0,
            steal_victim: NIL,
        }
    }
}
