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
    /// Which of the update's state arrays the WGSL kernel's three state bindings `s0`, `s1`,
    /// `s2` hold (`None`: unused). SGD: `s0` momentum. Adam: `s0` m, `s1` v. RMSprop: `s0`
    /// velocity, `s1` momentum (when `momentum > 0`), `s2` average gradient (when centered);
    /// its slots are in Keras' order, velocity, momentum, average, the optional ones left out.
    pub fn state_bindings(&self) -> [Option<usize>; 3] {
        match self.rule {
            UpdateRule::Sgd => [None, None, None],
            UpdateRule::Momentum | UpdateRule::Nesterov => [Some(0), None, None],
            UpdateRule::Adam => [Some(0), Some(1), None],
            UpdateRule::RmsProp => {
                let momentum = self.momentum > 0.0;
                [
                    Some(0),
                    momentum.then_some(1),
                    self.centered.then_some(1 + usize::from(momentum)),
                ]
            }
        }
    }

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
    /// reference), with the arithmetic of Keras' jitted training step.
    ///
    /// `slots` holds [`Optimizer::slots`] arrays of the parameter's length; `iteration` is the
    /// 1-based iteration of this update (Keras' `iterations + 1`).
    ///
    /// `train_on_batch` and `fit` run the step compiled by XLA, which contracts `a·b + c` into
    /// one fused multiply-add (rounded once) wherever the product feeds an addition, and turns
    /// RMSprop's `x / sqrt(d)` into `x · rsqrt(d)` with its own `rsqrt` ([`xla::rsqrt`]).
    /// `f32::mul_add` is a correctly rounded fma on every target, so each `mul_add` below is
    /// one of XLA's fused operations, in XLA's operand order; the comments give Keras' formula.
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
                // w - g·lr
                for (w, g) in param.iter_mut().zip(grad) {
                    *w = (-g).mul_add(lr, *w);
                }
            }
            UpdateRule::Momentum | UpdateRule::Nesterov => {
                let mu = self.momentum;
                let nesterov = self.rule == UpdateRule::Nesterov;
                for ((w, g), m) in param.iter_mut().zip(grad).zip(slots[0].iter_mut()) {
                    // m = m·μ - g·lr; plain: w + m; Nesterov: w + (m·μ - g·lr) with the new m.
                    let step = -(g * lr);
                    *m = m.mul_add(mu, step);
                    *w += if nesterov { m.mul_add(mu, step) } else { *m };
                }
            }
            UpdateRule::Adam => {
                let alpha = self.adam_alpha(iteration);
                let (c1, c2, eps) = (self.one_minus_beta_1, self.one_minus_beta_2, self.epsilon);
                let (m, v) = slots.split_at_mut(1);
                let (m, v) = (&mut *m[0], &mut *v[0]);
                for i in 0..param.len() {
                    let g = grad[i];
                    // m + (g - m)·c1; v + (g² - v)·c2; w - (m·α) / (√v + ε), the last unfused.
                    m[i] = (g - m[i]).mul_add(c1, m[i]);
                    v[i] = g.mul_add(g, -v[i]).mul_add(c2, v[i]);
                    param[i] -= (m[i] * alpha) / (v[i].sqrt() + eps);
                }
            }
            UpdateRule::RmsProp => self.rmsprop(param, grad, slots),
        }
    }

    /// RMSprop's update (see [`Coefficients::update`]).
    fn rmsprop(&self, param: &mut [f32], grad: &[f32], slots: &mut [&mut [f32]]) {
        let (lr, rho, c, eps, mu) = (
            self.learning_rate,
            self.rho,
            self.one_minus_rho,
            self.epsilon,
            self.momentum,
        );
        let (velocity, rest) = slots.split_at_mut(1);
        let velocity = &mut *velocity[0];
        let (mut momentum, rest) = if mu > 0.0 {
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
        for i in 0..param.len() {
            let g = grad[i];
            // velocity = ρ·velocity + (1-ρ)·g²
            velocity[i] = rho.mul_add(velocity[i], (g * g) * c);
            let denominator = match average.as_deref_mut() {
                Some(avg) => {
                    // average = ρ·average + (1-ρ)·g; d = (velocity - average²) + ε
                    avg[i] = rho.mul_add(avg[i], c * g);
                    (-avg[i]).mul_add(avg[i], velocity[i]) + eps
                }
                None => velocity[i] + eps,
            };
            // increment = (lr·g) / √d, computed as (lr·g)·rsqrt(d)
            let scaled = lr * g;
            let r = xla::rsqrt(denominator);
            match momentum.as_deref_mut() {
                Some(m) => {
                    // m = μ·m + increment; w - m
                    m[i] = mu.mul_add(m[i], scaled * r);
                    param[i] -= m[i];
                }
                None => param[i] = (-scaled).mul_add(r, param[i]),
            }
        }
    }

    /// Adam's step size at 1-based iteration `t`: `(lr·√(1−β₂ᵗ)) / (1−β₁ᵗ)` in `float32`, with
    /// `t` cast to `float32` and the powers taken as XLA takes them ([`xla::powf`]).
    pub fn adam_alpha(&self, iteration: u64) -> f32 {
        let t = iteration as f32;
        let beta_1_power = xla::powf(self.beta_1, t);
        let beta_2_power = xla::powf(self.beta_2, t);
        (self.learning_rate * (1.0 - beta_2_power).sqrt()) / (1.0 - beta_1_power)
    }
}

/// The two functions of XLA's CPU code (as jaxlib runs it on x86-64) whose results are not the
/// correctly rounded ones, reproduced bit for bit.
pub mod xla {
    /// `x^y` as XLA computes it on the CPU: a call to the C library's `powf` (glibc's, the
    /// Arm optimized-routines algorithm: `exp2(y·log2 x)` in double, through a 16-entry `log2`
    /// table and a 32-entry `exp2` table), then a result below the smallest normal `f32` flushed
    /// to zero, since XLA runs with denormals flushed. Not the correctly rounded power: for
    /// `0.999^873` the correctly rounded value is one ulp away.
    ///
    /// The domain Adam needs: `x` in `[0, 1]` and `y` a whole number ≥ 1 (any positive `y`
    /// works). Outside it (negative or non-finite operands) the result is unspecified.
    pub fn powf(x: f32, y: f32) -> f32 {
        // A subnormal base reads as zero (denormals are zero), and 0^y = 0 for y > 0.
        if !x.is_normal() {
            return if x.is_infinite() || x.is_nan() {
                f32::NAN
            } else {
                0.0
            };
        }
        let ylogx = f64::from(y) * log2(x.to_bits());
        if ylogx <= -150.0 {
            return 0.0;
        }
        flush(exp2(ylogx))
    }

    /// A subnormal result read as zero, as with the flush-to-zero mode XLA sets.
    fn flush(v: f32) -> f32 {
        if v.abs() < f32::MIN_POSITIVE {
            0.0f32.copysign(v)
        } else {
            v
        }
    }

    /// glibc's `powf_log2_data`: `(1/c, log2 c)` for the 16 subintervals of `[0x3f330000, 2·…)`.
    const LOG2_TABLE: [(u64, u64); 16] = [
        (0x3ff661ec79f8f3be, 0xbfdefec65b963019),
        (0x3ff571ed4aaf883d, 0xbfdb0b6832d4fca4),
        (0x3ff49539f0f010b0, 0xbfd7418b0a1fb77b),
        (0x3ff3c995b0b80385, 0xbfd39de91a6dcf7b),
        (0x3ff30d190c8864a5, 0xbfd01d9bf3f2b631),
        (0x3ff25e227b0b8ea0, 0xbfc97c1d1b3b7af0),
        (0x3ff1bb4a4a1a343f, 0xbfc2f9e393af3c9f),
        (0x3ff12358f08ae5ba, 0xbfb960cbbf788d5c),
        (0x3ff0953f419900a7, 0xbfaa6f9db6475fce),
        (0x3ff0000000000000, 0x0000000000000000),
        (0x3fee608cfd9a47ac, 0x3fb338ca9f24f53d),
        (0x3feca4b31f026aa0, 0x3fc476a9543891ba),
        (0x3feb2036576afce6, 0x3fce840b4ac4e4d2),
        (0x3fe9c2d163a1aa2d, 0x3fd40645f0c6651c),
        (0x3fe886e6037841ed, 0x3fd88e9c2c1b9ff8),
        (0x3fe767dcf5534862, 0x3fdce0a44eb17bcc),
    ];

    /// glibc's `log2(1 + r)` polynomial for `powf`.
    const LOG2_POLY: [u64; 5] = [
        0x3fd27616c9496e0b,
        0xbfd71969a075c67a,
        0x3fdec70a6ca7badd,
        0xbfe7154748bef6c8,
        0x3ff71547652ab82b,
    ];

    /// glibc's `exp2f_data.tab`: the bits of `2^(i/32)` minus `i << 47`.
    const EXP2_TABLE: [u64; 32] = [
        0x3ff0000000000000,
        0x3fefd9b0d3158574,
        0x3fefb5586cf9890f,
        0x3fef9301d0125b51,
        0x3fef72b83c7d517b,
        0x3fef54873168b9aa,
        0x3fef387a6e756238,
        0x3fef1e9df51fdee1,
        0x3fef06fe0a31b715,
        0x3feef1a7373aa9cb,
        0x3feedea64c123422,
        0x3feece086061892d,
        0x3feebfdad5362a27,
        0x3feeb42b569d4f82,
        0x3feeab07dd485429,
        0x3feea47eb03a5585,
        0x3feea09e667f3bcd,
        0x3fee9f75e8ec5f74,
        0x3feea11473eb0187,
        0x3feea589994cce13,
        0x3feeace5422aa0db,
        0x3feeb737b0cdc5e5,
        0x3feec49182a3f090,
        0x3feed503b23e255d,
        0x3feee89f995ad3ad,
        0x3feeff76f2fb5e47,
        0x3fef199bdd85529c,
        0x3fef3720dcef9069,
        0x3fef5818dcfba487,
        0x3fef7c97337b9b5f,
        0x3fefa4afa2a490da,
        0x3fefd0765b6e4540,
    ];

    /// glibc's `2^r` polynomial (`exp2f_data.poly`).
    const EXP2_POLY: [u64; 3] = [0x3fac6af84b912394, 0x3fcebfce50fac4f3, 0x3fe62e42ff0c52d6];

    fn d(bits: u64) -> f64 {
        f64::from_bits(bits)
    }

    /// `log2` of the positive normal `f32` with bits `ix`, in double (glibc's `log2_inline`).
    fn log2(ix: u32) -> f64 {
        const OFF: u32 = 0x3f33_0000;
        // x = 2^k·z with z in [OFF, 2·OFF), and z's subinterval i.
        let tmp = ix.wrapping_sub(OFF);
        let i = ((tmp >> 19) % 16) as usize;
        let top = tmp & 0xff80_0000;
        let z = f64::from(f32::from_bits(ix.wrapping_sub(top)));
        let k = f64::from((top as i32) >> 23);
        let (invc, logc) = (d(LOG2_TABLE[i].0), d(LOG2_TABLE[i].1));
        let a = LOG2_POLY.map(d);
        // log2(x) = log1p(z/c - 1)/ln 2 + log2(c) + k, each operation rounded (no fma).
        let r = z * invc - 1.0;
        let y0 = logc + k;
        let r2 = r * r;
        let y = a[0] * r + a[1];
        let p = a[2] * r + a[3];
        let r4 = r2 * r2;
        let q = a[4] * r + y0;
        let q = p * r2 + q;
        y * r4 + q
    }

    /// `2^x` rounded to `f32`, for `-150 < x < 128` (glibc's `exp2_inline`).
    fn exp2(x: f64) -> f32 {
        // x = k/32 + r with |r| ≤ 1/64: adding 1.5·2^47 rounds x to a multiple of 1/32.
        let shift = 1.5 * 2f64.powi(47);
        let kd = x + shift;
        let ki = kd.to_bits();
        let r = x - (kd - shift);
        let s = f64::from_bits(EXP2_TABLE[(ki % 32) as usize].wrapping_add(ki << 47));
        let c = EXP2_POLY.map(d);
        let z = c[0] * r + c[1];
        let r2 = r * r;
        let y = c[2] * r + 1.0;
        ((z * r2 + y) * s) as f32
    }

    /// `1/√x` as XLA's CPU code computes `rsqrt` (it also turns `x / sqrt(d)` into
    /// `x · rsqrt(d)`): the processor's `rsqrtss`/`rsqrtps` estimate `y₀` refined by one
    /// Newton step with fused multiply-adds, `y₀ + (−½·y₀)·fma(x·y₀, y₀, −1)`, for a positive
    /// normal `x`; for other `x` the estimate alone (`+∞` for `+0` and subnormals, `0` for `+∞`).
    ///
    /// The estimate is the one of the machine that ran Keras for the fixtures (AMD Zen 4,
    /// `cpu family 25 model 17`). It depends on the exponent's parity and the top 12 bits of
    /// the mantissa only, and has 12 bits of mantissa; other processors (Intel's) use another
    /// table, so Keras itself gives other last bits there.
    pub fn rsqrt(x: f32) -> f32 {
        use core::num::FpCategory::{Normal, Subnormal, Zero};
        match x.classify() {
            Normal if x > 0.0 => {
                let y0 = rsqrt_estimate(x);
                let h = y0 * -0.5;
                let u = (x * y0).mul_add(y0, -1.0);
                h.mul_add(u, y0)
            }
            _ if x == f32::INFINITY => 0.0,
            // Subnormals read as zero; +0 and −0 differ because XLA refines −0's estimate (−∞)
            // into NaN.
            Zero | Subnormal if x.is_sign_positive() => f32::INFINITY,
            Subnormal => f32::NEG_INFINITY,
            _ => f32::NAN,
        }
    }

    /// The `rsqrtps` estimate (see [`rsqrt`]) of a positive normal `x`.
    fn rsqrt_estimate(x: f32) -> f32 {
        let bits = x.to_bits();
        let e = (bits >> 23) as i32 - 127;
        let parity = e & 1;
        let mantissa = RSQRT_TABLE[parity as usize * 4096 + ((bits >> 11) & 0xfff) as usize];
        // The table gives 1/√(m·2^parity) in [0.5, 1) (exponent −1); the rest of the exponent
        // halves exactly.
        let exponent = (126 - (e - parity) / 2) as u32;
        f32::from_bits((exponent << 23) | (u32::from(mantissa) << 11))
    }

    /// The 12 mantissa bits of the estimate for each exponent parity (`x` in `[1, 2)`, then
    /// `[2, 4)`) and each value of the top 12 bits of `x`'s mantissa.
    static RSQRT_TABLE: [u16; 8192] = unpack_rsqrt();

    /// The first entry of each half of [`RSQRT_TABLE`].
    const RSQRT_FIRST: [u16; 2] = [0xfff, 0x6a0];

    /// How much each entry of [`RSQRT_TABLE`] is below the previous one (0, 1 or 2), two bits
    /// each, 32 entries per word from the low bits, the first entry's delta being 0. Read from
    /// `rsqrtps` over every `f32` in `[1, 4)` on that processor; the estimate is checked against
    /// XLA's `rsqrt` by the tests below.
    #[rustfmt::skip]
    const RSQRT_DELTAS: [u64; 256] = [
    0x5554555655545554, 0x5554555555545556, 0x5554555655545556, 0x5554555555545555,
    0x5554555555545556, 0x5554555555545555, 0x5554555555545555, 0x5554555455545555,
    0x5455545654555455, 0x5455545654555455, 0x5455545554555455, 0x5455545554555455,
    0x5455545554555455, 0x5455545554555455, 0x5455545454555455, 0x5455545454555455,
    0x4554551545545515, 0x4554551545545516, 0x4554551545545515, 0x4554551545545515,
    0x4554551545545515, 0x4554551545545514, 0x4554551445545515, 0x4554551445545515,
    0x4545451545454515, 0x4545451545454516, 0x4545451545454515, 0x4545451545454515,
    0x4545451545454515, 0x4545451545454514, 0x4545451445454515, 0x4545451445454515,
    0x4514545145145452, 0x4514545245145451, 0x4514545145145451, 0x4514545145145451,
    0x4514545145145451, 0x4514545145145451, 0x4514545145145451, 0x4514545145145450,
    0x5144514451445145, 0x5144514451445145, 0x5144514451445145, 0x5144514451445145,
    0x5144514451445144, 0x5144514451445145, 0x5144514451445144, 0x5144514451445144,
    0x4514445145144450, 0x4514445145144451, 0x4514445045144451, 0x4514445145144451,
    0x4514445145144450, 0x4514445145144450, 0x4514445145144450, 0x4514445045144450,
    0x1444511114445111, 0x1444511214445111, 0x1444511114445111, 0x1444511114445111,
    0x1444511114445111, 0x1444511114445111, 0x1444511014445111, 0x1444511114445111,
    0x4444444544444444, 0x4444444444444445, 0x4444444444444445, 0x4444444444444445,
    0x4444444444444445, 0x4444444444444445, 0x4444444544444444, 0x4444444444444444,
    0x1111111111111111, 0x1111111111111111, 0x1111111111111111, 0x1111111111111111,
    0x1111111111111111, 0x1111111111111111, 0x1111111011111111, 0x1111111111111111,
    0x4444111144441111, 0x4444111144441110, 0x4444111044441111, 0x4444111044441111,
    0x4444111044441111, 0x4444111044441111, 0x4444111044441111, 0x4444111144441110,
    0x4111104441111044, 0x4111104441111044, 0x4111104441111045, 0x4111104441111044,
    0x4111104441111044, 0x4111104441111044, 0x4111104441111044, 0x4111104441111044,
    0x1110441111104411, 0x1110441011104411, 0x1110441111104411, 0x1110441111104411,
    0x1110441111104410, 0x1110441011104411, 0x1110441111104411, 0x1110441111104410,
    0x4104411141044110, 0x4104411141044110, 0x4104411141044110, 0x4104411141044110,
    0x4104411041044110, 0x4104411041044111, 0x4104411141044110, 0x4104411041044110,
    0x4110441041104411, 0x4110441041104410, 0x4110441041104410, 0x4110441141104410,
    0x4110441041104410, 0x4110441041104410, 0x4110441041104410, 0x4110441041104410,
    0x1041104110411040, 0x1041104110411041, 0x1041104010411041, 0x1041104110411041,
    0x1041104110411041, 0x1041104110411040, 0x1041104110411041, 0x1041104110411040,
    0x4514514545145144, 0x4514514645145145, 0x4514514445145145, 0x4514514545145145,
    0x4514514545145145, 0x4514514545145144, 0x4514514445145145, 0x4514514445145145,
    0x1451445114514451, 0x1451445214514451, 0x1451445114514451, 0x1451445114514451,
    0x1451445014514451, 0x1451445114514451, 0x1451445014514451, 0x1451445014514451,
    0x1114445211144451, 0x1114445111144451, 0x1114445111144452, 0x1114445111144451,
    0x1114445111144451, 0x1114445111144451, 0x1114445111144451, 0x1114445111144451,
    0x4444445044444451, 0x4444445144444451, 0x4444445144444450, 0x4444445144444450,
    0x4444445044444450, 0x4444445044444451, 0x4444445144444450, 0x4444445044444450,
    0x1111111111111110, 0x1111111111111111, 0x1111111111111111, 0x1111111111111111,
    0x1111111111111111, 0x1111111111111110, 0x1111111011111111, 0x1111111011111111,
    0x4111110441111105, 0x4111110441111105, 0x4111110441111105, 0x4111110541111104,
    0x4111110441111104, 0x4111110541111104, 0x4111110441111104, 0x4111110441111104,
    0x1044411110444110, 0x1044411110444111, 0x1044411110444111, 0x1044411110444111,
    0x1044411110444110, 0x1044411110444111, 0x1044411110444110, 0x1044411010444111,
    0x1104411011044111, 0x1104411011044111, 0x1104411011044111, 0x1104411011044111,
    0x1104411111044110, 0x1104411011044110, 0x1104411011044111, 0x1104411011044110,
    0x0441044104410441, 0x0441044104410441, 0x0441044104410441, 0x0441044104410441,
    0x0441044104410441, 0x0441044104410441, 0x0441044104410441, 0x0441044004410441,
    0x1041041110410411, 0x1041041010410411, 0x1041041110410411, 0x1041041010410411,
    0x1041041010410411, 0x1041041110410411, 0x1041041110410410, 0x1041041110410410,
    0x1041041010410410, 0x1041041010410411, 0x1041041010410411, 0x1041041110410410,
    0x1041041010410410, 0x1041041010410411, 0x1041041010410410, 0x1041041110410410,
    0x1010410410104104, 0x1010410410104104, 0x1010410410104104, 0x1010410410104104,
    0x1010410410104104, 0x1010410410104104, 0x1010410410104104, 0x1010410410104104,
    0x0410104004101041, 0x0410104104101041, 0x0410104104101041, 0x0410104004101041,
    0x0410104104101041, 0x0410104004101041, 0x0410104104101041, 0x0410104104101040,
    0x0410104004101041, 0x0410104004101041, 0x0410104104101041, 0x0410104104101040,
    0x0410104104101040, 0x0410104104101040, 0x0410104104101040, 0x0410104004101040,
    0x1010101010101011, 0x1010101010101011, 0x1010101110101010, 0x1010101010101010,
    0x1010101010101011, 0x1010101010101010, 0x1010101010101011, 0x1010101010101010,
    0x1010101010101011, 0x1010101010101010, 0x1010101010101010, 0x1010101110101010,
    0x1010101010101010, 0x1010101010101010, 0x1010101010101010, 0x1010101010101010,
    ];

    const fn unpack_rsqrt() -> [u16; 8192] {
        let mut table = [0u16; 8192];
        let mut half = 0;
        while half < 2 {
            let mut value = RSQRT_FIRST[half];
            let mut i = 0;
            while i < 4096 {
                let n = half * 4096 + i;
                value -= ((RSQRT_DELTAS[n / 32] >> (2 * (n % 32))) & 3) as u16;
                table[n] = value;
                i += 1;
            }
            half += 1;
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(opt: Optimizer, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>], t: u64) {
        let mut views: Vec<&mut [f32]> = slots.iter_mut().map(|s| s.as_mut_slice()).collect();
        opt.coefficients().update(w, g, &mut views, t);
    }

    /// `f32` values from their bits.
    fn f(bits: &[u32]) -> Vec<f32> {
        bits.iter().map(|b| f32::from_bits(*b)).collect()
    }

    /// Four steps of each rule on eight weights, from Keras' own jitted update: the bits of
    /// `jax.jit(lambda st, w, g: opt.stateless_apply(st, [g], [w]))` applied four times
    /// (Keras 3.15.1, jax 0.10.2, CPU) to the weights and gradients below, drawn with
    /// `np.random.default_rng(seed)` as noted; for each, the seed is the first one where the
    /// unfused float32 formulas differ from Keras in at least two weights.
    #[test]
    fn updates_match_keras_jitted_step_bit_for_bit() {
        #[allow(clippy::type_complexity)]
        #[rustfmt::skip]
        let cases: [(Optimizer, [u32; 8], [[u32; 8]; 4], [u32; 8], &[[u32; 8]]); 5] = [
            // keras.optimizers.SGD(0.01), seed 29: plain formulas differ in 2 of 8
            (
                Optimizer::sgd(0.01),
                [0xbec8a32a, 0x3d4c7956, 0xbe29279c, 0xbe2c002b, 0x3d803cc1, 0xbe6720ce, 0x3e980643, 0xbd4843e1],
                [[0x3e432838, 0xbe61b83b, 0xbdf7ce2c, 0xbe930d1d, 0xbf0f6d2a, 0xbf3fbd98, 0x3ca53aeb, 0xbe8ea886], [0xbef46988, 0x3eafcffc, 0x3eeefb03, 0x3f105dbe, 0x3f429d7e, 0x401ce948, 0x3e781582, 0x3e01f0d8], [0xbda6c130, 0x3dd92507, 0x3e07f16b, 0x3cb0c994, 0xbb7e6202, 0x3cdca67f, 0xbdc9883b, 0xbcd2295d], [0x3f9818aa, 0xbf2dbdcc, 0x3e7e8434, 0x3efdd62c, 0x3f3d5aab, 0xbe9665d9, 0xbef0dac7, 0xbfbec467]],
                [0xbeccd603, 0x3d5ee4bd, 0xbe309994, 0xbe3421ca, 0x3d5a2594, 0xbe75d50b, 0x3e9997d8, 0xbd03f42d],
                &[],
            ),
            // keras.optimizers.SGD(0.05, 0.9), seed 47: plain formulas differ in 2 of 8
            (
                Optimizer::Sgd { learning_rate: 0.05, momentum: 0.9, nesterov: false },
                [0xbf2a9b9c, 0x3dc7945f, 0xbff327a1, 0xbff85435, 0xbfb48be4, 0xbf4cf362, 0xbf3bee26, 0xbee9e476],
                [[0xbad56607, 0xbbf49644, 0x3823d57e, 0x3ba5bdd1, 0x3b182ca3, 0x3bf64fd6, 0x3c7fd735, 0xbbaffa92], [0xbf45cd7d, 0xbd39c8d7, 0x3f3c5477, 0x3f7edae7, 0x3f00a897, 0x3f049cc9, 0x3f779024, 0x3d8fe302], [0xbf2a5d00, 0xbfbf26c5, 0xc0044e2a, 0x3fbb143e, 0x3f22dc03, 0xbf030f2a, 0xbf1fcf59, 0xbf0f5d1d], [0xbd8f0fa4, 0xbd13265f, 0x3da312b9, 0x3cbca35e, 0xbdfc0e6f, 0x3db4386c, 0x3d87186c, 0x3c380781]],
                [0xbefd4f7e, 0x3e7e8312, 0xbfe7495f, 0xc00dd033, 0xbfc44328, 0xbf53ed26, 0xbf4fd328, 0xbed3579c],
                &[[0x3d84b186, 0x3d91a08b, 0x3d72b03a, 0xbddc016b, 0xbd2fc543, 0xbb2b6ea5, 0xbc74cb58, 0x3cb42311]],
            ),
            // keras.optimizers.Adam(0.02, 0.5, 0.9, 1e-3), seed 46: plain formulas differ in 3 of 8
            (
                Optimizer::Adam { learning_rate: 0.02, beta_1: 0.5, beta_2: 0.9, epsilon: 1e-3 },
                [0xbf00bf19, 0x3f9be3d5, 0xbe8ad02a, 0x3f3aed4b, 0xbf95abce, 0xbfb6f8c5, 0xbcbea690, 0xbee54510],
                [[0x3a035b0a, 0x3b43db64, 0x3aebc6a3, 0xbb057881, 0xbbad2439, 0xbbc4461d, 0x3aafef57, 0x3c202b2b], [0xbe4228f3, 0xbce341c6, 0x3e014a31, 0x3cfb6c74, 0xbe4bdfb7, 0x3aeba323, 0x3db1904a, 0x3e087d5e], [0xbab2c153, 0x3adb28e5, 0x3bd129b2, 0x3b7e676e, 0xbb6e6a08, 0x3b51a7bd, 0xbabd144f, 0xb9d798b3], [0x3be1a25d, 0x3d1abaa5, 0xbcb2fc7e, 0x3c9ce161, 0x3ae11eb7, 0x3c94a056, 0x3c9b4dd0, 0xbb1d1e33]],
                [0xbef23380, 0x3f9be481, 0xbe9e5c84, 0x3f322676, 0xbf8fb676, 0xbfb7d75a, 0xbd86f608, 0xbefe39e9],
                &[[0xbca87dff, 0x3c8346c6, 0x3bd7294c, 0x3c698d13, 0xbccefea2, 0x3c1f472e, 0x3ca42aab, 0x3c82d53c], [0x3b3f2b62, 0x3957f146, 0x3ab00442, 0x38f06630, 0x3b52a6c0, 0x3819fe19, 0x3a291eb2, 0x3abd9d16]],
            ),
            // keras.optimizers.RMSprop(0.005, 0.8, 0.0, 1e-5), seed 9: plain formulas differ in 2 of 8
            (
                Optimizer::RmsProp { learning_rate: 0.005, rho: 0.8, momentum: 0.0, epsilon: 1e-5, centered: false },
                [0xbf4d86b9, 0x3e78ada5, 0xbfd40321, 0x3f27f67d, 0x3f925cab, 0xbee7bca1, 0x3edc68a1, 0x3e807a3c],
                [[0xbb64a6d8, 0xbbfa04a8, 0xbc935039, 0x3c4c7256, 0xb9dcf18e, 0x3cb6cf91, 0x3bef8703, 0x3b210fca], [0x3f43306e, 0xbe8df021, 0x3f5c1141, 0xbe5f5c67, 0x3dd0874d, 0xbf5570ab, 0x3fa43b2b, 0xbd52e184], [0x3b4c7e33, 0xbb60cd07, 0x3b419680, 0xbb93b0ff, 0x3b098212, 0xbb83a99a, 0xbbe7a6af, 0xbb15bf02], [0x3a79b4ea, 0x381c7d8f, 0x3a65ecaa, 0x3924d3f3, 0xba1fb454, 0x384b2054, 0x3aed817c, 0xb9a54d4f]],
                [0xbf4f23af, 0x3e86562c, 0xbfd41e57, 0x3f28649d, 0x3f90ff4e, 0xbee770dc, 0x3ed29869, 0x3e849666],
                &[[0x3d9866c1, 0x3c214cb8, 0x3dc1ca26, 0x3bc8308a, 0x3aae0a81, 0x3db65622, 0x3e57ca14, 0x39b2a7dc]],
            ),
            // keras.optimizers.RMSprop(0.002, 0.9, 0.5, 1e-7, centered=True), seed 29: plain formulas differ in 3 of 8
            (
                Optimizer::RmsProp { learning_rate: 0.002, rho: 0.9, momentum: 0.5, epsilon: 1e-7, centered: true },
                [0xbec8a32a, 0x3d4c7956, 0xbe29279c, 0xbe2c002b, 0x3d803cc1, 0xbe6720ce, 0x3e980643, 0xbd4843e1],
                [[0x3e432838, 0xbe61b83b, 0xbdf7ce2c, 0xbe930d1d, 0xbf0f6d2a, 0xbf3fbd98, 0x3ca53aeb, 0xbe8ea886], [0xbef46988, 0x3eafcffc, 0x3eeefb03, 0x3f105dbe, 0x3f429d7e, 0x401ce948, 0x3e781582, 0x3e01f0d8], [0xbda6c130, 0x3dd92507, 0x3e07f16b, 0x3cb0c994, 0xbb7e6202, 0x3cdca67f, 0xbdc9883b, 0xbcd2295d], [0x3f9818aa, 0xbf2dbdcc, 0x3e7e8434, 0x3efdd62c, 0x3f3d5aab, 0xbe9665d9, 0xbef0dac7, 0xbfbec467]],
                [0xbecbe642, 0x3d65301f, 0xbe2df2dd, 0xbe2e66a6, 0x3d7cb89d, 0xbe64c42e, 0x3e9084eb, 0xbd0a28ad],
                &[[0x3e26ce8a, 0x3d766fae, 0x3cd8e8e3, 0x3d66fd71, 0x3dfec8da, 0x3f0956e5, 0x3ce39d07, 0x3e6aa476], [0x3b9dddac, 0xbb8b31cd, 0x3ba44d2e, 0x3ba8306f, 0x3b9d7da7, 0xb85e5130, 0xbb943e3a, 0xbbe70b5a], [0x3db19c4f, 0xbd3ecb29, 0x3d86bcda, 0x3d9c2e77, 0x3dc13b75, 0x3defb245, 0xbd0e8ec0, 0xbe2540a0]],
            ),

        ];
        for (opt, w0, grads, want_w, want_slots) in cases {
            let mut w = f(&w0);
            let mut slots = vec![vec![0.0f32; 8]; opt.slots()];
            for (t, g) in grads.iter().enumerate() {
                step(opt, &mut w, &f(g), &mut slots, t as u64 + 1);
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&w), want_w, "{opt:?} weights");
            assert_eq!(slots.len(), want_slots.len(), "{opt:?}");
            for (s, want) in slots.iter().zip(want_slots) {
                assert_eq!(bits(s), want, "{opt:?} slots");
            }
        }
    }

    /// `jnp.power(jnp.float32(β), jnp.float32(t))` on the CPU (jax 0.10.2): glibc's powf,
    /// not always the correctly rounded power (noted where it differs), and 0 where the power
    /// is subnormal.
    #[test]
    fn adam_powers_match_xla() {
        let cases: [(f64, u32, u32); 9] = [
            (0.999, 9, 0x3f7db48a),
            (0.999, 873, 0x3ed5c509), // correctly rounded 0x3ed5c508
            (0.99, 349, 0x3cf5834e),  // correctly rounded 0x3cf5834d
            (0.95, 58, 0x3d51167c),   // correctly rounded 0x3d51167b
            (0.8, 171, 0x23f754bf),   // correctly rounded 0x23f754be
            (0.9, 685, 0x0b6b37d1),   // correctly rounded 0x0b6b37d0
            (0.9, 829, 0x00000000),   // subnormal 0x007f1036, flushed
            (0.5, 126, 0x00800000),
            (0.5, 127, 0x00000000), // subnormal 0x00400000, flushed
        ];
        for (beta, t, want) in cases {
            let got = xla::powf(beta as f32, t as f32);
            assert_eq!(got.to_bits(), want, "{beta}^{t}: {got:e}");
        }
        assert_eq!(xla::powf(0.0, 1.0), 0.0);
        assert_eq!(xla::powf(1.0, 1e6), 1.0);
    }

    /// `jax.jit(jax.lax.rsqrt)` on the CPU (jax 0.10.2, AMD Zen 4): inputs where it is not the
    /// correctly rounded `1/√x` (noted), special values, and over one input per entry of the
    /// estimate's table (`x` with bits `0x3f800000 + 2048·i + 1024`, i < 8192, covering
    /// `[1, 4)`) the sum of the result bits.
    #[test]
    fn rsqrt_matches_xla() {
        let cases: [(u32, u32); 12] = [
            (0x40f6e323, 0x3eb8546f), // 7.7152267: correctly rounded 0x3eb85470
            (0x335a6ee7, 0x458a9208), // 5.0857945e-08: correctly rounded 0x458a9209
            (0x35e6fd27, 0x443e9159), // 1.7210012e-06: correctly rounded 0x443e9158
            (0x34ea0ad2, 0x44bd5210), // 4.359377e-07: correctly rounded 0x44bd5211
            (0x3a612d72, 0x42087ac0), // 0.0008589841: correctly rounded 0x42087ac1
            (0x43909e3f, 0x3d70d7bd), // 289.2363: correctly rounded 0x3d70d7be
            (0x00000000, 0x7f800000), // 0
            (0x000116c2, 0x7f800000), // 1e-40, subnormal: read as 0
            (0x7f800000, 0x00000000), // ∞
            (0x3f800000, 0x3f800000), // 1
            (0x40800000, 0x3f000000), // 4
            (0x3e800000, 0x40000000), // 0.25
        ];
        for (x, want) in cases {
            let got = xla::rsqrt(f32::from_bits(x));
            assert_eq!(got.to_bits(), want, "rsqrt({:e})", f32::from_bits(x));
        }
        let sum: u64 = (0..8192u32)
            .map(|i| u64::from(xla::rsqrt(f32::from_bits(0x3f80_0000 + 2048 * i + 1024)).to_bits()))
            .sum();
        assert_eq!(sum, 0x7e6a09e62dd);
        assert!(xla::rsqrt(-1.0).is_nan() && xla::rsqrt(-0.0).is_nan());
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
    fn every_state_array_is_bound_exactly_once() {
        for opt in [
            Optimizer::sgd(0.1),
            Optimizer::Sgd {
                learning_rate: 0.1,
                momentum: 0.5,
                nesterov: true,
            },
            Optimizer::adam(0.1),
            Optimizer::rmsprop(0.1),
            Optimizer::RmsProp {
                learning_rate: 0.1,
                rho: 0.9,
                momentum: 0.5,
                epsilon: 1e-7,
                centered: false,
            },
            Optimizer::RmsProp {
                learning_rate: 0.1,
                rho: 0.9,
                momentum: 0.0,
                epsilon: 1e-7,
                centered: true,
            },
            Optimizer::RmsProp {
                learning_rate: 0.1,
                rho: 0.9,
                momentum: 0.5,
                epsilon: 1e-7,
                centered: true,
            },
        ] {
            let c = opt.coefficients();
            let mut bound: Vec<usize> = c.state_bindings().into_iter().flatten().collect();
            bound.sort_unstable();
            assert_eq!(bound, (0..opt.slots()).collect::<Vec<_>>(), "{opt:?}");
            assert_eq!(c.slots(), opt.slots(), "{opt:?}");
        }
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
