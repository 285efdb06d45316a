//! Charts of one run (`gmpsim run --plot DIR`) from its [`Timeline`]: the heap against its goal,
//! trigger and limit; run queue lengths; what each P is doing; the request-latency histogram.
//! The heap chart with several panels is also the sweep's heap-goal chart.

use crate::{Categories, Chart, color, err, mib, no_data, top};
use models::timeline::{PState, Timeline};
use plotters::coord::Shift;
use plotters::prelude::*;
use sim_core::stats::Histogram;

/// Goals and triggers at or above this are the pacer's "never" (GOGC=off without a limit).
const NO_GOAL: u64 = 1 << 60;

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// Heap live, goal, trigger and memory limit over time, GC cycles shaded; one panel each.
pub struct HeapChart {
    pub name: String,
    pub title: String,
    pub panels: Vec<(String, Timeline)>,
}

impl Chart for HeapChart {
    fn name(&self) -> &str {
        &self.name
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn size(&self) -> (u32, u32) {
        (1100, 120 + 300 * self.panels.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        if self.panels.iter().all(|(_, t)| t.is_empty()) {
            return no_data(root, &self.title, "no samples were taken");
        }
        let area = root.titled(&self.title, ("sans-serif", 18)).map_err(err)?;
        let parts = area.split_evenly((self.panels.len(), 1));
        for ((label, tl), a) in self.panels.iter().zip(parts.iter()) {
            heap_panel(a, label, tl)?;
        }
        Ok(())
    }
}

fn heap_panel<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    label: &str,
    tl: &Timeline,
) -> Result<(), String> {
    if tl.is_empty() {
        return no_data(a, label, "no samples");
    }
    let t_end = ms(*tl.t_ns.last().unwrap_or(&0)).max(1e-3);
    let ymax = tl
        .heap_live
        .iter()
        .chain(&tl.heap_goal)
        .chain(&tl.trigger)
        .chain(tl.memory_limit.iter())
        .filter(|b| **b < NO_GOAL)
        .map(|b| mib(*b as f64))
        .fold(0.0, f64::max);
    let mut c = ChartBuilder::on(a)
        .caption(label, ("sans-serif", 15))
        .margin(8)
        .margin_right(30)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..t_end, 0.0..top(ymax))
        .map_err(err)?;
    c.configure_mesh()
        .x_desc("simulated time (ms)")
        .y_desc("MiB")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let shade = RGBColor(120, 120, 120).mix(0.18);
    c.draw_series(
        tl.gc_cycles
            .iter()
            .map(|(s, e)| Rectangle::new([(ms(*s), 0.0), (ms(*e), top(ymax))], shade.filled())),
    )
    .map_err(err)?
    .label("GC cycle")
    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], shade.filled()));
    let series: [(&str, &Vec<u64>, RGBColor); 3] = [
        ("heap live", &tl.heap_live, color(0)),
        ("heap goal", &tl.heap_goal, color(2)),
        ("trigger", &tl.trigger, color(1)),
    ];
    for (name, v, col) in series {
        c.draw_series(LineSeries::new(
            tl.t_ns
                .iter()
                .zip(v.iter())
                .map(|(t, b)| (ms(*t), mib(*b as f64))),
            col.stroke_width(2),
        ))
        .map_err(err)?
        .label(name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], col.stroke_width(2)));
    }
    if let Some(l) = tl.memory_limit {
        let y = mib(l as f64);
        let col = color(3);
        c.draw_series(DashedLineSeries::new(
            [(0.0, y), (t_end, y)],
            8,
            5,
            col.stroke_width(2),
        ))
        .map_err(err)?
        .label("GOMEMLIMIT")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], col.stroke_width(2)));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Local run queue length of each P and the global run queue over time.
pub struct RunqChart {
    pub title: String,
    pub timeline: Timeline,
}

impl Chart for RunqChart {
    fn name(&self) -> &str {
        "runq"
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn size(&self) -> (u32, u32) {
        (1100, 500)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let tl = &self.timeline;
        if tl.is_empty() {
            return no_data(root, &self.title, "no samples were taken");
        }
        let t_end = ms(*tl.t_ns.last().unwrap_or(&0)).max(1e-3);
        let ymax = tl
            .p_runq
            .iter()
            .chain(&tl.global_runq)
            .copied()
            .max()
            .unwrap_or(0) as f64;
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .margin_right(30)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..t_end, 0.0..top(ymax))
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("simulated time (ms)")
            .y_desc("runnable goroutines")
            .draw()
            .map_err(err)?;
        for p in 0..tl.max_procs() {
            let col = color(p);
            let pts: Vec<(f64, f64)> = (0..tl.len())
                .filter_map(|i| {
                    let r = tl.ps(i);
                    (p < r.len()).then(|| (ms(tl.t_ns[i]), tl.p_runq[r.start + p] as f64))
                })
                .collect();
            c.draw_series(LineSeries::new(pts, col.stroke_width(1)))
                .map_err(err)?
                .label(format!("P{p} local runq"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], col));
        }
        c.draw_series(LineSeries::new(
            (0..tl.len()).map(|i| (ms(tl.t_ns[i]), tl.global_runq[i] as f64)),
            BLACK.stroke_width(2),
        ))
        .map_err(err)?
        .label("global runq")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLACK.stroke_width(2)));
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

fn state_color(s: PState) -> RGBColor {
    match s {
        PState::User => RGBColor(44, 160, 44),
        PState::GcWorker => RGBColor(214, 39, 40),
        PState::Scheduler => RGBColor(255, 187, 120),
        PState::Idle => RGBColor(225, 225, 225),
        PState::Syscall => RGBColor(31, 119, 180),
        PState::Stopped => RGBColor(60, 60, 60),
    }
}

/// What each P is doing over time: one row per P, a colour per state.
pub struct PStateChart {
    pub title: String,
    pub timeline: Timeline,
}

impl Chart for PStateChart {
    fn name(&self) -> &str {
        "pstates"
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn size(&self) -> (u32, u32) {
        (1100, 200 + 40 * self.timeline.max_procs().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let tl = &self.timeline;
        if tl.is_empty() {
            return no_data(root, &self.title, "no samples were taken");
        }
        let np = tl.max_procs();
        let step = ms(tl.interval_ns);
        let t_end = ms(*tl.t_ns.last().unwrap_or(&0)) + step;
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .margin_right(30)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .right_y_label_area_size(10)
            .build_cartesian_2d(0.0..t_end, Categories(np))
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("simulated time (ms)")
            .y_desc("P")
            .y_label_formatter(&|y| format!("P{}", y.round() as i64))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        // Runs of equal state become one rectangle each.
        let mut rects = Vec::new();
        for p in 0..np {
            let mut run: Option<(f64, PState)> = None;
            for i in 0..tl.len() {
                let r = tl.ps(i);
                let s = (p < r.len()).then(|| tl.p_state[r.start + p]);
                let t = ms(tl.t_ns[i]);
                match (run, s) {
                    (Some((_, cur)), Some(s)) if cur == s => {}
                    _ => {
                        if let Some((t0, cur)) = run.take() {
                            rects.push((p, t0, t, cur));
                        }
                        run = s.map(|s| (t, s));
                    }
                }
            }
            if let Some((t0, cur)) = run {
                rects.push((p, t0, t_end, cur));
            }
        }
        c.draw_series(rects.iter().map(|(p, t0, t1, s)| {
            let y = *p as f64;
            Rectangle::new([(*t0, y - 0.4), (*t1, y + 0.4)], state_color(*s).filled())
        }))
        .map_err(err)?;
        for s in PState::ALL {
            let col = state_color(s);
            c.draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(err)?
                .label(s.name())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], col.filled()));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Request latency histogram: counts in logarithmic bins.
pub struct LatencyHistChart {
    pub title: String,
    /// (low ns, high ns, count).
    pub bins: Vec<(u64, u64, u64)>,
}

impl LatencyHistChart {
    /// Bins `h` into `n` logarithmic bins from its smallest to its largest value.
    pub fn from_histogram(title: String, h: &Histogram, n: usize) -> LatencyHistChart {
        let mut bins = Vec::new();
        if h.count() > 0 {
            let lo = h.quantile(0.0).max(1) as f64;
            let hi = (h.max() as f64).max(lo * 1.01);
            let r = (hi / lo).powf(1.0 / n as f64);
            let mut prev = lo.floor() as u64;
            // Cumulative counts, differenced: the histogram counts whole buckets, so counting
            // each bin on its own would count a bucket straddling an edge twice.
            let mut below = 0;
            for i in 1..=n {
                let edge = if i == n {
                    h.max()
                } else {
                    (lo * r.powi(i as i32)) as u64
                };
                if edge < prev {
                    continue;
                }
                let upto = h.count_between(0, edge);
                bins.push((prev, edge, upto.saturating_sub(below)));
                below = below.max(upto);
                prev = edge + 1;
            }
        }
        LatencyHistChart { title, bins }
    }
}

impl Chart for LatencyHistChart {
    fn name(&self) -> &str {
        "latency_hist"
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn size(&self) -> (u32, u32) {
        (1100, 500)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let total: u64 = self.bins.iter().map(|b| b.2).sum();
        if total == 0 {
            return no_data(root, &self.title, "no request completed");
        }
        let us = |ns: u64| ns.max(1) as f64 / 1e3;
        let lo = us(self.bins[0].0);
        let hi = us(self.bins.last().map(|b| b.1).unwrap_or(1)).max(lo * 1.01);
        let ymax = self.bins.iter().map(|b| b.2).max().unwrap_or(1) as f64;
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(10)
            .margin_right(30)
            .x_label_area_size(35)
            .y_label_area_size(70)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..top(ymax))
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("request latency (µs, log scale)")
            .y_desc("requests per bin")
            .draw()
            .map_err(err)?;
        let col = color(0);
        c.draw_series(self.bins.iter().map(|(a, b, n)| {
            Rectangle::new(
                [(us(*a), 0.0), (us(*b).max(us(*a)), *n as f64)],
                col.filled(),
            )
        }))
        .map_err(err)?
        .label(format!("{total} requests"))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], col.filled()));
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}
