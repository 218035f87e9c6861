//! Where a compiled model runs: the choice of backend, and one recovering call path.
//!
//! A [`Runtime`] owns the model's [`Engine`] over a [`Device`]: the CPU or WebGPU, chosen by a
//! plain `match` in each backend operation (as candle's `Storage` does over its devices). The
//! engine is thus compiled once for both backends; a whole training step on the CPU
//! ([`Backend::run_steps`]) is one such `match` per chunk of steps. Every call that can reach
//! the device goes through [`recovering!`]: when the WebGPU device is lost, the runtime moves
//! to the CPU from the state of the last read-back, reloads the batches that were loaded, and
//! runs the call again there, so a loss at any call continues with nothing lost. The backend's
//! status is structured ([`BackendStatus`]); the CLI and the page each put it into words.

use crate::activation::Activation;
use crate::backend::cpu::CpuBackend;
use crate::backend::gpu::{describe_adapter, AdapterSummary, GpuBackend};
use crate::backend::plan::StepPlan;
use crate::backend::{Backend, BackendChoice, BackendKind, Buf, Counter, Counters};
use crate::engine::{Engine, LayerShape, TrainingState};
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::optim::{Coefficients, Optimizer};
use crate::tensor::Tensor;
use serde::Serialize;

/// One of the two backends, behind one type: the engine over it is compiled once, and each
/// operation forwards to the backend in use with a `match`.
pub(crate) enum Device {
    /// The CPU.
    Cpu(CpuBackend),
    /// WebGPU.
    Gpu(Box<GpuBackend>),
}

/// Calls the same backend method whatever the device.
macro_rules! on_device {
    ($device:expr, $b:ident => $body:expr) => {
        match $device {
            Device::Cpu($b) => $body,
            Device::Gpu($b) => $body,
        }
    };
}

impl Backend for Device {
    fn kind(&self) -> BackendKind {
        on_device!(self, b => b.kind())
    }

    fn describe(&self) -> String {
        on_device!(self, b => b.describe())
    }

    fn alloc(&mut self, rows: usize, cols: usize) -> Buf {
        on_device!(self, b => b.alloc(rows, cols))
    }

    fn free(&mut self, buf: Buf) {
        on_device!(self, b => b.free(buf))
    }

    fn shape(&self, buf: Buf) -> (usize, usize) {
        on_device!(self, b => b.shape(buf))
    }

    fn write(&mut self, buf: Buf, values: &[f32]) -> Result<()> {
        on_device!(self, b => b.write(buf, values))
    }

    fn matmul(&mut self, a: Buf, trans_a: bool, b: Buf, trans_b: bool, out: Buf) -> Result<()> {
        on_device!(self, d => d.matmul(a, trans_a, b, trans_b, out))
    }

    fn bias_activation(
        &mut self,
        z: Buf,
        bias: Option<Buf>,
        act: Activation,
        out: Buf,
    ) -> Result<()> {
        on_device!(self, b => b.bias_activation(z, bias, act, out))
    }

    fn activation_backward(
        &mut self,
        grad: Buf,
        z: Buf,
        a: Buf,
        act: Activation,
        out: Buf,
    ) -> Result<()> {
        on_device!(self, b => b.activation_backward(grad, z, a, act, out))
    }

    fn column_sums(&mut self, m: Buf, out: Buf) -> Result<()> {
        on_device!(self, b => b.column_sums(m, out))
    }

    fn loss(
        &mut self,
        y_pred: Buf,
        y_true: Buf,
        loss: Loss,
        grad: Option<Buf>,
        out: Buf,
        cursor: Option<Counter>,
    ) -> Result<()> {
        on_device!(self, b => b.loss(y_pred, y_true, loss, grad, out, cursor))
    }

    fn alloc_counter(&mut self) -> Counter {
        on_device!(self, b => b.alloc_counter())
    }

    fn set_counter(&mut self, counter: Counter, value: u64) -> Result<()> {
        on_device!(self, b => b.set_counter(counter, value))
    }

    fn counter(&self, counter: Counter) -> u64 {
        on_device!(self, b => b.counter(counter))
    }

    fn increment(&mut self, counter: Counter) -> Result<()> {
        on_device!(self, b => b.increment(counter))
    }

    fn apply_gradient(
        &mut self,
        update: &Coefficients,
        param: Buf,
        grad: Buf,
        slots: &[Buf],
        iterations: Counter,
    ) -> Result<()> {
        on_device!(self, b => b.apply_gradient(update, param, grad, slots, iterations))
    }

    fn runs_steps(&self) -> bool {
        on_device!(self, b => b.runs_steps())
    }

    fn run_steps(&mut self, plan: &StepPlan<'_>, first: usize, steps: usize) -> Result<()> {
        on_device!(self, b => b.run_steps(plan, first, steps))
    }

    fn submit(&mut self) {
        on_device!(self, b => b.submit())
    }

    async fn read(&mut self, bufs: &[Buf]) -> Result<Vec<Vec<f32>>> {
        on_device!(self, b => b.read(bufs).await)
    }

    fn counters(&self) -> Counters {
        on_device!(self, b => b.counters())
    }

    fn max_buffer_floats(&self) -> usize {
        on_device!(self, b => b.max_buffer_floats())
    }

    fn can_be_lost(&self) -> bool {
        on_device!(self, b => b.can_be_lost())
    }
}

/// Runs an engine call (`e` is the `&mut Engine<Device>`); if the WebGPU device was lost,
/// moves to the CPU and runs it again there (the CPU is never lost, so the second attempt is
/// the last).
macro_rules! recovering {
    ($self:ident, $e:ident => $body:expr) => {{
        loop {
            let $e = &mut *$self.engine;
            match $body {
                Err(Error::DeviceLost(why)) if $self.kind() == BackendKind::Webgpu => {
                    $self.move_to_cpu(&why)?;
                }
                other => break other,
            }
        }
    }};
}

/// The WebGPU adapter a model runs (or ran) on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Adapter {
    /// The adapter's name; empty when the browser hides it.
    pub name: String,
    /// The graphics API under WebGPU (`Vulkan`, `Metal`, `Dx12`, `Gl`, `BrowserWebGpu`).
    pub api: String,
    /// `DiscreteGpu`, `IntegratedGpu`, `VirtualGpu`, `Cpu` or `Other`.
    pub device_type: String,
    /// A software rasteriser (lavapipe, SwiftShader, WARP): correct, but no real GPU.
    pub software: bool,
}

impl From<&AdapterSummary> for Adapter {
    fn from(s: &AdapterSummary) -> Self {
        Adapter {
            name: s.name.clone(),
            api: s.backend.clone(),
            device_type: s.device_type.clone(),
            software: s.is_software,
        }
    }
}

/// Why a model runs on the CPU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CpuReason {
    /// The CPU was asked for.
    Requested,
    /// WebGPU cannot be used here: `message` says why (no WebGPU in this environment, no
    /// adapter, the device could not be opened).
    Unavailable {
        /// The reason, as the platform gave it.
        message: String,
    },
    /// `auto` found a WebGPU adapter, but a software one (SwiftShader, lavapipe, WARP): it runs
    /// the GPU's work on the CPU, slower than the CPU backend itself.
    SoftwareAdapter {
        /// The adapter, as [`describe_adapter`] puts it.
        adapter: String,
    },
    /// `auto` left the GPU alone: one step of this model is too little arithmetic for the GPU
    /// to gain back its dispatch and read-back latency (see [`AUTO_GPU_MIN_FLOPS`]).
    TooSmall {
        /// The model's arithmetic per training step (forward and backward), in FLOPs.
        flops_per_step: u64,
        /// The threshold it fell under.
        threshold: u64,
    },
    /// The WebGPU device was lost mid-run and training continued on the CPU.
    DeviceLost {
        /// Optimizer updates done when the device was lost (training resumed from there).
        after_updates: u64,
        /// The driver's (or the simulation's) message.
        message: String,
    },
}

/// Which backend runs a model, on what, and why: the CLI and the page each put it into words
/// ([`BackendStatus::line`] is the CLI's English line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackendStatus {
    /// The backend running the model now.
    pub kind: BackendKind,
    /// What was asked for.
    pub requested: BackendChoice,
    /// The WebGPU adapter in use, or the one in use before the device was lost.
    pub adapter: Option<Adapter>,
    /// Why the CPU runs the model (`None` on WebGPU).
    pub cpu_reason: Option<CpuReason>,
}

impl BackendStatus {
    /// One line for people, e.g. `Using WebGPU backend (adapter: NVIDIA H200, Vulkan,
    /// DiscreteGpu)` or `Using CPU backend (no WebGPU adapter …)`.
    pub fn line(&self) -> String {
        match (&self.cpu_reason, &self.adapter) {
            (None, Some(a)) => format!("Using WebGPU backend (adapter: {})", describe(a)),
            (None, None) => "Using WebGPU backend".into(),
            (Some(CpuReason::Requested), _) => "Using CPU backend (asked for)".into(),
            (Some(CpuReason::SoftwareAdapter { adapter }), _) => format!(
                "Using CPU backend (the only WebGPU adapter is a software one: {adapter}; `webgpu` runs on it anyway)"
            ),
            (
                Some(CpuReason::TooSmall {
                    flops_per_step,
                    threshold,
                }),
                _,
            ) => format!(
                "Using CPU backend (this model is too small to gain from the GPU: {} per step, under {}; `webgpu` runs on it anyway)",
                flops(*flops_per_step),
                flops(*threshold)
            ),
            (Some(CpuReason::Unavailable { message }), _) => {
                format!("Using CPU backend ({message})")
            }
            (
                Some(CpuReason::DeviceLost {
                    after_updates,
                    message,
                }),
                _,
            ) => format!(
                "Using CPU backend (the WebGPU device was lost after {after_updates} updates ({message}); training continued on the CPU from the same weights and optimizer state)"
            ),
        }
    }
}

/// FLOPs in people's units: `960 FLOPs`, `31 kFLOPs`, `4.2 MFLOPs`, `126 GFLOPs`.
fn flops(n: u64) -> String {
    let v = n as f64;
    let (scaled, unit) = if v >= 1e9 {
        (v / 1e9, "GFLOPs")
    } else if v >= 1e6 {
        (v / 1e6, "MFLOPs")
    } else if v >= 1e3 {
        (v / 1e3, "kFLOPs")
    } else {
        return format!("{n} FLOPs");
    };
    if scaled >= 10.0 {
        format!("{scaled:.0} {unit}")
    } else {
        format!("{scaled:.1} {unit}")
    }
}

/// Below this much arithmetic per training step (FLOPs, forward and backward, see
/// [`flops_per_step`]) `auto` trains on the CPU without opening the GPU.
///
/// Why this number: a WebGPU step costs at least its dispatches (about ten per layer of a
/// step, each some 5–20 µs of driver and browser work on a real GPU) before any arithmetic,
/// while the CPU backend does about 15–20 GFLOP/s in wasm (SIMD128) and 50–65 natively on the
/// machine this was measured on. At 4 MFLOPs the CPU takes about 0.2 ms per step, the latency
/// floor of a small network's WebGPU step. `make bench` measures both backends over model
/// sizes on the adapter at hand; the machine it was measured on has only software adapters
/// (SwiftShader, lavapipe), on which the GPU never caught up with the CPU at any size
/// measured, so for a real GPU this threshold is an estimate from those latencies.
pub const AUTO_GPU_MIN_FLOPS: u64 = 4_000_000;

/// The arithmetic of one training step of `rows` rows through layers of `shapes`: 2 FLOPs per
/// multiply-add, a forward product and two backward ones (inputs' and weights' gradients).
pub fn flops_per_step(shapes: &[LayerShape], rows: usize) -> u64 {
    let macs: u64 = shapes
        .iter()
        .map(|s| s.inputs as u64 * s.units as u64)
        .sum();
    6 * rows as u64 * macs
}

/// `name, api, type`, as the backend describes its adapter.
fn describe(a: &Adapter) -> String {
    describe_adapter(&a.name, &a.api, &a.device_type, a.software)
}

/// A compiled model's engine, its backend status, and what it needs to move to the CPU.
pub(crate) struct Runtime {
    engine: Box<Engine<Device>>,
    status: BackendStatus,
    shapes: Vec<LayerShape>,
    loss: Loss,
    opt: Optimizer,
    /// While the device can be lost: host copies of the batches loaded for training, so that a
    /// move to the CPU reloads exactly what was loaded (a plain `train_on_batch` loop on the CPU
    /// keeps none).
    loaded: Vec<(Tensor, Tensor)>,
}

impl Runtime {
    /// A runtime on the backend `choice` resolves to: `cpu` is the CPU; `webgpu` needs a
    /// device (any adapter, software ones included); `auto` takes the CPU, saying why, when a
    /// step of `rows_per_step` rows is under [`AUTO_GPU_MIN_FLOPS`] (the GPU is not even
    /// opened then), when no device opens, or when the only adapter is a software one, and
    /// WebGPU otherwise. `rows_per_step` unknown (`None`): only the adapter decides.
    ///
    /// # Errors
    /// [`Error::Backend`] when `webgpu` is asked for and cannot be used; the engine's errors
    /// (weights that do not fit, a model over its memory budget).
    pub async fn new(
        choice: BackendChoice,
        shapes: Vec<LayerShape>,
        weights: &[Tensor],
        loss: Loss,
        opt: Optimizer,
        rows_per_step: Option<usize>,
    ) -> Result<Runtime> {
        let too_small = rows_per_step
            .map(|rows| flops_per_step(&shapes, rows))
            .filter(|&f| f < AUTO_GPU_MIN_FLOPS);
        let (gpu, reason) = match choice {
            BackendChoice::Cpu => (None, Some(CpuReason::Requested)),
            BackendChoice::Webgpu => match GpuBackend::new().await {
                Ok(g) => (Some(g), None),
                Err(e) => {
                    return Err(Error::Backend(format!(
                        "WebGPU was asked for but cannot be used: {}",
                        message(&e)
                    )))
                }
            },
            BackendChoice::Auto if too_small.is_some() => (
                None,
                Some(CpuReason::TooSmall {
                    flops_per_step: too_small.unwrap_or_default(),
                    threshold: AUTO_GPU_MIN_FLOPS,
                }),
            ),
            BackendChoice::Auto => match GpuBackend::new().await {
                Ok(g) if g.is_software() => {
                    let adapter = describe(&Adapter::from(g.adapter_info()));
                    (None, Some(CpuReason::SoftwareAdapter { adapter }))
                }
                Ok(g) => (Some(g), None),
                Err(e) => (
                    None,
                    Some(CpuReason::Unavailable {
                        message: message(&e),
                    }),
                ),
            },
        };
        let (device, adapter) = match gpu {
            Some(g) => {
                let adapter = Adapter::from(g.adapter_info());
                (Device::Gpu(Box::new(g)), Some(adapter))
            }
            None => (Device::Cpu(CpuBackend::new()), None),
        };
        let kind = device.kind();
        let engine = Box::new(Engine::new(device, shapes.clone(), weights, loss, opt)?);
        Ok(Runtime {
            engine,
            status: BackendStatus {
                kind,
                requested: choice,
                adapter,
                cpu_reason: reason,
            },
            shapes,
            loss,
            opt,
            loaded: Vec::new(),
        })
    }

    /// The backend running the model.
    pub fn kind(&self) -> BackendKind {
        self.status.kind
    }

    /// The backend, the adapter and why.
    pub fn status(&self) -> &BackendStatus {
        &self.status
    }

    /// Work counted by the backend.
    pub fn counters(&self) -> Counters {
        self.engine.counters()
    }

    /// Optimizer updates recorded so far.
    pub fn iterations(&self) -> u64 {
        self.engine.iterations()
    }

    /// The loss and optimizer.
    pub fn compiled(&self) -> (Loss, Optimizer) {
        (self.loss, self.opt)
    }

    /// Changes the optimizer (its state is kept when only hyper-parameters change).
    pub fn set_optimizer(&mut self, opt: Optimizer) -> Result<()> {
        recovering!(self, e => e.set_optimizer(opt))?;
        self.opt = opt;
        Ok(())
    }

    /// Starts the optimizer afresh (zero state, no iterations); the weights stay.
    pub fn reset_optimizer(&mut self) -> Result<()> {
        recovering!(self, e => e.reset_optimizer())
    }

    /// Replaces the weights.
    pub fn set_weights(&mut self, weights: &[Tensor]) -> Result<()> {
        recovering!(self, e => e.set_weights(weights))
    }

    /// Loads training batches onto the device.
    pub fn load_train(&mut self, batches: &[(&Tensor, &Tensor)]) -> Result<()> {
        recovering!(self, e => e.load_train(batches))?;
        if self.kind() == BackendKind::Webgpu {
            self.loaded = batches
                .iter()
                .map(|(x, y)| ((*x).clone(), (*y).clone()))
                .collect();
        }
        Ok(())
    }

    /// Runs `steps` steps over the loaded batches from batch `first`; after a device loss the
    /// steps not yet done run on the CPU, so the losses returned are always `steps` long.
    pub async fn train(&mut self, steps: usize, first: usize) -> Result<Vec<f32>> {
        let mut losses = Vec::with_capacity(steps);
        loop {
            let (todo, from) = (steps - losses.len(), first + losses.len());
            match self.engine.train_loaded(todo, from).await {
                Ok(l) => {
                    losses.extend(l);
                    return Ok(losses);
                }
                Err(Error::DeviceLost(why)) if self.kind() == BackendKind::Webgpu => {
                    losses.extend(self.move_to_cpu(&why)?);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Keras' `evaluate`.
    pub async fn evaluate(&mut self, x: &Tensor, y: &Tensor, batch_size: usize) -> Result<f32> {
        recovering!(self, e => e.evaluate(x, y, batch_size).await)
    }

    /// Keras' `predict`.
    pub async fn predict(&mut self, x: &Tensor, batch_size: usize) -> Result<Tensor> {
        recovering!(self, e => e.predict(x, batch_size).await)
    }

    /// Keras' `get_weights`.
    pub async fn get_weights(&mut self) -> Result<Vec<Tensor>> {
        recovering!(self, e => e.get_weights().await)
    }

    /// The weights, optimizer state and iteration count.
    pub async fn export_state(&mut self) -> Result<TrainingState> {
        recovering!(self, e => e.export_state().await)
    }

    /// Makes the WebGPU device behave as lost; the next call continues on the CPU.
    pub fn simulate_device_loss(&mut self) {
        if let Device::Gpu(g) = self.engine.backend_mut() {
            g.simulate_device_loss();
        }
    }

    /// Moves to the CPU from the last checkpoint of the lost device; returns the losses of the
    /// steps completed before the loss (those after it are to be run again).
    fn move_to_cpu(&mut self, why: &str) -> Result<Vec<f32>> {
        let lost = || Error::DeviceLost(why.to_string());
        if self.kind() != BackendKind::Webgpu {
            return Err(lost());
        }
        let (state, done) = self.engine.take_recovery().ok_or_else(lost)?;
        let mut cpu = Engine::new(
            Device::Cpu(CpuBackend::new()),
            self.shapes.clone(),
            &state.weights,
            self.loss,
            self.opt,
        )?;
        cpu.import_state(&state)?;
        let batches: Vec<(&Tensor, &Tensor)> = self.loaded.iter().map(|(x, y)| (x, y)).collect();
        if !batches.is_empty() {
            cpu.load_train(&batches)?;
        }
        self.loaded.clear();
        *self.engine = cpu;
        self.status.kind = BackendKind::Cpu;
        self.status.cpu_reason = Some(CpuReason::DeviceLost {
            after_updates: state.iterations,
            message: why.to_string(),
        });
        Ok(done)
    }
}

/// An error's message without its `backend: ` prefix.
fn message(e: &Error) -> String {
    match e {
        Error::Backend(m) => m.clone(),
        other => other.to_string(),
    }
}
