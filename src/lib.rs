//! # nnplay
//!
//! A neural-network learning playground: Keras-style regression networks (`Sequential`,
//! `Dense`, `train_on_batch`, `evaluate`, `predict`, `fit`) with Keras' defaults and
//! definitions, trained on WebGPU compute shaders or the CPU with the same results, in the
//! browser (wasm) and natively.
//!
//! The tutorial this re-creates, in a few lines:
//!
//! ```
//! use nnplay::{Config, Optimizer};
//!
//! let config = Config::default(); // 200 points of y = 0.5x + 2 + noise, Dense(1), mse, SGD
//! let data = config.dataset()?;
//! let mut model = config.build_model()?;
//! model.compile("mse", Optimizer::sgd(0.01))?;
//! let mut cost = 0.0;
//! for step in 0..301 {
//!     cost = model.train_on_batch(&data.x_train, &data.y_train)?;
//!     if step % 100 == 0 {
//!         println!("train cost: {cost}");
//!     }
//! }
//! let test_cost = model.evaluate(&data.x_test, &data.y_test, Some(40))?;
//! assert!(test_cost < 0.1);
//! # Ok::<(), nnplay::Error>(())
//! ```
//!
//! Layout: [`tensor`], [`activation`], [`loss`], [`optim`], [`init`], [`layers`] and [`model`]
//! are the pure core; [`backend`] holds the CPU and WebGPU implementations of one operation
//! interface that [`engine`] trains over; [`data`] makes datasets; [`record`] is the JSON
//! schema shared by the CLI, the page and the tests; [`run`] drives a whole experiment.
#![warn(missing_docs)]

pub mod activation;
pub mod backend;
pub mod bench;
pub mod codegen;
pub mod config;
pub mod data;
pub mod engine;
pub mod error;
pub mod export;
pub mod init;
pub mod layers;
pub mod limits;
pub mod loss;
pub mod model;
pub mod optim;
pub mod plot;
pub mod record;
pub mod rng;
pub mod run;
pub mod story;
pub mod tensor;
pub mod text;
pub mod timeseries;
#[cfg(target_arch = "wasm32")]
pub mod wasm_api;

pub use activation::Activation;
pub use backend::BackendKind;
pub use config::{BackendChoice, Config};
pub use data::{DataConfig, DataKind, Dataset};
pub use error::{Error, Result};
pub use init::Initializer;
pub use layers::Dense;
pub use loss::Loss;
pub use model::{BackendStatus, FitOptions, History, Sequential};
pub use optim::{Optimizer, OPTIMIZERS};
pub use record::RunRecord;
pub use run::Experiment;
pub use tensor::Tensor;
pub use timeseries::{TimeseriesGenerator, TimeseriesOptions};
