//! Named, seeded random streams.
//!
//! Every concern of a model (steal order, workload sizes, arrivals, …) draws from its own
//! `ChaCha8Rng`, derived from the master seed and the stream's name. Adding a new consumer
//! therefore never shifts the numbers another consumer sees.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The stream type handed out to models.
pub type Stream = ChaCha8Rng;

/// Derives independent streams from one master seed.
#[derive(Clone, Copy, Debug)]
pub struct RngStreams {
    seed: u64,
}

/// FNV-1a 64: a tiny, stable, platform-independent string hash for stream names.
fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    let mut h = basis;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// SplitMix64 finaliser: spreads the seed bits so nearby seeds give unrelated keys.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngStreams {
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream called `name`. Calling it twice gives two identical, independent copies.
    pub fn stream(&self, name: &str) -> Stream {
        self.stream_indexed(name, 0)
    }

    /// The `index`-th stream of a family (e.g. one per goroutine class).
    pub fn stream_indexed(&self, name: &str, index: u64) -> Stream {
        let a = fnv1a(name.as_bytes(), 0xcbf2_9ce4_8422_2325);
        let b = fnv1a(name.as_bytes(), 0x8422_2325_cbf2_9ce4);
        let words = [
            mix(self.seed),
            mix(a ^ self.seed.rotate_left(17)),
            mix(b ^ index),
            mix(index.wrapping_add(0x9e37_79b9_7f4a_7c15) ^ a),
        ];
        let mut key = [0u8; 32];
        for (i, w) in words.iter().enumerate() {
            key[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        ChaCha8Rng::from_seed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let s = RngStreams::new(42);
        let mut a1 = s.stream("steal");
        let mut a2 = s.stream("steal");
        let mut b = s.stream("work");
        let x: Vec<u64> = (0..8).map(|_| a1.next_u64()).collect();
        let y: Vec<u64> = (0..8).map(|_| a2.next_u64()).collect();
        let z: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(x, y);
        assert_ne!(x, z);
        let mut other_seed = RngStreams::new(43).stream("steal");
        assert_ne!(x[0], other_seed.next_u64());
    }

    const PINNED: u64 = 6029189082490055265;

    #[test]
    fn derivation_is_stable_across_releases() {
        // Pin the derivation: changing it would change every recorded result.
        let mut r = RngStreams::new(1).stream("steal");
        let v = r.next_u64();
        assert_eq!(v, PINNED);
    }
}
