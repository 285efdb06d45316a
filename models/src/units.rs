//! Quantities written the way people write them: durations (`"200us"`, `"1.5ms"`), sizes
//! (`"64KiB"`, `"512MiB"`) and rates (`"270k/s"`), parsed exactly (no float noise for
//! integral values) and printed back in the same style.

use serde::{Deserialize, Deserializer, de};
use std::fmt;

/// A duration in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub u64);

/// A size in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

/// Events per second.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Rate(pub f64);

/// Splits `"1.5ms"` into (1.5 as a decimal string, "ms").
fn split_number(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    Some((&s[..end], s[end..].trim()))
}

/// `number × scale`, exact for integers and decimals with up to 9 fractional digits.
fn scaled(num: &str, scale: u64) -> Option<u64> {
    let num = num.replace('_', "");
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty() || frac.contains('.') {
        return None;
    }
    let int: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut v = int.checked_mul(scale as u128)?;
    if !frac.is_empty() {
        let digits = frac.len().min(18) as u32;
        let f: u128 = frac[..digits as usize].parse().ok()?;
        v = v.checked_add(f.checked_mul(scale as u128)? / 10u128.pow(digits))?;
    }
    u64::try_from(v).ok()
}

/// Parses `"200us"`, `"1.5ms"`, `"2s"`, `"100ns"`, `"1m"`, `"1h"` (`µs` accepted too).
pub fn parse_duration(s: &str) -> Result<Dur, String> {
    let bad = || format!("expected a duration like \"200us\" or \"1.5ms\", got \"{s}\"");
    if s.trim_start().starts_with('-') {
        return Err(format!("a duration cannot be negative, got \"{s}\""));
    }
    let (num, unit) = split_number(s).ok_or_else(bad)?;
    let scale = match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "" => {
            return Err(format!(
                "a duration needs a unit (ns, us, ms, s, m, h), got \"{s}\""
            ));
        }
        _ => return Err(bad()),
    };
    scaled(num, scale).map(Dur).ok_or_else(bad)
}

/// Parses `"64KiB"`, `"512MiB"`, `"1.5GiB"`, `"128B"`, `"128"`; `KB`/`MB`/`GB`/`TB` are powers
/// of 1000.
pub fn parse_bytes(s: &str) -> Result<Bytes, String> {
    let bad = || format!("expected a size like \"64KiB\" or \"512MiB\", got \"{s}\"");
    if s.trim_start().starts_with('-') {
        return Err(format!("a size cannot be negative, got \"{s}\""));
    }
    let (num, unit) = split_number(s).ok_or_else(bad)?;
    let scale: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => return Err(bad()),
    };
    scaled(num, scale).map(Bytes).ok_or_else(bad)
}

/// Parses `"270k/s"`, `"50/s"`, `"1.5M/s"`, `"100/ms"`, `"20000"` (per second).
pub fn parse_rate(s: &str) -> Result<Rate, String> {
    let bad = || format!("expected a rate like \"270k/s\" or \"50/s\", got \"{s}\"");
    if s.trim_start().starts_with('-') {
        return Err(format!("a rate cannot be negative, got \"{s}\""));
    }
    let (count, per) = match s.split_once('/') {
        Some((c, p)) => (c.trim(), p.trim()),
        None => (s.trim(), "s"),
    };
    let (num, suffix) = split_number(count).ok_or_else(bad)?;
    let mult = match suffix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        _ => return Err(bad()),
    };
    let per_s = match per {
        "s" => 1.0,
        "ms" => 1e3,
        "us" | "µs" => 1e6,
        "m" | "min" => 1.0 / 60.0,
        _ => return Err(bad()),
    };
    let v: f64 = num.replace('_', "").parse().map_err(|_| bad())?;
    let r = v * mult * per_s;
    if !r.is_finite() {
        return Err(bad());
    }
    Ok(Rate(r))
}

/// A TOML value that may be a string or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum StrOrNum {
    Int(i64),
    Float(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match StrOrNum::deserialize(d)? {
            StrOrNum::Str(s) => parse_duration(&s).map_err(de::Error::custom),
            StrOrNum::Int(0) => Ok(Dur(0)),
            StrOrNum::Int(i) => Err(de::Error::custom(format!(
                "a duration needs a unit: write \"{i}ms\" or \"{i}us\", not {i}"
            ))),
            StrOrNum::Float(f) => Err(de::Error::custom(format!(
                "a duration needs a unit: write \"{f}ms\", not {f}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match StrOrNum::deserialize(d)? {
            StrOrNum::Str(s) => parse_bytes(&s).map_err(de::Error::custom),
            StrOrNum::Int(i) if i >= 0 => Ok(Bytes(i as u64)),
            StrOrNum::Int(i) => Err(de::Error::custom(format!(
                "a size cannot be negative, got {i}"
            ))),
            StrOrNum::Float(f) => Err(de::Error::custom(format!(
                "a size is a whole number of bytes or \"1.5MiB\", got {f}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match StrOrNum::deserialize(d)? {
            StrOrNum::Str(s) => parse_rate(&s).map_err(de::Error::custom),
            StrOrNum::Int(i) if i >= 0 => Ok(Rate(i as f64)),
            StrOrNum::Float(f) if f >= 0.0 && f.is_finite() => Ok(Rate(f)),
            _ => Err(de::Error::custom("a rate cannot be negative")),
        }
    }
}

/// Prints `v / scale` with up to 3 decimals, trailing zeros trimmed.
fn fmt_scaled(f: &mut fmt::Formatter<'_>, v: u64, scale: u64, unit: &str) -> fmt::Result {
    let whole = v / scale;
    let frac = (v % scale) as u128 * 1000 / scale as u128;
    if frac == 0 {
        write!(f, "{whole}{unit}")
    } else {
        let s = format!("{whole}.{frac:03}");
        write!(f, "{}{unit}", s.trim_end_matches('0'))
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        match v {
            0 => write!(f, "0s"),
            v if v >= 1_000_000_000 => fmt_scaled(f, v, 1_000_000_000, "s"),
            v if v >= 1_000_000 => fmt_scaled(f, v, 1_000_000, "ms"),
            v if v >= 1_000 => fmt_scaled(f, v, 1_000, "us"),
            v => write!(f, "{v}ns"),
        }
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        match v {
            v if v >= 1 << 40 => fmt_scaled(f, v, 1 << 40, "TiB"),
            v if v >= 1 << 30 => fmt_scaled(f, v, 1 << 30, "GiB"),
            v if v >= 1 << 20 => fmt_scaled(f, v, 1 << 20, "MiB"),
            v if v >= 1 << 10 => fmt_scaled(f, v, 1 << 10, "KiB"),
            v => write!(f, "{v}B"),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        if r >= 1e6 {
            write!(f, "{}M/s", r / 1e6)
        } else if r >= 1e3 {
            write!(f, "{}k/s", r / 1e3)
        } else {
            write!(f, "{r}/s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("200us"), Ok(Dur(200_000)));
        assert_eq!(parse_duration("1.5ms"), Ok(Dur(1_500_000)));
        assert_eq!(parse_duration("94ns"), Ok(Dur(94)));
        assert_eq!(parse_duration("2s"), Ok(Dur(2_000_000_000)));
        assert_eq!(parse_duration("1m"), Ok(Dur(60_000_000_000)));
        assert_eq!(parse_duration("3µs"), Ok(Dur(3_000)));
        assert!(
            parse_duration("200 parsecs")
                .unwrap_err()
                .contains("200 parsecs")
        );
        assert!(parse_duration("-5ms").unwrap_err().contains("negative"));
        assert!(parse_duration("200").unwrap_err().contains("unit"));
        assert!(parse_duration("").is_err());
        assert_eq!(Dur(1_500_000).to_string(), "1.5ms");
        assert_eq!(Dur(200_000).to_string(), "200us");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("64KiB"), Ok(Bytes(65_536)));
        assert_eq!(parse_bytes("1.5MiB"), Ok(Bytes(1_572_864)));
        assert_eq!(parse_bytes("128B"), Ok(Bytes(128)));
        assert_eq!(parse_bytes("128"), Ok(Bytes(128)));
        assert_eq!(parse_bytes("1MB"), Ok(Bytes(1_000_000)));
        assert!(parse_bytes("50000000TiB").is_err(), "overflows u64");
        assert!(parse_bytes("12 apples").is_err());
        assert_eq!(Bytes(512 << 20).to_string(), "512MiB");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("270k/s"), Ok(Rate(270_000.0)));
        assert_eq!(parse_rate("50/s"), Ok(Rate(50.0)));
        assert_eq!(parse_rate("1.5M/s"), Ok(Rate(1_500_000.0)));
        assert_eq!(parse_rate("100/ms"), Ok(Rate(100_000.0)));
        assert_eq!(parse_rate("20000"), Ok(Rate(20_000.0)));
        assert!(parse_rate("-5/s").unwrap_err().contains("negative"));
        assert!(parse_rate("5/fortnight").is_err());
    }
}
