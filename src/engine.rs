//! The training engine: forward pass, loss, backward pass and optimizer update, written once
//! over [`Backend`] so that the CPU and WebGPU run the same algorithm.
//!
//! Everything a step touches is allocated once: parameters, gradients, optimizer state, and a
//! workspace of activations per batch size. A step is a fixed sequence of backend operations;
//! on the GPU a run of steps is recorded and submitted together and its losses read back once.

use crate::activation::Activation;
use crate::backend::{Backend, Buf, Counter, Counters};
use crate::error::{Error, Result};
use crate::limits::{LOSS_LOG_CAPACITY, MAX_EVAL_BATCH, MAX_FLOATS};
use crate::loss::Loss;
use crate::optim::{Coefficients, Optimizer};
use crate::tensor::Tensor;

pub use crate::backend::plan::{LayerBufs, LayerShape, ParamBufs, StepPlan, Workspace};

/// Everything that defines where training stands: enough to continue on another backend.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingState {
    /// Keras' `get_weights()`.
    pub weights: Vec<Tensor>,
    /// The optimizer's state arrays, per weight (Keras' order), each of that weight's shape.
    pub slots: Vec<Vec<Tensor>>,
    /// Optimizer updates done so far (Keras' `optimizer.iterations`).
    pub iterations: u64,
}

/// Batches resident on the device.
#[derive(Default)]
struct BatchSet {
    x: Vec<Buf>,
    y: Vec<Option<Buf>>,
}

/// Trains one model on one backend.
pub struct Engine<B: Backend> {
    backend: B,
    shapes: Vec<LayerShape>,
    layers: Vec<LayerBufs>,
    loss: Loss,
    opt: Optimizer,
    /// The update's `f32` constants, derived once from `opt`.
    update: Coefficients,
    iterations: Counter,
    log: Buf,
    cursor: Counter,
    eval_log: Option<Buf>,
    eval_cursor: Counter,
    workspaces: Vec<Workspace>,
    train: BatchSet,
    eval: BatchSet,
    /// On a device that can be lost: the training state at the last read-back.
    checkpoint: Option<TrainingState>,
    /// Losses of the steps completed before a failed run.
    partial: Vec<f32>,
    /// `f32` values allocated on the backend, counted against [`MAX_FLOATS`].
    floats: u64,
}

impl<B: Backend> Engine<B> {
    /// Allocates a model's buffers on `backend` and uploads its weights.
    ///
    /// # Errors
    /// [`Error::Weights`] when `weights` do not fit `shapes`.
    pub fn new(
        mut backend: B,
        shapes: Vec<LayerShape>,
        weights: &[Tensor],
        loss: Loss,
        opt: Optimizer,
    ) -> Result<Self> {
        check_weights(&shapes, weights)?;
        opt.validate()?;
        // Weights, gradients and optimizer state, and the loss log: refused before allocating
        // when over budget.
        let floats = estimate_floats(&shapes, opt.slots(), &[]);
        check_budget(
            0,
            floats,
            "the weights, their gradients and optimizer state",
        )?;
        for s in &shapes {
            check_buffer(&backend, s.inputs * s.units, "a kernel")?;
        }
        let mut layers = Vec::with_capacity(shapes.len());
        for s in &shapes {
            let kernel = new_param(&mut backend, s.inputs, s.units, opt.slots());
            let bias = s
                .use_bias
                .then(|| new_param(&mut backend, 1, s.units, opt.slots()));
            layers.push(LayerBufs { kernel, bias });
        }
        let iterations = backend.alloc_counter();
        let log = backend.alloc(1, LOSS_LOG_CAPACITY);
        let cursor = backend.alloc_counter();
        let eval_cursor = backend.alloc_counter();
        let mut engine = Engine {
            backend,
            shapes,
            layers,
            loss,
            opt,
            update: opt.coefficients(),
            iterations,
            log,
            cursor,
            eval_log: None,
            eval_cursor,
            workspaces: Vec::new(),
            train: BatchSet::default(),
            eval: BatchSet::default(),
            checkpoint: None,
            partial: Vec::new(),
            floats,
        };
        engine.set_weights(weights)?;
        Ok(engine)
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The backend, mutably (e.g. to simulate a device loss).
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Work counted by the backend.
    pub fn counters(&self) -> Counters {
        self.backend.counters()
    }

    /// Changes the optimizer. State is kept when only hyper-parameters change and the kind of
    /// optimizer (and so its state arrays) stays the same; otherwise it restarts from zero.
    pub fn set_optimizer(&mut self, opt: Optimizer) -> Result<()> {
        opt.validate()?;
        let same_kind = std::mem::discriminant(&opt) == std::mem::discriminant(&self.opt)
            && opt.slots() == self.opt.slots();
        self.opt = opt;
        self.update = opt.coefficients();
        if same_kind {
            return Ok(());
        }
        let old: Vec<Buf> = self
            .layers
            .iter_mut()
            .flat_map(|l| std::iter::once(&mut l.kernel).chain(l.bias.as_mut()))
            .flat_map(|p| std::mem::take(&mut p.slots))
            .collect();
        let per_slot: u64 = self
            .params()
            .map(|p| {
                let (r, c) = self.backend.shape(p.value);
                (r * c) as u64
            })
            .sum();
        let old_floats = per_slot * self.opt_slots_allocated();
        let new_floats = per_slot * opt.slots() as u64;
        check_budget(self.floats - old_floats, new_floats, "the optimizer state")?;
        self.floats = self.floats - old_floats + new_floats;
        for s in old {
            self.backend.free(s);
        }
        let backend = &mut self.backend;
        for layer in &mut self.layers {
            for p in std::iter::once(&mut layer.kernel).chain(layer.bias.as_mut()) {
                let (r, c) = backend.shape(p.value);
                p.slots = (0..opt.slots()).map(|_| backend.alloc(r, c)).collect();
            }
        }
        self.reset_optimizer()
    }

    /// Starts the optimizer afresh, as a newly compiled Keras optimizer would: every slot zero
    /// and no iterations. The weights stay.
    ///
    /// # Errors
    /// Backend errors.
    pub fn reset_optimizer(&mut self) -> Result<()> {
        let slots: Vec<Buf> = self
            .params()
            .flat_map(|p| p.slots.iter().copied())
            .collect();
        for b in slots {
            let (r, c) = self.backend.shape(b);
            self.backend.write(b, &vec![0.0; r * c])?;
        }
        self.backend.set_counter(self.iterations, 0)?;
        let zero = self.zero_slots();
        if let Some(c) = &mut self.checkpoint {
            c.slots = zero;
            c.iterations = 0;
        }
        Ok(())
    }

    fn params(&self) -> impl Iterator<Item = &ParamBufs> {
        self.layers
            .iter()
            .flat_map(|l| std::iter::once(&l.kernel).chain(l.bias.as_ref()))
    }

    /// Replaces the weights (Keras' `set_weights`).
    ///
    /// # Errors
    /// [`Error::Weights`] when the count or a shape is wrong.
    pub fn set_weights(&mut self, weights: &[Tensor]) -> Result<()> {
        check_weights(&self.shapes, weights)?;
        let bufs: Vec<Buf> = self.params().map(|p| p.value).collect();
        for (b, w) in bufs.into_iter().zip(weights) {
            self.backend.write(b, w.as_slice())?;
        }
        if self.backend.can_be_lost() {
            let slots = match self.checkpoint.take() {
                Some(c) if c.slots.iter().all(|s| s.len() == self.opt.slots()) => {
                    (c.slots, c.iterations)
                }
                _ => (self.zero_slots(), 0),
            };
            self.checkpoint = Some(TrainingState {
                weights: weights.to_vec(),
                slots: slots.0,
                iterations: slots.1,
            });
        }
        Ok(())
    }

    fn zero_slots(&self) -> Vec<Vec<Tensor>> {
        self.params()
            .map(|p| {
                let (r, c) = self.backend.shape(p.value);
                (0..self.opt.slots()).map(|_| Tensor::zeros(r, c)).collect()
            })
            .collect()
    }

    /// Reads the weights back (Keras' `get_weights`).
    pub async fn get_weights(&mut self) -> Result<Vec<Tensor>> {
        let bufs: Vec<Buf> = self.params().map(|p| p.value).collect();
        self.read_tensors(&bufs).await
    }

    async fn read_tensors(&mut self, bufs: &[Buf]) -> Result<Vec<Tensor>> {
        let values = self.backend.read(bufs).await?;
        bufs.iter()
            .zip(values)
            .map(|(b, v)| {
                let (r, c) = self.backend.shape(*b);
                Tensor::from_vec(r, c, v)
            })
            .collect()
    }

    /// The buffers of the training state: weights, then each weight's optimizer slots.
    fn state_bufs(&self) -> Vec<Buf> {
        let values = self.params().map(|p| p.value);
        let slots = self.params().flat_map(|p| p.slots.iter().copied());
        values.chain(slots).collect()
    }

    /// A [`TrainingState`] from the values of [`Engine::state_bufs`], at the iteration count
    /// recorded so far.
    fn state_from(&self, bufs: &[Buf], values: Vec<Vec<f32>>) -> Result<TrainingState> {
        let tensors = bufs
            .iter()
            .zip(values)
            .map(|(b, v)| {
                let (r, c) = self.backend.shape(*b);
                Tensor::from_vec(r, c, v)
            })
            .collect::<Result<Vec<_>>>()?;
        let n_params = self.params().count();
        let n_slots = self.opt.slots();
        let iterations = self.backend.counter(self.iterations);
        let mut tensors = tensors;
        let rest = tensors.split_off(n_params);
        let slots = if n_slots == 0 {
            vec![Vec::new(); n_params]
        } else {
            rest.chunks(n_slots).map(|c| c.to_vec()).collect()
        };
        Ok(TrainingState {
            weights: tensors,
            slots,
            iterations,
        })
    }

    /// Everything needed to continue training elsewhere.
    pub async fn export_state(&mut self) -> Result<TrainingState> {
        let bufs = self.state_bufs();
        let values = self.backend.read(&bufs).await?;
        self.state_from(&bufs, values)
    }

    /// After a failed [`Engine::train_loaded`] on a device that can be lost: the training
    /// state as of the last completed read-back and the losses of the steps done up to it.
    pub fn take_recovery(&mut self) -> Option<(TrainingState, Vec<f32>)> {
        let state = self.checkpoint.clone()?;
        Some((state, std::mem::take(&mut self.partial)))
    }

    /// Restores a state from [`Engine::export_state`] (of an engine with the same model and
    /// optimizer).
    ///
    /// # Errors
    /// [`Error::Weights`] when the state does not fit this model.
    pub fn import_state(&mut self, state: &TrainingState) -> Result<()> {
        self.set_weights(&state.weights)?;
        let slot_bufs: Vec<Vec<Buf>> = self.params().map(|p| p.slots.clone()).collect();
        if state.slots.len() != slot_bufs.len() {
            return Err(Error::Weights(format!(
                "optimizer state has {} entries, the model has {} weights",
                state.slots.len(),
                slot_bufs.len()
            )));
        }
        for (bufs, tensors) in slot_bufs.iter().zip(&state.slots) {
            if bufs.len() != tensors.len() {
                return Err(Error::Weights(
                    "optimizer state does not match the optimizer".into(),
                ));
            }
            for (b, t) in bufs.iter().zip(tensors) {
                self.backend.write(*b, t.as_slice())?;
            }
        }
        self.backend
            .set_counter(self.iterations, state.iterations)?;
        if self.backend.can_be_lost() {
            self.checkpoint = Some(state.clone());
        }
        Ok(())
    }

    /// Optimizer updates recorded so far (Keras' `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        self.backend.counter(self.iterations)
    }

    /// The workspace for batches of `rows`, allocated on first use. A workspace that would take
    /// the model over its memory budget first frees the others (they are made again when
    /// needed); if it still does not fit, the batch is refused with a message.
    fn workspace(&mut self, rows: usize) -> Result<usize> {
        if let Some(i) = self.workspaces.iter().position(|w| w.rows == rows) {
            return Ok(i);
        }
        let need = workspace_floats(&self.shapes, rows);
        let what = format!("the activations of a batch of {rows} rows");
        if check_budget(self.floats, need, &what).is_err() {
            for ws in std::mem::take(&mut self.workspaces) {
                self.free_workspace(ws);
            }
        }
        check_budget(self.floats, need, &what)?;
        for s in &self.shapes {
            check_buffer(&self.backend, rows * s.units, "an activation")?;
        }
        let mut ws = Workspace {
            rows,
            z: Vec::new(),
            a: Vec::new(),
            da: Vec::new(),
            dz: Vec::new(),
        };
        for s in &self.shapes {
            let z = self.backend.alloc(rows, s.units);
            let linear = s.activation == Activation::Linear;
            let a = if linear {
                z
            } else {
                self.backend.alloc(rows, s.units)
            };
            let da = self.backend.alloc(rows, s.units);
            let dz = if linear {
                da
            } else {
                self.backend.alloc(rows, s.units)
            };
            ws.z.push(z);
            ws.a.push(a);
            ws.da.push(da);
            ws.dz.push(dz);
        }
        self.floats += need;
        self.workspaces.push(ws);
        Ok(self.workspaces.len() - 1)
    }

    fn free_workspace(&mut self, ws: Workspace) {
        self.floats -= workspace_floats(&self.shapes, ws.rows);
        for (l, s) in self.shapes.iter().enumerate() {
            self.backend.free(ws.z[l]);
            self.backend.free(ws.da[l]);
            if s.activation != Activation::Linear {
                self.backend.free(ws.a[l]);
                self.backend.free(ws.dz[l]);
            }
        }
    }

    /// How many state arrays each parameter has now.
    fn opt_slots_allocated(&self) -> u64 {
        self.params().next().map_or(0, |p| p.slots.len() as u64)
    }

    /// Records the forward pass; returns the workspace index (its last `a` is the output).
    fn forward(&mut self, x: Buf) -> Result<usize> {
        let rows = self.backend.shape(x).0;
        let w = self.workspace(rows)?;
        let mut input = x;
        for l in 0..self.shapes.len() {
            let (z, a) = (self.workspaces[w].z[l], self.workspaces[w].a[l]);
            let layer = &self.layers[l];
            self.backend
                .matmul(input, false, layer.kernel.value, false, z)?;
            let bias = layer.bias.as_ref().map(|p| p.value);
            let act = self.shapes[l].activation;
            if bias.is_some() || act != Activation::Linear {
                self.backend.bias_activation(z, bias, act, a)?;
            }
            input = a;
        }
        Ok(w)
    }

    /// Records one training step on `(x, y)`: its loss goes to the loss log.
    fn record_step(&mut self, x: Buf, y: Buf) -> Result<()> {
        let w = self.forward(x)?;
        let last = self.shapes.len() - 1;
        let ws = &self.workspaces[w];
        let (out, d_out) = (ws.a[last], ws.da[last]);
        self.backend
            .loss(out, y, self.loss, Some(d_out), self.log, Some(self.cursor))?;
        for l in (0..self.shapes.len()).rev() {
            let ws = &self.workspaces[w];
            let (z, a, da, dz) = (ws.z[l], ws.a[l], ws.da[l], ws.dz[l]);
            let input = if l == 0 { x } else { ws.a[l - 1] };
            let prev_da = (l > 0).then(|| ws.da[l - 1]);
            let act = self.shapes[l].activation;
            if act != Activation::Linear {
                self.backend.activation_backward(da, z, a, act, dz)?;
            }
            let layer = &self.layers[l];
            self.backend
                .matmul(input, true, dz, false, layer.kernel.grad)?;
            if let Some(b) = &layer.bias {
                self.backend.column_sums(dz, b.grad)?;
            }
            if let Some(prev) = prev_da {
                self.backend
                    .matmul(dz, false, layer.kernel.value, true, prev)?;
            }
        }
        self.backend.increment(self.iterations)?;
        let update = self.update;
        for layer in &self.layers {
            for p in std::iter::once(&layer.kernel).chain(layer.bias.as_ref()) {
                self.backend
                    .apply_gradient(&update, p.value, p.grad, &p.slots, self.iterations)?;
            }
        }
        Ok(())
    }

    /// Hands `steps` steps from batch `first` to the backend as one [`StepPlan`]; `false` when
    /// the backend records them operation by operation instead, or when the batches' workspaces
    /// do not all fit the memory budget at once (the recorded steps then make them in turn).
    fn run_steps(&mut self, steps: usize, first: usize) -> Result<bool> {
        if !self.backend.runs_steps() {
            return Ok(false);
        }
        for i in 0..self.train.x.len() {
            let rows = self.backend.shape(self.train.x[i]).0;
            self.workspace(rows)?;
        }
        let mut batches = Vec::with_capacity(self.train.x.len());
        for (x, y) in self.train.x.iter().zip(&self.train.y) {
            let rows = self.backend.shape(*x).0;
            let Some(w) = self.workspaces.iter().position(|w| w.rows == rows) else {
                return Ok(false);
            };
            batches.push((*x, y.expect("train batches have y"), w));
        }
        let plan = StepPlan {
            shapes: &self.shapes,
            layers: &self.layers,
            workspaces: &self.workspaces,
            batches: &batches,
            loss: self.loss,
            update: &self.update,
            log: self.log,
            cursor: self.cursor,
            iterations: self.iterations,
        };
        self.backend.run_steps(&plan, first, steps)?;
        Ok(true)
    }

    /// Uploads batches for training, reusing device buffers whose shapes match.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when a batch does not fit the model.
    pub fn load_train(&mut self, batches: &[(&Tensor, &Tensor)]) -> Result<()> {
        let mut set = std::mem::take(&mut self.train);
        let r = self.load(&mut set, batches.iter().map(|(x, y)| (*x, Some(*y))));
        self.train = set;
        r
    }

    fn load<'t>(
        &mut self,
        set: &mut BatchSet,
        batches: impl Iterator<Item = (&'t Tensor, Option<&'t Tensor>)>,
    ) -> Result<()> {
        let inputs = self.shapes[0].inputs;
        let outputs = self.shapes[self.shapes.len() - 1].units;
        let mut n = 0;
        for (i, (x, y)) in batches.enumerate() {
            if x.cols() != inputs {
                return Err(Error::shapes(
                    "input (x vs the first layer's input_dim)",
                    x.shape(),
                    (x.rows(), inputs),
                ));
            }
            if let Some(y) = y {
                if y.shape() != (x.rows(), outputs) {
                    return Err(Error::shapes(
                        "targets (y vs the model's output)",
                        y.shape(),
                        (x.rows(), outputs),
                    ));
                }
            }
            let xb = self.reuse(set.x.get(i).copied(), x)?;
            let yb = match y {
                Some(y) => Some(self.reuse(set.y.get(i).copied().flatten(), y)?),
                None => None,
            };
            if i < set.x.len() {
                set.x[i] = xb;
                if let Some(old) = std::mem::replace(&mut set.y[i], yb) {
                    if Some(old) != yb {
                        self.backend.free(old);
                    }
                }
            } else {
                set.x.push(xb);
                set.y.push(yb);
            }
            n = i + 1;
        }
        for b in set.x.drain(n..) {
            self.backend.free(b);
        }
        for b in set.y.drain(n..).flatten() {
            self.backend.free(b);
        }
        Ok(())
    }

    fn reuse(&mut self, old: Option<Buf>, t: &Tensor) -> Result<Buf> {
        let b = match old {
            Some(b) if self.backend.shape(b) == t.shape() => b,
            other => {
                if let Some(b) = other {
                    self.backend.free(b);
                }
                self.backend.alloc(t.rows(), t.cols())
            }
        };
        self.backend.write(b, t.as_slice())?;
        Ok(b)
    }

    /// Runs `steps` training steps over the loaded batches, step `i` using batch
    /// `(first_batch + i) mod batches`; returns each step's loss (before its update).
    ///
    /// Steps are recorded and submitted in chunks of [`LOSS_LOG_CAPACITY`], with one
    /// read-back per chunk.
    pub async fn train_loaded(&mut self, steps: usize, first_batch: usize) -> Result<Vec<f32>> {
        let n = self.train.x.len();
        if n == 0 {
            return Err(Error::EmptyData("no training batches are loaded".into()));
        }
        let mut losses = Vec::with_capacity(steps);
        self.partial.clear();
        let mut done = 0;
        while done < steps {
            let chunk = (steps - done).min(LOSS_LOG_CAPACITY);
            match self.train_chunk(chunk, first_batch + done).await {
                Ok(l) => losses.extend_from_slice(&l),
                Err(e) => {
                    self.partial = losses;
                    return Err(e);
                }
            }
            done += chunk;
        }
        Ok(losses)
    }

    /// Records `chunk` steps, then reads their losses back (with the whole training state
    /// when the device can be lost, kept as the checkpoint to recover from).
    async fn train_chunk(&mut self, chunk: usize, first: usize) -> Result<Vec<f32>> {
        if !self.run_steps(chunk, first)? {
            let n = self.train.x.len();
            for i in 0..chunk {
                let b = (first + i) % n;
                let (x, y) = (
                    self.train.x[b],
                    self.train.y[b].expect("train batches have y"),
                );
                self.record_step(x, y)?;
            }
        }
        let mut bufs = vec![self.log];
        if self.backend.can_be_lost() {
            bufs.extend(self.state_bufs());
        }
        let mut values = self.backend.read(&bufs).await?;
        self.backend.set_counter(self.cursor, 0)?;
        let log = values.remove(0);
        if self.backend.can_be_lost() {
            self.checkpoint = Some(self.state_from(&bufs[1..], values)?);
        }
        Ok(log[..chunk].to_vec())
    }

    /// Keras' `train_on_batch`: one step on `(x, y)`, returning the loss of its forward pass.
    pub async fn train_on_batch(&mut self, x: &Tensor, y: &Tensor) -> Result<f32> {
        self.load_train(&[(x, y)])?;
        Ok(self.train_loaded(1, 0).await?[0])
    }

    /// Keras' `evaluate`: the mean loss over all samples, computed in batches of
    /// `batch_size` (the batch means weighted by batch size, as Keras does). Batches larger
    /// than [`MAX_EVAL_BATCH`] rows are cut further so that their workspace stays bounded.
    pub async fn evaluate(&mut self, x: &Tensor, y: &Tensor, batch_size: usize) -> Result<f32> {
        let batches = split(x, Some(y), batch_size.min(MAX_EVAL_BATCH));
        let mut set = std::mem::take(&mut self.eval);
        let r = self.load(&mut set, batches.iter().map(|(x, y)| (x, y.as_ref())));
        self.eval = set;
        r?;
        let log = match self.eval_log {
            Some(b) if self.backend.shape(b).1 >= batches.len() => b,
            other => {
                if let Some(b) = other {
                    self.backend.free(b);
                }
                let b = self.backend.alloc(1, batches.len().max(16));
                self.eval_log = Some(b);
                b
            }
        };
        self.backend.set_counter(self.eval_cursor, 0)?;
        let last = self.shapes.len() - 1;
        for i in 0..batches.len() {
            let (xb, yb) = (self.eval.x[i], self.eval.y[i].expect("eval batches have y"));
            let w = self.forward(xb)?;
            let out = self.workspaces[w].a[last];
            self.backend
                .loss(out, yb, self.loss, None, log, Some(self.eval_cursor))?;
        }
        let values = self.backend.read(&[log]).await?;
        let total: f64 = batches
            .iter()
            .enumerate()
            .map(|(i, (xb, _))| values[0][i] as f64 * xb.rows() as f64)
            .sum();
        self.release_eval();
        Ok((total / x.rows() as f64) as f32)
    }

    /// Keras' `predict`, in batches of `batch_size` (at most [`MAX_EVAL_BATCH`] rows each).
    pub async fn predict(&mut self, x: &Tensor, batch_size: usize) -> Result<Tensor> {
        let batches = split(x, None, batch_size.min(MAX_EVAL_BATCH));
        let last = self.shapes.len() - 1;
        let mut values = Vec::with_capacity(x.rows() * self.shapes[last].units);
        for (xb, _) in &batches {
            let mut set = std::mem::take(&mut self.eval);
            let r = self.load(&mut set, std::iter::once((xb, None)));
            self.eval = set;
            r?;
            let w = self.forward(self.eval.x[0])?;
            let out = self.workspaces[w].a[last];
            values.extend(self.backend.read(&[out]).await?.remove(0));
        }
        self.release_eval();
        Tensor::from_vec(x.rows(), self.shapes[last].units, values)
    }

    /// Frees the evaluation batches and every workspace but the training batches' (which the
    /// next step reuses): an evaluation of many points costs memory only while it runs.
    fn release_eval(&mut self) {
        let eval_rows: usize = self.eval.x.iter().map(|b| self.backend.shape(*b).0).sum();
        if eval_rows > SMALL_WORKSPACE_ROWS {
            for b in self.eval.x.drain(..) {
                self.backend.free(b);
            }
            for b in self.eval.y.drain(..).flatten() {
                self.backend.free(b);
            }
        }
        let train_rows: Vec<usize> = self
            .train
            .x
            .iter()
            .map(|b| self.backend.shape(*b).0)
            .collect();
        let (keep, drop): (Vec<Workspace>, Vec<Workspace>) = std::mem::take(&mut self.workspaces)
            .into_iter()
            .partition(|w| train_rows.contains(&w.rows) || w.rows <= SMALL_WORKSPACE_ROWS);
        self.workspaces = keep;
        for ws in drop {
            self.free_workspace(ws);
        }
    }

    /// `f32` values allocated for this model now (weights, state, workspaces).
    pub fn allocated_floats(&self) -> u64 {
        self.floats
    }
}

/// Workspaces and evaluation sets of at most this many rows are kept after an evaluation: the
/// page evaluates and predicts small sets again and again, and reallocating them (and their
/// bind groups on the GPU) would cost more than they hold.
const SMALL_WORKSPACE_ROWS: usize = 1024;

/// The `f32` values a model needs: weights with their gradients and `slots` optimizer arrays
/// each, the loss log, and one workspace per batch size in `batch_rows` (the engine's own
/// accounting, which [`crate::Config::validate`] uses to refuse a config before building it).
pub fn estimate_floats(shapes: &[LayerShape], slots: usize, batch_rows: &[usize]) -> u64 {
    let weights: u64 = shapes
        .iter()
        .map(|s| (s.inputs as u64 + u64::from(s.use_bias)) * s.units as u64)
        .sum();
    let workspaces: u64 = batch_rows
        .iter()
        .map(|r| workspace_floats(shapes, *r))
        .sum();
    (2 + slots as u64) * weights + LOSS_LOG_CAPACITY as u64 + workspaces
}

/// Whether `floats` fit the model's memory budget ([`MAX_FLOATS`]).
pub fn fits_budget(floats: u64) -> bool {
    floats <= MAX_FLOATS
}

/// `f32` values of a workspace for batches of `rows`.
fn workspace_floats(shapes: &[LayerShape], rows: usize) -> u64 {
    shapes
        .iter()
        .map(|s| {
            let arrays = if s.activation == Activation::Linear {
                2
            } else {
                4
            };
            arrays * (rows * s.units) as u64
        })
        .sum()
}

/// Refuses an allocation of `need` floats on top of `used` beyond [`MAX_FLOATS`].
fn check_budget(used: u64, need: u64, what: &str) -> Result<()> {
    if used.saturating_add(need) > MAX_FLOATS {
        return Err(Error::invalid(
            "model size",
            format!(
                "{what} would need {} MB on top of {} MB already used (at most {} MB): use fewer or smaller layers, fewer points or a batch_size",
                need * 4 / 1_000_000,
                used * 4 / 1_000_000,
                MAX_FLOATS * 4 / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// Refuses a buffer larger than the backend allows (a WebGPU adapter's storage-buffer limit).
fn check_buffer<B: Backend>(backend: &B, floats: usize, what: &str) -> Result<()> {
    let max = backend.max_buffer_floats();
    if floats > max {
        return Err(Error::invalid(
            "model size",
            format!(
                "{what} of {floats} values exceeds this device's largest buffer ({max} values): use smaller layers or fewer points"
            ),
        ));
    }
    Ok(())
}

fn new_param<B: Backend>(b: &mut B, rows: usize, cols: usize, slots: usize) -> ParamBufs {
    ParamBufs {
        value: b.alloc(rows, cols),
        grad: b.alloc(rows, cols),
        slots: (0..slots).map(|_| b.alloc(rows, cols)).collect(),
    }
}

/// Cuts `x` (and `y`) into consecutive batches of at most `batch_size` rows.
pub fn split(x: &Tensor, y: Option<&Tensor>, batch_size: usize) -> Vec<(Tensor, Option<Tensor>)> {
    let bs = batch_size.max(1);
    (0..x.rows())
        .step_by(bs)
        .map(|s| {
            let e = (s + bs).min(x.rows());
            (x.slice_rows(s, e), y.map(|y| y.slice_rows(s, e)))
        })
        .collect()
}

/// Checks weights against layer shapes (count, then each shape), in Keras' order.
pub fn check_weights(shapes: &[LayerShape], weights: &[Tensor]) -> Result<()> {
    let expected: Vec<(usize, usize)> = shapes
        .iter()
        .flat_map(|s| {
            let mut v = vec![(s.inputs, s.units)];
            if s.use_bias {
                v.push((1, s.units));
            }
            v
        })
        .collect();
    if weights.len() != expected.len() {
        return Err(Error::Weights(format!(
            "expected {} arrays (kernel and bias per layer), got {}",
            expected.len(),
            weights.len()
        )));
    }
    for (i, (w, e)) in weights.iter().zip(&expected).enumerate() {
        if w.shape() != *e {
            return Err(Error::Weights(format!(
                "array {i} has shape ({}, {}), expected ({}, {})",
                w.rows(),
                w.cols(),
                e.0,
                e.1
            )));
        }
        w.check_finite(&format!("weight array {i}"))?;
    }
    Ok(())
}

// What the page's story shows of a step: the gradients it computed.
impl<B: Backend> Engine<B> {
    /// The gradients the last training step computed (what its update used), one per weight
    /// in Keras' order and of that weight's shape; zeros before the first step.
    pub async fn gradients(&mut self) -> Result<Vec<Tensor>> {
        let bufs: Vec<Buf> = self.params().map(|p| p.grad).collect();
        self.read_tensors(&bufs).await
    }
}
