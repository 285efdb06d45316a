//! Where goroutines come from: main's fixed classes, open-loop arrivals (constant or Poisson
//! rate, through the netpoller, one handler goroutine per request like net/http), closed-loop
//! clients with think time, and time-based phases.

use super::dist::Sampler;
use crate::scenario::{Process, Scenario};
use crate::sim::Ev;
use rand_distr::{Distribution, Exp};
use sim_core::Nanos;
use sim_core::RngStreams;
use sim_core::rng::Stream;

pub struct ArrivalRt {
    pub class: u16,
    pub gap: Option<Exp<f64>>,
    pub mean_gap: f64,
    /// `rate = 0`: the stream is off.
    pub off: bool,
    pub start: Nanos,
    pub stop: Nanos,
    pub rng: Stream,
}

impl ArrivalRt {
    /// Time to the next arrival.
    pub fn next_gap(&mut self) -> Nanos {
        match &self.gap {
            Some(e) => (e.sample(&mut self.rng).round() as Nanos).max(1),
            None => (self.mean_gap.round() as Nanos).max(1),
        }
    }
}

pub struct ClientRt {
    pub class: u16,
    pub think: Sampler,
    pub start: Nanos,
    pub source: u16,
}

pub struct Sources {
    pub arrivals: Vec<ArrivalRt>,
    pub clients: Vec<ClientRt>,
    pub client_rng: Vec<Stream>,
    /// main's classes: (start, class, count).
    pub fixed: Vec<(Nanos, u16, u64)>,
    pub timed_phases: Vec<Nanos>,
    pub timed_phase_names: Vec<String>,
    /// main's classes with a later start that have not started yet.
    pub pending_starts: usize,
}

impl Sources {
    pub fn new(
        sc: &Scenario,
        rng: &RngStreams,
        handler_class: Vec<u16>,
        client_class: Vec<u16>,
    ) -> Self {
        let arrivals = sc
            .arrivals
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mean_gap = 1e9 / a.rate.0.max(1e-9);
                ArrivalRt {
                    class: handler_class[i],
                    gap: match a.process {
                        Process::Poisson => Exp::new(1.0 / mean_gap).ok(),
                        Process::Constant => None,
                    },
                    mean_gap,
                    off: a.rate.0 <= 0.0,
                    start: a.start.0,
                    stop: a.stop.map_or(u64::MAX, |d| d.0),
                    rng: rng.stream_indexed("arrivals", i as u64),
                }
            })
            .collect();
        let mut clients = Vec::new();
        for (i, c) in sc.clients.iter().enumerate() {
            for _ in 0..c.count {
                clients.push(ClientRt {
                    class: client_class[i],
                    think: Sampler::new(&c.think, |d| d.0),
                    start: c.start.0,
                    source: i as u16,
                });
            }
        }
        let client_rng = (0..sc.clients.len())
            .map(|i| rng.stream_indexed("clients", i as u64))
            .collect();
        let fixed = sc
            .goroutines
            .iter()
            .enumerate()
            .filter(|(_, c)| c.count > 0)
            .map(|(i, c)| (c.start.0, i as u16, c.count))
            .collect();
        let pending_starts = sc
            .goroutines
            .iter()
            .filter(|c| c.count > 0 && c.start.0 > 0)
            .count();
        Sources {
            pending_starts,
            arrivals,
            clients,
            client_rng,
            fixed,
            timed_phases: sc.phases.iter().map(|p| p.at.0).collect(),
            timed_phase_names: sc.phases.iter().map(|p| p.name.clone()).collect(),
        }
    }

    /// First events of every source.
    pub fn boot(&mut self, out: &mut Vec<(Nanos, Ev)>) {
        for (i, a) in self.arrivals.iter_mut().enumerate() {
            if a.off {
                continue; // rate 0: the stream never fires
            }
            let t = a.start + a.next_gap();
            out.push((t, Ev::Arrival { src: i as u16 }));
        }
        for (i, c) in self.clients.iter().enumerate() {
            out.push((c.start, Ev::ClientNext { client: i as u32 }));
        }
        for (i, f) in self.fixed.iter().enumerate() {
            if f.0 > 0 {
                out.push((f.0, Ev::StartClass { idx: i as u16 }));
            }
        }
    }

    /// main's classes that start at time `t`.
    pub fn fixed_at(&self, t: Nanos) -> Vec<(u16, u64)> {
        self.fixed
            .iter()
            .filter(|f| f.0 == t)
            .map(|f| (f.1, f.2))
            .collect()
    }

    /// True when no source will ever create another goroutine.
    pub fn exhausted(&self) -> bool {
        self.arrivals.is_empty() && self.clients.is_empty() && self.pending_starts == 0
    }

    /// True when some source feeds requests through the netpoller (a listener exists).
    pub fn has_listener(&self) -> bool {
        !self.arrivals.is_empty() || !self.clients.is_empty()
    }
}
