//! The JavaScript API: the only `#[wasm_bindgen]` file. Keras' names in JS spelling
//! (`Sequential`, `Dense`, `trainOnBatch`, `getWeights`, …) and an `Experiment` that the page
//! and embeds drive. Every fallible call returns a `Result` that becomes a thrown JS `Error`
//! with nnplay's message; nothing panics across this boundary.

// A call holds its object across awaits on purpose: a second call meanwhile gets a "busy"
// error instead of interleaving with the first.
#![allow(clippy::await_holding_refcell_ref)]

use crate::backend::BackendKind;
use crate::config::{BackendChoice, Config};
use crate::error::Error;
use crate::layers::Dense as CoreDense;
use crate::optim::Optimizer;
use crate::plot::{
    self, Bounds, Labels, LossHistory as CoreLossHistory, ScatterData, Theme, View, CSS_PROPERTIES,
};
use crate::run::Experiment as CoreExperiment;
use crate::tensor::Tensor;
use crate::{Activation, Initializer, Sequential as CoreSequential};
use plotters_canvas::CanvasBackend;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

fn js(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

fn busy() -> JsError {
    JsError::new("busy: the previous call on this object has not finished (await it first)")
}

fn column(values: &[f32], what: &str) -> Result<Tensor, JsError> {
    let t = Tensor::column(values);
    t.check_not_empty(what).map_err(js)?;
    Ok(t)
}

/// Installs the panic hook that reports a Rust panic in the console (should one happen).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Keras' `Dense` layer: `new Dense(units, {inputDim, activation, useBias, kernelInitializer,
/// biasInitializer})`.
#[wasm_bindgen]
pub struct Dense {
    inner: CoreDense,
}

#[wasm_bindgen]
impl Dense {
    /// A Dense layer with `units` outputs; `options` may set `inputDim`, `activation`,
    /// `useBias`, `kernelInitializer`, `biasInitializer` (Keras' snake_case names work too).
    #[wasm_bindgen(constructor)]
    pub fn new(units: u32, options: JsValue) -> Result<Dense, JsError> {
        let mut d = CoreDense::new(units as usize);
        let get = |camel: &str, snake: &str| -> Option<JsValue> {
            if !options.is_object() {
                return None;
            }
            [camel, snake]
                .iter()
                .map(|k| js_sys::Reflect::get(&options, &JsValue::from_str(k)).ok())
                .find_map(|v| v.filter(|v| !v.is_undefined() && !v.is_null()))
        };
        if let Some(v) = get("inputDim", "input_dim") {
            let n = v
                .as_f64()
                .filter(|n| *n >= 1.0 && n.fract() == 0.0)
                .ok_or_else(|| JsError::new("invalid inputDim: must be a positive integer"))?;
            d = d.input_dim(n as usize);
        }
        if let Some(v) = get("activation", "activation") {
            let name = v.as_string().unwrap_or_default();
            d = d.activation(Activation::from_name(&name).map_err(js)?);
        }
        if let Some(v) = get("useBias", "use_bias") {
            d = d.use_bias(v.as_bool().unwrap_or(true));
        }
        if let Some(v) = get("kernelInitializer", "kernel_initializer") {
            let name = v.as_string().unwrap_or_default();
            d = d.kernel_initializer(Initializer::from_name(&name).map_err(js)?);
        }
        if let Some(v) = get("biasInitializer", "bias_initializer") {
            let name = v.as_string().unwrap_or_default();
            d = d.bias_initializer(Initializer::from_name(&name).map_err(js)?);
        }
        d.validate().map_err(js)?;
        Ok(Dense { inner: d })
    }
}

/// Keras' `Sequential` model. Training calls return promises, as in TF.js.
#[wasm_bindgen]
pub struct Sequential {
    inner: Rc<RefCell<CoreSequential>>,
}

#[wasm_bindgen]
impl Sequential {
    /// An empty model; `seed` fixes the initial weights (default 42).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: Option<f64>) -> Sequential {
        let m = CoreSequential::with_seed(seed.map(|s| s.max(0.0) as u64).unwrap_or(42));
        Sequential {
            inner: Rc::new(RefCell::new(m)),
        }
    }

    fn model(&self) -> Result<std::cell::RefMut<'_, CoreSequential>, JsError> {
        self.inner.try_borrow_mut().map_err(|_| busy())
    }

    /// Appends a layer.
    pub fn add(&self, layer: &Dense) -> Result<(), JsError> {
        self.model()?.add(layer.inner.clone()).map_err(js)
    }

    /// `compile(loss, optimizer, learningRate?)` on the CPU, e.g. `compile("mse", "sgd")`.
    pub fn compile(
        &self,
        loss: &str,
        optimizer: &str,
        learning_rate: Option<f64>,
    ) -> Result<(), JsError> {
        let mut opt = Optimizer::from_name(optimizer).map_err(js)?;
        if let Some(lr) = learning_rate {
            opt = opt.with_learning_rate(lr);
        }
        self.model()?.compile(loss, opt).map_err(js)
    }

    /// One update on `(x, y)` (one value per sample); resolves to the loss before the update.
    #[wasm_bindgen(js_name = trainOnBatch)]
    pub async fn train_on_batch(&self, x: Vec<f32>, y: Vec<f32>) -> Result<f32, JsError> {
        let (x, y) = (column(&x, "x")?, column(&y, "y")?);
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        m.train_on_batch_async(&x, &y).await.map_err(js)
    }

    /// The mean loss on `(x, y)` in batches of `batchSize` (default 32).
    pub async fn evaluate(
        &self,
        x: Vec<f32>,
        y: Vec<f32>,
        batch_size: Option<u32>,
    ) -> Result<f32, JsError> {
        let (x, y) = (column(&x, "x")?, column(&y, "y")?);
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        m.evaluate_async(&x, &y, batch_size.map(|b| b as usize))
            .await
            .map_err(js)
    }

    /// Predictions for `x` (one value per sample, one output per sample).
    pub async fn predict(&self, x: Vec<f32>) -> Result<Vec<f32>, JsError> {
        let x = column(&x, "x")?;
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        Ok(m.predict_async(&x, None).await.map_err(js)?.into_vec())
    }

    /// `getWeights()`: an array of `{shape, values}` in Keras' order.
    #[wasm_bindgen(js_name = getWeights)]
    pub async fn get_weights(&self) -> Result<JsValue, JsError> {
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        let w = m.get_weights_async().await.map_err(js)?;
        weights_js(&w, &m)
    }

    /// `summary()` as Keras prints it.
    pub fn summary(&self) -> Result<String, JsError> {
        Ok(self.model()?.summary())
    }
}

/// A Rust value as a plain JS object (maps become objects, as JSON would have them).
fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Keras' `get_weights()` list for JS: `{shape, values}` each, a kernel `[inputs, units]`
/// and a bias `[units]` (Keras' `(units,)`), `values` row by row.
fn weights_js(w: &[Tensor], model: &CoreSequential) -> Result<JsValue, JsError> {
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

/// A whole experiment from a config (the JSON schema of the run record): the page and the
/// embeddable element drive training through this.
#[wasm_bindgen]
pub struct Experiment {
    inner: Rc<RefCell<CoreExperiment>>,
    backend_line: String,
    backend: BackendKind,
}

#[wasm_bindgen]
impl Experiment {
    /// Builds the data and model of `configJson` on `backend` (`auto`, `webgpu`, `cpu`; the
    /// config's own `backend` when omitted).
    pub async fn create(
        config_json: String,
        backend: Option<String>,
    ) -> Result<Experiment, JsError> {
        let config = Config::from_json(&config_json).map_err(js)?;
        let choice = match backend {
            Some(b) if !b.is_empty() => BackendChoice::from_name(&b).map_err(js)?,
            _ => config.backend,
        };
        let e = CoreExperiment::new(config, choice).await.map_err(js)?;
        Ok(Experiment {
            backend_line: e.backend_line(),
            backend: e.backend_kind(),
            inner: Rc::new(RefCell::new(e)),
        })
    }

    fn exp(&self) -> Result<std::cell::RefMut<'_, CoreExperiment>, JsError> {
        self.inner.try_borrow_mut().map_err(|_| busy())
    }

    /// "Using WebGPU backend (…)" or "Using CPU backend (…)".
    #[wasm_bindgen(getter, js_name = backendLine)]
    pub fn backend_line(&self) -> String {
        self.inner
            .try_borrow()
            .map(|e| e.backend_line())
            .unwrap_or_else(|_| self.backend_line.clone())
    }

    /// `cpu` or `webgpu`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.inner
            .try_borrow()
            .map(|e| e.backend_kind())
            .unwrap_or(self.backend)
            .name()
            .into()
    }

    /// Steps taken so far.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> Result<u32, JsError> {
        Ok(self.inner.try_borrow().map_err(|_| busy())?.step() as u32)
    }

    /// Runs `steps` more steps; resolves to their losses.
    pub async fn train(&self, steps: u32) -> Result<Vec<f32>, JsError> {
        let inner = self.inner.clone();
        let mut e = inner.try_borrow_mut().map_err(|_| busy())?;
        e.train(steps as usize).await.map_err(js)
    }

    /// `evaluate(x_test, y_test, batch_size = len(x_test))`.
    #[wasm_bindgen(js_name = testCost)]
    pub async fn test_cost(&self) -> Result<f32, JsError> {
        let inner = self.inner.clone();
        let mut e = inner.try_borrow_mut().map_err(|_| busy())?;
        e.test_cost().await.map_err(js)
    }

    /// Predictions at the given x values.
    pub async fn predict(&self, xs: Vec<f32>) -> Result<Vec<f32>, JsError> {
        let inner = self.inner.clone();
        let mut e = inner.try_borrow_mut().map_err(|_| busy())?;
        e.predict(&xs).await.map_err(js)
    }

    /// The weights now: an array of `{shape, values}` in Keras' order.
    pub async fn weights(&self) -> Result<JsValue, JsError> {
        let inner = self.inner.clone();
        let mut e = inner.try_borrow_mut().map_err(|_| busy())?;
        let w = e.weights().await.map_err(js)?;
        weights_js(&w, e.model())
    }

    /// The points: `{xTrain, yTrain, xTest, yTest}` as arrays of numbers.
    pub fn dataset(&self) -> Result<JsValue, JsError> {
        let e = self.inner.try_borrow().map_err(|_| busy())?;
        let d = e.dataset();
        let v = serde_json::json!({
            "xTrain": d.x_train.as_slice(), "yTrain": d.y_train.as_slice(),
            "xTest": d.x_test.as_slice(), "yTest": d.y_test.as_slice(),
        });
        to_js(&v)
    }

    /// Every loss so far.
    pub fn losses(&self) -> Result<Vec<f32>, JsError> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .losses()
            .to_vec())
    }

    /// The config, every default filled in, as JSON.
    #[wasm_bindgen(js_name = configJson)]
    pub fn config_json(&self) -> Result<String, JsError> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .config()
            .to_json())
    }

    /// Keras' `summary()` of the model.
    pub fn summary(&self) -> Result<String, JsError> {
        Ok(self.exp()?.model().summary())
    }

    /// Changes the learning rate and keeps training state.
    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&self, lr: f64) -> Result<(), JsError> {
        self.exp()?.set_learning_rate(lr).map_err(js)
    }

    /// Changes the optimizer's hyper-parameters from its JSON (`{"name": "rmsprop", "rho": 0.8,
    /// …}`, the config's `optimizer`): the same optimizer keeps its state and the weights stay.
    #[wasm_bindgen(js_name = setOptimizer)]
    pub fn set_optimizer(&self, optimizer_json: &str) -> Result<(), JsError> {
        let opt: Optimizer = serde_json::from_str(optimizer_json)
            .map_err(|e| JsError::new(&format!("optimizer: {e}")))?;
        self.exp()?.set_optimizer(opt).map_err(js)
    }

    /// Changes `training.steps` and `training.log_every` without rebuilding.
    #[wasm_bindgen(js_name = setTraining)]
    pub fn set_training(&self, steps: f64, log_every: f64) -> Result<(), JsError> {
        let whole = |v: f64, what: &str| -> Result<usize, JsError> {
            if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= usize::MAX as f64 {
                Ok(v as usize)
            } else {
                Err(JsError::new(&format!(
                    "invalid {what}: {v} (must be a whole number)"
                )))
            }
        };
        let (steps, log_every) = (
            whole(steps, "training.steps")?,
            whole(log_every, "training.log_every")?,
        );
        self.exp()?.set_training(steps, log_every).map_err(js)
    }

    /// A learning rate at which this model should not diverge.
    #[wasm_bindgen(js_name = stableLearningRate)]
    pub fn stable_learning_rate(&self) -> Result<f64, JsError> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .stable_learning_rate())
    }

    /// The run record so far, as JSON.
    pub async fn record(&self) -> Result<String, JsError> {
        let inner = self.inner.clone();
        let mut e = inner.try_borrow_mut().map_err(|_| busy())?;
        Ok(e.record().await.map_err(js)?.to_json())
    }

    /// Makes the WebGPU device behave as lost: the next steps continue on the CPU from the
    /// same weights (a demonstration of the fallback; no effect on the CPU backend).
    #[wasm_bindgen(js_name = simulateDeviceLoss)]
    pub fn simulate_device_loss(&self) -> Result<(), JsError> {
        self.exp()?.simulate_device_loss();
        Ok(())
    }

    /// Backend work counters: `{dispatches, submits, readbacks, uploads}`.
    pub fn counters(&self) -> Result<JsValue, JsError> {
        let mut e = self.exp()?;
        let c = e.model().counters();
        to_js(&c)
    }
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
/// config path; `model.layers.units` for every layer's units) and `hidden_layer` (what "add a
/// layer" inserts). The default config is `defaultConfig()`.
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
    });
    to_js(&v)
}

/// Activation names, in the order the page lists them.
#[wasm_bindgen(js_name = activationNames)]
pub fn activation_names() -> Vec<String> {
    Activation::ALL.iter().map(|(n, _)| n.to_string()).collect()
}

/// A fresh random seed.
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> f64 {
    crate::rng::fresh_seed() as f64
}

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

/// Benchmark: GFLOP/s of training steps of an MLP 1-256-256-1 (relu, mse, SGD) at batch
/// `batch`, over `reps` steps, inside wasm.
#[wasm_bindgen(js_name = benchMlp)]
pub fn bench_mlp(batch: u32, reps: u32) -> Result<f64, JsError> {
    let (gflop, secs) = crate::bench::mlp_cpu(batch as usize, reps as usize, now_ms).map_err(js)?;
    Ok(gflop / secs)
}

// ---------- drawing ----------

/// Four numbers `[xMin, xMax, yMin, yMax]` as [`Bounds`].
fn bounds_from(v: Option<Vec<f64>>) -> Result<Option<Bounds>, JsError> {
    match v {
        None => Ok(None),
        Some(v) if v.len() == 4 => Ok(Some(Bounds {
            x: (v[0], v[1]),
            y: (v[2], v[3]),
        })),
        Some(v) => Err(JsError::new(&format!(
            "invalid bounds: expected [xMin, xMax, yMin, yMax], got {} numbers",
            v.len()
        ))),
    }
}

/// The training points, test points and curve of a scatter figure, each from its x and y
/// arrays (checked to have equal lengths).
fn scatter_points(
    train: (&[f32], &[f32]),
    test: (&[f32], &[f32]),
    curve: (&[f32], &[f32]),
) -> Result<[Vec<(f32, f32)>; 3], JsError> {
    Ok([
        zip_points(train.0, train.1, "training points")?,
        zip_points(test.0, test.1, "test points")?,
        zip_points(curve.0, curve.1, "curve")?,
    ])
}

/// Pairs `(xs[i], ys[i])`; the arrays must be of the same length.
fn zip_points(xs: &[f32], ys: &[f32], what: &str) -> Result<Vec<(f32, f32)>, JsError> {
    if xs.len() != ys.len() {
        return Err(JsError::new(&format!(
            "invalid {what}: {} x values but {} y values",
            xs.len(),
            ys.len()
        )));
    }
    Ok(xs.iter().copied().zip(ys.iter().copied()).collect())
}

/// The data ranges, padded a little, that show some points: `[xMin, xMax, yMin, yMax]` (the
/// page keeps them while the fitted curve moves).
#[wasm_bindgen(js_name = dataBounds)]
pub fn data_bounds(
    train_xs: &[f32],
    train_ys: &[f32],
    test_xs: &[f32],
    test_ys: &[f32],
) -> Result<Vec<f64>, JsError> {
    let train = zip_points(train_xs, train_ys, "training points")?;
    let test = zip_points(test_xs, test_ys, "test points")?;
    let b = Bounds::of(&[&train, &test]).sane();
    Ok(vec![b.x.0, b.x.1, b.y.0, b.y.1])
}

/// The CSS custom properties a [`Plotter`] reads its colours from, in the order to pass them.
#[wasm_bindgen(js_name = plotCssProperties)]
pub fn plot_css_properties() -> Vec<String> {
    CSS_PROPERTIES.iter().map(|s| s.to_string()).collect()
}

/// Where a figure was drawn: the mapping between its data and CSS pixels from the canvas's
/// top-left corner, for pointer events.
#[wasm_bindgen]
pub struct PlotView {
    inner: View,
}

#[wasm_bindgen]
impl PlotView {
    /// The data point `[x, y]` at CSS pixel `(px, py)`.
    #[wasm_bindgen(js_name = toData)]
    pub fn to_data(&self, px: f64, py: f64) -> Vec<f64> {
        let (x, y) = self.inner.to_data(px, py);
        vec![x, y]
    }

    /// The CSS pixel `[px, py]` of data point `(x, y)`.
    #[wasm_bindgen(js_name = toPixel)]
    pub fn to_pixel(&self, x: f64, y: f64) -> Vec<f64> {
        let (px, py) = self.inner.to_pixel(x, y);
        vec![px, py]
    }

    /// Whether CSS pixel `(px, py)` lies in the plotting rectangle.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        self.inner.contains(px, py)
    }

    /// The plotting rectangle `[left, top, width, height]` in CSS pixels.
    #[wasm_bindgen(getter)]
    pub fn rect(&self) -> Vec<f64> {
        let v = &self.inner;
        vec![v.left, v.top, v.width, v.height]
    }

    /// The data ranges shown: `[xMin, xMax, yMin, yMax]`.
    #[wasm_bindgen(getter)]
    pub fn bounds(&self) -> Vec<f64> {
        let v = &self.inner;
        vec![v.x.0, v.x.1, v.y.0, v.y.1]
    }

    /// Whether y is on a log-10 scale.
    #[wasm_bindgen(getter, js_name = logY)]
    pub fn log_y(&self) -> bool {
        self.inner.log_y
    }
}

/// A bounded, downsampled loss history (see `nnplay::plot::LossHistory`): pushing a million
/// steps keeps as little as pushing a thousand, so drawing it costs the same.
#[wasm_bindgen]
pub struct LossHistory {
    inner: CoreLossHistory,
}

impl Default for LossHistory {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl LossHistory {
    /// An empty history.
    #[wasm_bindgen(constructor)]
    pub fn new() -> LossHistory {
        LossHistory {
            inner: CoreLossHistory::new(),
        }
    }

    /// Records the losses of the next `losses.length` steps.
    pub fn extend(&mut self, losses: &[f32]) {
        self.inner.extend(losses);
    }

    /// Steps recorded so far.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len().min(u32::MAX as usize) as u32
    }

    /// The last loss recorded (`undefined` when none).
    #[wasm_bindgen(getter)]
    pub fn last(&self) -> Option<f32> {
        self.inner.last()
    }

    /// Forgets every step.
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

/// Draws the page's figures onto canvases with one [`Theme`]: colours from the page's CSS
/// custom properties (rebuild it when the colour scheme changes) and translated legend words.
/// Each canvas's backing store follows its CSS size × `devicePixelRatio`.
#[wasm_bindgen]
pub struct Plotter {
    theme: Theme,
}

#[wasm_bindgen]
impl Plotter {
    /// A plotter with the light (or `dark`) preset colours; `setColour` then applies the
    /// page's CSS values.
    #[wasm_bindgen(constructor)]
    pub fn new(dark: bool) -> Plotter {
        Plotter {
            theme: if dark { Theme::dark() } else { Theme::light() },
        }
    }

    /// Sets a colour by CSS custom property name (see `plotCssProperties`) from `#rgb` or
    /// `#rrggbb`.
    #[wasm_bindgen(js_name = setColour)]
    pub fn set_colour(&mut self, name: &str, value: &str) -> Result<(), JsError> {
        self.theme.set(name, value).map_err(js)
    }

    /// The legend words: training points and loss, test points and cost, fitted curve.
    #[wasm_bindgen(js_name = setLabels)]
    pub fn set_labels(&mut self, train: String, test: String, fit: String) {
        self.theme.labels = Labels { train, test, fit };
    }

    /// The font family (a CSS list) and size in CSS pixels of the figures' text.
    #[wasm_bindgen(js_name = setFont)]
    pub fn set_font(&mut self, family: String, size: f64) -> Result<(), JsError> {
        if !(size.is_finite() && size > 0.0 && size <= 200.0) {
            return Err(JsError::new(&format!(
                "invalid font size: {size} (expected 0 < size ≤ 200 CSS pixels)"
            )));
        }
        self.theme.font_family = family;
        self.theme.font_size = size;
        Ok(())
    }

    fn surface(&self, canvas: &HtmlCanvasElement) -> Result<(CanvasBackend, Theme), JsError> {
        let (backend, ratio) = plot::canvas::backend(canvas)
            .ok_or_else(|| JsError::new("plot: the canvas has no 2D context"))?;
        Ok((backend, self.theme.clone().with_pixel_ratio(ratio)))
    }

    /// Draws the training points (circles), the test points (triangles), the fitted curve
    /// `(curveXs, curveYs)` and, when `hoverX` is given, the hover marker at
    /// `(hoverX, hoverY)`. `bounds` (`[xMin, xMax, yMin, yMax]`) fixes the ranges; without
    /// it they fit the points. Returns the figure's view in CSS pixels.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = drawScatter)]
    pub fn draw_scatter(
        &self,
        canvas: &HtmlCanvasElement,
        train_xs: &[f32],
        train_ys: &[f32],
        test_xs: &[f32],
        test_ys: &[f32],
        curve_xs: &[f32],
        curve_ys: &[f32],
        hover_x: Option<f32>,
        hover_y: Option<f32>,
        bounds: Option<Vec<f64>>,
    ) -> Result<PlotView, JsError> {
        let [train, test, curve] = scatter_points(
            (train_xs, train_ys),
            (test_xs, test_ys),
            (curve_xs, curve_ys),
        )?;
        let data = ScatterData {
            train: &train,
            test: &test,
            curve: &curve,
            hover: hover_x.map(|x| (x, hover_y.unwrap_or(f32::NAN))),
        };
        let bounds = bounds_from(bounds)?;
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::scatter_fit(backend, &theme, &data, bounds).map_err(js)?;
        Ok(PlotView {
            inner: v.in_css_pixels(),
        })
    }

    /// Draws the training loss of `history` as a line and the test cost at `testSteps`
    /// (`testCosts`, triangles), on a log-10 y axis if `logScale`. Returns the view.
    #[wasm_bindgen(js_name = drawLoss)]
    pub fn draw_loss(
        &self,
        canvas: &HtmlCanvasElement,
        history: &LossHistory,
        log_scale: bool,
        test_steps: &[u32],
        test_costs: &[f32],
    ) -> Result<PlotView, JsError> {
        if test_steps.len() != test_costs.len() {
            return Err(JsError::new(&format!(
                "invalid test points: {} steps but {} costs",
                test_steps.len(),
                test_costs.len()
            )));
        }
        let test: Vec<(usize, f32)> = test_steps
            .iter()
            .zip(test_costs)
            .map(|(&s, &c)| (s as usize, c))
            .collect();
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::loss_curve(backend, &theme, &history.inner, log_scale, &test).map_err(js)?;
        Ok(PlotView {
            inner: v.in_css_pixels(),
        })
    }

    /// Draws one panel of the 5 × 2 grid: the points, the fitted curve (none when empty) and
    /// `caption` above it (none when empty); small canvases get a frame instead of axes.
    /// Pass the same `bounds` to every panel so that they compare. Returns the view.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = drawPanel)]
    pub fn draw_panel(
        &self,
        canvas: &HtmlCanvasElement,
        train_xs: &[f32],
        train_ys: &[f32],
        test_xs: &[f32],
        test_ys: &[f32],
        curve_xs: &[f32],
        curve_ys: &[f32],
        caption: &str,
        bounds: Option<Vec<f64>>,
    ) -> Result<PlotView, JsError> {
        let [train, test, curve] = scatter_points(
            (train_xs, train_ys),
            (test_xs, test_ys),
            (curve_xs, curve_ys),
        )?;
        let data = ScatterData {
            train: &train,
            test: &test,
            curve: &curve,
            hover: None,
        };
        let bounds = bounds_from(bounds)?;
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::grid_panel(backend, &theme, &data, caption, bounds).map_err(js)?;
        Ok(PlotView {
            inner: v.in_css_pixels(),
        })
    }
}
