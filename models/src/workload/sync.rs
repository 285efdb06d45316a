//! Channels, mutexes and wait groups as simple synchronisation objects (`chan.go`, `sema.go`,
//! `sync.Mutex`, `sync.WaitGroup`). Wake-ups go through `goready` (the waker's `runnext`).
//!
//! # Simplifications
//! - Values are tokens; only counts and waiter queues are modelled.
//! - `sync.Mutex` hands the lock directly to the first waiter on unlock (no spinning, no
//!   normal/starvation mode switch).

use crate::scenario::Scenario;
use crate::sched::types::GId;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub struct Chan {
    pub cap: u64,
    pub buf: u64,
    pub closed: bool,
    pub recvq: VecDeque<GId>,
    pub sendq: VecDeque<GId>,
}

#[derive(Clone, Debug, Default)]
pub struct Mutex {
    pub locked: bool,
    pub waiters: VecDeque<GId>,
}

#[derive(Clone, Debug, Default)]
pub struct WaitGroup {
    pub count: i64,
    pub waiters: Vec<GId>,
}

/// A kernel pipe: buffered bytes and the threads blocked reading it (woken in FIFO order).
#[derive(Clone, Debug, Default)]
pub struct Pipe {
    pub bytes: u64,
    pub readers: VecDeque<GId>,
}

pub struct SyncObjects {
    pub pipes: Vec<Pipe>,
    pub chans: Vec<Chan>,
    pub mutexes: Vec<Mutex>,
    pub wgs: Vec<WaitGroup>,
    /// `sync.Pool`s (see [`super::pool`]).
    pub pools: super::pool::Pools,
}

impl SyncObjects {
    pub fn new(s: &Scenario) -> Self {
        SyncObjects {
            pipes: s.pipes.iter().map(|_| Pipe::default()).collect(),
            chans: s
                .channels
                .iter()
                .map(|c| Chan {
                    cap: c.capacity,
                    ..Default::default()
                })
                .collect(),
            mutexes: s.mutexes.iter().map(|_| Mutex::default()).collect(),
            wgs: s.waitgroups.iter().map(|_| WaitGroup::default()).collect(),
            pools: super::pool::Pools::new(s),
        }
    }
}
