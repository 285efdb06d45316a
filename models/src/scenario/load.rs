//! Loading a scenario: parse the TOML, apply `--set` overrides, substitute `[params]`,
//! deserialise into [`Scenario`] while tracking the field path, validate, and report any
//! problem with the file, line and field (and the closest valid key for a typo).
//!
//! Field paths are written `goroutines[1].program[0].time.mean` everywhere: in errors, in
//! validation and in the line index. `--set` accepts that form and `goroutines.1.program.0`.

// A `ScenarioError` is a few strings: larger than clippy's default for an `Err`, but it is
// built once, on the way out, so boxing it would only complicate the callers.
#![allow(clippy::result_large_err)]

use super::de::closest;
use super::schema::Scenario;
use super::validate::validate;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use toml::Value;
use toml::de::{DeTable, DeValue};

/// A scenario that loaded and validated.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    pub file: String,
    /// The `--set` arguments applied, in order.
    pub sets: Vec<String>,
}

/// A problem with a scenario file or a `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based line in the file where the field (or its nearest written parent) is. `None`
    /// when the file could not be read or the field came from a `--set`.
    pub line: Option<usize>,
    /// The field path, `goroutines[1].program[0].time`; empty for a TOML syntax error.
    pub field: String,
    pub message: String,
    /// The closest valid key or name, for a typo.
    pub suggestion: Option<String>,
    /// The `--set` argument the field came from, if any.
    pub set: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match (&self.set, self.line) {
            (Some(s), _) => write!(f, ": --set {s}")?,
            (None, Some(l)) => write!(f, ":{l}")?,
            (None, None) => {}
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(s) = &self.suggestion
            && !self.message.contains("did you mean")
        {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and loads a scenario file.
pub fn load_scenario(path: &Path, sets: &[String]) -> Result<LoadedScenario, ScenarioError> {
    let file = path.display().to_string();
    let fail = |line, message| ScenarioError {
        file: file.clone(),
        line,
        field: String::new(),
        message,
        suggestion: None,
        set: None,
    };
    let bytes =
        std::fs::read(path).map_err(|e| fail(None, format!("cannot read the scenario: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = line_of_bytes(e.as_bytes(), at);
        fail(
            Some(line),
            "not valid TOML: the file is not UTF-8 text".into(),
        )
    })?;
    parse_scenario(&text, &file, sets)
}

/// Byte offset → 1-based line.
fn line_of_bytes(text: &[u8], offset: usize) -> usize {
    text[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn line_of(text: &str, offset: usize) -> usize {
    line_of_bytes(text.as_bytes(), offset)
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Idx(usize),
}

fn fmt_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Idx(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn child(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Path → line of every key and array element written in the file.
fn line_index(text: &str) -> BTreeMap<String, usize> {
    fn walk(text: &str, prefix: &str, v: &DeValue, out: &mut BTreeMap<String, usize>) {
        match v {
            DeValue::Table(t) => {
                for (k, val) in t.iter() {
                    let path = child(prefix, k.get_ref());
                    out.insert(path.clone(), line_of(text, k.span().start));
                    walk(text, &path, val.get_ref(), out);
                }
            }
            DeValue::Array(a) => {
                for (i, val) in a.iter().enumerate() {
                    let path = format!("{prefix}[{i}]");
                    out.insert(path.clone(), line_of(text, val.span().start));
                    walk(text, &path, val.get_ref(), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(t) = DeTable::parse(text) {
        walk(text, "", &DeValue::Table(t.into_inner()), &mut out);
    }
    out
}

/// Everything needed to turn a field path into a located error.
struct Locator<'a> {
    file: &'a str,
    lines: BTreeMap<String, usize>,
    /// Path written by each `--set`, with the argument.
    sets: Vec<(String, String)>,
    /// Paths whose value came from a `[params]` entry, with the parameter's name.
    origins: Vec<(String, String)>,
}

/// `field` is `p` or inside it.
fn within(field: &str, p: &str) -> bool {
    field == p
        || field
            .strip_prefix(p)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

impl Locator<'_> {
    /// The line of `field` or of its nearest ancestor written in the file.
    fn line(&self, field: &str) -> Option<usize> {
        let mut p = field.to_string();
        loop {
            if let Some(l) = self.lines.get(&p) {
                return Some(*l);
            }
            p.truncate(p.rfind(['.', '['])?);
        }
    }

    /// The `--set` that wrote `field` (or created the table it is missing from).
    fn set_for(&self, field: &str) -> Option<&str> {
        let absent = !self.lines.contains_key(field);
        self.sets
            .iter()
            .rev()
            .find(|(p, _)| within(field, p) || (absent && within(p, field)))
            .map(|(_, a)| a.as_str())
    }

    fn error(
        &self,
        field: &str,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) -> ScenarioError {
        let mut message = message.into();
        // Validation words its hints into the message; expose them as the suggestion too.
        let suggestion = suggestion.or_else(|| {
            let rest = &message[message.find("(did you mean ")? + 14..];
            quoted(rest).map(str::to_string)
        });
        let mut set = self.set_for(field);
        // A value substituted from [params]: say so, and blame the --set that changed the
        // parameter if one did.
        if let Some((_, param)) = self.origins.iter().find(|(p, _)| within(field, p)) {
            message.push_str(&format!(" (the value of `${param}`)"));
            if set.is_none() {
                set = self.set_for(&format!("params.{param}"));
            }
        }
        let line = if set.is_some() {
            None
        } else {
            // Nothing written above the field (an empty file, a missing [meta]): line 1.
            Some(self.line(field).unwrap_or(1))
        };
        ScenarioError {
            file: self.file.to_string(),
            line,
            field: field.to_string(),
            message,
            suggestion,
            set: set.map(str::to_string),
        }
    }
}

/// Splits `a.b[0].c` / `a.b.0.c` into segments.
fn segments(path: &str) -> Vec<String> {
    path.replace('[', ".")
        .replace(']', "")
        .split('.')
        .map(|s| s.trim().to_string())
        .collect()
}

/// What went wrong with a `--set`.
struct SetError {
    message: String,
    suggestion: Option<String>,
}

fn set_err(message: String, suggestion: Option<&str>) -> SetError {
    SetError {
        message,
        suggestion: suggestion.map(str::to_string),
    }
}

/// A `--set` value: TOML if it parses as exactly one TOML value, otherwise the text itself,
/// so `gogc=off`, `gomemlimit=512MiB` and `duration=2s` need no quotes.
fn set_value(raw: &str) -> Value {
    let raw = raw.trim();
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) if t.len() == 1 => t
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.to_string())),
        _ => Value::String(raw.to_string()),
    }
}

fn set_path(doc: &mut Value, arg: &str) -> Result<String, SetError> {
    let (path, raw) = arg
        .split_once('=')
        .ok_or_else(|| set_err(format!("expected PATH=VALUE, got `{arg}`"), None))?;
    let segs = segments(path);
    if segs.iter().any(String::is_empty) {
        return Err(set_err(format!("malformed path `{}`", path.trim()), None));
    }
    let value = set_value(raw);
    // A parameter nobody defined is a typo: it would silently change nothing.
    if segs.len() == 2 && segs[0] == "params" {
        let defined: Vec<&str> = match doc.get("params") {
            Some(Value::Table(t)) => t.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        if !defined.contains(&segs[1].as_str()) {
            let hint = closest(&segs[1], defined.iter().copied());
            return Err(set_err(
                format!("[params] does not define `{}`", segs[1]),
                hint,
            ));
        }
    }
    // Walk to the container of the last segment, creating missing tables on the way (a
    // `[costs]` the file does not have); deserialisation rejects keys the schema lacks.
    let mut norm: Vec<Seg> = Vec::new();
    let mut cur: &mut Value = doc;
    let (leaf, parents) = segs
        .split_last()
        .ok_or_else(|| set_err("empty path".into(), None))?;
    for (i, seg) in parents.iter().enumerate() {
        let next_is_index = segs[i + 1].parse::<usize>().is_ok();
        let (s, slot) = step(cur, &norm, seg, next_is_index)?;
        norm.push(s);
        cur = slot;
    }
    match cur {
        Value::Table(t) => {
            t.insert(leaf.clone(), value);
            norm.push(Seg::Key(leaf.clone()));
        }
        Value::Array(_) => {
            let (s, slot) = step(cur, &norm, leaf, false)?;
            *slot = value;
            norm.push(s);
        }
        _ => return Err(not_a_table(&norm, leaf)),
    }
    Ok(fmt_path(&norm))
}

fn not_a_table(at: &[Seg], seg: &str) -> SetError {
    set_err(
        format!(
            "`{}` is a value, not a table, so `{seg}` cannot be set inside it",
            fmt_path(at)
        ),
        None,
    )
}

/// One step of a `--set` path from `cur` (at path `at`): a table key, or an array element by
/// index or by `name`.
fn step<'v>(
    cur: &'v mut Value,
    at: &[Seg],
    seg: &str,
    next_is_index: bool,
) -> Result<(Seg, &'v mut Value), SetError> {
    match cur {
        Value::Table(t) => {
            if !t.contains_key(seg) && next_is_index {
                let mut p = at.to_vec();
                p.push(Seg::Key(seg.to_string()));
                return Err(set_err(format!("`{}` has no elements", fmt_path(&p)), None));
            }
            let slot = t
                .entry(seg.to_string())
                .or_insert_with(|| Value::Table(toml::Table::new()));
            Ok((Seg::Key(seg.to_string()), slot))
        }
        Value::Array(a) => {
            let here = fmt_path(at);
            let idx = match seg.parse::<usize>() {
                Ok(i) if i < a.len() => i,
                Ok(i) => {
                    return Err(set_err(
                        format!("`{here}` has {} elements, no index {i}", a.len()),
                        None,
                    ));
                }
                Err(_) => {
                    let names: Vec<&str> = a
                        .iter()
                        .filter_map(|e| e.get("name").and_then(Value::as_str))
                        .collect();
                    // The position in the array, not among the named elements.
                    match a
                        .iter()
                        .position(|e| e.get("name").and_then(Value::as_str) == Some(seg))
                    {
                        Some(i) => i,
                        None => {
                            let hint = closest(seg, names.iter().copied());
                            return Err(set_err(
                                format!("`{here}` has no element named `{seg}`"),
                                hint,
                            ));
                        }
                    }
                }
            };
            Ok((Seg::Idx(idx), &mut a[idx]))
        }
        _ => Err(not_a_table(at, seg)),
    }
}

/// Applies one `--set PATH=VALUE` to the document (a `Value::Table`); returns the normalised
/// path it wrote (`goroutines[0].count`). Array elements are selected by index or by their
/// `name` as written in the file. Unknown leaf keys are left for deserialisation to reject
/// (it knows the valid keys); a `params.NAME` that `[params]` does not define is rejected here.
pub fn apply_set(doc: &mut Value, arg: &str) -> Result<String, String> {
    set_path(doc, arg).map_err(|e| match e.suggestion {
        Some(s) => format!("{} (did you mean `{s}`?)", e.message),
        None => e.message,
    })
}

/// A parameter name: what may follow `$`.
fn is_param_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A unit a computed value may end with (`"= 1000 / rate ms"`): any duration or size unit
/// the unit parsers accept.
fn is_unit(u: &str) -> bool {
    let one = format!("1{u}");
    !u.is_empty()
        && u.chars().all(char::is_alphabetic)
        && (crate::units::parse_duration(&one).is_ok() || crate::units::parse_bytes(&one).is_ok())
}

/// Replaces `"$name"` values and `"${name}"` inside strings with `[params]` values, recording
/// which paths got their value from which parameter.
fn substitute(
    v: &mut Value,
    path: &str,
    params: &toml::Table,
    loc: &mut Locator,
) -> Result<(), ScenarioError> {
    let unknown = |loc: &Locator, name: &str| {
        let hint = closest(name, params.keys().map(String::as_str)).map(str::to_string);
        let defined = params.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>();
        let defined = if defined.is_empty() {
            "nothing".to_string()
        } else {
            defined.join(", ")
        };
        loc.error(
            path,
            format!("unknown parameter `${name}`; [params] defines {defined}"),
            hint,
        )
    };
    match v {
        Value::String(s) => {
            if let Some(src) = s.strip_prefix('=') {
                // A computed value: an expression over numeric parameters.
                let used = std::cell::RefCell::new(Vec::new());
                let lookup = |name: &str| -> Result<f64, String> {
                    used.borrow_mut().push(name.to_string());
                    match params.get(name) {
                        Some(Value::Integer(i)) => Ok(*i as f64),
                        Some(Value::Float(f)) => Ok(*f),
                        Some(Value::Boolean(b)) => Ok(*b as u8 as f64),
                        Some(other) => Err(format!(
                            "parameter `{name}` is {other}, not a number, so it cannot be used in an expression"
                        )),
                        None => Err(format!("unknown parameter `{name}` in expression `{src}`")),
                    }
                };
                // `"= 1000 / rate ms"`: an expression followed by a unit gives a quantity (a
                // trailing word that only reads as a unit when the rest is an expression, so
                // a parameter named `s` still works in `"= a + s"`).
                let with_unit = match src.trim_end().rsplit_once(' ') {
                    Some((head, u)) if is_unit(u) => {
                        super::expr::eval(head, &lookup).ok().map(|v| (v, Some(u)))
                    }
                    _ => None,
                };
                let (value, unit) = match with_unit {
                    Some(x) => x,
                    None => (
                        super::expr::eval(src, &lookup).map_err(|m| loc.error(path, m, None))?,
                        None,
                    ),
                };
                let whole = value.fract() == 0.0 && value.abs() < 9.0e15;
                *v = match (unit, whole) {
                    (Some(u), true) => Value::String(format!("{}{u}", value as i64)),
                    (Some(u), false) => Value::String(format!("{value}{u}")),
                    (None, true) => Value::Integer(value as i64),
                    (None, false) => Value::Float(value),
                };
                for name in used.into_inner() {
                    loc.origins.push((path.to_string(), name));
                }
            } else if let Some(name) = s.strip_prefix('$')
                && is_param_name(name)
            {
                let name = name.to_string();
                *v = params
                    .get(&name)
                    .cloned()
                    .ok_or_else(|| unknown(loc, &name))?;
                loc.origins.push((path.to_string(), name));
            } else if s.contains("${") {
                let mut out = String::new();
                let mut rest = s.as_str();
                let mut used = Vec::new();
                while let Some(i) = rest.find("${") {
                    out.push_str(&rest[..i]);
                    let after = &rest[i + 2..];
                    let end = after
                        .find('}')
                        .ok_or_else(|| loc.error(path, "unclosed `${` in string", None))?;
                    let name = &after[..end];
                    match params.get(name) {
                        Some(Value::String(x)) => out.push_str(x),
                        Some(other) => out.push_str(&other.to_string()),
                        None => return Err(unknown(loc, name)),
                    }
                    used.push(name.to_string());
                    rest = &after[end + 1..];
                }
                out.push_str(rest);
                *s = out;
                for name in used {
                    loc.origins.push((path.to_string(), name));
                }
            }
        }
        Value::Table(t) => {
            for (k, x) in t.iter_mut() {
                substitute(x, &child(path, k), params, loc)?;
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                substitute(x, &format!("{path}[{i}]"), params, loc)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Deserialises the document, returning the failing path and serde's message.
fn attempt(doc: &Value) -> Result<Scenario, (Vec<Seg>, String)> {
    serde_path_to_error::deserialize::<_, Scenario>(doc.clone()).map_err(|e| {
        let path = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Idx(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                _ => None,
            })
            .collect();
        (path, e.into_inner().message().trim().to_string())
    })
}

fn get<'a>(v: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, s| match (s, v) {
        (Seg::Key(k), Value::Table(t)) => t.get(k),
        (Seg::Idx(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

/// `doc` with the value at `path` replaced.
fn replaced(doc: &Value, path: &[Seg], with: Value) -> Value {
    let mut d = doc.clone();
    let mut cur = Some(&mut d);
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), Some(Value::Table(t))) => t.get_mut(k),
            (Seg::Idx(i), Some(Value::Array(a))) => a.get_mut(*i),
            _ => None,
        };
    }
    if let Some(slot) = cur {
        *slot = with;
    }
    d
}

/// Keys that select what a table is (the op, the distribution), kept in every trial.
const DISCRIMINATORS: [&str; 2] = ["op", "dist"];

/// serde loses the path inside internally tagged enums (program ops are buffered before their
/// fields are read), so an error inside an op arrives at `program[3]`. This narrows it down
/// by trial: key `k` of the table is the culprit if the table reduced to `k` (plus its `op`)
/// fails with the same error and the table without `k` does not. Arrays: the shortest prefix
/// that fails the same way ends at the culprit. Repeats into nested tables and arrays.
fn refine(doc: &Value, at: &[Seg], msg: &str) -> Vec<Seg> {
    let same = |d: &Value| matches!(attempt(d), Err((p, m)) if p == at && m == msg);
    // A missing key is missing from a table: only a table or array can lead to it (a sibling
    // scalar would otherwise pass the test, since removing it changes the message).
    let missing = msg.starts_with("missing field ");
    let mut path = at.to_vec();
    // Each step goes one level deeper into a finite document, so this ends.
    while let Some(node) = get(doc, &path) {
        let next = match node {
            Value::Table(t) if t.len() <= 64 => {
                let base: toml::Table = t
                    .iter()
                    .filter(|(k, _)| DISCRIMINATORS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                t.iter()
                    .filter(|(k, _)| !DISCRIMINATORS.contains(&k.as_str()))
                    .filter(|(_, v)| !missing || v.is_table() || v.is_array())
                    .find(|(k, v)| {
                        let mut only = base.clone();
                        only.insert((*k).clone(), (*v).clone());
                        let mut without = t.clone();
                        without.remove(*k);
                        same(&replaced(doc, &path, Value::Table(only)))
                            && !same(&replaced(doc, &path, Value::Table(without)))
                    })
                    .map(|(k, _)| Seg::Key(k.clone()))
            }
            Value::Array(a) if !a.is_empty() => {
                let prefix = |n: usize| replaced(doc, &path, Value::Array(a[..n].to_vec()));
                // Smallest n whose prefix fails the same way; monotone in n.
                let (mut lo, mut hi) = (0, a.len());
                if !same(&prefix(hi)) {
                    None
                } else {
                    while lo + 1 < hi {
                        let mid = (lo + hi) / 2;
                        if same(&prefix(mid)) {
                            hi = mid;
                        } else {
                            lo = mid;
                        }
                    }
                    (!same(&prefix(hi - 1))).then_some(Seg::Idx(hi - 1))
                }
            }
            _ => None,
        };
        match next {
            Some(s) => path.push(s),
            None => break,
        }
    }
    path
}

/// The backquoted name at the start of `rest`: "`gomaxproc`, expected …" → "gomaxproc".
fn quoted(rest: &str) -> Option<&str> {
    rest.strip_prefix('`')?.split('`').next()
}

/// The closest key in serde's "expected one of `a`, `b`" list to the unknown one.
fn suggest_from_serde(msg: &str) -> Option<String> {
    let got = quoted(
        msg.strip_prefix("unknown field ")
            .or_else(|| msg.strip_prefix("unknown variant "))?,
    )?;
    let expected = &msg[msg.find("expected")?..];
    let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(got, valid.iter().copied()).map(str::to_string)
}

/// serde's type names in words: "invalid value: integer `-3`, expected u32" → "expected an
/// integer from 0 to 4294967295, got -3".
fn humanize(msg: &str) -> String {
    let Some(rest) = msg
        .strip_prefix("invalid value: ")
        .or_else(|| msg.strip_prefix("invalid type: "))
    else {
        return msg.to_string();
    };
    let Some((got, expected)) = rest.rsplit_once(", expected ") else {
        return msg.to_string();
    };
    let expected = match expected {
        "u32" => "an integer from 0 to 4294967295",
        "u64" => "an integer ≥ 0",
        "i64" | "i32" => "an integer",
        "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "an array",
        "a map" | "struct" => "a table",
        "variant identifier" => "a name",
        other if other.starts_with("struct ") || other.starts_with("internally tagged") => {
            "a table"
        }
        other => other,
    };
    let got = match got.split_once(' ') {
        Some((_, v)) if v.starts_with('`') => v.trim_matches('`').to_string(),
        Some(("string", v)) => v.to_string(),
        _ => match got {
            "map" => "a table".to_string(),
            "sequence" => "an array".to_string(),
            other => other.to_string(),
        },
    };
    format!("expected {expected}, got {got}")
}

/// Turns a deserialisation failure into a located error.
fn deser_error(doc: &Value, at: Vec<Seg>, msg: String, loc: &Locator) -> ScenarioError {
    let mut path = at;
    let unknown_field = msg.strip_prefix("unknown field ").and_then(quoted);
    // serde usually names the unknown key in the path already; when it does not, add it.
    if let Some(k) = unknown_field
        && path.last() != Some(&Seg::Key(k.to_string()))
        && matches!(get(doc, &path), Some(Value::Table(t)) if t.contains_key(k))
    {
        path.push(Seg::Key(k.to_string()));
    }
    if matches!(get(doc, &path), Some(Value::Table(_) | Value::Array(_))) {
        path = refine(doc, &path, &msg);
    }
    // An unknown op or distribution name: point at the key that names it.
    if let Some(v) = msg.strip_prefix("unknown variant ").and_then(quoted)
        && let Some(Value::Table(t)) = get(doc, &path)
        && let Some(k) = DISCRIMINATORS
            .iter()
            .find(|k| t.get(**k).and_then(Value::as_str) == Some(v))
    {
        path.push(Seg::Key(k.to_string()));
    }
    let missing = msg.strip_prefix("missing field ").and_then(quoted);
    if let Some(k) = missing {
        path.push(Seg::Key(k.to_string()));
    }
    let suggestion = suggest_from_serde(&msg);
    // With a suggestion the full list of keys is noise; without one it is the help.
    let message = match (suggestion.is_some(), unknown_field, &msg) {
        (true, Some(k), _) => format!("unknown field `{k}`"),
        (true, None, m) if m.starts_with("unknown variant ") => {
            m.split(", expected").next().unwrap_or(m).to_string()
        }
        _ if missing.is_some() => msg.clone(),
        _ => humanize(&msg),
    };
    loc.error(&fmt_path(&path), message, suggestion)
}

/// Parses, overrides, substitutes, deserialises and validates a scenario text. `file` is only
/// used in error messages.
pub fn parse_scenario(
    text: &str,
    file: &str,
    sets: &[String],
) -> Result<LoadedScenario, ScenarioError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ScenarioError {
        file: file.to_string(),
        line: Some(e.span().map_or(1, |s| line_of(text, s.start))),
        field: String::new(),
        message: format!("not valid TOML: {}", e.message().trim()),
        suggestion: None,
        set: None,
    })?;
    let mut loc = Locator {
        file,
        lines: line_index(text),
        sets: Vec::new(),
        origins: Vec::new(),
    };
    let mut doc = Value::Table(table);
    for arg in sets {
        match set_path(&mut doc, arg) {
            Ok(path) => loc.sets.push((path, arg.clone())),
            Err(e) => {
                let field = arg.split_once('=').map_or(arg.as_str(), |x| x.0).trim();
                return Err(ScenarioError {
                    file: file.to_string(),
                    line: None,
                    field: field.to_string(),
                    message: e.message,
                    suggestion: e.suggestion,
                    set: Some(arg.clone()),
                });
            }
        }
    }
    let params = match doc.get("params") {
        Some(Value::Table(t)) => t.clone(),
        Some(_) => {
            return Err(loc.error("params", "[params] must be a table of named values", None));
        }
        None => toml::Table::new(),
    };
    if let Value::Table(t) = &mut doc {
        for (k, v) in t.iter_mut() {
            if k != "params" {
                substitute(v, k, &params, &mut loc)?;
            }
        }
    }
    let scenario = attempt(&doc).map_err(|(at, msg)| deser_error(&doc, at, msg, &loc))?;
    validate(&scenario).map_err(|(field, msg)| loc.error(&field, msg, None))?;
    Ok(LoadedScenario {
        scenario,
        file: file.to_string(),
        sets: sets.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanized_messages() {
        assert_eq!(
            humanize("invalid value: integer `-3`, expected u32"),
            "expected an integer from 0 to 4294967295, got -3"
        );
        assert_eq!(
            humanize("invalid type: string \"x\", expected u64"),
            "expected an integer ≥ 0, got \"x\""
        );
        assert_eq!(
            humanize("invalid type: map, expected a sequence"),
            "expected an array, got a table"
        );
        assert_eq!(humanize("something else"), "something else");
    }

    #[test]
    fn set_values_are_toml_or_text() {
        assert_eq!(set_value("4"), Value::Integer(4));
        assert_eq!(set_value("off"), Value::String("off".into()));
        assert_eq!(set_value("512MiB"), Value::String("512MiB".into()));
        assert_eq!(set_value("\"quoted\""), Value::String("quoted".into()));
        assert_eq!(set_value("1\nx = 2"), Value::String("1\nx = 2".into()));
    }

    #[test]
    fn line_index_covers_tables_arrays_and_inline_tables() {
        let text = "[meta]\nname = \"x\"\n\n[[goroutines]]\nname = \"a\"\nprogram = [\n  { op = \"compute\", time = \"1ms\" },\n]\n";
        let l = line_index(text);
        assert_eq!(l.get("meta.name"), Some(&2));
        assert_eq!(l.get("goroutines[0].name"), Some(&5));
        assert_eq!(l.get("goroutines[0].program[0]"), Some(&7));
        assert_eq!(l.get("goroutines[0].program[0].time"), Some(&7));
    }
}
