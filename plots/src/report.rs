//! `report.html`: one self-contained page (SVG charts inline, no network) with the scenario,
//! the grid, the charts and the results table, sortable by any column (a few lines of inline
//! JavaScript). When the page has loaded with every chart present and no script error, it
//! sets `data-status="ok"` on `<body>` (and `"error: …"` otherwise), which the report test
//! reads back from a headless browser.

use crate::Rendered;
use crate::data::{Grid, METRICS, Row, header};
use std::fmt::Write;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = r#"
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
pre { background: #f5f5f5; padding: 0.8em; max-height: 24em; overflow: auto; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.8em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #eee; cursor: pointer; position: sticky; top: 0; }
th.asc::after { content: " ▲"; } th.desc::after { content: " ▼"; }
"#;

const SCRIPT: &str = r#"
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); report(); });
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, ' '));
    report();
    consoleError.apply(console, arguments);
  };
  function report() {
    if (!document.body) { return; }
    document.body.setAttribute('data-status', errors.length ? 'error: ' + errors.join('; ') : 'ok');
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = !th.classList.contains('asc');
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.classList.remove('asc', 'desc'); });
    th.classList.add(asc ? 'asc' : 'desc');
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y), r;
      if (!isNaN(nx) && !isNaN(ny) && String(nx) !== 'NaN') { r = nx - ny; } else { r = x < y ? -1 : x > y ? 1 : 0; }
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var t = document.getElementById('results');
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
      th.addEventListener('click', function () { sortBy(t, i, th); });
    });
    var figs = document.querySelectorAll('figure[data-chart]');
    Array.prototype.forEach.call(figs, function (f) {
      if (!f.querySelector('svg')) { errors.push('chart ' + f.getAttribute('data-chart') + ' is missing'); }
    });
    var want = parseInt(document.body.getAttribute('data-charts'), 10);
    if (figs.length !== want) { errors.push(figs.length + ' charts, expected ' + want); }
    report();
  });
})();
"#;

/// What the report shows.
pub struct ReportInput<'a> {
    pub scenario_name: &'a str,
    pub scenario_file: &'a str,
    pub scenario_text: &'a str,
    pub grid: &'a Grid,
    /// The sweep's `--set` arguments and options, as a command line.
    pub command: &'a str,
    pub charts: &'a [Rendered],
    pub rows: &'a [Row],
}

/// The report page.
pub fn report_html(r: &ReportInput) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>gmpsim sweep: {}</title><style>{STYLE}</style><script>{SCRIPT}</script></head>\n\
         <body data-status=\"loading\" data-charts=\"{}\">\n",
        esc(r.scenario_name),
        r.charts.len()
    );
    let _ = writeln!(
        h,
        "<h1>gmpsim sweep: scenario {}</h1>\n<p>{} runs ({} points × {} seeds), {} finished. \
         Command: <code>{}</code></p>",
        esc(r.scenario_name),
        r.grid.len(),
        r.grid.points(),
        r.grid.seeds.len(),
        r.rows.len(),
        esc(r.command)
    );
    h.push_str("<h2>Grid</h2>\n<table id=\"grid\"><thead><tr><th>parameter</th><th>field</th><th>values</th></tr></thead><tbody>\n");
    for a in &r.grid.axes {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            esc(&a.name),
            esc(&a.path),
            esc(&a.values.join(", ")),
            if a.swept { "" } else { " (fixed)" }
        );
    }
    let seeds: Vec<String> = r.grid.seeds.iter().map(u64::to_string).collect();
    let _ = writeln!(
        h,
        "<tr><td>seed</td><td>meta.seed</td><td>{}</td></tr></tbody></table>",
        seeds.join(", ")
    );
    h.push_str("<h2>Charts</h2>\n");
    for c in r.charts {
        let _ = writeln!(
            h,
            "<figure data-chart=\"{}\"><figcaption>{}</figcaption>\n{}\n</figure>",
            esc(&c.name),
            esc(&c.title),
            strip_xml_decl(&c.svg)
        );
    }
    h.push_str("<h2>Results</h2>\n<p>Click a column to sort. Times in ns, sizes in bytes, fractions of GOMAXPROCS × time.</p>\n");
    h.push_str("<table id=\"results\"><thead><tr>");
    for col in header(r.grid) {
        let tip = METRICS
            .iter()
            .find(|(n, _)| *n == col)
            .map(|(_, d)| *d)
            .unwrap_or("");
        let _ = write!(h, "<th title=\"{}\">{}</th>", esc(tip), esc(&col));
    }
    h.push_str("</tr></thead><tbody>\n");
    for row in r.rows {
        h.push_str("<tr>");
        for f in row.record() {
            let _ = write!(h, "<td>{}</td>", esc(&f));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    let _ = writeln!(
        h,
        "<h2>Scenario <code>{}</code></h2>\n<pre>{}</pre>\n</body></html>",
        esc(r.scenario_file),
        esc(r.scenario_text)
    );
    h
}

fn strip_xml_decl(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}
