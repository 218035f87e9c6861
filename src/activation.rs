//! Activation functions with Keras 3's definitions, and their derivatives.
//!
//! Maths goes through `libm` so that native and wasm builds compute bit-identical values.

use crate::error::{Error, Result};

/// An element-wise activation, named as Keras names it.
/// Each variant's explicit code is what the WGSL kernels switch on (the WGSL prelude is generated
/// from [`Activation::ALL`]), so reordering the list cannot change what a shader computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Activation {
    /// `x` (Keras' `linear`, the Dense default).
    Linear = 0,
    /// `max(x, 0)`.
    Relu = 1,
    /// `min(max(x, 0), 6)`.
    Relu6 = 10,
    /// `x` for `x >= 0`, else `0.2 x` (Keras' default negative slope).
    LeakyRelu = 11,
    /// `x` for `x > 0`, else `exp(x) - 1`.
    Elu = 4,
    /// `scale · elu(x, alpha)` with Keras' self-normalising constants.
    Selu = 5,
    /// `1 / (1 + exp(-x))`.
    Sigmoid = 3,
    /// `relu6(x + 3) / 6` (Keras 3's definition).
    HardSigmoid = 12,
    /// `tanh(x)`.
    Tanh = 2,
    /// `log(1 + exp(x))`.
    Softplus = 6,
    /// `x / (1 + |x|)`.
    Softsign = 7,
    /// `x · sigmoid(x)` (also called `silu`).
    Swish = 8,
    /// `x · Φ(x)` with the exact normal CDF (Keras' default `approximate=False`).
    Gelu = 9,
}

pub(crate) const SELU_ALPHA: f32 = 1.673_263_2;
pub(crate) const SELU_SCALE: f32 = 1.050_701;
pub(crate) const LEAKY_SLOPE: f32 = 0.2;

impl Activation {
    /// Every activation with its Keras name, in the order the page lists them.
    pub const ALL: [(&'static str, Activation); 13] = [
        ("linear", Activation::Linear),
        ("relu", Activation::Relu),
        ("tanh", Activation::Tanh),
        ("sigmoid", Activation::Sigmoid),
        ("elu", Activation::Elu),
        ("selu", Activation::Selu),
        ("softplus", Activation::Softplus),
        ("softsign", Activation::Softsign),
        ("swish", Activation::Swish),
        ("gelu", Activation::Gelu),
        ("relu6", Activation::Relu6),
        ("leaky_relu", Activation::LeakyRelu),
        ("hard_sigmoid", Activation::HardSigmoid),
    ];

    /// Parses a Keras activation name (`silu` is accepted for `swish`, `None`/empty for `linear`).
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "silu" => return Ok(Activation::Swish),
            "" | "none" | "None" => return Ok(Activation::Linear),
            _ => {}
        }
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                Error::unknown("activation", name, &names)
            })
    }

    /// The Keras name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(n, _)| *n)
            .unwrap_or("linear")
    }

    /// A small integer identifying the activation in the WGSL kernels (`shaders/common.wgsl`).
    pub fn code(self) -> u32 {
        self as u32
    }

    /// `f(z)`.
    pub fn forward(self, z: f32) -> f32 {
        match self {
            Activation::Linear => z,
            Activation::Relu => {
                if z > 0.0 {
                    z
                } else {
                    0.0
                }
            }
            Activation::Relu6 => z.clamp(0.0, 6.0),
            Activation::LeakyRelu => {
                if z >= 0.0 {
                    z
                } else {
                    LEAKY_SLOPE * z
                }
            }
            Activation::Elu => {
                if z > 0.0 {
                    z
                } else {
                    libm::expm1f(z)
                }
            }
            Activation::Selu => {
                if z > 0.0 {
                    SELU_SCALE * z
                } else {
                    SELU_SCALE * SELU_ALPHA * libm::expm1f(z)
                }
            }
            Activation::Sigmoid => sigmoid(z),
            Activation::HardSigmoid => (z + 3.0).clamp(0.0, 6.0) / 6.0,
            Activation::Tanh => tanh(z),
            Activation::Softplus => softplus(z),
            Activation::Softsign => z / (1.0 + z.abs()),
            Activation::Swish => z * sigmoid(z),
            Activation::Gelu => 0.5 * z * (1.0 + libm::erff(z * std::f32::consts::FRAC_1_SQRT_2)),
        }
    }

    /// `f'(z)`, given the pre-activation `z` and the activation `a = f(z)`.
    pub fn derivative(self, z: f32, a: f32) -> f32 {
        match self {
            Activation::Linear => 1.0,
            Activation::Relu => step(z > 0.0),
            Activation::Relu6 => step(z > 0.0 && z < 6.0),
            Activation::LeakyRelu => {
                if z >= 0.0 {
                    1.0
                } else {
                    LEAKY_SLOPE
                }
            }
            Activation::Elu => {
                if z > 0.0 {
                    1.0
                } else {
                    a + 1.0
                }
            }
            Activation::Selu => {
                if z > 0.0 {
                    SELU_SCALE
                } else {
                    a + SELU_SCALE * SELU_ALPHA
                }
            }
            Activation::Sigmoid => a * (1.0 - a),
            Activation::HardSigmoid => step(z > -3.0 && z < 3.0) / 6.0,
            Activation::Tanh => 1.0 - a * a,
            Activation::Softplus => sigmoid(z),
            Activation::Softsign => {
                let d = 1.0 + z.abs();
                1.0 / (d * d)
            }
            Activation::Swish => {
                let s = sigmoid(z);
                s + z * s * (1.0 - s)
            }
            Activation::Gelu => {
                let cdf = 0.5 * (1.0 + libm::erff(z * std::f32::consts::FRAC_1_SQRT_2));
                let pdf = libm::expf(-0.5 * z * z) * 0.398_942_3;
                cdf + z * pdf
            }
        }
    }
}

fn step(b: bool) -> f32 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `tanh` as Keras computes it on the CPU: XLA's float32 kernel (what JAX runs), a rational
/// function p(x)/q(x) of degree 13 over 6 in x clamped to ±7.998 811 7 (beyond it the result is
/// ±1), each Horner step a fused multiply-add, and x itself below 4e-4. A product of two f32
/// is exact in f64, so each fused step is one f64 multiply-add rounded to f32; the whole is
/// branch-free, so the compiler vectorises it, several times faster than `libm::tanhf`, which
/// differs from Keras' value in the last bits for about two inputs in three.
/// `tests/fixtures/make_tanh_fixture.py` checks it against `jax.numpy.tanh` on 2.2 million
/// float32 inputs spread over [-10, 10]: every result is the same, bit for bit.
pub fn tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.998_811_7;
    const TINY: f32 = 0.0004;
    const P: [f32; 7] = [
        -2.760_768_4e-16,
        2.000_188e-13,
        -8.604_672e-11,
        5.122_297_3e-8,
        1.485_722_35e-5,
        6.372_619_5e-4,
        4.893_524_6e-3,
    ];
    const Q: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_7e-3, 4.893_525e-3];
    let fma = |a: f32, b: f32, c: f32| (a as f64 * b as f64 + c as f64) as f32;
    let xc = x.clamp(-CLAMP, CLAMP);
    let x2 = xc * xc;
    let mut p = P[0];
    for c in &P[1..] {
        p = fma(x2, p, *c);
    }
    let mut q = Q[0];
    for c in &Q[1..] {
        q = fma(x2, q, *c);
    }
    let r = (p * xc) / q;
    if x.abs() < TINY {
        x
    } else {
        r
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-z))
}

/// `log(1 + exp(z))` without overflow, as `logaddexp(z, 0)`.
fn softplus(z: f32) -> f32 {
    z.max(0.0) + libm::log1pf(libm::expf(-z.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_lists_valid_names() {
        for (name, act) in Activation::ALL {
            assert_eq!(Activation::from_name(name).unwrap(), act);
            assert_eq!(act.name(), name);
        }
        let msg = Activation::from_name("rleu").unwrap_err().to_string();
        assert!(msg.starts_with("unknown activation 'rleu'; valid names: linear, relu, tanh"));
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for (name, act) in Activation::ALL {
            for &z in &[-2.5f32, -0.7, -0.1, 0.3, 1.1, 2.9] {
                let h = 1e-3f64;
                let f = |x: f64| act.forward(x as f32) as f64;
                let numeric = (f(z as f64 + h) - f(z as f64 - h)) / (2.0 * h);
                let analytic = act.derivative(z, act.forward(z)) as f64;
                assert!(
                    (numeric - analytic).abs() < 2e-3,
                    "{name} at {z}: numeric {numeric} analytic {analytic}"
                );
            }
        }
    }

    #[test]
    fn hand_computed_values() {
        assert_eq!(Activation::Relu.forward(-1.0), 0.0);
        assert!((Activation::Sigmoid.forward(0.0) - 0.5).abs() < 1e-7);
        assert!((Activation::Softplus.forward(0.0) - std::f32::consts::LN_2).abs() < 1e-7);
        assert!((Activation::Gelu.forward(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((Activation::Selu.forward(1.0) - 1.050_701).abs() < 1e-6);
        assert_eq!(Activation::HardSigmoid.forward(0.0), 0.5);
        assert!(Activation::Softplus.forward(100.0).is_finite());
    }
}
