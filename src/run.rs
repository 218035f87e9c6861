//! One experiment from config to run record: the data, the model on its backend, the steps
//! taken so far. The CLI, the page and the tests all drive training through this.

use crate::backend::BackendKind;
use crate::config::{BackendChoice, Config};
use crate::data::Dataset;
use crate::error::Result;
use crate::limits::DIVERGENCE_FACTOR;
use crate::loss::Loss;
use crate::model::{BackendStatus, Sequential};
use crate::optim::Optimizer;
use crate::record::{weights_to_json, DatasetRecord, RunRecord, RECORD_FORMAT};
use crate::tensor::Tensor;

/// An experiment in progress.
pub struct Experiment {
    config: Config,
    dataset: Dataset,
    model: Sequential,
    initial_weights: Vec<Tensor>,
    losses: Vec<f32>,
    /// Where the run record starts in `losses`: 0, or the step of the last mid-run edit of the
    /// optimizer (a recompile, after which the record starts afresh).
    record_start: usize,
    /// An edit was made after some steps: at the next `train` or `record`, before any other
    /// step, the record restarts there with the weights of that moment.
    restart_pending: bool,
}

impl Experiment {
    /// Builds the data and the model of `config` and compiles it on the backend `choice`
    /// resolves to (see [`Sequential::compile_on`]).
    ///
    /// # Errors
    /// Any config error; [`crate::Error::Backend`] when WebGPU is required but unavailable.
    pub async fn new(config: Config, choice: BackendChoice) -> Result<Self> {
        config.validate()?;
        let dataset = config.dataset()?;
        let mut model = config.build_model()?;
        let initial_weights = model.get_weights()?;
        let rows = dataset.x_train.rows();
        let rows_per_step = config.training.batch_size.map_or(rows, |b| b.min(rows));
        model
            .compile_for_rows(config.loss, config.optimizer, choice, Some(rows_per_step))
            .await?;
        model.load_train(
            &dataset.x_train,
            &dataset.y_train,
            config.training.batch_size,
        )?;
        Ok(Experiment {
            config,
            dataset,
            model,
            initial_weights,
            losses: Vec::new(),
            record_start: 0,
            restart_pending: false,
        })
    }

    /// [`Experiment::new`] on the CPU, without waiting.
    ///
    /// # Errors
    /// Any config error.
    pub fn new_cpu(config: Config) -> Result<Self> {
        crate::model::block_on(Self::new(config, BackendChoice::Cpu))
    }

    /// The config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The points.
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The model.
    pub fn model(&mut self) -> &mut Sequential {
        &mut self.model
    }

    /// Steps taken so far.
    pub fn step(&self) -> usize {
        self.losses.len()
    }

    /// Every step's loss so far.
    pub fn losses(&self) -> &[f32] {
        &self.losses
    }

    /// Which backend runs the experiment, on what adapter, and why.
    pub fn backend_status(&self) -> &BackendStatus {
        self.model
            .backend_status()
            .expect("an experiment's model is compiled")
    }

    /// [`BackendStatus::line`]: `Using WebGPU backend (adapter: …)` or
    /// `Using CPU backend (reason)`.
    pub fn backend_line(&self) -> String {
        self.backend_status().line()
    }

    /// Makes the WebGPU device behave as lost: the next steps continue on the CPU.
    pub fn simulate_device_loss(&mut self) {
        self.model.simulate_device_loss();
    }

    /// The backend in use.
    pub fn backend_kind(&self) -> BackendKind {
        self.model.backend_kind().unwrap_or(BackendKind::Cpu)
    }

    /// Runs `steps` more steps; returns their losses (read back once per chunk).
    ///
    /// # Errors
    /// Backend errors.
    pub async fn train(&mut self, steps: usize) -> Result<Vec<f32>> {
        self.restart_record().await?;
        let nb = self.batches();
        // The batches go round from the first one from where the record starts, as a Keras
        // loop replaying the record would take them.
        let first = (self.losses.len() - self.record_start) % nb;
        let losses = self.model.train_steps(steps, first).await?;
        self.losses.extend_from_slice(&losses);
        Ok(losses)
    }

    /// [`Experiment::train`] without waiting (CPU, or natively).
    ///
    /// # Errors
    /// As [`Experiment::train`].
    pub fn train_blocking(&mut self, steps: usize) -> Result<Vec<f32>> {
        crate::model::block_on(self.train(steps))
    }

    fn batches(&self) -> usize {
        let n = self.dataset.x_train.rows();
        match self.config.training.batch_size {
            None => 1,
            Some(b) => n.div_ceil(b.max(1)),
        }
    }

    /// `evaluate(x_test, y_test, batch_size = len(x_test))`.
    ///
    /// # Errors
    /// Backend errors.
    pub async fn test_cost(&mut self) -> Result<f32> {
        let n = self.dataset.x_test.rows();
        let (x, y) = (self.dataset.x_test.clone(), self.dataset.y_test.clone());
        self.model.evaluate_async(&x, &y, Some(n)).await
    }

    /// Predictions for `x` values.
    ///
    /// # Errors
    /// Backend errors, non-finite `x`.
    pub async fn predict(&mut self, xs: &[f32]) -> Result<Vec<f32>> {
        let x = Tensor::column(xs);
        Ok(self
            .model
            .predict_async(&x, Some(xs.len().max(1)))
            .await?
            .into_vec())
    }

    /// The weights now.
    ///
    /// # Errors
    /// Backend errors.
    pub async fn weights(&mut self) -> Result<Vec<Tensor>> {
        self.model.get_weights_async().await
    }

    /// Changes the learning rate: [`Experiment::set_optimizer`] with the same optimizer at
    /// another rate.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a bad rate; nothing changes then.
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        self.set_optimizer(self.config.optimizer.with_learning_rate(lr))
    }

    /// Changes the optimizer or its hyper-parameters, as compiling the trained model again
    /// would in Keras (`model.compile(optimizer=…)`): the weights stay and the optimizer starts
    /// afresh (no state, no iterations). After steps were taken, the run record then starts
    /// at this step: its `initial_weights` are the weights now and its `losses` the steps from
    /// here, the batches taken again from the first, so that the record replays exactly
    /// (`set_weights`, then `train_on_batch` per step). [`Experiment::step`] keeps counting.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] naming the parameter; nothing changes then.
    pub fn set_optimizer(&mut self, optimizer: Optimizer) -> Result<()> {
        self.model.set_optimizer(optimizer)?;
        self.config.optimizer = optimizer;
        if self.losses.len() > self.record_start {
            self.model.reset_optimizer()?;
            self.restart_pending = true;
        }
        Ok(())
    }

    /// Where the run record starts: 0, or the step of the last mid-run optimizer edit.
    pub fn record_start(&self) -> usize {
        if self.restart_pending {
            self.losses.len()
        } else {
            self.record_start
        }
    }

    /// Restarts the record here after an edit: the weights now become its initial weights.
    async fn restart_record(&mut self) -> Result<()> {
        if self.restart_pending {
            self.initial_weights = self.weights().await?;
            self.record_start = self.losses.len();
            self.restart_pending = false;
        }
        Ok(())
    }

    /// Changes how long the run is and how often it logs (neither touches the model).
    ///
    /// # Errors
    /// As [`Config::validate`] for `training.steps` and `training.log_every`; nothing changes
    /// then.
    pub fn set_training(&mut self, steps: usize, log_every: usize) -> Result<()> {
        let mut config = self.config.clone();
        config.training.steps = steps;
        config.training.log_every = log_every;
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// The run record of the steps taken so far.
    ///
    /// # Errors
    /// Backend errors.
    pub async fn record(&mut self) -> Result<RunRecord> {
        self.restart_record().await?;
        let test_cost = self.test_cost().await?;
        let final_weights = self.weights().await?;
        // The config keeps the configured steps; the steps taken are `losses.len()`.
        Ok(RunRecord {
            format: RECORD_FORMAT.into(),
            config: self.config.clone(),
            backend: self.backend_kind().name().into(),
            dataset: DatasetRecord::from_dataset(&self.dataset),
            initial_weights: weights_to_json(&self.initial_weights, |i| self.model.is_bias(i)),
            losses: self.losses[self.record_start..].to_vec(),
            test_cost,
            final_weights: weights_to_json(&final_weights, |i| self.model.is_bias(i)),
        })
    }

    /// A learning rate below which this model's loss should stop diverging, as offered to the
    /// user: for one linear Dense layer under mse, 90 % of `2 / λ_max` of the loss's Hessian;
    /// otherwise (or should that not be a positive number) a tenth of the current rate;
    /// rounded down to two significant digits, so the offer stays on the stable side.
    pub fn stable_learning_rate(&self) -> f64 {
        let lr = self.config.optimizer.learning_rate();
        let raw = self.stable_learning_rate_unrounded();
        let stable = if raw > 0.0 && raw.is_finite() {
            raw
        } else {
            lr / 10.0
        };
        let mag = 10f64.powf(stable.log10().floor() - 1.0);
        let rounded = (stable / mag).floor() * mag;
        // Printed with two significant digits, as the user sees it.
        format!("{rounded:.1e}").parse().unwrap_or(rounded)
    }

    fn stable_learning_rate_unrounded(&self) -> f64 {
        let lr = self.config.optimizer.learning_rate();
        let layers = self.model.layers();
        let single_linear = layers.len() == 1
            && layers[0].activation == crate::Activation::Linear
            && self.config.loss == Loss::Mse
            && matches!(self.config.optimizer, Optimizer::Sgd { momentum, .. } if momentum == 0.0);
        if !single_linear {
            return lr / 10.0;
        }
        // H = (2/n) [Σx² Σx; Σx n] for the (kernel, bias) pair.
        let x = self.dataset.x_train.as_slice();
        let n = x.len() as f64;
        let (sxx, sx) = x.iter().fold((0.0f64, 0.0f64), |(a, b), v| {
            (a + (*v as f64) * (*v as f64), b + *v as f64)
        });
        let (a, b, d) = (2.0 * sxx / n, 2.0 * sx / n, 2.0);
        let lambda = (a + d) / 2.0 + (((a - d) / 2.0).powi(2) + b * b).sqrt();
        0.9 * 2.0 / lambda
    }
}

/// The divergence rule, one for every surface: the index of the first loss of `losses` that
/// is not finite or exceeds [`DIVERGENCE_FACTOR`] times `first` (the run's first loss; a
/// `first` that is not positive and finite only checks finiteness).
pub fn diverged_at(losses: &[f32], first: f32) -> Option<usize> {
    let limit = if first > 0.0 && first.is_finite() {
        first * DIVERGENCE_FACTOR
    } else {
        f32::INFINITY
    };
    losses.iter().position(|l| !l.is_finite() || *l > limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_learning_rate_has_two_significant_digits() {
        let e = Experiment::new_cpu(Config::default()).unwrap();
        let lr = e.stable_learning_rate();
        assert!(lr > 0.0 && lr <= e.stable_learning_rate_unrounded());
        let s = format!("{lr:e}");
        let mantissa = s.split('e').next().unwrap().replace(['.', '-'], "");
        assert!(mantissa.len() <= 2, "{s}");
    }

    #[test]
    fn divergence_rule() {
        assert_eq!(diverged_at(&[1.0, 2.0, 1e5], 1.0), None);
        assert_eq!(diverged_at(&[1.0, 2.0, 1.5e6, f32::NAN], 1.0), Some(2));
        assert_eq!(diverged_at(&[3.0, f32::INFINITY], 1.0), Some(1));
        assert_eq!(diverged_at(&[1e30, f32::NAN], 0.0), Some(1));
    }

    #[test]
    fn tutorial_run_learns_and_records() {
        let mut e = Experiment::new_cpu(Config::default()).unwrap();
        let losses = e.train_blocking(301).unwrap();
        assert_eq!(losses.len(), 301);
        assert!(losses[300] < losses[0] / 10.0);
        let r = crate::model::block_on(e.record()).unwrap();
        assert_eq!(r.losses.len(), 301);
        assert_eq!(r.backend, "cpu");
        let back = RunRecord::from_json(&r.to_json()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn stable_learning_rate_is_stable_and_a_larger_one_diverges() {
        let mut e = Experiment::new_cpu(Config::default()).unwrap();
        let lr = e.stable_learning_rate();
        assert!(lr > 0.5 && lr < 2.0, "{lr}");
        e.set_learning_rate(lr).unwrap();
        let l = e.train_blocking(200).unwrap();
        assert!(l[199] < l[0]);
        let mut d = Experiment::new_cpu(Config::default()).unwrap();
        d.set_learning_rate(lr * 2.5).unwrap();
        let l = d.train_blocking(400).unwrap();
        assert!(diverged_at(&l, l[0]).is_some());
    }
}
