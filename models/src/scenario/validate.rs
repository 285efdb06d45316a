//! Semantic checks that the types alone cannot express: ranges, references between names,
//! distribution parameters. Each failure names the exact field path.

use super::schema::*;
use crate::units::Dur;

type Check = Result<(), (String, String)>;

const DAY: u64 = 86_400_000_000_000;
const TIB: u64 = 1 << 40;
/// A channel buffer is a real allocation in Go; beyond this it is a typo.
const MAX_CHAN_CAP: u64 = 1 << 30;

fn fail<T>(path: impl Into<String>, msg: impl Into<String>) -> Result<T, (String, String)> {
    Err((path.into(), msg.into()))
}

fn dist_u64<T: Copy>(d: &Dist<T>, path: &str, f: impl Fn(T) -> u64, max: u64, what: &str) -> Check {
    let check = |v: T, p: String| -> Check {
        if f(v) > max {
            fail(p, format!("{what} too large (at most {max})"))
        } else {
            Ok(())
        }
    };
    match d {
        Dist::Const(v) => check(*v, path.to_string()),
        Dist::Uniform { min, max: hi } => {
            check(*min, format!("{path}.min"))?;
            check(*hi, format!("{path}.max"))?;
            if f(*min) > f(*hi) {
                return fail(format!("{path}.min"), "min is larger than max");
            }
            Ok(())
        }
        Dist::Exp { mean } => check(*mean, format!("{path}.mean")),
        Dist::Normal { mean, stddev } | Dist::LogNormal { mean, stddev } => {
            check(*mean, format!("{path}.mean"))?;
            check(*stddev, format!("{path}.stddev"))
        }
        Dist::Empirical { values, weights } => {
            if values.is_empty() {
                return fail(
                    format!("{path}.values"),
                    "an empirical distribution needs at least one value",
                );
            }
            if weights.len() != values.len() {
                return fail(
                    format!("{path}.weights"),
                    format!("{} weights for {} values", weights.len(), values.len()),
                );
            }
            if weights.iter().any(|w| !w.is_finite() || *w < 0.0)
                || weights.iter().sum::<f64>() <= 0.0
            {
                return fail(
                    format!("{path}.weights"),
                    "weights must be ≥ 0 and not all 0",
                );
            }
            for (i, v) in values.iter().enumerate() {
                check(*v, format!("{path}.values[{i}]"))?;
            }
            Ok(())
        }
    }
}

fn durs(d: &DurDist, path: &str) -> Check {
    dist_u64(d, path, |x: Dur| x.0, DAY, "duration")
}

/// An allocation's object size (at most 1 TiB) and scanned fraction (in [0, 1]).
fn size_scan(size: &Dist<crate::units::Bytes>, scan: f64, p: &str) -> Check {
    dist_u64(
        size,
        &format!("{p}.size"),
        |b: crate::units::Bytes| b.0,
        TIB,
        "size",
    )?;
    fraction(scan, p, "scan")
}

/// The op field `{p}.{name}` is a fraction in [0, 1].
fn fraction(v: f64, p: &str, name: &str) -> Check {
    if !(0.0..=1.0).contains(&v) {
        return fail(
            format!("{p}.{name}"),
            format!("{name} is a fraction in [0, 1], got {v}"),
        );
    }
    Ok(())
}

fn unique<'a>(names: impl Iterator<Item = &'a str>, list: &str) -> Check {
    let mut seen: Vec<&str> = Vec::new();
    for (i, n) in names.enumerate() {
        if n.is_empty() {
            return fail(format!("{list}[{i}].name"), "a name cannot be empty");
        }
        if seen.contains(&n) {
            return fail(
                format!("{list}[{i}].name"),
                format!("`{n}` is defined twice"),
            );
        }
        seen.push(n);
    }
    Ok(())
}

fn refers(name: &str, list: &[&str], path: String, what: &str, table: &str) -> Check {
    if list.contains(&name) {
        return Ok(());
    }
    let hint = super::de::closest(name, list.iter().copied())
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    fail(
        path,
        format!("no {what} named `{name}`{hint}; declare it in [[{table}]]"),
    )
}

struct Names<'a> {
    classes: Vec<&'a str>,
    chans: Vec<&'a str>,
    mutexes: Vec<&'a str>,
    wgs: Vec<&'a str>,
    pipes: Vec<&'a str>,
    pools: Vec<&'a str>,
}

fn ops(list: &[Op], path: &str, n: &Names, limits: &Limits, depth: usize) -> Check {
    if depth > crate::sched::types::MAX_LOOP_DEPTH {
        return fail(path, "`repeat` loops are nested too deeply (at most 8)");
    }
    for (i, op) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match op {
            Op::Compute {
                time,
                units,
                yield_every,
                calls_every,
                ..
            } => {
                durs(time, &format!("{p}.time"))?;
                if *units == 0 {
                    return fail(format!("{p}.units"), "units must be at least 1");
                }
                if *yield_every > *units {
                    return fail(
                        format!("{p}.yield_every"),
                        "yield_every is larger than units",
                    );
                }
                if let Some(CallsEvery::Every(d)) = calls_every
                    && d.0 == 0
                {
                    return fail(
                        format!("{p}.calls_every"),
                        "use \"none\" for a loop without calls, not 0",
                    );
                }
                if let Some(CallsEvery::Every(d)) = calls_every
                    && d.0 > DAY
                {
                    return fail(format!("{p}.calls_every"), "at most 24h (or \"none\")");
                }
            }
            Op::Alloc {
                size,
                count,
                lifetime,
                scan,
                pointers,
                written: _,
            } => {
                size_scan(size, *scan, &p)?;
                fraction(*pointers, &p, "pointers")?;
                dist_u64(count, &format!("{p}.count"), |c: u64| c, 1 << 32, "count")?;
                if let Lifetime::For(d) = lifetime {
                    durs(d, &format!("{p}.lifetime"))?;
                }
            }
            Op::Syscall { time, .. } | Op::Io { time } | Op::Sleep { time } => {
                durs(time, &format!("{p}.time"))?
            }
            Op::Spawn { class, count } => {
                refers(
                    class,
                    &n.classes,
                    format!("{p}.class"),
                    "goroutine class",
                    "goroutines",
                )?;
                if *count > limits.max_goroutines {
                    return fail(
                        format!("{p}.count"),
                        format!(
                            "count exceeds limits.max_goroutines ({})",
                            limits.max_goroutines
                        ),
                    );
                }
            }
            Op::Send { chan } | Op::Recv { chan } | Op::Close { chan } => {
                refers(chan, &n.chans, format!("{p}.chan"), "channel", "channels")?
            }
            Op::Lock { mutex } | Op::Unlock { mutex } => {
                refers(mutex, &n.mutexes, format!("{p}.mutex"), "mutex", "mutexes")?
            }
            Op::WgAdd { wg, .. } | Op::WgDone { wg } | Op::WgWait { wg } => {
                refers(wg, &n.wgs, format!("{p}.wg"), "wait group", "waitgroups")?
            }
            Op::PipeWrite { pipe } | Op::PipeRead { pipe } => {
                refers(pipe, &n.pipes, format!("{p}.pipe"), "pipe", "pipes")?
            }
            Op::PoolGet { pool, size, scan } => {
                refers(pool, &n.pools, format!("{p}.pool"), "pool", "pools")?;
                size_scan(size, *scan, &p)?;
            }
            Op::PoolPut { pool, max_size } => {
                refers(pool, &n.pools, format!("{p}.pool"), "pool", "pools")?;
                if let Some(m) = max_size
                    && m.0 > TIB
                {
                    return fail(format!("{p}.max_size"), "max_size too large (at most 1TiB)");
                }
            }
            Op::Repeat { body, .. } => ops(body, &format!("{p}.body"), n, limits, depth + 1)?,
            Op::Gomaxprocs { n: procs } => {
                if !(1..=1024).contains(procs) {
                    return fail(
                        format!("{p}.n"),
                        format!("GOMAXPROCS must be 1..=1024, got {procs}"),
                    );
                }
            }
            Op::Stack { size } => {
                if size.0 == 0 || size.0 > crate::sched::stack::MAX_STACK_SIZE {
                    return fail(
                        format!("{p}.size"),
                        format!(
                            "a goroutine stack must be between 1 B and 1 GB (Go's maxstacksize; beyond it the runtime dies with \"stack overflow\"), got {}",
                            size.0
                        ),
                    );
                }
            }
            Op::Pace { every } => {
                if every.0 == 0 {
                    return fail(format!("{p}.every"), "a pace period must be above 0");
                }
            }
            Op::Phase { name } => {
                if name.is_empty() {
                    return fail(format!("{p}.name"), "a phase needs a name");
                }
            }
            Op::Gosched
            | Op::Respond
            | Op::Begin
            | Op::Gc
            | Op::SetGcPercent { .. }
            | Op::SetMemoryLimit { .. }
            | Op::Exit => {}
        }
    }
    Ok(())
}

/// `[machine]`: counts ≥ 1, a positive quota and period, a factor ≥ 1.
fn machine(m: &MachineCfg) -> Check {
    if !(1..=64).contains(&m.numa_nodes) {
        return fail(
            "machine.numa_nodes",
            format!("expected 1..=64, got {}", m.numa_nodes),
        );
    }
    if let Some(c) = m.cores_per_node
        && !(1..=1024).contains(&c)
    {
        return fail(
            "machine.cores_per_node",
            format!("expected 1..=1024, got {c}"),
        );
    }
    if !(1..=8).contains(&m.smt) {
        return fail("machine.smt", format!("expected 1..=8, got {}", m.smt));
    }
    let f = m.remote_access_factor;
    if !f.is_finite() || !(1.0..=10.0).contains(&f) {
        return fail(
            "machine.remote_access_factor",
            format!("expected 1.0..=10.0, got {f}"),
        );
    }
    if let Some(q) = m.cpu_quota
        && (!q.is_finite() || q <= 0.0 || q > 4096.0)
    {
        return fail(
            "machine.cpu_quota",
            format!(
                "must be a number of CPUs > 0 (at most 4096), got {q}; leave it out for no quota"
            ),
        );
    }
    if m.cpu_period.0 < 1_000_000 || m.cpu_period.0 > 1_000_000_000 {
        return fail(
            "machine.cpu_period",
            format!(
                "must be between 1ms and 1s (the kernel's limits), got {}",
                m.cpu_period
            ),
        );
    }
    if m.kernel_timeslice.0 == 0 || m.kernel_timeslice.0 > 1_000_000_000 {
        return fail(
            "machine.kernel_timeslice",
            format!("must be > 0 and at most 1s, got {}", m.kernel_timeslice),
        );
    }
    let floor = m.mark_cache_floor.0;
    if floor == 0 || floor > crate::gc::locality::REF_HEAP {
        return fail(
            "machine.mark_cache_floor",
            format!("must be > 0 and at most 64MiB, got {}", m.mark_cache_floor),
        );
    }
    // At the floor the cost must stay positive.
    let d = m.mark_cost_per_doubling;
    let halvings = (crate::gc::locality::REF_HEAP as f64 / floor as f64).log2();
    if !d.is_finite() || d < 0.0 || d * halvings >= 1.0 {
        return fail(
            "machine.mark_cost_per_doubling",
            format!(
                "must be >= 0 and below {:.3} (1 / the {halvings:.1} halvings from 64MiB down to \
                 machine.mark_cache_floor), got {d}",
                1.0 / halvings
            ),
        );
    }
    Ok(())
}

/// Checks a deserialised scenario.
pub fn validate(s: &Scenario) -> Check {
    let d = s.meta.duration.0;
    if d == 0 || d > DAY {
        return fail(
            "meta.duration",
            format!("must be > 0 and at most 24h, got {}", s.meta.duration),
        );
    }
    if s.meta.name.is_empty() {
        return fail("meta.name", "a scenario needs a name");
    }
    if let Some(g) = s.runtime.gomaxprocs
        && !(1..=1024).contains(&g)
    {
        return fail("runtime.gomaxprocs", format!("expected 1..=1024, got {g}"));
    }
    if !(1..=4096).contains(&s.runtime.cpus) {
        return fail(
            "runtime.cpus",
            format!("expected 1..=4096, got {}", s.runtime.cpus),
        );
    }
    if let Some(m) = &s.machine {
        machine(m)?;
    }
    if let MemLimit::Bytes(b) = s.runtime.gomemlimit
        && (b == 0 || b > TIB)
    {
        return fail(
            "runtime.gomemlimit",
            "must be a size between 1 byte and 1TiB, or \"off\"",
        );
    }
    let l = &s.limits;
    for (k, v) in [
        ("max_events", l.max_events),
        ("max_goroutines", l.max_goroutines),
        ("max_threads", l.max_threads),
    ] {
        if v == 0 {
            return fail(format!("limits.{k}"), "must be at least 1");
        }
    }
    if l.max_events > 4_000_000_000 {
        return fail(
            "limits.max_events",
            "at most 4e9 (the event queue's sequence numbers are 32-bit)",
        );
    }
    let c = &s.costs;
    for (k, v) in [
        ("g_switch", c.g_switch),
        ("g_migrate", c.g_migrate),
        ("find_runnable", c.find_runnable),
        ("steal_probe", c.steal_probe),
        ("sched_lock", c.sched_lock),
        ("sched_lock_transfer", c.sched_lock_transfer),
        ("timer_slack", c.timer_slack),
        ("sleep_overhead", c.sleep_overhead),
        ("futex_wake", c.futex_wake),
        ("new_thread", c.new_thread),
        ("signal_delivery", c.signal_delivery),
        ("syscall_overhead", c.syscall_overhead),
        ("newproc", c.newproc),
        ("sync_op", c.sync_op),
        ("goready", c.goready),
        ("netpoll", c.netpoll),
        ("mark_per_kib_greentea", c.mark_per_kib_greentea),
        ("mark_per_kib_classic", c.mark_per_kib_classic),
        ("sweep_per_page", c.sweep_per_page),
        ("sweep_free_per_page", c.sweep_free_per_page),
        ("mark_alloc_per_object", c.mark_alloc_per_object),
        ("write_barrier_per_pointer", c.write_barrier_per_pointer),
        ("write_barrier_contended", c.write_barrier_contended),
        ("scavenge_per_page", c.scavenge_per_page),
        ("zero_per_kib", c.zero_per_kib),
        ("mark_zero_per_kib", c.mark_zero_per_kib),
        ("page_fault", c.page_fault),
        ("stack_copy_per_kib", c.stack_copy_per_kib),
        ("gc_stw_work", c.gc_stw_work),
    ] {
        if v.0 > 1_000_000_000 {
            return fail(format!("costs.{k}"), format!("at most 1s, got {v}"));
        }
    }
    for (k, v) in [
        ("globals", s.gc.globals),
        ("runtime_overhead", s.gc.runtime_overhead),
    ] {
        if v.0 > TIB {
            return fail(format!("gc.{k}"), "at most 1TiB");
        }
    }
    let st = s.gc.stack_start.0;
    if !(512..=(1 << 30)).contains(&st) || !st.is_power_of_two() {
        return fail(
            "gc.stack_start",
            format!("a power of two from 512B to 1GiB, got {}", s.gc.stack_start),
        );
    }
    if s.gc.stack_scan_per_goroutine.0 > st {
        return fail(
            "gc.stack_scan_per_goroutine",
            "cannot exceed gc.stack_start",
        );
    }
    // A phase at or after the end of the run never starts: shortening a run with
    // `--set meta.duration=…` must not make its phase markers an error.
    unique(s.goroutines.iter().map(|g| g.name.as_str()), "goroutines")?;
    unique(s.channels.iter().map(|g| g.name.as_str()), "channels")?;
    unique(s.mutexes.iter().map(|g| g.name.as_str()), "mutexes")?;
    unique(s.waitgroups.iter().map(|g| g.name.as_str()), "waitgroups")?;
    unique(s.pipes.iter().map(|g| g.name.as_str()), "pipes")?;
    unique(s.pools.iter().map(|g| g.name.as_str()), "pools")?;
    unique(s.arrivals.iter().map(|g| g.name.as_str()), "arrivals")?;
    unique(s.clients.iter().map(|g| g.name.as_str()), "clients")?;
    let names = Names {
        classes: s.goroutines.iter().map(|g| g.name.as_str()).collect(),
        chans: s.channels.iter().map(|g| g.name.as_str()).collect(),
        mutexes: s.mutexes.iter().map(|g| g.name.as_str()).collect(),
        wgs: s.waitgroups.iter().map(|g| g.name.as_str()).collect(),
        pipes: s.pipes.iter().map(|g| g.name.as_str()).collect(),
        pools: s.pools.iter().map(|g| g.name.as_str()).collect(),
    };
    for (i, c) in s.channels.iter().enumerate() {
        if c.capacity > MAX_CHAN_CAP {
            return fail(
                format!("channels[{i}].capacity"),
                format!("at most {MAX_CHAN_CAP}, got {}", c.capacity),
            );
        }
    }
    // Start and stop times are absolute; a day bounds them like every other duration.
    let starts = s
        .goroutines
        .iter()
        .enumerate()
        .map(|(i, g)| (format!("goroutines[{i}].start"), g.start))
        .chain(s.arrivals.iter().enumerate().flat_map(|(i, a)| {
            [(format!("arrivals[{i}].start"), a.start)]
                .into_iter()
                .chain(a.stop.map(|d| (format!("arrivals[{i}].stop"), d)))
        }))
        .chain(
            s.clients
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("clients[{i}].start"), c.start)),
        );
    for (path, t) in starts {
        if t.0 > DAY {
            return fail(path, format!("at most 24h, got {t}"));
        }
    }
    let mut started = 0u64;
    for (i, g) in s.goroutines.iter().enumerate() {
        if g.count > l.max_goroutines {
            return fail(
                format!("goroutines[{i}].count"),
                format!("exceeds limits.max_goroutines ({})", l.max_goroutines),
            );
        }
        started = started.saturating_add(g.count);
        ops(
            &g.program,
            &format!("goroutines[{i}].program"),
            &names,
            l,
            0,
        )?;
    }
    for (i, a) in s.arrivals.iter().enumerate() {
        let r = a.rate.0;
        // 0 turns the stream off (a what-if without it); negative and NaN are typos.
        if !(0.0..=1e9).contains(&r) {
            return fail(
                format!("arrivals[{i}].rate"),
                format!("must be >= 0 and at most 1G/s, got {}", a.rate),
            );
        }
        if let Some(stop) = a.stop
            && stop.0 <= a.start.0
        {
            return fail(format!("arrivals[{i}].stop"), "stop must come after start");
        }
        ops(&a.program, &format!("arrivals[{i}].program"), &names, l, 0)?;
    }
    for (i, c) in s.clients.iter().enumerate() {
        if c.count == 0 || c.count > l.max_goroutines {
            return fail(
                format!("clients[{i}].count"),
                "must be at least 1 and at most limits.max_goroutines",
            );
        }
        durs(&c.think, &format!("clients[{i}].think"))?;
        ops(&c.program, &format!("clients[{i}].program"), &names, l, 0)?;
    }
    let clients: u64 = s.clients.iter().map(|c| c.count).sum();
    if started.saturating_add(clients) > l.max_goroutines {
        return fail(
            "goroutines",
            format!(
                "{} goroutines start at once (classes and clients), more than limits.max_goroutines ({})",
                started.saturating_add(clients),
                l.max_goroutines
            ),
        );
    }
    if started == 0 && s.arrivals.is_empty() && s.clients.is_empty() {
        return fail(
            "goroutines",
            "nothing runs: give a goroutine class a count, or add [[arrivals]] or [[clients]]",
        );
    }
    Ok(())
}
