//! What a sweep produces, independent of how it is drawn: the grid (axes and seeds), one row of
//! metrics per point and seed, and the columns of `results.csv`.

use models::report::Summary;
use serde::{Deserialize, Serialize};

/// One swept parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Label in charts and columns: `GOGC`, `GOMEMLIMIT`, `GOMAXPROCS` or a `--set` path.
    pub name: String,
    /// The scenario field it sets (`runtime.gogc`).
    pub path: String,
    /// Values as written by the user (`off`, `512MiB`); when the user gave none, the one value
    /// the scenario has (and `swept` is false).
    pub values: Vec<String>,
    /// Set on each run with `--set PATH=VALUE` (false: the scenario's own value is kept).
    pub swept: bool,
}

/// The cartesian grid of a sweep: every combination of axis values, times every seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// GOGC, GOMEMLIMIT, GOMAXPROCS first (always present), then the `--set` axes.
    pub axes: Vec<Axis>,
    pub seeds: Vec<u64>,
}

pub const GOGC: usize = 0;
pub const GOMEMLIMIT: usize = 1;
pub const GOMAXPROCS: usize = 2;

impl Grid {
    /// Number of (point, seed) runs.
    pub fn len(&self) -> usize {
        self.points() * self.seeds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of parameter combinations.
    pub fn points(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Value index on each axis of run `i` (the last axis varies fastest, seeds fastest of
    /// all), and the seed.
    pub fn coords(&self, i: usize) -> (Vec<usize>, u64) {
        let ns = self.seeds.len();
        let seed = self.seeds[i % ns];
        let mut rest = i / ns;
        let mut idx = vec![0; self.axes.len()];
        for (k, a) in self.axes.iter().enumerate().rev() {
            idx[k] = rest % a.values.len();
            rest /= a.values.len();
        }
        (idx, seed)
    }

    /// The run index of the value indices `idx` with the `seed_i`-th seed (`coords` inverted).
    pub fn run_of(&self, idx: &[usize], seed_i: usize) -> usize {
        let mut r = 0;
        for (a, &j) in self.axes.iter().zip(idx) {
            r = r * a.values.len() + j;
        }
        r * self.seeds.len() + seed_i
    }

    /// `--set` arguments for run `i` (swept axes only: fixed ones keep the scenario's value).
    pub fn sets(&self, i: usize) -> Vec<String> {
        let (idx, _) = self.coords(i);
        self.axes
            .iter()
            .zip(idx)
            .filter(|(a, _)| a.swept)
            .map(|(a, j)| format!("{}={}", a.path, a.values[j]))
            .collect()
    }

    /// `GOGC=100, GOMAXPROCS=4` for the parameters with a single value.
    pub fn fixed_text(&self) -> String {
        let f: Vec<String> = self
            .axes
            .iter()
            .filter(|a| a.values.len() == 1)
            .map(|a| format!("{}={}", a.name, a.values[0]))
            .collect();
        f.join(", ")
    }
}

/// The metrics of one run, as `results.csv` stores them (ns, bytes, fractions 0..1).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    pub values: [f64; METRICS.len()],
    pub stop_reason: String,
}

/// Metric columns: name, what it is (for the report), and how to read it from a summary.
pub const METRICS: [(&str, &str); 17] = [
    ("gc_cycles", "completed GC cycles"),
    (
        "gc_cpu_fraction",
        "GC CPU (STW, background, assist) / (GOMAXPROCS × time)",
    ),
    (
        "gc_background_fraction",
        "GC CPU outside assists / (GOMAXPROCS × time)",
    ),
    ("gc_assist_fraction", "assist CPU / (GOMAXPROCS × time)"),
    ("stw_p50_ns", "STW pause p50"),
    ("stw_p99_ns", "STW pause p99"),
    ("stw_max_ns", "STW pause max"),
    ("latency_p50_ns", "request latency p50"),
    ("latency_p99_ns", "request latency p99"),
    ("latency_p999_ns", "request latency p99.9"),
    (
        "sched_latency_p99_ns",
        "scheduling latency (runnable → running) p99",
    ),
    (
        "throughput_per_s",
        "completed requests per simulated second",
    ),
    ("peak_heap_bytes", "peak heap live"),
    ("peak_rss_bytes", "peak heap + stacks + runtime overhead"),
    (
        "mean_heap_goal_bytes",
        "mean heap goal over completed cycles",
    ),
    ("sim_time_ns", "simulated time"),
    ("requests", "completed requests"),
];

/// Index of a metric column by name.
pub fn metric(name: &str) -> usize {
    METRICS
        .iter()
        .position(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no metric column {name}"))
}

impl Metrics {
    pub fn from_summary(s: &Summary) -> Metrics {
        let g = &s.gc;
        let values = [
            g.cycles as f64,
            g.cpu_fraction,
            g.background_fraction,
            g.assist_fraction,
            g.stw_ns.p50 as f64,
            g.stw_ns.p99 as f64,
            g.stw_ns.max as f64,
            s.latency_ns.p50 as f64,
            s.latency_ns.p99 as f64,
            s.latency_ns.p999 as f64,
            s.sched_latency_ns.p99 as f64,
            s.requests.throughput_per_s,
            g.peak_heap_bytes as f64,
            g.peak_rss_bytes as f64,
            g.mean_goal_bytes as f64,
            s.sim_time_ns as f64,
            s.requests.completed as f64,
        ];
        Metrics {
            values,
            stop_reason: s.stop_reason.clone(),
        }
    }

    pub fn get(&self, name: &str) -> f64 {
        self.values[metric(name)]
    }
}

/// One row of `results.csv`: a point of the grid with one seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Run index in the grid (`Grid::coords`).
    pub run: usize,
    /// The value of each axis, in the grid's axis order.
    pub params: Vec<String>,
    pub seed: u64,
    pub metrics: Metrics,
}

/// The header of `results.csv` for `grid`.
pub fn header(grid: &Grid) -> Vec<String> {
    let mut h = vec!["run".to_string()];
    h.extend(grid.axes.iter().map(|a| a.name.clone()));
    h.push("seed".into());
    h.extend(METRICS.iter().map(|(n, _)| n.to_string()));
    h.push("stop_reason".into());
    h
}

impl Row {
    pub fn new(grid: &Grid, run: usize, metrics: Metrics) -> Row {
        let (idx, seed) = grid.coords(run);
        Row {
            run,
            params: grid
                .axes
                .iter()
                .zip(idx)
                .map(|(a, j)| a.values[j].clone())
                .collect(),
            seed,
            metrics,
        }
    }

    /// The CSV fields, in `header` order.
    pub fn record(&self) -> Vec<String> {
        let mut r = vec![self.run.to_string()];
        r.extend(self.params.iter().cloned());
        r.push(self.seed.to_string());
        r.extend(self.metrics.values.iter().map(|v| format!("{v}")));
        r.push(self.metrics.stop_reason.clone());
        r
    }

    /// Parses the fields of a record written by `record` for `grid`.
    pub fn parse(grid: &Grid, fields: &[&str]) -> Result<Row, String> {
        let n = grid.axes.len();
        if fields.len() != 3 + n + METRICS.len() {
            return Err(format!(
                "{} fields, expected {}",
                fields.len(),
                3 + n + METRICS.len()
            ));
        }
        let run: usize = fields[0]
            .parse()
            .map_err(|_| format!("run `{}` is not a number", fields[0]))?;
        if run >= grid.len() {
            return Err(format!("run {run} is outside the grid of {}", grid.len()));
        }
        let seed: u64 = fields[1 + n]
            .parse()
            .map_err(|_| format!("seed `{}` is not a number", fields[1 + n]))?;
        let mut values = [0.0; METRICS.len()];
        for (k, v) in values.iter_mut().enumerate() {
            let f = fields[2 + n + k];
            *v = f
                .parse()
                .map_err(|_| format!("{} `{f}` is not a number", METRICS[k].0))?;
        }
        let row = Row {
            run,
            params: fields[1..1 + n].iter().map(|s| s.to_string()).collect(),
            seed,
            metrics: Metrics {
                values,
                stop_reason: fields[2 + n + METRICS.len()].to_string(),
            },
        };
        // The row must be the grid's run `run`: a results.csv from another grid is refused.
        let expect = Row::new(grid, run, row.metrics.clone());
        if expect.params != row.params || expect.seed != row.seed {
            return Err(format!(
                "run {run} has parameters {:?} seed {}, but this grid's run {run} is {:?} seed {}",
                row.params, row.seed, expect.params, expect.seed
            ));
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        let ax = |n: &str, v: &[&str]| Axis {
            name: n.into(),
            path: n.to_lowercase(),
            values: v.iter().map(|s| s.to_string()).collect(),
            swept: v.len() > 1,
        };
        Grid {
            axes: vec![
                ax("GOGC", &["50", "100", "off"]),
                ax("GOMEMLIMIT", &["off"]),
                ax("GOMAXPROCS", &["2", "4"]),
            ],
            seeds: vec![1, 2],
        }
    }

    #[test]
    fn coords_enumerate_every_combination_once() {
        let g = grid();
        assert_eq!(g.len(), 12);
        let mut seen: Vec<(Vec<usize>, u64)> = (0..g.len()).map(|i| g.coords(i)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 12);
        assert_eq!(g.coords(0), (vec![0, 0, 0], 1));
        assert_eq!(g.coords(1), (vec![0, 0, 0], 2));
        assert_eq!(g.coords(2), (vec![0, 0, 1], 1));
        assert_eq!(g.coords(11), (vec![2, 0, 1], 2));
        for i in 0..g.len() {
            let (idx, seed) = g.coords(i);
            let si = g.seeds.iter().position(|s| *s == seed).expect("seed");
            assert_eq!(g.run_of(&idx, si), i);
        }
        // The fixed axis is not set; the swept ones are.
        assert_eq!(g.sets(11), vec!["gogc=off", "gomaxprocs=4"]);
        assert_eq!(g.fixed_text(), "GOMEMLIMIT=off");
    }

    #[test]
    fn rows_round_trip_and_foreign_rows_are_refused() {
        let g = grid();
        let mut m = Metrics::default();
        m.values[3] = 0.125;
        m.stop_reason = "time limit".into();
        let r = Row::new(&g, 7, m);
        let rec = r.record();
        let fields: Vec<&str> = rec.iter().map(String::as_str).collect();
        assert_eq!(Row::parse(&g, &fields), Ok(r.clone()));
        let mut bad = rec.clone();
        bad[0] = "8".into();
        let fields: Vec<&str> = bad.iter().map(String::as_str).collect();
        assert!(Row::parse(&g, &fields).is_err());
        assert!(Row::parse(&g, &fields[..5]).is_err());
    }
}
