//! Workloads shared by the native benchmark (`nnplay-bench`) and the wasm one
//! (`benchTutorial`, `benchMlp`), so both measure the same thing.

use crate::config::{Config, LayerConfig};
use crate::error::Result;
use crate::run::Experiment;
use crate::tensor::Tensor;

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
