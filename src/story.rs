//! The numbers behind the page's story of how a network learns: one neuron's output, the loss
//! landscape of `ŷ = w·x + b` with its least-squares optimum, a `Dense(1)` model whose every
//! step hands out the engine's own gradients and optimizer state, a hidden neuron's output in
//! any small network, and two stacks that show what an activation is for.
//!
//! Nothing here draws or knows of browsers: `plot::story` draws, `wasm_api::story` exports.

use crate::activation::Activation;
use crate::backend::cpu::CpuBackend;
use crate::config::Config;
use crate::data::{DataConfig, DataKind};
use crate::engine::{check_weights, Engine, LayerShape};
use crate::error::{Error, Result};
use crate::layers::Dense;
use crate::loss::Loss;
use crate::model::{block_on, Device, Sequential};
use crate::optim::{Optimizer, UpdateRule};
use crate::tensor::Tensor;

/// Steps of a [`Learner`]'s path kept for the landscape: older ones are thinned out.
pub const PATH_CAPACITY: usize = 1024;
/// Neurons per layer the network diagram draws (the rest are counted, not drawn).
pub const DRAWN_UNITS: usize = 12;
/// Units of each hidden layer of the [`Stack`] demonstration.
pub const STACK_UNITS: usize = 8;
/// The learning rates the story's learner offers: from too small to too large for the
/// tutorial's data (plain SGD diverges there above 1).
pub const LEARNING_RATES: [f64; 8] = [0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 0.9, 1.05];
/// The range of the neuron's weight and bias sliders, `−r..r`.
pub const NEURON_RANGE: f64 = 4.0;

/// `activation(w·x + b)` for each x: what one neuron with one input answers.
pub fn neuron(w: f32, b: f32, activation: Activation, xs: &[f32]) -> Vec<f32> {
    xs.iter()
        .map(|&x| activation.forward(w.mul_add(x, b)))
        .collect()
}

/// The sums the mean squared error of a line needs, as means in `f64`:
/// `L(w, b) = w²·x² + 2wb·x + b² − 2w·xy − 2b·y + y²` (bars omitted).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    /// Number of points.
    pub n: usize,
    /// Mean of x.
    pub x: f64,
    /// Mean of y.
    pub y: f64,
    /// Mean of x².
    pub xx: f64,
    /// Mean of x·y.
    pub xy: f64,
    /// Mean of y².
    pub yy: f64,
}

impl Moments {
    /// The moments of the points `(xs[i], ys[i])`.
    ///
    /// # Errors
    /// [`Error::EmptyData`] without points, [`Error::InvalidParameter`] for unequal lengths or
    /// a non-finite value.
    pub fn of(xs: &[f32], ys: &[f32]) -> Result<Moments> {
        if xs.len() != ys.len() {
            return Err(Error::invalid(
                "points",
                format!("{} x values but {} y values", xs.len(), ys.len()),
            ));
        }
        if xs.is_empty() {
            return Err(Error::EmptyData("no points for the loss landscape".into()));
        }
        let mut m = [0f64; 5];
        for (&x, &y) in xs.iter().zip(ys) {
            if !(x.is_finite() && y.is_finite()) {
                return Err(Error::invalid("points", "a point is not finite"));
            }
            let (x, y) = (f64::from(x), f64::from(y));
            for (s, v) in m.iter_mut().zip([x, y, x * x, x * y, y * y]) {
                *s += v;
            }
        }
        let n = xs.len() as f64;
        Ok(Moments {
            n: xs.len(),
            x: m[0] / n,
            y: m[1] / n,
            xx: m[2] / n,
            xy: m[3] / n,
            yy: m[4] / n,
        })
    }

    /// The mean squared error of `ŷ = w·x + b` over the points.
    pub fn mse(&self, w: f64, b: f64) -> f64 {
        let l =
            w * w * self.xx + 2.0 * w * b * self.x + b * b - 2.0 * w * self.xy - 2.0 * b * self.y
                + self.yy;
        l.max(0.0)
    }

    /// The `(w, b)` of least squares, where both partial derivatives of [`Moments::mse`]
    /// vanish; `None` when every x is the same (any line through the mean fits as well).
    pub fn least_squares(&self) -> Option<(f64, f64)> {
        let var = self.xx - self.x * self.x;
        if var <= 1e-12 * self.xx.max(1e-300) {
            return None;
        }
        let w = (self.xy - self.x * self.y) / var;
        Some((w, self.y - w * self.x))
    }
}

/// The mean squared error over a grid of `(w, b)`: `values[r * cols + c]` at
/// `w = w.0 + (w.1 − w.0)·(c + ½)/cols`, `b = b.1 − (b.1 − b.0)·(r + ½)/rows` (row 0 at the
/// top, as the figure draws it).
#[derive(Clone, Debug, PartialEq)]
pub struct LossGrid {
    /// `(min, max)` of w, left to right.
    pub w: (f64, f64),
    /// `(min, max)` of b, bottom to top.
    pub b: (f64, f64),
    /// Cells across.
    pub cols: usize,
    /// Cells down.
    pub rows: usize,
    /// The loss of each cell's centre, row by row from the top.
    pub values: Vec<f32>,
}

impl LossGrid {
    /// The grid's losses for some points. Each value costs a few flops from the points'
    /// [`Moments`], so a grid costs the same however many points there are.
    ///
    /// # Errors
    /// As [`Moments::of`]; [`Error::InvalidParameter`] for an empty grid (or one over
    /// 512 × 512 cells) or a range that is not finite and increasing.
    pub fn mse(
        xs: &[f32],
        ys: &[f32],
        w: (f64, f64),
        b: (f64, f64),
        cols: usize,
        rows: usize,
    ) -> Result<LossGrid> {
        let m = Moments::of(xs, ys)?;
        for (name, r) in [("w range", w), ("b range", b)] {
            if !(r.0.is_finite() && r.1.is_finite() && r.0 < r.1) {
                return Err(Error::invalid(
                    name,
                    format!("{r:?} (must be finite, min < max)"),
                ));
            }
        }
        if !(1..=512).contains(&cols) || !(1..=512).contains(&rows) {
            return Err(Error::invalid(
                "grid",
                format!("{cols} × {rows} (each side 1 to 512)"),
            ));
        }
        let mut values = Vec::with_capacity(cols * rows);
        for r in 0..rows {
            let bv = b.1 - (b.1 - b.0) * (r as f64 + 0.5) / rows as f64;
            for c in 0..cols {
                let wv = w.0 + (w.1 - w.0) * (c as f64 + 0.5) / cols as f64;
                values.push(m.mse(wv, bv) as f32);
            }
        }
        Ok(LossGrid {
            w,
            b,
            cols,
            rows,
            values,
        })
    }
}

/// A window of `(w, b)` that shows the optimum (or the data's mean line) and `start`, with
/// room around them.
pub fn landscape_window(m: &Moments, start: (f32, f32)) -> ((f64, f64), (f64, f64)) {
    let (w0, b0) = m.least_squares().unwrap_or((0.0, m.y));
    let (sw, sb) = (f64::from(start.0), f64::from(start.1));
    let half = |c: f64, s: f64| ((s - c).abs() * 1.4).max(c.abs() * 0.5).max(1.0);
    let (hw, hb) = (half(w0, sw), half(b0, sb));
    ((w0 - hw, w0 + hw), (b0 - hb, b0 + hb))
}

/// The numbers of one training step of `ŷ = w·x + b`, all from the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct StepNumbers {
    /// Which step this was, from 1.
    pub step: u64,
    /// The weight and bias before the step.
    pub before: (f32, f32),
    /// The first training point `(x, y)` and the engine's prediction ŷ for it, before the step.
    pub sample: (f32, f32, f32),
    /// The loss before the step (what `train_on_batch` returns).
    pub loss: f32,
    /// `∂L/∂w` and `∂L/∂b`, the gradients the engine computed.
    pub grad: (f32, f32),
    /// The learning rate.
    pub learning_rate: f32,
    /// The weight and bias after the step.
    pub after: (f32, f32),
    /// The optimizer's state after the step, per slot: its name and its values for w and b.
    pub slots: Vec<(&'static str, f32, f32)>,
}

/// The names of an optimizer's state arrays, in the engine's order (Keras' variable names).
pub fn slot_names(opt: &Optimizer) -> Vec<&'static str> {
    let c = opt.coefficients();
    match c.rule {
        UpdateRule::Sgd => vec![],
        UpdateRule::Momentum | UpdateRule::Nesterov => vec!["momentum"],
        UpdateRule::Adam => vec!["m", "v"],
        UpdateRule::RmsProp => {
            let mut v = vec!["velocity"];
            if c.momentum > 0.0 {
                v.push("momentum");
            }
            if c.centered {
                v.push("average_gradient");
            }
            v
        }
    }
}

/// The tutorial's model, `Dense(1)` with MSE, trained on the CPU engine one step at a time,
/// keeping the path its `(w, b)` took.
pub struct Learner {
    engine: Engine<Device>,
    opt: Optimizer,
    x: Tensor,
    y: Tensor,
    first: Tensor,
    path: Vec<(f32, f32)>,
    loaded: bool,
    moments: Moments,
    window: ((f64, f64), (f64, f64)),
}

impl Learner {
    /// A learner on the points `(xs[i], ys[i])` from `(w, b)`.
    ///
    /// # Errors
    /// As [`Moments::of`] for the points; [`Error::InvalidParameter`] for a bad optimizer or
    /// a non-finite start.
    pub fn new(xs: &[f32], ys: &[f32], opt: Optimizer, w: f32, b: f32) -> Result<Learner> {
        let moments = Moments::of(xs, ys)?;
        let shapes = vec![LayerShape {
            inputs: 1,
            units: 1,
            activation: Activation::Linear,
            use_bias: true,
        }];
        let weights = [Tensor::column(&[w]), Tensor::row(&[b])];
        // The runtime's engine type: its code is in the wasm once, for the page and the story.
        let device = Device::Cpu(CpuBackend::new());
        let engine = Engine::new(device, shapes, &weights, Loss::Mse, opt)?;
        Ok(Learner {
            engine,
            opt,
            x: Tensor::column(xs),
            y: Tensor::column(ys),
            first: Tensor::column(&xs[..1]),
            path: vec![(w, b)],
            loaded: false,
            moments,
            window: landscape_window(&moments, (w, b)),
        })
    }

    /// The tutorial's starting point for a seed: `Dense(1)`'s seeded initial `(w, b)`.
    ///
    /// # Errors
    /// None in practice (the layer is valid).
    pub fn initial_weights(seed: u64) -> Result<(f32, f32)> {
        let mut m = Sequential::with_seed(seed);
        m.add(Dense::new(1).input_dim(1))?;
        let w = m.get_weights()?;
        Ok((w[0].as_slice()[0], w[1].as_slice()[0]))
    }

    /// The moments of the learner's points.
    pub fn moments(&self) -> &Moments {
        &self.moments
    }

    /// The loss landscape around the optimum and the start, `cols × rows` cells.
    ///
    /// # Errors
    /// As [`LossGrid::mse`] for the grid's size.
    pub fn landscape(&self, cols: usize, rows: usize) -> Result<LossGrid> {
        let (w, b) = self.window;
        let (xs, ys) = (self.x.as_slice(), self.y.as_slice());
        LossGrid::mse(xs, ys, w, b, cols, rows)
    }

    /// The current `(w, b)`.
    pub fn weights(&self) -> (f32, f32) {
        *self
            .path
            .last()
            .expect("the path starts with the initial weights")
    }

    /// `[w, b]` read from the engine (Keras' `get_weights()` of the model).
    ///
    /// # Errors
    /// A backend error (none on the CPU in practice).
    pub fn get_weights(&mut self) -> Result<(f32, f32)> {
        let w = block_on(self.engine.get_weights())?;
        Ok((w[0].as_slice()[0], w[1].as_slice()[0]))
    }

    /// Every `(w, b)` so far, from the start (thinned to at most [`PATH_CAPACITY`] points,
    /// always keeping the first and the last).
    pub fn path(&self) -> &[(f32, f32)] {
        &self.path
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.engine.iterations()
    }

    /// The optimizer.
    pub fn optimizer(&self) -> Optimizer {
        self.opt
    }

    /// Takes one step on every point and tells its numbers.
    ///
    /// # Errors
    /// A backend error (none on the CPU in practice).
    pub fn step(&mut self) -> Result<StepNumbers> {
        if !self.loaded {
            self.engine.load_train(&[(&self.x, &self.y)])?;
            self.loaded = true;
        }
        let before = self.weights();
        let y_hat = block_on(self.engine.predict(&self.first, 1))?.as_slice()[0];
        let loss = block_on(self.engine.train_loaded(1, 0))?[0];
        let grads = block_on(self.engine.gradients())?;
        let state = block_on(self.engine.export_state())?;
        let after = (
            state.weights[0].as_slice()[0],
            state.weights[1].as_slice()[0],
        );
        let slots = slot_names(&self.opt)
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let (k, b) = (&state.slots[0][i], &state.slots[1][i]);
                (name, k.as_slice()[0], b.as_slice()[0])
            })
            .collect();
        self.push_path(after);
        Ok(StepNumbers {
            step: state.iterations,
            before,
            sample: (self.x.as_slice()[0], self.y.as_slice()[0], y_hat),
            loss,
            grad: (grads[0].as_slice()[0], grads[1].as_slice()[0]),
            learning_rate: self.opt.learning_rate() as f32,
            after,
            slots,
        })
    }

    fn push_path(&mut self, p: (f32, f32)) {
        if self.path.len() >= PATH_CAPACITY {
            // Keep the first point and every other one after it.
            let kept: Vec<_> = self.path.iter().copied().step_by(2).collect();
            self.path = kept;
        }
        self.path.push(p);
    }
}

/// A network's layers as the diagram needs them, and its weights once known.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// Inputs, then each layer's units.
    pub sizes: Vec<usize>,
    /// Each layer's activation and whether it has a bias.
    pub layers: Vec<(Activation, bool)>,
    /// Keras' `get_weights()` (empty until set).
    pub weights: Vec<Tensor>,
}

impl Network {
    /// The network of a config.
    ///
    /// # Errors
    /// The config's own errors.
    pub fn of(config: &Config) -> Result<Network> {
        let mut sizes = vec![config.model.input_dim];
        let mut layers = Vec::new();
        for (i, l) in config.model.layers.iter().enumerate() {
            let d = l.to_dense(i)?;
            sizes.push(d.units);
            layers.push((d.activation, d.use_bias));
        }
        Ok(Network {
            sizes,
            layers,
            weights: Vec::new(),
        })
    }

    fn shapes(&self) -> Vec<LayerShape> {
        self.layers
            .iter()
            .enumerate()
            .map(|(i, &(activation, use_bias))| LayerShape {
                inputs: self.sizes[i],
                units: self.sizes[i + 1],
                activation,
                use_bias,
            })
            .collect()
    }

    /// Sets the weights (Keras' order and shapes).
    ///
    /// # Errors
    /// [`Error::Weights`] when they do not fit; nothing changes then.
    pub fn set_weights(&mut self, weights: Vec<Tensor>) -> Result<()> {
        check_weights(&self.shapes(), &weights)?;
        self.weights = weights;
        Ok(())
    }

    /// Sets the weights from all their values one after another (Keras' order, each row by
    /// row), as the page receives them.
    ///
    /// # Errors
    /// [`Error::Weights`] when the count does not fit or a value is not finite.
    pub fn set_flat_weights(&mut self, flat: &[f32]) -> Result<()> {
        let mut weights = Vec::new();
        let mut at = 0;
        for s in self.shapes() {
            let bias = s.use_bias.then_some((1, s.units));
            for (r, c) in std::iter::once((s.inputs, s.units)).chain(bias) {
                let Some(v) = flat.get(at..at + r * c) else {
                    break;
                };
                weights.push(Tensor::from_vec(r, c, v.to_vec())?);
                at += r * c;
            }
        }
        if at != flat.len() {
            return Err(Error::Weights(format!(
                "{} values do not fit the network's weights",
                flat.len()
            )));
        }
        self.set_weights(weights)
    }

    /// Each layer's kernel `(inputs, units)`; empty until the weights are set.
    pub fn kernels(&self) -> Vec<&Tensor> {
        let mut out = Vec::new();
        let mut i = 0;
        for &(_, bias) in &self.layers {
            if let Some(k) = self.weights.get(i) {
                out.push(k);
            }
            i += 1 + usize::from(bias);
        }
        out
    }

    /// The output of neuron `unit` of layer `layer` (0 is the first Dense layer) for each x,
    /// computed forward through the layers before it.
    ///
    /// # Errors
    /// [`Error::Weights`] before the weights are set; [`Error::InvalidParameter`] for a layer
    /// or unit that does not exist.
    pub fn unit_output(&self, layer: usize, unit: usize, xs: &[f32]) -> Result<Vec<f32>> {
        if self.weights.is_empty() {
            return Err(Error::Weights(
                "the network's weights are not known yet".into(),
            ));
        }
        if layer >= self.layers.len() || unit >= self.sizes[layer + 1] {
            return Err(Error::invalid(
                "neuron",
                format!("layer {layer}, unit {unit} is not in the network"),
            ));
        }
        let mut a = Tensor::column(xs);
        let mut i = 0;
        for &(act, bias) in self.layers.iter().take(layer + 1) {
            let mut z = a.matmul(&self.weights[i])?;
            let cols = z.cols();
            let b = bias.then(|| self.weights[i + 1].as_slice());
            for (j, v) in z.as_mut_slice().iter_mut().enumerate() {
                *v = act.forward(*v + b.map_or(0.0, |b| b[j % cols]));
            }
            i += 1 + usize::from(bias);
            a = z;
        }
        let cols = a.cols();
        Ok(a.as_slice()
            .iter()
            .skip(unit)
            .step_by(cols)
            .copied()
            .collect())
    }
}

/// The sine points of the stacked-layers demonstration: the training split of 100 points of
/// the sine data (a little noise).
///
/// # Errors
/// None in practice (the data config is valid).
pub fn sine_points() -> Result<(Vec<f32>, Vec<f32>)> {
    let d = DataConfig {
        kind: DataKind::Sine,
        n: 100,
        ..DataConfig::default()
    }
    .generate(7)?;
    Ok((d.x_train.into_vec(), d.y_train.into_vec()))
}

/// Two hidden layers of [`STACK_UNITS`] and one output, all with one activation, trained with
/// Adam on [`sine_points`]: linear ones draw a straight line however many there are.
pub struct Stack {
    model: Sequential,
}

impl Stack {
    /// The stack with hidden activation `activation`, seeded.
    ///
    /// # Errors
    /// None in practice (the model is valid).
    pub fn new(activation: Activation, seed: u64) -> Result<Stack> {
        let mut model = Sequential::with_seed(seed);
        let hidden = Dense::new(STACK_UNITS).activation(activation);
        model.add(hidden.clone().input_dim(1))?;
        model.add(hidden)?;
        model.add(Dense::new(1))?;
        model.compile("mse", Optimizer::adam(0.02))?;
        let (xs, ys) = sine_points()?;
        model.load_train(&Tensor::column(&xs), &Tensor::column(&ys), None)?;
        Ok(Stack { model })
    }

    /// Trains `steps` steps; returns the last loss.
    ///
    /// # Errors
    /// A backend error (none on the CPU in practice).
    pub fn train(&mut self, steps: usize) -> Result<f32> {
        let losses = block_on(self.model.train_steps(steps.max(1), 0))?;
        Ok(*losses.last().expect("at least one step"))
    }

    /// The stack's predictions.
    ///
    /// # Errors
    /// [`Error::EmptyData`] for no xs.
    pub fn predict(&mut self, xs: &[f32]) -> Result<Vec<f32>> {
        let x = Tensor::column(xs);
        x.check_not_empty("xs")?;
        Ok(self.model.predict(&x, None)?.into_vec())
    }
}
