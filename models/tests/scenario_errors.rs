//! Scenario files: every form parses, and every mistake is reported with the file, the exact
//! line, the exact field path and (for a typo) the closest valid key.

use models::scenario::{
    CallsEvery, Dist, GoVersion, Gogc, Lifetime, MemLimit, Op, Process, ScenarioError, Times,
    load_scenario, parse_scenario,
};
use models::units::{Bytes, Dur, Rate};
use proptest::prelude::*;

/// Line numbers in the cases below refer to this text.
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

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// BASE with `from` replaced by `to`, loaded with `sets`; it must fail.
fn err(from: &str, to: &str, sets: &[&str]) -> ScenarioError {
    assert!(BASE.contains(from), "bad test: {from}");
    let text = BASE.replacen(from, to, 1);
    match parse_scenario(&text, "svc.toml", &strings(sets)) {
        Ok(_) => panic!("`{to}` with {sets:?} should be rejected"),
        Err(e) => e,
    }
}

#[allow(clippy::result_large_err)] // the loader's own error type, built once
fn set(sets: &[&str]) -> Result<models::scenario::Scenario, ScenarioError> {
    parse_scenario(BASE, "svc.toml", &strings(sets)).map(|l| l.scenario)
}

#[test]
fn the_base_scenario_parses() {
    let l = parse_scenario(BASE, "svc.toml", &[]).expect("parses");
    assert_eq!(l.file, "svc.toml");
    let s = l.scenario;
    assert_eq!(s.runtime.gomaxprocs, Some(2));
    assert_eq!(s.arrivals[0].rate, Rate(1000.0), "$rps substituted");
    assert_eq!(s.runtime.gogc, Gogc::Percent(100));
    assert_eq!(s.runtime.go_version, GoVersion::DEFAULT);
    assert_eq!(s.meta.seed, 1);
    assert_eq!(s.costs.g_switch, Dur(25), "Costs::default()");
    assert_eq!(s.arrivals[0].process, Process::Poisson);
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
cpus = 16
[params]
work = "200us"
label = "w"
n = 3
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
  { op = "compute", time = "$work", units = "$n", yield_every = 1, calls_every = "none" },
  { op = "compute", time = { dist = "uniform", min = "1us", max = "2us" }, calls_every = "5us", nonpreemptible = true },
  { op = "compute", time = { dist = "normal", mean = "1ms", stddev = "100us" } },
  { op = "compute", time = { dist = "lognormal", mean = "1ms", stddev = "1ms" } },
  { op = "compute", time = { dist = "empirical", values = ["1us", "2us"], weights = [0.9, 0.1] } },
  { op = "compute", time = { dist = "const", value = "3us" } },
  { op = "alloc", size = "64KiB", count = { dist = "uniform", min = 1, max = 4 }, lifetime = "forever", scan = 0.5 },
  { op = "alloc", size = 128, lifetime = { dist = "exp", mean = "10ms" } },
  { op = "alloc", size = { dist = "empirical", values = ["1KiB", "1MB"] }, lifetime = "goroutine" },
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
  { op = "gomaxprocs", n = 2 }, { op = "gc" }, { op = "close", chan = "c" }, { op = "exit" },
]
[[arrivals]]
name = "http"
rate = "1.5k/s"
process = "constant"
start = "100ms"
stop = "1.5s"
program = [{ op = "alloc", size = "1KiB", lifetime = "request" }, { op = "respond" }]
[[clients]]
name = "cl"
count = 3
think = { dist = "exp", mean = "5ms" }
program = [{ op = "compute", time = "10us" }]
"#;
    let s = parse_scenario(text, "all.toml", &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(s.meta.seed, 7);
    assert_eq!(
        s.goroutines[0].name, "worker",
        "a param substituted inside a string"
    );
    assert_eq!(s.runtime.gogc, Gogc::Off);
    assert_eq!(s.runtime.gomemlimit, MemLimit::Bytes(512 << 20));
    assert!(!s.runtime.asyncpreempt);
    assert_eq!(s.runtime.go_version, GoVersion { minor: 25 });
    assert_eq!(s.costs.g_switch, Dur(100));
    assert_eq!(
        s.costs.g_migrate,
        Dur(200),
        "unset costs keep their default"
    );
    assert_eq!(s.limits.max_goroutines, 1000);
    assert_eq!(s.phases[0].at, Dur(1_000_000_000));
    assert_eq!(s.channels[0].capacity, 4);
    let p = &s.goroutines[0].program;
    assert_eq!(p.len(), 31);
    let Op::Compute {
        time,
        units,
        yield_every,
        calls_every,
        nonpreemptible,
    } = &p[0]
    else {
        panic!("{:?}", p[0])
    };
    assert_eq!(
        (time, *units, *yield_every, *calls_every, *nonpreemptible),
        (
            &Dist::Const(Dur(200_000)),
            3,
            1,
            Some(CallsEvery::None),
            false
        ),
        "params of any type substitute as whole values"
    );
    let times: Vec<&Dist<Dur>> = p[1..6]
        .iter()
        .map(|op| match op {
            Op::Compute { time, .. } => time,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        times,
        [
            &Dist::Uniform {
                min: Dur(1_000),
                max: Dur(2_000)
            },
            &Dist::Normal {
                mean: Dur(1_000_000),
                stddev: Dur(100_000)
            },
            &Dist::LogNormal {
                mean: Dur(1_000_000),
                stddev: Dur(1_000_000)
            },
            &Dist::Empirical {
                values: vec![Dur(1_000), Dur(2_000)],
                weights: vec![0.9, 0.1]
            },
            &Dist::Const(Dur(3_000)),
        ]
    );
    assert!(matches!(
        &p[1],
        Op::Compute {
            calls_every: Some(CallsEvery::Every(Dur(5_000))),
            nonpreemptible: true,
            ..
        }
    ));
    assert_eq!(
        format!("{:?}", p[6]),
        format!(
            "{:?}",
            Op::Alloc {
                size: Dist::Const(Bytes(65_536)),
                count: Dist::Uniform { min: 1, max: 4 },
                lifetime: Lifetime::Forever,
                scan: 0.5,
                pointers: 1.0,
                written: true
            }
        )
    );
    assert!(matches!(
        &p[7],
        Op::Alloc { count: Dist::Const(1), lifetime: Lifetime::For(Dist::Exp { mean }), .. }
            if *mean == Dur(10_000_000)
    ));
    assert!(matches!(
        &p[8],
        Op::Alloc { size: Dist::Empirical { values, weights }, lifetime: Lifetime::Goroutine, .. }
            if values == &[Bytes(1024), Bytes(1_000_000)] && weights == &[1.0, 1.0]
    ));
    assert!(matches!(p[9], Op::Syscall { timed: true, .. }));
    assert!(matches!(&p[13], Op::Spawn { class, count: 2 } if class == "worker"));
    assert!(matches!(&p[18], Op::WgAdd { n: 1, .. }));
    let Op::Repeat { n, body } = &p[23] else {
        panic!("{:?}", p[23])
    };
    assert_eq!(*n, Times::N(3));
    assert!(matches!(
        &body[0],
        Op::Repeat {
            n: Times::Forever,
            ..
        }
    ));
    assert!(matches!(p[27], Op::Gomaxprocs { n: 2 }));
    assert!(matches!(p[30], Op::Exit));
    let a = &s.arrivals[0];
    assert_eq!(
        (a.rate, a.process, a.start, a.stop),
        (
            Rate(1500.0),
            Process::Constant,
            Dur(100_000_000),
            Some(Dur(1_500_000_000))
        )
    );
    assert!(matches!(
        a.program[0],
        Op::Alloc {
            lifetime: Lifetime::Request,
            ..
        }
    ));
    assert_eq!(
        s.clients[0].think,
        Dist::Exp {
            mean: Dur(5_000_000)
        }
    );
}

/// (replace, with, line, field, message fragment, suggestion)
type Case<'a> = (&'a str, &'a str, usize, &'a str, &'a str, Option<&'a str>);

#[test]
fn mistakes_name_file_line_field_and_suggest() {
    let cases: &[Case] = &[
        // Unknown keys: top level, in a table, in an op, in a distribution.
        (
            "[meta]",
            "title = 1\n[meta]",
            1,
            "title",
            "unknown field `title`, expected one of `meta`",
            None,
        ),
        (
            "[runtime]",
            "[runtme]",
            5,
            "runtme",
            "unknown field `runtme`",
            Some("runtime"),
        ),
        (
            "gomaxprocs = 2",
            "gomaxproc = 2",
            6,
            "runtime.gomaxproc",
            "unknown field `gomaxproc`",
            Some("gomaxprocs"),
        ),
        (
            "name = \"x\"",
            "name = \"x\"\nbogus = 1",
            3,
            "meta.bogus",
            "unknown field `bogus`, expected one of",
            None,
        ),
        (
            "time = \"1ms\"",
            "tme = \"1ms\"",
            18,
            "goroutines[0].program[0].tme",
            "unknown field `tme`",
            Some("time"),
        ),
        (
            "mean = \"100us\"",
            "meen = \"100us\"",
            25,
            "arrivals[0].program[0].time.meen",
            "unknown field `meen`",
            Some("mean"),
        ),
        (
            "dist = \"exp\", mean",
            "dist = \"uniform\", mean",
            25,
            "arrivals[0].program[0].time.mean",
            "unknown field `mean`, expected one of `dist`, `min`, `max`",
            None,
        ),
        // Unknown names of ops and distributions.
        (
            "op = \"send\"",
            "op = \"sned\"",
            19,
            "goroutines[0].program[1].op",
            "unknown variant `sned`",
            Some("send"),
        ),
        (
            "dist = \"exp\"",
            "dist = \"expo\"",
            25,
            "arrivals[0].program[0].time.dist",
            "unknown variant `expo`",
            Some("exp"),
        ),
        // Values of the wrong shape, inside and outside ops.
        (
            "rate = \"$rps\"",
            "rate = \"-5/s\"",
            24,
            "arrivals[0].rate",
            "a rate cannot be negative, got \"-5/s\"",
            None,
        ),
        (
            "rps = \"1k/s\"",
            "rps = \"-5/s\"",
            24,
            "arrivals[0].rate",
            "negative, got \"-5/s\" (the value of `$rps`)",
            None,
        ),
        (
            "count = 2",
            "count = -2",
            16,
            "goroutines[0].count",
            "expected an integer ≥ 0, got -2",
            None,
        ),
        (
            "gomaxprocs = 2",
            "gomaxprocs = -3",
            6,
            "runtime.gomaxprocs",
            "expected an integer from 0 to 4294967295, got -3",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = \"1 parsec\"",
            18,
            "goroutines[0].program[0].time",
            "expected a duration like \"200us\" or \"1.5ms\", got \"1 parsec\"",
            None,
        ),
        (
            "{ op = \"compute\", time = \"1ms\" },",
            "{ op = \"stack\", size = \"2GiB\" },",
            18,
            "goroutines[0].program[0].size",
            "a goroutine stack must be between 1 B and 1 GB",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = 5",
            18,
            "goroutines[0].program[0].time",
            "a duration needs a unit",
            None,
        ),
        (
            "mean = \"100us\"",
            "mean = \"100 parsecs\"",
            25,
            "arrivals[0].program[0].time.mean",
            "got \"100 parsecs\"",
            None,
        ),
        (
            "{ op = \"send\", chan = \"c\" }",
            "{ op = \"repeat\", n = 2, body = [{ op = \"gosched\" }, { op = \"sleep\", time = \"5\" }] }",
            19,
            "goroutines[0].program[1].body[1].time",
            "needs a unit",
            None,
        ),
        (
            "duration = \"1s\"",
            "duration = \"100d\"",
            3,
            "meta.duration",
            "expected a duration",
            None,
        ),
        // Missing fields point at the table they are missing from.
        (
            "name = \"x\"\n",
            "",
            1,
            "meta.name",
            "missing field `name`",
            None,
        ),
        (
            "time = { dist = \"exp\", mean = \"100us\" }",
            "time = { dist = \"uniform\", min = \"1us\" }",
            25,
            "arrivals[0].program[0].time.max",
            "missing field `max`",
            None,
        ),
        (
            "{ op = \"compute\", time = \"1ms\" }",
            "{ op = \"compute\" }",
            18,
            "goroutines[0].program[0].time",
            "missing field `time`",
            None,
        ),
        // Semantic checks.
        (
            "duration = \"1s\"",
            "duration = \"0s\"",
            3,
            "meta.duration",
            "> 0",
            None,
        ),
        (
            "duration = \"1s\"",
            "duration = \"25h\"",
            3,
            "meta.duration",
            "at most 24h",
            None,
        ),
        (
            "gomaxprocs = 2",
            "gomaxprocs = 0",
            6,
            "runtime.gomaxprocs",
            "1..=1024",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = \"1ms\" }, { op = \"alloc\", size = \"5000TiB\"",
            18,
            "goroutines[0].program[1].size",
            "too large",
            None,
        ),
        (
            "{ op = \"send\", chan = \"c\" }",
            "{ op = \"spawn\", class = \"wrker\" }",
            19,
            "goroutines[0].program[1].class",
            "no goroutine class named `wrker` (did you mean `worker`?)",
            Some("worker"),
        ),
        (
            "chan = \"c\"",
            "chan = \"d\"",
            19,
            "goroutines[0].program[1].chan",
            "no channel named `d`",
            None,
        ),
        (
            "{ op = \"send\", chan = \"c\" }",
            "{ op = \"pool_get\", pool = \"bufs\", size = \"64KiB\" }",
            19,
            "goroutines[0].program[1].pool",
            "no pool named `bufs`; declare it in [[pools]]",
            None,
        ),
        (
            "{ op = \"send\", chan = \"c\" }",
            "{ op = \"pool_put\", pool = \"c\", max_size = \"1 parsec\" }",
            19,
            "goroutines[0].program[1].max_size",
            "expected a size",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = { dist = \"uniform\", min = \"2ms\", max = \"1ms\" }",
            18,
            "goroutines[0].program[0].time.min",
            "min is larger than max",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = { dist = \"empirical\", values = [\"1ms\"], weights = [1, 2] }",
            18,
            "goroutines[0].program[0].time.weights",
            "2 weights for 1 values",
            None,
        ),
        (
            "time = \"1ms\"",
            "time = { dist = \"empirical\", values = [] }",
            18,
            "goroutines[0].program[0].time.values",
            "at least one value",
            None,
        ),
        (
            "time = \"1ms\" }",
            "time = \"1ms\" }, { op = \"alloc\", size = 8, scan = 1.5 }",
            18,
            "goroutines[0].program[1].scan",
            "[0, 1]",
            None,
        ),
        (
            "time = \"1ms\" }",
            "time = \"1ms\" }, { op = \"alloc\", size = 8, scan = 1, pointers = -0.5 }",
            18,
            "goroutines[0].program[1].pointers",
            "[0, 1]",
            None,
        ),
        (
            "rps = \"1k/s\"",
            "rps = \"2G/s\"",
            24,
            "arrivals[0].rate",
            "at most 1G/s",
            None,
        ),
        (
            "[[channels]]\nname = \"c\"",
            "[[channels]]\nname = \"c\"\n[[channels]]\nname = \"c\"",
            14,
            "channels[1].name",
            "`c` is defined twice",
            None,
        ),
        (
            "[params]",
            "[costs]\nnetpoll = \"2s\"\n[params]",
            9,
            "costs.netpoll",
            "at most 1s",
            None,
        ),
        (
            "[params]",
            "[costs]\nsweep_per_page = \"5s\"\n[params]",
            9,
            "costs.sweep_per_page",
            "at most 1s",
            None,
        ),
        (
            "[params]",
            "[costs]\nmark_alloc_per_object = \"2s\"\n[params]",
            9,
            "costs.mark_alloc_per_object",
            "at most 1s",
            None,
        ),
        (
            "[params]",
            "[limits]\nmax_threads = 0\n[params]",
            9,
            "limits.max_threads",
            "at least 1",
            None,
        ),
        (
            "{ op = \"send\", chan = \"c\" }",
            "{ op = \"spawn\", class = \"worker\", count = 20000000 }",
            19,
            "goroutines[0].program[1].count",
            "exceeds limits.max_goroutines (10000000)",
            None,
        ),
        // Parameters.
        (
            "rate = \"$rps\"",
            "rate = \"$rsp\"",
            24,
            "arrivals[0].rate",
            "unknown parameter `$rsp`; [params] defines `rps`",
            Some("rps"),
        ),
        (
            "name = \"worker\"",
            "name = \"w${kind}\"",
            15,
            "goroutines[0].name",
            "unknown parameter `$kind`",
            None,
        ),
        // Not TOML at all.
        (
            "[[goroutines]]",
            "[[goroutines]",
            14,
            "",
            "not valid TOML",
            None,
        ),
        (
            "duration = \"1s\"",
            "duration = ",
            3,
            "",
            "not valid TOML",
            None,
        ),
    ];
    for &(from, to, line, field, msg, sugg) in cases {
        let e = err(from, to, &[]);
        assert_eq!(e.file, "svc.toml");
        assert_eq!(e.set, None);
        assert_eq!(e.line, Some(line), "line for `{to}`: {e}");
        assert_eq!(e.field, field, "field for `{to}`: {e}");
        assert!(e.message.contains(msg), "message for `{to}`: {e}");
        assert_eq!(e.suggestion.as_deref(), sugg, "suggestion for `{to}`: {e}");
    }
}

#[test]
fn the_display_form_is_file_line_field_message() {
    assert_eq!(
        err("gomaxprocs = 2", "gomaxproc = 2", &[]).to_string(),
        "svc.toml:6: runtime.gomaxproc: unknown field `gomaxproc` (did you mean `gomaxprocs`?)"
    );
    assert_eq!(
        err("gomaxprocs = 2", "gomaxprocs = -3", &[]).to_string(),
        "svc.toml:6: runtime.gomaxprocs: expected an integer from 0 to 4294967295, got -3"
    );
    assert_eq!(
        set(&["runtime.gomaxprocz=4"])
            .expect_err("typo")
            .to_string(),
        "svc.toml: --set runtime.gomaxprocz=4: runtime.gomaxprocz: unknown field `gomaxprocz` (did you mean `gomaxprocs`?)"
    );
}

#[test]
fn ops_written_as_arrays_of_tables_point_at_their_own_lines() {
    let text = r#"[meta]
name = "t"
duration = "1s"

[[goroutines]]
name = "a"
count = 1

[[goroutines.program]]
op = "compute"
time = "1ms"

[[goroutines.program]]
op = "sleep"
tiem = "1ms"
"#;
    let e = parse_scenario(text, "t.toml", &[]).expect_err("typo");
    assert_eq!(
        (e.line, e.field.as_str(), e.suggestion.as_deref()),
        (Some(15), "goroutines[0].program[1].tiem", Some("time")),
        "{e}"
    );
    let e = parse_scenario(
        &text
            .replace("tiem", "time")
            .replace("\"1ms\"\n\n", "\"-1ms\"\n\n"),
        "t.toml",
        &[],
    )
    .expect_err("negative");
    assert_eq!(
        (e.line, e.field.as_str()),
        (Some(11), "goroutines[0].program[0].time"),
        "{e}"
    );
}

#[test]
fn set_overrides() {
    let s = set(&[
        "runtime.gomaxprocs=4",
        "params.rps=50k/s",
        "runtime.gogc=off",
        "runtime.gomemlimit=512MiB",
        "meta.duration=2s",
        "costs.g_switch=100ns",
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.runtime.gomaxprocs, Some(4));
    assert_eq!(
        s.arrivals[0].rate,
        Rate(50_000.0),
        "a param change flows into the fields that use it"
    );
    assert_eq!(s.runtime.gogc, Gogc::Off);
    assert_eq!(s.runtime.gomemlimit, MemLimit::Bytes(512 << 20));
    assert_eq!(s.meta.duration, Dur(2_000_000_000));
    assert_eq!(
        s.costs.g_switch,
        Dur(100),
        "a table the file lacks is created"
    );
    assert_eq!(
        set(&["runtime.gogc=50"]).expect("gogc").runtime.gogc,
        Gogc::Percent(50)
    );
    for (arg, count) in [
        ("goroutines.worker.count=3", 3),
        ("goroutines[0].count=5", 5),
        ("goroutines.0.count=6", 6),
    ] {
        assert_eq!(set(&[arg]).expect(arg).goroutines[0].count, count, "{arg}");
    }
    let s = set(&["goroutines.worker.program.0.time=\"3ms\""]).expect("into an op");
    assert!(
        matches!(
            &s.goroutines[0].program[0],
            Op::Compute {
                time: Dist::Const(Dur(3_000_000)),
                ..
            }
        ),
        "{:?}",
        s.goroutines[0].program[0]
    );
    let s = set(&["goroutines.worker.count=1000", "limits.max_goroutines=999"]);
    let e = s.expect_err("over the limit");
    assert_eq!(
        (e.field.as_str(), e.set.as_deref()),
        ("goroutines[0].count", Some("goroutines.worker.count=1000"))
    );
    let later_wins = set(&["runtime.gomaxprocs=4", "runtime.gomaxprocs=6"]).expect("twice");
    assert_eq!(later_wins.runtime.gomaxprocs, Some(6));
}

/// (--set, field, message fragment, suggestion)
type SetCase<'a> = (&'a str, &'a str, &'a str, Option<&'a str>);

#[test]
fn set_mistakes_name_the_set_and_suggest() {
    let cases: &[SetCase] = &[
        (
            "runtime.gomaxprocz=4",
            "runtime.gomaxprocz",
            "unknown field `gomaxprocz`",
            Some("gomaxprocs"),
        ),
        (
            "runtme.gomaxprocs=4",
            "runtme",
            "unknown field `runtme`",
            Some("runtime"),
        ),
        (
            "goroutines.worker.program.0.tme=1ms",
            "goroutines[0].program[0].tme",
            "unknown field `tme`",
            Some("time"),
        ),
        (
            "goroutines.workr.count=4",
            "goroutines.workr.count",
            "`goroutines` has no element named `workr`",
            Some("worker"),
        ),
        (
            "goroutines.5.count=4",
            "goroutines.5.count",
            "`goroutines` has 1 elements, no index 5",
            None,
        ),
        (
            "pipes.0.name=p",
            "pipes.0.name",
            "`pipes` has no elements",
            None,
        ),
        (
            "params.rsp=5k/s",
            "params.rsp",
            "[params] does not define `rsp`",
            Some("rps"),
        ),
        (
            "runtime.gomaxprocs.x=1",
            "runtime.gomaxprocs.x",
            "`runtime.gomaxprocs` is a value",
            None,
        ),
        (
            "runtime.gomaxprocs",
            "runtime.gomaxprocs",
            "PATH=VALUE",
            None,
        ),
        ("runtime..cpus=2", "runtime..cpus", "malformed path", None),
        (
            "runtime.gomaxprocs=0",
            "runtime.gomaxprocs",
            "1..=1024",
            None,
        ),
        (
            "runtime.gomaxprocs=four",
            "runtime.gomaxprocs",
            "expected an integer from 0 to 4294967295, got \"four\"",
            None,
        ),
        (
            "runtime.go_version=1.19",
            "runtime.go_version",
            "expected one of \"1.21\", \"1.22\", \"1.23\", \"1.24\", \"1.25\", \"1.26\", \"1.27\"",
            None,
        ),
        ("runtime.gogc=-1", "runtime.gogc", "write \"off\"", None),
        ("meta.duration=200", "meta.duration", "needs a unit", None),
    ];
    for &(arg, field, msg, sugg) in cases {
        let e = set(&[arg]).expect_err(arg);
        assert_eq!(e.set.as_deref(), Some(arg), "{e}");
        assert_eq!(e.line, None, "{e}");
        assert_eq!(e.field, field, "field for {arg}: {e}");
        assert!(e.message.contains(msg), "message for {arg}: {e}");
        assert_eq!(e.suggestion.as_deref(), sugg, "suggestion for {arg}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("svc.toml: --set {arg}: ")),
            "{e}"
        );
    }
    // A bad value given to a parameter is reported where the parameter is used, blaming the --set.
    let e = set(&["params.rps=-5/s"]).expect_err("negative rate");
    assert_eq!(
        (e.field.as_str(), e.set.as_deref()),
        ("arrivals[0].rate", Some("params.rps=-5/s"))
    );
    assert!(e.message.contains("(the value of `$rps`)"), "{e}");
}

#[test]
fn garbage_never_panics() {
    for (text, line) in [
        ("", 1),
        ("\0\u{1}binary", 1),
        ("[meta", 1),
        ("meta = 5", 1),
        // Keys of a table are checked in sorted order: `duration` before `name`.
        ("[meta]\nname = 1\nduration = true", 3),
        (
            "[meta]\nname = \"a\"\nduration = \"1s\"\n[[goroutines]]\nprogram = 3",
            5,
        ),
        (
            "[meta]\nname = \"a\"\nduration = \"1s\"\n[[goroutines]]\nname = \"g\"\ncount = 1\nprogram = [3]",
            7,
        ),
        (
            "[meta]\nname = \"a\"\nduration = \"1s\"\n[[goroutines]]\nname = \"g\"\ncount = 1\nprogram = [{ op = 3 }]",
            7,
        ),
        ("[meta]\nname = \"a\"\nduration = \"1s\"\nparams = 3", 4),
        ("[meta]\nname = \"a\"\nduration = { dist = \"exp\" }", 3),
        (
            "\n\n[meta]\nname = \"a\"\nduration = \"1s\"\n[runtime]\ncpus = 1.5e400",
            7,
        ),
    ] {
        let e = parse_scenario(text, "g.toml", &[]).expect_err(text);
        assert_eq!(e.line, Some(line), "{text:?}: {e}");
    }
    // Deep nesting is refused by the parser, before any recursion of ours.
    let deep = format!("[meta]\nx = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = parse_scenario(&deep, "g.toml", &[]).expect_err("deep");
    assert_eq!(e.line, Some(2), "{e}");
    // A --set value too deep for TOML is taken as text: rejected as not a number, no overflow.
    let deep = format!(
        "runtime.cpus={}{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = parse_scenario(BASE, "g.toml", &[deep]).expect_err("deep --set");
    assert_eq!(e.field, "runtime.cpus");
}

#[test]
fn unreadable_files_are_reported() {
    let dir = std::env::temp_dir().join(format!("gmpsim-scenario-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let bin = dir.join("bin.toml");
    std::fs::write(&bin, b"[meta]\nname = \"a\"\nduration = \"\xff\xfe\"\n").expect("write");
    let e = load_scenario(&bin, &[]).expect_err("not UTF-8");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("not UTF-8"), "{e}");
    let e = load_scenario(&dir.join("missing.toml"), &[]).expect_err("missing");
    assert_eq!(e.line, None);
    assert!(e.message.contains("cannot read"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Arbitrary text: an error or a scenario, never a panic, and any line is in the file.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Err(e) = parse_scenario(&text, "f.toml", &[]) {
            let lines = text.lines().count().max(1) + 1;
            prop_assert!(e.line.is_some_and(|l| l >= 1 && l <= lines), "{e}");
        }
    }

    /// BASE with a slice cut out and some text spliced in: still never a panic.
    #[test]
    fn mangled_scenarios_never_panic(
        at in 0usize..BASE.len(),
        cut in 0usize..40,
        insert in "[a-z0-9_=\"{}\\[\\]., $-]{0,12}",
        sets in proptest::collection::vec("[a-z0-9_.\\[\\]]{1,20}=[a-zA-Z0-9/\"-]{0,8}", 0..3),
    ) {
        let at = (0..=at).rev().find(|i| BASE.is_char_boundary(*i)).unwrap_or(0);
        let end = (at + cut).min(BASE.len());
        let end = (end..=BASE.len()).find(|i| BASE.is_char_boundary(*i)).unwrap_or(BASE.len());
        let text = format!("{}{}{}", &BASE[..at], insert, &BASE[end..]);
        let _ = parse_scenario(&text, "m.toml", &sets);
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
    assert_eq!(s.arrivals[0].rate, Rate(20_000.0));
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
                load_scenario(&p, &[]).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
    }
    assert!(n >= 4);
}

/// `[[pools]]` and the pool ops parse, and a pool op must name a declared pool.
#[test]
fn pool_ops_parse() {
    let text = BASE.replace("[[channels]]", "[[pools]]\nname = \"bufs\"\n\n[[channels]]");
    let text = text.replace(
        "{ op = \"send\", chan = \"c\" }",
        "{ op = \"pool_get\", pool = \"bufs\", size = \"64KiB\", scan = 0.5 }, { op = \"pool_put\", pool = \"bufs\", max_size = \"1MiB\" }",
    );
    let s = parse_scenario(&text, "svc.toml", &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(s.pools[0].name, "bufs");
    let p = &s.goroutines[0].program;
    assert!(matches!(&p[1], Op::PoolGet { pool, scan, .. } if pool == "bufs" && *scan == 0.5));
    assert!(matches!(&p[2], Op::PoolPut { max_size: Some(b), .. } if *b == Bytes(1 << 20)));
    let Err(e) = parse_scenario(
        &text.replace("pool = \"bufs\", max", "pool = \"buf\", max"),
        "svc.toml",
        &[],
    ) else {
        panic!("an unknown pool must be rejected");
    };
    assert_eq!(e.field, "goroutines[0].program[2].pool");
    assert!(e.message.contains("no pool named `buf`"), "{e}");
}

/// `"= expr"` computes a value from numeric parameters; a bad expression names its field.
#[test]
fn computed_parameters() {
    let base = BASE.replace("rps = \"1k/s\"", "rps = \"1k/s\"\na = 3\nb = 5");
    let ok = base.replace("count = 2", "count = \"= max(b - a, 0) * 2\"");
    let sc = parse_scenario(&ok, "svc.toml", &[]).unwrap().scenario;
    assert_eq!(sc.goroutines[0].count, 4);
    // --set changes the inputs of the expression.
    let sc = parse_scenario(&ok, "svc.toml", &strings(&["params.a=9"]))
        .unwrap()
        .scenario;
    assert_eq!(sc.goroutines[0].count, 0);
    for (expr, msg) in [
        ("= b - c", "unknown parameter `c`"),
        ("= rps * 2", "not a number"),
        ("= b / (a - 3)", "division by zero"),
        ("= max(a, b", "missing `)`"),
    ] {
        let bad = base.replace("count = 2", &format!("count = \"{expr}\""));
        let e = parse_scenario(&bad, "svc.toml", &[]).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("svc.toml:"), "{shown}");
        assert!(shown.contains("goroutines[0].count"), "{shown}");
        assert!(shown.contains(msg), "{expr}: {shown}");
    }
    // A unit after the expression makes a quantity: 1 MiB at `b` MiB/s is a pace of 200 ms.
    let paced = base.replace(
        "{ op = \"send\", chan = \"c\" }",
        "{ op = \"pace\", every = \"= 1000 / b ms\" }",
    );
    let sc = parse_scenario(&paced, "svc.toml", &[]).unwrap().scenario;
    assert!(matches!(
        sc.goroutines[0].program[1],
        Op::Pace {
            every: Dur(200_000_000)
        }
    ));
    // A parameter named like a unit is still a parameter when the rest is no expression.
    let unitlike = base
        .replace("b = 5", "b = 5\ns = 2")
        .replace("count = 2", "count = \"= b + s\"");
    let sc = parse_scenario(&unitlike, "svc.toml", &[]).unwrap().scenario;
    assert_eq!(sc.goroutines[0].count, 7);
    // A pace of zero is an error naming the field.
    let zero = paced.replace("= 1000 / b ms", "0s");
    let e = parse_scenario(&zero, "svc.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("svc.toml:21:") && e.contains("program[1].every: a pace period"),
        "{e}"
    );
}

/// A phase at or after the end of the run is not an error (a run shortened with `--set` keeps
/// its phase markers); it simply never starts.
#[test]
fn a_phase_after_the_end_never_starts() {
    let text = BASE.replace(
        "[[channels]]",
        "[[phases]]\nname = \"late\"\nat = \"2s\"\n[[channels]]",
    );
    let sc = parse_scenario(&text, "svc.toml", &[]).unwrap().scenario;
    let r = models::run::run_scenario(&sc, models::sim::RunOptions::default()).unwrap();
    assert!(r.summary.phases.iter().all(|p| p.name != "late"));
    let sc = parse_scenario(&text, "svc.toml", &strings(&["meta.duration=3s"]))
        .unwrap()
        .scenario;
    let r = models::run::run_scenario(&sc, models::sim::RunOptions::default()).unwrap();
    assert!(r.summary.phases.iter().any(|p| p.name == "late"));
}

#[test]
fn bad_machine_values_name_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "cores_per_node = 0",
            "machine.cores_per_node",
            "expected 1..=1024",
        ),
        ("numa_nodes = 0", "machine.numa_nodes", "expected 1..=64"),
        ("smt = 0", "machine.smt", "expected 1..=8"),
        (
            "cpu_quota = -1",
            "machine.cpu_quota",
            "must be a number of CPUs > 0",
        ),
        (
            "cpu_quota = 0.0",
            "machine.cpu_quota",
            "must be a number of CPUs > 0",
        ),
        (
            "cpu_period = \"0s\"",
            "machine.cpu_period",
            "between 1ms and 1s",
        ),
        (
            "remote_access_factor = 0.5",
            "machine.remote_access_factor",
            "1.0..=10.0",
        ),
        (
            "kernel_timeslice = \"0s\"",
            "machine.kernel_timeslice",
            "must be > 0",
        ),
        (
            "mark_cost_per_doubling = -0.1",
            "machine.mark_cost_per_doubling",
            "must be >= 0",
        ),
        // Five halvings from 64 MiB to the 2 MiB floor: 0.2 per halving would mark for free.
        (
            "mark_cost_per_doubling = 0.2",
            "machine.mark_cost_per_doubling",
            "below 0.200",
        ),
        (
            "mark_cache_floor = \"1GiB\"",
            "machine.mark_cache_floor",
            "at most 64MiB",
        ),
    ];
    for (line, field, msg) in cases {
        let e = err("[runtime]", &format!("[machine]\n{line}\n[runtime]"), &[]);
        assert_eq!(e.field, *field, "{e}");
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.message.contains(msg), "{e}");
    }
    // The same through --set.
    let e = set(&["machine.cpu_quota=-1"]).expect_err("quota -1");
    assert_eq!(e.field, "machine.cpu_quota", "{e}");
    // A good machine parses.
    let s = set(&["machine.cores_per_node=16", "machine.cpu_quota=4"]).expect("parses");
    let m = s.machine.expect("machine table");
    assert_eq!((m.cores_per_node, m.cpu_quota), (Some(16), Some(4.0)));
}

/// A rate of 0 turns an arrival stream off (a what-if without it), while a negative one is
/// still a typo.
#[test]
fn a_zero_rate_turns_an_arrival_stream_off() {
    let off = set(&["params.rps=0/s"]).unwrap_or_else(|e| panic!("{e}"));
    let r = models::run::run_scenario(&off, models::sim::RunOptions::default()).expect("runs");
    assert_eq!(r.summary.requests.completed, 0);
    let on = set(&[]).unwrap_or_else(|e| panic!("{e}"));
    let r = models::run::run_scenario(&on, models::sim::RunOptions::default()).expect("runs");
    let n = r.summary.requests.completed;
    assert!(n > 500, "{n} requests at 1k/s");
    assert!(set(&["params.rps=-1/s"]).is_err());
}
