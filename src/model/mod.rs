//! `Sequential`: Keras' model API. The layers and their initial weights live here; a compiled
//! model runs on a [`runtime`] (the CPU or WebGPU, with device-loss recovery), and
//! [`summary`] draws Keras' table.

mod runtime;
mod summary;

pub use runtime::{flops_per_step, Adapter, BackendStatus, CpuReason, AUTO_GPU_MIN_FLOPS};
pub use summary::{layer_name, summary_table};

use crate::backend::{BackendChoice, BackendKind, Counters};
use crate::engine::{check_weights, split, LayerShape, TrainingState};
use crate::error::{Error, Result};
use crate::layers::Dense;
use crate::limits::MAX_STEPS;
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::rng::SeededRng;
use crate::tensor::Tensor;
pub(crate) use runtime::Device;
use runtime::Runtime;
use std::future::Future;

/// The seed `Sequential::new` uses for initial weights.
pub const DEFAULT_SEED: u64 = 42;

/// The stream of the seed that initial weights come from (data uses another).
pub(crate) const WEIGHT_STREAM: u64 = 2;

/// The stream of the seed that `fit` shuffles with.
const SHUFFLE_STREAM: u64 = 3;

/// Options of [`Sequential::fit`] (Keras' names and defaults, except `verbose`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitOptions {
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per step (Keras' default 32).
    pub batch_size: usize,
    /// Shuffle the training samples before each epoch (with the model's seed).
    pub shuffle: bool,
    /// Fraction of the samples, taken from the end before shuffling, kept for validation (a
    /// Python float: Keras computes `floor(n · (1 − validation_split))` in double).
    pub validation_split: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            validation_split: 0.0,
        }
    }
}

/// What [`Sequential::fit`] returns: Keras' `History.history`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Per epoch: the mean training loss over the epoch's batches (weighted by batch size),
    /// each batch's loss taken before its update.
    pub loss: Vec<f32>,
    /// Per epoch: the loss on the validation samples after the epoch (empty without them).
    pub val_loss: Vec<f32>,
}

/// What [`Sequential::fit_with`] reports while it trains: Keras' `on_train_batch_end` and
/// `on_epoch_end` callbacks, with the values of Keras' `logs`. `()` wants nothing.
pub trait FitCallbacks {
    /// Whether [`FitCallbacks::on_batch_end`] is wanted; when not, an epoch's batches run in
    /// one call to the backend (the results are the same).
    fn wants_batches(&self) -> bool;

    /// After batch `batch` (from 0 in each epoch): `loss` is the batch-size-weighted mean loss
    /// of the epoch's batches so far, as Keras' `logs["loss"]` holds it (not the batch's own).
    fn on_batch_end(&mut self, batch: usize, loss: f32) -> impl Future<Output = Result<()>>;

    /// After epoch `epoch` (from 0): its `loss`, and `val_loss` when samples are held out.
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        loss: f32,
        val_loss: Option<f32>,
    ) -> impl Future<Output = Result<()>>;
}

impl FitCallbacks for () {
    fn wants_batches(&self) -> bool {
        false
    }

    async fn on_batch_end(&mut self, _: usize, _: f32) -> Result<()> {
        Ok(())
    }

    async fn on_epoch_end(&mut self, _: usize, _: f32, _: Option<f32>) -> Result<()> {
        Ok(())
    }
}

/// A linear stack of layers, with Keras' `Sequential` API.
///
/// ```
/// use nnplay::{Activation, Dense, Optimizer, Sequential, Tensor};
/// let mut model = Sequential::with_seed(1);
/// model.add(Dense::new(1).input_dim(1))?;
/// model.compile("mse", Optimizer::sgd(0.1))?;
/// let x = Tensor::column(&[-1.0, 0.0, 1.0]);
/// let y = Tensor::column(&[1.5, 2.0, 2.5]);
/// let first = model.train_on_batch(&x, &y)?;
/// for _ in 0..200 {
///     model.train_on_batch(&x, &y)?;
/// }
/// assert!(model.evaluate(&x, &y, None)? < first / 100.0);
/// # Ok::<(), nnplay::Error>(())
/// ```
pub struct Sequential {
    layers: Vec<Dense>,
    rng: SeededRng,
    seed: u64,
    /// The weights while the model is not compiled (a compiled model's live on its backend).
    weights: Vec<Tensor>,
    runtime: Option<Runtime>,
}

impl Default for Sequential {
    fn default() -> Self {
        Self::new()
    }
}

impl Sequential {
    /// An empty model whose weights are drawn with [`DEFAULT_SEED`].
    pub fn new() -> Self {
        Self::with_seed(DEFAULT_SEED)
    }

    /// An empty model whose initial weights come from `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Sequential {
            layers: Vec::new(),
            rng: SeededRng::derived(seed, WEIGHT_STREAM),
            seed,
            weights: Vec::new(),
            runtime: None,
        }
    }

    /// Appends a layer and draws its initial weights. A compiled model must be compiled again
    /// to train with the new layer, as in Keras.
    ///
    /// # Errors
    /// [`Error::Model`] when the first layer has no `input_dim` or a later one's `input_dim`
    /// differs from the previous layer's units; [`Error::InvalidParameter`] for bad sizes.
    pub fn add(&mut self, layer: Dense) -> Result<()> {
        layer.validate()?;
        let inputs = match (self.layers.last(), layer.input_dim) {
            (None, Some(n)) => n,
            (None, None) => {
                return Err(Error::Model(
                    "the first layer needs input_dim (e.g. Dense(1, input_dim=1))".into(),
                ))
            }
            (Some(prev), Some(n)) if n != prev.units => {
                return Err(Error::Model(format!(
                    "layer {} has input_dim {n} but the previous layer has {} units",
                    self.layers.len(),
                    prev.units
                )))
            }
            (Some(prev), _) => prev.units,
        };
        if self.layers.len() >= crate::limits::MAX_LAYERS {
            return Err(Error::Model(format!(
                "a model has at most {} layers",
                crate::limits::MAX_LAYERS
            )));
        }
        if self.runtime.is_some() {
            self.weights = self.get_weights()?;
            self.runtime = None;
        }
        let mut layer = layer;
        layer.input_dim = Some(inputs);
        self.weights
            .extend(layer.init_weights(inputs, &mut self.rng));
        self.layers.push(layer);
        Ok(())
    }

    /// The layers.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// The seed the initial weights came from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn shapes(&self) -> Vec<LayerShape> {
        self.layers
            .iter()
            .map(|l| LayerShape {
                inputs: l.input_dim.unwrap_or(1),
                units: l.units,
                activation: l.activation,
                use_bias: l.use_bias,
            })
            .collect()
    }

    /// Keras' `compile(loss, optimizer)`, on the CPU backend.
    ///
    /// # Errors
    /// [`Error::UnknownName`] for an unknown loss, [`Error::InvalidParameter`] for bad
    /// hyper-parameters, [`Error::Model`] for a model without layers.
    pub fn compile(&mut self, loss: &str, optimizer: Optimizer) -> Result<()> {
        let loss = Loss::from_name(loss)?;
        block_on(self.compile_on(loss, optimizer, BackendChoice::Cpu))
    }

    /// Keras' `compile` on the backend `choice` resolves to (`auto`: WebGPU when a device
    /// opens, else the CPU, saying why). Training state starts afresh from the current weights.
    ///
    /// # Errors
    /// As [`Sequential::compile`]; [`Error::Backend`] when `webgpu` is asked for and cannot
    /// be used. A failed compile leaves the model as it was.
    pub async fn compile_on(
        &mut self,
        loss: Loss,
        optimizer: Optimizer,
        choice: BackendChoice,
    ) -> Result<()> {
        self.compile_for_rows(loss, optimizer, choice, None).await
    }

    /// [`Sequential::compile_on`] for steps of `rows_per_step` rows: with `auto`, a model whose
    /// step is too little arithmetic for the GPU to pay off trains on the CPU (see
    /// [`AUTO_GPU_MIN_FLOPS`]).
    ///
    /// # Errors
    /// As [`Sequential::compile_on`].
    pub async fn compile_for_rows(
        &mut self,
        loss: Loss,
        optimizer: Optimizer,
        choice: BackendChoice,
        rows_per_step: Option<usize>,
    ) -> Result<()> {
        optimizer.validate()?;
        if self.layers.is_empty() {
            return Err(Error::Model("add at least one layer before compile".into()));
        }
        let weights = self.get_weights_async().await?;
        let runtime = Runtime::new(
            choice,
            self.shapes(),
            &weights,
            loss,
            optimizer,
            rows_per_step,
        )
        .await?;
        self.weights = weights;
        self.runtime = Some(runtime);
        Ok(())
    }

    /// The loss and optimizer given to `compile`.
    pub fn compiled(&self) -> Option<(Loss, Optimizer)> {
        self.runtime.as_ref().map(Runtime::compiled)
    }

    /// Which backend runs the model (`None` before `compile`).
    pub fn backend_kind(&self) -> Option<BackendKind> {
        self.runtime.as_ref().map(Runtime::kind)
    }

    /// Which backend runs the model, on what adapter, and why (`None` before `compile`).
    pub fn backend_status(&self) -> Option<&BackendStatus> {
        self.runtime.as_ref().map(Runtime::status)
    }

    /// [`BackendStatus::line`], or `not compiled`.
    pub fn backend_line(&self) -> String {
        self.backend_status()
            .map_or_else(|| "not compiled".into(), BackendStatus::line)
    }

    /// Work counted by the backend.
    pub fn counters(&self) -> Counters {
        self.runtime
            .as_ref()
            .map(Runtime::counters)
            .unwrap_or_default()
    }

    /// Changes the optimizer's hyper-parameters, keeping its state when the optimizer and its
    /// state arrays stay the same (another optimizer starts afresh, as a new Keras optimizer
    /// would).
    ///
    /// # Errors
    /// [`Error::NotCompiled`], or [`Error::InvalidParameter`]; nothing changes then.
    pub fn set_optimizer(&mut self, optimizer: Optimizer) -> Result<()> {
        self.runtime_mut("set_optimizer")?.set_optimizer(optimizer)
    }

    /// Starts the optimizer afresh, as compiling the model again with a new optimizer would in
    /// Keras: every state array zero and `iterations` 0. The weights stay.
    ///
    /// # Errors
    /// [`Error::NotCompiled`], or backend errors.
    pub fn reset_optimizer(&mut self) -> Result<()> {
        self.runtime_mut("reset_optimizer")?.reset_optimizer()
    }

    /// Changes the learning rate, keeping the optimizer's state.
    ///
    /// # Errors
    /// [`Error::NotCompiled`], or [`Error::InvalidParameter`] for a bad rate.
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        let (_, opt) = self
            .compiled()
            .ok_or_else(|| Error::NotCompiled("set_learning_rate".into()))?;
        self.set_optimizer(opt.with_learning_rate(lr))
    }

    fn runtime_mut(&mut self, what: &str) -> Result<&mut Runtime> {
        self.runtime
            .as_mut()
            .ok_or_else(|| Error::NotCompiled(what.to_string()))
    }

    fn check_xy(&self, x: &Tensor, y: &Tensor, op: &str) -> Result<()> {
        self.check_x(x, op)?;
        y.check_not_empty("y")?;
        y.check_finite("y")?;
        let outputs = self.layers.last().map(|l| l.units).unwrap_or(0);
        if y.rows() != x.rows() {
            return Err(Error::shapes(
                format!("{op} (x vs y rows)"),
                x.shape(),
                y.shape(),
            ));
        }
        if y.cols() != outputs {
            return Err(Error::shapes(
                format!("{op} (y vs the model's output)"),
                y.shape(),
                (y.rows(), outputs),
            ));
        }
        Ok(())
    }

    fn check_x(&self, x: &Tensor, op: &str) -> Result<()> {
        x.check_not_empty("x")?;
        x.check_finite("x")?;
        let inputs = self.layers.first().and_then(|l| l.input_dim).unwrap_or(0);
        if x.cols() != inputs {
            return Err(Error::shapes(
                format!("{op} (x vs the model's input_dim)"),
                x.shape(),
                (x.rows(), inputs),
            ));
        }
        Ok(())
    }

    /// Keras' `train_on_batch`: one update on `(x, y)`; returns the loss of this step's forward
    /// pass (before the update).
    ///
    /// # Errors
    /// [`Error::NotCompiled`], shape errors naming both shapes, [`Error::NonFinite`] for NaN/Inf.
    pub fn train_on_batch(&mut self, x: &Tensor, y: &Tensor) -> Result<f32> {
        block_on(self.train_on_batch_async(x, y))
    }

    /// [`Sequential::train_on_batch`], awaiting the device.
    pub async fn train_on_batch_async(&mut self, x: &Tensor, y: &Tensor) -> Result<f32> {
        self.check_xy(x, y, "train_on_batch")?;
        let rt = self.runtime_mut("train_on_batch")?;
        rt.load_train(&[(x, y)])?;
        Ok(rt.train(1, 0).await?[0])
    }

    /// Loads training batches to the device once, for [`Sequential::train_steps`]: consecutive
    /// batches of `batch_size` rows (all rows when `None`).
    ///
    /// # Errors
    /// As [`Sequential::train_on_batch`].
    pub fn load_train(&mut self, x: &Tensor, y: &Tensor, batch_size: Option<usize>) -> Result<()> {
        self.check_xy(x, y, "load_train")?;
        let batches = split(x, Some(y), batch_size.unwrap_or(x.rows()));
        let pairs: Vec<(&Tensor, &Tensor)> = batches
            .iter()
            .map(|(x, y)| (x, y.as_ref().expect("split with y")))
            .collect();
        self.runtime_mut("load_train")?.load_train(&pairs)
    }

    /// Runs `steps` steps of `train_on_batch` over the loaded batches (step `i` on batch
    /// `(first_batch + i) mod batches`), reading the losses back once per chunk.
    ///
    /// If the WebGPU device is lost meanwhile, training continues on the CPU from the state of
    /// the last read-back (the steps since then are run again there), and
    /// [`Sequential::backend_status`] says so.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for more than [`MAX_STEPS`] steps; backend errors.
    pub async fn train_steps(&mut self, steps: usize, first_batch: usize) -> Result<Vec<f32>> {
        if steps > MAX_STEPS {
            return Err(Error::invalid(
                "steps",
                format!("{steps} (at most {MAX_STEPS} per call)"),
            ));
        }
        self.runtime_mut("train_steps")?
            .train(steps, first_batch)
            .await
    }

    /// Makes the WebGPU device behave as lost (for tests and the page's demonstration);
    /// the next call continues on the CPU. No effect on the CPU backend.
    pub fn simulate_device_loss(&mut self) {
        if let Some(rt) = &mut self.runtime {
            rt.simulate_device_loss();
        }
    }

    /// Keras' `evaluate(x, y, batch_size)` (default batch size 32): the mean loss over all
    /// samples.
    ///
    /// # Errors
    /// As [`Sequential::train_on_batch`].
    pub fn evaluate(&mut self, x: &Tensor, y: &Tensor, batch_size: Option<usize>) -> Result<f32> {
        block_on(self.evaluate_async(x, y, batch_size))
    }

    /// [`Sequential::evaluate`], awaiting the device.
    pub async fn evaluate_async(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        batch_size: Option<usize>,
    ) -> Result<f32> {
        self.check_xy(x, y, "evaluate")?;
        let bs = check_batch_size(batch_size)?;
        self.runtime_mut("evaluate")?.evaluate(x, y, bs).await
    }

    /// Keras' `predict(x, batch_size)` (default batch size 32).
    ///
    /// # Errors
    /// [`Error::NotCompiled`], shape errors, [`Error::NonFinite`].
    pub fn predict(&mut self, x: &Tensor, batch_size: Option<usize>) -> Result<Tensor> {
        block_on(self.predict_async(x, batch_size))
    }

    /// [`Sequential::predict`], awaiting the device.
    pub async fn predict_async(&mut self, x: &Tensor, batch_size: Option<usize>) -> Result<Tensor> {
        self.check_x(x, "predict")?;
        let bs = check_batch_size(batch_size)?;
        self.runtime_mut("predict")?.predict(x, bs).await
    }

    /// Keras' `fit`: `epochs` passes in batches, the last `validation_split` of the samples
    /// (before shuffling) held out and evaluated after each epoch.
    ///
    /// With `shuffle` (on by default, as in Keras) the training samples are shuffled before
    /// each epoch by a stream of the model's seed: the same seed gives the same order, but not
    /// the order Keras' own random stream gives. Without it, batches are taken in order and the
    /// losses are Keras' own.
    ///
    /// # Errors
    /// As [`Sequential::train_on_batch`], and [`Error::InvalidParameter`] for bad options,
    /// including a `validation_split` that leaves no training or no validation samples (as
    /// Keras raises).
    pub fn fit(&mut self, x: &Tensor, y: &Tensor, options: FitOptions) -> Result<History> {
        block_on(self.fit_async(x, y, options))
    }

    /// [`Sequential::fit`], awaiting the device.
    pub async fn fit_async(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        options: FitOptions,
    ) -> Result<History> {
        self.fit_with(x, y, options, &mut ()).await
    }

    /// [`Sequential::fit`], telling `callbacks` after each batch and epoch as Keras' callbacks
    /// are told. An error from a callback stops training there (the updates done stay) and is
    /// returned.
    ///
    /// # Errors
    /// As [`Sequential::fit`], and the callbacks' errors.
    pub async fn fit_with(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        options: FitOptions,
        callbacks: &mut impl FitCallbacks,
    ) -> Result<History> {
        self.check_xy(x, y, "fit")?;
        let bs = check_batch_size(Some(options.batch_size))?;
        let n = x.rows();
        let split_at = validation_split_at(n, options.validation_split)?;
        let (xt, yt) = (x.slice_rows(0, split_at), y.slice_rows(0, split_at));
        let val = (split_at < n).then(|| (x.slice_rows(split_at, n), y.slice_rows(split_at, n)));
        let steps = options.epochs.saturating_mul(split_at.div_ceil(bs));
        if steps > MAX_STEPS {
            return Err(Error::invalid(
                "epochs",
                format!(
                    "{} epochs of {} batches make {steps} steps (at most {MAX_STEPS})",
                    options.epochs,
                    split_at.div_ceil(bs)
                ),
            ));
        }
        let mut rng = SeededRng::derived(self.seed, SHUFFLE_STREAM);
        let mut history = History::default();
        for epoch in 0..options.epochs {
            let mut order: Vec<usize> = (0..xt.rows()).collect();
            if options.shuffle {
                rng.shuffle(&mut order);
            }
            let (xs, ys) = (gather(&xt, &order), gather(&yt, &order));
            let batches = split(&xs, Some(&ys), bs);
            let pairs: Vec<(&Tensor, &Tensor)> = batches
                .iter()
                .map(|(x, y)| (x, y.as_ref().expect("split with y")))
                .collect();
            self.runtime_mut("fit")?.load_train(&pairs)?;
            // Keras' running loss: the batch-size-weighted mean of the epoch's batches so far.
            // Batch by batch when the callbacks want each batch, else the epoch in one call.
            let (mut total, mut seen) = (0.0f64, 0usize);
            let per_call = if callbacks.wants_batches() {
                1
            } else {
                pairs.len()
            };
            let mut b = 0;
            while b < pairs.len() {
                for loss in self.runtime_mut("fit")?.train(per_call, b).await? {
                    total += loss as f64 * pairs[b].0.rows() as f64;
                    seen += pairs[b].0.rows();
                    if per_call == 1 {
                        let running = (total / seen as f64) as f32;
                        callbacks.on_batch_end(b, running).await?;
                    }
                    b += 1;
                }
            }
            let loss = (total / seen as f64) as f32;
            history.loss.push(loss);
            let val_loss = match &val {
                Some((xv, yv)) => Some(self.runtime_mut("fit")?.evaluate(xv, yv, bs).await?),
                None => None,
            };
            history.val_loss.extend(val_loss);
            callbacks.on_epoch_end(epoch, loss, val_loss).await?;
        }
        Ok(history)
    }

    /// What [`Sequential::compile_on`] would run on for `choice` (`auto` resolved by the same
    /// rule), found by opening it for a one-weight model.
    ///
    /// # Errors
    /// [`Error::Backend`] when `webgpu` is asked for and cannot be used.
    pub async fn resolve_backend(choice: BackendChoice) -> Result<BackendStatus> {
        let shape = LayerShape {
            inputs: 1,
            units: 1,
            activation: crate::Activation::Linear,
            use_bias: true,
        };
        let weights = [Tensor::zeros(1, 1), Tensor::zeros(1, 1)];
        let rt = Runtime::new(
            choice,
            vec![shape],
            &weights,
            Loss::Mse,
            Optimizer::default(),
            // The model's size is not known yet: only the adapter decides.
            None,
        );
        Ok(rt.await?.status().clone())
    }

    /// Keras' `get_weights()`: kernel `(inputs, units)` and bias `(1, units)` per layer.
    ///
    /// # Errors
    /// A backend error when reading from the device fails.
    pub fn get_weights(&mut self) -> Result<Vec<Tensor>> {
        block_on(self.get_weights_async())
    }

    /// [`Sequential::get_weights`], awaiting the device.
    pub async fn get_weights_async(&mut self) -> Result<Vec<Tensor>> {
        match &mut self.runtime {
            None => Ok(self.weights.clone()),
            Some(rt) => rt.get_weights().await,
        }
    }

    /// Keras' `set_weights` for the whole model.
    ///
    /// # Errors
    /// [`Error::Weights`] naming the count or the shape that is wrong; nothing changes then.
    pub fn set_weights(&mut self, weights: &[Tensor]) -> Result<()> {
        check_weights(&self.shapes(), weights)?;
        if let Some(rt) = &mut self.runtime {
            rt.set_weights(weights)?;
        }
        self.weights = weights.to_vec();
        Ok(())
    }

    /// Where layer `index`'s arrays are in `get_weights()`: the kernel, then the bias if any.
    ///
    /// # Errors
    /// [`Error::Weights`] for a layer that does not exist.
    pub fn layer_range(&self, index: usize) -> Result<std::ops::Range<usize>> {
        if index >= self.layers.len() {
            return Err(Error::Weights(format!(
                "layer {index} does not exist (the model has {} layers)",
                self.layers.len()
            )));
        }
        let start: usize = self.layers[..index]
            .iter()
            .map(|l| 1 + l.use_bias as usize)
            .sum();
        Ok(start..start + 1 + self.layers[index].use_bias as usize)
    }

    /// Whether array `index` of `get_weights()` is a bias (else a kernel).
    pub fn is_bias(&self, index: usize) -> bool {
        (0..self.layers.len())
            .filter_map(|l| self.layer_range(l).ok())
            .any(|r| r.len() == 2 && r.start + 1 == index)
    }

    /// `model.layers[index].get_weights()`.
    ///
    /// # Errors
    /// [`Error::Weights`] for a layer that does not exist.
    pub fn layer_weights(&mut self, index: usize) -> Result<Vec<Tensor>> {
        let range = self.layer_range(index)?;
        Ok(self.get_weights()?[range].to_vec())
    }

    /// `model.layers[index].set_weights(weights)`.
    ///
    /// # Errors
    /// [`Error::Weights`] for a layer that does not exist or wrong arrays.
    pub fn set_layer_weights(&mut self, index: usize, weights: &[Tensor]) -> Result<()> {
        let range = self.layer_range(index)?;
        let mut all = self.get_weights()?;
        if weights.len() != range.len() {
            return Err(Error::Weights(format!(
                "layer {index} has {} arrays, got {}",
                range.len(),
                weights.len()
            )));
        }
        all.splice(range, weights.iter().cloned());
        self.set_weights(&all)
    }

    /// Number of weights.
    pub fn count_params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.param_count(l.input_dim.unwrap_or(1)))
            .sum()
    }

    /// Keras' `summary()`, as a table.
    pub fn summary(&self) -> String {
        summary_table(&self.layers)
    }

    /// Optimizer updates done so far (Keras' `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        self.runtime.as_ref().map_or(0, Runtime::iterations)
    }

    /// The weights, optimizer state and iteration count.
    ///
    /// # Errors
    /// [`Error::NotCompiled`] or a backend error.
    pub async fn export_state(&mut self) -> Result<TrainingState> {
        self.runtime_mut("export_state")?.export_state().await
    }
}

/// Keras' split of `n` samples for `validation_split`: the first
/// `floor(n · (1 − validation_split))` train (computed in double, as Python does); a split
/// that leaves no training or no validation samples raises, with Keras' message.
fn validation_split_at(n: usize, validation_split: f64) -> Result<usize> {
    let vs = validation_split;
    if !(0.0..1.0).contains(&vs) {
        return Err(Error::invalid(
            "validation_split",
            format!("{vs} (must be ≥ 0 and < 1)"),
        ));
    }
    if vs == 0.0 {
        return Ok(n);
    }
    let split_at = (n as f64 * (1.0 - vs)).floor() as usize;
    if split_at == 0 || split_at == n {
        return Err(Error::invalid(
            "validation_split",
            format!(
                "{vs}: training data contains {n} samples, which is not sufficient to split it into a validation and training set as specified by `validation_split={vs}`. Either provide more data, or a different value for the `validation_split` argument"
            ),
        ));
    }
    Ok(split_at)
}

fn check_batch_size(batch_size: Option<usize>) -> Result<usize> {
    match batch_size {
        None => Ok(32),
        Some(0) => Err(Error::invalid("batch_size", "0 (must be ≥ 1)")),
        Some(b) => Ok(b),
    }
}

fn gather(t: &Tensor, order: &[usize]) -> Tensor {
    let cols = t.cols();
    let mut v = Vec::with_capacity(order.len() * cols);
    for &i in order {
        v.extend_from_slice(&t.as_slice()[i * cols..(i + 1) * cols]);
    }
    Tensor::from_vec(order.len(), cols, v).expect("sized above")
}

/// Runs a future to completion: natively by blocking, on the web only when it is already
/// complete (the CPU backend's futures always are).
///
/// # Errors
/// On wasm, [`Error::Backend`] when the future would have to wait for the GPU: use the
/// `*_async` methods there.
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        pollster::block_on(f)
    }
    #[cfg(target_arch = "wasm32")]
    {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(r) => r,
            std::task::Poll::Pending => Err(Error::Backend(
                "this call waits for the GPU: use the async API in the browser".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Activation;

    fn tutorial_model() -> Sequential {
        let mut m = Sequential::with_seed(1);
        m.add(Dense::new(1).input_dim(1)).unwrap();
        m
    }

    #[test]
    fn training_before_compile_is_an_error() {
        let mut m = tutorial_model();
        let x = Tensor::column(&[1.0]);
        let e = m.train_on_batch(&x, &x).unwrap_err().to_string();
        assert_eq!(
            e,
            "the model is not compiled: call compile(loss, optimizer) before train_on_batch"
        );
        assert!(m.evaluate(&x, &x, None).is_err());
        assert!(m.predict(&x, None).is_err());
    }

    #[test]
    fn bad_data_is_named() {
        let mut m = tutorial_model();
        m.compile("mse", Optimizer::default()).unwrap();
        let x = Tensor::column(&[1.0, 2.0]);
        let y3 = Tensor::column(&[1.0, 2.0, 3.0]);
        let e = m.train_on_batch(&x, &y3).unwrap_err().to_string();
        assert_eq!(
            e,
            "shape mismatch in train_on_batch (x vs y rows): (2, 1) and (3, 1)"
        );
        let wide = Tensor::from_rows(&[vec![1.0, 2.0]]).unwrap();
        let e = m.predict(&wide, None).unwrap_err().to_string();
        assert!(
            e.contains("x vs the model's input_dim") && e.contains("(1, 2)"),
            "{e}"
        );
        let inf = Tensor::column(&[f32::INFINITY, 1.0]);
        let e = m.train_on_batch(&inf, &x).unwrap_err().to_string();
        assert!(
            e.starts_with("x contains a non-finite value (inf) at row 0"),
            "{e}"
        );
        let empty = Tensor::zeros(0, 1);
        assert!(matches!(
            m.train_on_batch(&empty, &empty),
            Err(Error::EmptyData(_))
        ));
        assert!(m
            .evaluate(&x, &x, Some(0))
            .unwrap_err()
            .to_string()
            .contains("batch_size"));
    }

    #[test]
    fn layers_are_checked_when_added() {
        let mut m = Sequential::new();
        let e = m.add(Dense::new(3)).unwrap_err().to_string();
        assert!(e.contains("the first layer needs input_dim"), "{e}");
        m.add(Dense::new(3).input_dim(1)).unwrap();
        let e = m.add(Dense::new(2).input_dim(5)).unwrap_err().to_string();
        assert!(
            e.contains("input_dim 5 but the previous layer has 3 units"),
            "{e}"
        );
        let e = m.add(Dense::new(0)).unwrap_err().to_string();
        assert!(e.starts_with("invalid units: 0"), "{e}");
        let e = Sequential::new()
            .compile("mse", Optimizer::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("add at least one layer"), "{e}");
    }

    #[test]
    fn weights_per_model_and_per_layer_in_keras_order() {
        let mut m = Sequential::with_seed(3);
        m.add(Dense::new(4).input_dim(1).activation(Activation::Tanh))
            .unwrap();
        m.add(Dense::new(1)).unwrap();
        let w = m.get_weights().unwrap();
        let shapes: Vec<_> = w.iter().map(|t| t.shape()).collect();
        assert_eq!(shapes, vec![(1, 4), (1, 4), (4, 1), (1, 1)]);
        assert!(w[1].as_slice().iter().all(|b| *b == 0.0), "zero biases");
        assert_eq!(m.count_params(), 8 + 5);
        let e = m.set_weights(&w[..3]).unwrap_err().to_string();
        assert_eq!(
            e,
            "set_weights: expected 4 arrays (kernel and bias per layer), got 3"
        );
        let mut bad = w.clone();
        bad[2] = Tensor::zeros(1, 4);
        let e = m.set_weights(&bad).unwrap_err().to_string();
        assert_eq!(e, "set_weights: array 2 has shape (1, 4), expected (4, 1)");
        assert_eq!(
            m.get_weights().unwrap(),
            w,
            "a refused set_weights changes nothing"
        );
        m.compile("mse", Optimizer::default()).unwrap();
        let layer1 = vec![Tensor::column(&[1.0, 2.0, 3.0, 4.0]), Tensor::row(&[0.5])];
        m.set_layer_weights(1, &layer1).unwrap();
        assert_eq!(m.layer_weights(1).unwrap(), layer1);
        assert_eq!(m.layer_weights(0).unwrap(), w[..2].to_vec());
        assert!(m.layer_weights(2).is_err());
        assert!(m.set_layer_weights(1, &layer1[..1]).is_err());
    }

    #[test]
    fn summary_is_keras_table() {
        let mut m = Sequential::new();
        m.add(Dense::new(16).input_dim(1).activation(Activation::Relu))
            .unwrap();
        m.add(Dense::new(1)).unwrap();
        let s = m.summary();
        assert!(s.starts_with("Model: \"sequential\"\n┏"));
        assert!(s.contains(
            "│ dense (Dense)                   │ (None, 16)             │            32 │"
        ));
        assert!(s.contains(
            "│ dense_1 (Dense)                 │ (None, 1)              │            17 │"
        ));
        assert!(s.contains(" Total params: 49 (196.00 B)"));
    }

    #[test]
    fn fit_checks_its_options() {
        let mut m = tutorial_model();
        m.compile("mse", Optimizer::sgd(0.1)).unwrap();
        let x = Tensor::column(&[0.0, 1.0, 2.0, 3.0]);
        let y = Tensor::column(&[1.0, 2.0, 3.0, 4.0]);
        let bad = FitOptions {
            validation_split: 1.0,
            ..FitOptions::default()
        };
        assert!(m
            .fit(&x, &y, bad)
            .unwrap_err()
            .to_string()
            .contains("validation_split"));
        let h = m
            .fit(
                &x,
                &y,
                FitOptions {
                    epochs: 3,
                    batch_size: 2,
                    shuffle: true,
                    validation_split: 0.25,
                },
            )
            .unwrap();
        assert_eq!((h.loss.len(), h.val_loss.len()), (3, 3));
        assert!(h.loss[2] < h.loss[0]);
    }

    /// Records what `fit_with` reports.
    #[derive(Default)]
    struct Recorder {
        batches: Vec<(usize, f32)>,
        epochs: Vec<(usize, f32, Option<f32>)>,
    }

    impl FitCallbacks for Recorder {
        fn wants_batches(&self) -> bool {
            true
        }

        async fn on_batch_end(&mut self, batch: usize, loss: f32) -> Result<()> {
            self.batches.push((batch, loss));
            Ok(())
        }

        async fn on_epoch_end(&mut self, epoch: usize, loss: f32, val: Option<f32>) -> Result<()> {
            self.epochs.push((epoch, loss, val));
            Ok(())
        }
    }

    #[test]
    fn fit_reports_keras_logs_and_gives_the_same_history_with_or_without_them() {
        let x = Tensor::column(&[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
        let y = Tensor::column(&[1.0, 1.2, 1.5, 1.7, 2.0, 2.2, 2.5]);
        let options = FitOptions {
            epochs: 2,
            batch_size: 2,
            shuffle: true,
            validation_split: 0.3,
        };
        let run = |callbacks: Option<&mut Recorder>| {
            let mut m = tutorial_model();
            m.compile("mse", Optimizer::sgd(0.1)).unwrap();
            let h = match callbacks {
                Some(c) => block_on(m.fit_with(&x, &y, options, c)).unwrap(),
                None => m.fit(&x, &y, options).unwrap(),
            };
            (h, m.get_weights().unwrap())
        };
        let mut rec = Recorder::default();
        let with = run(Some(&mut rec));
        assert_eq!(
            with,
            run(None),
            "batch by batch or all at once, the same run"
        );
        // 7 samples: 4 train (floor(7 · 0.7)), in batches of 2; 3 held out.
        let (h, _) = with;
        let indices: Vec<usize> = rec.batches.iter().map(|b| b.0).collect();
        assert_eq!(indices, vec![0, 1, 0, 1]);
        for e in 0..2 {
            assert_eq!(rec.epochs[e], (e, h.loss[e], Some(h.val_loss[e])));
            // Keras' batch logs hold the epoch's running mean: the last one is the epoch's.
            assert_eq!(rec.batches[2 * e + 1].1, h.loss[e]);
        }
        let mut m = tutorial_model();
        m.compile("mse", Optimizer::sgd(0.1)).unwrap();
        let too_many = FitOptions {
            epochs: MAX_STEPS,
            ..options
        };
        let e = m.fit(&x, &y, too_many).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid epochs: 10000000 epochs of 2 batches"),
            "{e}"
        );
    }

    #[test]
    fn absurd_step_counts_are_refused_before_allocating() {
        let mut m = tutorial_model();
        m.compile("mse", Optimizer::default()).unwrap();
        let x = Tensor::column(&[1.0]);
        m.load_train(&x, &x, None).unwrap();
        let e = block_on(m.train_steps(usize::MAX, 0))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid steps"), "{e}");
        assert_eq!(block_on(m.train_steps(3, 0)).unwrap().len(), 3);
    }
}
