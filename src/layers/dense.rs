//! `Dense`: a fully connected layer, `output = activation(input · kernel + bias)`.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::rng::SeededRng;
use crate::tensor::Tensor;

pub use crate::limits::MAX_UNITS;

/// A fully connected layer with Keras' defaults.
///
/// # Shapes
/// input `(batch, inputs)`, kernel `(inputs, units)`, bias `(units,)` (kept as `(1, units)`),
/// output `(batch, units)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Number of outputs.
    pub units: usize,
    /// Number of inputs; required on the first layer, inferred on the others.
    pub input_dim: Option<usize>,
    /// The activation (default linear).
    pub activation: Activation,
    /// Whether the layer adds a bias (default true).
    pub use_bias: bool,
    /// How the kernel starts (default glorot_uniform).
    pub kernel_initializer: Initializer,
    /// How the bias starts (default zeros).
    pub bias_initializer: Initializer,
}

impl Dense {
    /// `Dense(units)` with Keras' defaults.
    pub fn new(units: usize) -> Self {
        Dense {
            units,
            input_dim: None,
            activation: Activation::Linear,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
        }
    }

    /// Sets the number of inputs (Keras' `input_dim`).
    pub fn input_dim(mut self, n: usize) -> Self {
        self.input_dim = Some(n);
        self
    }

    /// Sets the activation.
    pub fn activation(mut self, a: Activation) -> Self {
        self.activation = a;
        self
    }

    /// Sets whether a bias is used.
    pub fn use_bias(mut self, b: bool) -> Self {
        self.use_bias = b;
        self
    }

    /// Sets the kernel initializer.
    pub fn kernel_initializer(mut self, i: Initializer) -> Self {
        self.kernel_initializer = i;
        self
    }

    /// Sets the bias initializer.
    pub fn bias_initializer(mut self, i: Initializer) -> Self {
        self.bias_initializer = i;
        self
    }

    /// Checks `units` (and `input_dim` when given).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when a size is 0 or above [`MAX_UNITS`].
    pub fn validate(&self) -> Result<()> {
        check_size("units", self.units)?;
        if let Some(n) = self.input_dim {
            check_size("input_dim", n)?;
        }
        Ok(())
    }

    /// Number of weights for `inputs` inputs.
    pub fn param_count(&self, inputs: usize) -> usize {
        inputs * self.units + if self.use_bias { self.units } else { 0 }
    }

    /// Fresh weights in Keras' order: the kernel, then the bias when used.
    pub fn init_weights(&self, inputs: usize, rng: &mut SeededRng) -> Vec<Tensor> {
        let kernel = self
            .kernel_initializer
            .sample(rng, inputs * self.units, inputs, self.units);
        let mut w = vec![Tensor::from_vec(inputs, self.units, kernel).expect("sized above")];
        if self.use_bias {
            let bias = self
                .bias_initializer
                .sample(rng, self.units, self.units, self.units);
            w.push(Tensor::row(&bias));
        }
        w
    }

    /// The shapes of this layer's weights for `inputs` inputs, in Keras' order.
    pub fn weight_shapes(&self, inputs: usize) -> Vec<(usize, usize)> {
        let mut s = vec![(inputs, self.units)];
        if self.use_bias {
            s.push((1, self.units));
        }
        s
    }
}

fn check_size(name: &str, n: usize) -> Result<()> {
    if n == 0 || n > MAX_UNITS {
        return Err(Error::invalid(
            name,
            format!("{n} (must be between 1 and {MAX_UNITS})"),
        ));
    }
    Ok(())
}
