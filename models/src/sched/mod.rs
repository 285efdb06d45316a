//! The GMP scheduler model (`proc.go`, `runtime2.go`, `preempt.go`, `netpoll.go`, `time.go`).
//!
//! # Simplifications
//! - Scheduling decisions are atomic at an event's time; the chosen G starts after the
//!   modelled cost of the pass (`[costs]`). Races the runtime settles by CAS are settled by
//!   event order (time, then insertion sequence).
//! - Spinning is modelled as the window between an M's wake-up and its `findRunnable`
//!   decision; a failed search releases the P at once instead of looping for a few µs.
//! - Signal safe points: an asynchronous preemption lands `signal_delivery` after the request
//!   unless the compute segment is marked `nonpreemptible`; cooperative preemption points
//!   are function prologues every `calls_every` of CPU (default 1 µs; `"none"` for a tight
//!   loop), plus every op boundary.
//! - The runtime's own goroutines (forcegc, bgsweep, bgscavenge, the finalizer) and `main`
//!   are not simulated as Gs; their goids 1–4 are reserved.
//! - `LockOSThread`, cgo, the template thread and the trace reader are not modelled.
//! - Dead Gs are recycled through one global free list; `gfreecnt` is approximate.
//! - The `sched.lock` model serialises global-queue and idle-list operations with a
//!   cache-line transfer cost when another M held the lock last; other runtime locks are free.
//! - 1.26+ `procresize` (CLs 714801, 721002) is modelled as far as Ps and Ms go: a P with work
//!   restarts on its previous M if that M is idle, and mark workers are pre-assigned to idle
//!   Ps. Go's worker pool is one worker G per P here, so "a worker from the pool" is the
//!   P's own; the `mgetSpecific` list surgery is a search of the idle-M stack.
//! - The netpoller's readiness is workload-driven: an `io` op's G becomes ready after its
//!   duration; a source's request is a handler G whose connection becomes readable on
//!   arrival (the accept loop is not a G, but counts as one I/O waiter).

pub mod invariants;
pub mod netpoll;
pub mod proc;
pub mod runq;
pub mod stack;
pub mod stw;
pub mod syscall;
pub mod sysmon;
pub mod trace;
pub mod types;
