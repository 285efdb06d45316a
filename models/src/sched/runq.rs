//! Run queues: a P's 256-slot ring plus `runnext`, and the global FIFO (`proc.go`:
//! `runqput`, `runqputslow`, `runqget`, `runqgrab`, `runqsteal`, `globrunqput*`, `globrunqget*`).

use super::types::*;
use std::collections::VecDeque;

/// Result of [`runqput`]: the batch that overflowed to the global queue, if any.
pub enum Put {
    Local,
    /// `runqputslow` moved this many Gs (128 + 1) to the global queue tail.
    Spilled(u32),
}

/// `runqput(pp, gp, next)`: put `g` on P's local queue; with `next`, into `runnext`, kicking
/// the old `runnext` to the tail. A full ring spills its oldest half plus `g` to the global queue.
pub fn runqput(p: &mut P, glob: &mut VecDeque<GId>, mut g: GId, next: bool) -> Put {
    if next {
        let old = p.runnext;
        p.runnext = g;
        if old == NIL {
            return Put::Local;
        }
        g = old; // kick the old runnext to the tail of the ring
    }
    if p.runq_len() < RUNQ_SIZE {
        p.runq[(p.runqtail % RUNQ_SIZE) as usize] = g;
        p.runqtail = p.runqtail.wrapping_add(1);
        return Put::Local;
    }
    Put::Spilled(runqputslow(p, glob, g))
}

/// `runqputslow`: move the oldest half of a full ring (128) and `g` to the global queue tail,
/// oldest first. Returns the number moved (129).
pub fn runqputslow(p: &mut P, glob: &mut VecDeque<GId>, g: GId) -> u32 {
    let n = p.runq_len() / 2;
    for i in 0..n {
        glob.push_back(p.runq[(p.runqhead.wrapping_add(i) % RUNQ_SIZE) as usize]);
    }
    p.runqhead = p.runqhead.wrapping_add(n);
    glob.push_back(g);
    n + 1
}

/// `runqget(pp)`: `runnext` first (inherits the time slice), else the ring's head.
pub fn runqget(p: &mut P) -> Option<(GId, bool)> {
    if p.runnext != NIL {
        let g = p.runnext;
        p.runnext = NIL;
        return Some((g, true));
    }
    if p.runqhead == p.runqtail {
        return None;
    }
    let g = p.runq[(p.runqhead % RUNQ_SIZE) as usize];
    p.runqhead = p.runqhead.wrapping_add(1);
    Some((g, false))
}

/// `runqdrain`-style removal of everything (runnext first, then the ring in order).
pub fn runqdrain(p: &mut P, out: &mut Vec<GId>) {
    if p.runnext != NIL {
        out.push(p.runnext);
        p.runnext = NIL;
    }
    while p.runqhead != p.runqtail {
        out.push(p.runq[(p.runqhead % RUNQ_SIZE) as usize]);
        p.runqhead = p.runqhead.wrapping_add(1);
    }
}

/// `runqgrab` + `runqsteal`: move the oldest ceil-half of `victim`'s ring to `thief`'s ring and
/// return the youngest stolen G to run now. `runnext` is taken only when `steal_runnext` and the
/// victim's ring is empty (the caller handles the `usleep(3)` that precedes it).
pub fn runqsteal(thief: &mut P, victim: &mut P, steal_runnext: bool) -> Option<GId> {
    let n = victim.runq_len();
    let n = n - n / 2;
    if n == 0 {
        if steal_runnext && victim.runnext != NIL {
            let g = victim.runnext;
            victim.runnext = NIL;
            return Some(g);
        }
        return None;
    }
    // The stolen batch lands in the thief's ring (which is empty: only an idle-handed or
    // spinning P steals); the last one is returned to run.
    let mut last = NIL;
    for i in 0..n {
        let g = victim.runq[(victim.runqhead.wrapping_add(i) % RUNQ_SIZE) as usize];
        if i + 1 == n {
            last = g;
        } else {
            thief.runq[(thief.runqtail % RUNQ_SIZE) as usize] = g;
            thief.runqtail = thief.runqtail.wrapping_add(1);
        }
    }
    victim.runqhead = victim.runqhead.wrapping_add(n);
    Some(last)
}

/// The global-queue batch size of `globrunqget` (≤1.24) / `globrunqgetbatch` (1.25+):
/// `min(runqsize, runqsize/GOMAXPROCS + 1, len(runq)/2)`.
pub fn glob_batch(runqsize: usize, gomaxprocs: u32) -> usize {
    let n = runqsize.min(runqsize / gomaxprocs as usize + 1);
    n.min((RUNQ_SIZE / 2) as usize)
}

/// `globrunqget(pp, 0)`: pop a batch from the global queue; the first is returned, the rest go
/// to the tail of P's ring in order.
pub fn globrunqget(p: &mut P, glob: &mut VecDeque<GId>, gomaxprocs: u32) -> Option<GId> {
    let n = glob_batch(glob.len(), gomaxprocs);
    if n == 0 {
        return None;
    }
    let first = glob.pop_front()?;
    for _ in 1..n {
        let g = glob.pop_front().expect("batch within length");
        // The ring has room: at most 128 are added and a P taking from global has < 128
        // queued whenever this path runs (its local queue was empty or it is the 1/61 check,
        // which takes one G only).
        let _ = runqput(p, glob, g, false);
    }
    Some(first)
}

#[cfg(test)]
mod tests {
    //! Ports of the runtime's `TestSchedLocalQueue`, `TestSchedLocalQueueSteal` and
    //! `TestSchedLocalQueueEmpty` (`export_test.go`: `RunSchedLocalQueue*Test`), plus the
    //! overflow and batch rules.
    use super::*;

    fn fresh() -> (P, VecDeque<GId>) {
        (P::new(0), VecDeque::new())
    }

    #[test]
    fn sched_local_queue() {
        // RunSchedLocalQueueTest: for i in 0..len(runq): put i Gs, then get them back in order.
        let (mut p, mut glob) = fresh();
        for i in 0..RUNQ_SIZE {
            assert!(runqget(&mut p).is_none(), "runq is not empty initially");
            for j in 0..i {
                runqput(&mut p, &mut glob, j, false);
            }
            for j in 0..i {
                assert_eq!(
                    runqget(&mut p),
                    Some((j, false)),
                    "bad element at iter {i}/{j}"
                );
            }
            assert!(runqget(&mut p).is_none(), "runq is not empty afterwards");
        }
        assert!(glob.is_empty());
    }

    #[test]
    fn sched_local_queue_steal() {
        // RunSchedLocalQueueStealTest: put i Gs on p1, steal into p2; every G is taken exactly
        // once, and the thief gets i/2 or i/2+1 of them.
        let (mut p1, mut glob) = fresh();
        let mut p2 = P::new(1);
        for i in 0..RUNQ_SIZE {
            for j in 0..i {
                runqput(&mut p1, &mut glob, j, false);
            }
            let mut seen = vec![0u32; i as usize];
            let mut s = 0;
            if let Some(g) = runqsteal(&mut p2, &mut p1, true) {
                seen[g as usize] += 1;
                s += 1;
                while let Some((g, _)) = runqget(&mut p2) {
                    seen[g as usize] += 1;
                    s += 1;
                }
            }
            while let Some((g, _)) = runqget(&mut p1) {
                seen[g as usize] += 1;
            }
            assert!(
                seen.iter().all(|&c| c == 1),
                "each G must be taken exactly once: {seen:?}"
            );
            assert!(
                s == i / 2 || s == i / 2 + 1,
                "bad steal {s}, want {} or {}",
                i / 2,
                i / 2 + 1
            );
        }
    }

    #[test]
    fn sched_local_queue_empty() {
        // RunSchedLocalQueueEmptyTest's invariant, single-threaded: an empty queue never yields a
        // G, and runqempty tracks runnext as well as the ring.
        let (mut p, mut glob) = fresh();
        assert!(p.runq_empty());
        runqput(&mut p, &mut glob, 7, true);
        assert!(!p.runq_empty());
        assert_eq!(p.runq_len(), 0, "schedtrace's runqsize excludes runnext");
        assert_eq!(
            runqget(&mut p),
            Some((7, true)),
            "runnext inherits the time slice"
        );
        assert!(p.runq_empty());
        assert!(runqget(&mut p).is_none());
    }

    #[test]
    fn runnext_kicks_old_runnext_to_tail() {
        let (mut p, mut glob) = fresh();
        runqput(&mut p, &mut glob, 1, false);
        runqput(&mut p, &mut glob, 2, true);
        runqput(&mut p, &mut glob, 3, true);
        assert_eq!(runqget(&mut p), Some((3, true)));
        assert_eq!(runqget(&mut p), Some((1, false)));
        assert_eq!(runqget(&mut p), Some((2, false)));
    }

    #[test]
    fn overflow_spills_128_plus_one_oldest_first() {
        let (mut p, mut glob) = fresh();
        for g in 0..RUNQ_SIZE {
            assert!(matches!(runqput(&mut p, &mut glob, g, false), Put::Local));
        }
        assert!(matches!(
            runqput(&mut p, &mut glob, 999, false),
            Put::Spilled(129)
        ));
        assert_eq!(glob.len(), 129);
        assert_eq!(glob[0], 0);
        assert_eq!(glob[127], 127);
        assert_eq!(glob[128], 999);
        assert_eq!(p.runq_len(), 128);
        assert_eq!(runqget(&mut p), Some((128, false)));
    }

    #[test]
    fn steal_takes_oldest_ceil_half() {
        let (mut v, mut glob) = fresh();
        let mut t = P::new(1);
        for g in 0..5 {
            runqput(&mut v, &mut glob, g, false);
        }
        // 5 queued: steal 3 (ceil), oldest first (0,1,2); the youngest stolen (2) runs now.
        assert_eq!(runqsteal(&mut t, &mut v, false), Some(2));
        assert_eq!(runqget(&mut t), Some((0, false)));
        assert_eq!(runqget(&mut t), Some((1, false)));
        assert_eq!(runqget(&mut v), Some((3, false)));
    }

    #[test]
    fn runnext_stolen_only_when_allowed_and_ring_empty() {
        let (mut v, mut glob) = fresh();
        let mut t = P::new(1);
        runqput(&mut v, &mut glob, 5, true);
        assert_eq!(runqsteal(&mut t, &mut v, false), None);
        assert_eq!(runqsteal(&mut t, &mut v, true), Some(5));
    }

    #[test]
    fn global_batch_formula() {
        // n = min(len, len/GOMAXPROCS + 1, 128)
        assert_eq!(glob_batch(0, 4), 0);
        assert_eq!(glob_batch(1, 4), 1);
        assert_eq!(glob_batch(10, 4), 3);
        assert_eq!(glob_batch(10, 1), 10);
        assert_eq!(glob_batch(1000, 1), 128);
        assert_eq!(glob_batch(1000, 8), 126);
        let (mut p, mut glob) = fresh();
        glob.extend(0..10u32);
        assert_eq!(globrunqget(&mut p, &mut glob, 4), Some(0));
        assert_eq!(p.runq_len(), 2);
        assert_eq!(glob.len(), 7);
    }
}
