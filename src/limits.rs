//! Every limit nnplay enforces, in one leaf module: the config's validation, the model, the
//! engine, the page's controls (through the JS API) and the CLI all read them from here.
//!
//! The limits keep a browser tab responsive and its memory bounded; anything beyond them is
//! refused with a message naming the limit, before anything is allocated.

/// The most points a dataset may have.
pub const MAX_POINTS: usize = 100_000;

/// The fewest points a generated dataset may have (one to train on, one to test).
pub const MIN_POINTS: usize = 2;

/// The most layers a model may have.
pub const MAX_LAYERS: usize = 16;

/// The most units a layer may have.
pub const MAX_UNITS: usize = 4096;

/// The most `f32` values a model's buffers may hold together (256 MB): weights with their
/// gradients and optimizer state, and the activations of every batch size the model runs
/// (training, evaluation and prediction).
pub const MAX_FLOATS: u64 = 64 << 20;

/// The most steps one run, or one call that trains, may ask for.
pub const MAX_STEPS: usize = 10_000_000;

/// The largest learning rate accepted; anything above is surely a typing error.
pub const MAX_LEARNING_RATE: f64 = 1000.0;

/// How many per-step losses a device keeps before they must be read back: a run of steps is
/// recorded and submitted in chunks of this many, with one read-back per chunk.
pub const LOSS_LOG_CAPACITY: usize = 1024;

/// A run has diverged at the first loss that is not finite or is more than this many times
/// the run's first loss (page, element and CLI: `run::diverged_at`).
pub const DIVERGENCE_FACTOR: f32 = 1e6;

/// The most rows one batch of `evaluate` or `predict` sends through the model at once: larger
/// inputs are cut into batches of this size, so that their workspaces stay bounded.
pub const MAX_EVAL_BATCH: usize = 4096;

/// The largest seed: JavaScript numbers keep integers exact up to 2⁵³.
pub const MAX_SEED: u64 = 1 << 53;

/// The largest config text accepted (16 MiB): a config of [`MAX_POINTS`] custom points,
/// pretty-printed, takes about 5 MiB. Larger text is refused before it is parsed.
pub const MAX_CONFIG_BYTES: usize = 16 << 20;

/// The largest magnitude of a generated dataset's `slope`, `intercept`, `x_min` and `x_max`:
/// with [`MAX_NOISE`] it keeps every generated value within about 10¹⁸, far inside `f32`.
pub const MAX_DATA_MAGNITUDE: f64 = 1e6;

/// The largest standard deviation of a generated dataset's noise.
pub const MAX_NOISE: f64 = 1e3;
