//! Keras' `Sequential` and `Dense` in JS spelling, and the backend choice (`setBackend`,
//! `getBackend`).
//!
//! Options objects are read strictly: a key that is not an option, or a value of the wrong
//! type, throws an `Error` naming the option (`activation must be a string, got number`).
//! Samples are plain arrays or typed arrays, flat (row by row) or as an array of rows.

#![allow(clippy::await_holding_refcell_ref)]

pub(crate) use super::weights_js;
use super::{busy, js, to_js};
use crate::backend::BackendKind;
use crate::config::BackendChoice;
use crate::data::f32_problem;
use crate::error::Error;
use crate::layers::Dense as CoreDense;
use crate::model::{layer_name, FitCallbacks, FitOptions, History};
use crate::optim::Optimizer;
use crate::tensor::Tensor;
use crate::{Activation, Initializer, Sequential as CoreSequential};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(typescript_custom_section)]
const KERAS_TYPES: &str = r#"
/** Samples: numbers row by row (a plain array or any typed array but BigInt's), or an array of rows. */
export type Samples = ArrayLike<number> | ArrayLike<ArrayLike<number>>;
/** What `setBackend` resolves to and `getBackend` returns. */
export type BackendName = 'webgpu' | 'cpu';
/** `new Dense(units, options?)`: Keras' arguments; the snake_case spellings work too. */
export interface DenseOptions {
  inputDim?: number; activation?: string | null; useBias?: boolean;
  kernelInitializer?: string; biasInitializer?: string;
  input_dim?: number; use_bias?: boolean; kernel_initializer?: string; bias_initializer?: string;
}
/** `model.compile(options)`: `optimizer` defaults to `'rmsprop'`, as in Keras. */
export interface CompileOptions { loss: string; optimizer?: string; learningRate?: number }
/** `evaluate` and `predict`: samples per batch (default 32). */
export interface BatchOptions { batchSize?: number }
/** Keras' `logs` after a batch: the mean loss of the epoch's batches so far. */
export interface BatchLogs { loss: number }
/** Keras' `logs` after an epoch. */
export interface EpochLogs { loss: number; val_loss?: number }
/** Called while `fit` holds the model: read the logs; do not call the model. */
export interface FitCallbacks {
  onBatchEnd?: (batch: number, logs: BatchLogs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
}
/** `model.fit(x, y, options)`, Keras' defaults: 1 epoch, batches of 32, shuffled, no validation. */
export interface FitOptions {
  epochs?: number; batchSize?: number; validationSplit?: number; shuffle?: boolean;
  verbose?: number; callbacks?: FitCallbacks;
}
/** Keras' `History`: `history.loss` per epoch, `history.val_loss` with validation. */
export interface History { history: { loss: number[]; val_loss?: number[] }; epoch: number[] }
/** One array of `getWeights()`: its shape and its values row by row. */
export interface WeightArray { shape: number[]; values: number[] }
"#;

/// `typeof value`, with `null` and `array` told apart.
pub(crate) fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if Array::is_array(value) {
        "array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// A number as JS prints it (`0`, `1.5`, `-1`, `1e39`).
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        crate::data::show_number(n)
    }
}

/// A non-negative integer (at most 2⁵³, saturating to `usize`) of at least `min`.
pub(crate) fn count(value: &JsValue, name: &str, min: usize) -> Result<usize, JsError> {
    let n = value.as_f64().ok_or_else(|| {
        JsError::new(&format!(
            "{name} must be a number, got {}",
            type_name(value)
        ))
    })?;
    if n.fract() != 0.0 || n < min as f64 || n > crate::limits::MAX_SEED as f64 {
        return Err(JsError::new(&format!(
            "{name} must be an integer ≥ {min}, got {}",
            js_number(n)
        )));
    }
    Ok(n as usize)
}

/// A JS options object read key by key; [`Options::finish`] refuses any key not read.
pub(crate) struct Options {
    what: &'static str,
    object: Option<Object>,
    known: Vec<&'static str>,
}

impl Options {
    /// The options of `what` (`undefined` and `null` are no options).
    pub(crate) fn new(what: &'static str, value: &JsValue) -> Result<Self, JsError> {
        let object = if value.is_undefined() || value.is_null() {
            None
        } else if value.is_object() && !Array::is_array(value) {
            Some(value.clone().unchecked_into())
        } else {
            return Err(JsError::new(&format!(
                "{what} options must be an object, got {}",
                type_name(value)
            )));
        };
        Ok(Options {
            what,
            object,
            known: Vec::new(),
        })
    }

    /// The value of `key` (or of its `alias`) and the name it was found under; `None` when
    /// absent, `undefined` or `null`.
    pub(crate) fn raw(
        &mut self,
        key: &'static str,
        alias: Option<&'static str>,
    ) -> Option<(JsValue, &'static str)> {
        self.known.push(key);
        self.known.extend(alias);
        let object = self.object.as_ref()?;
        [Some(key), alias].into_iter().flatten().find_map(|k| {
            let v = Reflect::get(object, &JsValue::from_str(k)).ok()?;
            (!v.is_undefined() && !v.is_null()).then_some((v, k))
        })
    }

    fn typed<T>(
        &mut self,
        key: &'static str,
        alias: Option<&'static str>,
        expected: &str,
        read: impl FnOnce(&JsValue) -> Option<T>,
    ) -> Result<Option<T>, JsError> {
        match self.raw(key, alias) {
            None => Ok(None),
            Some((v, k)) => read(&v).map(Some).ok_or_else(|| {
                JsError::new(&format!("{k} must be {expected}, got {}", type_name(&v)))
            }),
        }
    }

    /// A string option.
    pub(crate) fn string(
        &mut self,
        key: &'static str,
        alias: Option<&'static str>,
    ) -> Result<Option<String>, JsError> {
        self.typed(key, alias, "a string", JsValue::as_string)
    }

    /// A boolean option.
    pub(crate) fn bool(
        &mut self,
        key: &'static str,
        alias: Option<&'static str>,
    ) -> Result<Option<bool>, JsError> {
        self.typed(key, alias, "a boolean", JsValue::as_bool)
    }

    /// A number option.
    pub(crate) fn number(&mut self, key: &'static str) -> Result<Option<f64>, JsError> {
        self.typed(key, None, "a number", JsValue::as_f64)
    }

    /// An integer option of at least `min`.
    pub(crate) fn count(
        &mut self,
        key: &'static str,
        alias: Option<&'static str>,
        min: usize,
    ) -> Result<Option<usize>, JsError> {
        self.raw(key, alias)
            .map(|(v, k)| count(&v, k, min))
            .transpose()
    }

    /// A function option.
    fn function(&mut self, key: &'static str) -> Result<Option<Function>, JsError> {
        self.typed(key, None, "a function", |v| {
            v.dyn_ref::<Function>().cloned()
        })
    }

    /// Refuses the keys no getter asked for.
    pub(crate) fn finish(self) -> Result<(), JsError> {
        let Some(object) = &self.object else {
            return Ok(());
        };
        for key in Object::keys(object).iter().filter_map(|k| k.as_string()) {
            if !self.known.contains(&key.as_str()) {
                return Err(JsError::new(&format!(
                    "unknown {} option '{key}'; valid options: {}",
                    self.what,
                    self.known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Numbers nested at most `depth` deep (plain arrays or typed arrays): their shape and their
/// values in order, each checked to be a finite `f32`. `path` names the value in messages.
pub(crate) fn numbers(
    value: &JsValue,
    path: &str,
    depth: usize,
) -> Result<(Vec<usize>, Vec<f32>), JsError> {
    let mut out = Vec::new();
    let shape = read_numbers(value, path, depth, &mut out)?;
    Ok((shape, out))
}

fn push_number(v: f64, path: &str, i: usize, out: &mut Vec<f32>) -> Result<(), JsError> {
    match f32_problem(v) {
        None => {
            out.push(v as f32);
            Ok(())
        }
        Some(problem) => Err(JsError::new(&format!("{path}[{i}] = {problem}"))),
    }
}

fn is_typed_array(v: &JsValue) -> bool {
    js_sys::ArrayBuffer::is_view(v) && !v.is_instance_of::<js_sys::DataView>()
}

fn read_numbers(
    value: &JsValue,
    path: &str,
    depth: usize,
    out: &mut Vec<f32>,
) -> Result<Vec<usize>, JsError> {
    if is_typed_array(value) {
        if value.is_instance_of::<js_sys::BigInt64Array>()
            || value.is_instance_of::<js_sys::BigUint64Array>()
        {
            return Err(JsError::new(&format!(
                "{path} must hold numbers, not BigInts"
            )));
        }
        let values = js_sys::Float64Array::new(value).to_vec();
        for (i, v) in values.iter().enumerate() {
            push_number(*v, path, i, out)?;
        }
        return Ok(vec![values.len()]);
    }
    let Some(array) = value.dyn_ref::<Array>() else {
        return Err(JsError::new(&format!(
            "{path} must be an array or a typed array of numbers, got {}",
            type_name(value)
        )));
    };
    let mut inner: Option<Vec<usize>> = None;
    for (i, e) in array.iter().enumerate() {
        let shape = if let Some(v) = e.as_f64() {
            push_number(v, path, i, out)?;
            Vec::new()
        } else if depth > 1 && (Array::is_array(&e) || is_typed_array(&e)) {
            read_numbers(&e, &format!("{path}[{i}]"), depth - 1, out)?
        } else {
            let expected = if depth > 1 {
                "a number or an array of numbers"
            } else {
                "a number"
            };
            return Err(JsError::new(&format!(
                "{path}[{i}] must be {expected}, got {}",
                type_name(&e)
            )));
        };
        match &inner {
            None => inner = Some(shape),
            Some(first) if *first != shape => {
                return Err(JsError::new(&format!(
                    "{path}[{i}] has shape {} but {path}[0] has {} (rows must all be alike)",
                    show_shape(&shape),
                    show_shape(first)
                )))
            }
            _ => {}
        }
    }
    let mut shape = vec![array.length() as usize];
    shape.extend(inner.unwrap_or_default());
    Ok(shape)
}

/// A shape as JS writes it: `[4, 1]`.
fn show_shape(shape: &[usize]) -> String {
    format!("{shape:?}")
}

/// Samples of `cols` values each, for `what` (`x` or `y`): flat (row by row) or rows.
pub(crate) fn samples(value: &JsValue, cols: usize, what: &str) -> Result<Tensor, JsError> {
    let (shape, values) = numbers(value, what, 2)?;
    let cols = cols.max(1);
    let rows = match shape[..] {
        [n] if n % cols == 0 => n / cols,
        [n] => {
            return Err(JsError::new(&format!(
                "{what} has {n} values, not a whole number of samples of {cols}"
            )))
        }
        [n, c] if c == cols => n,
        [_, c] => {
            return Err(JsError::new(&format!(
                "{what} has rows of {c} values; the model takes {cols}"
            )))
        }
        _ => unreachable!("numbers() reads at most two levels"),
    };
    let t = Tensor::from_vec(rows, cols, values).map_err(js)?;
    t.check_not_empty(what).map_err(js)?;
    Ok(t)
}

/// `x` and `y` for `model`: `x` with the first layer's inputs, `y` with the last's units.
fn xy(model: &CoreSequential, x: &JsValue, y: &JsValue) -> Result<(Tensor, Tensor), JsError> {
    let layers = model.layers();
    let inputs = layers.first().and_then(|l| l.input_dim).unwrap_or(1);
    let outputs = layers.last().map_or(1, |l| l.units);
    Ok((samples(x, inputs, "x")?, samples(y, outputs, "y")?))
}

thread_local! {
    /// The backend `compile` uses: what `setBackend` got (the CPU until it is called).
    static BACKEND: Cell<BackendKind> = const { Cell::new(BackendKind::Cpu) };
}

/// `setBackend('webgpu' | 'cpu' | 'auto')`: the backend later `compile` calls use, as
/// `tf.setBackend` sets it. Resolves to the backend got (`'auto'`: WebGPU when it can be used,
/// else the CPU); rejects, keeping the backend as it was, when `'webgpu'` cannot be used.
#[wasm_bindgen(js_name = setBackend, unchecked_return_type = "BackendName")]
pub async fn set_backend(
    #[wasm_bindgen(unchecked_param_type = "'webgpu' | 'cpu' | 'auto'")] name: JsValue,
) -> Result<String, JsError> {
    let name = name.as_string().ok_or_else(|| {
        JsError::new(&format!(
            "setBackend takes 'webgpu', 'cpu' or 'auto', got {}",
            type_name(&name)
        ))
    })?;
    let choice = BackendChoice::from_name(&name).map_err(js)?;
    let status = CoreSequential::resolve_backend(choice).await.map_err(js)?;
    BACKEND.set(status.kind);
    Ok(status.kind.name().to_string())
}

/// The backend `compile` uses now: `'cpu'` (the default) or `'webgpu'`.
#[wasm_bindgen(js_name = getBackend, unchecked_return_type = "BackendName")]
pub fn get_backend() -> String {
    BACKEND.get().name().to_string()
}

/// Keras' `Dense` layer: `new Dense(units, {inputDim, activation, useBias, kernelInitializer,
/// biasInitializer})`.
#[wasm_bindgen]
pub struct Dense {
    inner: CoreDense,
}

#[wasm_bindgen]
impl Dense {
    /// A Dense layer with `units` outputs; every option may be left out (Keras' defaults:
    /// `linear`, bias on, `glorot_uniform`, `zeros`), and Keras' snake_case names work too.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "number")] units: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DenseOptions | void")] options: Option<JsValue>,
    ) -> Result<Dense, JsError> {
        let mut d = CoreDense::new(count(&units, "units", 1)?);
        let mut o = Options::new("Dense", &options.unwrap_or_default())?;
        if let Some(n) = o.count("inputDim", Some("input_dim"), 1)? {
            d = d.input_dim(n);
        }
        if let Some(name) = o.string("activation", None)? {
            d = d.activation(Activation::from_name(&name).map_err(js)?);
        }
        if let Some(b) = o.bool("useBias", Some("use_bias"))? {
            d = d.use_bias(b);
        }
        if let Some(name) = o.string("kernelInitializer", Some("kernel_initializer"))? {
            d = d.kernel_initializer(Initializer::from_name(&name).map_err(js)?);
        }
        if let Some(name) = o.string("biasInitializer", Some("bias_initializer"))? {
            d = d.bias_initializer(Initializer::from_name(&name).map_err(js)?);
        }
        o.finish()?;
        d.validate().map_err(js)?;
        Ok(Dense { inner: d })
    }
}

/// Keras' `Sequential` model. Calls that train or read weights return promises, as in TF.js;
/// await each before the next call on the same model (one made meanwhile throws `busy: …`).
#[wasm_bindgen]
pub struct Sequential {
    inner: Rc<RefCell<CoreSequential>>,
}

#[wasm_bindgen]
impl Sequential {
    /// An empty model; `seed` (an integer, default 42) fixes the initial weights.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "number | void")] seed: Option<JsValue>,
    ) -> Result<Sequential, JsError> {
        let seed = match seed {
            None => crate::model::DEFAULT_SEED,
            Some(s) => count(&s, "seed", 0)? as u64,
        };
        Ok(Sequential {
            inner: Rc::new(RefCell::new(CoreSequential::with_seed(seed))),
        })
    }

    fn model(&self) -> Result<std::cell::RefMut<'_, CoreSequential>, JsError> {
        self.inner.try_borrow_mut().map_err(|_| busy())
    }

    /// Appends a layer (a compiled model must be compiled again, as in Keras).
    pub fn add(&self, layer: &Dense) -> Result<(), JsError> {
        self.model()?.add(layer.inner.clone()).map_err(js)
    }

    /// `compile({loss, optimizer, learningRate})` on the backend `setBackend` got; resolves
    /// when the model is ready to train.
    pub async fn compile(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CompileOptions")] options: JsValue,
    ) -> Result<(), JsError> {
        let mut o = Options::new("compile", &options)?;
        let loss = o
            .string("loss", None)?
            .ok_or_else(|| JsError::new("compile needs a loss, e.g. {loss: 'mse'}"))?;
        let optimizer = o.string("optimizer", None)?;
        let learning_rate = o.number("learningRate")?;
        o.finish()?;
        let loss = crate::loss::Loss::from_name(&loss).map_err(js)?;
        let mut opt =
            Optimizer::from_name(optimizer.as_deref().unwrap_or("rmsprop")).map_err(js)?;
        if let Some(lr) = learning_rate {
            opt = opt.with_learning_rate(lr);
        }
        let choice = match BACKEND.get() {
            BackendKind::Cpu => BackendChoice::Cpu,
            BackendKind::Webgpu => BackendChoice::Webgpu,
        };
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        m.compile_on(loss, opt, choice).await.map_err(js)
    }

    /// The backend the compiled model runs on (`'cpu'` or `'webgpu'`; `undefined` before
    /// `compile`).
    #[wasm_bindgen(getter, unchecked_return_type = "BackendName | undefined")]
    pub fn backend(&self) -> Result<Option<String>, JsError> {
        let m = self.inner.try_borrow().map_err(|_| busy())?;
        Ok(m.backend_kind().map(|k| k.name().to_string()))
    }

    /// One update on `(x, y)`; resolves to the loss before the update, as Keras returns it.
    #[wasm_bindgen(js_name = trainOnBatch)]
    pub async fn train_on_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Samples")] x: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Samples")] y: JsValue,
    ) -> Result<f32, JsError> {
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        let (x, y) = xy(&m, &x, &y)?;
        m.train_on_batch_async(&x, &y).await.map_err(js)
    }

    /// The mean loss on `(x, y)`, in batches of `batchSize` (default 32).
    pub async fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Samples")] x: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Samples")] y: JsValue,
        #[wasm_bindgen(unchecked_param_type = "BatchOptions | number | void")] options: Option<
            JsValue,
        >,
    ) -> Result<f32, JsError> {
        let batch_size = batch_options("evaluate", &options.unwrap_or_default())?;
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        let (x, y) = xy(&m, &x, &y)?;
        m.evaluate_async(&x, &y, batch_size).await.map_err(js)
    }

    /// The outputs for `x`, every sample's one after another.
    pub async fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Samples")] x: JsValue,
        #[wasm_bindgen(unchecked_param_type = "BatchOptions | number | void")] options: Option<
            JsValue,
        >,
    ) -> Result<Vec<f32>, JsError> {
        let batch_size = batch_options("predict", &options.unwrap_or_default())?;
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        let inputs = m.layers().first().and_then(|l| l.input_dim).unwrap_or(1);
        let x = samples(&x, inputs, "x")?;
        Ok(m.predict_async(&x, batch_size)
            .await
            .map_err(js)?
            .into_vec())
    }

    /// Keras' `fit`: resolves to a `History`. A callback that throws (or rejects) stops
    /// training there, and `fit` rejects with what it threw.
    #[wasm_bindgen(unchecked_return_type = "History")]
    pub async fn fit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Samples")] x: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Samples")] y: JsValue,
        #[wasm_bindgen(unchecked_param_type = "FitOptions | void")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let (options, mut callbacks) = fit_options(&options.unwrap_or_default())?;
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        let (x, y) = xy(&m, &x, &y)?;
        match m.fit_with(&x, &y, options, &mut callbacks).await {
            Ok(h) => Ok(history_js(&h)?),
            Err(e) => Err(callbacks.thrown.take().unwrap_or_else(|| js(e).into())),
        }
    }

    /// `getWeights()`: an array of `{shape, values}` in Keras' order.
    #[wasm_bindgen(js_name = getWeights, unchecked_return_type = "WeightArray[]")]
    pub async fn get_weights(&self) -> Result<JsValue, JsError> {
        let inner = self.inner.clone();
        let mut m = inner.try_borrow_mut().map_err(|_| busy())?;
        let w = m.get_weights_async().await.map_err(js)?;
        weights_js(&w, &m)
    }

    /// Keras' `set_weights`: every array in `getWeights()`' order, each `{shape, values}` or
    /// Keras' nested lists (kernel `[inputs][units]`, bias `[units]`); refused whole, naming
    /// the array, its layer and the shape expected, when one does not fit.
    #[wasm_bindgen(js_name = setWeights)]
    pub fn set_weights(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "Array<WeightArray | ArrayLike<number> | ArrayLike<ArrayLike<number>>>"
        )]
        weights: JsValue,
    ) -> Result<(), JsError> {
        let mut m = self.model()?;
        let expected = keras_shapes(&m);
        let list = weights.dyn_ref::<Array>().ok_or_else(|| {
            JsError::new(&format!(
                "setWeights takes an array of arrays (as getWeights gives), got {}",
                type_name(&weights)
            ))
        })?;
        if list.length() as usize != expected.len() {
            return Err(JsError::new(&format!(
                "setWeights: the model has {} arrays (each layer's kernel, then its bias), got {}",
                expected.len(),
                list.length()
            )));
        }
        let mut tensors = Vec::with_capacity(expected.len());
        for (i, (entry, (what, shape))) in list.iter().zip(&expected).enumerate() {
            let path = format!("weights[{i}]");
            let (got, values) = weight_array(&entry, &path)?;
            if &got != shape {
                return Err(JsError::new(&format!(
                    "setWeights: {path} ({what}) has shape {}, expected {}",
                    show_shape(&got),
                    show_shape(shape)
                )));
            }
            let (rows, cols) = match shape[..] {
                [units] => (1, units),
                [inputs, units] => (inputs, units),
                _ => unreachable!("kernels and biases"),
            };
            tensors.push(Tensor::from_vec(rows, cols, values).map_err(js)?);
        }
        m.set_weights(&tensors).map_err(js)
    }

    /// `summary()`: the table Keras prints.
    pub fn summary(&self) -> Result<String, JsError> {
        Ok(self.model()?.summary())
    }
}

/// `batchSize` of `evaluate` and `predict`: a number, or `{batchSize}`.
fn batch_options(what: &'static str, options: &JsValue) -> Result<Option<usize>, JsError> {
    if options.as_f64().is_some() {
        return count(options, "batchSize", 1).map(Some);
    }
    let mut o = Options::new(what, options)?;
    let b = o.count("batchSize", None, 1)?;
    o.finish()?;
    Ok(b)
}

/// Each array of `get_weights()` for `model`: what it is (`the kernel of dense_1`) and its
/// shape as Keras has it (kernel `[inputs, units]`, bias `[units]`).
fn keras_shapes(model: &CoreSequential) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    for (i, l) in model.layers().iter().enumerate() {
        let name = layer_name(i);
        out.push((
            format!("the kernel of {name}"),
            vec![l.input_dim.unwrap_or(1), l.units],
        ));
        if l.use_bias {
            out.push((format!("the bias of {name}"), vec![l.units]));
        }
    }
    out
}

/// One array for `setWeights`: `{shape, values}` or nested numbers.
fn weight_array(entry: &JsValue, path: &str) -> Result<(Vec<usize>, Vec<f32>), JsError> {
    if Array::is_array(entry) || is_typed_array(entry) {
        return numbers(entry, path, 2);
    }
    let mut o = Options::new("weight array", entry)?;
    let shape = o.raw("shape", None);
    let values = o.raw("values", None);
    o.finish()?;
    let (Some((shape, _)), Some((values, _))) = (shape, values) else {
        return Err(JsError::new(&format!(
            "{path} must be an array of numbers or {{shape, values}}"
        )));
    };
    let (dims, _) = numbers(&shape, &format!("{path}.shape"), 1)?;
    let shape: Vec<usize> = (0..dims[0] as u32)
        .map(|i| {
            count(
                &Reflect::get(&shape, &i.into()).unwrap_or_default(),
                "shape",
                0,
            )
        })
        .collect::<Result<_, _>>()?;
    let (_, values) = numbers(&values, &format!("{path}.values"), 1)?;
    let needed: usize = shape.iter().product();
    if values.len() != needed {
        return Err(JsError::new(&format!(
            "{path}: shape {} needs {needed} values, got {}",
            show_shape(&shape),
            values.len()
        )));
    }
    Ok((shape, values))
}

/// `fit`'s options and callbacks.
fn fit_options(options: &JsValue) -> Result<(FitOptions, JsCallbacks), JsError> {
    let d = FitOptions::default();
    let mut o = Options::new("fit", options)?;
    let fit = FitOptions {
        epochs: o.count("epochs", None, 0)?.unwrap_or(d.epochs),
        batch_size: o.count("batchSize", None, 1)?.unwrap_or(d.batch_size),
        validation_split: o.number("validationSplit")?.unwrap_or(d.validation_split),
        shuffle: o.bool("shuffle", None)?.unwrap_or(d.shuffle),
    };
    // Keras prints progress unless verbose is 0; nnplay prints nothing either way.
    o.number("verbose")?;
    let callbacks = match o.raw("callbacks", None) {
        None => JsCallbacks::default(),
        Some((v, _)) => {
            let mut c = Options::new("callbacks", &v)?;
            let cb = JsCallbacks {
                on_batch_end: c.function("onBatchEnd")?,
                on_epoch_end: c.function("onEpochEnd")?,
                thrown: None,
            };
            c.finish()?;
            cb
        }
    };
    o.finish()?;
    Ok((fit, callbacks))
}

/// `fit`'s JS callbacks, and what one threw.
#[derive(Default)]
struct JsCallbacks {
    on_batch_end: Option<Function>,
    on_epoch_end: Option<Function>,
    thrown: Option<JsValue>,
}

impl JsCallbacks {
    /// Calls `f(index, logs)` and awaits the promise it returns, if any; keeps what it threw.
    async fn call(&mut self, f: Function, index: usize, logs: &[(&str, f32)]) -> crate::Result<()> {
        let object = Object::new();
        for (k, v) in logs {
            // Setting a property of a fresh plain object cannot fail.
            let _ = Reflect::set(&object, &JsValue::from_str(k), &JsValue::from(*v as f64));
        }
        let result = match f.call2(&JsValue::UNDEFINED, &(index as u32).into(), &object) {
            Ok(v) if v.is_instance_of::<Promise>() => JsFuture::from(Promise::from(v)).await,
            other => other,
        };
        result.map(drop).map_err(|e| {
            self.thrown = Some(e);
            Error::Backend("a fit callback threw".into())
        })
    }
}

impl FitCallbacks for JsCallbacks {
    fn wants_batches(&self) -> bool {
        self.on_batch_end.is_some()
    }

    async fn on_batch_end(&mut self, batch: usize, loss: f32) -> crate::Result<()> {
        match self.on_batch_end.clone() {
            Some(f) => self.call(f, batch, &[("loss", loss)]).await,
            None => Ok(()),
        }
    }

    async fn on_epoch_end(
        &mut self,
        epoch: usize,
        loss: f32,
        val_loss: Option<f32>,
    ) -> crate::Result<()> {
        let Some(f) = self.on_epoch_end.clone() else {
            return Ok(());
        };
        match val_loss {
            Some(v) => {
                self.call(f, epoch, &[("loss", loss), ("val_loss", v)])
                    .await
            }
            None => self.call(f, epoch, &[("loss", loss)]).await,
        }
    }
}

/// Keras' `History` for JS: `{history: {loss, val_loss?}, epoch}`.
fn history_js(h: &History) -> Result<JsValue, JsError> {
    let mut history = serde_json::json!({ "loss": h.loss });
    if !h.val_loss.is_empty() {
        history["val_loss"] = serde_json::json!(h.val_loss);
    }
    let epoch: Vec<usize> = (0..h.loss.len()).collect();
    to_js(&serde_json::json!({ "history": history, "epoch": epoch }))
}
