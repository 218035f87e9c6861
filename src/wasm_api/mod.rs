//! The JavaScript API: the only `#[wasm_bindgen]` code. Keras' names in JS spelling
//! (`Sequential`, `Dense`, `trainOnBatch`, `getWeights`, …, in `keras`, and `makeDataset`,
//! `TimeseriesGenerator` in `data`: feature `keras-api`), an `Experiment` that the
//! page and embeds drive ([`experiment`]), and the drawing ([`drawing`]). The benchmark
//! exports (`benchTutorial`, …) come with feature `bench-api`. Both features are default ones
//! and the JS package has them; the page's wasm goes without. Every fallible call
//! returns a `Result` that becomes a thrown JS `Error` with nnplay's message; nothing panics
//! across this boundary.

// A call holds its object across awaits on purpose: a second call meanwhile gets a "busy"
// error instead of interleaving with the first.
#![allow(clippy::await_holding_refcell_ref)]

#[cfg(feature = "keras-api")]
pub mod data;
pub mod drawing;
pub mod experiment;
pub mod export;
#[cfg(feature = "keras-api")]
pub mod keras;
pub mod story;

/// What the `Experiment` shares with the Keras API when that is left out.
#[cfg(not(feature = "keras-api"))]
pub(crate) mod keras {
    pub(crate) use super::weights_js;
}

#[cfg(feature = "keras-api")]
pub use data::{make_dataset, TimeseriesGenerator};
pub use drawing::{
    biases_text, data_bounds, plot_css_properties, test_cost_text, train_cost_text, weights_text,
    LossHistory, PlotView, Plotter,
};
pub use experiment::Experiment;
#[cfg(feature = "keras-api")]
pub use keras::{get_backend, set_backend, Dense, Sequential};

use crate::config::{BackendChoice, Config};
use crate::error::Error;
#[cfg(feature = "bench-api")]
use crate::run::Experiment as CoreExperiment;
use crate::tensor::Tensor;
use crate::{Activation, Initializer, Sequential as CoreSequential};
use wasm_bindgen::prelude::*;

pub(crate) fn js(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

pub(crate) fn busy() -> JsError {
    JsError::new("busy: the previous call on this object has not finished (await it first)")
}

/// Installs the panic hook that reports a Rust panic in the console (should one happen).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A Rust value as a plain JS object (maps become objects, as JSON would have them).
pub(crate) fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The tutorial's config as JSON, every default filled in.
#[wasm_bindgen(js_name = defaultConfig)]
pub fn default_config() -> String {
    Config::default().to_json()
}

/// Checks a config; returns it with defaults filled in, or throws the problem in words.
#[wasm_bindgen(js_name = normalizeConfig)]
pub fn normalize_config(config_json: &str) -> Result<String, JsError> {
    Ok(Config::from_json(config_json).map_err(js)?.to_json())
}

/// The Keras 3 code of a config.
#[wasm_bindgen(js_name = kerasCode)]
pub fn keras_code(config_json: &str) -> Result<String, JsError> {
    let c = Config::from_json(config_json).map_err(js)?;
    Ok(crate::codegen::keras_code(&c))
}

/// Keras' `summary()` of a config's model.
#[wasm_bindgen(js_name = summaryOf)]
pub fn summary_of(config_json: &str) -> Result<String, JsError> {
    let c = Config::from_json(config_json).map_err(js)?;
    Ok(c.build_model().map_err(js)?.summary())
}

/// Parses `x,y` CSV text into a flat `[x0, y0, x1, y1, …]` array, or throws naming the line.
#[wasm_bindgen(js_name = parseCsv)]
pub fn parse_csv(text: &str) -> Result<Vec<f64>, JsError> {
    Ok(crate::data::parse_csv(text)
        .map_err(js)?
        .into_iter()
        .flatten()
        .collect())
}

/// What choosing each data kind sets (its `slope` and `intercept`; nothing for `custom`).
fn data_kind_presets() -> serde_json::Value {
    use crate::data::DataKind;
    let list: Vec<serde_json::Value> = DataKind::NAMES
        .iter()
        .map(|&name| {
            let kind = DataKind::from_name(name).expect("a listed name");
            match kind.preset() {
                Some((slope, intercept)) => {
                    serde_json::json!({ "name": name, "slope": slope, "intercept": intercept })
                }
                None => serde_json::json!({ "name": name }),
            }
        })
        .collect();
    serde_json::Value::Array(list)
}

/// The names of a `(name, value)` table of the core.
fn names<T>(all: &[(&'static str, T)]) -> Vec<&'static str> {
    all.iter().map(|(n, _)| *n).collect()
}

/// Everything the page builds its controls from, so that no option list, default or limit is
/// written in its JavaScript: `optimizers` (each with `name`, `keras_class` and `params`, the
/// core's `ParamSpec`s), `losses`, `activations`, `initializers`, `data_kinds` (with the
/// slope and intercept choosing one sets), `backends`, `limits` (every constant of
/// `nnplay::limits`, by its Rust name), `fields` (the bounds of the other numeric fields, by
/// config path; `model.layers.units` for every layer's units), `hidden_layer` (what "add a
/// layer" inserts) and `figures` (`grid_panels`, `grid_every`: the grid's panels and the steps
/// between them; `fit_points`: the x values of the fitted curve). The default config is
/// `defaultConfig()`.
#[wasm_bindgen]
pub fn schema() -> Result<JsValue, JsError> {
    use crate::limits as l;
    let fields: serde_json::Map<String, serde_json::Value> = crate::config::field_bounds()
        .into_iter()
        .map(|(k, v)| (k.to_string(), serde_json::to_value(v).expect("plain data")))
        .collect();
    let backends = [
        BackendChoice::Auto,
        BackendChoice::Webgpu,
        BackendChoice::Cpu,
    ]
    .map(BackendChoice::name);
    let v = serde_json::json!({
        "optimizers": crate::optim::OPTIMIZERS,
        "losses": crate::loss::Loss::NAMES,
        "activations": names(&Activation::ALL),
        "initializers": names(&Initializer::ALL),
        "data_kinds": data_kind_presets(),
        "backends": backends,
        "limits": {
            "MAX_POINTS": l::MAX_POINTS,
            "MIN_POINTS": l::MIN_POINTS,
            "MAX_LAYERS": l::MAX_LAYERS,
            "MAX_UNITS": l::MAX_UNITS,
            "MAX_FLOATS": l::MAX_FLOATS,
            "MAX_STEPS": l::MAX_STEPS,
            "MAX_LEARNING_RATE": l::MAX_LEARNING_RATE,
            "LOSS_LOG_CAPACITY": l::LOSS_LOG_CAPACITY,
            "MAX_EVAL_BATCH": l::MAX_EVAL_BATCH,
            // 2^53 is a JS number, though above Number.MAX_SAFE_INTEGER (as an f64, exact).
            "MAX_SEED": l::MAX_SEED as f64,
        },
        "fields": fields,
        "hidden_layer": crate::config::LayerConfig::hidden(),
        "figures": {
            "grid_panels": crate::plot::GRID_SHAPE.0 * crate::plot::GRID_SHAPE.1,
            "grid_every": crate::plot::GRID_EVERY,
            "fit_points": crate::plot::FIT_POINTS,
        },
    });
    to_js(&v)
}

/// Activation names, in the order the page lists them.
#[wasm_bindgen(js_name = activationNames)]
pub fn activation_names() -> Vec<String> {
    Activation::ALL.iter().map(|(n, _)| n.to_string()).collect()
}

/// The divergence rule (`nnplay::run::diverged_at`): the index in `losses` of the first loss
/// that is not finite or exceeds the core's factor times `first` (the run's first loss), or
/// `undefined`.
#[wasm_bindgen(js_name = divergedAt)]
pub fn diverged_at(losses: &[f32], first: f32) -> Option<u32> {
    crate::run::diverged_at(losses, first).map(|i| i as u32)
}

/// A fresh random seed.
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> f64 {
    crate::rng::fresh_seed() as f64
}

/// Keras' `get_weights()` list for JS: `{shape, values}` each, a kernel `[inputs, units]`
/// and a bias `[units]` (Keras' `(units,)`), `values` row by row.
pub(crate) fn weights_js(w: &[Tensor], model: &CoreSequential) -> Result<JsValue, JsError> {
    let list: Vec<serde_json::Value> = w
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let shape = if model.is_bias(i) {
                vec![t.cols()]
            } else {
                vec![t.rows(), t.cols()]
            };
            serde_json::json!({ "shape": shape, "values": t.as_slice() })
        })
        .collect();
    to_js(&list)
}

#[cfg(feature = "bench-api")]
/// `performance.now()` where there is one (browsers, node), else `Date.now()`.
fn now_ms() -> f64 {
    let global = js_sys::global();
    let perf = js_sys::Reflect::get(&global, &JsValue::from_str("performance")).ok();
    perf.and_then(|p| {
        let now = js_sys::Reflect::get(&p, &JsValue::from_str("now")).ok()?;
        let now: js_sys::Function = now.dyn_into().ok()?;
        now.call0(&p).ok()?.as_f64()
    })
    .unwrap_or_else(js_sys::Date::now)
}

#[cfg(feature = "bench-api")]
/// Benchmark: steps per second of the tutorial's step (Dense(1), 160 points, full batch) over
/// `steps` steps, inside wasm.
#[wasm_bindgen(js_name = benchTutorial)]
pub fn bench_tutorial(steps: u32) -> Result<f64, JsError> {
    let mut e = CoreExperiment::new_cpu(Config::default()).map_err(js)?;
    e.train_blocking(1000).map_err(js)?;
    let t0 = now_ms();
    let mut left = steps as usize;
    while left > 0 {
        let n = left.min(1_000_000);
        e.train_blocking(n).map_err(js)?;
        left -= n;
    }
    let dt = (now_ms() - t0).max(1e-3) / 1000.0;
    Ok(steps as f64 / dt)
}

#[cfg(feature = "bench-api")]
/// Benchmark: steps per second of the tutorial's step written by hand over plain slices (the
/// peak beside `benchTutorial`), over `steps` steps, inside wasm.
#[wasm_bindgen(js_name = benchPeak)]
pub fn bench_peak(steps: u32) -> Result<f64, JsError> {
    crate::bench::peak_rate(steps as usize, now_ms).map_err(js)
}

#[cfg(feature = "bench-api")]
/// Benchmark: steps per second of the page's sine network (16 `tanh` units, full batch) with
/// `optimizer` (`"sgd"` or `"adam"`), over `steps` steps, inside wasm.
#[wasm_bindgen(js_name = benchSine)]
pub fn bench_sine(optimizer: &str, steps: u32) -> Result<f64, JsError> {
    let config = crate::bench::sine_config(optimizer).map_err(js)?;
    crate::bench::engine_rate(config, steps as usize, now_ms).map_err(js)
}

#[cfg(feature = "bench-api")]
/// Benchmark: GFLOP/s of training steps of an MLP 1-256-256-1 (relu, mse, SGD) at batch
/// `batch`, over `reps` steps, inside wasm.
#[wasm_bindgen(js_name = benchMlp)]
pub fn bench_mlp(batch: u32, reps: u32) -> Result<f64, JsError> {
    let (gflop, secs) = crate::bench::mlp_cpu(batch as usize, reps as usize, now_ms).map_err(js)?;
    Ok(gflop / secs)
}
