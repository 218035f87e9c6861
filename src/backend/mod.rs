//! Compute backends: one interface, two implementations.
//!
//! [`Backend`] is the set of tensor operations a Keras-style training step needs, with
//! explicit output buffers so a model allocates everything once and a step only runs kernels.
//! [`cpu::CpuBackend`] runs them at once on the host (ndarray); `gpu::GpuBackend` records
//! them as WGSL compute dispatches and submits them in one go. The layers, losses, optimizers
//! and `Sequential` are written once, over this trait (see [`crate::engine`]).
//!
//! Counters (the step's loss cursor, the optimizer's iteration count) are integers the backend
//! keeps next to the buffers ([`Counter`]): on the GPU they live on the device, so a run of many
//! steps needs no host round trip at all, and the host always knows their value because only
//! the operations recorded through this trait change them.

mod check;
pub mod cpu;
pub mod gpu;
pub mod plan;

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::optim::Coefficients;
use plan::StepPlan;
use serde::{Deserialize, Serialize};

/// A handle to a buffer of `f32` owned by a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Buf(pub u32);

/// A handle to an integer counter owned by a backend (a loss log's cursor, the optimizer's
/// iteration count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Counter(pub u32);

/// Which backend actually runs a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The host CPU (ndarray).
    Cpu,
    /// WebGPU (wgpu): the browser's GPU, or natively Vulkan/Metal/DX12.
    Webgpu,
}

impl BackendKind {
    /// The name used in configs and run records (`cpu`, `webgpu`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Webgpu => "webgpu",
        }
    }
}

/// Which backend a run asks for.
///
/// A config names it exactly (`auto`, `webgpu`, `cpu`); anything else in its place is refused
/// with the valid names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum BackendChoice {
    /// WebGPU when an adapter exists, else the CPU.
    #[default]
    Auto,
    /// WebGPU, or an error.
    Webgpu,
    /// The CPU.
    Cpu,
}

impl BackendChoice {
    /// Parses `auto`, `webgpu` or `cpu`.
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "auto" => Ok(BackendChoice::Auto),
            "webgpu" | "gpu" => Ok(BackendChoice::Webgpu),
            "cpu" => Ok(BackendChoice::Cpu),
            _ => Err(Error::unknown("backend", name, &["auto", "webgpu", "cpu"])),
        }
    }

    /// The config name.
    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Webgpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }
}

impl TryFrom<String> for BackendChoice {
    type Error = Error;

    /// The config's spelling only (the command line's `gpu` and capitals are not the schema).
    fn try_from(name: String) -> Result<Self> {
        [
            BackendChoice::Auto,
            BackendChoice::Webgpu,
            BackendChoice::Cpu,
        ]
        .into_iter()
        .find(|b| b.name() == name)
        .ok_or_else(|| Error::unknown("backend", &name, &["auto", "webgpu", "cpu"]))
    }
}

/// Work counted by a backend: asserted by tests, printed by the benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Kernel launches (CPU: operations run, a whole training step counting one).
    pub dispatches: u64,
    /// Queue submissions (CPU: 0).
    pub submits: u64,
    /// Read-backs from the device to the host.
    pub readbacks: u64,
    /// Uploads from the host to the device.
    pub uploads: u64,
}

/// The operations of a training step, over buffers the backend owns.
///
/// Every buffer is a row-major `(rows, cols)` matrix of `f32`. Outputs never alias inputs
/// unless an operation says so. Operations check shapes and return
/// [`crate::Error::ShapeMismatch`] rather than panicking.
// Futures here never cross threads (wasm is single-threaded), so `Send` bounds are not needed.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// Which backend this is.
    fn kind(&self) -> BackendKind;

    /// A line for people: the device in use (e.g. the adapter's name).
    fn describe(&self) -> String;

    /// A new zeroed buffer.
    fn alloc(&mut self, rows: usize, cols: usize) -> Buf;

    /// Frees a buffer; the handle must not be used again.
    fn free(&mut self, buf: Buf);

    /// The shape of a buffer.
    fn shape(&self, buf: Buf) -> (usize, usize);

    /// Replaces a buffer's contents (`values.len()` must equal rows × cols). The write is
    /// ordered like an operation: operations recorded before it see the old contents.
    fn write(&mut self, buf: Buf, values: &[f32]) -> Result<()>;

    /// `out = op(a) · op(b)`, where `op` transposes when its flag is set.
    ///
    /// # Shapes
    /// `op(a)`: (m, k), `op(b)`: (k, n), `out`: (m, n).
    fn matmul(&mut self, a: Buf, trans_a: bool, b: Buf, trans_b: bool, out: Buf) -> Result<()>;

    /// `z += bias` (broadcast over rows), then `out = act(z)`.
    ///
    /// When `out == z` only the bias is added and `act` must be linear.
    ///
    /// # Shapes
    /// `z`, `out`: (rows, units); `bias`: (1, units).
    fn bias_activation(
        &mut self,
        z: Buf,
        bias: Option<Buf>,
        act: Activation,
        out: Buf,
    ) -> Result<()>;

    /// `out = grad ⊙ act'(z)`, with `a = act(z)` available to the derivative.
    fn activation_backward(
        &mut self,
        grad: Buf,
        z: Buf,
        a: Buf,
        act: Activation,
        out: Buf,
    ) -> Result<()>;

    /// `out[0, j] = Σᵢ m[i, j]` (bias gradients).
    fn column_sums(&mut self, m: Buf, out: Buf) -> Result<()>;

    /// The mean loss of `y_pred` against `y_true`, written to `out[cursor]` after which the
    /// cursor is incremented (without a cursor, to `out[0]`); with `grad`, also
    /// `grad = dLoss/dy_pred`.
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`], or [`crate::Error::Backend`] when the cursor is past
    /// the end of `out` (the log is full).
    fn loss(
        &mut self,
        y_pred: Buf,
        y_true: Buf,
        loss: Loss,
        grad: Option<Buf>,
        out: Buf,
        cursor: Option<Counter>,
    ) -> Result<()>;

    /// A new counter, at zero.
    fn alloc_counter(&mut self) -> Counter;

    /// Sets a counter. Ordered like an operation: operations recorded before it see the old
    /// value.
    fn set_counter(&mut self, counter: Counter, value: u64) -> Result<()>;

    /// A counter's value once every operation recorded so far has run (counters change only
    /// through this trait, so the host always knows them).
    fn counter(&self, counter: Counter) -> u64;

    /// Adds one to a counter.
    fn increment(&mut self, counter: Counter) -> Result<()>;

    /// Updates `param` from `grad` with the optimizer's rule; `slots` are its state arrays
    /// ([`crate::Optimizer::slots`] of them, each of the parameter's shape) and `iterations` the
    /// 1-based iteration of this update.
    fn apply_gradient(
        &mut self,
        update: &Coefficients,
        param: Buf,
        grad: Buf,
        slots: &[Buf],
        iterations: Counter,
    ) -> Result<()>;

    /// Whether this backend runs whole training steps itself ([`Backend::run_steps`]).
    fn runs_steps(&self) -> bool {
        false
    }

    /// Runs `steps` training steps of `plan`, step `i` on batch `(first + i) mod batches`,
    /// with results equal bit for bit to the operations the engine records otherwise (the CPU
    /// runs them over plain slices, checking the plan once rather than each operation).
    ///
    /// # Errors
    /// As the recorded operations: shape mismatches, a full loss log; [`crate::Error::Backend`]
    /// from a backend that does not run whole steps.
    fn run_steps(&mut self, plan: &StepPlan<'_>, first: usize, steps: usize) -> Result<()> {
        let _ = (plan, first, steps);
        Err(Error::Backend(format!(
            "the {} backend records steps operation by operation",
            self.kind().name()
        )))
    }

    /// Sends recorded work to the device (a no-op on the CPU).
    fn submit(&mut self);

    /// Reads buffers back to the host, submitting pending work first.
    async fn read(&mut self, bufs: &[Buf]) -> Result<Vec<Vec<f32>>>;

    /// Work counted so far.
    fn counters(&self) -> Counters;

    /// The most `f32` values one buffer may hold (a WebGPU adapter's storage-buffer binding
    /// limit; unbounded on the CPU).
    fn max_buffer_floats(&self) -> usize {
        usize::MAX
    }

    /// Whether the device can disappear mid-run (a GPU), so that the engine keeps a copy of the
    /// training state at each read-back to continue elsewhere.
    fn can_be_lost(&self) -> bool {
        false
    }
}
