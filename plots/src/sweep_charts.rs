//! Charts of a sweep: GOGC on the x axis (as categories, in the order given), one panel per
//! GOMAXPROCS, one line (or colour) per GOMEMLIMIT — and per value of any other swept field.
//! Several seeds of a point are averaged (every metric, the STW maximum included).

use crate::data::{GOGC, GOMAXPROCS, Grid, METRICS, Metrics, Row, metric};
use crate::{Categories, Chart, color, err, no_data, top};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The sweep's rows arranged by (GOGC value, line, GOMAXPROCS value), seeds averaged.
pub struct Table {
    pub gogc: Vec<String>,
    pub procs: Vec<String>,
    /// Line labels: the values of every axis other than GOGC and GOMAXPROCS.
    pub lines: Vec<String>,
    /// `cells[(g * lines + l) * procs + p]`: the mean metrics, `None` with no row.
    cells: Vec<Option<[f64; METRICS.len()]>>,
    pub scenario: String,
    pub fixed: String,
}

impl Table {
    pub fn new(scenario: &str, grid: &Grid, rows: &[Row]) -> Table {
        let gogc = grid.axes[GOGC].values.clone();
        let procs = grid.axes[GOMAXPROCS].values.clone();
        let others: Vec<usize> = (0..grid.axes.len())
            .filter(|k| *k != GOGC && *k != GOMAXPROCS)
            .collect();
        // Every combination of the other axes, in grid order.
        let mut lines = vec![String::new()];
        for &k in &others {
            let a = &grid.axes[k];
            // A single-valued axis is named in the title, not in every line's label.
            if a.values.len() == 1 {
                continue;
            }
            lines = lines
                .iter()
                .flat_map(|l| {
                    a.values.iter().map(move |v| {
                        let sep = if l.is_empty() { "" } else { ", " };
                        format!("{l}{sep}{}={v}", a.name)
                    })
                })
                .collect();
        }
        let (ng, nl, np) = (gogc.len(), lines.len(), procs.len());
        let mut sums = vec![([0.0; METRICS.len()], 0u32); ng * nl * np];
        for r in rows {
            let (idx, _) = grid.coords(r.run);
            let mut l = 0;
            for &k in &others {
                l = l * grid.axes[k].values.len() + idx[k];
            }
            let cell = &mut sums[(idx[GOGC] * nl + l) * np + idx[GOMAXPROCS]];
            for (s, v) in cell.0.iter_mut().zip(r.metrics.values.iter()) {
                *s += v;
            }
            cell.1 += 1;
        }
        let cells = sums
            .into_iter()
            .map(|(mut s, n)| {
                (n > 0).then(|| {
                    s.iter_mut().for_each(|x| *x /= n as f64);
                    s
                })
            })
            .collect();
        Table {
            gogc,
            procs,
            lines,
            cells,
            scenario: scenario.to_string(),
            fixed: grid.fixed_text(),
        }
    }

    pub fn get(&self, g: usize, l: usize, p: usize) -> Option<Metrics> {
        self.cells[(g * self.lines.len() + l) * self.procs.len() + p].map(|values| Metrics {
            values,
            stop_reason: String::new(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(Option::is_none)
    }

    fn title(&self, what: &str) -> String {
        let mut t = format!("{what} — scenario {}", self.scenario);
        if !self.fixed.is_empty() {
            t.push_str(&format!(" ({})", self.fixed));
        }
        t
    }

    /// Headroom above the data for the legend box (a row per line).
    fn headroom(&self, ymax: f64) -> f64 {
        top(ymax) * (1.1 + 0.1 * self.lines.len().min(6) as f64)
    }

    fn line_label(&self, l: usize) -> String {
        if self.lines[l].is_empty() {
            "all".into()
        } else {
            self.lines[l].clone()
        }
    }

    /// An x axis of GOGC categories.
    fn x_range(&self) -> Categories {
        Categories(self.gogc.len())
    }

    fn x_label(&self, x: f64) -> String {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < self.gogc.len() {
            self.gogc[i as usize].clone()
        } else {
            String::new()
        }
    }
}

/// One row of panels: a value per point.
pub struct Measure {
    /// Y axis description with its unit.
    pub y_desc: String,
    pub value: fn(&Metrics) -> f64,
}

/// Metrics against GOGC: a row of panels per measure, a column per GOMAXPROCS, a line per
/// GOMEMLIMIT (and other swept fields).
pub struct LinesChart {
    pub name: String,
    pub what: String,
    pub table: Table,
    pub measures: Vec<Measure>,
}

impl Chart for LinesChart {
    fn name(&self) -> &str {
        &self.name
    }
    fn title(&self) -> String {
        self.table.title(&self.what)
    }
    fn size(&self) -> (u32, u32) {
        let cols = self.table.procs.len().clamp(1, 4) as u32;
        (
            (480 * cols).max(900),
            80 + 340 * self.measures.len().max(1) as u32,
        )
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let t = &self.table;
        if t.is_empty() {
            return no_data(root, &self.title(), "no finished points");
        }
        let area = root
            .titled(&self.title(), ("sans-serif", 18))
            .map_err(err)?;
        let panels = area.split_evenly((self.measures.len(), t.procs.len()));
        for (mi, m) in self.measures.iter().enumerate() {
            for (p, procs) in t.procs.iter().enumerate() {
                let a = &panels[mi * t.procs.len() + p];
                let ymax = (0..t.gogc.len())
                    .flat_map(|g| (0..t.lines.len()).map(move |l| (g, l)))
                    .filter_map(|(g, l)| t.get(g, l, p).map(|x| (m.value)(&x)))
                    .fold(0.0, f64::max);
                let mut c = ChartBuilder::on(a)
                    .caption(format!("GOMAXPROCS={procs}"), ("sans-serif", 15))
                    .margin(8)
                    .margin_right(20)
                    .x_label_area_size(35)
                    .y_label_area_size(65)
                    .build_cartesian_2d(t.x_range(), 0.0..t.headroom(ymax))
                    .map_err(err)?;
                c.configure_mesh()
                    .x_desc("GOGC (%)")
                    .y_desc(&m.y_desc)
                    .x_label_formatter(&|x| t.x_label(*x))
                    .disable_x_mesh()
                    .draw()
                    .map_err(err)?;
                for l in 0..t.lines.len() {
                    let col = color(l);
                    let pts: Vec<(f64, f64)> = (0..t.gogc.len())
                        .filter_map(|g| t.get(g, l, p).map(|x| (g as f64, (m.value)(&x))))
                        .collect();
                    c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))
                        .map_err(err)?
                        .label(t.line_label(l))
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 15, y)], col.stroke_width(2))
                        });
                    c.draw_series(pts.iter().map(|&pt| Circle::new(pt, 3, col.filled())))
                        .map_err(err)?;
                }
                c.configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 12))
                    .draw()
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

/// STW pauses per point: a bar from p50 to max with the p99 marked, grouped by GOGC, a colour
/// per GOMEMLIMIT, a panel per GOMAXPROCS.
pub struct StwChart {
    pub table: Table,
}

impl Chart for StwChart {
    fn name(&self) -> &str {
        "stw"
    }
    fn title(&self) -> String {
        self.table.title("STW pauses (bar p50 to max, dot p99)")
    }
    fn size(&self) -> (u32, u32) {
        let cols = self.table.procs.len().clamp(1, 4) as u32;
        ((480 * cols).max(900), 460)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let t = &self.table;
        if t.is_empty() {
            return no_data(root, &self.title(), "no finished points");
        }
        let (p50, p99, max) = (
            metric("stw_p50_ns"),
            metric("stw_p99_ns"),
            metric("stw_max_ns"),
        );
        let area = root
            .titled(&self.title(), ("sans-serif", 18))
            .map_err(err)?;
        let panels = area.split_evenly((1, t.procs.len()));
        let nl = t.lines.len();
        let us = |v: f64| v / 1e3;
        for (p, procs) in t.procs.iter().enumerate() {
            let a = &panels[p];
            let ymax = (0..t.gogc.len())
                .flat_map(|g| (0..nl).map(move |l| (g, l)))
                .filter_map(|(g, l)| t.get(g, l, p).map(|x| us(x.values[max])))
                .fold(0.0, f64::max);
            let mut c = ChartBuilder::on(a)
                .caption(format!("GOMAXPROCS={procs}"), ("sans-serif", 15))
                .margin(8)
                .x_label_area_size(35)
                .y_label_area_size(65)
                .build_cartesian_2d(t.x_range(), 0.0..t.headroom(ymax))
                .map_err(err)?;
            c.configure_mesh()
                .x_desc("GOGC (%)")
                .y_desc("STW pause (µs)")
                .x_label_formatter(&|x| t.x_label(*x))
                .disable_x_mesh()
                .draw()
                .map_err(err)?;
            for l in 0..nl {
                let col = color(l);
                // Spread the lines of one GOGC group across 60 % of its slot.
                let off = if nl > 1 {
                    -0.3 + 0.6 * l as f64 / (nl - 1) as f64
                } else {
                    0.0
                };
                // A point without STW pauses (no GC cycle) has nothing to draw.
                let bars: Vec<(f64, f64, f64, f64)> = (0..t.gogc.len())
                    .filter_map(|g| {
                        let x = t.get(g, l, p).filter(|x| x.values[max] > 0.0)?;
                        Some((
                            g as f64 + off,
                            us(x.values[p50]),
                            us(x.values[p99]),
                            us(x.values[max]),
                        ))
                    })
                    .collect();
                c.draw_series(bars.iter().map(|&(x, lo, mid, hi)| {
                    ErrorBar::new_vertical(x, lo, mid, hi, col.filled().stroke_width(2), 10)
                }))
                .map_err(err)?
                .label(t.line_label(l))
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], col.filled()));
            }
            c.configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 12))
                .draw()
                .map_err(err)?;
        }
        Ok(())
    }
}

fn ms(ns: f64) -> f64 {
    ns / 1e6
}

/// The sweep's metric charts: latency, GC CPU and cycles per second.
pub fn latency_chart(table: Table) -> LinesChart {
    LinesChart {
        name: "latency".into(),
        what: "Request latency vs GOGC".into(),
        table,
        measures: vec![
            Measure {
                y_desc: "latency p50 (ms)".into(),
                value: |m| ms(m.get("latency_p50_ns")),
            },
            Measure {
                y_desc: "latency p99 (ms)".into(),
                value: |m| ms(m.get("latency_p99_ns")),
            },
            Measure {
                y_desc: "latency p99.9 (ms)".into(),
                value: |m| ms(m.get("latency_p999_ns")),
            },
        ],
    }
}

pub fn gc_cpu_chart(table: Table) -> LinesChart {
    LinesChart {
        name: "gc_cpu".into(),
        what: "GC CPU and GC cycles per second vs GOGC".into(),
        table,
        measures: vec![
            Measure {
                y_desc: "GC background CPU (% of GOMAXPROCS)".into(),
                value: |m| 100.0 * m.get("gc_background_fraction"),
            },
            Measure {
                y_desc: "GC assist CPU (% of GOMAXPROCS)".into(),
                value: |m| 100.0 * m.get("gc_assist_fraction"),
            },
            Measure {
                y_desc: "GC cycles per simulated second".into(),
                value: |m| {
                    let s = m.get("sim_time_ns") / 1e9;
                    if s > 0.0 { m.get("gc_cycles") / s } else { 0.0 }
                },
            },
        ],
    }
}
