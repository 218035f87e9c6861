//! The experiment config: the one JSON document that describes an experiment everywhere (the
//! page's URL and export, the embeddable element, the CLI's `--config`, the run record's
//! header).
//!
//! Unknown fields are errors, missing fields take the tutorial's defaults, and every number is
//! checked with a message that names the field.

use crate::activation::Activation;
use crate::data::{DataConfig, Dataset};
use crate::engine::{estimate_floats, fits_budget, LayerShape};
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layers::Dense;
use crate::limits::{MAX_CONFIG_BYTES, MAX_FLOATS, MAX_LAYERS, MAX_SEED, MAX_STEPS};
use crate::loss::Loss;
use crate::model::Sequential;
use crate::optim::Optimizer;
use serde::{Deserialize, Serialize};

pub use crate::backend::BackendChoice;

/// The bounds of one numeric config field outside the optimizer (whose bounds are its
/// [`crate::optim::ParamSpec`]s): what [`Config::validate`] enforces, for the page's number
/// inputs. A unit test holds each bound against `validate`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FieldBounds {
    /// The smallest valid value, if any.
    pub min: Option<f64>,
    /// Whether `min` itself is valid.
    pub min_inclusive: bool,
    /// The largest valid value, if any.
    pub max: Option<f64>,
    /// Whether `max` itself is valid.
    pub max_inclusive: bool,
    /// Whether only whole numbers are valid.
    pub integer: bool,
    /// Whether the field may be `null`.
    pub nullable: bool,
}

impl FieldBounds {
    /// Whole numbers from `min` up to `max` (both valid).
    const fn count(min: f64, max: Option<f64>) -> Self {
        FieldBounds {
            min: Some(min),
            min_inclusive: true,
            max,
            max_inclusive: true,
            integer: true,
            nullable: false,
        }
    }

    /// Numbers of magnitude at most `max`.
    const fn magnitude(max: f64) -> Self {
        FieldBounds {
            min: Some(-max),
            min_inclusive: true,
            max: Some(max),
            max_inclusive: true,
            integer: false,
            nullable: false,
        }
    }

    /// The same, or `null`.
    const fn nullable(self) -> Self {
        FieldBounds {
            nullable: true,
            ..self
        }
    }
}

/// The bounds [`Config::validate`] enforces on the numeric fields outside the optimizer, by
/// config path (`model.layers.units` for every layer's units), from [`crate::limits`]. (`x_min`
/// and `x_max` are bounded by [`crate::limits::MAX_DATA_MAGNITUDE`] and by each other, a rule
/// between two fields that a single field's bounds cannot say.)
pub fn field_bounds() -> Vec<(&'static str, FieldBounds)> {
    use crate::limits::{MAX_DATA_MAGNITUDE, MAX_NOISE, MAX_POINTS, MAX_UNITS, MIN_POINTS};
    let fraction = FieldBounds {
        min: Some(0.0),
        min_inclusive: false,
        max: Some(1.0),
        max_inclusive: false,
        integer: false,
        nullable: false,
    };
    vec![
        ("seed", FieldBounds::count(0.0, Some(MAX_SEED as f64))),
        (
            "data.n",
            FieldBounds::count(MIN_POINTS as f64, Some(MAX_POINTS as f64)),
        ),
        ("data.slope", FieldBounds::magnitude(MAX_DATA_MAGNITUDE)),
        ("data.intercept", FieldBounds::magnitude(MAX_DATA_MAGNITUDE)),
        (
            "data.noise",
            FieldBounds {
                min: Some(0.0),
                ..FieldBounds::magnitude(MAX_NOISE)
            },
        ),
        ("data.train_fraction", fraction),
        (
            "model.layers.units",
            FieldBounds::count(1.0, Some(MAX_UNITS as f64)),
        ),
        (
            "training.batch_size",
            FieldBounds::count(1.0, None).nullable(),
        ),
        ("training.log_every", FieldBounds::count(1.0, None)),
        (
            "training.steps",
            FieldBounds::count(1.0, Some(MAX_STEPS as f64)),
        ),
    ]
}

/// One Dense layer of the config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LayerConfig {
    /// Outputs.
    pub units: usize,
    /// Keras activation name.
    pub activation: String,
    /// Whether the layer has a bias.
    pub use_bias: bool,
    /// Keras initializer name for the kernel.
    pub kernel_initializer: String,
    /// Keras initializer name for the bias.
    pub bias_initializer: String,
}

impl Default for LayerConfig {
    fn default() -> Self {
        LayerConfig {
            units: 1,
            activation: "linear".into(),
            use_bias: true,
            kernel_initializer: "glorot_uniform".into(),
            bias_initializer: "zeros".into(),
        }
    }
}

impl LayerConfig {
    /// The hidden layer the page's "add a layer" inserts: 16 tanh units.
    pub fn hidden() -> Self {
        LayerConfig::new(16, "tanh")
    }

    /// A layer of `units` with `activation` and the other defaults.
    pub fn new(units: usize, activation: &str) -> Self {
        LayerConfig {
            units,
            activation: activation.into(),
            ..Self::default()
        }
    }

    /// The layer this describes.
    ///
    /// # Errors
    /// Unknown names and bad sizes, naming the layer.
    pub fn to_dense(&self, index: usize) -> Result<Dense> {
        let at = |e: Error| Error::Config(format!("model.layers[{index}]: {e}"));
        let d = Dense {
            units: self.units,
            input_dim: None,
            activation: Activation::from_name(&self.activation).map_err(at)?,
            use_bias: self.use_bias,
            kernel_initializer: Initializer::from_name(&self.kernel_initializer).map_err(at)?,
            bias_initializer: Initializer::from_name(&self.bias_initializer).map_err(at)?,
        };
        d.validate().map_err(at)?;
        Ok(d)
    }
}

/// The model: its input size and its layers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Inputs per sample (the datasets have one).
    pub input_dim: usize,
    /// The Dense layers, first to last.
    pub layers: Vec<LayerConfig>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            input_dim: 1,
            layers: vec![LayerConfig::default()],
        }
    }
}

/// How long to train and how to log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingConfig {
    /// `train_on_batch` calls.
    pub steps: usize,
    /// `null`: each step on the whole training set (the tutorial); else step `i` on
    /// minibatch `i mod batches`, in order.
    pub batch_size: Option<usize>,
    /// Print the cost every this many steps.
    pub log_every: usize,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            steps: 301,
            batch_size: None,
            log_every: 100,
        }
    }
}

/// An experiment: data, model, loss, optimizer, training and backend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Fixes the data and the initial weights.
    pub seed: u64,
    /// The points.
    pub data: DataConfig,
    /// The network.
    pub model: ModelConfig,
    /// The loss.
    pub loss: Loss,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// The run.
    pub training: TrainingConfig,
    /// Where to run.
    pub backend: BackendChoice,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 42,
            data: DataConfig::default(),
            model: ModelConfig::default(),
            loss: Loss::Mse,
            optimizer: Optimizer::default(),
            training: TrainingConfig::default(),
            backend: BackendChoice::Auto,
        }
    }
}

/// Parses JSON, naming the path of the field that is wrong (e.g. `data.n: invalid type …`).
///
/// The document must be an object: serde would otherwise read a list as the struct's fields in
/// order (`[]` as every default), which is not the schema.
pub(crate) fn from_json_at_path<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    if text.trim_start().starts_with('[') {
        return Err(Error::Config(
            "expected a JSON object ({ … }), found a list ([ … ])".into(),
        ));
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." || path == "?" || path.is_empty() {
            Error::Config(e.inner().to_string())
        } else {
            Error::Config(format!("{path}: {}", e.inner()))
        }
    })
}

impl Config {
    /// Parses and checks a config.
    ///
    /// # Errors
    /// [`Error::Config`] for text over [`MAX_CONFIG_BYTES`], malformed JSON, unknown fields or
    /// wrong types (with line and column); the errors of [`Config::validate`].
    pub fn from_json(text: &str) -> Result<Self> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(Error::Config(format!(
                "{} bytes of text, at most {} MiB",
                text.len(),
                MAX_CONFIG_BYTES >> 20
            )));
        }
        let c: Config = from_json_at_path(text)?;
        c.validate()?;
        Ok(c)
    }

    /// The config as pretty JSON, every default filled in.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("configs always serialize")
    }

    /// Checks every field.
    ///
    /// # Errors
    /// The first problem found, naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.seed > MAX_SEED {
            return Err(Error::invalid(
                "seed",
                format!(
                    "{} (must be ≤ 2^53 so that JavaScript keeps it exact)",
                    self.seed
                ),
            ));
        }
        self.data.validate()?;
        if self.model.input_dim != 1 {
            return Err(Error::invalid(
                "model.input_dim",
                format!("{} (the datasets have one input, x)", self.model.input_dim),
            ));
        }
        if self.model.layers.is_empty() || self.model.layers.len() > MAX_LAYERS {
            return Err(Error::invalid(
                "model.layers",
                format!(
                    "{} layers (need between 1 and {MAX_LAYERS})",
                    self.model.layers.len()
                ),
            ));
        }
        for (i, l) in self.model.layers.iter().enumerate() {
            l.to_dense(i)?;
        }
        let last = self.model.layers.last().expect("checked above").units;
        if last != 1 {
            return Err(Error::invalid(
                "model.layers",
                format!("the last layer has {last} units; the targets have 1 (y)"),
            ));
        }
        self.optimizer.validate()?;
        self.check_memory()?;
        let t = &self.training;
        if t.steps == 0 || t.steps > MAX_STEPS {
            return Err(Error::invalid(
                "training.steps",
                format!("{} (must be between 1 and {MAX_STEPS})", t.steps),
            ));
        }
        if t.batch_size == Some(0) {
            return Err(Error::invalid(
                "training.batch_size",
                "0 (must be ≥ 1 or null)",
            ));
        }
        if t.log_every == 0 {
            return Err(Error::invalid("training.log_every", "0 (must be ≥ 1)"));
        }
        Ok(())
    }

    /// Refuses models whose buffers would not fit comfortably in a browser tab, counted as the
    /// engine counts them: weights with gradients and optimizer state, the training batch's
    /// activations, and those of the test set's evaluation (in batches of at most
    /// [`crate::limits::MAX_EVAL_BATCH`] rows).
    fn check_memory(&self) -> Result<()> {
        let points = match (&self.data.points, self.data.kind) {
            (Some(p), crate::data::DataKind::Custom) => p.len(),
            _ => self.data.n,
        };
        let n_train = self.data.train_count(points);
        let n_test = points.saturating_sub(n_train);
        let batch = self.training.batch_size.unwrap_or(n_train).min(n_train);
        let eval = n_test.min(crate::limits::MAX_EVAL_BATCH);
        let mut inputs = self.model.input_dim;
        let mut shapes = Vec::with_capacity(self.model.layers.len());
        for (i, l) in self.model.layers.iter().enumerate() {
            let d = l.to_dense(i)?;
            shapes.push(LayerShape {
                inputs,
                units: d.units,
                activation: d.activation,
                use_bias: d.use_bias,
            });
            inputs = d.units;
        }
        let floats = estimate_floats(&shapes, self.optimizer.slots(), &[batch, eval]);
        if !fits_budget(floats) {
            return Err(Error::invalid(
                "model.layers",
                format!(
                    "this model needs about {} MB of buffers for batches of {batch} and test batches of {eval} (at most {} MB): use fewer or smaller layers, fewer points, or a batch_size",
                    floats * 4 / 1_000_000,
                    MAX_FLOATS * 4 / 1_000_000
                ),
            ));
        }
        Ok(())
    }

    /// The dataset of this config.
    ///
    /// # Errors
    /// As [`DataConfig::validate`].
    pub fn dataset(&self) -> Result<Dataset> {
        self.data.generate(self.seed)
    }

    /// The (uncompiled) model of this config, with its seeded initial weights.
    ///
    /// # Errors
    /// As [`Config::validate`].
    pub fn build_model(&self) -> Result<Sequential> {
        let mut m = Sequential::with_seed(self.seed);
        for (i, l) in self.model.layers.iter().enumerate() {
            let mut d = l.to_dense(i)?;
            if i == 0 {
                d = d.input_dim(self.model.input_dim);
            }
            m.add(d)?;
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataKind;

    #[test]
    fn empty_object_is_the_tutorial() {
        let c = Config::from_json("{}").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.training.steps, 301);
        assert_eq!(c.optimizer.learning_rate(), 0.01);
        let back = Config::from_json(&c.to_json()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_errors() {
        let e = Config::from_json(r#"{"sed": 1}"#).unwrap_err().to_string();
        assert!(e.contains("unknown field `sed`"), "{e}");
        let e = Config::from_json(r#"{"data": {"n": "many"}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid type"), "{e}");
        let e = Config::from_json(r#"{"optimizer": {"name": "sgd", "lr": 1}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `lr`"), "{e}");
        let e = Config::from_json(r#"{"optimizer": {"name": "adagrad"}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("adagrad") && e.contains("rmsprop"), "{e}");
        let c =
            Config::from_json(r#"{"optimizer": {"name": "rmsprop", "centered": true}}"#).unwrap();
        assert_eq!(c.optimizer.param("rho"), Some(0.9));
        assert_eq!(c.optimizer.param("centered"), Some(1.0));
        let e = Config::from_json("{").unwrap_err().to_string();
        assert!(e.starts_with("config: EOF"), "{e}");
        // A list is not read as the fields in order.
        let e = Config::from_json(" [42]").unwrap_err().to_string();
        assert_eq!(
            e,
            "config: expected a JSON object ({ … }), found a list ([ … ])"
        );
        // Names in the place of a name, anything else with the valid names.
        let e = Config::from_json(r#"{"backend": []}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("backend: invalid type: sequence, expected a string"),
            "{e}"
        );
        let e = Config::from_json(r#"{"backend": "GPU"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown backend 'GPU'; valid names: auto, webgpu, cpu"),
            "{e}"
        );
        let e = Config::from_json(r#"{"data": {"kind": {}}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("data.kind: invalid type: map, expected a string"),
            "{e}"
        );
        let e = Config::from_json(r#"{"data": {"kind": "cubic"}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("data.kind: unknown data kind 'cubic'; valid names: linear, quadratic"),
            "{e}"
        );
        let huge = format!("{{\"seed\": 1{}}}", " ".repeat(MAX_CONFIG_BYTES));
        let e = Config::from_json(&huge).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("config: {} bytes of text, at most 16 MiB", huge.len())
        );
        let c = Config::from_json(r#"{"backend": "cpu", "data": {"kind": "sine"}}"#).unwrap();
        assert_eq!(
            (c.backend, c.data.kind),
            (BackendChoice::Cpu, DataKind::Sine)
        );
    }

    #[test]
    fn out_of_range_numbers_name_the_field() {
        let cases = [
            (
                r#"{"optimizer": {"name": "sgd", "learning_rate": -1}}"#,
                "learning_rate",
            ),
            (r#"{"model": {"layers": [{"units": 0}]}}"#, "units"),
            (
                r#"{"model": {"layers": [{"units": 4, "activation": "relu"}]}}"#,
                "last layer",
            ),
            (
                r#"{"model": {"layers": [{"units": 1, "activation": "rleu"}]}}"#,
                "unknown activation",
            ),
            (r#"{"training": {"steps": 0}}"#, "training.steps"),
            (r#"{"data": {"n": 1}}"#, "data.n"),
            (r#"{"model": {"input_dim": 3}}"#, "input_dim"),
            (
                r#"{"data": {"n": 100000}, "model": {"layers": [{"units": 4096}, {"units": 4096}, {"units": 1}]}}"#,
                "MB of buffers",
            ),
        ];
        for (json, needle) in cases {
            let e = Config::from_json(json).unwrap_err().to_string();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn every_field_bound_is_what_validate_enforces() {
        // Sets a field of the default config (a two-layer model, so that units can be set on
        // a hidden layer) and reports whether it validates.
        fn valid(path: &str, v: f64) -> bool {
            let mut c = Config::default();
            c.model.layers = vec![LayerConfig::new(4, "tanh"), LayerConfig::default()];
            match path {
                "seed" => c.seed = v as u64,
                "data.n" => {
                    c.data.n = v as usize;
                    c.data.train_fraction = 0.5;
                }
                "data.slope" => c.data.slope = v,
                "data.intercept" => c.data.intercept = v,
                "data.x_min" => {
                    c.data.x_min = v;
                    c.data.x_max = (v + 1.0).min(crate::limits::MAX_DATA_MAGNITUDE);
                }
                "data.x_max" => {
                    c.data.x_max = v;
                    c.data.x_min = (v - 1.0).max(-crate::limits::MAX_DATA_MAGNITUDE);
                }
                "data.noise" => c.data.noise = v,
                "data.train_fraction" => c.data.train_fraction = v,
                "model.layers.units" => {
                    c.model.layers[0].units = v as usize;
                    c.training.batch_size = Some(1);
                }
                "training.batch_size" => c.training.batch_size = Some(v as usize),
                "training.log_every" => c.training.log_every = v as usize,
                "training.steps" => c.training.steps = v as usize,
                other => panic!("no setter for {other}"),
            }
            c.validate().is_ok()
        }
        for (path, b) in field_bounds() {
            // Just outside by a step the field can express: 1 for counts, a relative nudge
            // otherwise (x_min/x_max ± 1 stay within the bound when the bound is valid).
            let step = |x: f64| {
                if b.integer {
                    1.0
                } else {
                    (x.abs() * 1e-9).max(1e-12)
                }
            };
            if let Some(min) = b.min {
                // x_max at its min leaves no room for x_min below it (and x_min at its max none
                // for x_max above it): the order of the two is DataConfig::validate's rule.
                if path != "data.x_max" {
                    assert_eq!(valid(path, min), b.min_inclusive, "{path} at its min {min}");
                }
                if min - step(min) >= 0.0 || !b.integer {
                    assert!(!valid(path, min - step(min)), "{path} below its min {min}");
                }
                // train_fraction near 0 or 1 also needs both splits non-empty, which depends
                // on n (DataConfig::validate names it): only its open bounds are checked here.
                if path != "data.train_fraction" {
                    assert!(
                        valid(path, min + step(min)),
                        "{path} just above its min {min}"
                    );
                }
            }
            if let Some(max) = b.max {
                if path != "data.x_min" {
                    assert_eq!(valid(path, max), b.max_inclusive, "{path} at its max {max}");
                }
                if path != "seed" {
                    assert!(!valid(path, max + step(max)), "{path} above its max {max}");
                }
                if path != "data.x_max" && path != "data.train_fraction" {
                    assert!(
                        valid(path, max - step(max)),
                        "{path} just below its max {max}"
                    );
                }
            }
        }
    }
}
