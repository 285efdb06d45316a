//! Deserialisation of the scenario's value types that have several spellings: GOGC (`100` or
//! `"off"`), GOMEMLIMIT, the Go version, distributions (a plain value is a constant), loop
//! counts, lifetimes and call spacing.
//!
//! Distributions and lifetimes use visitors rather than going through a `toml::Value`, so the
//! loader's path tracking (serde_path_to_error) reaches inside their tables
//! (`clients[0].think.mean`).

use super::schema::*;
use crate::units::Dur;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use toml::Value;

/// The closest of `valid` to `got`, if reasonably close: a small edit distance (typos,
/// transpositions) or a strong common prefix.
pub fn closest<'a>(got: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    valid
        .into_iter()
        .filter(|v| *v != got)
        .map(|v| {
            (
                strsim::damerau_levenshtein(got, v),
                strsim::jaro_winkler(got, v),
                v,
            )
        })
        // Within a third of the length (at least one edit, but not a complete rewrite of a
        // short name: `d` is no typo of `c`), or a strong common prefix.
        .filter(|(d, jw, _)| {
            let n = got.chars().count();
            (*d <= (n / 3).max(1) && *d < n) || *jw > 0.85
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, v)| v)
}

/// serde's own wording, so the loader extracts the key and the suggestion the same way for
/// these as for `deny_unknown_fields`.
fn unknown_field<E: de::Error>(got: &str, valid: &[&str]) -> E {
    let list = valid
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    E::custom(format!("unknown field `{got}`, expected one of {list}"))
}

/// A short rendering of a TOML value for messages.
fn show(v: &Value) -> String {
    match v {
        Value::Table(_) => "a table".into(),
        Value::Array(_) => "an array".into(),
        other => other.to_string(),
    }
}

impl<'de> Deserialize<'de> for Gogc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Integer(i) if (0..=i32::MAX as i64).contains(&i) => Ok(Gogc::Percent(i as i32)),
            // Go itself treats any negative GOGC as off; in a file that is more likely a
            // mistake than a way of saying "off", so ask for the word.
            Value::Integer(i) if i < 0 => Err(de::Error::custom(format!(
                "GOGC must be a percentage ≥ 0 or \"off\", got {i} (Go treats a negative GOGC as off; write \"off\")"
            ))),
            Value::String(s) if s == "off" => Ok(Gogc::Off),
            Value::String(s) => match s.trim().parse::<i32>() {
                Ok(i) if i >= 0 => Ok(Gogc::Percent(i)),
                _ => Err(de::Error::custom(format!(
                    "GOGC must be a percentage ≥ 0 or \"off\", got \"{s}\""
                ))),
            },
            other => Err(de::Error::custom(format!(
                "GOGC must be a percentage ≥ 0 or \"off\", got {}",
                show(&other)
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
            Value::Integer(i) if i >= 0 => Ok(MemLimit::Bytes(i as u64)),
            other => Err(de::Error::custom(format!(
                "GOMEMLIMIT must be a size like \"512MiB\" or \"off\", got {}",
                show(&other)
            ))),
        }
    }
}

fn valid_versions() -> String {
    (GoVersion::OLDEST..=GoVersion::NEWEST)
        .map(|m| format!("\"1.{m}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'de> Deserialize<'de> for GoVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let s = match &v {
            Value::String(s) => s.trim().trim_start_matches("go").to_string(),
            // 1.25 as a float is unambiguous. 1.2 could be a truncated 1.20 and is rejected
            // below like any unsupported version; the message says to use a string.
            Value::Float(f) => format!("{f}"),
            _ => String::new(),
        };
        // "1.25" or a patch release "1.25.3".
        let minor = s
            .strip_prefix("1.")
            .and_then(|m| m.split('.').next())
            .filter(|m| !m.starts_with('0'))
            .and_then(|m| m.parse::<u32>().ok());
        match minor {
            Some(m) if (GoVersion::OLDEST..=GoVersion::NEWEST).contains(&m) => {
                Ok(GoVersion { minor: m })
            }
            _ => Err(de::Error::custom(format!(
                "unsupported go_version {}; expected one of {} (as a string)",
                show(&v),
                valid_versions()
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
                "expected a count ≥ 0 or \"forever\", got {}",
                show(&other)
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for CallsEvery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if s == "none" => Ok(CallsEvery::None),
            Value::String(s) => crate::units::parse_duration(&s)
                .map(CallsEvery::Every)
                .map_err(|e| de::Error::custom(format!("expected \"none\" or a duration: {e}"))),
            other => Err(de::Error::custom(format!(
                "expected \"none\" or a duration like \"1us\", got {}",
                show(&other)
            ))),
        }
    }
}

/// The `dist = "…"` of a distribution table.
#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum DistKind {
    Const,
    Uniform,
    Exp,
    Normal,
    LogNormal,
    Empirical,
}

impl DistKind {
    fn name(self) -> &'static str {
        match self {
            DistKind::Const => "const",
            DistKind::Uniform => "uniform",
            DistKind::Exp => "exp",
            DistKind::Normal => "normal",
            DistKind::LogNormal => "lognormal",
            DistKind::Empirical => "empirical",
        }
    }

    /// The keys each form takes, in the order they are documented.
    fn keys(self) -> &'static [&'static str] {
        match self {
            DistKind::Const => &["dist", "value"],
            DistKind::Uniform => &["dist", "min", "max"],
            DistKind::Exp => &["dist", "mean"],
            DistKind::Normal | DistKind::LogNormal => &["dist", "mean", "stddev"],
            DistKind::Empirical => &["dist", "values", "weights"],
        }
    }
}

/// Every key any distribution form takes; the form is checked after.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistTable<T> {
    dist: Option<DistKind>,
    value: Option<T>,
    min: Option<T>,
    max: Option<T>,
    mean: Option<T>,
    stddev: Option<T>,
    values: Option<Vec<T>>,
    weights: Option<Vec<f64>>,
}

impl<T> DistTable<T> {
    fn into_dist<E: de::Error>(self) -> Result<Dist<T>, E> {
        let kind = self.dist.ok_or_else(|| {
            E::custom(
                "missing field `dist` (a distribution table names its form: \"const\", \"uniform\", \"exp\", \"normal\", \"lognormal\" or \"empirical\")",
            )
        })?;
        // A key of another form first: it is the likelier mistake than a missing one.
        let present = [
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("mean", self.mean.is_some()),
            ("stddev", self.stddev.is_some()),
            ("values", self.values.is_some()),
            ("weights", self.weights.is_some()),
        ];
        for (k, is) in present {
            if is && !kind.keys().contains(&k) {
                return Err(unknown_field(k, kind.keys()));
            }
        }
        // serde's wording for a missing key, so the loader points at it the same way.
        fn need<V, E: de::Error>(v: Option<V>, k: &str, kind: DistKind) -> Result<V, E> {
            v.ok_or_else(|| {
                E::custom(format!(
                    "missing field `{k}` (distribution `{}` takes {})",
                    kind.name(),
                    kind.keys()[1..].join(", ")
                ))
            })
        }
        Ok(match kind {
            DistKind::Const => Dist::Const(need(self.value, "value", kind)?),
            DistKind::Uniform => Dist::Uniform {
                min: need(self.min, "min", kind)?,
                max: need(self.max, "max", kind)?,
            },
            DistKind::Exp => Dist::Exp {
                mean: need(self.mean, "mean", kind)?,
            },
            DistKind::Normal => Dist::Normal {
                mean: need(self.mean, "mean", kind)?,
                stddev: need(self.stddev, "stddev", kind)?,
            },
            DistKind::LogNormal => Dist::LogNormal {
                mean: need(self.mean, "mean", kind)?,
                stddev: need(self.stddev, "stddev", kind)?,
            },
            DistKind::Empirical => {
                let values = need(self.values, "values", kind)?;
                // Equal weights by default; lengths and signs are checked by validation,
                // which names `weights` with its line.
                let weights = self.weights.unwrap_or_else(|| vec![1.0; values.len()]);
                Dist::Empirical { values, weights }
            }
        })
    }
}

struct DistVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for DistVisitor<T> {
    type Value = Dist<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value or a distribution table like { dist = \"exp\", mean = \"200us\" }")
    }

    // A plain value is a constant: hand it to `T` as it came.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dist<T>, E> {
        T::deserialize(v.into_deserializer()).map(Dist::Const)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dist<T>, E> {
        T::deserialize(v.into_deserializer()).map(Dist::Const)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dist<T>, E> {
        T::deserialize(v.into_deserializer()).map(Dist::Const)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist<T>, E> {
        T::deserialize(v.into_deserializer()).map(Dist::Const)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Dist<T>, E> {
        T::deserialize(v.into_deserializer()).map(Dist::Const)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Dist<T>, A::Error> {
        DistTable::<T>::deserialize(MapAccessDeserializer::new(map))?.into_dist()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Dist<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DistVisitor(PhantomData))
    }
}

struct LifetimeVisitor;

impl<'de> Visitor<'de> for LifetimeVisitor {
    type Value = Lifetime;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"request\", \"goroutine\", \"forever\" or a duration (distribution)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Lifetime, E> {
        match v {
            "request" => Ok(Lifetime::Request),
            "goroutine" => Ok(Lifetime::Goroutine),
            "forever" => Ok(Lifetime::Forever),
            other => crate::units::parse_duration(other)
                .map(|d| Lifetime::For(Dist::Const(d)))
                .map_err(|e| {
                    let words = ["request", "goroutine", "forever"];
                    match closest(other, words) {
                        Some(w) => E::custom(format!(
                            "unknown lifetime `{other}` (did you mean `{w}`?); expected \"request\", \"goroutine\", \"forever\" or a duration"
                        )),
                        None => E::custom(format!(
                            "lifetime must be \"request\", \"goroutine\", \"forever\" or a duration: {e}"
                        )),
                    }
                }),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lifetime, E> {
        DistVisitor::<Dur>(PhantomData)
            .visit_i64(v)
            .map(Lifetime::For)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lifetime, E> {
        DistVisitor::<Dur>(PhantomData)
            .visit_u64(v)
            .map(Lifetime::For)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lifetime, E> {
        DistVisitor::<Dur>(PhantomData)
            .visit_f64(v)
            .map(Lifetime::For)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lifetime, A::Error> {
        DistVisitor::<Dur>(PhantomData)
            .visit_map(map)
            .map(Lifetime::For)
    }
}

impl<'de> Deserialize<'de> for Lifetime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LifetimeVisitor)
    }
}

/// A fraction in [0, 1], or a bool (`true` = 1, `false` = 0), for an `alloc` op's `scan`.
pub fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Boolean(b) => Ok(if b { 1.0 } else { 0.0 }),
        toml::Value::Float(f) => Ok(f),
        toml::Value::Integer(i) => Ok(i as f64),
        other => Err(serde::de::Error::custom(format!(
            "expected a fraction in [0, 1] or true/false, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Bytes;

    fn de<T: for<'a> Deserialize<'a>>(toml_value: &str) -> Result<T, String> {
        #[derive(Deserialize)]
        struct W<T> {
            v: T,
        }
        toml::from_str::<W<T>>(&format!("v = {toml_value}"))
            .map(|w| w.v)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn gogc_and_memlimit() {
        assert_eq!(de::<Gogc>("100"), Ok(Gogc::Percent(100)));
        assert_eq!(de::<Gogc>("0"), Ok(Gogc::Percent(0)));
        assert_eq!(de::<Gogc>("\"off\""), Ok(Gogc::Off));
        assert_eq!(de::<Gogc>("\"50\""), Ok(Gogc::Percent(50)));
        assert!(de::<Gogc>("-1").unwrap_err().contains("write \"off\""));
        assert!(de::<Gogc>("1.5").is_err());
        assert!(de::<Gogc>("\"of\"").is_err());
        assert_eq!(de::<MemLimit>("\"off\""), Ok(MemLimit::Off));
        assert_eq!(de::<MemLimit>("\"512MiB\""), Ok(MemLimit::Bytes(512 << 20)));
        assert_eq!(de::<MemLimit>("1024"), Ok(MemLimit::Bytes(1024)));
        assert!(de::<MemLimit>("-1").is_err());
        assert!(de::<MemLimit>("\"lots\"").is_err());
    }

    #[test]
    fn go_versions() {
        assert_eq!(de::<GoVersion>("\"1.21\""), Ok(GoVersion { minor: 21 }));
        assert_eq!(de::<GoVersion>("\"go1.27\""), Ok(GoVersion { minor: 27 }));
        assert_eq!(de::<GoVersion>("\"1.25.3\""), Ok(GoVersion { minor: 25 }));
        assert_eq!(de::<GoVersion>("1.25"), Ok(GoVersion { minor: 25 }));
        // 1.20 as a float is 1.2: never read it as 1.2x.
        let e = de::<GoVersion>("1.20").unwrap_err();
        assert!(
            e.contains("\"1.21\", \"1.22\"") && e.contains("\"1.27\""),
            "{e}"
        );
        for bad in [
            "\"1.20\"",
            "\"1.28\"",
            "\"2.21\"",
            "\"1.021\"",
            "121",
            "true",
            "\"\"",
        ] {
            assert!(de::<GoVersion>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_and_calls_every() {
        assert_eq!(de::<Times>("0"), Ok(Times::N(0)));
        assert_eq!(de::<Times>("\"forever\""), Ok(Times::Forever));
        assert!(de::<Times>("-1").is_err());
        assert!(de::<Times>("\"always\"").is_err());
        assert_eq!(de::<CallsEvery>("\"none\""), Ok(CallsEvery::None));
        assert_eq!(
            de::<CallsEvery>("\"5us\""),
            Ok(CallsEvery::Every(Dur(5_000)))
        );
        assert!(de::<CallsEvery>("5").is_err());
    }

    #[test]
    fn distributions() {
        assert_eq!(de::<Dist<Dur>>("\"2us\""), Ok(Dist::Const(Dur(2_000))));
        assert_eq!(de::<Dist<u64>>("3"), Ok(Dist::Const(3)));
        assert_eq!(de::<Dist<Bytes>>("128"), Ok(Dist::Const(Bytes(128))));
        assert_eq!(
            de::<Dist<Dur>>("{ dist = \"const\", value = \"1ms\" }"),
            Ok(Dist::Const(Dur(1_000_000)))
        );
        assert_eq!(
            de::<Dist<u64>>("{ dist = \"uniform\", min = 1, max = 4 }"),
            Ok(Dist::Uniform { min: 1, max: 4 })
        );
        assert_eq!(
            de::<Dist<Dur>>("{ dist = \"lognormal\", mean = \"1ms\", stddev = \"2ms\" }"),
            Ok(Dist::LogNormal {
                mean: Dur(1_000_000),
                stddev: Dur(2_000_000)
            })
        );
        assert_eq!(
            de::<Dist<Bytes>>("{ dist = \"empirical\", values = [\"1KiB\", 8] }"),
            Ok(Dist::Empirical {
                values: vec![Bytes(1024), Bytes(8)],
                weights: vec![1.0, 1.0]
            }),
            "weights default to equal"
        );
        assert_eq!(
            de::<Dist<u64>>("{ dist = \"empirical\", values = [1, 2], weights = [3, 0.5] }"),
            Ok(Dist::Empirical {
                values: vec![1, 2],
                weights: vec![3.0, 0.5]
            }),
            "integer weights"
        );
        let e = de::<Dist<Dur>>("{ dist = \"uniform\", min = \"1us\", mean = \"2us\" }");
        assert_eq!(
            e.unwrap_err(),
            "unknown field `mean`, expected one of `dist`, `min`, `max`"
        );
        assert!(
            de::<Dist<Dur>>("{ dist = \"uniform\", min = \"1us\" }")
                .unwrap_err()
                .contains("missing field `max`")
        );
        assert!(
            de::<Dist<Dur>>("{ dist = \"expo\", mean = \"1us\" }")
                .unwrap_err()
                .contains("unknown variant `expo`")
        );
        assert!(
            de::<Dist<Dur>>("{ mean = \"1us\" }")
                .unwrap_err()
                .contains("missing field `dist`")
        );
        assert!(
            de::<Dist<Dur>>("{ dist = \"exp\", meen = \"1us\" }")
                .unwrap_err()
                .contains("unknown field `meen`")
        );
        assert!(de::<Dist<Dur>>("[\"1us\"]").is_err());
        assert!(de::<Dist<Dur>>("7").unwrap_err().contains("needs a unit"));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(de::<Lifetime>("\"request\""), Ok(Lifetime::Request));
        assert_eq!(de::<Lifetime>("\"goroutine\""), Ok(Lifetime::Goroutine));
        assert_eq!(de::<Lifetime>("\"forever\""), Ok(Lifetime::Forever));
        assert_eq!(
            de::<Lifetime>("\"10ms\""),
            Ok(Lifetime::For(Dist::Const(Dur(10_000_000))))
        );
        assert_eq!(
            de::<Lifetime>("{ dist = \"exp\", mean = \"1s\" }"),
            Ok(Lifetime::For(Dist::Exp {
                mean: Dur(1_000_000_000)
            }))
        );
        assert!(
            de::<Lifetime>("\"forver\"")
                .unwrap_err()
                .contains("(did you mean `forever`?)")
        );
        assert!(
            de::<Lifetime>("\"10 parsecs\"")
                .unwrap_err()
                .contains("or a duration: expected a duration like")
        );
    }

    #[test]
    fn closest_keys() {
        let keys = ["gomaxprocs", "gogc", "gomemlimit", "cpus"];
        assert_eq!(closest("gomaxproc", keys), Some("gomaxprocs"));
        assert_eq!(closest("gomaxprocz", keys), Some("gomaxprocs"));
        assert_eq!(closest("gomemlimt", keys), Some("gomemlimit"));
        assert_eq!(closest("zzzzzz", keys), None);
        assert_eq!(
            closest("d", ["c"]),
            None,
            "a one-letter name is no typo of another"
        );
        assert_eq!(
            closest("gogc", keys),
            None,
            "an exact match is no suggestion"
        );
        assert_eq!(closest("rsp", ["rps", "db"]), Some("rps"));
    }
}
