//! Charts draw without system fonts, say "no data" instead of failing, and aggregate seeds.

use models::timeline::Timeline;
use plots::data::{Axis, Grid, METRICS, Metrics, Row, metric};
use plots::run_charts::{HeapChart, LatencyHistChart, PStateChart, RunqChart};
use plots::sweep_charts::{StwChart, Table, gc_cpu_chart, latency_chart};
use plots::to_svg;
use sim_core::stats::Histogram;

fn grid() -> Grid {
    let ax = |n: &str, v: &[&str]| Axis {
        name: n.into(),
        path: format!("runtime.{}", n.to_lowercase()),
        values: v.iter().map(|s| s.to_string()).collect(),
        swept: v.len() > 1,
    };
    Grid {
        axes: vec![
            ax("GOGC", &["50", "off"]),
            ax("GOMEMLIMIT", &["off"]),
            ax("GOMAXPROCS", &["2", "4"]),
        ],
        seeds: vec![1, 2],
    }
}

fn row(g: &Grid, run: usize, lat_p99: f64) -> Row {
    let mut values = [1.0; METRICS.len()];
    values[metric("latency_p99_ns")] = lat_p99;
    Row::new(
        g,
        run,
        Metrics {
            values,
            stop_reason: "time limit".into(),
        },
    )
}

#[test]
fn charts_without_data_say_so_in_the_picture() {
    let g = grid();
    let empty = || Table::new("t", &g, &[]);
    for svg in [
        to_svg(&latency_chart(empty())),
        to_svg(&gc_cpu_chart(empty())),
        to_svg(&StwChart { table: empty() }),
        to_svg(&HeapChart {
            name: "heap".into(),
            title: "heap".into(),
            panels: vec![("run 0".into(), Timeline::default())],
        }),
        to_svg(&RunqChart {
            title: "runq".into(),
            timeline: Timeline::default(),
        }),
        to_svg(&PStateChart {
            title: "p".into(),
            timeline: Timeline::default(),
        }),
        to_svg(&LatencyHistChart::from_histogram(
            "lat".into(),
            &Histogram::new(),
            40,
        )),
    ] {
        let svg = svg.expect("draws");
        assert!(svg.contains("no data"), "{svg}");
    }
    // With data there is no such notice, and the title names the scenario and the fixed value.
    let rows: Vec<Row> = (0..g.len()).map(|i| row(&g, i, 1e6)).collect();
    let svg = to_svg(&latency_chart(Table::new("t", &g, &rows))).expect("draws");
    assert!(!svg.contains("no data"));
    assert!(svg.contains("scenario t (GOMEMLIMIT=off)"), "title");
    assert!(svg.contains("GOMAXPROCS=4") && svg.contains("latency p99.9 (ms)"));
}

#[test]
fn seeds_of_a_point_are_averaged_and_missing_points_stay_empty() {
    let g = grid();
    // Run 0 and 1 are GOGC=50, GOMAXPROCS=2 with seeds 1 and 2; run 2 is seed 1 at
    // GOMAXPROCS=4 and its seed 2 (run 3) is missing.
    let rows = vec![row(&g, 0, 2e6), row(&g, 1, 4e6), row(&g, 2, 5e6)];
    let t = Table::new("t", &g, &rows);
    let p99 = |gi, p| t.get(gi, 0, p).map(|m| m.get("latency_p99_ns"));
    assert_eq!(p99(0, 0), Some(3e6));
    assert_eq!(p99(0, 1), Some(5e6));
    assert_eq!(p99(1, 0), None);
}

#[test]
fn latency_histogram_bins_hold_every_request_once() {
    let mut h = Histogram::new();
    for i in 1..=5000u64 {
        h.record(1_000 + i * i);
    }
    let c = LatencyHistChart::from_histogram("lat".into(), &h, 40);
    assert!(c.bins.len() >= 30);
    assert_eq!(c.bins.iter().map(|b| b.2).sum::<u64>(), h.count());
    // Bins are contiguous and increasing.
    for w in c.bins.windows(2) {
        assert_eq!(w[1].0, w[0].1 + 1);
    }
}
