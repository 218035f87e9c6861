//! Seeded randomness that gives the same numbers natively and in wasm.
//!
//! The stream is ChaCha12 (`rand`'s `StdRng`); everything built on it here uses only
//! 64-bit integer arithmetic and `libm`, never `usize`-dependent sampling or the platform's
//! maths library, so a seed means the same data and weights on every target.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

/// A seeded random stream.
pub struct SeededRng {
    inner: StdRng,
}

impl SeededRng {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng {
            inner: StdRng::seed_from_u64(seed),
        }
    }

    /// A stream for `seed`, independent of [`SeededRng::new`]'s for the same seed
    /// (used so that changing the model does not change the data).
    pub fn derived(seed: u64, stream: u64) -> Self {
        Self::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.inner.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform_in(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln stays finite
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }

    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.inner.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// A fresh seed from the operating system (or the browser's crypto API).
pub fn fresh_seed() -> u64 {
    let mut bytes = [0u8; 4];
    // A u32 keeps the seed exact as a JavaScript number and short in a URL.
    if getrandom::fill(&mut bytes).is_err() {
        return 42;
    }
    u32::from_le_bytes(bytes) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_moments_are_right() {
        let mut a = SeededRng::new(7);
        let mut b = SeededRng::new(7);
        for _ in 0..10 {
            assert_eq!(a.uniform().to_bits(), b.uniform().to_bits());
        }
        let mut r = SeededRng::new(1);
        let n = 20000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<u32> = (0..50).collect();
        SeededRng::new(3).shuffle(&mut v);
        let mut s = v.clone();
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_ne!(v, (0..50).collect::<Vec<_>>());
    }
}
