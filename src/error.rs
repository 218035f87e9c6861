//! The one error type of nnplay. Every fallible operation returns [`Result`], and every
//! message names what was wrong so that the CLI, the page and the JS API can show it as is.

use std::fmt;

/// A 2-D shape, printed as `(rows, cols)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape(pub usize, pub usize);

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.0, self.1)
    }
}

/// Everything that can go wrong in nnplay.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Two operands of an operation have shapes that do not fit together.
    #[error("shape mismatch in {op}: {lhs} and {rhs}")]
    ShapeMismatch {
        /// The operation, e.g. `matmul` or `train_on_batch (x vs y rows)`.
        op: String,
        /// Shape of the left operand.
        lhs: Shape,
        /// Shape of the right operand.
        rhs: Shape,
    },
    /// Data that must hold at least one value is empty.
    #[error("empty data: {0}")]
    EmptyData(String),
    /// A NaN or infinite value where finite numbers are required.
    #[error("{what} contains a non-finite value ({value}) at row {row}, column {col}")]
    NonFinite {
        /// What held the value (e.g. `x_train`).
        what: String,
        /// The row of the value.
        row: usize,
        /// The column of the value.
        col: usize,
        /// The value itself, as text (`NaN`, `inf`).
        value: String,
    },
    /// A parameter outside its valid range.
    #[error("invalid {name}: {message}")]
    InvalidParameter {
        /// The parameter, e.g. `learning_rate`.
        name: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A name that is not one of the known ones (activation, loss, optimizer, initializer, …).
    #[error("unknown {kind} '{name}'; valid names: {valid}")]
    UnknownName {
        /// What kind of name (e.g. `activation`).
        kind: String,
        /// The name given.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// Training, evaluation or prediction before `compile`.
    #[error("the model is not compiled: call compile(loss, optimizer) before {0}")]
    NotCompiled(String),
    /// The model has no layers or a layer is missing its input size.
    #[error("model: {0}")]
    Model(String),
    /// `set_weights` with the wrong number of arrays or wrong shapes.
    #[error("set_weights: {0}")]
    Weights(String),
    /// A malformed or invalid experiment config or run record.
    #[error("config: {0}")]
    Config(String),
    /// Malformed CSV input.
    #[error("CSV line {line}: {message}")]
    Csv {
        /// 1-based line number.
        line: usize,
        /// What is wrong with that line.
        message: String,
    },
    /// The compute backend failed or is unavailable (e.g. no WebGPU adapter).
    #[error("backend: {0}")]
    Backend(String),
    /// The GPU device was lost (driver reset, tab in background, …); the work since the last
    /// read-back did not complete.
    #[error("the WebGPU device was lost: {0}")]
    DeviceLost(String),
    /// Training produced a non-finite loss.
    #[error("training diverged at step {step}: the loss is {loss}")]
    Diverged {
        /// The step whose loss was not finite.
        step: usize,
        /// The loss, as text.
        loss: String,
    },
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}

/// Result with nnplay's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::InvalidParameter`].
    pub fn invalid(name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            message: message.into(),
        }
    }

    /// An [`Error::UnknownName`] listing the valid names.
    pub fn unknown(kind: &str, name: &str, valid: &[&str]) -> Self {
        Error::UnknownName {
            kind: kind.to_string(),
            name: name.to_string(),
            valid: valid.join(", "),
        }
    }

    /// An [`Error::ShapeMismatch`].
    pub fn shapes(op: impl Into<String>, lhs: (usize, usize), rhs: (usize, usize)) -> Self {
        Error::ShapeMismatch {
            op: op.into(),
            lhs: Shape(lhs.0, lhs.1),
            rhs: Shape(rhs.0, rhs.1),
        }
    }
}
