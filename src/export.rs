//! What reproduces a run outside the page: the weights in Keras' `set_weights` layout, the data
//! as CSV, the imports of a config, a run record or a CSV, the share link's hash, and the
//! attributes of the `<nn-playground>` element. Each is one small function over the config and
//! the run record, so that the page, the element and the CLI give the same text.
//!
//! # Link
//! The hash is `c=` and the base64url (no padding) of the JSON of the fields that differ from
//! the default config: a list of objects (the layers) is written item by item against the
//! default's first item, and a tagged object (`name`) whose tag changed is written whole. The
//! default config's hash is empty.

use crate::config::Config;
use crate::data::{parse_csv, DataKind};
use crate::error::{Error, Result};
use crate::record::{DatasetRecord, RunRecord, WeightArray};
use serde_json::{Map, Value};

/// The attributes of `<nn-playground>` that describe the experiment, in the order they apply:
/// `config` (a JSON config, maybe partial) first, then each one over it.
pub const ATTRIBUTES: [&str; 12] = [
    "config",
    "data-kind",
    "n",
    "noise",
    "layers",
    "loss",
    "optimizer",
    "learning-rate",
    "steps",
    "batch-size",
    "seed",
    "backend",
];

/// Keras' `get_weights()` list as JSON, ready for `model.set_weights([np.array(w, "float32")
/// for w in json.load(f)])`: each kernel `(inputs, units)` as rows, each bias `(units,)` flat,
/// in the model's order; non-finite values as `null`.
pub fn keras_weights_json(weights: &[WeightArray]) -> String {
    serde_json::to_string(weights).expect("weights always serialize")
}

/// The points as CSV: a comment saying how many train, the header `x,y`, the training rows,
/// then the test rows. Each value is the shortest decimal that reads back as the same `f32`,
/// so [`parse_csv`] gives the points again exactly.
pub fn dataset_csv(d: &DatasetRecord) -> String {
    let mut s = format!(
        "# nnplay dataset: {} training points, then {} test points\nx,y\n",
        d.x_train.len(),
        d.x_test.len()
    );
    for (xs, ys) in [(&d.x_train, &d.y_train), (&d.x_test, &d.y_test)] {
        for (x, y) in xs.iter().zip(ys) {
            let (x, y) = (x.first().copied(), y.first().copied());
            if let (Some(x), Some(y)) = (x, y) {
                s += &format!("{x},{y}\n");
            }
        }
    }
    s
}

/// What an imported file was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// An experiment config (JSON).
    Config,
    /// A run record (JSON with `"format"`).
    Record,
    /// Points as `x,y` CSV.
    Csv,
}

impl ImportKind {
    /// `config`, `record` or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Config => "config",
            ImportKind::Record => "record",
            ImportKind::Csv => "csv",
        }
    }
}

/// The experiment an imported file describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// What the file was.
    pub kind: ImportKind,
    /// The experiment's config, every default filled in.
    pub config: Config,
    /// The steps the run had taken (a record's losses; 0 otherwise): training the config that
    /// many steps replays it.
    pub steps: usize,
}

/// Reads an imported file: a config (JSON), a run record (JSON with `"format"`) or points as
/// CSV, which replace the data of `current` (kind `custom`) and keep the rest.
///
/// # Errors
/// [`Error::Config`] naming what the file is not or which field is wrong (the errors of
/// [`Config::from_json`] and [`RunRecord::from_json`]); [`Error::Csv`] naming the line; an
/// empty file.
pub fn import_text(text: &str, current: &Config) -> Result<Imported> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(Error::Config("the file is empty".into()));
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let is_record = serde_json::from_str::<Value>(trimmed)
            .ok()
            .is_some_and(|v| v.get("format").is_some());
        if is_record {
            let r = RunRecord::from_json(trimmed)
                .map_err(|e| Error::Config(format!("run record: {}", strip_config(&e))))?;
            return Ok(Imported {
                kind: ImportKind::Record,
                steps: r.steps_taken(),
                config: r.config,
            });
        }
        return Ok(Imported {
            kind: ImportKind::Config,
            config: Config::from_json(trimmed)?,
            steps: 0,
        });
    }
    let points = parse_csv(trimmed)?;
    let mut config = current.clone();
    config.data.kind = DataKind::Custom;
    config.data.points = Some(points);
    config.validate()?;
    Ok(Imported {
        kind: ImportKind::Csv,
        config,
        steps: 0,
    })
}

/// An error's message without the `config: ` its display starts with.
fn strip_config(e: &Error) -> String {
    match e {
        Error::Config(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Whether `value` is a list of objects and `base` one too (the layers).
fn object_list(value: &Value, base: &Value) -> bool {
    matches!((value, base), (Value::Array(v), Value::Array(b))
        if b.first().is_some_and(Value::is_object) && v.iter().all(Value::is_object))
}

/// The fields of `value` that differ from `base` (see the module's "Link").
fn diff(value: &Value, base: &Value) -> Option<Value> {
    if object_list(value, base) {
        if value == base {
            return None;
        }
        let first = &base[0];
        let items = value.as_array().expect("a list");
        let out = items
            .iter()
            .map(|v| diff(v, first).unwrap_or_else(|| Value::Object(Map::new())))
            .collect();
        return Some(Value::Array(out));
    }
    if let (Value::Object(v), Value::Object(b)) = (value, base) {
        if v.get("name").is_none_or(|n| Some(n) == b.get("name")) {
            let mut out = Map::new();
            for (k, x) in v {
                match b.get(k) {
                    None => {
                        out.insert(k.clone(), x.clone());
                    }
                    Some(bx) => {
                        if let Some(d) = diff(x, bx) {
                            out.insert(k.clone(), d);
                        }
                    }
                }
            }
            return (!out.is_empty()).then_some(Value::Object(out));
        }
    }
    (value != base).then(|| value.clone())
}

/// `base` with `changes` laid over it (the inverse of [`diff`]).
fn merge(base: &Value, changes: &Value) -> Value {
    if object_list(changes, base) {
        let items = changes.as_array().expect("a list");
        return Value::Array(items.iter().map(|c| merge(&base[0], c)).collect());
    }
    match (base, changes) {
        (Value::Object(b), Value::Object(c)) => {
            if c.get("name").is_some_and(|n| Some(n) != b.get("name")) {
                return changes.clone();
            }
            let mut out = b.clone();
            for (k, v) in c {
                let merged = match b.get(k) {
                    Some(bv) => merge(bv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => changes.clone(),
    }
}

fn default_value() -> Value {
    serde_json::to_value(Config::default()).expect("configs always serialize")
}

fn config_value(c: &Config) -> Value {
    serde_json::to_value(c).expect("configs always serialize")
}

/// The fields of `config` that differ from the default config, as JSON (`{}` for the default):
/// a partial config that reads back as `config`.
pub fn config_changes(config: &Config) -> String {
    diff(&config_value(config), &default_value())
        .unwrap_or_else(|| Value::Object(Map::new()))
        .to_string()
}

/// The share link's hash of `config`, without `#`: `c=` and its changes in base64url (see the
/// module's "Link"); empty for the default config.
pub fn share_hash(config: &Config) -> String {
    match diff(&config_value(config), &default_value()) {
        None => String::new(),
        Some(d) => format!("c={}", base64url_encode(d.to_string().as_bytes())),
    }
}

/// The config a share link's hash describes (with or without `#`; empty for the default).
///
/// # Errors
/// [`Error::Config`] saying whether the hash is not `c=<base64url>`, not UTF-8 JSON or not an
/// object; then the errors of [`Config::from_json`].
pub fn config_from_share_hash(hash: &str) -> Result<Config> {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    if hash.is_empty() {
        return Ok(Config::default());
    }
    let link = |m: &str| Error::Config(format!("link: {m}"));
    let code = hash
        .strip_prefix("c=")
        .ok_or_else(|| link("expected #c= followed by the experiment"))?;
    let bytes = base64url_decode(code).ok_or_else(|| link("the experiment is not base64url"))?;
    let text = String::from_utf8(bytes).map_err(|_| link("the experiment is not UTF-8 text"))?;
    let changes: Value = serde_json::from_str(&text)
        .map_err(|e| link(&format!("the experiment is not JSON ({e})")))?;
    if !changes.is_object() {
        return Err(link("the experiment is not a JSON object"));
    }
    Config::from_json(&merge(&default_value(), &changes).to_string())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
fn base64url_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            s.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    s
}

/// The bytes of base64url text (padding allowed), or `None` when it is not base64url.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (bits < 6 && acc == 0).then_some(out)
}

/// A whole number written by a person.
fn whole(name: &str, raw: &str) -> Result<Value> {
    let v = number_of(name, raw)?;
    if v < 0.0 || v.fract() != 0.0 || v > 2f64.powi(53) {
        return Err(Error::invalid(
            format!("attribute {name}"),
            format!("'{raw}' is not a whole number"),
        ));
    }
    Ok(Value::from(v as u64))
}

fn number_of(name: &str, raw: &str) -> Result<f64> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            Error::invalid(
                format!("attribute {name}"),
                format!("'{raw}' is not a number"),
            )
        })
}

fn number(name: &str, raw: &str) -> Result<Value> {
    Ok(Value::from(number_of(name, raw)?))
}

/// `"16 tanh, 1"`: the layers, each `units [activation]`, first to last.
fn layers_of(raw: &str) -> Result<Value> {
    let bad = |m: String| Error::invalid("attribute layers", m);
    let mut out = Vec::new();
    for (i, item) in raw.split(',').enumerate() {
        let words: Vec<&str> = item.split_whitespace().collect();
        let (units, activation) = match words.as_slice() {
            [u] => (*u, "linear"),
            [u, a] => (*u, *a),
            _ => {
                return Err(bad(format!(
                    "layer {}: '{}' is not 'units' or 'units activation' (e.g. \"16 tanh, 1\")",
                    i + 1,
                    item.trim()
                )))
            }
        };
        let units = units
            .parse::<usize>()
            .map_err(|_| bad(format!("layer {}: '{units}' is not a whole number", i + 1)))?;
        out.push(serde_json::json!({ "units": units, "activation": activation }));
    }
    Ok(Value::Array(out))
}

/// The config that the element's attributes describe: `config` (JSON, maybe partial) or the
/// default, then each other attribute of [`ATTRIBUTES`] over it, in that list's order
/// (`data-kind` also sets the kind's slope and intercept; `optimizer` another optimizer with
/// Keras' defaults; `batch-size` `full` or empty for the whole training set; `layers` as
/// `"16 tanh, 1"`).
///
/// # Errors
/// [`Error::InvalidParameter`] naming the attribute whose text is not what it should be; an
/// unknown attribute; then the errors of [`Config::from_json`], naming the config's field.
pub fn config_from_attributes(attrs: &[(String, String)]) -> Result<Config> {
    for (name, _) in attrs {
        if !ATTRIBUTES.contains(&name.as_str()) {
            return Err(Error::unknown("attribute", name, &ATTRIBUTES));
        }
    }
    let get = |name: &str| attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim());
    let mut v = match get("config") {
        Some(text) if !text.is_empty() => config_value(
            &Config::from_json(text)
                .map_err(|e| Error::Config(format!("attribute config: {}", strip_config(&e))))?,
        ),
        _ => default_value(),
    };
    for name in &ATTRIBUTES[1..] {
        let Some(raw) = get(name) else { continue };
        match *name {
            "data-kind" => {
                let kind = DataKind::from_name(raw)?;
                v["data"]["kind"] = raw.into();
                if let Some((slope, intercept)) = kind.preset() {
                    v["data"]["slope"] = slope.into();
                    v["data"]["intercept"] = intercept.into();
                }
            }
            "n" => v["data"]["n"] = whole(name, raw)?,
            "noise" => v["data"]["noise"] = number(name, raw)?,
            "layers" => v["model"]["layers"] = layers_of(raw)?,
            "loss" => v["loss"] = crate::loss::Loss::from_name(raw)?.name().into(),
            "optimizer" => {
                let names: Vec<&str> = crate::optim::OPTIMIZERS.iter().map(|o| o.name).collect();
                if !names.contains(&raw) {
                    return Err(Error::unknown("optimizer", raw, &names));
                }
                if v["optimizer"]["name"] != raw {
                    v["optimizer"] = serde_json::json!({ "name": raw });
                }
            }
            "learning-rate" => v["optimizer"]["learning_rate"] = number(name, raw)?,
            "steps" => v["training"]["steps"] = whole(name, raw)?,
            "batch-size" => {
                v["training"]["batch_size"] = match raw {
                    "" | "full" | "null" => Value::Null,
                    _ => whole(name, raw)?,
                }
            }
            "seed" => v["seed"] = whole(name, raw)?,
            "backend" => v["backend"] = crate::config::BackendChoice::from_name(raw)?.name().into(),
            _ => unreachable!("every attribute of ATTRIBUTES is handled"),
        }
    }
    Config::from_json(&v.to_string())
}

/// Every short attribute of [`ATTRIBUTES`] (all but `config`) with its value in `config`, in
/// that list's order: what the element's own controls show.
pub fn attribute_values(config: &Config) -> Vec<(String, String)> {
    let v = config_value(config);
    let text = |x: &Value| match x {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let layers: Vec<String> = config
        .model
        .layers
        .iter()
        .map(|l| match l.activation.as_str() {
            "linear" => l.units.to_string(),
            a => format!("{} {a}", l.units),
        })
        .collect();
    let batch = config
        .training
        .batch_size
        .map_or("full".to_string(), |b| b.to_string());
    [
        ("data-kind", text(&v["data"]["kind"])),
        ("n", config.data.n.to_string()),
        ("noise", config.data.noise.to_string()),
        ("layers", layers.join(", ")),
        ("loss", config.loss.name().to_string()),
        ("optimizer", text(&v["optimizer"]["name"])),
        (
            "learning-rate",
            config.optimizer.learning_rate().to_string(),
        ),
        ("steps", config.training.steps.to_string()),
        ("batch-size", batch),
        ("seed", config.seed.to_string()),
        ("backend", config.backend.name().to_string()),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v))
    .collect()
}

/// The attributes that give `config` on the element: the short ones of [`ATTRIBUTES`] whose
/// value differs from the default config's when they say it all, else one `config` attribute
/// with the changes as JSON. Empty for the default config.
pub fn embed_attributes(config: &Config) -> Vec<(String, String)> {
    let defaults = attribute_values(&Config::default());
    let out: Vec<(String, String)> = attribute_values(config)
        .into_iter()
        .zip(defaults)
        .filter(|(a, d)| a != d)
        .map(|(a, _)| a)
        .collect();
    if config_from_attributes(&out).as_ref() == Ok(config) {
        out
    } else {
        vec![("config".to_string(), config_changes(config))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..10 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 97 + 251) as u8).collect();
            let s = base64url_encode(&bytes);
            assert!(!s.contains('='));
            assert_eq!(base64url_decode(&s).unwrap(), bytes);
        }
        assert_eq!(base64url_encode(b"{}"), "e30");
        assert!(base64url_decode("e3!").is_none());
        assert!(base64url_decode("e").is_none());
    }

    #[test]
    fn diff_of_layers_is_item_by_item() {
        let mut c = Config::default();
        c.model.layers = vec![
            crate::config::LayerConfig::new(16, "tanh"),
            crate::config::LayerConfig::default(),
        ];
        let changes: Value = serde_json::from_str(&config_changes(&c)).unwrap();
        assert_eq!(
            changes,
            serde_json::json!({"model": {"layers": [{"units": 16, "activation": "tanh"}, {}]}})
        );
    }
}
