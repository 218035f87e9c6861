//! Weight initializers with Keras' definitions.

use crate::error::{Error, Result};
use crate::rng::SeededRng;

/// A Keras initializer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initializer {
    /// Uniform in `±√(6 / (fan_in + fan_out))` (the Dense kernel default).
    GlorotUniform,
    /// Truncated normal with stddev `√(2 / (fan_in + fan_out))`.
    GlorotNormal,
    /// Uniform in `±√(6 / fan_in)`.
    HeUniform,
    /// Truncated normal with stddev `√(2 / fan_in)`.
    HeNormal,
    /// Uniform in `±√(3 / fan_in)`.
    LecunUniform,
    /// Truncated normal with stddev `√(1 / fan_in)`.
    LecunNormal,
    /// Zeros (the Dense bias default).
    Zeros,
    /// Ones.
    Ones,
    /// Uniform in `±0.05`.
    RandomUniform,
    /// Normal with stddev 0.05.
    RandomNormal,
}

impl Initializer {
    /// Every initializer with its Keras name.
    pub const ALL: [(&'static str, Initializer); 10] = [
        ("glorot_uniform", Initializer::GlorotUniform),
        ("glorot_normal", Initializer::GlorotNormal),
        ("he_uniform", Initializer::HeUniform),
        ("he_normal", Initializer::HeNormal),
        ("lecun_uniform", Initializer::LecunUniform),
        ("lecun_normal", Initializer::LecunNormal),
        ("zeros", Initializer::Zeros),
        ("ones", Initializer::Ones),
        ("random_uniform", Initializer::RandomUniform),
        ("random_normal", Initializer::RandomNormal),
    ];

    /// Parses a Keras initializer name.
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, i)| *i)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                Error::unknown("initializer", name, &names)
            })
    }

    /// The Keras name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, i)| *i == self)
            .map(|(n, _)| *n)
            .unwrap_or("zeros")
    }

    /// `count` values for a weight with the given fans.
    pub fn sample(
        self,
        rng: &mut SeededRng,
        count: usize,
        fan_in: usize,
        fan_out: usize,
    ) -> Vec<f32> {
        let (fi, fo) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        let uniform = |rng: &mut SeededRng, limit: f64| rng.uniform_in(-limit, limit) as f32;
        // Keras' truncated normals redraw beyond two stddevs and rescale by this factor.
        let truncated = |rng: &mut SeededRng, std: f64| loop {
            let z = rng.normal();
            if z.abs() <= 2.0 {
                break (z * std / 0.879_625_661_034_239_8) as f32;
            }
        };
        (0..count)
            .map(|_| match self {
                Initializer::GlorotUniform => uniform(rng, libm::sqrt(6.0 / (fi + fo))),
                Initializer::GlorotNormal => truncated(rng, libm::sqrt(2.0 / (fi + fo))),
                Initializer::HeUniform => uniform(rng, libm::sqrt(6.0 / fi)),
                Initializer::HeNormal => truncated(rng, libm::sqrt(2.0 / fi)),
                Initializer::LecunUniform => uniform(rng, libm::sqrt(3.0 / fi)),
                Initializer::LecunNormal => truncated(rng, libm::sqrt(1.0 / fi)),
                Initializer::Zeros => 0.0,
                Initializer::Ones => 1.0,
                Initializer::RandomUniform => uniform(rng, 0.05),
                Initializer::RandomNormal => (rng.normal() * 0.05) as f32,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glorot_uniform_stays_in_its_limit() {
        let mut rng = SeededRng::new(1);
        let v = Initializer::GlorotUniform.sample(&mut rng, 1000, 1, 1);
        let limit = 3f32.sqrt();
        assert!(v.iter().all(|x| x.abs() <= limit));
        assert!(v.iter().any(|x| x.abs() > 0.9 * limit));
        assert!(Initializer::from_name("xavier")
            .unwrap_err()
            .to_string()
            .contains("glorot_uniform"));
    }
}
