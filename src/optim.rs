//! Optimizers with Keras 3's update rules and defaults.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// An optimizer and its hyper-parameters, as the config names them.
///
/// Keras 3's updates (`g` the gradient, `t` the 1-based iteration):
/// - SGD: `m = μ·m − lr·g`; `w += m`, or with Nesterov `w += μ·m − lr·g`; with `μ = 0`, `w −= lr·g`.
/// - Adam: `α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`; `m += (g−m)(1−β₁)`; `v += (g²−v)(1−β₂)`; `w −= α·m/(√v + ε)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase", deny_unknown_fields)]
pub enum Optimizer {
    /// Stochastic gradient descent (Keras default learning rate 0.01).
    Sgd {
        /// Step size.
        #[serde(default = "default_sgd_lr")]
        learning_rate: f32,
        /// Momentum `μ` in `[0, 1)`.
        #[serde(default)]
        momentum: f32,
        /// Nesterov momentum.
        #[serde(default)]
        nesterov: bool,
    },
    /// Adam (Keras defaults: 0.001, 0.9, 0.999, 1e-7).
    Adam {
        /// Step size.
        #[serde(default = "default_adam_lr")]
        learning_rate: f32,
        /// Decay of the first moment.
        #[serde(default = "default_beta_1")]
        beta_1: f32,
        /// Decay of the second moment.
        #[serde(default = "default_beta_2")]
        beta_2: f32,
        /// Added to `√v`.
        #[serde(default = "default_epsilon")]
        epsilon: f32,
    },
}

fn default_sgd_lr() -> f32 {
    0.01
}
fn default_adam_lr() -> f32 {
    0.001
}
fn default_beta_1() -> f32 {
    0.9
}
fn default_beta_2() -> f32 {
    0.999
}
fn default_epsilon() -> f32 {
    1e-7
}

/// The largest learning rate accepted; anything above is surely a typing error.
pub const MAX_LEARNING_RATE: f32 = 1000.0;

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer::sgd(default_sgd_lr())
    }
}

impl Optimizer {
    /// The valid names.
    pub const NAMES: [&'static str; 2] = ["sgd", "adam"];

    /// SGD without momentum.
    pub fn sgd(learning_rate: f32) -> Self {
        Optimizer::Sgd {
            learning_rate,
            momentum: 0.0,
            nesterov: false,
        }
    }

    /// Adam with Keras' defaults but the learning rate.
    pub fn adam(learning_rate: f32) -> Self {
        Optimizer::Adam {
            learning_rate,
            beta_1: default_beta_1(),
            beta_2: default_beta_2(),
            epsilon: default_epsilon(),
        }
    }

    /// The optimizer named `name` with Keras' defaults (`"sgd"`, `"adam"`).
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sgd" => Ok(Optimizer::default()),
            "adam" => Ok(Optimizer::adam(default_adam_lr())),
            _ => Err(Error::unknown("optimizer", name, &Self::NAMES)),
        }
    }

    /// The Keras name.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd { .. } => "sgd",
            Optimizer::Adam { .. } => "adam",
        }
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f32 {
        match *self {
            Optimizer::Sgd { learning_rate, .. } | Optimizer::Adam { learning_rate, .. } => {
                learning_rate
            }
        }
    }

    /// The same optimizer with another learning rate.
    pub fn with_learning_rate(mut self, lr: f32) -> Self {
        match &mut self {
            Optimizer::Sgd { learning_rate, .. } | Optimizer::Adam { learning_rate, .. } => {
                *learning_rate = lr
            }
        }
        self
    }

    /// How many state arrays of a parameter's shape the optimizer keeps per parameter.
    pub fn slots(&self) -> usize {
        match *self {
            Optimizer::Sgd { momentum: 0.0, .. } => 0,
            Optimizer::Sgd { .. } => 1,
            Optimizer::Adam { .. } => 2,
        }
    }

    /// Checks every hyper-parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and its valid range.
    pub fn validate(&self) -> Result<()> {
        let lr = self.learning_rate();
        if !lr.is_finite() || lr <= 0.0 || lr > MAX_LEARNING_RATE {
            return Err(Error::invalid(
                "learning_rate",
                format!("{lr} (must be finite, > 0 and ≤ {MAX_LEARNING_RATE})"),
            ));
        }
        match *self {
            Optimizer::Sgd { momentum, .. } => unit_interval("momentum", momentum),
            Optimizer::Adam {
                beta_1,
                beta_2,
                epsilon,
                ..
            } => {
                unit_interval("beta_1", beta_1)?;
                unit_interval("beta_2", beta_2)?;
                if !epsilon.is_finite() || epsilon <= 0.0 || epsilon > 1.0 {
                    return Err(Error::invalid(
                        "epsilon",
                        format!("{epsilon} (must be > 0 and ≤ 1)"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Updates `param` in place on the host (the CPU backend's kernel and the tests' reference).
    ///
    /// `slots` holds [`Optimizer::slots`] arrays of the parameter's length; `t` is the 1-based
    /// iteration.
    pub fn update(&self, param: &mut [f32], grad: &[f32], slots: &mut [&mut [f32]], t: f32) {
        match *self {
            Optimizer::Sgd {
                learning_rate: lr,
                momentum,
                nesterov,
            } => {
                if momentum == 0.0 {
                    for (w, g) in param.iter_mut().zip(grad) {
                        *w -= g * lr;
                    }
                    return;
                }
                let m = &mut *slots[0];
                for ((w, g), m) in param.iter_mut().zip(grad).zip(m.iter_mut()) {
                    *m = *m * momentum - g * lr;
                    if nesterov {
                        *w += *m * momentum - g * lr;
                    } else {
                        *w += *m;
                    }
                }
            }
            Optimizer::Adam {
                learning_rate: lr,
                beta_1,
                beta_2,
                epsilon,
            } => {
                let alpha = adam_alpha(lr, beta_1, beta_2, t);
                let (m, v) = slots.split_at_mut(1);
                let (m, v) = (&mut *m[0], &mut *v[0]);
                for i in 0..param.len() {
                    let g = grad[i];
                    m[i] += (g - m[i]) * (1.0 - beta_1);
                    v[i] += (g * g - v[i]) * (1.0 - beta_2);
                    param[i] -= (m[i] * alpha) / (v[i].sqrt() + epsilon);
                }
            }
        }
    }
}

/// Adam's step size at 1-based iteration `t`: `lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`.
pub fn adam_alpha(lr: f32, beta_1: f32, beta_2: f32, t: f32) -> f32 {
    lr * (1.0 - libm::powf(beta_2, t)).sqrt() / (1.0 - libm::powf(beta_1, t))
}

fn unit_interval(name: &str, v: f32) -> Result<()> {
    if !v.is_finite() || !(0.0..1.0).contains(&v) {
        return Err(Error::invalid(name, format!("{v} (must be ≥ 0 and < 1)")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_momentum_and_nesterov_by_hand() {
        let mut w = [1.0f32];
        let mut m = [0.0f32];
        let opt = Optimizer::Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: false,
        };
        opt.update(&mut w, &[2.0], &mut [&mut m], 1.0);
        assert!((m[0] + 0.2).abs() < 1e-7 && (w[0] - 0.8).abs() < 1e-7);
        opt.update(&mut w, &[2.0], &mut [&mut m], 2.0);
        // m = -0.18 - 0.2 = -0.38, w = 0.42
        assert!((w[0] - 0.42).abs() < 1e-6);
        let nest = Optimizer::Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: true,
        };
        let (mut w, mut m) = ([1.0f32], [0.0f32]);
        nest.update(&mut w, &[2.0], &mut [&mut m], 1.0);
        // m = -0.2; w += 0.9*(-0.2) - 0.2 = -0.38
        assert!((w[0] - 0.62).abs() < 1e-6);
    }

    #[test]
    fn adam_first_step_moves_by_lr() {
        let (mut w, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
        Optimizer::adam(0.01).update(&mut w, &[3.0], &mut [&mut m, &mut v], 1.0);
        assert!((w[0] - 0.99).abs() < 1e-5, "{}", w[0]);
    }

    #[test]
    fn bad_hyper_parameters_are_named() {
        for lr in [0.0, -1.0, f32::NAN, f32::INFINITY, 1e9] {
            let msg = Optimizer::sgd(lr).validate().unwrap_err().to_string();
            assert!(msg.starts_with("invalid learning_rate"), "{msg}");
        }
        let bad = Optimizer::Sgd {
            learning_rate: 0.1,
            momentum: 1.5,
            nesterov: false,
        };
        assert!(bad.validate().unwrap_err().to_string().contains("momentum"));
        assert!(Optimizer::from_name("rmsprop")
            .unwrap_err()
            .to_string()
            .contains("sgd, adam"));
    }
}
