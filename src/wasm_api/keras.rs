//! Keras' `Sequential` and `Dense` in JS spelling.

#![allow(clippy::await_holding_refcell_ref)]

use super::{busy, column, js, to_js};
use crate::layers::Dense as CoreDense;
use crate::optim::Optimizer;
use crate::tensor::Tensor;
use crate::{Activation, Initializer, Sequential as CoreSequential};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

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
