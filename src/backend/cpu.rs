//! The CPU backend: every operation runs at once on the host, over ndarray and plain loops.
//!
//! Each operation is a kernel over plain slices. The engine's training steps run through
//! [`Backend::run_steps`]: the plan is checked once per run with the operations' own checks,
//! its buffers are taken out of the arena, and each step calls the same kernels in the same
//! order as the recorded operations would, so the results are equal bit for bit.

use super::{check, Backend, BackendKind, Buf, Counter, Counters};
use crate::activation::Activation;
use crate::engine::{LayerShape, ParamBufs, StepPlan};
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::optim::Coefficients;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

/// Below this many multiply-adds a plain loop beats the packed GEMM's set-up cost.
const SMALL_GEMM: usize = 8 * 1024;

struct Slot {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

/// Runs the [`Backend`] operations on the host.
#[derive(Default)]
pub struct CpuBackend {
    slots: Vec<Option<Slot>>,
    free_list: Vec<u32>,
    counter_values: Vec<u64>,
    counters: Counters,
    /// Whether the engine records steps operation by operation rather than handing them over
    /// whole (the reference the whole-step path is tested against).
    op_by_op: bool,
}

impl CpuBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty backend on which the engine records every step operation by operation, as on
    /// the GPU, instead of running whole steps (for tests comparing the two).
    pub fn op_by_op() -> Self {
        CpuBackend {
            op_by_op: true,
            ..Self::default()
        }
    }

    fn counter_mut(&mut self, c: Counter) -> Result<&mut u64> {
        self.counter_values
            .get_mut(c.0 as usize)
            .ok_or_else(|| Error::Backend(format!("counter {} does not exist", c.0)))
    }

    fn slot(&self, b: Buf) -> Result<&Slot> {
        self.slots
            .get(b.0 as usize)
            .and_then(|s| s.as_ref())
            .ok_or_else(|| Error::Backend(format!("buffer {} does not exist", b.0)))
    }

    /// Takes a buffer's data out so that it can be written while others are read.
    fn take(&mut self, b: Buf) -> Result<Slot> {
        self.slots
            .get_mut(b.0 as usize)
            .and_then(|s| s.take())
            .ok_or_else(|| {
                Error::Backend(format!("buffer {} does not exist or aliases an input", b.0))
            })
    }

    fn put(&mut self, b: Buf, slot: Slot) {
        self.slots[b.0 as usize] = Some(slot);
    }

    fn data(&self, b: Buf) -> Result<&[f32]> {
        Ok(&self.slot(b)?.data)
    }

    fn dims(&self, b: Buf) -> Result<(usize, usize)> {
        let s = self.slot(b)?;
        Ok((s.rows, s.cols))
    }

    /// Runs `f(out, inputs…)` with `out` taken out of the arena.
    fn with_out<R>(
        &mut self,
        out: Buf,
        f: impl FnOnce(&Self, &mut Slot) -> Result<R>,
    ) -> Result<R> {
        let mut slot = self.take(out)?;
        let r = f(self, &mut slot);
        self.put(out, slot);
        self.counters.dispatches += 1;
        r
    }
}

fn view(s: &[f32], rows: usize, cols: usize, trans: bool) -> ArrayView2<'_, f32> {
    let v = ArrayView2::from_shape((rows, cols).strides((cols, 1)), s).expect("slot shape");
    if trans {
        v.reversed_axes()
    } else {
        v
    }
}

/// `Σ a[i]·b[i]` with eight accumulators, so the compiler can use SIMD lanes.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `Σ v[i]` with eight accumulators.
fn sum(v: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let c = v.chunks_exact(8);
    let tail: f32 = c.remainder().iter().sum();
    for x in c {
        for l in 0..8 {
            acc[l] += x[l];
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `out = op(a) · op(b)` for small sizes, where the packed GEMM's set-up would dominate.
///
/// `a` is stored `(·, ac)` and `b` `(·, bc)`, row-major; `(m, k, n)` are the sizes of the
/// product. When both operands run contiguously along `k` the inner loop is a SIMD dot.
#[allow(clippy::too_many_arguments)]
fn small_gemm(
    a: &[f32],
    ac: usize,
    trans_a: bool,
    b: &[f32],
    bc: usize,
    trans_b: bool,
    (_m, k, n): (usize, usize, usize),
    out: &mut [f32],
) {
    // Element (i, p) of op(a) is a[i·ai + p·ap]; element (p, j) of op(b) is b[p·bp + j·bj].
    let (ai, ap) = if trans_a { (1, ac) } else { (ac, 1) };
    let (bp, bj) = if trans_b { (1, bc) } else { (bc, 1) };
    if k == 1 && n == 1 {
        // A column times a scalar (the tutorial's forward pass): one vectorisable loop.
        let s = b[0];
        for (i, o) in out.iter_mut().enumerate() {
            *o = a[i * ai] * s;
        }
    } else if k == 1 {
        for (i, row) in out.chunks_exact_mut(n).enumerate() {
            let s = a[i * ai];
            for (j, o) in row.iter_mut().enumerate() {
                *o = s * b[j * bj];
            }
        }
    } else if ap == 1 && bp == 1 {
        for (i, row) in out.chunks_exact_mut(n).enumerate() {
            let ar = &a[i * ai..i * ai + k];
            for (j, o) in row.iter_mut().enumerate() {
                *o = dot(ar, &b[j * bj..j * bj + k]);
            }
        }
    } else {
        // Each output adds its products one by one in order of p, from 0; p is the outer loop
        // so that the inner one walks contiguous memory where there is some (a column of a
        // transposed `a`, a row of `b`).
        out.fill(0.0);
        for p in 0..k {
            if n == 1 && ai == 1 {
                let (col, s) = (&a[p * ap..p * ap + out.len()], b[p * bp]);
                for (o, v) in out.iter_mut().zip(col) {
                    *o += v * s;
                }
                continue;
            }
            for (i, row) in out.chunks_exact_mut(n).enumerate() {
                let s = a[i * ai + p * ap];
                if bj == 1 {
                    for (o, v) in row.iter_mut().zip(&b[p * bp..p * bp + n]) {
                        *o += s * v;
                    }
                } else {
                    for (j, o) in row.iter_mut().enumerate() {
                        *o += s * b[p * bp + j * bj];
                    }
                }
            }
        }
    }
}

/// `out = op(a) · op(b)`, with `a` of shape `ad` and `b` of shape `bd`, row-major.
fn matmul_slices(
    a: &[f32],
    ad: (usize, usize),
    trans_a: bool,
    b: &[f32],
    bd: (usize, usize),
    trans_b: bool,
    out: &mut [f32],
) {
    let (m, k) = if trans_a { (ad.1, ad.0) } else { ad };
    let n = if trans_b { bd.0 } else { bd.1 };
    if m * n * k <= SMALL_GEMM {
        small_gemm(a, ad.1, trans_a, b, bd.1, trans_b, (m, k, n), out);
    } else {
        let av = view(a, ad.0, ad.1, trans_a);
        let bv = view(b, bd.0, bd.1, trans_b);
        let mut ov = ArrayViewMut2::from_shape((m, n), out).expect("slot shape");
        general_mat_mul(1.0, &av, &bv, 0.0, &mut ov);
    }
}

/// `z += bias` on every row of `units`, then `out = act(z)` when there is an `out`.
fn bias_activation_slices(
    z: &mut [f32],
    units: usize,
    bias: Option<&[f32]>,
    act: Activation,
    out: Option<&mut [f32]>,
) {
    if let Some(bias) = bias {
        for row in z.chunks_exact_mut(units) {
            for (v, b) in row.iter_mut().zip(bias) {
                *v += b;
            }
        }
    }
    if let Some(out) = out {
        for (o, z) in out.iter_mut().zip(z.iter()) {
            *o = act.forward(*z);
        }
    }
}

/// `out = grad ⊙ act'(z)`, given `a = act(z)`.
fn activation_backward_slices(
    grad: &[f32],
    z: &[f32],
    a: &[f32],
    act: Activation,
    out: &mut [f32],
) {
    for (((o, g), z), a) in out.iter_mut().zip(grad).zip(z).zip(a) {
        *o = g * act.derivative(*z, *a);
    }
}

/// `out[j] = Σᵢ m[i, j]` over the rows of `cols` values.
fn column_sums_slices(m: &[f32], cols: usize, out: &mut [f32]) {
    if cols == 1 {
        out[0] = sum(m);
        return;
    }
    out.fill(0.0);
    for row in m.chunks_exact(cols) {
        for (s, v) in out.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// The optimizer's update of one parameter (at most three state arrays).
fn update_slices(
    update: &Coefficients,
    value: &mut [f32],
    grad: &[f32],
    slots: &mut [Vec<f32>],
    t: u64,
) {
    let n = slots.len().min(3);
    let mut views: [&mut [f32]; 3] = Default::default();
    for (v, s) in views.iter_mut().zip(slots.iter_mut()) {
        *v = s;
    }
    update.update(value, grad, &mut views[..n], t);
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn describe(&self) -> String {
        format!("CPU ({})", std::env::consts::ARCH)
    }

    fn alloc(&mut self, rows: usize, cols: usize) -> Buf {
        let slot = Slot {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        };
        match self.free_list.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                Buf(i)
            }
            None => {
                self.slots.push(Some(slot));
                Buf(self.slots.len() as u32 - 1)
            }
        }
    }

    fn free(&mut self, buf: Buf) {
        if let Some(s) = self.slots.get_mut(buf.0 as usize) {
            if s.take().is_some() {
                self.free_list.push(buf.0);
            }
        }
    }

    fn shape(&self, buf: Buf) -> (usize, usize) {
        self.dims(buf).unwrap_or((0, 0))
    }

    fn write(&mut self, buf: Buf, values: &[f32]) -> Result<()> {
        let (rows, cols) = self.dims(buf)?;
        if values.len() != rows * cols {
            return Err(Error::shapes("write", (rows, cols), (values.len(), 1)));
        }
        let slot = self.slots[buf.0 as usize].as_mut().expect("checked above");
        slot.data.copy_from_slice(values);
        self.counters.uploads += 1;
        Ok(())
    }

    fn matmul(&mut self, a: Buf, trans_a: bool, b: Buf, trans_b: bool, out: Buf) -> Result<()> {
        check::matmul(&|b| self.dims(b), a, trans_a, b, trans_b, out)?;
        let (ad, bd) = (self.dims(a)?, self.dims(b)?);
        self.with_out(out, |me, o| {
            let (a, b) = (me.data(a)?, me.data(b)?);
            matmul_slices(a, ad, trans_a, b, bd, trans_b, &mut o.data);
            Ok(())
        })
    }

    fn bias_activation(
        &mut self,
        z: Buf,
        bias: Option<Buf>,
        act: Activation,
        out: Buf,
    ) -> Result<()> {
        let (_, units) = check::bias_activation(&|b| self.dims(b), z, bias, act, out)?;
        let mut zs = self.take(z)?;
        let mut os = if out != z {
            match self.take(out) {
                Ok(o) => Some(o),
                Err(e) => {
                    self.put(z, zs);
                    return Err(e);
                }
            }
        } else {
            None
        };
        let bias_data = match bias.map(|b| self.data(b)).transpose() {
            Ok(d) => d,
            Err(e) => {
                self.put(z, zs);
                if let Some(o) = os {
                    self.put(out, o);
                }
                return Err(e);
            }
        };
        let out_data = os.as_mut().map(|o| o.data.as_mut_slice());
        bias_activation_slices(&mut zs.data, units, bias_data, act, out_data);
        self.put(z, zs);
        if let Some(o) = os {
            self.put(out, o);
        }
        self.counters.dispatches += 1;
        Ok(())
    }

    fn activation_backward(
        &mut self,
        grad: Buf,
        z: Buf,
        a: Buf,
        act: Activation,
        out: Buf,
    ) -> Result<()> {
        check::activation_backward(&|b| self.dims(b), grad, z, a, out)?;
        self.with_out(out, |me, o| {
            let (g, zs, as_) = (me.data(grad)?, me.data(z)?, me.data(a)?);
            activation_backward_slices(g, zs, as_, act, &mut o.data);
            Ok(())
        })
    }

    fn column_sums(&mut self, m: Buf, out: Buf) -> Result<()> {
        let (_, cols) = check::column_sums(&|b| self.dims(b), m, out)?;
        self.with_out(out, |me, o| {
            column_sums_slices(me.data(m)?, cols, &mut o.data);
            Ok(())
        })
    }

    fn loss(
        &mut self,
        y_pred: Buf,
        y_true: Buf,
        loss: Loss,
        grad: Option<Buf>,
        out: Buf,
        cursor: Option<Counter>,
    ) -> Result<()> {
        let index = cursor.map_or(0, |c| self.counter(c));
        check::loss(&|b| self.dims(b), y_pred, y_true, grad, out, index)?;
        let value = {
            let (p, t) = (self.data(y_pred)?, self.data(y_true)?);
            loss.mean(p, t)
        };
        if let Some(g) = grad {
            let mut gs = self.take(g)?;
            let (p, t) = (self.data(y_pred)?, self.data(y_true)?);
            loss.gradient(p, t, &mut gs.data);
            self.put(g, gs);
        }
        self.slots[out.0 as usize]
            .as_mut()
            .expect("checked above")
            .data[index as usize] = value;
        if let Some(c) = cursor {
            self.increment(c)?;
        }
        self.counters.dispatches += 1;
        Ok(())
    }

    fn alloc_counter(&mut self) -> Counter {
        self.counter_values.push(0);
        Counter(self.counter_values.len() as u32 - 1)
    }

    fn set_counter(&mut self, counter: Counter, value: u64) -> Result<()> {
        *self.counter_mut(counter)? = value;
        Ok(())
    }

    fn counter(&self, counter: Counter) -> u64 {
        self.counter_values
            .get(counter.0 as usize)
            .copied()
            .unwrap_or(0)
    }

    fn increment(&mut self, counter: Counter) -> Result<()> {
        *self.counter_mut(counter)? += 1;
        Ok(())
    }

    fn apply_gradient(
        &mut self,
        update: &Coefficients,
        param: Buf,
        grad: Buf,
        slots: &[Buf],
        iterations: Counter,
    ) -> Result<()> {
        check::apply_gradient(&|b| self.dims(b), update, param, grad, slots)?;
        let t = self.counter(iterations);
        let mut state: Vec<Slot> = Vec::with_capacity(slots.len());
        for s in slots {
            state.push(self.take(*s)?);
        }
        let r = self.with_out(param, |me, p| {
            let mut data: Vec<Vec<f32>> = state
                .iter_mut()
                .map(|s| std::mem::take(&mut s.data))
                .collect();
            update_slices(update, &mut p.data, me.data(grad)?, &mut data, t);
            for (s, d) in state.iter_mut().zip(data) {
                s.data = d;
            }
            Ok(())
        });
        for (s, slot) in slots.iter().zip(state) {
            self.put(*s, slot);
        }
        r
    }

    fn runs_steps(&self) -> bool {
        !self.op_by_op
    }

    fn run_steps(&mut self, plan: &StepPlan<'_>, first: usize, steps: usize) -> Result<()> {
        if self.op_by_op {
            return Err(Error::Backend(
                "this CPU backend records steps operation by operation".into(),
            ));
        }
        if steps == 0 {
            return Ok(());
        }
        self.check_plan(plan, steps)?;
        let mut layers: Vec<LayerData> = plan
            .layers
            .iter()
            .map(|l| LayerData {
                kernel: self.take_param(&l.kernel),
                bias: l.bias.as_ref().map(|b| self.take_param(b)),
            })
            .collect();
        let mut acts: Vec<Option<Vec<ActData>>> =
            (0..plan.workspaces.len()).map(|_| None).collect();
        for &(_, _, w) in plan.batches {
            if acts[w].is_none() {
                acts[w] = Some(self.take_workspace(plan, w));
            }
        }
        let mut log = self.take_data(plan.log);
        let cursor = self.counter(plan.cursor) as usize;
        let t = self.counter(plan.iterations);
        let batches: Vec<(&[f32], &[f32], usize)> = plan
            .batches
            .iter()
            .map(|&(x, y, w)| (self.data_or_empty(x), self.data_or_empty(y), w))
            .collect();
        for i in 0..steps {
            let (x, y, w) = batches[(first + i) % batches.len()];
            let ws = acts[w].as_deref_mut().unwrap_or_default();
            let rows = plan.workspaces[w].rows;
            log[cursor + i] = step(x, y, rows, plan, &mut layers, ws, t + 1 + i as u64);
        }
        drop(batches);
        self.put_data(plan.log, log);
        for (l, data) in plan.layers.iter().zip(layers) {
            self.put_param(&l.kernel, data.kernel);
            if let (Some(b), Some(d)) = (&l.bias, data.bias) {
                self.put_param(b, d);
            }
        }
        for (w, data) in acts.into_iter().enumerate() {
            if let Some(data) = data {
                self.put_workspace(plan, w, data);
            }
        }
        self.set_counter(plan.cursor, (cursor + steps) as u64)?;
        self.set_counter(plan.iterations, t + steps as u64)?;
        self.counters.dispatches += steps as u64;
        Ok(())
    }

    fn submit(&mut self) {}

    async fn read(&mut self, bufs: &[Buf]) -> Result<Vec<Vec<f32>>> {
        self.counters.readbacks += 1;
        bufs.iter().map(|b| Ok(self.data(*b)?.to_vec())).collect()
    }

    fn counters(&self) -> Counters {
        self.counters
    }
}

/// A parameter's arrays, taken out of the arena for a run of steps.
struct ParamData {
    value: Vec<f32>,
    grad: Vec<f32>,
    slots: Vec<Vec<f32>>,
}

/// A layer's parameters, taken out of the arena.
struct LayerData {
    kernel: ParamData,
    bias: Option<ParamData>,
}

/// A layer's activations for one batch size, taken out of the arena. A linear layer has no
/// `nonlinear` arrays: its `a` is `z` and its `dz` is `da`.
struct ActData {
    z: Vec<f32>,
    da: Vec<f32>,
    /// `a = act(z)` and `dz = da ⊙ act'(z)`.
    nonlinear: Option<(Vec<f32>, Vec<f32>)>,
}

impl ActData {
    /// The layer's output.
    fn output(&self) -> &[f32] {
        self.nonlinear.as_ref().map_or(&self.z, |(a, _)| a)
    }
}

impl CpuBackend {
    /// Checks a plan with the recorded operations' own checks, once for every batch (whose
    /// shapes every step shares), and that no buffer is written by two roles.
    fn check_plan(&self, plan: &StepPlan<'_>, steps: usize) -> Result<()> {
        let dims = |b| self.dims(b);
        let last = plan
            .shapes
            .len()
            .checked_sub(1)
            .ok_or_else(|| Error::Backend("a step plan needs at least one layer".into()))?;
        if plan.layers.len() != plan.shapes.len() || plan.batches.is_empty() {
            return Err(Error::Backend(
                "a step plan needs one set of parameters per layer and a batch".into(),
            ));
        }
        let mut written = vec![plan.log];
        for (l, p) in plan.layers.iter().enumerate() {
            for p in std::iter::once(&p.kernel).chain(p.bias.as_ref()) {
                check::apply_gradient(&dims, plan.update, p.value, p.grad, &p.slots)?;
                written.extend([p.value, p.grad]);
                written.extend(&p.slots);
            }
            if p.bias.is_some() != plan.shapes[l].use_bias {
                return Err(Error::Backend(format!(
                    "layer {l}: bias does not match its shape"
                )));
            }
        }
        let mut used = vec![false; plan.workspaces.len()];
        let mut read = Vec::new();
        for &(x, y, w) in plan.batches {
            read.extend([x, y]);
            let ws = plan
                .workspaces
                .get(w)
                .ok_or_else(|| Error::Backend(format!("workspace {w} does not exist")))?;
            let mut input = x;
            for (l, s) in plan.shapes.iter().enumerate() {
                let linear = s.activation == Activation::Linear;
                let (z, a, da, dz) = (ws.z[l], ws.a[l], ws.da[l], ws.dz[l]);
                if (a == z) != linear || (dz == da) != linear {
                    return Err(Error::Backend(format!(
                        "layer {l}: a linear layer's a and dz are its z and da, and only then"
                    )));
                }
                let p = &plan.layers[l];
                check::matmul(&dims, input, false, p.kernel.value, false, z)?;
                let bias = p.bias.as_ref().map(|b| b.value);
                check::bias_activation(&dims, z, bias, s.activation, a)?;
                if !linear {
                    check::activation_backward(&dims, da, z, a, dz)?;
                }
                check::matmul(&dims, input, true, dz, false, p.kernel.grad)?;
                if let Some(b) = &p.bias {
                    check::column_sums(&dims, dz, b.grad)?;
                }
                if l > 0 {
                    check::matmul(&dims, dz, false, p.kernel.value, true, ws.da[l - 1])?;
                }
                if self.dims(z)?.0 != ws.rows {
                    return Err(Error::shapes(
                        "workspace rows",
                        self.dims(z)?,
                        (ws.rows, s.units),
                    ));
                }
                input = a;
            }
            let index = self.counter(plan.cursor) + steps as u64 - 1;
            check::loss(&dims, ws.a[last], y, Some(ws.da[last]), plan.log, index)?;
            if !std::mem::replace(&mut used[w], true) {
                for l in 0..plan.shapes.len() {
                    written.extend([ws.z[l], ws.da[l]]);
                    if ws.a[l] != ws.z[l] {
                        written.extend([ws.a[l], ws.dz[l]]);
                    }
                }
            }
        }
        written.sort_unstable();
        let n = written.len();
        written.dedup();
        if written.len() != n || read.iter().any(|b| written.binary_search(b).is_ok()) {
            return Err(Error::Backend(
                "a step plan writes a buffer in two roles".into(),
            ));
        }
        Ok(())
    }

    /// A checked buffer's data, moved out (the buffer keeps its shape).
    fn take_data(&mut self, b: Buf) -> Vec<f32> {
        match self.slots.get_mut(b.0 as usize) {
            Some(Some(s)) => std::mem::take(&mut s.data),
            _ => Vec::new(),
        }
    }

    fn put_data(&mut self, b: Buf, data: Vec<f32>) {
        if let Some(Some(s)) = self.slots.get_mut(b.0 as usize) {
            s.data = data;
        }
    }

    /// A checked buffer's data, borrowed.
    fn data_or_empty(&self, b: Buf) -> &[f32] {
        self.data(b).unwrap_or_default()
    }

    fn take_param(&mut self, p: &ParamBufs) -> ParamData {
        ParamData {
            value: self.take_data(p.value),
            grad: self.take_data(p.grad),
            slots: p.slots.iter().map(|s| self.take_data(*s)).collect(),
        }
    }

    fn put_param(&mut self, p: &ParamBufs, data: ParamData) {
        self.put_data(p.value, data.value);
        self.put_data(p.grad, data.grad);
        for (s, d) in p.slots.iter().zip(data.slots) {
            self.put_data(*s, d);
        }
    }

    fn take_workspace(&mut self, plan: &StepPlan<'_>, w: usize) -> Vec<ActData> {
        let ws = &plan.workspaces[w];
        (0..plan.shapes.len())
            .map(|l| ActData {
                z: self.take_data(ws.z[l]),
                da: self.take_data(ws.da[l]),
                nonlinear: (ws.a[l] != ws.z[l])
                    .then(|| (self.take_data(ws.a[l]), self.take_data(ws.dz[l]))),
            })
            .collect()
    }

    fn put_workspace(&mut self, plan: &StepPlan<'_>, w: usize, data: Vec<ActData>) {
        let ws = &plan.workspaces[w];
        for (l, d) in data.into_iter().enumerate() {
            self.put_data(ws.z[l], d.z);
            self.put_data(ws.da[l], d.da);
            if let Some((a, dz)) = d.nonlinear {
                self.put_data(ws.a[l], a);
                self.put_data(ws.dz[l], dz);
            }
        }
    }
}

/// One training step over taken-out arrays: the engine's recorded operations, kernel for
/// kernel in the same order; returns the loss before the update (`t`: the update's 1-based
/// iteration).
fn step(
    x: &[f32],
    y: &[f32],
    rows: usize,
    plan: &StepPlan<'_>,
    layers: &mut [LayerData],
    acts: &mut [ActData],
    t: u64,
) -> f32 {
    let shapes: &[LayerShape] = plan.shapes;
    if let ([s], [layer]) = (shapes, &mut *layers) {
        if s.inputs == 1 && s.units == 1 && (8..=SMALL_GEMM).contains(&rows) {
            return one_unit_step(x, y, s.activation, plan, layer, t);
        }
    }
    for (l, s) in shapes.iter().enumerate() {
        let (done, rest) = acts.split_at_mut(l);
        let input = done.last().map_or(x, ActData::output);
        let ActData { z, nonlinear, .. } = &mut rest[0];
        let layer = &layers[l];
        matmul_slices(
            input,
            (rows, s.inputs),
            false,
            &layer.kernel.value,
            (s.inputs, s.units),
            false,
            z,
        );
        let bias = layer.bias.as_ref().map(|b| b.value.as_slice());
        let out = nonlinear.as_mut().map(|(a, _)| a.as_mut_slice());
        if bias.is_some() || out.is_some() {
            bias_activation_slices(z, s.units, bias, s.activation, out);
        }
    }
    let Some(out) = acts.last_mut() else {
        return f32::NAN;
    };
    let ActData { z, da, nonlinear } = out;
    let pred = nonlinear.as_ref().map_or(z.as_slice(), |(a, _)| a);
    let value = plan.loss.mean(pred, y);
    plan.loss.gradient(pred, y, da);
    for (l, s) in shapes.iter().enumerate().rev() {
        let (done, rest) = acts.split_at_mut(l);
        let ActData { z, da, nonlinear } = &mut rest[0];
        let dz: &[f32] = match nonlinear {
            Some((a, dz)) => {
                activation_backward_slices(da, z, a, s.activation, dz);
                dz
            }
            None => da,
        };
        let input = done.last().map_or(x, ActData::output);
        let layer = &mut layers[l];
        matmul_slices(
            input,
            (rows, s.inputs),
            true,
            dz,
            (rows, s.units),
            false,
            &mut layer.kernel.grad,
        );
        if let Some(b) = &mut layer.bias {
            column_sums_slices(dz, s.units, &mut b.grad);
        }
        if let Some(prev) = done.last_mut() {
            matmul_slices(
                dz,
                (rows, s.units),
                false,
                &layer.kernel.value,
                (s.inputs, s.units),
                true,
                &mut prev.da,
            );
        }
    }
    for layer in layers {
        for p in std::iter::once(&mut layer.kernel).chain(layer.bias.as_mut()) {
            update_slices(plan.update, &mut p.value, &p.grad, &mut p.slots, t);
        }
    }
    value
}

/// [`step`] for one `Dense(1)` on one input (the tutorial's model) in one pass over the batch:
/// the forward pass, the loss and its gradient, and the gradient sums, element by element. The
/// sums keep the kernels' lanes (the loss's four in `f64`, the products' and the bias's eight)
/// and their tails, so the bits are those of the kernels run one after another. Needs at least
/// 8 rows (fewer take the products' one-row path) and at most [`SMALL_GEMM`].
fn one_unit_step(
    x: &[f32],
    y: &[f32],
    act: Activation,
    plan: &StepPlan<'_>,
    layer: &mut LayerData,
    t: u64,
) -> f32 {
    let (w, b) = (
        layer.kernel.value[0],
        layer.bias.as_ref().map(|b| b.value[0]),
    );
    let sums = match (act, plan.loss) {
        (Activation::Linear, Loss::Mse) => {
            one_unit_pass(x, y, w, b, |z| (z, 1.0), |e| (e * e, 2.0 * e))
        }
        (act, loss) => one_unit_pass(
            x,
            y,
            w,
            b,
            |z| {
                let a = act.forward(z);
                (a, act.derivative(z, a))
            },
            |e| (loss.element(e), loss.element_grad(e)),
        ),
    };
    layer.kernel.grad[0] = sums.1;
    update_slices(
        plan.update,
        &mut layer.kernel.value,
        &layer.kernel.grad,
        &mut layer.kernel.slots,
        t,
    );
    if let Some(bias) = &mut layer.bias {
        bias.grad[0] = sums.2;
        update_slices(plan.update, &mut bias.value, &bias.grad, &mut bias.slots, t);
    }
    sums.0
}

/// The pass of [`one_unit_step`]: `act(z)` gives the activation and its derivative, `loss(e)`
/// the loss of `e = a - y` and its derivative. Returns the mean loss and the kernel's and the
/// bias's gradients.
#[inline(always)]
fn one_unit_pass(
    x: &[f32],
    y: &[f32],
    w: f32,
    b: Option<f32>,
    act: impl Fn(f32) -> (f32, f32),
    loss: impl Fn(f32) -> (f32, f32),
) -> (f32, f32, f32) {
    let n = x.len();
    let scale = 1.0 / n.max(1) as f32;
    // One element: its loss, its contribution to the kernel's gradient, and dz.
    let element = |x: f32, y: f32| {
        let z = match b {
            Some(b) => x * w + b,
            None => x * w,
        };
        let (a, da_dz) = act(z);
        let (l, dl) = loss(a - y);
        let dz = (dl * scale) * da_dz;
        (l as f64, x * dz, dz)
    };
    let (mut loss4, mut dot8, mut sum8) = ([0.0f64; 4], [0.0f32; 8], [0.0f32; 8]);
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (xs, ys) in xc.zip(yc) {
        for l in 0..8 {
            let (e, p, d) = element(xs[l], ys[l]);
            loss4[l % 4] += e;
            dot8[l] += p;
            sum8[l] += d;
        }
    }
    // The tails: the loss's lanes take a last group of four, the rest is summed in order.
    let (mut loss_tail, mut dot_tail, mut sum_tail) = (-0.0f64, -0.0f32, -0.0f32);
    let lanes4 = n / 4 * 4 - (n - xr.len());
    for (i, (x, y)) in xr.iter().zip(yr).enumerate() {
        let (e, p, d) = element(*x, *y);
        if i < lanes4 {
            loss4[i] += e;
        } else {
            loss_tail += e;
        }
        dot_tail += p;
        sum_tail += d;
    }
    let lanes = |a: [f32; 8]| ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    let loss_sum = (loss4[0] + loss4[2]) + (loss4[1] + loss4[3]) + loss_tail;
    (
        (loss_sum / n.max(1) as f64) as f32,
        lanes(dot8) + dot_tail,
        lanes(sum8) + sum_tail,
    )
}
