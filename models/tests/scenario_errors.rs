//! Scenario files: every form parses, and every mistake is reported with the file, the line,
//! the field and (for a typo) the closest valid key.

use models::scenario::{Dist, Gogc, MemLimit, Op, Times, parse_scenario};
use models::units::{Bytes, Dur};

const BASE: &str = r#"[meta]
name = "x"
duration = "1s"

[runtime]
gomaxprocs = 2

[params]
rps = "1k/s"

[[channels]]
name = "c"

[[goroutines]]
name = "worker"
count = 2
program = [
  { op = "compute", time = "1ms" },
  { op = "send", chan = "c" },
]

[[arrivals]]
name = "http"
rate = "$rps"
program = [{ op = "compute", time = { dist = "exp", mean = "100us" } }]
"#;

fn err(from: &str, to: &str, sets: &[&str]) -> models::scenario::ScenarioError {
    assert!(BASE.contains(from), "bad test: {from}");
    let text = BASE.replacen(from, to, 1);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match parse_scenario(&text, "svc.toml", &sets) {
        Ok(_) => panic!("`{to}` should be rejected"),
        Err(e) => *e,
    }
}

#[test]
fn the_base_scenario_parses() {
    let s = parse_scenario(BASE, "svc.toml", &[])
        .expect("parses")
        .scenario;
    assert_eq!(s.runtime.gomaxprocs, Some(2));
    assert_eq!(s.arrivals[0].rate.0, 1000.0, "$rps substituted");
    assert_eq!(s.runtime.gogc, Gogc::Percent(100));
}

#[test]
fn every_op_and_distribution_form_parses() {
    let text = r#"
[meta]
name = "all"
duration = "2s"
seed = 7
[runtime]
gomaxprocs = 4
gogc = "off"
gomemlimit = "512MiB"
asyncpreempt = false
go_version = "1.25"
[params]
work = "200us"
label = "w"
[costs]
g_switch = "100ns"
[limits]
max_goroutines = 1000
[[phases]]
name = "steady"
at = "1s"
[[channels]]
name = "c"
capacity = 4
[[mutexes]]
name = "mu"
[[waitgroups]]
name = "wg"
[[pipes]]
name = "p"
[[goroutines]]
name = "${label}orker"
count = 1
program = [
  { op = "compute", time = "$work", units = 3, yield_every = 1, calls_every = "none" },
  { op = "compute", time = { dist = "uniform", min = "1us", max = "2us" }, calls_every = "5us", nonpreemptible = true },
  { op = "compute", time = { dist = "normal", mean = "1ms", stddev = "100us" } },
  { op = "compute", time = { dist = "lognormal", mean = "1ms", stddev = "1ms" } },
  { op = "compute", time = { dist = "empirical", values = ["1us", "2us"], weights = [0.9, 0.1] } },
  { op = "compute", time = { dist = "const", value = "3us" } },
  { op = "alloc", size = "64KiB", count = { dist = "uniform", min = 1, max = 4 }, lifetime = "forever", scan = 0.5 },
  { op = "alloc", size = 128, lifetime = { dist = "exp", mean = "10ms" } },
  { op = "syscall", time = "1ms", timed = true },
  { op = "io", time = "2ms" },
  { op = "sleep", time = "1ms" },
  { op = "gosched" },
  { op = "spawn", class = "worker", count = 2 },
  { op = "send", chan = "c" }, { op = "recv", chan = "c" },
  { op = "lock", mutex = "mu" }, { op = "unlock", mutex = "mu" },
  { op = "wg_add", wg = "wg", n = 1 }, { op = "wg_done", wg = "wg" }, { op = "wg_wait", wg = "wg" },
  { op = "pipe_write", pipe = "p" }, { op = "pipe_read", pipe = "p" },
  { op = "repeat", n = 3, body = [{ op = "repeat", n = "forever", body = [{ op = "gosched" }] }] },
  { op = "begin" }, { op = "respond" }, { op = "phase", name = "x" },
  { op = "gomaxprocs", n = 2 }, { op = "close", chan = "c" }, { op = "exit" },
]
[[clients]]
name = "cl"
count = 3
think = { dist = "exp", mean = "5ms" }
program = [{ op = "compute", time = "10us" }]
"#;
    let s = parse_scenario(text, "all.toml", &[])
        .expect("parses")
        .scenario;
    assert_eq!(
        s.goroutines[0].name, "worker",
        "a param substituted inside a string"
    );
    assert_eq!(s.runtime.gogc, Gogc::Off);
    assert_eq!(s.runtime.gomemlimit, MemLimit::Bytes(512 << 20));
    assert_eq!(s.costs.g_switch, Dur(100));
    let p = &s.goroutines[0].program;
    assert!(matches!(
        p[0],
        Op::Compute {
            units: 3,
            yield_every: 1,
            ..
        }
    ));
    assert!(matches!(
        &p[6],
        Op::Alloc {
            size: Dist::Const(Bytes(65536)),
            ..
        }
    ));
    assert!(matches!(&p[22], Op::Repeat { n: Times::N(3), .. }));
}

/// (replace, with, --set, line, field, message fragment, suggestion)
type Case<'a> = (
    &'a str,
    &'a str,
    &'a [&'a str],
    Option<usize>,
    &'a str,
    &'a str,
    Option<&'a str>,
);

#[test]
fn mistakes_name_file_line_field_and_suggest() {
    let cases: &[Case] = &[
        (
            "gomaxprocs = 2",
            "gomaxproc = 2",
            &[],
            Some(6),
            "runtime.gomaxproc",
            "unknown field",
            Some("gomaxprocs"),
        ),
        (
            "name = \"x\"",
            "name = \"x\"\nbogus = 1",
            &[],
            Some(3),
            "meta.bogus",
            "unknown field",
            None,
        ),
        (
            "time = \"1ms\"",
            "tme = \"1ms\"",
            &[],
            Some(18),
            "goroutines[0].program[0]",
            "unknown field `tme`",
            Some("time"),
        ),
        (
            "op = \"send\"",
            "op = \"sned\"",
            &[],
            Some(19),
            "goroutines[0].program[1]",
            "unknown variant",
            Some("send"),
        ),
        (
            "rps = \"1k/s\"",
            "rps = \"-5/s\"",
            &[],
            Some(24),
            "arrivals[0].rate",
            "negative",
            None,
        ),
        (
            "count = 2",
            "count = -2",
            &[],
            Some(16),
            "goroutines[0].count",
            "integer",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = \"1 parsec\"",
            &[],
            Some(18),
            "goroutines[0].program[0]",
            "expected a duration",
            None,
        ),
        (
            "duration = \"1s\"",
            "duration = \"0s\"",
            &[],
            Some(3),
            "meta.duration",
            "> 0",
            None,
        ),
        (
            "duration = \"1s\"",
            "duration = \"100d\"",
            &[],
            Some(3),
            "meta.duration",
            "expected a duration",
            None,
        ),
        (
            "gomaxprocs = 2",
            "gomaxprocs = 0",
            &[],
            Some(6),
            "runtime.gomaxprocs",
            "1..=1024",
            None,
        ),
        (
            "chan = \"c\"",
            "chan = \"d\"",
            &[],
            Some(19),
            "goroutines[0].program[1].chan",
            "no channel named `d`",
            None,
        ),
        (
            "rate = \"$rps\"",
            "rate = \"$rsp\"",
            &[],
            Some(24),
            "arrivals[0].rate",
            "unknown parameter",
            Some("rps"),
        ),
        (
            "dist = \"exp\"",
            "dist = \"expo\"",
            &[],
            Some(25),
            "arrivals[0].program[0]",
            "unknown distribution",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = \"1ms\" }, { op = \"alloc\", size = \"5000TiB\"",
            &[],
            Some(18),
            "goroutines[0].program[1].size",
            "too large",
            None,
        ),
        (
            "[[goroutines]]",
            "[[goroutines]",
            &[],
            Some(14),
            "",
            "not valid TOML",
            None,
        ),
    ];
    for (from, to, sets, line, field, msg, sugg) in cases {
        let e = err(from, to, sets);
        assert_eq!(e.file, "svc.toml");
        assert_eq!(e.line, *line, "line for `{to}`: {e}");
        assert!(e.field.starts_with(field), "field for `{to}`: {e}");
        assert!(e.message.contains(msg), "message for `{to}`: {e}");
        if let Some(s) = sugg {
            assert!(
                e.to_string().contains(&format!("did you mean `{s}`")),
                "suggestion for `{to}`: {e}"
            );
        }
    }
}

#[test]
fn set_overrides_and_their_mistakes() {
    let ok = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        parse_scenario(BASE, "svc.toml", &sets).map(|l| l.scenario)
    };
    let s = ok(&[
        "runtime.gomaxprocs=4",
        "params.rps=50k/s",
        "runtime.gogc=off",
        "runtime.gomemlimit=512MiB",
    ])
    .expect("ok");
    assert_eq!(s.runtime.gomaxprocs, Some(4));
    assert_eq!(
        s.arrivals[0].rate.0, 50_000.0,
        "a param change flows into the fields that use it"
    );
    assert_eq!(s.runtime.gogc, Gogc::Off);
    assert_eq!(s.runtime.gomemlimit, MemLimit::Bytes(512 << 20));
    assert_eq!(
        ok(&["goroutines.worker.count=3"])
            .expect("by name")
            .goroutines[0]
            .count,
        3
    );
    assert_eq!(
        ok(&["goroutines[0].count=5"]).expect("by index").goroutines[0].count,
        5
    );

    let e = *ok(&["runtime.gomaxprocz=4"]).expect_err("typo");
    assert_eq!(e.set.as_deref(), Some("runtime.gomaxprocz=4"));
    assert!(e.to_string().contains("did you mean `gomaxprocs`"), "{e}");
    let e = *ok(&["goroutines.workr.count=4"]).expect_err("no such element");
    assert!(e.to_string().contains("did you mean `worker`"), "{e}");
    let e = *ok(&["runtime.go_version=1.19"]).expect_err("unsupported version");
    assert!(e.to_string().contains("1.21"), "{e}");
    let e = *ok(&["runtime.gomaxprocs"]).expect_err("no value");
    assert!(e.message.contains("PATH=VALUE"), "{e}");
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "\0\u{1}binary",
        "[meta",
        "meta = 5",
        "[meta]\nname = 1\nduration = true",
        "[[goroutines]]\nprogram = 3",
    ] {
        assert!(
            parse_scenario(text, "g.toml", &[]).is_err(),
            "{text:?} accepted"
        );
    }
}

#[test]
fn the_documented_example_parses() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/scenario-format.md"
    ))
    .expect("doc");
    let start = doc.find("```toml\n").expect("example block") + 8;
    let end = start + doc[start..].find("```").expect("closed");
    let s = parse_scenario(&doc[start..end], "doc.toml", &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(s.meta.name, "api");
    assert_eq!(s.arrivals[0].rate.0, 20_000.0);
}

#[test]
fn every_bundled_scenario_loads() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios"));
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                models::scenario::load_scenario(&p, &[]).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
    }
    assert!(n >= 4);
}
