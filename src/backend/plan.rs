//! How a step is laid out over a backend's buffers: the layers' shapes and parameter buffers,
//! the workspaces and, for a backend that runs whole steps itself, the [`StepPlan`]. The
//! engine builds these; the backends read them (so the backend does not depend on the engine).

use super::{Buf, Counter};
use crate::activation::Activation;
use crate::loss::Loss;
use crate::optim::Coefficients;
#[cfg(doc)]
use crate::optim::Optimizer;

/// The shape of one layer, as the engine needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerShape {
    /// Number of inputs.
    pub inputs: usize,
    /// Number of outputs.
    pub units: usize,
    /// The activation.
    pub activation: Activation,
    /// Whether a bias is added.
    pub use_bias: bool,
}

/// A parameter's buffers: its value, its gradient and its optimizer state arrays.
pub struct ParamBufs {
    /// The weight.
    pub value: Buf,
    /// Its gradient, written by the backward pass.
    pub grad: Buf,
    /// The optimizer's state arrays ([`Optimizer::slots`] of them), each of the weight's shape.
    pub slots: Vec<Buf>,
}

/// A layer's parameters.
pub struct LayerBufs {
    /// The kernel, `(inputs, units)`.
    pub kernel: ParamBufs,
    /// The bias, `(1, units)`, when the layer has one.
    pub bias: Option<ParamBufs>,
}

/// Activations and gradients for one batch size, one of each per layer, each `(rows, units)`.
/// For a linear layer `a` is `z` and `dz` is `da` (the same buffers).
pub struct Workspace {
    /// The batch size.
    pub rows: usize,
    /// Pre-activations.
    pub z: Vec<Buf>,
    /// Activations (the layer's outputs).
    pub a: Vec<Buf>,
    /// Gradients with respect to the outputs.
    pub da: Vec<Buf>,
    /// Gradients with respect to the pre-activations.
    pub dz: Vec<Buf>,
}

/// One training step laid out over a backend's buffers, for a backend that runs whole steps
/// itself ([`Backend::run_steps`]): the same forward pass, loss, backward pass and update as
/// the operations the engine records otherwise, in the same order.
pub struct StepPlan<'a> {
    /// The layers' shapes.
    pub shapes: &'a [LayerShape],
    /// The layers' parameters.
    pub layers: &'a [LayerBufs],
    /// The workspaces the batches use.
    pub workspaces: &'a [Workspace],
    /// Per loaded batch: its inputs, its targets and the index of its workspace. Step `i` of
    /// a run from `first` uses batch `(first + i) mod batches.len()`.
    pub batches: &'a [(Buf, Buf, usize)],
    /// The loss.
    pub loss: Loss,
    /// The update.
    pub update: &'a Coefficients,
    /// The loss log: step `i`'s loss goes to `log[cursor]`, then the cursor moves on.
    pub log: Buf,
    /// The loss log's cursor.
    pub cursor: Counter,
    /// The optimizer's iteration count, incremented before each update.
    pub iterations: Counter,
}
