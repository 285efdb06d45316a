//! The run summary: one serialisable struct, printed as text for people or as JSON/CSV.

use crate::sim::World;
use serde::Serialize;
use sim_core::stats::{Histogram, Quantiles};
use sim_core::time::fmt_duration;
use sim_core::{Nanos, RunOutcome, StopReason};
use std::fmt::Write;

/// Latency percentiles in nanoseconds.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Lat {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl From<Quantiles> for Lat {
    fn from(q: Quantiles) -> Self {
        Lat {
            count: q.count,
            p50: q.p50,
            p90: q.p90,
            p99: q.p99,
            p999: q.p999,
            max: q.max,
        }
    }
}

fn lat(h: &Histogram) -> Lat {
    h.quantiles().into()
}

#[derive(Clone, Debug, Serialize)]
pub struct PhaseSummary {
    pub name: String,
    pub start_ns: Nanos,
    pub end_ns: Nanos,
    pub requests: u64,
    /// GC cycles that started in this phase.
    pub gc_cycles: u32,
    pub latency_ns: Lat,
    pub sched_latency_ns: Lat,
}

#[derive(Clone, Debug, Serialize)]
pub struct Goroutines {
    pub created: u64,
    pub max_alive: u64,
    pub alive_at_end: u64,
    /// Stack doublings (`newstack`), and all goroutine stacks at the end and at their peak.
    pub stack_growths: u64,
    pub stack_bytes_at_end: u64,
    pub peak_stack_bytes: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Requests {
    pub completed: u64,
    pub throughput_per_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Preemptions {
    pub requested: u64,
    pub sync: u64,
    pub r#async: u64,
    pub to_runnext_for_stw: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SchedCounters {
    pub steals: u64,
    pub runnext_steals: u64,
    pub preemptions: Preemptions,
    pub syscalls: u64,
    pub syscall_handoffs: u64,
    pub syscall_exit_slow: u64,
    pub gosched: u64,
    pub runq_spills: u64,
    pub spilled_goroutines: u64,
    pub global_fairness_picks: u64,
    pub timers_fired: u64,
    pub spinning_ns: Nanos,
    pub threads: u64,
    pub stw_pauses: u64,
    pub stw_max_ns: Nanos,
}

#[derive(Clone, Debug, Serialize)]
pub struct PSummary {
    pub id: u32,
    /// Share of the run spent running goroutines.
    pub utilization: f64,
    pub user_ns: Nanos,
    pub scheduler_ns: Nanos,
    pub syscall_ns: Nanos,
    pub schedtick: u32,
}

/// STW pause percentiles.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Stw {
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
}

/// The collector's summary (`gc` in the JSON).
#[derive(Clone, Debug, Serialize)]
pub struct GcSummary {
    pub cycles: u32,
    /// GC CPU (STW, background, assist) over GOMAXPROCS × time, idle marking excluded.
    pub cpu_fraction: f64,
    /// GC CPU outside assists (STW and dedicated/fractional workers) over GOMAXPROCS × time.
    pub background_fraction: f64,
    pub assist_fraction: f64,
    pub idle_fraction: f64,
    pub stw_ns: Stw,
    pub final_goal_bytes: u64,
    pub final_marked_bytes: u64,
    pub peak_heap_bytes: u64,
    pub mean_goal_over_prev_marked: f64,
    /// Mean of the completed cycles' heap goals (the final goal when no cycle completed).
    pub mean_goal_bytes: u64,
    pub gogc: i32,
    pub memory_limit: Option<u64>,
    /// Mapped-ready memory (retained heap pages + stacks + runtime overhead) at its peak, and
    /// at the end.
    pub peak_rss_bytes: u64,
    pub final_rss_bytes: u64,
    /// Heap pages returned to the OS at the end, and in total, by the scavenger.
    pub heap_released_bytes: u64,
    pub scavenged_bytes: u64,
    /// CPU spent sweeping by allocating goroutines (proportional sweep) and by `bgsweep`.
    pub sweep_mutator_ns: u64,
    pub sweep_background_ns: u64,
    /// Assists that parked on the assist queue for lack of mark work.
    pub assist_parks: u64,
    /// Cycles that ended with the GC CPU limiter on (assists off).
    pub limited_cycles: u32,
}

/// Everything `gmpsim run` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub go_version: String,
    pub gomaxprocs: u32,
    pub sim_time_ns: Nanos,
    pub events: u64,
    pub stop_reason: String,
    /// Rolling hash of every event: equal for equal runs.
    pub run_hash: String,
    pub phases: Vec<PhaseSummary>,
    pub requests: Requests,
    pub latency_ns: Lat,
    pub sched_latency_ns: Lat,
    /// Share of scheduling latencies (runnable → running) above 100 ms.
    pub sched_latency_over_100ms: f64,
    pub goroutines: Goroutines,
    pub scheduler: SchedCounters,
    pub per_p: Vec<PSummary>,
    pub alloc_bytes: u64,
    pub gc: GcSummary,
    /// `sync.Pool`s: gets, hit rate, pooled bytes (empty when the scenario declares none).
    pub pools: Vec<crate::workload::pool::PoolStats>,
    /// The machine under the runtime (`[machine]`).
    pub machine: crate::machine::MachineSummary,
}

fn reason(r: &StopReason) -> String {
    match r {
        StopReason::TimeLimit => "time limit".into(),
        StopReason::EventLimit => "event limit (limits.max_events)".into(),
        StopReason::Drained => "no more events (every goroutine finished or blocked)".into(),
        StopReason::Finished => "finished".into(),
        StopReason::ResourceLimit(s) => s.clone(),
        StopReason::Failed(s) => format!("the program failed: {s}"),
    }
}

impl Summary {
    pub fn from_world(w: &mut World, out: &RunOutcome) -> Summary {
        let end = out.end_time;
        w.stats.finish(end);
        for p in 0..w.allp.len() as u32 {
            let a = w.allp[p as usize].activity;
            w.set_activity(p, a, end);
        }
        let s = &w.stats;
        let secs = end as f64 / 1e9;
        Summary {
            scenario: w.scenario_name.clone(),
            seed: w.seed,
            go_version: w.rules.version.to_string(),
            gomaxprocs: w.gomaxprocs,
            sim_time_ns: end,
            events: out.events,
            stop_reason: reason(&out.reason),
            run_hash: format!("{:016x}", out.hash),
            phases: s
                .phases
                .iter()
                .map(|p| PhaseSummary {
                    name: p.name.clone(),
                    start_ns: p.start,
                    end_ns: p.end.unwrap_or(end),
                    requests: p.requests,
                    gc_cycles: w
                        .gc
                        .records
                        .iter()
                        .filter(|r| r.start_ns >= p.start && r.start_ns < p.end.unwrap_or(u64::MAX))
                        .count() as u32,
                    latency_ns: lat(&p.latency),
                    sched_latency_ns: lat(&p.sched_latency),
                })
                .collect(),
            requests: Requests {
                completed: s.requests,
                throughput_per_s: if secs > 0.0 {
                    s.requests as f64 / secs
                } else {
                    0.0
                },
            },
            latency_ns: lat(&s.latency),
            sched_latency_ns: lat(&s.sched_latency),
            sched_latency_over_100ms: s.sched_latency.fraction_above(100_000_000),
            goroutines: Goroutines {
                created: s.goroutines_created,
                max_alive: s.max_alive,
                alive_at_end: w.live_gs,
                stack_growths: s.stack_growths,
                stack_bytes_at_end: w.gc.ctrl.max_stack_scan,
                peak_stack_bytes: w.gc.peak_stacks,
            },
            scheduler: SchedCounters {
                steals: s.steals,
                runnext_steals: s.runnext_steals,
                preemptions: Preemptions {
                    requested: s.preempt_requests,
                    sync: s.preempt_sync,
                    r#async: s.preempt_async,
                    to_runnext_for_stw: s.preempt_to_runnext,
                },
                syscalls: s.syscalls,
                syscall_handoffs: s.syscall_handoffs,
                syscall_exit_slow: s.syscall_exit_slow,
                gosched: s.gosched,
                runq_spills: s.runq_spills,
                spilled_goroutines: s.spilled_gs,
                global_fairness_picks: s.global_fairness_picks,
                timers_fired: s.timers_fired,
                spinning_ns: s.spinning_ns,
                threads: w.ms.len() as u64,
                stw_pauses: s.stw.count(),
                stw_max_ns: s.stw.max(),
            },
            per_p: w
                .allp
                .iter()
                .map(|p| PSummary {
                    id: p.id,
                    utilization: if end > 0 {
                        p.user_ns as f64 / end as f64
                    } else {
                        0.0
                    },
                    user_ns: p.user_ns,
                    scheduler_ns: p.sched_ns,
                    syscall_ns: p.syscall_ns,
                    schedtick: p.schedtick,
                })
                .collect(),
            alloc_bytes: s.alloc_bytes,
            gc: {
                let rss = w.mapped_ready();
                let g = &w.gc;
                let total = end as f64 * w.gomaxprocs as f64;
                let frac = |x: u64| if total > 0.0 { x as f64 / total } else { 0.0 };
                GcSummary {
                    cycles: g.cycles,
                    cpu_fraction: frac(g.total_gc_cpu - g.total_idle_cpu),
                    background_fraction: frac(
                        (g.total_gc_cpu - g.total_idle_cpu).saturating_sub(g.total_assist),
                    ),
                    assist_fraction: frac(g.total_assist),
                    idle_fraction: frac(g.total_idle_cpu),
                    stw_ns: Stw {
                        p50: g.stw.quantile(0.5),
                        p99: g.stw.quantile(0.99),
                        max: g.stw.max(),
                    },
                    final_goal_bytes: g.ctrl.heap_goal(),
                    final_marked_bytes: g.ctrl.heap_marked,
                    peak_heap_bytes: g.peak_heap,
                    mean_goal_over_prev_marked: if g.goal_n > 0 {
                        g.goal_sum / g.goal_n as f64
                    } else {
                        0.0
                    },
                    mean_goal_bytes: if g.records.is_empty() {
                        g.ctrl.heap_goal()
                    } else {
                        (g.records.iter().map(|r| r.heap_goal as u128).sum::<u128>()
                            / g.records.len() as u128) as u64
                    },
                    gogc: g.ctrl.gc_percent,
                    memory_limit: (g.ctrl.memory_limit != i64::MAX)
                        .then_some(g.ctrl.memory_limit as u64),
                    peak_rss_bytes: g.peak_rss.max(rss),
                    final_rss_bytes: rss,
                    heap_released_bytes: g.heap.pages.released,
                    scavenged_bytes: g.heap.pages.scavenged_total,
                    sweep_mutator_ns: g.sweep.mutator_ns,
                    sweep_background_ns: g.sweep.background_ns,
                    assist_parks: g.assist_parks,
                    limited_cycles: g.limited_cycles,
                }
            },
            pools: w.sync.pools.stats(),
            machine: crate::machine::MachineSummary::from_world(w),
        }
    }

    /// The human-readable summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let d = |n: u64| fmt_duration(n);
        let _ = writeln!(
            s,
            "scenario  {}  (Go {}, GOMAXPROCS={}, seed {})",
            self.scenario, self.go_version, self.gomaxprocs, self.seed
        );
        let _ = writeln!(
            s,
            "simulated {} in {} events; stopped: {}",
            d(self.sim_time_ns),
            self.events,
            self.stop_reason
        );
        let _ = writeln!(
            s,
            "requests  {} completed, {:.0}/s",
            self.requests.completed, self.requests.throughput_per_s
        );
        let l = &self.latency_ns;
        if l.count > 0 {
            let _ = writeln!(
                s,
                "latency   p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
                d(l.p50),
                d(l.p90),
                d(l.p99),
                d(l.p999),
                d(l.max)
            );
        }
        let l = &self.sched_latency_ns;
        let _ = writeln!(
            s,
            "sched lat p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (runnable → running, {} runs)",
            d(l.p50),
            d(l.p90),
            d(l.p99),
            d(l.p999),
            d(l.max),
            l.count
        );
        if self.sched_latency_over_100ms > 0.0 {
            let _ = writeln!(
                s,
                "          {:.1}% of the runs waited over 100ms",
                self.sched_latency_over_100ms * 100.0
            );
        }
        let g = &self.goroutines;
        let _ = writeln!(
            s,
            "goroutines {} created, {} max alive, {} alive at end",
            g.created, g.max_alive, g.alive_at_end
        );
        let c = &self.scheduler;
        let _ = writeln!(
            s,
            "scheduler steals {} (runnext {}), preemptions {} sync + {} async (of {} requests), gosched {}",
            c.steals,
            c.runnext_steals,
            c.preemptions.sync,
            c.preemptions.r#async,
            c.preemptions.requested,
            c.gosched
        );
        let _ = writeln!(
            s,
            "          syscalls {}, P handoffs (retake) {}, slow exits {}, runq spills {} ({} Gs), 1/61 global picks {}",
            c.syscalls,
            c.syscall_handoffs,
            c.syscall_exit_slow,
            c.runq_spills,
            c.spilled_goroutines,
            c.global_fairness_picks
        );
        let _ = writeln!(
            s,
            "          threads {}, spinning {}, timers fired {}, STW pauses {} (max {})",
            c.threads,
            d(c.spinning_ns),
            c.timers_fired,
            c.stw_pauses,
            d(c.stw_max_ns)
        );
        let g = &self.gc;
        let _ = writeln!(
            s,
            "GC        {} cycles, GC CPU {:.1}% (of which assist {:.1}%; idle-P marking {:.1}% on top), STW p50 {} p99 {} max {}, peak heap {:.1} MiB, goal {}",
            g.cycles,
            g.cpu_fraction * 100.0,
            g.assist_fraction * 100.0,
            g.idle_fraction * 100.0,
            d(g.stw_ns.p50),
            d(g.stw_ns.p99),
            d(g.stw_ns.max),
            g.peak_heap_bytes as f64 / 1048576.0,
            // GOGC=off without a limit: the runtime's goal is the limit goal of an unlimited
            // heap, ~2^63 bytes; there is none to speak of.
            if g.gogc < 0 && g.memory_limit.is_none() {
                "none (GOGC=off, no limit)".to_string()
            } else {
                format!("{:.1} MiB", g.final_goal_bytes as f64 / 1048576.0)
            }
        );
        let mib = |b: u64| b as f64 / 1048576.0;
        let _ = writeln!(
            s,
            "Memory    RSS peak {:.1} MiB, end {:.1} MiB; released to the OS {:.1} MiB (scavenged {:.1} MiB in all); sweeping {} by allocators, {} by bgsweep",
            mib(g.peak_rss_bytes),
            mib(g.final_rss_bytes),
            mib(g.heap_released_bytes),
            mib(g.scavenged_bytes),
            d(g.sweep_mutator_ns),
            d(g.sweep_background_ns)
        );
        for p in &self.pools {
            let _ = writeln!(
                s,
                "pool {:<8} {} gets, hit rate {:.1}% ({} from the victim cache), {} misses, {} too small, {} puts ({} dropped by max_size), GC dropped {} objects ({:.1} MiB), pooled {:.1} MiB (peak {:.1} MiB)",
                p.name,
                p.gets,
                p.hit_rate * 100.0,
                p.victim_hits,
                p.misses,
                p.too_small,
                p.puts,
                p.put_dropped,
                p.gc_dropped_objects,
                p.gc_dropped_bytes as f64 / 1048576.0,
                p.pooled_bytes as f64 / 1048576.0,
                p.pooled_peak_bytes as f64 / 1048576.0
            );
        }
        let utils: Vec<String> = self
            .per_p
            .iter()
            .map(|p| format!("P{} {:.0}%", p.id, p.utilization * 100.0))
            .collect();
        let _ = writeln!(s, "P busy    {}", utils.join("  "));
        let _ = writeln!(s, "{}", self.machine.to_text());
        if self.phases.len() > 1 {
            // The implicit `main` phase before a scenario's first phase usually lasts a few ns
            // (main's spawns): it is left out of the text when it saw nothing.
            const EMPTY_PHASE_NS: Nanos = 1_000;
            for p in self
                .phases
                .iter()
                .filter(|p| p.requests > 0 || p.end_ns - p.start_ns > EMPTY_PHASE_NS)
            {
                let _ = writeln!(
                    s,
                    "phase {:<10} {} .. {}: {} requests, latency p99 {}, sched p99 {}",
                    p.name,
                    d(p.start_ns),
                    d(p.end_ns),
                    p.requests,
                    d(p.latency_ns.p99),
                    d(p.sched_latency_ns.p99)
                );
            }
        }
        s
    }
}
