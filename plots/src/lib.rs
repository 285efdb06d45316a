//! Charts for gmpsim runs and sweeps, drawn with plotters to PNG and SVG, and the sweep's HTML
//! report.
//!
//! Text is laid out with the bundled DejaVu Sans (`fonts/`, licence beside it), registered
//! with plotters' `ab_glyph` backend, so a machine without system fonts or fontconfig draws the
//! same pictures. Every chart is a [`Chart`]: drawn once to an SVG string (inlined in the
//! report) and once to a PNG, both written atomically. A chart with nothing to show draws a
//! picture that says so.

pub mod data;
pub mod lanes;
pub mod report;
pub mod run_charts;
pub mod sweep_charts;

use plotters::coord::Shift;
use plotters::prelude::*;
use std::io::Write;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Registers the bundled font as `sans-serif` (what every chart asks for).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bundled file is a valid TrueType font: checked by the tests.
            let _ = plotters::style::register_font("sans-serif", style, FONT);
        }
    });
}

/// A chart: its size and how to draw it on any backend.
pub trait Chart {
    /// File stem (`stw`, `latency`).
    fn name(&self) -> &str;
    /// Title shown above the chart in the report.
    fn title(&self) -> String;
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// A drawn chart.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub name: String,
    pub title: String,
    pub svg: String,
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draws `c` to an SVG string.
pub fn to_svg<C: Chart>(c: &C) -> Result<String, String> {
    register_fonts();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, c.size()).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        c.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(s)
}

/// Draws `c` into `dir/NAME.svg` and `dir/NAME.png` (atomically) and returns the SVG.
pub fn render<C: Chart>(c: &C, dir: &Path) -> Result<Rendered, String> {
    let svg = to_svg(c)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_atomic(&dir.join(format!("{}.svg", c.name())), svg.as_bytes())?;
    // The encoder picks the format from the extension: keep `.png` on the temp file.
    let tmp = dir.join(format!(".{}.tmp.png", c.name()));
    {
        let root = BitMapBackend::new(&tmp, c.size()).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        c.draw(&root)?;
        root.present().map_err(err)?;
    }
    let dst = dir.join(format!("{}.png", c.name()));
    std::fs::rename(&tmp, &dst).map_err(|e| format!("{}: {e}", dst.display()))?;
    Ok(Rendered {
        name: c.name().to_string(),
        title: c.title(),
        svg,
    })
}

/// Writes `bytes` to `path` through a temp file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| format!("{}: {e}", path.display()))
}

/// Fills `area` with a framed "no data" notice under `title`.
pub fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    why: &str,
) -> Result<(), String> {
    let area = area.titled(title, ("sans-serif", 18)).map_err(err)?;
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(5, 5), (w as i32 - 5, h as i32 - 5)],
        ShapeStyle::from(&BLACK.mix(0.3)),
    ))
    .map_err(err)?;
    let grey = BLACK.mix(0.7);
    let style = TextStyle::from(("sans-serif", 20).into_font())
        .color(&grey)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    area.draw(&Text::new(
        format!("no data: {why}"),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))
    .map_err(err)?;
    Ok(())
}

/// An axis of `n` categories at 0, 1, …, n-1 (labels come from the mesh's label formatter).
#[derive(Clone, Copy, Debug)]
pub struct Categories(pub usize);

impl plotters::coord::ranged1d::Ranged for Categories {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let r = (v + 0.5) / self.0.max(1) as f64;
        limit.0 + ((limit.1 - limit.0) as f64 * r).round() as i32
    }
    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        (0..self.0).map(|i| i as f64).collect()
    }
    fn range(&self) -> std::ops::Range<f64> {
        -0.5..self.0 as f64 - 0.5
    }
}

impl plotters::coord::ranged1d::ValueFormatter<f64> for Categories {
    fn format(v: &f64) -> String {
        format!("{v}")
    }
}

/// The i-th series colour (a palette that stays distinct for the first dozen).
pub fn color(i: usize) -> RGBColor {
    const C: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    C[i % C.len()]
}

/// Bytes in MiB for axes.
pub fn mib(b: f64) -> f64 {
    b / 1048576.0
}

/// Upper end of an axis showing values up to `max` (never an empty range).
pub fn top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.1
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_font_is_a_valid_truetype_font() {
        assert!(
            plotters::style::register_font(
                "test-font",
                plotters::style::FontStyle::Normal,
                super::FONT
            )
            .is_ok()
        );
    }
}
