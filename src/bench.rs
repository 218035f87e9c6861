//! Workloads shared by the native benchmark (`nnplay-bench`) and the wasm one
//! (`benchTutorial`, `benchPeak`, `benchConfig`, `benchMlp`), so both measure the same thing.

use crate::config::{Config, LayerConfig};
use crate::error::{Error, Result};
use crate::optim::Optimizer;
use crate::run::Experiment;
use crate::tensor::Tensor;

/// The tutorial's training step written by hand over plain slices, in one pass: the peak an
/// engine step could reach on this machine, printed beside the engine's rate.
///
/// It does the engine's arithmetic in the engine's order (the products and sums of the forward
/// pass, the loss summed in `f64` over four lanes, the gradient sums over eight lanes, SGD's
/// fused multiply-add), so its losses and weights equal the engine's bit for bit and the ratio
/// compares the same work.
pub struct HandStep {
    x: Vec<f32>,
    y: Vec<f32>,
    kernel: f32,
    bias: f32,
    learning_rate: f32,
}

impl HandStep {
    /// The tutorial's step (`Dense(1)`, MSE, SGD) on the training set and initial weights of
    /// `config`.
    ///
    /// # Errors
    /// Config errors; [`Error::Model`] when the model is not one `Dense(1)` with a bias on one
    /// input, the loss is not MSE, the optimizer is not plain SGD, or the batch is not the whole
    /// training set of a multiple of 8 points.
    pub fn new(config: &Config) -> Result<Self> {
        let dataset = config.dataset()?;
        let weights = config.build_model()?.get_weights()?;
        let sgd = matches!(config.optimizer, Optimizer::Sgd { momentum, .. } if momentum == 0.0);
        let x = dataset.x_train.as_slice().to_vec();
        let full = config.training.batch_size.is_none_or(|b| b >= x.len());
        let tutorial = weights.len() == 2
            && weights[0].shape() == (1, 1)
            && config.model.layers[0].activation == "linear"
            && config.loss == crate::loss::Loss::Mse;
        if !(tutorial && sgd && full && !x.is_empty() && x.len() % 8 == 0) {
            return Err(Error::Model(
                "the hand-written step is the tutorial's: Dense(1) with a bias, MSE, plain SGD, the whole training set of a multiple of 8 points".into(),
            ));
        }
        Ok(HandStep {
            x,
            y: dataset.y_train.as_slice().to_vec(),
            kernel: weights[0].as_slice()[0],
            bias: weights[1].as_slice()[0],
            learning_rate: config.optimizer.coefficients().learning_rate,
        })
    }

    /// One step: returns the loss before the update.
    pub fn step(&mut self) -> f32 {
        let (w, b) = (self.kernel, self.bias);
        let scale = 1.0 / self.x.len() as f32;
        let mut loss = [0.0f64; 4];
        let (mut dw, mut db) = ([0.0f32; 8], [0.0f32; 8]);
        for (x, y) in self.x.chunks_exact(8).zip(self.y.chunks_exact(8)) {
            for l in 0..8 {
                let e = (x[l] * w + b) - y[l];
                loss[l % 4] += (e * e) as f64;
                let g = 2.0 * e * scale;
                dw[l] += x[l] * g;
                db[l] += g;
            }
        }
        let lanes = |a: [f32; 8]| ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        self.kernel = (-lanes(dw)).mul_add(self.learning_rate, w);
        self.bias = (-lanes(db)).mul_add(self.learning_rate, b);
        let sum = (loss[0] + loss[2]) + (loss[1] + loss[3]);
        (sum / self.x.len() as f64) as f32
    }

    /// The kernel and the bias.
    pub fn weights(&self) -> (f32, f32) {
        (self.kernel, self.bias)
    }
}

/// Steps per second of [`HandStep`] on the tutorial over `steps` steps, timed with `now_ms`.
///
/// # Errors
/// As [`HandStep::new`].
pub fn peak_rate(steps: usize, now_ms: impl Fn() -> f64) -> Result<f64> {
    let mut hand = HandStep::new(&Config::default())?;
    let mut checksum = 0.0f32;
    for _ in 0..1000 {
        checksum += hand.step();
    }
    let t0 = now_ms();
    for _ in 0..steps {
        checksum += hand.step();
    }
    let secs = ((now_ms() - t0) / 1000.0).max(1e-9);
    // The losses are used, so the loop cannot be optimised away.
    std::hint::black_box(checksum);
    Ok(steps as f64 / secs)
}

/// Steps per second of the engine training `config` on the CPU over `steps` steps (after a
/// warm-up), timed with `now_ms`.
///
/// # Errors
/// Config errors.
pub fn engine_rate(config: Config, steps: usize, now_ms: impl Fn() -> f64) -> Result<f64> {
    let mut e = Experiment::new_cpu(config)?;
    e.train_blocking(1000)?;
    let t0 = now_ms();
    let mut left = steps;
    while left > 0 {
        let n = left.min(1_000_000);
        e.train_blocking(n)?;
        left -= n;
    }
    Ok(steps as f64 / ((now_ms() - t0) / 1000.0).max(1e-9))
}

/// The page's curve example: sine data (full batch), a hidden layer of 16 `tanh` units, MSE,
/// trained with `optimizer` (`"sgd"` or `"adam"`, learning rate 0.01).
///
/// # Errors
/// [`Error::UnknownName`] for another optimizer name.
pub fn sine_config(optimizer: &str) -> Result<Config> {
    let mut c = Config::default();
    c.data.kind = crate::data::DataKind::Sine;
    if let Some((slope, intercept)) = c.data.kind.preset() {
        (c.data.slope, c.data.intercept) = (slope, intercept);
    }
    c.model.layers = vec![LayerConfig::new(16, "tanh"), LayerConfig::new(1, "linear")];
    c.optimizer = Optimizer::from_name(optimizer)?.with_learning_rate(0.01);
    c.validate()?;
    Ok(c)
}

/// FLOPs of one training step of a Dense stack (forward, and backward for both the weights
/// and the inputs): `2·B·Σ(in·out)·3`.
pub fn step_flops(batch: usize, sizes: &[usize]) -> f64 {
    let macs: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum();
    2.0 * batch as f64 * macs as f64 * 3.0
}

/// The MLP 1-256-256-1 (relu, mse, SGD 0.01) config, trained in batches of `batch`.
pub fn mlp_config(batch: usize) -> Config {
    let mut c = Config::default();
    c.data.n = batch + batch / 4 + 1;
    c.data.train_fraction = batch as f64 / c.data.n as f64;
    c.model.layers = vec![
        LayerConfig::new(256, "relu"),
        LayerConfig::new(256, "relu"),
        LayerConfig::new(1, "linear"),
    ];
    c.training.batch_size = Some(batch);
    c
}

/// Trains the MLP 1-256-256-1 at `batch` for `reps` steps on the CPU (after a warm-up);
/// returns `(GFLOP done, seconds)` timed with `now_ms`.
///
/// # Errors
/// Config or backend errors.
pub fn mlp_cpu(batch: usize, reps: usize, now_ms: impl Fn() -> f64) -> Result<(f64, f64)> {
    let mut e = Experiment::new_cpu(mlp_config(batch))?;
    e.train_blocking(2)?;
    let t0 = now_ms();
    e.train_blocking(reps)?;
    let secs = ((now_ms() - t0) / 1000.0).max(1e-9);
    Ok((
        step_flops(batch, &[1, 256, 256, 1]) * reps as f64 / 1e9,
        secs,
    ))
}

/// Forward pass only (`predict`) of the MLP at `batch`, `reps` times; `(GFLOP, seconds)`.
///
/// # Errors
/// Config or backend errors.
pub fn mlp_forward_cpu(batch: usize, reps: usize, now_ms: impl Fn() -> f64) -> Result<(f64, f64)> {
    let mut e = Experiment::new_cpu(mlp_config(batch))?;
    let x: Vec<f32> = (0..batch).map(|i| i as f32 / batch as f32).collect();
    let xt = Tensor::column(&x);
    let model = e.model();
    model.predict(&xt, Some(batch))?;
    let t0 = now_ms();
    for _ in 0..reps {
        model.predict(&xt, Some(batch))?;
    }
    let secs = ((now_ms() - t0) / 1000.0).max(1e-9);
    Ok((
        step_flops(batch, &[1, 256, 256, 1]) / 3.0 * reps as f64 / 1e9,
        secs,
    ))
}
