//! Simulated time: unsigned 64-bit nanoseconds since the start of the simulation.

/// Simulated time in nanoseconds. 2^64 ns is about 584 years, so overflow is not a concern for
/// any run; arithmetic that could exceed it saturates.
pub type Nanos = u64;

pub const NS: Nanos = 1;
pub const US: Nanos = 1_000;
pub const MS: Nanos = 1_000_000;
pub const SEC: Nanos = 1_000_000_000;

/// Formats a duration for people: `950ns`, `12.5us`, `3.25ms`, `1.5s`, with at most 3 decimals
/// and no float noise (the value is formatted from the integer).
pub fn fmt_duration(ns: Nanos) -> String {
    let (unit, div) = if ns >= SEC {
        ("s", SEC)
    } else if ns >= MS {
        ("ms", MS)
    } else if ns >= US {
        ("us", US)
    } else {
        return format!("{ns}ns");
    };
    let whole = ns / div;
    let frac = (ns % div) * 1000 / div; // 3 decimals, truncated
    if frac == 0 {
        format!("{whole}{unit}")
    } else {
        let s = format!("{whole}.{frac:03}");
        format!("{}{unit}", s.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn formats_without_float_noise() {
        assert_eq!(fmt_duration(950), "950ns");
        assert_eq!(fmt_duration(12_500), "12.5us");
        assert_eq!(fmt_duration(3_250_000), "3.25ms");
        assert_eq!(fmt_duration(1_500_000_000), "1.5s");
        assert_eq!(fmt_duration(2 * SEC), "2s");
    }
}
