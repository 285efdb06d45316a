//! The scenario library (`scenarios/*.toml`): each scenario shows its phenomenon, asserted as a
//! direction or a ratio between two variants of the same file (`--set` overrides), with
//! margins. Each test prints the two variants' values (`--nocapture`).

use models::gc::cycle::CycleRecord;
use models::run::{RunResult, run_scenario};
use models::scenario::load_scenario;
use models::sim::RunOptions;
use std::path::PathBuf;

const MS: u64 = 1_000_000;
const MIB: u64 = 1 << 20;

/// Runs `scenarios/NAME.toml` with `--set` overrides (no per-goroutine records).
fn run(name: &str, sets: &[&str]) -> RunResult {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(format!("{name}.toml"));
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = load_scenario(&path, &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    run_scenario(&sc, RunOptions::default()).expect("runs")
}

/// Cycles that started in `[from, to)`.
fn cycles_in(r: &RunResult, from: u64, to: u64) -> Vec<&CycleRecord> {
    r.world
        .gc
        .records
        .iter()
        .filter(|c| c.start_ns >= from && c.start_ns < to)
        .collect()
}

/// GC CPU (assists, background workers, both STWs on every P) of the cycles that started in
/// `[from, to)`, over GOMAXPROCS × the window.
fn gc_cpu_share(r: &RunResult, from: u64, to: u64) -> f64 {
    let cpu: u64 = cycles_in(r, from, to)
        .iter()
        .map(|c| c.assist_cpu_ns + c.background_cpu_ns + c.procs as u64 * (c.stw1_ns + c.stw2_ns))
        .sum();
    cpu as f64 / ((to - from) as f64 * r.summary.gomaxprocs as f64)
}

/// Issue item 1: A small web service, now allocating: its GC cycles follow the request rate.
#[test]
fn default_collects_in_proportion_to_the_request_rate() {
    let base = run("default", &[]);
    let half = run("default", &["params.rps=4k/s"]);
    let (b, h) = (base.summary.gc.cycles, half.summary.gc.cycles);
    eprintln!(
        "default: 8k/s {b} cycles, {} MiB allocated; 4k/s {h} cycles, {} MiB",
        base.summary.alloc_bytes >> 20,
        half.summary.alloc_bytes >> 20
    );
    assert!(b >= 20, "{b} cycles: the handlers allocate");
    assert!(
        base.summary.alloc_bytes as f64 > 1.7 * half.summary.alloc_bytes as f64,
        "allocation follows the rate"
    );
    assert!(
        b as f64 > 1.5 * h as f64,
        "twice the rate, {b} vs {h} cycles"
    );
}

/// Issue item 2: LLM token loop: Gosched after every token costs a turn of the run queue when the Ps are
/// busy (GOMAXPROCS below the session count), and nothing measurable with Ps to spare.
#[test]
fn llm_gosched_per_token_costs_latency_only_when_ps_are_busy() {
    let p50 = |r: &RunResult| r.summary.latency_ns.p50 as f64;
    let p90 = |r: &RunResult| r.summary.latency_ns.p90 as f64;
    let below = run("llm-token-loop", &[]);
    let below_y = run("llm-token-loop", &["params.gosched=1"]);
    let above = run("llm-token-loop", &["runtime.gomaxprocs=32"]);
    let above_y = run(
        "llm-token-loop",
        &["runtime.gomaxprocs=32", "params.gosched=1"],
    );
    eprintln!(
        "llm: 4 Ps token p50/p90 {:.0}/{:.0} us, with Gosched {:.0}/{:.0} us; 32 Ps {:.0}/{:.0} us, with Gosched {:.0}/{:.0} us; tokens/s {:.0} vs {:.0}",
        p50(&below) / 1e3,
        p90(&below) / 1e3,
        p50(&below_y) / 1e3,
        p90(&below_y) / 1e3,
        p50(&above) / 1e3,
        p90(&above) / 1e3,
        p50(&above_y) / 1e3,
        p90(&above_y) / 1e3,
        below.summary.requests.throughput_per_s,
        above.summary.requests.throughput_per_s
    );
    assert_eq!(below.summary.scheduler.gosched, 0);
    assert!(below_y.summary.scheduler.gosched >= below_y.summary.requests.completed);
    assert!(
        p50(&below_y) > 1.2 * p50(&below),
        "busy Ps: Gosched adds a queue turn per token"
    );
    assert!(p90(&below_y) > 1.05 * p90(&below));
    assert!(
        p50(&above_y) < 1.05 * p50(&above) && p50(&above_y) > 0.95 * p50(&above),
        "idle Ps: Gosched is nearly free"
    );
    // Fewer Ps than sessions: the sessions share 4 Ps.
    assert!(
        above.summary.requests.throughput_per_s > 1.4 * below.summary.requests.throughput_per_s
    );
}

/// Issue item 3: 270k requests/s: GC frequency and assists rise with the rate; GOGC and GOMEMLIMIT
/// change p99 and the pause count.
#[test]
fn api_270k_gc_follows_rate_gogc_and_memory_limit() {
    let base = run("api-270k-qps", &[]);
    let half = run("api-270k-qps", &["params.rps=135k/s"]);
    let (g, h) = (&base.summary.gc, &half.summary.gc);
    eprintln!(
        "api: 270k/s {} cycles, assist {:.3}, p99 {} us, {} STW; 135k/s {} cycles, assist {:.3}",
        g.cycles,
        g.assist_fraction,
        base.summary.latency_ns.p99 / 1000,
        base.summary.scheduler.stw_pauses,
        h.cycles,
        h.assist_fraction
    );
    assert!(g.cycles as f64 > 1.5 * h.cycles as f64);
    assert!(g.assist_fraction > 1.5 * h.assist_fraction);
    // GOGC=400: a quarter of the cycles, so fewer pauses and a lower p99.
    let lazy = run("api-270k-qps", &["runtime.gogc=400"]);
    // GOGC=off with a 128 MiB limit: the limit alone paces GC.
    let limit = run(
        "api-270k-qps",
        &["runtime.gogc=off", "runtime.gomemlimit=128MiB"],
    );
    for (name, v) in [("GOGC=400", &lazy), ("GOGC=off+GOMEMLIMIT=128MiB", &limit)] {
        eprintln!(
            "api: {name}: {} cycles, {} STW pauses, p99 {} us, peak heap {} MiB",
            v.summary.gc.cycles,
            v.summary.scheduler.stw_pauses,
            v.summary.latency_ns.p99 / 1000,
            v.summary.gc.peak_heap_bytes >> 20
        );
        assert!(v.summary.scheduler.stw_pauses * 2 < base.summary.scheduler.stw_pauses);
        assert!(
            (v.summary.latency_ns.p99 as f64) < 0.95 * base.summary.latency_ns.p99 as f64,
            "{name}: p99"
        );
        assert!(v.summary.gc.peak_heap_bytes > base.summary.gc.peak_heap_bytes);
    }
    assert!(limit.summary.gc.peak_heap_bytes < 128 * MIB);
}

/// Issue item 4: Leaked goroutines: the goroutine count, stack bytes, heap and goal grow; scheduling
/// latency does not.
#[test]
fn leaked_goroutines_grow_the_heap_goal() {
    let leak = run("goroutine-leak", &[]);
    let none = run("goroutine-leak", &["params.leak_rps=1/s"]);
    let recs = &leak.world.gc.records;
    let early = recs
        .iter()
        .find(|c| c.start_ns > 500 * MS)
        .expect("a cycle");
    let late = recs.last().expect("cycles");
    eprintln!(
        "leak: {} goroutines alive at the end (vs {}); goal {} → {} MiB, stacks {} → {} MiB; final goal {} vs {} MiB; sched p99 {} vs {} us",
        leak.summary.goroutines.alive_at_end,
        none.summary.goroutines.alive_at_end,
        early.heap_goal >> 20,
        late.heap_goal >> 20,
        early.stacks >> 20,
        late.stacks >> 20,
        leak.summary.gc.final_goal_bytes >> 20,
        none.summary.gc.final_goal_bytes >> 20,
        leak.summary.sched_latency_ns.p99 / 1000,
        none.summary.sched_latency_ns.p99 / 1000
    );
    assert!(leak.summary.goroutines.alive_at_end > 15_000);
    assert!(none.summary.goroutines.alive_at_end < 100);
    assert!(late.heap_goal > 3 * early.heap_goal, "the goal grows");
    assert!(late.stacks > 3 * early.stacks, "scanned stacks grow");
    assert!(
        late.heap_marked > 3 * early.heap_marked,
        "the live heap grows"
    );
    assert!(leak.summary.gc.final_goal_bytes > 5 * none.summary.gc.final_goal_bytes);
    assert!(leak.summary.gc.peak_rss_bytes > 3 * none.summary.gc.peak_rss_bytes);
    // Parked goroutines are on no run queue.
    assert!(
        (leak.summary.sched_latency_ns.p99 as f64) < 1.3 * none.summary.sched_latency_ns.p99 as f64
    );
}

/// Issue item 5: 10,000 goroutines at once on 2 Ps: the runq spills to the global queue, the other P
/// steals, and many wait long; with 100 goroutines nobody does.
#[test]
fn ten_thousand_goroutines_queue_for_two_ps() {
    let many = run("starvation-10k", &[]);
    let few = run("starvation-10k", &["params.n=100"]);
    let wide = run("starvation-10k", &["runtime.gomaxprocs=8"]);
    let s = |r: &RunResult| {
        (
            r.summary.sched_latency_ns.p50 / 1000,
            r.summary.sched_latency_ns.p99 / 1000,
            r.summary.sched_latency_over_100ms,
        )
    };
    eprintln!(
        "starvation: 10k on 2 Ps p50/p99 {:?} us/us/share>100ms, spills {} steals {}; 100: {:?}; 10k on 8 Ps: {:?}",
        s(&many),
        many.summary.scheduler.runq_spills,
        many.summary.scheduler.steals,
        s(&few),
        s(&wide)
    );
    assert!(many.summary.scheduler.runq_spills > 10, "runq spills");
    assert!(many.summary.scheduler.steals > 0);
    assert_eq!(few.summary.scheduler.runq_spills, 0);
    assert!(many.summary.sched_latency_over_100ms > 0.1);
    assert_eq!(few.summary.sched_latency_over_100ms, 0.0);
    assert!(many.summary.sched_latency_ns.p99 > 100 * MS);
    assert!(few.summary.sched_latency_ns.p99 < 5 * MS);
    assert!(wide.summary.sched_latency_ns.p99 * 2 < many.summary.sched_latency_ns.p99);
}

/// Issue item 6: Long blocking syscalls lose their P to sysmon (handoffs, more threads, slow exits);
/// short ones keep it.
#[test]
fn long_syscalls_lose_their_p_short_ones_keep_it() {
    let long = run("syscall-heavy", &[]);
    let short = run("syscall-heavy", &["params.syscall=5us"]);
    let c = |r: &RunResult| {
        let s = &r.summary.scheduler;
        (
            s.syscalls,
            s.syscall_handoffs,
            s.syscall_exit_slow,
            s.threads,
        )
    };
    eprintln!(
        "syscall: 1ms (syscalls, handoffs, slow exits, threads) {:?}, p50 {} us; 5us {:?}",
        c(&long),
        long.summary.latency_ns.p50 / 1000,
        c(&short)
    );
    let (ls, lh, lx, lt) = c(&long);
    let (ss, sh, _, st) = c(&short);
    assert!(lh * 2 > ls, "most long syscalls are retaken: {lh} of {ls}");
    assert!(lx * 2 > ls);
    assert!(sh * 100 < ss, "short syscalls keep their P: {sh} of {ss}");
    assert!(lt > 2 * st, "threads {lt} vs {st}");
    // A round costs more than its CPU + syscall: the wait to get a P back.
    assert!(long.summary.latency_ns.p50 > 1_300_000);
}

/// Issue item 7: GOGC=off, a live heap growing into GOMEMLIMIT: cycles back to back with GC above half
/// the CPU, then the CPU limiter cuts assists, holding GC near 50 %, and the heap passes the
/// limit; a higher limit does not spiral.
#[test]
fn memory_limit_spiral_and_the_cpu_limiter() {
    let r = run("memory-limit-spiral", &[]);
    let limit = 192 * MIB;
    let spiral = cycles_in(&r, 2500 * MS, 5500 * MS);
    let gaps: Vec<u64> = spiral
        .windows(2)
        .map(|w| w[1].start_ns - (w[0].start_ns + w[0].stw1_ns + w[0].mark_ns + w[0].stw2_ns))
        .collect();
    let b2b = gaps.iter().filter(|g| **g < 2 * MS).count();
    // Back to back: the runway left under the limit is a few MiB, so the next cycle starts a
    // few ms after the last ends and GC is marking most of the time.
    let span = spiral.last().map_or(0, |c| c.start_ns) - spiral.first().map_or(0, |c| c.start_ns);
    let marking: u64 = spiral[..spiral.len() - 1]
        .iter()
        .map(|c| c.stw1_ns + c.mark_ns + c.stw2_ns)
        .sum();
    let marking_share = marking as f64 / span.max(1) as f64;
    let growing = gc_cpu_share(&r, 0, 1000 * MS);
    let spiral_cpu = gc_cpu_share(&r, 2500 * MS, 5500 * MS);
    let limited_cpu = gc_cpu_share(&r, 12500 * MS, 14000 * MS);
    let high = run("memory-limit-spiral", &["params.limit=1GiB"]);
    eprintln!(
        "spiral: GC CPU first second {growing:.2}, spiral {spiral_cpu:.2} (marking {marking_share:.2} of the time, {b2b} of {} gaps under 2 ms), limited {limited_cpu:.2}; {} limited cycles; peak RSS {} MiB; 1GiB: {} cycles (vs {}), GC CPU {:.3}",
        gaps.len(),
        r.summary.gc.limited_cycles,
        r.summary.gc.peak_rss_bytes >> 20,
        high.summary.gc.cycles,
        r.summary.gc.cycles,
        high.summary.gc.cpu_fraction
    );
    assert!(
        spiral.len() > 50 && marking_share > 0.75,
        "cycles back to back: marking {marking_share:.2} of the time"
    );
    assert!(spiral_cpu > 0.5 && spiral_cpu < 0.75, "spiral GC CPU");
    assert!(spiral_cpu > 2.0 * growing);
    assert!(r.summary.gc.limited_cycles > 0, "the limiter engages");
    // The limiter holds GC near half the CPU (it switches assists off while its bucket is
    // full, so GC CPU sits at or just above 50 %, never at the spiral's level and above).
    assert!(
        limited_cpu <= 0.55 && limited_cpu < spiral_cpu,
        "the limiter holds GC CPU near 50 %"
    );
    assert!(r.summary.gc.peak_rss_bytes > limit, "memory traded for CPU");
    assert_eq!(high.summary.gc.limited_cycles, 0);
    assert!(high.summary.gc.cycles * 5 < r.summary.gc.cycles);
    assert!(high.summary.gc.cpu_fraction < 0.1);
}

/// Issue item 8: The 3 a.m. spike: the warm-up burst brings assists, the goal jumps (capped by the
/// limit), and falls back once the buffer dies.
#[test]
fn nightly_spike_raises_goal_and_assists_under_the_limit() {
    let r = run("nightly-spike", &[]);
    // Daytime: the cycles whose mark ended before the 3 a.m. burst (at 1 s) began.
    let day: Vec<_> = cycles_in(&r, 200 * MS, 1000 * MS)
        .into_iter()
        .filter(|c| c.start_ns + c.stw1_ns + c.mark_ns < 1000 * MS)
        .collect();
    let first_night = cycles_in(&r, 1000 * MS, 1100 * MS);
    let spike = cycles_in(&r, 1000 * MS, 2000 * MS);
    let last = r.world.gc.records.last().expect("cycles");
    let day_goal = day.iter().map(|c| c.heap_goal).max().unwrap_or(0);
    let spike_goal = spike.iter().map(|c| c.heap_goal).max().unwrap_or(0);
    let day_assist =
        day.iter().map(|c| c.assist_cpu_ns).sum::<u64>() as f64 / day.len().max(1) as f64;
    let night_assist = first_night
        .iter()
        .map(|c| c.assist_cpu_ns)
        .max()
        .unwrap_or(0);
    let nolimit = run("nightly-spike", &["runtime.gomemlimit=off"]);
    let calm = run("nightly-spike", &["params.warm_mib=0"]);
    let limit = 256 * MIB;
    eprintln!(
        "spike: goal day {} → spike {} → end {} MiB; assist per day cycle {:.2} ms, first spike cycle {:.2} ms; peak heap {} MiB (no limit {}, no warm-up {}); spike cycles {} (no limit {})",
        day_goal >> 20,
        spike_goal >> 20,
        last.heap_goal >> 20,
        day_assist / 1e6,
        night_assist as f64 / 1e6,
        r.summary.gc.peak_heap_bytes >> 20,
        nolimit.summary.gc.peak_heap_bytes >> 20,
        calm.summary.gc.peak_heap_bytes >> 20,
        spike.len(),
        cycles_in(&nolimit, 1000 * MS, 2000 * MS).len()
    );
    assert!(spike_goal as f64 > 1.6 * day_goal as f64, "the goal jumps");
    assert!(last.heap_goal < day_goal * 6 / 5, "and comes back down");
    assert!(
        night_assist as f64 > 5.0 * day_assist,
        "the burst brings assists"
    );
    assert!(r.summary.gc.peak_heap_bytes < limit, "the limit holds");
    assert!(nolimit.summary.gc.peak_heap_bytes > limit);
    assert!(calm.summary.gc.peak_heap_bytes * 3 < r.summary.gc.peak_heap_bytes * 2);
    assert!(
        spike.len() as f64 > 1.5 * cycles_in(&nolimit, 1000 * MS, 2000 * MS).len() as f64,
        "under the limit the runway is short: more cycles"
    );
}

/// Issue item 9: Survival 20 % → 80 %: mark time per cycle grows with the live heap (linearly: the same
/// time per marked MiB), cycles get rarer, two pauses per cycle at every rate.
#[test]
fn survival_rate_scales_mark_time_linearly() {
    let stats = |s: u32| {
        let r = run("high-survival", &[&format!("params.survive={s}")]);
        let steady = cycles_in(&r, 500 * MS, u64::MAX);
        let n = steady.len() as f64;
        let mark = steady.iter().map(|c| c.mark_ns).sum::<u64>() as f64 / n;
        let marked = steady.iter().map(|c| c.heap_marked).sum::<u64>() as f64 / n;
        let stw = steady
            .iter()
            .map(|c| c.stw1_ns.max(c.stw2_ns))
            .max()
            .unwrap_or(0);
        (
            r.summary.gc.cycles,
            mark,
            marked,
            r.summary.gc.assist_fraction,
            stw,
        )
    };
    let (c20, m20, l20, a20, s20) = stats(20);
    // (STW max over the steady phase: a pause can also wait for a mark worker to finish its
    // piece of up to 100 µs, `gc::cycle`'s simplifications, whatever the survival rate; one
    // fill-phase cycle at 80 % does.)
    let (c80, m80, l80, a80, s80) = stats(80);
    eprintln!(
        "survival: 20% {c20} cycles, mark {:.1} ms for {:.0} MiB, assist {a20:.3}, STW max {s20} ns; 80% {c80} cycles, mark {:.1} ms for {:.0} MiB, assist {a80:.3}, STW max {s80} ns",
        m20 / 1e6,
        l20 / MIB as f64,
        m80 / 1e6,
        l80 / MIB as f64
    );
    assert!(c20 as f64 > 2.5 * c80 as f64, "cycles get rarer");
    assert!(m80 > 3.0 * m20, "mark time grows with the live heap");
    let per_mib = (m80 / l80) / (m20 / l20);
    assert!(
        (0.85..1.15).contains(&per_mib),
        "no break: mark time per marked byte {per_mib:.2}× at 80 % vs 20 %"
    );
    assert!(s80 < 2 * s20 + 20_000, "STW does not grow with survival");
}

/// Issue item 10: A call-free loop under asyncpreemptoff=1 holds every STW for up to its length and the
/// requests wait with it; asynchronous preemption stops it in microseconds.
#[test]
fn nonpreemptible_loop_stretches_stw_and_latency() {
    let off = run("nonpreemptible-loop", &["meta.duration=1s"]);
    let on = run(
        "nonpreemptible-loop",
        &["meta.duration=1s", "runtime.asyncpreempt=true"],
    );
    eprintln!(
        "loop: STW max {} us vs {} us; request p99 {} us vs {} us",
        off.summary.gc.stw_ns.max / 1000,
        on.summary.gc.stw_ns.max / 1000,
        off.summary.latency_ns.p99 / 1000,
        on.summary.latency_ns.p99 / 1000
    );
    assert!(off.summary.gc.stw_ns.max > 10 * MS);
    assert!(on.summary.gc.stw_ns.max < MS / 5);
    assert!(off.summary.latency_ns.p99 > 5 * on.summary.latency_ns.p99);
    assert!(on.summary.scheduler.preemptions.r#async > 0);
    assert_eq!(off.summary.scheduler.preemptions.r#async, 0);
}

/// Issue item 11: sync.Pool: a lower GOGC means more cycles, so more idle buffers are dropped and the
/// next burst allocates again; huge buffers put back stay pooled (and in the heap).
#[test]
fn sync_pool_hit_rate_falls_with_gogc_and_huge_buffers_stay() {
    let base = run("sync-pool", &[]);
    let low = run("sync-pool", &["runtime.gogc=25"]);
    let guard = run("sync-pool", &["params.max_keep=256KiB"]);
    let p = |r: &RunResult| r.summary.pools[0].clone();
    let (b, l, g) = (p(&base), p(&low), p(&guard));
    eprintln!(
        "pool: GOGC=100 {} cycles, hit {:.4}, {} misses, {} MiB allocated; GOGC=25 {} cycles, hit {:.4}, {} misses, {} MiB; pooled at end {} MiB vs {} MiB with the guard, peak heap {} vs {} MiB",
        base.summary.gc.cycles,
        b.hit_rate,
        b.misses,
        base.summary.alloc_bytes >> 20,
        low.summary.gc.cycles,
        l.hit_rate,
        l.misses,
        low.summary.alloc_bytes >> 20,
        b.pooled_bytes >> 20,
        g.pooled_bytes >> 20,
        base.summary.gc.peak_heap_bytes >> 20,
        guard.summary.gc.peak_heap_bytes >> 20
    );
    assert!(low.summary.gc.cycles > 2 * base.summary.gc.cycles);
    assert!(l.hit_rate < b.hit_rate);
    assert!(l.misses as f64 > 1.5 * b.misses as f64);
    assert!(l.gc_dropped_objects > b.gc_dropped_objects);
    // The same requests (same seed): without the 16 MiB exports (whose one miss more or less
    // would swamp it), every extra miss is a 64 KiB buffer allocated anew.
    let no_bulk = ["params.bulk_start=10s", "params.bulk_stop=11s"];
    let base_nb = run("sync-pool", &no_bulk);
    let low_nb = run("sync-pool", &[no_bulk[0], no_bulk[1], "runtime.gogc=25"]);
    let extra = p(&low_nb).misses - p(&base_nb).misses;
    assert!(extra > 100, "{extra} more misses at GOGC=25");
    // Up to the garbage of the requests still in flight at the end (16 KiB each, and an
    // assist can stop a batch part-way): far less than one more miss per 16 requests.
    let diff = low_nb.summary.alloc_bytes - base_nb.summary.alloc_bytes;
    assert!(
        diff.abs_diff(extra * 64 * 1024) < 256 * 1024,
        "{diff} more bytes allocated for {extra} more misses"
    );
    assert!(b.hit_rate > 0.95, "a pool mostly hits");
    // Huge buffers put back: still pooled a second after the last export.
    assert!(b.pooled_bytes > 32 * MIB);
    assert!(g.pooled_bytes < 8 * MIB);
    assert!(g.put_dropped > 0);
    assert!(base.summary.gc.peak_heap_bytes > 2 * guard.summary.gc.peak_heap_bytes);
}

/// The pool's GC rule (Go 1.13+): an object put back survives one cycle in the victim cache
/// (a Get after one GC still hits) and is freed by the second.
#[test]
fn a_pooled_object_survives_one_gc_and_is_dropped_by_the_second() {
    let text = r#"
[meta]
name = "victim"
duration = "1s"
[runtime]
gomaxprocs = 1
[[pools]]
name = "p"
[[goroutines]]
name = "main"
count = 1
program = [
  { op = "pool_get", pool = "p", size = "1MiB" },
  { op = "pool_put", pool = "p" },
  { op = "gc" },
  { op = "pool_get", pool = "p", size = "1MiB" },
  { op = "pool_put", pool = "p" },
  { op = "gc" },
  { op = "gc" },
  { op = "gc" },
  { op = "pool_get", pool = "p", size = "1MiB" },
  { op = "repeat", n = "forever", body = [{ op = "sleep", time = "100ms" }] },
]
"#;
    let sc = models::scenario::parse_scenario(text, "victim.toml", &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let r = run_scenario(&sc, RunOptions::default()).expect("runs");
    let p = &r.summary.pools[0];
    assert_eq!((p.gets, p.hits, p.victim_hits, p.misses), (3, 1, 1, 2));
    assert_eq!(p.gc_dropped_objects, 1);
    let recs = &r.world.gc.records;
    assert_eq!(recs.len(), 4);
    // Cycles 1 and 2 mark the pooled MiB (victim cache); 3 and 4 do not.
    assert!(recs[0].heap_marked >= MIB && recs[1].heap_marked >= MIB);
    assert!(
        recs[2].heap_marked < MIB / 2,
        "dropped at the second GC after its Put"
    );
}

/// Found with the LLM scenario: a goroutine readied by the netpoller after an `io` wait is
/// runnable from its readiness, so with idle Ps its scheduling latency is the wake-up path
/// (microseconds), not the time since it last ran.
#[test]
fn io_readiness_starts_the_scheduling_latency_clock() {
    let text = r#"
[meta]
name = "netpoll"
duration = "1s"
[runtime]
gomaxprocs = 4
[[goroutines]]
name = "a"
count = 4
program = [{ op = "repeat", n = "forever", body = [{ op = "io", time = "400us" }, { op = "compute", time = "10us" }] }]
"#;
    let sc = models::scenario::parse_scenario(text, "netpoll.toml", &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let r = run_scenario(&sc, RunOptions::default()).expect("runs");
    let l = r.summary.sched_latency_ns;
    assert!(l.count > 8000, "{} runs", l.count);
    assert!(l.p99 < 100_000, "p99 {} ns with idle Ps", l.p99);
}
