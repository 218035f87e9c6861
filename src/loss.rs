//! Regression losses with Keras' definitions: the mean over the batch and the outputs.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// A loss function, named as Keras names it.
///
/// The explicit codes are what the WGSL loss kernel switches on (written into its prelude).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u32)]
pub enum Loss {
    /// Mean squared error: `mean((y - ŷ)²)`.
    Mse = 0,
    /// Mean absolute error: `mean(|y - ŷ|)`.
    Mae = 1,
    /// Huber with Keras' default `delta = 1`: `½e²` for `|e| ≤ 1`, else `|e| - ½`.
    Huber = 2,
}

const HUBER_DELTA: f32 = 1.0;

impl Loss {
    /// The valid names.
    pub const NAMES: [&'static str; 3] = ["mse", "mae", "huber"];

    /// Every loss with its WGSL constant name.
    pub const ALL: [(&'static str, Loss); 3] = [
        ("LOSS_MSE", Loss::Mse),
        ("LOSS_MAE", Loss::Mae),
        ("LOSS_HUBER", Loss::Huber),
    ];

    /// Huber's `delta` (Keras' default).
    pub const HUBER_DELTA: f32 = HUBER_DELTA;

    /// Parses a Keras loss name (long forms such as `mean_squared_error` are accepted).
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "mse" | "mean_squared_error" | "MeanSquaredError" => Ok(Loss::Mse),
            "mae" | "mean_absolute_error" | "MeanAbsoluteError" => Ok(Loss::Mae),
            "huber" | "huber_loss" | "Huber" => Ok(Loss::Huber),
            _ => Err(Error::unknown("loss", name, &Self::NAMES)),
        }
    }

    /// The Keras short name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Mae => "mae",
            Loss::Huber => "huber",
        }
    }

    /// A small integer identifying the loss in the WGSL kernels.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The loss of one element, `e = ŷ - y`.
    pub fn element(self, e: f32) -> f32 {
        match self {
            Loss::Mse => e * e,
            Loss::Mae => e.abs(),
            Loss::Huber => {
                let a = e.abs();
                if a <= HUBER_DELTA {
                    0.5 * e * e
                } else {
                    HUBER_DELTA * a - 0.5 * HUBER_DELTA * HUBER_DELTA
                }
            }
        }
    }

    /// `d element / d ŷ` for one element, `e = ŷ - y`.
    pub fn element_grad(self, e: f32) -> f32 {
        match self {
            Loss::Mse => 2.0 * e,
            // Keras differentiates |y - ŷ|; jax's derivative of |u| at u = 0 is +1, so at a
            // tie d/dŷ = -1.
            Loss::Mae => {
                if e > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
            Loss::Huber => e.clamp(-HUBER_DELTA, HUBER_DELTA),
        }
    }

    /// The mean loss of predictions against targets (same length).
    ///
    /// Summed in `f64` over four accumulators (independent chains keep the adds pipelined);
    /// each loss has its own loop so that the compiler can vectorise it.
    pub fn mean(self, y_pred: &[f32], y_true: &[f32]) -> f32 {
        let sum = match self {
            Loss::Mse => sum4(y_pred, y_true, |e| Loss::Mse.element(e)),
            Loss::Mae => sum4(y_pred, y_true, |e| Loss::Mae.element(e)),
            Loss::Huber => sum4(y_pred, y_true, |e| Loss::Huber.element(e)),
        };
        (sum / y_pred.len().max(1) as f64) as f32
    }

    /// `grad = d mean / d y_pred`, element-wise.
    pub fn gradient(self, y_pred: &[f32], y_true: &[f32], grad: &mut [f32]) {
        let scale = 1.0 / y_pred.len().max(1) as f32;
        let each = |f: &dyn Fn(f32) -> f32, grad: &mut [f32]| {
            for ((g, p), t) in grad.iter_mut().zip(y_pred).zip(y_true) {
                *g = f(p - t) * scale;
            }
        };
        match self {
            Loss::Mse => {
                for ((g, p), t) in grad.iter_mut().zip(y_pred).zip(y_true) {
                    *g = 2.0 * (p - t) * scale;
                }
            }
            Loss::Mae => each(&|e| Loss::Mae.element_grad(e), grad),
            Loss::Huber => each(&|e| Loss::Huber.element_grad(e), grad),
        }
    }
}

/// `Σ f(p - t)` in `f64` over four accumulators.
fn sum4(y_pred: &[f32], y_true: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut acc = [0.0f64; 4];
    let (cp, ct) = (y_pred.chunks_exact(4), y_true.chunks_exact(4));
    let tail: f64 = cp
        .remainder()
        .iter()
        .zip(ct.remainder())
        .map(|(p, t)| f(p - t) as f64)
        .sum();
    for (p, t) in cp.zip(ct) {
        for l in 0..4 {
            acc[l] += f(p[l] - t[l]) as f64;
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_means() {
        let p = [1.0, 2.0, 5.0];
        let t = [0.0, 2.0, 2.0];
        assert!((Loss::Mse.mean(&p, &t) - 10.0 / 3.0).abs() < 1e-6);
        assert!((Loss::Mae.mean(&p, &t) - 4.0 / 3.0).abs() < 1e-6);
        // huber: 0.5*1 + 0 + (3 - 0.5) = 3.0
        assert!((Loss::Huber.mean(&p, &t) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn gradients_match_finite_differences() {
        for loss in [Loss::Mse, Loss::Mae, Loss::Huber] {
            for &e in &[-2.0f32, -0.4, 0.3, 1.7] {
                let h = 1e-3;
                let numeric = (loss.element(e + h) - loss.element(e - h)) / (2.0 * h);
                assert!(
                    (numeric - loss.element_grad(e)).abs() < 1e-2,
                    "{loss:?} {e}"
                );
            }
        }
        assert_eq!(
            Loss::Mae.element_grad(0.0),
            -1.0,
            "Keras' derivative at a tie"
        );
        assert_eq!(Loss::Mae.element_grad(-0.0), -1.0);
        assert!(Loss::from_name("msle")
            .unwrap_err()
            .to_string()
            .contains("mse, mae, huber"));
    }
}
