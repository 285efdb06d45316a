//! Quantities written the way people write them: durations (`"200us"`, `"1.5ms"`), sizes
//! (`"64KiB"`, `"512MiB"`) and rates (`"270k/s"`), parsed exactly (no float noise for
//! decimal values of durations and sizes) and printed back in the same style.
//!
//! Units accepted:
//! - durations: `ns`, `us` (`µs`, `μs`), `ms`, `s`, `m`/`min`, `h`. A bare number is rejected
//!   unless it is `0`: whether `200` means ns or ms is a classic footgun, so say the unit.
//!   Fractions finer than 1 ns are truncated.
//! - sizes: `B`, `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024) and `KB`/`kB`, `MB`, `GB`, `TB`
//!   (powers of 1000). A bare integer is bytes.
//! - rates: `N/s`, `N/ms`, `N/us`, `N/m`, `N/h` with an optional `k`, `M` or `G` multiplier on
//!   `N` (`"270k/s"`, `"1.5M/s"`). A bare number is per second.

use serde::de::{self, Deserialize, Deserializer, Visitor};
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

/// Splits `"1.5ms"` into (`"1.5"`, `"ms"`); `None` when it does not start with a number.
fn split_number(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    if !s[..end].bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((&s[..end], s[end..].trim()))
}

enum ScaleError {
    Syntax,
    TooLarge,
}

/// `number × scale` in integer arithmetic, so `"1.5ms"` is exactly 1_500_000 ns. Digits
/// beyond the resolution of `scale` are truncated.
fn scaled(num: &str, scale: u64) -> Result<u64, ScaleError> {
    let num = num.replace('_', "");
    let (int, frac) = num.split_once('.').unwrap_or((num.as_str(), ""));
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return Err(ScaleError::Syntax);
    }
    let int: u128 = if int.is_empty() {
        0
    } else {
        // Only digits remain, so a parse failure means too many of them.
        int.parse().map_err(|_| ScaleError::TooLarge)?
    };
    let mut v = int.checked_mul(scale as u128).ok_or(ScaleError::TooLarge)?;
    if !frac.is_empty() {
        // 2^64 < 10^20: more than 19 fractional digits cannot matter at any scale here.
        let digits = frac.len().min(19);
        let f: u128 = frac[..digits].parse().map_err(|_| ScaleError::Syntax)?;
        v += f * scale as u128 / 10u128.pow(digits as u32);
    }
    u64::try_from(v).map_err(|_| ScaleError::TooLarge)
}

/// Parses `"200us"`, `"1.5ms"`, `"2s"`, `"100ns"`, `"1m"`, `"1h"` (`µs` too), or `"0"`.
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
        "" if scaled(num, 1).is_ok_and(|v| v == 0) => return Ok(Dur(0)),
        "" => {
            return Err(format!(
                "a duration needs a unit (ns, us, ms, s, m, h): write \"{num}ms\" or \"{num}us\", not \"{s}\""
            ));
        }
        _ => return Err(bad()),
    };
    scaled(num, scale).map(Dur).map_err(|e| match e {
        ScaleError::Syntax => bad(),
        ScaleError::TooLarge => format!("duration \"{s}\" is too large"),
    })
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
    scaled(num, scale).map(Bytes).map_err(|e| match e {
        ScaleError::Syntax => bad(),
        ScaleError::TooLarge => format!("size \"{s}\" is too large"),
    })
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
        "us" | "µs" | "μs" => 1e6,
        "m" | "min" => 1.0 / 60.0,
        "h" => 1.0 / 3600.0,
        _ => return Err(bad()),
    };
    let v: f64 = num.replace('_', "").parse().map_err(|_| bad())?;
    let r = v * mult * per_s;
    if !r.is_finite() {
        return Err(format!("rate \"{s}\" is too large"));
    }
    Ok(Rate(r))
}

// Visitors rather than "deserialize a Value and match": they work on any deserializer (the
// scenario loader tracks field paths through them) and give one clear message per mistake.

struct DurVisitor;

impl Visitor<'_> for DurVisitor {
    type Value = Dur;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a duration like \"200us\" or \"1.5ms\"")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
        parse_duration(s).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
        match v {
            0 => Ok(Dur(0)),
            v => Err(E::custom(format!(
                "a duration needs a unit: write \"{v}ms\" or \"{v}us\", not {v}"
            ))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::custom(format!("a duration cannot be negative, got {v}"))),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
        if v.is_nan() || v < 0.0 {
            Err(E::custom(format!(
                "expected a duration like \"200us\" or \"1.5ms\", got {v}"
            )))
        } else if v == 0.0 {
            Ok(Dur(0))
        } else {
            Err(E::custom(format!(
                "a duration needs a unit: write \"{v}ms\" or \"{v}us\", not {v}"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurVisitor)
    }
}

struct BytesVisitor;

impl Visitor<'_> for BytesVisitor {
    type Value = Bytes;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a size like \"64KiB\" or \"512MiB\"")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        parse_bytes(s).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bytes, E> {
        Ok(Bytes(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bytes, E> {
        u64::try_from(v)
            .map(Bytes)
            .map_err(|_| E::custom(format!("a size cannot be negative, got {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bytes, E> {
        Err(E::custom(format!(
            "a size is a whole number of bytes or a string like \"1.5MiB\", got {v}"
        )))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BytesVisitor)
    }
}

struct RateVisitor;

impl Visitor<'_> for RateVisitor {
    type Value = Rate;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a rate like \"270k/s\" or \"50/s\"")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Rate, E> {
        parse_rate(s).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
        Ok(Rate(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
        if v < 0 {
            return Err(E::custom(format!("a rate cannot be negative, got {v}")));
        }
        Ok(Rate(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
        if v < 0.0 {
            Err(E::custom(format!("a rate cannot be negative, got {v}")))
        } else if !v.is_finite() {
            Err(E::custom(format!(
                "expected a rate like \"270k/s\" or \"50/s\", got {v}"
            )))
        } else {
            Ok(Rate(v))
        }
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RateVisitor)
    }
}

/// Writes `v` in the largest of `units` (descending `(scale, name)`) that shows it exactly with
/// at most 3 decimals, so what is printed parses back to the same value.
fn fmt_exact(f: &mut fmt::Formatter<'_>, v: u64, units: &[(u64, &str)]) -> fmt::Result {
    for &(scale, unit) in units {
        let rem = (v % scale) as u128;
        if v >= scale && (rem * 1000).is_multiple_of(scale as u128) {
            let whole = v / scale;
            let milli = rem * 1000 / scale as u128;
            return if milli == 0 {
                write!(f, "{whole}{unit}")
            } else {
                let frac = format!("{milli:03}");
                write!(f, "{whole}.{}{unit}", frac.trim_end_matches('0'))
            };
        }
    }
    Ok(())
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Seconds at most: `"5m"` reads too easily as milliseconds.
        match self.0 {
            0 => f.write_str("0s"),
            v => fmt_exact(
                f,
                v,
                &[
                    (1_000_000_000, "s"),
                    (1_000_000, "ms"),
                    (1_000, "us"),
                    (1, "ns"),
                ],
            ),
        }
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Binary units first (how Go and most people size things); decimal ones for values
        // such as 1_000_000 that would otherwise print as a long count of bytes.
        match self.0 {
            0 => f.write_str("0B"),
            v => fmt_exact(
                f,
                v,
                &[
                    (1 << 40, "TiB"),
                    (1 << 30, "GiB"),
                    (1 << 20, "MiB"),
                    (1 << 10, "KiB"),
                    (1_000_000_000_000, "TB"),
                    (1_000_000_000, "GB"),
                    (1_000_000, "MB"),
                    (1_000, "KB"),
                    (1, "B"),
                ],
            ),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        let (x, unit) = if r >= 1e9 {
            (r / 1e9, "G")
        } else if r >= 1e6 {
            (r / 1e6, "M")
        } else if r >= 1e3 {
            (r / 1e3, "k")
        } else {
            (r, "")
        };
        // Shortest exact form when it is short; otherwise 4 decimals (e.g. 1000/3 per minute).
        let mut s = format!("{x}");
        if s.len() > 10 {
            s = format!("{x:.4}");
            if s.contains('.') {
                s = s.trim_end_matches('0').trim_end_matches('.').to_string();
            }
        }
        write!(f, "{s}{unit}/s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de<T: for<'a> Deserialize<'a>>(toml_value: &str) -> Result<T, String> {
        #[derive(serde::Deserialize)]
        struct W<T> {
            v: T,
        }
        toml::from_str::<W<T>>(&format!("v = {toml_value}"))
            .map(|w| w.v)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("200us"), Ok(Dur(200_000)));
        assert_eq!(parse_duration("1.5ms"), Ok(Dur(1_500_000)));
        assert_eq!(parse_duration("100ns"), Ok(Dur(100)));
        assert_eq!(parse_duration("2s"), Ok(Dur(2_000_000_000)));
        assert_eq!(parse_duration("1m"), Ok(Dur(60_000_000_000)));
        assert_eq!(parse_duration("1h"), Ok(Dur(3_600_000_000_000)));
        assert_eq!(parse_duration("3µs"), Ok(Dur(3_000)));
        assert_eq!(parse_duration("3μs"), Ok(Dur(3_000)), "Greek mu");
        assert_eq!(parse_duration("1_000ms"), Ok(Dur(1_000_000_000)));
        assert_eq!(parse_duration(" 20 us "), Ok(Dur(20_000)));
        assert_eq!(parse_duration(".5ms"), Ok(Dur(500_000)));
        assert_eq!(parse_duration("0"), Ok(Dur(0)));
        assert_eq!(parse_duration("0.1ns"), Ok(Dur(0)), "truncated below 1ns");
        assert_eq!(
            parse_duration("0.000000001s"),
            Ok(Dur(1)),
            "exact, no float rounding"
        );
    }

    #[test]
    fn durations_reject() {
        assert_eq!(
            parse_duration("200 parsecs").unwrap_err(),
            "expected a duration like \"200us\" or \"1.5ms\", got \"200 parsecs\""
        );
        assert!(parse_duration("-5ms").unwrap_err().contains("negative"));
        assert!(parse_duration("200").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("1.5").unwrap_err().contains("needs a unit"));
        for bad in [
            "", " ", "ms", ".", "..5ms", "1.2.3ms", "NaN", "nan ms", "inf", "5 MS",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        assert!(
            parse_duration("99999999999999999999h")
                .unwrap_err()
                .contains("too large")
        );
        assert!(
            parse_duration("6000000h")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn durations_deserialize() {
        assert_eq!(de::<Dur>("\"1.5ms\""), Ok(Dur(1_500_000)));
        assert_eq!(de::<Dur>("0"), Ok(Dur(0)));
        assert!(de::<Dur>("200").unwrap_err().contains("\"200ms\""));
        assert!(de::<Dur>("-3").unwrap_err().contains("negative"));
        assert!(de::<Dur>("1.5").unwrap_err().contains("needs a unit"));
        assert!(de::<Dur>("nan").is_err());
        assert!(
            de::<Dur>("true")
                .unwrap_err()
                .contains("expected a duration like")
        );
        assert!(de::<Dur>("[1]").is_err());
    }

    #[test]
    fn durations_print_back() {
        assert_eq!(Dur(200_000).to_string(), "200us");
        assert_eq!(Dur(1_500_000).to_string(), "1.5ms");
        assert_eq!(Dur(2_000_000_000).to_string(), "2s");
        assert_eq!(Dur(60_000_000_000).to_string(), "60s");
        assert_eq!(Dur(94).to_string(), "94ns");
        assert_eq!(Dur(0).to_string(), "0s");
        assert_eq!(
            Dur(1_234_567).to_string(),
            "1234.567us",
            "exact, not rounded"
        );
        assert_eq!(Dur(1_000_001).to_string(), "1000.001us");
        for v in [1, 999, 1_001, 22_000, 1_234_567_891, u64::MAX] {
            assert_eq!(parse_duration(&Dur(v).to_string()), Ok(Dur(v)), "{v}");
        }
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_bytes("64KiB"), Ok(Bytes(65_536)));
        assert_eq!(parse_bytes("512MiB"), Ok(Bytes(512 << 20)));
        assert_eq!(parse_bytes("1GiB"), Ok(Bytes(1 << 30)));
        assert_eq!(parse_bytes("1.5MiB"), Ok(Bytes(1_572_864)));
        assert_eq!(parse_bytes("128B"), Ok(Bytes(128)));
        assert_eq!(parse_bytes("128"), Ok(Bytes(128)));
        assert_eq!(parse_bytes("1KB"), Ok(Bytes(1_000)));
        assert_eq!(parse_bytes("1MB"), Ok(Bytes(1_000_000)));
        assert_eq!(parse_bytes("2GB"), Ok(Bytes(2_000_000_000)));
        assert_eq!(
            parse_bytes("5000TiB"),
            Ok(Bytes(5000 << 40)),
            "range is validation's job"
        );
    }

    #[test]
    fn sizes_reject() {
        assert!(
            parse_bytes("50000000TiB")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_bytes("12 apples").unwrap_err().contains("12 apples"));
        assert!(parse_bytes("-1KiB").unwrap_err().contains("negative"));
        assert!(parse_bytes("1kb").is_err(), "kilobits are not bytes");
        assert!(parse_bytes("").is_err());
        assert!(de::<Bytes>("-1").unwrap_err().contains("negative"));
        assert!(de::<Bytes>("1.5").unwrap_err().contains("whole number"));
        assert_eq!(de::<Bytes>("4096"), Ok(Bytes(4096)));
    }

    #[test]
    fn sizes_print_back() {
        assert_eq!(Bytes(512 << 20).to_string(), "512MiB");
        assert_eq!(Bytes(1_572_864).to_string(), "1.5MiB");
        assert_eq!(Bytes(128).to_string(), "128B");
        assert_eq!(Bytes(1_000_000).to_string(), "1MB");
        assert_eq!(Bytes(0).to_string(), "0B");
        for v in [1, 1000, 1023, 1025, 1_000_001, 3 << 40, u64::MAX] {
            assert_eq!(parse_bytes(&Bytes(v).to_string()), Ok(Bytes(v)), "{v}");
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("270k/s"), Ok(Rate(270_000.0)));
        assert_eq!(parse_rate("50/s"), Ok(Rate(50.0)));
        assert_eq!(parse_rate("1.5M/s"), Ok(Rate(1_500_000.0)));
        assert_eq!(parse_rate("20000/s"), Ok(Rate(20_000.0)));
        assert_eq!(parse_rate("100/ms"), Ok(Rate(100_000.0)));
        assert_eq!(parse_rate("20000"), Ok(Rate(20_000.0)));
        assert_eq!(parse_rate("60/m"), Ok(Rate(1.0)));
        assert!(parse_rate("-5/s").unwrap_err().contains("negative"));
        for bad in ["5/fortnight", "", "/s", "NaN/s", "inf", "5x/s", "1e3/s"] {
            assert!(parse_rate(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(de::<Rate>("20000"), Ok(Rate(20_000.0)));
        assert_eq!(de::<Rate>("2.5"), Ok(Rate(2.5)));
        assert!(de::<Rate>("-5").unwrap_err().contains("negative"));
        assert!(de::<Rate>("nan").is_err());
        assert!(de::<Rate>("inf").is_err());
        assert_eq!(Rate(270_000.0).to_string(), "270k/s");
        assert_eq!(Rate(1_500_000.0).to_string(), "1.5M/s");
        assert_eq!(Rate(50.0).to_string(), "50/s");
        assert_eq!(Rate(1000.0 / 3.0).to_string(), "333.3333/s");
        for r in ["270k/s", "1.5M/s", "50/s", "0.5/s", "2G/s"] {
            assert_eq!(parse_rate(r).map(|x| x.to_string()).as_deref(), Ok(r));
        }
    }
}
