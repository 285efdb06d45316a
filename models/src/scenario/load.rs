//! Loading a scenario: parse the TOML, apply `--set` overrides, substitute `[params]`,
//! deserialise into [`Scenario`] while tracking the field path, validate, and report any
//! problem with the file, line and field (and the closest valid key for a typo).

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
    pub sets: Vec<String>,
}

/// A problem with a scenario file or a `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    /// Line in the file where the field (or its nearest written parent) is.
    pub line: Option<usize>,
    /// The field path, `goroutines[1].program[0].time`.
    pub field: String,
    pub message: String,
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
pub fn load_scenario(path: &Path, sets: &[String]) -> Result<LoadedScenario, Box<ScenarioError>> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Box::new(ScenarioError {
            file: file.clone(),
            line: None,
            field: String::new(),
            message: format!("cannot read the scenario: {e}"),
            suggestion: None,
            set: None,
        })
    })?;
    parse_scenario(&text, &file, sets)
}

/// Byte offset → 1-based line.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Path → line of every key and array element written in the file.
fn line_index(text: &str) -> BTreeMap<String, usize> {
    fn walk(text: &str, prefix: &str, v: &DeValue, out: &mut BTreeMap<String, usize>) {
        match v {
            DeValue::Table(t) => {
                for (k, val) in t.iter() {
                    let path = if prefix.is_empty() {
                        k.get_ref().to_string()
                    } else {
                        format!("{prefix}.{}", k.get_ref())
                    };
                    out.insert(path.clone(), line_of(text, k.span().start));
                    walk(text, &path, val.get_ref(), out);
                }
            }
            DeValue::Array(a) => {
                for (i, val) in a.into_iter().enumerate() {
                    let path = format!("{prefix}[{i}]");
                    out.entry(path.clone())
                        .or_insert(line_of(text, val.span().start));
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

/// Where an error at `path` is reported.
struct Locator<'a> {
    file: &'a str,
    lines: BTreeMap<String, usize>,
    /// Normalised path → the `--set` argument that wrote it.
    sets: Vec<(String, String)>,
}

impl Locator<'_> {
    fn error(
        &self,
        field: &str,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) -> Box<ScenarioError> {
        let set = self
            .sets
            .iter()
            .rev()
            .find(|(p, _)| {
                field == p
                    || field.starts_with(&format!("{p}."))
                    || field.starts_with(&format!("{p}["))
            })
            .map(|(_, a)| a.clone());
        // The nearest written ancestor's line.
        let mut p = field.to_string();
        let line = loop {
            if let Some(l) = self.lines.get(&p) {
                break Some(*l);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => break None,
            }
        };
        Box::new(ScenarioError {
            file: self.file.to_string(),
            line,
            field: field.to_string(),
            message: message.into(),
            suggestion,
            set,
        })
    }
}

/// Splits `a.b[0].c` / `a.b.0.c` into segments.
fn segments(path: &str) -> Vec<String> {
    path.replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Applies one `--set path=value` to the document (a `Value::Table`); returns the normalised
/// path it wrote. Array elements are selected by index or by their `name`.
pub fn apply_set(doc: &mut Value, arg: &str) -> Result<String, String> {
    let (path, raw) = arg
        .split_once('=')
        .ok_or_else(|| format!("expected PATH=VALUE, got `{arg}`"))?;
    let segs = segments(path.trim());
    if segs.is_empty() {
        return Err(format!("empty path in `{arg}`"));
    }
    // Values are TOML; a bare word is a string (so `gogc=off` and `gomemlimit=512MiB` work).
    let value = match toml::from_str::<toml::Table>(&format!("v = {}", raw.trim())) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.trim().to_string())),
        Err(_) => Value::String(raw.trim().to_string()),
    };
    let mut norm = String::new();
    let mut cur: &mut Value = doc;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        cur = match cur {
            Value::Table(t) => {
                norm = if norm.is_empty() {
                    seg.clone()
                } else {
                    format!("{norm}.{seg}")
                };
                if last {
                    t.insert(seg.clone(), value);
                    return Ok(norm);
                }
                t.entry(seg.clone())
                    .or_insert_with(|| Value::Table(toml::Table::new()))
            }
            Value::Array(a) => {
                let idx = match seg.parse::<usize>() {
                    Ok(i) if i < a.len() => i,
                    Ok(i) => {
                        return Err(format!("`{norm}` has {} elements, no index {i}", a.len()));
                    }
                    Err(_) => {
                        let names: Vec<String> = a
                            .iter()
                            .filter_map(|e| {
                                e.get("name").and_then(Value::as_str).map(str::to_string)
                            })
                            .collect();
                        match names.iter().position(|n| n == seg) {
                            Some(i) => i,
                            None => {
                                let hint = closest(seg, names.iter().map(String::as_str))
                                    .map(|c| format!(" (did you mean `{c}`?)"))
                                    .unwrap_or_default();
                                return Err(format!("`{norm}` has no element named `{seg}`{hint}"));
                            }
                        }
                    }
                };
                norm = format!("{norm}[{idx}]");
                if last {
                    a[idx] = value;
                    return Ok(norm);
                }
                &mut a[idx]
            }
            _ => {
                return Err(format!(
                    "`{norm}` is a value, not a table, so `{seg}` cannot be set inside it"
                ));
            }
        };
    }
    Ok(norm)
}

/// Replaces `"$name"` values and `"${name}"` inside strings with `[params]` values.
fn substitute(
    v: &mut Value,
    path: &str,
    params: &toml::Table,
    loc: &Locator,
) -> Result<(), Box<ScenarioError>> {
    let unknown = |name: &str| {
        let hint = closest(name, params.keys().map(String::as_str)).map(str::to_string);
        loc.error(
            path,
            format!(
                "unknown parameter `${name}`; [params] defines {}",
                list(params.keys())
            ),
            hint,
        )
    };
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix('$')
                && !name.starts_with('{')
            {
                *v = params.get(name).cloned().ok_or_else(|| unknown(name))?;
            } else if s.contains("${") {
                let mut out = String::new();
                let mut rest = s.as_str();
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
                        None => return Err(unknown(name)),
                    }
                    rest = &after[end + 1..];
                }
                out.push_str(rest);
                *s = out;
            }
        }
        Value::Table(t) => {
            for (k, x) in t.iter_mut() {
                substitute(x, &format!("{path}.{k}"), params, loc)?;
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

fn list<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = keys.map(|k| format!("`{k}`")).collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

/// The closest key in serde's "expected one of `a`, `b`" list to the unknown one.
fn suggest_from_serde(msg: &str) -> Option<String> {
    let got = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))?;
    let got = &got[..got.find('`')?];
    let expected = &msg[msg.find("expected")?..];
    let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(got, valid.iter().copied()).map(str::to_string)
}

/// Parses, overrides, substitutes, deserialises and validates a scenario text.
pub fn parse_scenario(
    text: &str,
    file: &str,
    sets: &[String],
) -> Result<LoadedScenario, Box<ScenarioError>> {
    let mut loc = Locator {
        file,
        lines: BTreeMap::new(),
        sets: Vec::new(),
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        Box::new(ScenarioError {
            file: file.to_string(),
            line,
            field: String::new(),
            message: format!("not valid TOML: {}", e.message().trim()),
            suggestion: None,
            set: None,
        })
    })?;
    loc.lines = line_index(text);
    let mut doc = Value::Table(table);
    for arg in sets {
        match apply_set(&mut doc, arg) {
            Ok(path) => loc.sets.push((path, arg.clone())),
            Err(msg) => {
                let field = arg
                    .split_once('=')
                    .map_or(arg.as_str(), |x| x.0)
                    .to_string();
                return Err(Box::new(ScenarioError {
                    file: file.to_string(),
                    line: None,
                    field,
                    message: msg,
                    suggestion: None,
                    set: Some(arg.clone()),
                }));
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
                substitute(v, k, &params, &loc)?;
            }
        }
    }
    let scenario: Scenario = serde_path_to_error::deserialize(doc).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        let msg = e.inner().message().trim().to_string();
        let suggestion = suggest_from_serde(&msg);
        // An unknown key is reported at its own line when it is written in the file.
        let mut at = field.clone();
        if let Some(rest) = msg.strip_prefix("unknown field `")
            && let Some(k) = rest.split('`').next()
            && !field.ends_with(k)
        {
            at = if field.is_empty() {
                k.to_string()
            } else {
                format!("{field}.{k}")
            };
        }
        loc.error(&at, msg, suggestion)
    })?;
    validate(&scenario).map_err(|(field, msg)| loc.error(&field, msg, None))?;
    Ok(LoadedScenario {
        scenario,
        file: file.to_string(),
        sets: sets.to_vec(),
    })
}
