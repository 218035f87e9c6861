//! The CPU backend: every operation runs at once on the host, over ndarray and plain loops.
//!
//! Each operation is a kernel over plain slices. The engine's training steps run through
//! [`Backend::run_steps`]: the plan is checked once per run with the operations' own checks,
//! its buffers are taken out of the arena, and each step calls the same kernels in the same
//! order as the recorded operations would, so the results are equal bit for bit.

mod steps;

use super::plan::StepPlan;
use super::{check, Backend, BackendKind, Buf, Counter, Counters};
use crate::activation::Activation;
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
        self.run_whole_steps(plan, first, steps)
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
