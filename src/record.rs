//! The run record: what a finished (or paused) run writes — the config with every default
//! filled in, the backend that ran, the data, the initial weights, every step's loss, the test
//! cost and the final weights. Enough to replay the run in Keras.
//!
//! A diverged run's record imports again: its non-finite losses, test cost and final weights
//! are written as `null` and read back as NaN. Everything a replay needs finite (the dataset,
//! the initial weights) is checked on import, as are the shapes of both weight lists against
//! the record's own model.

use crate::config::{from_json_at_path, Config};
use crate::data::{f32_problem, Dataset, MAX_POINTS};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The run record's format tag.
pub const RECORD_FORMAT: &str = "nnplay.run/1";

/// A weight array as JSON writes it: a kernel as rows, a bias as a flat list.
///
/// Non-finite values (the final weights of a diverged run) are written as `null` and read back
/// as NaN, as the losses are; a number beyond the `f32` range is refused when read.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightArray {
    /// A kernel `(inputs, units)`.
    Matrix(Vec<Vec<f32>>),
    /// A bias `(units,)`.
    Vector(Vec<f32>),
}

/// One row of values, non-finite ones as `null`.
struct NullableRow<'a>(&'a [f32]);

impl Serialize for NullableRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|x| x.is_finite().then_some(*x)))
    }
}

impl Serialize for WeightArray {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            WeightArray::Matrix(rows) => s.collect_seq(rows.iter().map(|r| NullableRow(r))),
            WeightArray::Vector(v) => NullableRow(v).serialize(s),
        }
    }
}

/// What a JSON value is, for messages.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One weight: a number that fits `f32`, or `null` for a non-finite value.
fn weight_value(v: &Value, at: &str) -> std::result::Result<f32, String> {
    match v {
        Value::Null => Ok(f32::NAN),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            match f32_problem(f) {
                Some(problem) => Err(format!("{at}: {problem}")),
                None => Ok(f as f32),
            }
        }
        other => Err(format!(
            "{at}: expected a number or null, found {}",
            json_kind(other)
        )),
    }
}

impl WeightArray {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        let Value::Array(items) = v else {
            return Err(format!(
                "expected a list of numbers (a bias) or a list of rows (a kernel), found {}",
                json_kind(v)
            ));
        };
        if items.first().is_some_and(Value::is_array) {
            let rows = items
                .iter()
                .enumerate()
                .map(|(i, row)| match row {
                    Value::Array(r) => r
                        .iter()
                        .enumerate()
                        .map(|(j, x)| weight_value(x, &format!("[{i}][{j}]")))
                        .collect(),
                    other => Err(format!(
                        "[{i}]: expected a row (a list) like row 0, found {}",
                        json_kind(other)
                    )),
                })
                .collect::<std::result::Result<_, _>>()?;
            Ok(WeightArray::Matrix(rows))
        } else {
            let v = items
                .iter()
                .enumerate()
                .map(|(j, x)| weight_value(x, &format!("[{j}]")))
                .collect::<std::result::Result<_, _>>()?;
            Ok(WeightArray::Vector(v))
        }
    }

    /// `(rows, cols)` of a kernel (ragged rows give `None`), `(1, len)` of a bias.
    fn shape(&self) -> Option<(usize, usize)> {
        match self {
            WeightArray::Matrix(rows) => {
                let cols = rows.first().map_or(0, Vec::len);
                rows.iter()
                    .all(|r| r.len() == cols)
                    .then_some((rows.len(), cols))
            }
            WeightArray::Vector(v) => Some((1, v.len())),
        }
    }

    /// The first non-finite value as `(row, col)`.
    fn first_non_finite(&self) -> Option<(usize, usize)> {
        match self {
            WeightArray::Matrix(rows) => rows
                .iter()
                .enumerate()
                .find_map(|(i, r)| r.iter().position(|x| !x.is_finite()).map(|j| (i, j))),
            WeightArray::Vector(v) => v.iter().position(|x| !x.is_finite()).map(|j| (0, j)),
        }
    }
}

impl<'de> Deserialize<'de> for WeightArray {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        WeightArray::from_value(&Value::deserialize(d)?).map_err(D::Error::custom)
    }
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

/// Dataset rows: every value a number that fits `f32` (a larger one would become infinite).
fn f32_rows<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<Vec<f32>>, D::Error> {
    let rows: Vec<Vec<f64>> = Vec::deserialize(d)?;
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            r.iter()
                .enumerate()
                .map(|(j, v)| match f32_problem(*v) {
                    Some(problem) => Err(D::Error::custom(format!("[{i}][{j}]: {problem}"))),
                    None => Ok(*v as f32),
                })
                .collect()
        })
        .collect()
}

/// The dataset as JSON rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRecord {
    /// `(n_train, 1)`.
    #[serde(deserialize_with = "f32_rows")]
    pub x_train: Vec<Vec<f32>>,
    /// `(n_train, 1)`.
    #[serde(deserialize_with = "f32_rows")]
    pub y_train: Vec<Vec<f32>>,
    /// `(n_test, 1)`.
    #[serde(deserialize_with = "f32_rows")]
    pub x_test: Vec<Vec<f32>>,
    /// `(n_test, 1)`.
    #[serde(deserialize_with = "f32_rows")]
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
///
/// # Steps
/// `config.training.steps` is the number of steps the run was configured for, as in any
/// config; the steps actually taken are the losses, one per step: `losses.len()` (see
/// [`RunRecord::steps_taken`]). A record exported before the first step has `"losses": []` and
/// its `final_weights` equal its `initial_weights`; a paused run has fewer losses than
/// configured steps, a run continued past its configured steps more. A replay runs
/// `train_on_batch` `losses.len()` times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// Always [`RECORD_FORMAT`].
    pub format: String,
    /// The config, every default filled in; `training.steps` is the configured number of
    /// steps (see [`RunRecord`]'s "Steps").
    pub config: Config,
    /// The backend that actually ran (`cpu`, `webgpu`).
    pub backend: String,
    /// The points (finite, `(n, 1)` each, train and test rows paired).
    pub dataset: DatasetRecord,
    /// `get_weights()` before the first step (finite).
    pub initial_weights: Vec<WeightArray>,
    /// Each `train_on_batch` result, one per step taken (non-finite values are written as
    /// `null` and read back as NaN).
    #[serde(with = "nan_as_null")]
    pub losses: Vec<f32>,
    /// `evaluate(x_test, y_test, batch_size = len(x_test))` (`null` when not finite).
    #[serde(with = "nan_as_null_one")]
    pub test_cost: f32,
    /// `get_weights()` after the last step: shaped as `initial_weights`, but possibly not
    /// finite (a diverged run), its non-finite values written as `null`.
    pub final_weights: Vec<WeightArray>,
}

/// A config error, its field named as a field of the record.
fn in_record_config(e: Error) -> Error {
    match e {
        Error::InvalidParameter { name, message } => {
            Error::invalid(format!("config.{name}"), message)
        }
        other => Error::Config(format!("in the record's config: {other}")),
    }
}

impl RunRecord {
    /// Parses a run record and checks it (see [`RunRecord::validate`]).
    ///
    /// # Errors
    /// [`Error::Config`] for malformed JSON, unknown fields or a wrong format tag, naming the
    /// field; the errors of [`RunRecord::validate`].
    pub fn from_json(text: &str) -> Result<Self> {
        let r: RunRecord = from_json_at_path(text)?;
        r.validate()?;
        Ok(r)
    }

    /// The number of steps the run took: one loss per step.
    pub fn steps_taken(&self) -> usize {
        self.losses.len()
    }

    /// Checks that the record can be replayed: the format tag, the config, the dataset
    /// (finite, one column each, train and test rows paired, at most [`MAX_POINTS`] points),
    /// and both weight lists shaped as the config's model, the initial weights finite.
    ///
    /// # Errors
    /// The first problem found, naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.format != RECORD_FORMAT {
            return Err(Error::Config(format!(
                "format is '{}', expected '{RECORD_FORMAT}'",
                self.format
            )));
        }
        self.config.validate().map_err(in_record_config)?;
        self.check_dataset()?;
        let shapes = self.weight_shapes();
        check_weights("initial_weights", &self.initial_weights, &shapes, true)?;
        check_weights("final_weights", &self.final_weights, &shapes, false)
    }

    fn check_dataset(&self) -> Result<()> {
        let d = self.dataset.to_dataset()?;
        let outputs = self.config.model.layers.last().map_or(1, |l| l.units);
        for (name, t, cols) in [
            ("x_train", &d.x_train, self.config.model.input_dim),
            ("y_train", &d.y_train, outputs),
            ("x_test", &d.x_test, self.config.model.input_dim),
            ("y_test", &d.y_test, outputs),
        ] {
            if t.cols() != cols {
                return Err(Error::Config(format!(
                    "dataset.{name}: rows of {} values, the model needs {cols}",
                    t.cols()
                )));
            }
        }
        for (split, x, y) in [
            ("train", &d.x_train, &d.y_train),
            ("test", &d.x_test, &d.y_test),
        ] {
            if x.rows() != y.rows() {
                return Err(Error::Config(format!(
                    "dataset: x_{split} has {} rows, y_{split} {}",
                    x.rows(),
                    y.rows()
                )));
            }
        }
        let points = d.x_train.rows() + d.x_test.rows();
        if points > MAX_POINTS {
            return Err(Error::Config(format!(
                "dataset: {points} points (at most {MAX_POINTS})"
            )));
        }
        Ok(())
    }

    /// `get_weights()` shapes of the config's model: per layer its kernel `(inputs, units)`,
    /// then its bias `(1, units)` when it has one; with what each is, for messages.
    fn weight_shapes(&self) -> Vec<(String, bool, (usize, usize))> {
        let mut inputs = self.config.model.input_dim;
        let mut out = Vec::new();
        for (i, l) in self.config.model.layers.iter().enumerate() {
            out.push((format!("layer {i}'s kernel"), false, (inputs, l.units)));
            if l.use_bias {
                out.push((format!("layer {i}'s bias"), true, (1, l.units)));
            }
            inputs = l.units;
        }
        out
    }

    /// The record as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("records always serialize")
    }
}

/// Checks a weight list against the model's shapes (`shapes` as [`RunRecord::weight_shapes`]).
fn check_weights(
    field: &str,
    arrays: &[WeightArray],
    shapes: &[(String, bool, (usize, usize))],
    finite: bool,
) -> Result<()> {
    if arrays.len() != shapes.len() {
        return Err(Error::Config(format!(
            "{field}: {} arrays, the config's model has {} (each layer's kernel, then its bias when use_bias)",
            arrays.len(),
            shapes.len()
        )));
    }
    for (i, (a, (what, is_bias, shape))) in arrays.iter().zip(shapes).enumerate() {
        let ok_kind = matches!(
            (a, is_bias),
            (WeightArray::Vector(_), true) | (WeightArray::Matrix(_), false)
        );
        let expected = if *is_bias {
            format!("a list of {} numbers", shape.1)
        } else {
            format!("{} rows of {} numbers", shape.0, shape.1)
        };
        if !ok_kind || a.shape() != Some(*shape) {
            let found = match (a, a.shape()) {
                (WeightArray::Vector(v), _) => format!("a list of {} numbers", v.len()),
                (WeightArray::Matrix(_), Some((r, c))) => format!("{r} rows of {c} numbers"),
                (WeightArray::Matrix(_), None) => "rows of different lengths".to_string(),
            };
            return Err(Error::Config(format!(
                "{field}[{i}] ({what}): expected {expected}, found {found}"
            )));
        }
        if finite {
            if let Some((r, c)) = a.first_non_finite() {
                return Err(Error::Config(format!(
                    "{field}[{i}] ({what}): the value at row {r}, column {c} is not finite (null); a run starts from finite weights"
                )));
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid record of the default model (one Dense(1) with bias) on four points.
    fn record() -> RunRecord {
        RunRecord {
            format: RECORD_FORMAT.into(),
            config: Config::default(),
            backend: "cpu".into(),
            dataset: DatasetRecord {
                x_train: vec![vec![0.0], vec![1.0], vec![2.0]],
                y_train: vec![vec![2.0], vec![2.5], vec![3.0]],
                x_test: vec![vec![3.0]],
                y_test: vec![vec![3.5]],
            },
            initial_weights: vec![
                WeightArray::Matrix(vec![vec![0.25]]),
                WeightArray::Vector(vec![0.0]),
            ],
            losses: vec![4.0, 3.0],
            test_cost: 1.0,
            final_weights: vec![
                WeightArray::Matrix(vec![vec![0.3]]),
                WeightArray::Vector(vec![0.1]),
            ],
        }
    }

    fn error(r: &RunRecord) -> String {
        RunRecord::from_json(&r.to_json()).unwrap_err().to_string()
    }

    #[test]
    fn a_diverged_record_imports_again_with_nan_for_null() {
        let mut r = record();
        r.losses = vec![4.0, f32::INFINITY, f32::NAN];
        r.test_cost = f32::NAN;
        r.final_weights = vec![
            WeightArray::Matrix(vec![vec![f32::NEG_INFINITY]]),
            WeightArray::Vector(vec![f32::NAN]),
        ];
        let json = r.to_json();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["final_weights"], serde_json::json!([[[null]], [null]]));
        assert_eq!(v["losses"], serde_json::json!([4.0, null, null]));
        assert_eq!(v["test_cost"], Value::Null);
        let back = RunRecord::from_json(&json).unwrap();
        assert_eq!(back.losses[0], 4.0);
        assert!(back.losses[1].is_nan() && back.losses[2].is_nan());
        assert!(back.test_cost.is_nan());
        match (&back.final_weights[0], &back.final_weights[1]) {
            (WeightArray::Matrix(k), WeightArray::Vector(b)) => {
                assert!(k[0][0].is_nan() && b[0].is_nan());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(back.initial_weights, r.initial_weights);
    }

    #[test]
    fn initial_weights_must_be_finite() {
        let mut r = record();
        r.initial_weights[1] = WeightArray::Vector(vec![f32::NAN]);
        assert_eq!(
            error(&r),
            "config: initial_weights[1] (layer 0's bias): the value at row 0, column 0 is not finite (null); a run starts from finite weights"
        );
    }

    #[test]
    fn a_record_of_no_step_has_no_loss() {
        let mut r = record();
        r.losses.clear();
        r.final_weights = r.initial_weights.clone();
        let back = RunRecord::from_json(&r.to_json()).unwrap();
        assert_eq!(back.steps_taken(), 0);
        assert_eq!(back.config.training.steps, 301);
        assert!(r.to_json().contains("\"losses\": []"));
    }

    #[test]
    fn weights_are_shaped_as_the_records_model() {
        let mut r = record();
        r.final_weights.pop();
        assert!(
            error(&r).contains("final_weights: 1 arrays, the config's model has 2"),
            "{}",
            error(&r)
        );
        let mut r = record();
        r.initial_weights[0] = WeightArray::Matrix(vec![vec![1.0, 2.0]]);
        assert_eq!(
            error(&r),
            "config: initial_weights[0] (layer 0's kernel): expected 1 rows of 1 numbers, found 1 rows of 2 numbers"
        );
        let mut r = record();
        r.final_weights[1] = WeightArray::Matrix(vec![vec![1.0]]);
        assert!(error(&r).contains("expected a list of 1 numbers, found 1 rows of 1 numbers"));
        let mut r = record();
        r.final_weights[0] = WeightArray::Matrix(vec![vec![1.0], vec![]]);
        assert!(error(&r).contains("found rows of different lengths"));
    }

    #[test]
    fn the_dataset_must_fit_the_model_and_f32() {
        let mut r = record();
        r.dataset.y_test.push(vec![1.0]);
        assert_eq!(error(&r), "config: dataset: x_test has 1 rows, y_test 2");
        let mut r = record();
        r.dataset.x_train[1].push(1.0);
        assert!(error(&r).contains("dataset.x_train"), "{}", error(&r));
        let mut r = record();
        r.dataset.x_test.clear();
        assert!(error(&r).contains("dataset.x_test"), "{}", error(&r));
        let json = record().to_json().replacen("3.5", "1e39", 1);
        let e = RunRecord::from_json(&json).unwrap_err().to_string();
        assert!(
            e.contains("dataset.y_test: [0][0]: 1e39 does not fit a 32-bit float"),
            "{e}"
        );
    }

    #[test]
    fn bad_weight_values_and_configs_are_named() {
        let json = record().to_json().replacen("0.25", "\"a\"", 1);
        let e = RunRecord::from_json(&json).unwrap_err().to_string();
        assert!(
            e.contains("initial_weights[0]: [0][0]: expected a number or null, found a string"),
            "{e}"
        );
        let json = record().to_json().replacen("0.25", "-1e39", 1);
        let e = RunRecord::from_json(&json).unwrap_err().to_string();
        assert!(
            e.contains("initial_weights[0]: [0][0]: -1e39 does not fit a 32-bit float"),
            "{e}"
        );
        let mut r = record();
        r.config.data.n = 1;
        assert_eq!(
            error(&r),
            "invalid config.data.n: 1 points (need between 2 and 100000)"
        );
        let mut r = record();
        r.format = "nnplay.run/0".into();
        assert!(error(&r).contains("expected 'nnplay.run/1'"));
    }
}
