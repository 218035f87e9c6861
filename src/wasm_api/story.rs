//! The story's JavaScript API: a neuron's output, the tutorial's `Dense(1)` stepping with its
//! live numbers and loss landscape (`StoryLearner`), the current network for its diagram
//! (`StoryNetwork`), the stacked-layers demonstration (`StoryStack`), and the `Plotter`
//! methods that draw them.

use super::drawing::{bounds_from, zip_points, PlotView, Plotter};
use super::{js, to_js};
use crate::config::Config;
use crate::optim::Optimizer;
use crate::plot;
use crate::story::{self, Learner, LossGrid, Network, Stack};
use crate::Activation;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

/// Cells of the landscape's grid across and down.
const GRID: (usize, usize) = (48, 32);

fn activation(name: &str) -> Result<Activation, JsError> {
    Activation::from_name(name).map_err(js)
}

/// The story's fixed choices: `{learningRates, neuronRange, drawnUnits, stackUnits}`.
#[wasm_bindgen(js_name = storySchema)]
pub fn story_schema() -> Result<JsValue, JsError> {
    to_js(&serde_json::json!({
        "learningRates": story::LEARNING_RATES,
        "neuronRange": story::NEURON_RANGE,
        "drawnUnits": story::DRAWN_UNITS,
        "stackUnits": story::STACK_UNITS,
    }))
}

/// The training points of a config's data: `{x, y}`, two arrays.
#[wasm_bindgen(js_name = storyData)]
pub fn story_data(config_json: &str) -> Result<JsValue, JsError> {
    let d = Config::from_json(config_json)
        .and_then(|c| c.dataset())
        .map_err(js)?;
    to_js(&serde_json::json!({ "x": d.x_train.as_slice(), "y": d.y_train.as_slice() }))
}

/// `activation(w·x + b)` for each x: one neuron's answers.
#[wasm_bindgen(js_name = neuronCurve)]
pub fn neuron_curve(
    w: f32,
    b: f32,
    activation_name: &str,
    xs: &[f32],
) -> Result<Vec<f32>, JsError> {
    Ok(story::neuron(w, b, activation(activation_name)?, xs))
}

/// What one step did, for the page (`camelCase` as JS reads it).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepJs {
    step: u64,
    w: f32,
    b: f32,
    x: f32,
    y: f32,
    y_hat: f32,
    loss: f32,
    dw: f32,
    db: f32,
    learning_rate: f32,
    w_after: f32,
    b_after: f32,
    slots: Vec<SlotJs>,
}

#[derive(Serialize)]
struct SlotJs {
    name: &'static str,
    w: f32,
    b: f32,
}

/// The tutorial's `Dense(1)` with MSE, stepped on the CPU engine one step at a time: each
/// step's numbers come from the engine, and its path crosses the loss landscape.
#[wasm_bindgen]
pub struct StoryLearner {
    inner: Learner,
    grid: LossGrid,
}

#[wasm_bindgen]
impl StoryLearner {
    /// A learner on the points `(xs, ys)` with an optimizer's JSON (the config's `optimizer`),
    /// starting from `Dense(1)`'s initial weights for `seed`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        xs: &[f32],
        ys: &[f32],
        optimizer_json: &str,
        seed: f64,
    ) -> Result<StoryLearner, JsError> {
        let opt: Optimizer = serde_json::from_str(optimizer_json)
            .map_err(|e| JsError::new(&format!("optimizer: {e}")))?;
        let (w, b) =
            Learner::initial_weights(seed.clamp(0.0, u64::MAX as f64) as u64).map_err(js)?;
        let inner = Learner::new(xs, ys, opt, w, b).map_err(js)?;
        let grid = inner.landscape(GRID.0, GRID.1).map_err(js)?;
        Ok(StoryLearner { inner, grid })
    }

    /// Takes one step; returns `{step, w, b, x, y, yHat, loss, dw, db, learningRate, wAfter,
    /// bAfter, slots: [{name, w, b}]}` (before the step unless named after).
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        let s = self.inner.step().map_err(js)?;
        to_js(&StepJs {
            step: s.step,
            w: s.before.0,
            b: s.before.1,
            x: s.sample.0,
            y: s.sample.1,
            y_hat: s.sample.2,
            loss: s.loss,
            dw: s.grad.0,
            db: s.grad.1,
            learning_rate: s.learning_rate,
            w_after: s.after.0,
            b_after: s.after.1,
            slots: s
                .slots
                .into_iter()
                .map(|(name, w, b)| SlotJs { name, w, b })
                .collect(),
        })
    }

    /// The current `[w, b]`.
    #[wasm_bindgen(getter)]
    pub fn weights(&self) -> Vec<f32> {
        let (w, b) = self.inner.weights();
        vec![w, b]
    }

    /// `[w, b]` read from the engine, as `getWeights()` reads a model.
    #[wasm_bindgen(js_name = getWeights)]
    pub fn get_weights(&mut self) -> Result<Vec<f32>, JsError> {
        let (w, b) = self.inner.get_weights().map_err(js)?;
        Ok(vec![w, b])
    }

    /// Steps taken.
    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> f64 {
        self.inner.steps() as f64
    }

    /// Points on the path so far.
    #[wasm_bindgen(getter, js_name = pathLength)]
    pub fn path_length(&self) -> u32 {
        self.inner.path().len() as u32
    }

    /// The least-squares `[w, b]` (`undefined` when every x is the same).
    #[wasm_bindgen(getter)]
    pub fn optimum(&self) -> Option<Vec<f64>> {
        self.inner
            .moments()
            .least_squares()
            .map(|(w, b)| vec![w, b])
    }

    /// The mean squared error of `ŷ = w·x + b` over the learner's points (in `f64`).
    #[wasm_bindgen(js_name = lossAt)]
    pub fn loss_at(&self, w: f64, b: f64) -> f64 {
        self.inner.moments().mse(w, b)
    }
}

/// The page's current network, for its diagram: the layers of a config and, once set, the
/// weights.
#[wasm_bindgen]
pub struct StoryNetwork {
    inner: Network,
}

#[wasm_bindgen]
impl StoryNetwork {
    /// The network of a config (its JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<StoryNetwork, JsError> {
        let c = Config::from_json(config_json).map_err(js)?;
        Ok(StoryNetwork {
            inner: Network::of(&c).map_err(js)?,
        })
    }

    /// Neurons per layer, inputs first.
    #[wasm_bindgen(getter)]
    pub fn sizes(&self) -> Vec<u32> {
        self.inner.sizes.iter().map(|&n| n as u32).collect()
    }

    /// Sets the weights from all their values one after another (`getWeights()`' `values`,
    /// concatenated).
    #[wasm_bindgen(js_name = setWeights)]
    pub fn set_weights(&mut self, flat: &[f32]) -> Result<(), JsError> {
        self.inner.set_flat_weights(flat).map_err(js)
    }

    /// The output of neuron `unit` of Dense layer `layer` (from 0) at each x.
    #[wasm_bindgen(js_name = unitOutput)]
    pub fn unit_output(&self, layer: u32, unit: u32, xs: &[f32]) -> Result<Vec<f32>, JsError> {
        self.inner
            .unit_output(layer as usize, unit as usize, xs)
            .map_err(js)
    }

    /// The weight from neuron `unit` of Dense layer `layer` to the first neuron of the next
    /// (what its output is multiplied by there); `undefined` for the last layer or before
    /// the weights are set.
    #[wasm_bindgen(js_name = outgoingWeight)]
    pub fn outgoing_weight(&self, layer: u32, unit: u32) -> Option<f32> {
        let k = *self.inner.kernels().get(layer as usize + 1)?;
        (k.rows() > unit as usize).then(|| k.get(unit as usize, 0))
    }
}

/// Two hidden layers and an output, all with one activation, learning the sine points.
#[wasm_bindgen]
pub struct StoryStack {
    inner: Stack,
}

#[wasm_bindgen]
impl StoryStack {
    /// The stack with hidden activation `activation`, seeded.
    #[wasm_bindgen(constructor)]
    pub fn new(activation_name: &str, seed: f64) -> Result<StoryStack, JsError> {
        let a = activation(activation_name)?;
        let inner = Stack::new(a, seed.clamp(0.0, u64::MAX as f64) as u64).map_err(js)?;
        Ok(StoryStack { inner })
    }

    /// The sine points every stack learns: `{x, y}`.
    pub fn points() -> Result<JsValue, JsError> {
        let (x, y) = story::sine_points().map_err(js)?;
        to_js(&serde_json::json!({ "x": x, "y": y }))
    }

    /// Trains `steps` steps; returns the last loss.
    pub fn train(&mut self, steps: u32) -> Result<f32, JsError> {
        self.inner.train(steps as usize).map_err(js)
    }

    /// The stack's predictions at each x.
    pub fn predict(&mut self, xs: &[f32]) -> Result<Vec<f32>, JsError> {
        self.inner.predict(xs).map_err(js)
    }
}

#[wasm_bindgen]
impl Plotter {
    /// Draws a network (see `nnplay::plot::network`); `highlight` is `[layer, unit]` (0 the
    /// inputs). Returns the neurons drawn, five numbers each: layer, unit, and centre x, y
    /// and radius in CSS pixels.
    #[wasm_bindgen(js_name = drawNetwork)]
    pub fn draw_network(
        &self,
        canvas: &HtmlCanvasElement,
        network: &StoryNetwork,
        names: Vec<String>,
        highlight: Option<Vec<u32>>,
    ) -> Result<Vec<f64>, JsError> {
        let [input, hidden, output] = <[String; 3]>::try_from(names)
            .map_err(|_| JsError::new("drawNetwork: expected three names"))?;
        let (backend, theme) = self.surface(canvas)?;
        let highlight = highlight
            .filter(|h| h.len() == 2)
            .map(|h| (h[0] as usize, h[1] as usize));
        let n = &network.inner;
        let nodes = plot::network(
            backend,
            &theme,
            &n.sizes,
            &n.kernels(),
            [&input, &hidden, &output],
            highlight,
        )
        .map_err(js)?;
        let r = theme.pixel_ratio;
        Ok(nodes
            .iter()
            .flat_map(|n| [n.layer as f64, n.unit as f64, n.x / r, n.y / r, n.r / r])
            .collect())
    }

    /// Draws the learner's loss landscape with its path and the least-squares optimum.
    #[wasm_bindgen(js_name = drawLandscape)]
    pub fn draw_landscape(
        &self,
        canvas: &HtmlCanvasElement,
        learner: &StoryLearner,
    ) -> Result<PlotView, JsError> {
        let (backend, theme) = self.surface(canvas)?;
        let l = &learner.inner;
        let optimum = l.moments().least_squares();
        let v = plot::landscape(backend, &theme, &learner.grid, l.path(), optimum).map_err(js)?;
        Ok(PlotView::from_view(v))
    }

    /// Draws points `(xs, ys)` (none when empty) and a curve over them, the legend naming
    /// only what is drawn; `bounds` (`[xMin, xMax, yMin, yMax]`) fixes the ranges.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = drawCurve)]
    pub fn draw_curve(
        &self,
        canvas: &HtmlCanvasElement,
        xs: &[f32],
        ys: &[f32],
        curve_xs: &[f32],
        curve_ys: &[f32],
        points_label: &str,
        curve_label: &str,
        bounds: Option<Vec<f64>>,
    ) -> Result<PlotView, JsError> {
        let points = zip_points(xs, ys, "points")?;
        let curve = zip_points(curve_xs, curve_ys, "curve")?;
        let bounds = bounds_from(bounds)?;
        let (backend, theme) = self.surface(canvas)?;
        let labels = (points_label, curve_label);
        let v = plot::curve(backend, &theme, &points, &curve, labels, bounds).map_err(js)?;
        Ok(PlotView::from_view(v))
    }

    /// Draws an activation and its derivative over `xMin..xMax`.
    #[wasm_bindgen(js_name = drawActivation)]
    pub fn draw_activation(
        &self,
        canvas: &HtmlCanvasElement,
        name: &str,
        x_min: f32,
        x_max: f32,
    ) -> Result<PlotView, JsError> {
        let a = activation(name)?;
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::activation(backend, &theme, a, (x_min, x_max)).map_err(js)?;
        Ok(PlotView::from_view(v))
    }
}
