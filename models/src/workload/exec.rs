//! The goroutine program interpreter: runs a G's instructions on its M, turning CPU work into
//! timed pieces and blocking operations into the runtime calls they make (`gopark`, `goready`,
//! `entersyscall`, `Gosched`, `newproc`, `goexit0`).

use super::program::{Instr, Life};
use crate::gc::cycle::Hold;
use crate::sched::types::*;
use crate::sim::{Ev, StwKind, World};
use sim_core::{Nanos, StopReason};

/// What an instruction asks the runtime to do (sampled values included).
#[derive(Clone, Copy)]
enum Action {
    /// CPU time, units left after this piece, Gosched after it, call spacing, non-preemptible.
    Cpu(Nanos, u64, bool, Option<Nanos>, bool),
    Next,
    /// A multi-step instruction (an allocation that assisted) is complete.
    Done,
    /// (size, count, scannable fraction, pointer fraction of that, written, lifetime).
    Alloc(u64, u64, f64, f64, bool, Hold),
    /// `sync.Pool.Get` (pool, size, scan) and `Put` (pool, max size).
    PoolGet(u32, u64, f64),
    PoolPut(u32, u64),
    /// Nothing more to do for this instruction.
    Advance,
    Syscall(Nanos),
    PipeWrite(u32),
    PipeRead(u32),
    Io(Nanos),
    Sleep(Nanos),
    Pace(Nanos),
    Gosched,
    Spawn(u16, u64),
    Send(u32),
    Recv(u32),
    Close(u32),
    Lock(u32),
    Unlock(u32),
    WgAdd(u32, i64),
    WgWait(u32),
    Loop(u64, u32),
    LoopEnd(u32),
    Respond,
    Begin,
    Phase(u16),
    Gomaxprocs(u32),
    Stack(u64),
    Gc,
    SetGcPercent(i32),
    SetMemoryLimit(i64),
    Exit,
}

/// Guard against programs that loop forever without consuming time.
const MAX_ZERO_TIME_STEPS: u32 = 1_000_000;

impl World {
    /// The running G's CPU piece is over: finish the current instruction and go on.
    pub fn cpu_done(&mut self, g: GId, now: Nanos) {
        self.gs[g as usize].remaining = 0;
        match self.gs[g as usize].class {
            crate::gc::cycle::GC_WORKER_CLASS => return self.gc_worker_step(g, now),
            crate::gc::cycle::FORCEGC_CLASS => return self.forcegc_step(g, now),
            crate::gc::sweep::BGSWEEP_CLASS => return self.bgsweep_step(g, now),
            _ => {}
        }
        self.run_program(g, now);
    }

    /// Starts a CPU piece of `ns` for the running G.
    pub(crate) fn start_piece(
        &mut self,
        g: GId,
        ns: Nanos,
        calls_every: Option<Nanos>,
        nonpreemptible: bool,
        now: Nanos,
    ) {
        let gg = &mut self.gs[g as usize];
        gg.remaining = ns;
        gg.seg = Segment {
            start: now,
            calls_every,
            nonpreemptible,
        };
        gg.epoch = gg.epoch.wrapping_add(1);
        self.run_piece(g, true);
    }

    /// Decodes the instruction at the G's pc into an [`Action`], sampling what it needs.
    fn decode(&mut self, g: GId) -> Action {
        let gg = &self.gs[g as usize];
        let class = gg.class as usize;
        let started = gg.op_started;
        let rng = &mut self.class_rng[class];
        match &self.programs[class].instrs[gg.pc as usize] {
            Instr::Compute {
                time,
                units,
                yield_every,
                calls_every,
                nonpreemptible,
            } => {
                if started {
                    Action::Next
                } else {
                    // Units left in this op (set on first entry); a piece runs up to the next
                    // Gosched point.
                    let left = if gg.op_iter == 0 { *units } else { gg.op_iter };
                    let chunk = if *yield_every == 0 {
                        left
                    } else {
                        left.min(*yield_every)
                    };
                    let per_unit = time.sample(rng);
                    let yields = *yield_every > 0 && (units - left + chunk) % *yield_every == 0;
                    Action::Cpu(
                        per_unit.saturating_mul(chunk),
                        left - chunk,
                        yields,
                        *calls_every,
                        *nonpreemptible,
                    )
                }
            }
            Instr::Alloc {
                size,
                count,
                life,
                scan,
                ptrs,
                written,
            } => {
                if started {
                    // The assist (or the GC start) this allocation caused is over.
                    return Action::Done;
                }
                // A partly done allocation resumes with the objects still to allocate, of
                // the size and lifetime sampled for the batch.
                let (n, (sz, d)) = if gg.op_iter > 0 {
                    (gg.op_iter, gg.op_alloc)
                } else {
                    let n = count.sample(rng);
                    let sz = size.sample(rng);
                    let d = match life {
                        Life::For(d) => d.sample(rng),
                        _ => 0,
                    };
                    (n, (sz, d))
                };
                let hold = match life {
                    Life::Request => Hold::Request,
                    Life::Goroutine => Hold::Goroutine,
                    Life::Forever => Hold::Forever,
                    Life::For(_) => Hold::Until(d),
                };
                let (scan, ptrs) = (*scan, *ptrs);
                self.gs[g as usize].op_alloc = (sz, d);
                Action::Alloc(sz, n, scan, ptrs, *written, hold)
            }
            Instr::PoolGet { pool, size, scan } => {
                if started {
                    // The miss's allocation caused an assist or a GC start, now over.
                    return Action::Done;
                }
                Action::PoolGet(*pool, size.sample(rng), *scan)
            }
            Instr::PoolPut { pool, max_size } => Action::PoolPut(*pool, *max_size),
            Instr::Syscall { time, timed } => {
                let d = time.sample(rng);
                // A timed kernel sleep pays the timer slack like any timed wait.
                Action::Syscall(if *timed {
                    d + self.costs.timer_slack.0 + self.costs.sleep_overhead.0
                } else {
                    d
                })
            }
            Instr::PipeWrite(x) => Action::PipeWrite(*x),
            Instr::PipeRead(x) => Action::PipeRead(*x),
            Instr::Io { time } => Action::Io(time.sample(rng)),
            Instr::Sleep { time } => Action::Sleep(time.sample(rng)),
            Instr::Pace(every) => Action::Pace(*every),
            Instr::Gosched => Action::Gosched,
            Instr::Spawn { class, count } => Action::Spawn(*class, *count),
            Instr::Send(c) => Action::Send(*c),
            Instr::Recv(c) => Action::Recv(*c),
            Instr::Close(c) => Action::Close(*c),
            Instr::Lock(x) => Action::Lock(*x),
            Instr::Unlock(x) => Action::Unlock(*x),
            Instr::WgAdd(w, n) => Action::WgAdd(*w, *n),
            Instr::WgDone(w) => Action::WgAdd(*w, -1),
            Instr::WgWait(w) => Action::WgWait(*w),
            Instr::Loop { n, end } => Action::Loop(
                match n {
                    crate::scenario::Times::N(k) => *k,
                    crate::scenario::Times::Forever => u64::MAX,
                },
                *end,
            ),
            Instr::LoopEnd { start } => Action::LoopEnd(*start),
            Instr::Respond => Action::Respond,
            Instr::Begin => Action::Begin,
            Instr::Phase(i) => Action::Phase(*i),
            Instr::Gomaxprocs(n) => Action::Gomaxprocs(*n),
            Instr::Stack(b) => Action::Stack(*b),
            Instr::Gc => Action::Gc,
            Instr::SetGcPercent(p) => Action::SetGcPercent(*p),
            Instr::SetMemoryLimit(l) => Action::SetMemoryLimit(*l),
            Instr::Exit => Action::Exit,
        }
    }

    /// Runs the G's program from its pc until it consumes CPU, blocks, yields or exits.
    pub fn run_program(&mut self, g: GId, now: Nanos) {
        let mut steps = 0u32;
        loop {
            steps += 1;
            if steps > MAX_ZERO_TIME_STEPS {
                let name = self.programs[self.gs[g as usize].class as usize]
                    .name
                    .clone();
                self.stop = Some(StopReason::ResourceLimit(format!(
                    "goroutine class `{name}` loops without consuming time (a `repeat` whose body takes no CPU)"
                )));
                return;
            }
            // Every op boundary is a function call: a cooperative preemption point.
            if self.gs[g as usize].preempt {
                self.stats.preempt_sync += 1;
                self.gopreempt_m(g, now);
                return;
            }
            let started = self.gs[g as usize].op_started;
            let m = self.gs[g as usize].m;
            let p = self.ms[m as usize].p;
            let act = match self.decode(g) {
                // A pool miss allocates like `alloc` with lifetime "goroutine".
                Action::PoolGet(pool, size, scan) => match self.pool_get(g, pool, size, scan) {
                    true => Action::Advance,
                    false => Action::Alloc(size, 1, scan, 1.0, true, Hold::Goroutine),
                },
                a => a,
            };
            match act {
                // (PoolGet was turned into Advance or Alloc above.)
                Action::Advance | Action::PoolGet(..) => self.advance(g),
                Action::PoolPut(pool, max) => {
                    self.pool_put(g, pool, max);
                    self.advance(g);
                }
                Action::Cpu(ns, left, yields, calls, nonpre) => {
                    let gg = &mut self.gs[g as usize];
                    gg.op_started = true;
                    gg.op_yield = yields;
                    // op_iter = units still to run after this piece (+1 so 0 means "fresh").
                    gg.op_iter = left + 1;
                    if ns > 0 {
                        self.start_piece(g, ns, calls, nonpre, now);
                        return;
                    }
                }
                Action::Next => {
                    // A compute piece finished: more units, a Gosched, or the next op.
                    let gg = &mut self.gs[g as usize];
                    let (left, yields) = (gg.op_iter.saturating_sub(1), gg.op_yield);
                    gg.op_started = false;
                    gg.op_yield = false;
                    gg.op_iter = left;
                    if left == 0 {
                        gg.pc += 1;
                    }
                    if yields {
                        self.stats.gosched += 1;
                        self.gosched_impl(g, now);
                        return;
                    }
                }
                Action::Done => match self.gc_assist_done(g, now) {
                    crate::gc::cycle::AssistNext::Continue(ns) => {
                        let calls = Some(super::program::DEFAULT_CALLS_EVERY);
                        self.start_piece(g, ns, calls, false, now);
                        return;
                    }
                    crate::gc::cycle::AssistNext::MarkDone => {
                        // Its assist finished the mark work: gcMarkDone. The op stays started:
                        // after mark termination the G resumes here (`Done` again), runs the
                        // batch's own CPU and moves on.
                        self.g_stops(g, now);
                        self.gc_mark_done(g, now);
                        return;
                    }
                    crate::gc::cycle::AssistNext::Done => {
                        if self.run_alloc_cpu_after(g, now) {
                            return;
                        }
                        self.alloc_next(g);
                    }
                },
                Action::Alloc(size, n, scan, ptrs, written, hold) => {
                    let hold = match hold {
                        Hold::Until(d) => Hold::Until(now.saturating_add(d)),
                        h => h,
                    };
                    let a = self.mallocgc(g, size, n, (scan, ptrs, written), hold, now);
                    let (assist, start, done) = (a.assist, a.start, a.objects);
                    // The G's own allocation CPU runs once what this batch caused (an assist,
                    // a park on the assist queue, a GC start or mark termination) is over.
                    let gg = &mut self.gs[g as usize];
                    gg.alloc_cpu_after += a.own;
                    gg.op_started = true;
                    // Objects still to allocate: the trigger or the G's assist credit was
                    // reached part-way. They follow what this part caused (`alloc_next`).
                    gg.op_iter = n - done;
                    if start {
                        // After gcStart the op resumes with the rest (if any).
                        if done < n {
                            self.gs[g as usize].op_started = false;
                        }
                        // mallocgc → gcStart: this G stops the world for sweep termination and
                        // resumes after it.
                        self.g_stops(g, now);
                        self.gc_start(g, now);
                        return;
                    }
                    if self.gc.mark_complete() {
                        // Its assist finished the mark work: gcMarkDone.
                        self.g_stops(g, now);
                        self.gc_mark_done(g, now);
                        return;
                    }
                    if assist == crate::gc::cycle::ASSIST_PARK {
                        // No mark work to take: wait on the assist queue for background credit
                        // (`park_and_schedule` reports the G's stop).
                        self.gc_park_assist(g);
                        self.park_and_schedule(m, now);
                        return;
                    }
                    if assist > 0 {
                        self.obs(now, crate::obs::Hook::Assist { g, start: true });
                        self.start_piece(
                            g,
                            assist,
                            Some(super::program::DEFAULT_CALLS_EVERY),
                            false,
                            now,
                        );
                        return;
                    }
                    if self.run_alloc_cpu_after(g, now) {
                        return;
                    }
                    self.alloc_next(g);
                }
                Action::Syscall(d) => {
                    if !started {
                        self.gs[g as usize].op_started = true;
                        let c = self.costs.syscall_overhead.0;
                        self.start_piece(g, c, None, true, now);
                        return;
                    }
                    self.advance(g);
                    self.entersyscall(g, Some(d), now);
                    return;
                }
                Action::PipeWrite(x) => {
                    if !started {
                        self.gs[g as usize].op_started = true;
                        let c = self.costs.syscall_overhead.0;
                        self.start_piece(g, c, None, true, now);
                        return;
                    }
                    self.advance(g);
                    let pipe = &mut self.sync.pipes[x as usize];
                    if let Some(r) = pipe.readers.pop_front() {
                        // The kernel hands the byte to the thread blocked in read(2) and wakes it.
                        let t = now + self.costs.futex_wake.0;
                        self.at(t, Ev::SyscallDone { g: r });
                    } else {
                        pipe.bytes += 1;
                    }
                }
                Action::PipeRead(x) => {
                    if !started {
                        self.gs[g as usize].op_started = true;
                        let c = self.costs.syscall_overhead.0;
                        self.start_piece(g, c, None, true, now);
                        return;
                    }
                    self.advance(g);
                    let pipe = &mut self.sync.pipes[x as usize];
                    if pipe.bytes > 0 {
                        pipe.bytes -= 1;
                    } else {
                        // Blocks in the kernel: the M sleeps in the syscall until a write.
                        pipe.readers.push_back(g);
                        self.entersyscall(g, None, now);
                        return;
                    }
                }
                Action::Io(d) => {
                    self.advance(g);
                    self.park_on_io(g, d, now);
                    self.park_and_schedule(m, now);
                    return;
                }
                Action::Sleep(d) => {
                    self.advance(g);
                    if d == 0 {
                        continue; // time.Sleep(0) returns at once
                    }
                    let gg = &mut self.gs[g as usize];
                    gg.status = GStatus::Waiting;
                    gg.wait_reason = WaitReason::Sleep;
                    self.add_timer(p, now + d, g, now);
                    self.park_and_schedule(m, now);
                    return;
                }
                Action::Pace(every) => {
                    self.advance(g);
                    let gg = &mut self.gs[g as usize];
                    gg.pace_n += 1;
                    let until = gg
                        .pace_origin
                        .saturating_add(every.saturating_mul(gg.pace_n));
                    if until <= now {
                        continue; // behind the pace: no sleep, catch up
                    }
                    gg.status = GStatus::Waiting;
                    gg.wait_reason = WaitReason::Sleep;
                    self.add_timer(p, until, g, now);
                    self.park_and_schedule(m, now);
                    return;
                }
                Action::Gosched => {
                    self.advance(g);
                    self.stats.gosched += 1;
                    self.gosched_impl(g, now);
                    return;
                }
                Action::Spawn(class, count) => {
                    if !started {
                        if self.gs[g as usize].op_iter == 0 {
                            self.gs[g as usize].op_iter = count;
                        }
                        if self.gs[g as usize].op_iter == 0 {
                            self.advance(g);
                            continue;
                        }
                        self.gs[g as usize].op_started = true;
                        let c = self.costs.newproc.0;
                        let calls = Some(super::program::DEFAULT_CALLS_EVERY);
                        self.start_piece(g, c, calls, false, now);
                        return;
                    }
                    self.gs[g as usize].op_started = false;
                    self.newproc(p, class, now, u64::MAX, NIL);
                    self.gs[g as usize].op_iter -= 1;
                    if self.gs[g as usize].op_iter == 0 {
                        self.advance(g);
                    }
                }
                Action::Send(c)
                | Action::Recv(c)
                | Action::Close(c)
                | Action::Lock(c)
                | Action::Unlock(c) => {
                    let act = self.decode(g);
                    if !started {
                        self.gs[g as usize].op_started = true;
                        let cost = self.costs.sync_op.0;
                        self.start_piece(g, cost, None, false, now);
                        return;
                    }
                    self.advance(g);
                    let blocked = match act {
                        Action::Send(_) => self.chan_send(g, c, p, now),
                        Action::Recv(_) => self.chan_recv(g, c, p, now),
                        Action::Close(_) => self.chan_close(c, p, now),
                        Action::Lock(_) => self.mutex_lock(g, c),
                        _ => self.mutex_unlock(c, p, now),
                    };
                    if self.stop.is_some() {
                        return;
                    }
                    if blocked {
                        self.park_and_schedule(m, now);
                        return;
                    }
                }
                Action::WgAdd(w, n) => {
                    self.advance(g);
                    self.wg_add(w, n, p, now);
                    if self.stop.is_some() {
                        return;
                    }
                }
                Action::WgWait(w) => {
                    self.advance(g);
                    if self.sync.wgs[w as usize].count > 0 {
                        self.sync.wgs[w as usize].waiters.push(g);
                        let gg = &mut self.gs[g as usize];
                        gg.status = GStatus::Waiting;
                        gg.wait_reason = WaitReason::WaitGroup;
                        self.park_and_schedule(m, now);
                        return;
                    }
                }
                Action::Loop(n, end) => {
                    let gg = &mut self.gs[g as usize];
                    if n == 0 {
                        gg.pc = end + 1;
                    } else {
                        gg.loops[gg.depth as usize] = n;
                        gg.depth += 1;
                        gg.pc += 1;
                    }
                }
                Action::LoopEnd(start) => {
                    let gg = &mut self.gs[g as usize];
                    let d = gg.depth as usize - 1;
                    if gg.loops[d] != u64::MAX {
                        gg.loops[d] -= 1;
                    }
                    if gg.loops[d] > 0 {
                        gg.pc = start + 1;
                    } else {
                        gg.depth -= 1;
                        gg.pc += 1;
                    }
                }
                Action::Respond => {
                    self.advance(g);
                    self.complete_request(g, now);
                }
                Action::Begin => {
                    self.advance(g);
                    self.gs[g as usize].req_start = now;
                }
                Action::Phase(i) => {
                    self.advance(g);
                    let gg = &mut self.gs[g as usize];
                    (gg.pace_origin, gg.pace_n) = (now, 0);
                    let name = self.phase_names[i as usize].clone();
                    self.stats.phase_start(now, &name);
                }
                Action::Gomaxprocs(n) => {
                    if n != self.gomaxprocs && n > 0 {
                        if self.gc.phase != crate::gc::cycle::GcPhase::Off {
                            // `stopTheWorldGC`: `semacquire(&gcsema)`, which a GC cycle
                            // holds from `gcStart` to the end of mark termination. The op
                            // runs again once the cycle's mark is over.
                            let n = self.gc.cycles + 1;
                            self.gc_wait_on_mark(g, n, WaitReason::Semacquire, now);
                            return;
                        }
                        self.advance(g);
                        self.stop_the_world(g, StwKind::Gomaxprocs(n), now);
                        return;
                    }
                    self.advance(g);
                }
                Action::Stack(depth) => {
                    self.advance(g);
                    let ns = self.newstack(g, depth);
                    if ns > 0 {
                        let calls = Some(super::program::DEFAULT_CALLS_EVERY);
                        self.start_piece(g, ns, calls, false, now);
                        return;
                    }
                }
                Action::Gc => {
                    if self.runtime_gc(g, now) {
                        return;
                    }
                    self.advance(g);
                }
                Action::SetGcPercent(pct) => {
                    self.gc_set_percent(Some(pct), None, now);
                    self.advance(g);
                }
                Action::SetMemoryLimit(limit) => {
                    self.gc_set_percent(None, Some(limit), now);
                    self.advance(g);
                }
                Action::Exit => {
                    self.goexit0(g, now);
                    return;
                }
            }
        }
    }

    /// Starts the G's own CPU for its last alloc batch (`Malloc::own`), if any is still due;
    /// true when it did (the G runs it before going on).
    fn run_alloc_cpu_after(&mut self, g: GId, now: Nanos) -> bool {
        let own = std::mem::take(&mut self.gs[g as usize].alloc_cpu_after);
        if own == 0 {
            return false;
        }
        let calls = Some(super::program::DEFAULT_CALLS_EVERY);
        self.start_piece(g, own, calls, false, now);
        true
    }

    /// An allocation part is over: allocate the batch's remaining objects next, or move on.
    fn alloc_next(&mut self, g: GId) {
        if self.gs[g as usize].op_iter > 0 {
            self.gs[g as usize].op_started = false;
        } else {
            self.advance(g);
        }
    }

    /// Moves past the current instruction.
    #[inline]
    fn advance(&mut self, g: GId) {
        let gg = &mut self.gs[g as usize];
        gg.pc += 1;
        gg.op_started = false;
    }

    /// After `gopark`: the M looks for other work.
    pub(crate) fn park_and_schedule(&mut self, m: MId, now: Nanos) {
        let g = self.ms[m as usize].curg;
        if g != NIL {
            self.g_stops(g, now);
        }
        let c = self.costs.g_switch.0;
        self.schedule(m, now, c);
    }

    /// `goschedImpl` for `runtime.Gosched`: global queue tail, (1.22+) `wakep`, `schedule`.
    pub(crate) fn gosched_impl(&mut self, g: GId, now: Nanos) {
        self.g_stops(g, now);
        let m = self.gs[g as usize].m;
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Runnable;
        gg.runnable_since = now;
        let cost = self.costs.g_switch.0 + self.lock_sched(m, now);
        self.globrunqput(g);
        if self.rules.gosched_wakep {
            let p = self.ms[m as usize].p;
            self.wakep(p, now);
        }
        self.schedule(m, now, cost);
    }

    /// `goexit0`: the G is dead; the M schedules again.
    fn goexit0(&mut self, g: GId, now: Nanos) {
        self.complete_request(g, now);
        let m = self.gs[g as usize].m;
        let p = self.ms[m as usize].p;
        let rec = self.gs[g as usize].rec;
        if rec != u32::MAX {
            self.stats.records[rec as usize].ended = now;
        }
        let gg = &mut self.gs[g as usize];
        let owned = (gg.owned_req.0 + gg.owned_g.0, gg.owned_req.1 + gg.owned_g.1);
        gg.owned_req = Default::default();
        gg.owned_g = Default::default();
        let stack = gg.stack_bytes;
        gg.status = GStatus::Dead;
        gg.wait_reason = WaitReason::None;
        self.g_stops(g, now);
        self.gc.heap.drop_live(owned.0, owned.1);
        self.gc.ctrl.max_stack_scan = self.gc.ctrl.max_stack_scan.saturating_sub(stack);
        let gg = &mut self.gs[g as usize];
        gg.epoch = gg.epoch.wrapping_add(1);
        self.live_gs -= 1;
        self.free_gs.push(g);
        if p != NIL {
            self.allp[p as usize].gfreecnt += 1;
        }
        if self.live_gs == 0 && self.sources.exhausted() {
            // Every goroutine has exited and nothing will start another: the program is done.
            self.stop = Some(StopReason::Finished);
        }
        let c = self.costs.g_switch.0;
        self.schedule(m, now, c);
    }

    /// The request served by `g` is complete: record its latency; a closed-loop client thinks.
    fn complete_request(&mut self, g: GId, now: Nanos) {
        let gg = &mut self.gs[g as usize];
        if gg.req_start == u64::MAX {
            return;
        }
        let lat = now - gg.req_start;
        gg.req_start = u64::MAX;
        let (b, sc) = std::mem::take(&mut gg.owned_req);
        self.gc.heap.drop_live(b, sc);
        let gg = &mut self.gs[g as usize];
        let client = gg.client;
        self.stats.request_done(lat);
        if client != NIL {
            let c = &self.sources.clients[client as usize];
            let think = c
                .think
                .sample(&mut self.sources.client_rng[c.source as usize]);
            self.at(now + think, Ev::ClientNext { client });
        }
    }

    // ----- sources -----

    /// A request arrives on a connection: its handler G becomes ready through the netpoller.
    pub fn arrival(&mut self, src: u16, now: Nanos) {
        let a = &mut self.sources.arrivals[src as usize];
        if now >= a.stop {
            return;
        }
        let class = a.class;
        let gap = a.next_gap();
        self.at(now + gap, Ev::Arrival { src });
        self.new_handler(class, now, NIL);
    }

    /// A closed-loop client sends its next request.
    pub fn client_next(&mut self, client: u32, now: Nanos) {
        let class = self.sources.clients[client as usize].class;
        self.new_handler(class, now, client);
    }

    fn new_handler(&mut self, class: u16, now: Nanos, client: u32) {
        let g = self.newg(0, class, now, now, client);
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = WaitReason::IoWait;
        gg.runnable_since = now;
        self.netpoll_waiters += 1;
        self.io_ready(g, now);
    }

    /// main starts a class later in the run: the Gs are injected like netpoll results.
    pub fn start_class(&mut self, idx: u16, now: Nanos) {
        let (_, class, count) = self.sources.fixed[idx as usize];
        self.sources.pending_starts -= 1;
        let mut list = std::mem::take(&mut self.scratch);
        list.clear();
        for _ in 0..count {
            let g = self.newg(0, class, now, u64::MAX, NIL);
            list.push(g);
        }
        self.injectglist_as(&mut list, NIL, crate::obs::ReadyHow::Newproc, now);
        self.scratch = list;
    }

    // ----- synchronisation -----

    /// The simulated program panics (a Go `panic` or fatal error): the run stops.
    fn fail(&mut self, msg: &str) {
        self.stop = Some(StopReason::Failed(msg.to_string()));
    }

    fn block_on(&mut self, g: GId, why: WaitReason) {
        let gg = &mut self.gs[g as usize];
        gg.status = GStatus::Waiting;
        gg.wait_reason = why;
    }

    /// `chansend`. Returns true if the sender blocks.
    fn chan_send(&mut self, g: GId, c: u32, p: PId, now: Nanos) -> bool {
        let ch = &mut self.sync.chans[c as usize];
        if ch.closed {
            self.fail("panic: send on closed channel");
            return false;
        }
        if let Some(r) = ch.recvq.pop_front() {
            self.ready(r, p, true, now);
            return false;
        }
        if ch.buf < ch.cap {
            ch.buf += 1;
            return false;
        }
        ch.sendq.push_back(g);
        self.block_on(g, WaitReason::ChanSend);
        true
    }

    /// `chanrecv`. Returns true if the receiver blocks.
    fn chan_recv(&mut self, g: GId, c: u32, p: PId, now: Nanos) -> bool {
        let ch = &mut self.sync.chans[c as usize];
        if ch.buf > 0 {
            ch.buf -= 1;
            if let Some(s) = ch.sendq.pop_front() {
                ch.buf += 1; // the blocked sender's value enters the buffer
                self.ready(s, p, true, now);
            }
            return false;
        }
        if let Some(s) = ch.sendq.pop_front() {
            self.ready(s, p, true, now);
            return false;
        }
        if ch.closed {
            return false;
        }
        ch.recvq.push_back(g);
        self.block_on(g, WaitReason::ChanReceive);
        true
    }

    /// `closechan`: every waiting receiver (and sender) is readied.
    fn chan_close(&mut self, c: u32, p: PId, now: Nanos) -> bool {
        let ch = &mut self.sync.chans[c as usize];
        if ch.closed {
            self.fail("panic: close of closed channel");
            return false;
        }
        ch.closed = true;
        let mut waiters: Vec<GId> = ch.recvq.drain(..).collect();
        waiters.extend(ch.sendq.drain(..));
        for w in waiters {
            self.ready(w, p, true, now);
        }
        false
    }

    fn mutex_lock(&mut self, g: GId, x: u32) -> bool {
        let mu = &mut self.sync.mutexes[x as usize];
        if !mu.locked {
            mu.locked = true;
            return false;
        }
        mu.waiters.push_back(g);
        self.block_on(g, WaitReason::MutexLock);
        true
    }

    fn mutex_unlock(&mut self, x: u32, p: PId, now: Nanos) -> bool {
        let mu = &mut self.sync.mutexes[x as usize];
        if !mu.locked {
            self.fail("fatal error: sync: unlock of unlocked mutex");
            return false;
        }
        match mu.waiters.pop_front() {
            Some(w) => self.ready(w, p, true, now), // handed over; stays locked
            None => mu.locked = false,
        }
        false
    }

    fn wg_add(&mut self, w: u32, n: i64, p: PId, now: Nanos) {
        let wg = &mut self.sync.wgs[w as usize];
        wg.count += n;
        if wg.count < 0 {
            self.fail("panic: sync: negative WaitGroup counter");
            return;
        }
        if wg.count == 0 && !wg.waiters.is_empty() {
            let waiters = std::mem::take(&mut wg.waiters);
            for g in waiters {
                self.ready(g, p, true, now);
            }
        }
    }
}
