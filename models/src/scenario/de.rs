//! Deserialisation of the scenario's value types that have several spellings: GOGC (`100` or
//! `"off"`), GOMEMLIMIT, the Go version, distributions (a plain value is a constant), loop
//! counts, lifetimes and call spacing.

use super::schema::*;
use crate::units::Dur;
use serde::de::{self, Deserialize, Deserializer};
use toml::Value;

/// The closest of `valid` to `got`, if reasonably close: a small edit distance (typos,
/// transpositions) or a strong common prefix.
pub fn closest<'a>(got: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    valid
        .into_iter()
        .map(|v| {
            (
                strsim::damerau_levenshtein(got, v),
                strsim::jaro_winkler(got, v),
                v,
            )
        })
        .filter(|(d, jw, _)| *d <= (got.len() / 3).max(1) || *jw > 0.85)
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, v)| v)
}

fn unknown_key<E: de::Error>(got: &str, valid: &[&str]) -> E {
    let list = valid
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(got, valid.iter().copied()) {
        Some(c) => E::custom(format!(
            "unknown field `{got}` (did you mean `{c}`?); expected one of {list}"
        )),
        None => E::custom(format!("unknown field `{got}`; expected one of {list}")),
    }
}

impl<'de> Deserialize<'de> for Gogc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Integer(i) if (0..=i32::MAX as i64).contains(&i) => Ok(Gogc::Percent(i as i32)),
            Value::Integer(i) => Err(de::Error::custom(format!(
                "GOGC must be a percentage ≥ 0 or \"off\", got {i} (Go treats any negative value as off; write \"off\")"
            ))),
            Value::String(s) if s == "off" => Ok(Gogc::Off),
            Value::String(s) => match s.parse::<i32>() {
                Ok(i) if i >= 0 => Ok(Gogc::Percent(i)),
                _ => Err(de::Error::custom(format!(
                    "GOGC must be a percentage or \"off\", got \"{s}\""
                ))),
            },
            other => Err(de::Error::custom(format!(
                "GOGC must be a percentage or \"off\", got {other}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for MemLimit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if s == "off" => Ok(MemLimit::Off),
            Value::String(s) => crate::units::parse_bytes(&s)
                .map(|b| MemLimit::Bytes(b.0))
                .map_err(de::Error::custom),
            Value::Integer(i) if i > 0 => Ok(MemLimit::Bytes(i as u64)),
            other => Err(de::Error::custom(format!(
                "GOMEMLIMIT must be a size like \"512MiB\" or \"off\", got {other}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for GoVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let s = match &v {
            Value::String(s) => s.trim().trim_start_matches("go").to_string(),
            // 1.25 as a float is unambiguous; 1.2 would mean 1.20, which is not supported.
            Value::Float(f) => format!("{f}"),
            other => other.to_string(),
        };
        let minor = s
            .strip_prefix("1.")
            .and_then(|m| m.split('.').next())
            .and_then(|m| m.parse::<u32>().ok());
        match minor {
            Some(m) if (GoVersion::OLDEST..=GoVersion::NEWEST).contains(&m) => {
                Ok(GoVersion { minor: m })
            }
            _ => Err(de::Error::custom(format!(
                "go_version must be one of \"1.21\" … \"1.27\" (as a string), got {v}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Times {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Integer(i) if i >= 0 => Ok(Times::N(i as u64)),
            Value::String(s) if s == "forever" => Ok(Times::Forever),
            other => Err(de::Error::custom(format!(
                "expected a count ≥ 0 or \"forever\", got {other}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for CallsEvery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if s == "none" => Ok(CallsEvery::None),
            v => Dur::deserialize(v)
                .map(CallsEvery::Every)
                .map_err(de::Error::custom),
        }
    }
}

impl<'de> Deserialize<'de> for Lifetime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if s == "request" => Ok(Lifetime::Request),
            Value::String(s) if s == "goroutine" => Ok(Lifetime::Goroutine),
            Value::String(s) if s == "forever" => Ok(Lifetime::Forever),
            v => Dist::<Dur>::deserialize(v).map(Lifetime::For).map_err(|e| {
                de::Error::custom(format!(
                    "lifetime must be \"request\", \"goroutine\", \"forever\" or a duration: {e}"
                ))
            }),
        }
    }
}

const DIST_KINDS: &[&str] = &[
    "const",
    "uniform",
    "exp",
    "normal",
    "lognormal",
    "empirical",
];

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Dist<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let Value::Table(t) = v else {
            return T::deserialize(v)
                .map(Dist::Const)
                .map_err(de::Error::custom);
        };
        let kind = match t.get("dist") {
            Some(Value::String(k)) => k.clone(),
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "`dist` must be a string, got {other}"
                )));
            }
            None => {
                return Err(de::Error::custom(
                    "a distribution table needs `dist` (const, uniform, exp, normal, lognormal, empirical)",
                ));
            }
        };
        let allowed: &[&str] = match kind.as_str() {
            "const" => &["dist", "value"],
            "uniform" => &["dist", "min", "max"],
            "exp" => &["dist", "mean"],
            "normal" | "lognormal" => &["dist", "mean", "stddev"],
            "empirical" => &["dist", "values", "weights"],
            other => {
                let hint = closest(other, DIST_KINDS.iter().copied())
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return Err(de::Error::custom(format!(
                    "unknown distribution `{other}`{hint}; expected one of {}",
                    DIST_KINDS.join(", ")
                )));
            }
        };
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(unknown_key(k, allowed));
            }
        }
        let field = |name: &str| -> Result<T, D::Error> {
            let v = t.get(name).ok_or_else(|| {
                de::Error::custom(format!("distribution `{kind}` needs `{name}`"))
            })?;
            T::deserialize(v.clone()).map_err(|e| de::Error::custom(format!("{name}: {e}")))
        };
        Ok(match kind.as_str() {
            "const" => Dist::Const(field("value")?),
            "uniform" => Dist::Uniform {
                min: field("min")?,
                max: field("max")?,
            },
            "exp" => Dist::Exp {
                mean: field("mean")?,
            },
            "normal" => Dist::Normal {
                mean: field("mean")?,
                stddev: field("stddev")?,
            },
            "lognormal" => Dist::LogNormal {
                mean: field("mean")?,
                stddev: field("stddev")?,
            },
            _ => {
                let values = match t.get("values") {
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|x| {
                            T::deserialize(x.clone())
                                .map_err(|e| de::Error::custom(format!("values: {e}")))
                        })
                        .collect::<Result<Vec<T>, D::Error>>()?,
                    _ => {
                        return Err(de::Error::custom(
                            "distribution `empirical` needs `values = [...]`",
                        ));
                    }
                };
                let weights = match t.get("weights") {
                    None => vec![1.0; values.len()],
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|x| match x {
                            Value::Float(f) => Ok(*f),
                            Value::Integer(i) => Ok(*i as f64),
                            other => Err(de::Error::custom(format!(
                                "weights must be numbers, got {other}"
                            ))),
                        })
                        .collect::<Result<Vec<f64>, D::Error>>()?,
                    Some(other) => {
                        return Err(de::Error::custom(format!(
                            "weights must be an array, got {other}"
                        )));
                    }
                };
                Dist::Empirical { values, weights }
            }
        })
    }
}

/// A fraction in [0, 1], or a bool (`true` = 1, `false` = 0).
pub fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Value::deserialize(d)? {
        Value::Boolean(b) => Ok(if b { 1.0 } else { 0.0 }),
        Value::Float(f) => Ok(f),
        Value::Integer(i) => Ok(i as f64),
        other => Err(de::Error::custom(format!(
            "expected a fraction in [0, 1] or true/false, got {other}"
        ))),
    }
}
