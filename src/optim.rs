//! Optimizers with Keras 3's update rules, defaults and arithmetic.
//!
//! Hyper-parameters are kept as `f64`, as Keras keeps them (Python floats). Keras casts some of
//! them to `float32` before use and computes others in double first (`1 - beta_1` is a Python
//! expression, so it is rounded once, from the exact double); [`Optimizer::coefficients`]
//! derives the `f32` constants the same way, once, for both backends. The update rule itself is
//! [`Coefficients::update`] here and `apply_gradient` in `shaders/optimizer.wgsl`.

use crate::error::{Error, Result};
use crate::limits::MAX_LEARNING_RATE;
use serde::{Deserialize, Serialize};

/// An optimizer and its hyper-parameters, as the config names them (Keras' argument names).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase", deny_unknown_fields)]
pub enum Optimizer {
    /// Stochastic gradient descent (Keras defaults: 0.01, momentum 0, no Nesterov).
    ///
    /// `m = μ·m − lr·g`; `w += m`, or with Nesterov `w += μ·m − lr·g`; with `μ = 0`, `w −= lr·g`.
    Sgd {
        /// Step size.
        #[serde(default = "defaults::sgd_lr")]
        learning_rate: f64,
        /// Momentum `μ` in `[0, 1)`.
        #[serde(default)]
        momentum: f64,
        /// Nesterov momentum.
        #[serde(default)]
        nesterov: bool,
    },
    /// Adam (Keras defaults: 0.001, 0.9, 0.999, 1e-7).
    ///
    /// `α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`; `m += (g−m)(1−β₁)`; `v += (g²−v)(1−β₂)`; `w −= m·α/(√v + ε)`.
    Adam {
        /// Step size.
        #[serde(default = "defaults::adaptive_lr")]
        learning_rate: f64,
        /// Decay of the first moment.
        #[serde(default = "defaults::beta_1")]
        beta_1: f64,
        /// Decay of the second moment.
        #[serde(default = "defaults::beta_2")]
        beta_2: f64,
        /// Added to `√v`.
        #[serde(default = "defaults::epsilon")]
        epsilon: f64,
    },
    /// RMSprop (Keras defaults: 0.001, rho 0.9, momentum 0, epsilon 1e-7, not centered).
    ///
    /// `v = ρ·v + (1−ρ)·g²`; centered: `ḡ = ρ·ḡ + (1−ρ)·g`, `d = v − ḡ² + ε`, else `d = v + ε`;
    /// `Δ = lr·g/√d`; with momentum `m = μ·m + Δ`, `w −= m`, else `w −= Δ`.
    #[serde(rename = "rmsprop")]
    RmsProp {
        /// Step size.
        #[serde(default = "defaults::adaptive_lr")]
        learning_rate: f64,
        /// Decay of the mean square.
        #[serde(default = "defaults::rho")]
        rho: f64,
        /// Momentum `μ` in `[0, 1)`.
        #[serde(default)]
        momentum: f64,
        /// Added to the mean square.
        #[serde(default = "defaults::epsilon")]
        epsilon: f64,
        /// Divide by the variance (mean square minus squared mean) instead of the mean square.
        #[serde(default)]
        centered: bool,
    },
}

/// Keras' defaults, one function each for serde.
mod defaults {
    pub fn sgd_lr() -> f64 {
        0.01
    }
    pub fn adaptive_lr() -> f64 {
        0.001
    }
    pub fn beta_1() -> f64 {
        0.9
    }
    pub fn beta_2() -> f64 {
        0.999
    }
    pub fn epsilon() -> f64 {
        1e-7
    }
    pub fn rho() -> f64 {
        0.9
    }
}

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer::sgd(defaults::sgd_lr())
    }
}

/// What kind of value a hyper-parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    /// A number in a range.
    Number,
    /// `true` or `false`.
    Bool,
}

/// One hyper-parameter of an optimizer: its Keras name, default and valid range. The config's
/// validation and the page's controls both read these.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ParamSpec {
    /// Keras' argument name.
    pub name: &'static str,
    /// Number or bool.
    pub kind: ParamKind,
    /// Keras' default (0 or 1 for a bool).
    pub default: f64,
    /// The smallest valid value.
    pub min: f64,
    /// Whether `min` itself is valid.
    pub min_inclusive: bool,
    /// The largest valid value.
    pub max: f64,
    /// Whether `max` itself is valid.
    pub max_inclusive: bool,
}

const fn number(
    name: &'static str,
    default: f64,
    min: f64,
    min_inclusive: bool,
    max: f64,
    max_inclusive: bool,
) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Number,
        default,
        min,
        min_inclusive,
        max,
        max_inclusive,
    }
}

const fn flag(name: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Bool,
        default: 0.0,
        min: 0.0,
        min_inclusive: true,
        max: 1.0,
        max_inclusive: true,
    }
}

const fn learning_rate(default: f64) -> ParamSpec {
    number(
        "learning_rate",
        default,
        0.0,
        false,
        MAX_LEARNING_RATE,
        true,
    )
}

/// A fraction in `[0, 1)`: momentum and decay rates.
const fn fraction(name: &'static str, default: f64) -> ParamSpec {
    number(name, default, 0.0, true, 1.0, false)
}

const EPSILON: ParamSpec = number("epsilon", 1e-7, 0.0, false, 1.0, true);

/// An optimizer's name and hyper-parameters, for validation and for the page's controls.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OptimizerSpec {
    /// The config's and Keras' name.
    pub name: &'static str,
    /// Keras' class name, for generated code.
    pub keras_class: &'static str,
    /// The hyper-parameters, in Keras' argument order.
    pub params: &'static [ParamSpec],
}

/// Every optimizer, in the order the page lists them.
pub const OPTIMIZERS: [OptimizerSpec; 3] = [
    OptimizerSpec {
        name: "sgd",
        keras_class: "SGD",
        params: &[
            learning_rate(0.01),
            fraction("momentum", 0.0),
            flag("nesterov"),
        ],
    },
    OptimizerSpec {
        name: "adam",
        keras_class: "Adam",
        params: &[
            learning_rate(0.001),
            fraction("beta_1", 0.9),
            fraction("beta_2", 0.999),
            EPSILON,
        ],
    },
    OptimizerSpec {
        name: "rmsprop",
        keras_class: "RMSprop",
        params: &[
            learning_rate(0.001),
            fraction("rho", 0.9),
            fraction("momentum", 0.0),
            EPSILON,
            flag("centered"),
        ],
    },
];

/// Which update a kernel applies: the code `shaders/optimizer.wgsl` switches on (written into
/// the WGSL prelude from here, so the two cannot disagree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum UpdateRule {
    /// `w −= lr·g`.
    Sgd = 0,
    /// SGD with momentum.
    Momentum = 1,
    /// SGD with Nesterov momentum.
    Nesterov = 2,
    /// Adam.
    Adam = 3,
    /// RMSprop (centered and momentum are flags of [`Coefficients`]).
    RmsProp = 4,
}

impl UpdateRule {
    /// Every rule with its WGSL constant name.
    pub const ALL: [(&'static str, UpdateRule); 5] = [
        ("RULE_SGD", UpdateRule::Sgd),
        ("RULE_MOMENTUM", UpdateRule::Momentum),
        ("RULE_NESTEROV", UpdateRule::Nesterov),
        ("RULE_ADAM", UpdateRule::Adam),
        ("RULE_RMSPROP", UpdateRule::RmsProp),
    ];
}

/// The `f32` constants of an update, derived from the hyper-parameters as Keras derives them:
/// a hyper-parameter multiplied with a tensor is cast to `float32` (`f32(x)`), while an
/// expression of Python floats such as `1 - beta_1` is computed in double and cast once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefficients {
    /// The update.
    pub rule: UpdateRule,
    /// `f32(learning_rate)`.
    pub learning_rate: f32,
    /// `f32(momentum)` (SGD, RMSprop).
    pub momentum: f32,
    /// `f32(beta_1)` (Adam: the base of `β₁ᵗ`).
    pub beta_1: f32,
    /// `f32(beta_2)` (Adam).
    pub beta_2: f32,
    /// `f32(1 − beta_1)`, the difference taken in double (Adam).
    pub one_minus_beta_1: f32,
    /// `f32(1 − beta_2)`, the difference taken in double (Adam).
    pub one_minus_beta_2: f32,
    /// `f32(rho)` (RMSprop).
    pub rho: f32,
    /// `f32(1 − rho)`, the difference taken in double (RMSprop).
    pub one_minus_rho: f32,
    /// `f32(epsilon)` (Adam, RMSprop).
    pub epsilon: f32,
    /// RMSprop: divide by the variance.
    pub centered: bool,
}

impl Optimizer {
    /// SGD without momentum.
    pub fn sgd(learning_rate: f64) -> Self {
        Optimizer::Sgd {
            learning_rate,
            momentum: 0.0,
            nesterov: false,
        }
    }

    /// Adam with Keras' defaults but the learning rate.
    pub fn adam(learning_rate: f64) -> Self {
        Optimizer::Adam {
            learning_rate,
            beta_1: defaults::beta_1(),
            beta_2: defaults::beta_2(),
            epsilon: defaults::epsilon(),
        }
    }

    /// RMSprop with Keras' defaults but the learning rate.
    pub fn rmsprop(learning_rate: f64) -> Self {
        Optimizer::RmsProp {
            learning_rate,
            rho: defaults::rho(),
            momentum: 0.0,
            epsilon: defaults::epsilon(),
            centered: false,
        }
    }

    /// The optimizer named `name` with Keras' defaults (`"sgd"`, `"adam"`, `"rmsprop"`).
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sgd" => Ok(Optimizer::default()),
            "adam" => Ok(Optimizer::adam(defaults::adaptive_lr())),
            "rmsprop" => Ok(Optimizer::rmsprop(defaults::adaptive_lr())),
            _ => {
                let names: Vec<&str> = OPTIMIZERS.iter().map(|s| s.name).collect();
                Err(Error::unknown("optimizer", name, &names))
            }
        }
    }

    /// The Keras name.
    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    /// This optimizer's entry of [`OPTIMIZERS`].
    pub fn spec(&self) -> &'static OptimizerSpec {
        let i = match self {
            Optimizer::Sgd { .. } => 0,
            Optimizer::Adam { .. } => 1,
            Optimizer::RmsProp { .. } => 2,
        };
        &OPTIMIZERS[i]
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f64 {
        match *self {
            Optimizer::Sgd { learning_rate, .. }
            | Optimizer::Adam { learning_rate, .. }
            | Optimizer::RmsProp { learning_rate, .. } => learning_rate,
        }
    }

    /// The same optimizer with another learning rate.
    pub fn with_learning_rate(mut self, lr: f64) -> Self {
        match &mut self {
            Optimizer::Sgd { learning_rate, .. }
            | Optimizer::Adam { learning_rate, .. }
            | Optimizer::RmsProp { learning_rate, .. } => *learning_rate = lr,
        }
        self
    }

    /// The value of the hyper-parameter `name` (a bool as 0 or 1), if this optimizer has it.
    pub fn param(&self, name: &str) -> Option<f64> {
        let b = |v: bool| f64::from(u8::from(v));
        match (*self, name) {
            (_, "learning_rate") => Some(self.learning_rate()),
            (Optimizer::Sgd { momentum, .. }, "momentum") => Some(momentum),
            (Optimizer::Sgd { nesterov, .. }, "nesterov") => Some(b(nesterov)),
            (Optimizer::Adam { beta_1, .. }, "beta_1") => Some(beta_1),
            (Optimizer::Adam { beta_2, .. }, "beta_2") => Some(beta_2),
            (Optimizer::Adam { epsilon, .. }, "epsilon") => Some(epsilon),
            (Optimizer::RmsProp { rho, .. }, "rho") => Some(rho),
            (Optimizer::RmsProp { momentum, .. }, "momentum") => Some(momentum),
            (Optimizer::RmsProp { epsilon, .. }, "epsilon") => Some(epsilon),
            (Optimizer::RmsProp { centered, .. }, "centered") => Some(b(centered)),
            _ => None,
        }
    }

    /// How many state arrays of a parameter's shape the optimizer keeps per parameter, in
    /// Keras' order (SGD: momentum; Adam: m, v; RMSprop: velocity, then momentum when
    /// `momentum > 0`, then the average gradient when centered).
    pub fn slots(&self) -> usize {
        match *self {
            Optimizer::Sgd { momentum, .. } => usize::from(momentum != 0.0),
            Optimizer::Adam { .. } => 2,
            Optimizer::RmsProp {
                momentum, centered, ..
            } => 1 + usize::from(momentum > 0.0) + usize::from(centered),
        }
    }

    /// Checks every hyper-parameter against [`OPTIMIZERS`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and its valid range.
    pub fn validate(&self) -> Result<()> {
        for p in self.spec().params {
            if p.kind != ParamKind::Number {
                continue;
            }
            let v = self.param(p.name).unwrap_or(p.default);
            let above = if p.min_inclusive {
                v >= p.min
            } else {
                v > p.min
            };
            let below = if p.max_inclusive {
                v <= p.max
            } else {
                v < p.max
            };
            if !v.is_finite() || !above || !below {
                return Err(Error::invalid(
                    p.name,
                    format!(
                        "{v} (must be finite, {} {} and {} {})",
                        if p.min_inclusive { "≥" } else { ">" },
                        p.min,
                        if p.max_inclusive { "≤" } else { "<" },
                        p.max
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The `f32` constants of the update, derived as Keras derives them.
    pub fn coefficients(&self) -> Coefficients {
        let f = |v: f64| v as f32;
        let mut c = Coefficients {
            rule: UpdateRule::Sgd,
            learning_rate: f(self.learning_rate()),
            momentum: 0.0,
            beta_1: 0.0,
            beta_2: 0.0,
            one_minus_beta_1: 0.0,
            one_minus_beta_2: 0.0,
            rho: 0.0,
            one_minus_rho: 0.0,
            epsilon: 0.0,
            centered: false,
        };
        match *self {
            Optimizer::Sgd {
                momentum, nesterov, ..
            } => {
                c.momentum = f(momentum);
                c.rule = match (momentum != 0.0, nesterov) {
                    (false, _) => UpdateRule::Sgd,
                    (true, false) => UpdateRule::Momentum,
                    (true, true) => UpdateRule::Nesterov,
                };
            }
            Optimizer::Adam {
                beta_1,
                beta_2,
                epsilon,
                ..
            } => {
                c.rule = UpdateRule::Adam;
                c.beta_1 = f(beta_1);
                c.beta_2 = f(beta_2);
                c.one_minus_beta_1 = f(1.0 - beta_1);
                c.one_minus_beta_2 = f(1.0 - beta_2);
                c.epsilon = f(epsilon);
            }
            Optimizer::RmsProp {
                rho,
                momentum,
                epsilon,
                centered,
                ..
            } => {
                c.rule = UpdateRule::RmsProp;
                c.rho = f(rho);
                c.one_minus_rho = f(1.0 - rho);
                c.momentum = f(momentum);
                c.epsilon = f(epsilon);
                c.centered = centered;
            }
        }
        c
    }
}

impl Coefficients {
    /// How many state arrays the update reads and writes (see [`Optimizer::slots`]).
    pub fn slots(&self) -> usize {
        match self.rule {
            UpdateRule::Sgd => 0,
            UpdateRule::Momentum | UpdateRule::Nesterov => 1,
            UpdateRule::Adam => 2,
            UpdateRule::RmsProp => {
                1 + usize::from(self.momentum > 0.0) + usize::from(self.centered)
            }
        }
    }

    /// Updates `param` in place on the host (the CPU backend's kernel and the tests'
    /// reference), in Keras' order of operations.
    ///
    /// `slots` holds [`Optimizer::slots`] arrays of the parameter's length; `iteration` is the
    /// 1-based iteration of this update (Keras' `iterations + 1`).
    pub fn update(
        &self,
        param: &mut [f32],
        grad: &[f32],
        slots: &mut [&mut [f32]],
        iteration: u64,
    ) {
        let lr = self.learning_rate;
        match self.rule {
            UpdateRule::Sgd => {
                for (w, g) in param.iter_mut().zip(grad) {
                    *w -= g * lr;
                }
            }
            UpdateRule::Momentum | UpdateRule::Nesterov => {
                let mu = self.momentum;
                let nesterov = self.rule == UpdateRule::Nesterov;
                for ((w, g), m) in param.iter_mut().zip(grad).zip(slots[0].iter_mut()) {
                    *m = *m * mu - g * lr;
                    if nesterov {
                        *w += *m * mu - g * lr;
                    } else {
                        *w += *m;
                    }
                }
            }
            UpdateRule::Adam => {
                let alpha = self.adam_alpha(iteration);
                let (m, v) = slots.split_at_mut(1);
                let (m, v) = (&mut *m[0], &mut *v[0]);
                for i in 0..param.len() {
                    let g = grad[i];
                    m[i] += (g - m[i]) * self.one_minus_beta_1;
                    v[i] += (g * g - v[i]) * self.one_minus_beta_2;
                    param[i] -= (m[i] * alpha) / (v[i].sqrt() + self.epsilon);
                }
            }
            UpdateRule::RmsProp => {
                let with_momentum = self.momentum > 0.0;
                let (velocity, rest) = slots.split_at_mut(1);
                let velocity = &mut *velocity[0];
                let (momentum, rest) = if with_momentum {
                    let (m, r) = rest.split_at_mut(1);
                    (Some(&mut *m[0]), r)
                } else {
                    (None, rest)
                };
                let mut average = if self.centered {
                    Some(&mut *rest[0])
                } else {
                    None
                };
                let mut momentum = momentum;
                for i in 0..param.len() {
                    let g = grad[i];
                    velocity[i] = self.rho * velocity[i] + self.one_minus_rho * (g * g);
                    let denominator = match average.as_deref_mut() {
                        Some(avg) => {
                            avg[i] = self.rho * avg[i] + self.one_minus_rho * g;
                            velocity[i] - avg[i] * avg[i] + self.epsilon
                        }
                        None => velocity[i] + self.epsilon,
                    };
                    let increment = (lr * g) / denominator.sqrt();
                    match momentum.as_deref_mut() {
                        Some(m) => {
                            m[i] = self.momentum * m[i] + increment;
                            param[i] -= m[i];
                        }
                        None => param[i] -= increment,
                    }
                }
            }
        }
    }

    /// Adam's step size at 1-based iteration `t`: `lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, with `t` cast to
    /// `float32` and the powers taken in `float32`, as Keras does.
    pub fn adam_alpha(&self, iteration: u64) -> f32 {
        let t = iteration as f32;
        let beta_1_power = libm::powf(self.beta_1, t);
        let beta_2_power = libm::powf(self.beta_2, t);
        self.learning_rate * (1.0 - beta_2_power).sqrt() / (1.0 - beta_1_power)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(opt: Optimizer, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>], t: u64) {
        let mut views: Vec<&mut [f32]> = slots.iter_mut().map(|s| s.as_mut_slice()).collect();
        opt.coefficients().update(w, g, &mut views, t);
    }

    #[test]
    fn sgd_momentum_and_nesterov_by_hand() {
        let mut w = [1.0f32];
        let mut s = vec![vec![0.0f32]];
        let opt = Optimizer::Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: false,
        };
        step(opt, &mut w, &[2.0], &mut s, 1);
        assert!((s[0][0] + 0.2).abs() < 1e-7 && (w[0] - 0.8).abs() < 1e-7);
        step(opt, &mut w, &[2.0], &mut s, 2);
        // m = -0.18 - 0.2 = -0.38, w = 0.42
        assert!((w[0] - 0.42).abs() < 1e-6);
        let nest = Optimizer::Sgd {
            learning_rate: 0.1,
            momentum: 0.9,
            nesterov: true,
        };
        let (mut w, mut s) = ([1.0f32], vec![vec![0.0f32]]);
        step(nest, &mut w, &[2.0], &mut s, 1);
        // m = -0.2; w += 0.9*(-0.2) - 0.2 = -0.38
        assert!((w[0] - 0.62).abs() < 1e-6);
    }

    #[test]
    fn adam_first_step_moves_by_lr() {
        let (mut w, mut s) = ([1.0f32], vec![vec![0.0f32], vec![0.0f32]]);
        step(Optimizer::adam(0.01), &mut w, &[3.0], &mut s, 1);
        assert!((w[0] - 0.99).abs() < 1e-5, "{}", w[0]);
    }

    #[test]
    fn one_minus_beta_is_taken_in_double_as_keras_does() {
        let c = Optimizer::adam(0.01).coefficients();
        // 1 - 0.9 in double, then float32: 0.1f32; in float32 it would be 0.100000024.
        assert_eq!(c.one_minus_beta_1, 0.1f32);
        assert_ne!(c.one_minus_beta_1, 1.0 - 0.9f32);
        assert_eq!(c.one_minus_beta_2, (1.0f64 - 0.999) as f32);
        // The bias step of the example: g = -4.384161, lr 0.01, one step from zero.
        let (mut w, mut s) = ([0.0f32], vec![vec![0.0f32], vec![0.0f32]]);
        step(Optimizer::adam(0.01), &mut w, &[-4.384161], &mut s, 1);
        assert_eq!(w[0], 0.009_999_925, "Keras moves the bias by 0.009999925");
    }

    #[test]
    fn rmsprop_by_hand() {
        // v = 0.1·4 = 0.4; Δ = 0.01·2/√(0.4 + 1e-7).
        let (mut w, mut s) = ([1.0f32], vec![vec![0.0f32]]);
        step(Optimizer::rmsprop(0.01), &mut w, &[2.0], &mut s, 1);
        let want = 1.0 - 0.02 / (0.4f32 + 1e-7).sqrt();
        assert!((w[0] - want).abs() < 1e-7, "{} vs {want}", w[0]);
        // Centered with momentum: slots are velocity, momentum, average gradient.
        let opt = Optimizer::RmsProp {
            learning_rate: 0.01,
            rho: 0.9,
            momentum: 0.5,
            epsilon: 1e-7,
            centered: true,
        };
        assert_eq!(opt.slots(), 3);
        let (mut w, mut s) = ([1.0f32], vec![vec![0.0f32]; 3]);
        step(opt, &mut w, &[2.0], &mut s, 1);
        // v = 0.4, ḡ = 0.2, d = 0.4 - 0.04 + 1e-7, Δ = 0.02/√d, m = Δ.
        let delta = 0.02 / (0.36f32 + 1e-7).sqrt();
        assert!((s[2][0] - 0.2).abs() < 1e-7);
        assert!((s[1][0] - delta).abs() < 1e-6);
        assert!((w[0] - (1.0 - delta)).abs() < 1e-6);
    }

    #[test]
    fn bad_hyper_parameters_are_named() {
        for lr in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let msg = Optimizer::sgd(lr).validate().unwrap_err().to_string();
            assert!(msg.starts_with("invalid learning_rate"), "{msg}");
        }
        let bad = Optimizer::Sgd {
            learning_rate: 0.1,
            momentum: 1.0,
            nesterov: false,
        };
        let msg = bad.validate().unwrap_err().to_string();
        assert!(msg.contains("momentum") && msg.contains("< 1"), "{msg}");
        let bad = Optimizer::RmsProp {
            learning_rate: 0.1,
            rho: -0.1,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
        };
        assert!(bad.validate().unwrap_err().to_string().contains("rho"));
        assert!(Optimizer::from_name("adagrad")
            .unwrap_err()
            .to_string()
            .contains("sgd, adam, rmsprop"));
    }

    #[test]
    fn every_spec_parameter_is_readable_and_defaults_are_valid() {
        for spec in OPTIMIZERS {
            let opt = Optimizer::from_name(spec.name).unwrap();
            assert_eq!(opt.name(), spec.name);
            opt.validate().unwrap();
            for p in spec.params {
                assert_eq!(
                    opt.param(p.name),
                    Some(p.default),
                    "{} {}",
                    spec.name,
                    p.name
                );
            }
        }
    }
}
