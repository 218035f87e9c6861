//! The `Experiment` class: a whole experiment from a config, as the page and embeds drive it.

#![allow(clippy::await_holding_refcell_ref)]

use super::keras::weights_js;
use super::{busy, js, to_js};
use crate::backend::BackendKind;
use crate::config::{BackendChoice, Config};
use crate::optim::Optimizer;
use crate::run::Experiment as CoreExperiment;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

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

/// WebGPU devices this wasm instance has opened so far. Every experiment of an instance (one
/// Worker) shares one device while any of them holds it, so a page's elements, hosted in one
/// Worker, open one between them.
#[wasm_bindgen(js_name = devicesOpened)]
pub fn devices_opened() -> f64 {
    crate::backend::gpu::devices_opened() as f64
}
