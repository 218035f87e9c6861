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
///
/// The text is read once into a `json::Node` tree (objects keep their keys in document order,
/// repeated ones included, so that the first problem in the text is the one reported and a
/// repeated field is refused as serde refuses it); `T` is then read from the tree by a
/// deserializer that knows where it stands and puts that path before the first error, in
/// serde_json's words. Errors of the JSON syntax itself give the line and column instead.
pub(crate) fn from_json_at_path<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    if text.trim_start().starts_with('[') {
        return Err(Error::Config(
            "expected a JSON object ({ … }), found a list ([ … ])".into(),
        ));
    }
    // Only the first document is read: what follows it is ignored.
    let de = &mut serde_json::Deserializer::from_str(text);
    let node = <json::Node as serde::Deserialize>::deserialize(de)
        .map_err(|e| Error::Config(e.to_string()))?;
    json::read(&node).map_err(|e| match e.path {
        Some(path) if !path.is_empty() => Error::Config(format!("{path}: {}", e.message)),
        _ => Error::Config(e.message),
    })
}

/// A JSON tree, and a serde deserializer over it that tracks the path to the value it reads.
mod json {
    use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
    use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Unexpected, Visitor};
    use std::fmt;

    /// A JSON value as the text has it: numbers as serde_json reads them, objects as their
    /// `(key, value)` pairs in order.
    pub(super) enum Node {
        Null,
        Bool(bool),
        U64(u64),
        I64(i64),
        F64(f64),
        Str(String),
        Arr(Vec<Node>),
        Obj(Vec<(String, Node)>),
    }

    impl<'de> de::Deserialize<'de> for Node {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(NodeVisitor)
        }
    }

    struct NodeVisitor;

    impl<'de> Visitor<'de> for NodeVisitor {
        type Value = Node;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E>(self) -> Result<Node, E> {
            Ok(Node::Null)
        }
        fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
            Ok(Node::Bool(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
            Ok(Node::U64(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
            Ok(Node::I64(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
            Ok(Node::F64(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Node, E> {
            Ok(Node::Str(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Node, E> {
            Ok(Node::Str(v))
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
            let mut items = Vec::new();
            while let Some(v) = seq.next_element()? {
                items.push(v);
            }
            Ok(Node::Arr(items))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
            let mut pairs = Vec::new();
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(Node::Obj(pairs))
        }
    }

    /// Where a value stands in the document: `data.n`, `model.layers[0].units`.
    #[derive(Clone, Copy)]
    enum Path<'a> {
        Root,
        Key(&'a Path<'a>, &'a str),
        Index(&'a Path<'a>, usize),
    }

    impl fmt::Display for Path<'_> {
        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
            match *self {
                Path::Root => Ok(()),
                Path::Key(&Path::Root, key) => f.write_str(key),
                Path::Key(parent, key) => write!(f, "{parent}.{key}"),
                Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
            }
        }
    }

    /// A reading error: serde's message and, once known, the path of the value it is about.
    #[derive(Debug)]
    pub(super) struct ReadError {
        pub(super) path: Option<String>,
        pub(super) message: String,
    }

    impl fmt::Display for ReadError {
        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(&self.message)
        }
    }

    impl std::error::Error for ReadError {}

    impl de::Error for ReadError {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            ReadError {
                path: None,
                message: msg.to_string(),
            }
        }

        fn invalid_type(unexp: Unexpected, exp: &dyn de::Expected) -> Self {
            de::Error::custom(format_args!(
                "invalid type: {}, expected {exp}",
                Json(unexp)
            ))
        }

        fn invalid_value(unexp: Unexpected, exp: &dyn de::Expected) -> Self {
            de::Error::custom(format_args!(
                "invalid value: {}, expected {exp}",
                Json(unexp)
            ))
        }
    }

    /// A value in an error message as serde_json puts it: `null`, and floats as JSON writes
    /// them.
    struct Json<'a>(Unexpected<'a>);

    impl fmt::Display for Json<'_> {
        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
            match self.0 {
                Unexpected::Unit => f.write_str("null"),
                Unexpected::Float(v) => match serde_json::Number::from_f64(v) {
                    Some(n) => write!(f, "floating point `{n}`"),
                    None => fmt::Display::fmt(&self.0, f),
                },
                u => fmt::Display::fmt(&u, f),
            }
        }
    }

    /// Puts `path` on an error that has none yet (the innermost value's path wins; an error
    /// of the document itself keeps none).
    fn at<T>(r: Result<T, ReadError>, path: &Path) -> Result<T, ReadError> {
        r.map_err(|mut e| {
            if e.path.is_none() {
                e.path = Some(path.to_string());
            }
            e
        })
    }

    /// Reads a `T` from the tree.
    pub(super) fn read<T: de::DeserializeOwned>(node: &Node) -> Result<T, ReadError> {
        T::deserialize(At {
            node,
            path: &Path::Root,
        })
    }

    /// A value of the tree and its path, as a serde deserializer.
    struct At<'de, 'p> {
        node: &'de Node,
        path: &'p Path<'p>,
    }

    impl<'de> Deserializer<'de> for At<'de, '_> {
        type Error = ReadError;

        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
            match self.node {
                Node::Null => v.visit_unit(),
                Node::Bool(b) => v.visit_bool(*b),
                Node::U64(n) => v.visit_u64(*n),
                Node::I64(n) => v.visit_i64(*n),
                Node::F64(n) => v.visit_f64(*n),
                Node::Str(s) => v.visit_borrowed_str(s),
                Node::Arr(items) => {
                    let mut seq = Seq {
                        items: items.iter(),
                        index: 0,
                        path: self.path,
                    };
                    let value = v.visit_seq(&mut seq)?;
                    match seq.items.len() {
                        0 => Ok(value),
                        _ => Err(de::Error::invalid_length(
                            items.len(),
                            &"fewer elements in array",
                        )),
                    }
                }
                Node::Obj(pairs) => v.visit_map(Map {
                    pairs: pairs.iter(),
                    value: None,
                    path: self.path,
                }),
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
            match self.node {
                Node::Null => v.visit_none(),
                _ => v.visit_some(self),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value, ReadError> {
            v.visit_newtype_struct(self)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, ReadError> {
            match self.node {
                Node::Str(s) => v.visit_enum(s.as_str().into_deserializer()),
                Node::Obj(pairs) if pairs.len() == 1 => {
                    v.visit_enum(MapAccessDeserializer::new(Map {
                        pairs: pairs.iter(),
                        value: None,
                        path: self.path,
                    }))
                }
                // serde_json's words for an enum that is neither.
                _ => Err(de::Error::custom("expected value")),
            }
        }

        fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
            match self.node {
                Node::Str(s) => v.visit_borrowed_str(s),
                _ => Err(de::Error::invalid_type(self.unexpected(), &v)),
            }
        }

        fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
            self.deserialize_str(v)
        }

        fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
            self.deserialize_str(v)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
            bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
            ignored_any
        }
    }

    impl At<'_, '_> {
        /// What serde names this value in an "invalid type" message.
        fn unexpected(&self) -> Unexpected<'_> {
            match self.node {
                Node::Null => Unexpected::Unit,
                Node::Bool(b) => Unexpected::Bool(*b),
                Node::U64(n) => Unexpected::Unsigned(*n),
                Node::I64(n) => Unexpected::Signed(*n),
                Node::F64(n) => Unexpected::Float(*n),
                Node::Str(s) => Unexpected::Str(s),
                Node::Arr(_) => Unexpected::Seq,
                Node::Obj(_) => Unexpected::Map,
            }
        }
    }

    /// A list's items, each at its index.
    struct Seq<'de, 'p> {
        items: std::slice::Iter<'de, Node>,
        index: usize,
        path: &'p Path<'p>,
    }

    impl<'de> de::SeqAccess<'de> for Seq<'de, '_> {
        type Error = ReadError;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, ReadError> {
            let Some(node) = self.items.next() else {
                return Ok(None);
            };
            let path = Path::Index(self.path, self.index);
            self.index += 1;
            at(seed.deserialize(At { node, path: &path }), &path).map(Some)
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.items.len())
        }
    }

    /// An object's pairs, each value at its key.
    struct Map<'de, 'p> {
        pairs: std::slice::Iter<'de, (String, Node)>,
        value: Option<&'de (String, Node)>,
        path: &'p Path<'p>,
    }

    impl<'de> de::MapAccess<'de> for Map<'de, '_> {
        type Error = ReadError;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, ReadError> {
            let Some(pair) = self.pairs.next() else {
                return Ok(None);
            };
            self.value = Some(pair);
            // An unknown key's error names the key (`data.m: unknown field `m`, …`).
            let key = BorrowedStrDeserializer::<ReadError>::new(&pair.0);
            at(seed.deserialize(key), &Path::Key(self.path, &pair.0)).map(Some)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, ReadError> {
            let (key, node) = self
                .value
                .take()
                .ok_or_else(|| de::Error::custom("a value asked for before its key"))?;
            let path = Path::Key(self.path, key);
            // Also errors found after the value is read (`try_from`, tagged enums).
            at(seed.deserialize(At { node, path: &path }), &path)
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.pairs.len())
        }
    }
}

impl Config {
    /// Parses and checks a config.
    ///
    /// # Errors
    /// [`Error::Config`] for text over [`MAX_CONFIG_BYTES`], malformed JSON, unknown fields or
    /// wrong types (naming the field's path, e.g. `data.n`; syntax errors with line and
    /// column); the errors of [`Config::validate`].
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
    fn errors_name_the_field_path() {
        let e = |text: &str| Config::from_json(text).unwrap_err().to_string();
        let cases = [
            (
                r#"{"data": {"m": 1}}"#,
                "data.m: unknown field `m`, expected one of `kind`",
            ),
            (
                r#"{"model": {"layers": [{"units": 1}, {"units": "x"}]}}"#,
                "model.layers[1].units: invalid type: string \"x\", expected usize",
            ),
            (
                r#"{"data": null}"#,
                "data: invalid type: null, expected struct DataConfig",
            ),
            (
                r#"{"optimizer": {"name": "sgd", "lr": 1}}"#,
                "optimizer: unknown field `lr`",
            ),
            (
                r#"{"optimizer": {"name": "x"}}"#,
                "optimizer.name: unknown variant `x`",
            ),
            (
                r#"{"data": {"kind": "cubic"}}"#,
                "data.kind: unknown data kind 'cubic'",
            ),
            (r#"{"seed": 1, "seed": 2}"#, "duplicate field `seed`"),
            (
                r#"{"data": {"points": [[1, 2, 3]]}}"#,
                "data.points[0]: invalid length 3",
            ),
            (
                r#"{"seed": 1.5}"#,
                "seed: invalid type: floating point `1.5`, expected u64",
            ),
            (r#"{"loss": 3}"#, "loss: expected value"),
            (r#"{"data": {"n": }}"#, "expected value at line 1 column 16"),
        ];
        for (text, want) in cases {
            let got = e(text);
            assert!(got.contains(want), "{text}: {got}");
        }
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
