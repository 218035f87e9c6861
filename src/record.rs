//! The run record: what a finished (or paused) run writes — the config with every default
//! filled in, the backend that ran, the data, the initial weights, every step's loss, the test
//! cost and the final weights. Enough to replay the run in Keras.

use crate::config::{from_json_at_path, Config};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// The run record's format tag.
pub const RECORD_FORMAT: &str = "nnplay.run/1";

/// A weight array as JSON writes it: a kernel as rows, a bias as a flat list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WeightArray {
    /// A kernel `(inputs, units)`.
    Matrix(Vec<Vec<f32>>),
    /// A bias `(units,)`.
    Vector(Vec<f32>),
}

/// Keras' `get_weights()` list as JSON (kernels as rows, biases flat).
pub fn weights_to_json(
    weights: &[Tensor],
    shapes_are_bias: impl Fn(usize) -> bool,
) -> Vec<WeightArray> {
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if shapes_are_bias(i) {
                WeightArray::Vector(w.as_slice().to_vec())
            } else {
                WeightArray::Matrix(w.to_rows())
            }
        })
        .collect()
}

/// Tensors from JSON weight arrays (biases become `(1, units)`).
///
/// # Errors
/// [`Error::Weights`] for empty or ragged arrays.
pub fn weights_from_json(arrays: &[WeightArray]) -> Result<Vec<Tensor>> {
    arrays
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            WeightArray::Matrix(rows) => {
                Tensor::from_rows(rows).map_err(|e| Error::Weights(format!("array {i}: {e}")))
            }
            WeightArray::Vector(v) if v.is_empty() => {
                Err(Error::Weights(format!("array {i} is empty")))
            }
            WeightArray::Vector(v) => Ok(Tensor::row(v)),
        })
        .collect()
}

/// The dataset as JSON rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRecord {
    /// `(n_train, 1)`.
    pub x_train: Vec<Vec<f32>>,
    /// `(n_train, 1)`.
    pub y_train: Vec<Vec<f32>>,
    /// `(n_test, 1)`.
    pub x_test: Vec<Vec<f32>>,
    /// `(n_test, 1)`.
    pub y_test: Vec<Vec<f32>>,
}

impl DatasetRecord {
    /// The record of a dataset.
    pub fn from_dataset(d: &Dataset) -> Self {
        DatasetRecord {
            x_train: d.x_train.to_rows(),
            y_train: d.y_train.to_rows(),
            x_test: d.x_test.to_rows(),
            y_test: d.y_test.to_rows(),
        }
    }

    /// The dataset of a record.
    ///
    /// # Errors
    /// Empty or ragged arrays, non-finite values.
    pub fn to_dataset(&self) -> Result<Dataset> {
        let t = |rows: &Vec<Vec<f32>>, name: &str| -> Result<Tensor> {
            let t = Tensor::from_rows(rows)
                .map_err(|e| Error::Config(format!("dataset.{name}: {e}")))?;
            t.check_finite(&format!("dataset.{name}"))?;
            Ok(t)
        };
        Ok(Dataset {
            x_train: t(&self.x_train, "x_train")?,
            y_train: t(&self.y_train, "y_train")?,
            x_test: t(&self.x_test, "x_test")?,
            y_test: t(&self.y_test, "y_test")?,
        })
    }
}

/// A finished (or paused) run: enough to replay it in Keras.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// Always [`RECORD_FORMAT`].
    pub format: String,
    /// The config, every default filled in.
    pub config: Config,
    /// The backend that actually ran (`cpu`, `webgpu`).
    pub backend: String,
    /// The points.
    pub dataset: DatasetRecord,
    /// `get_weights()` before the first step.
    pub initial_weights: Vec<WeightArray>,
    /// Each `train_on_batch` result (non-finite values are written as `null`).
    #[serde(with = "nan_as_null")]
    pub losses: Vec<f32>,
    /// `evaluate(x_test, y_test, batch_size = len(x_test))`.
    #[serde(with = "nan_as_null_one")]
    pub test_cost: f32,
    /// `get_weights()` after the last step.
    pub final_weights: Vec<WeightArray>,
}

impl RunRecord {
    /// Parses a run record.
    ///
    /// # Errors
    /// [`Error::Config`] for malformed JSON, unknown fields or a wrong format tag.
    pub fn from_json(text: &str) -> Result<Self> {
        let r: RunRecord = from_json_at_path(text)?;
        if r.format != RECORD_FORMAT {
            return Err(Error::Config(format!(
                "format is '{}', expected '{RECORD_FORMAT}'",
                r.format
            )));
        }
        Ok(r)
    }

    /// The record as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("records always serialize")
    }
}

mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.is_finite().then_some(*x)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let v: Vec<Option<f32>> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f32::NAN)).collect())
    }
}

mod nan_as_null_one {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        v.is_finite().then_some(*v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        Ok(Option::<f32>::deserialize(d)?.unwrap_or(f32::NAN))
    }
}
