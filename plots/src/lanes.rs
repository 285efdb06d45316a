//! The P-lane timeline of a run (`gmpsim run --plot DIR`, `lanes.png`): one lane per P with a
//! coloured slice per goroutine run (GC workers dark grey), GC mark phases shaded green and
//! stop-the-world pauses red, and the global run-queue length below.

use crate::{Chart, color, err};
use models::obs_spans::Spans;
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct LaneChart {
    pub title: String,
    pub spans: Spans,
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

impl Chart for LaneChart {
    fn name(&self) -> &str {
        "lanes"
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn size(&self) -> (u32, u32) {
        (1200, 280 + 50 * self.spans.lanes.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = &self.spans;
        let area = root.titled(&self.title, ("sans-serif", 16)).map_err(err)?;
        let h = area.dim_in_pixel().1;
        let (top, bottom) = area.split_vertically(h.saturating_sub(130));
        let (x0, x1) = (ms(s.window.0), ms(s.window.1).max(ms(s.window.0) + 1e-3));
        let np = s.lanes.len().max(1);
        let mut c = ChartBuilder::on(&top)
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, -0.5f64..np as f64 - 0.5)
            .map_err(err)?;
        c.configure_mesh()
            .disable_mesh()
            .x_desc("time (ms)")
            .y_labels(np)
            .y_label_formatter(&|y| format!("P{}", y.round().max(0.0) as usize))
            .draw()
            .map_err(err)?;
        let band = |spans: &[(u64, u64)], col: RGBAColor| {
            spans
                .iter()
                .map(move |&(a, b)| {
                    Rectangle::new([(ms(a), -0.5), (ms(b), np as f64 - 0.5)], col.filled())
                })
                .collect::<Vec<_>>()
        };
        c.draw_series(band(&s.gc, RGBColor(120, 200, 120).mix(0.25)))
            .map_err(err)?
            .label("GC (sweep termination → mark termination)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 10, y + 5)],
                    RGBColor(120, 200, 120).filled(),
                )
            });
        c.draw_series(band(&s.stw, RGBColor(220, 60, 60).mix(0.5)))
            .map_err(err)?
            .label("stop-the-world")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 10, y + 5)],
                    RGBColor(220, 60, 60).filled(),
                )
            });
        for (p, lane) in s.lanes.iter().enumerate() {
            let y0 = p as f64 - 0.35;
            let y1 = p as f64 + 0.35;
            c.draw_series(lane.iter().map(|r| {
                let col = if r.gc_worker {
                    RGBColor(60, 60, 60)
                } else {
                    color(r.goid as usize)
                };
                Rectangle::new([(ms(r.start), y0), (ms(r.end), y1)], col.filled())
            }))
            .map_err(err)?;
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
        let ymax = s
            .global_runq
            .iter()
            .map(|&(_, n)| n)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut r = ChartBuilder::on(&bottom)
            .margin(8)
            .x_label_area_size(25)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, 0f64..ymax * 1.1)
            .map_err(err)?;
        r.configure_mesh()
            .disable_x_mesh()
            .y_desc("global runq")
            .y_labels(3)
            .draw()
            .map_err(err)?;
        // A step line: the length holds until the next sample.
        let mut pts = Vec::with_capacity(2 * s.global_runq.len());
        for (i, &(t, n)) in s.global_runq.iter().enumerate() {
            if i > 0 {
                pts.push((ms(t), s.global_runq[i - 1].1 as f64));
            }
            pts.push((ms(t), n as f64));
        }
        r.draw_series(LineSeries::new(pts, &BLUE)).map_err(err)?;
        Ok(())
    }
}
