//! Layers. nnplay's networks are stacks of [`Dense`] layers, as in the tutorial.

mod dense;

pub use dense::{Dense, MAX_UNITS};
