//! The CPU backend: every operation runs at once on the host, over ndarray and plain loops.

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
}

impl CpuBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
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
        for (i, row) in out.chunks_exact_mut(n).enumerate() {
            for (j, o) in row.iter_mut().enumerate() {
                let mut acc = 0.0f32;
                for p in 0..k {
                    acc += a[i * ai + p * ap] * b[p * bp + j * bj];
                }
                *o = acc;
            }
        }
    }
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
        let (m, k, n) = check::matmul(&|b| self.dims(b), a, trans_a, b, trans_b, out)?;
        let ((ar, ac), (br, bc)) = (self.dims(a)?, self.dims(b)?);
        self.with_out(out, |me, o| {
            let (ad, bd) = (me.data(a)?, me.data(b)?);
            if m * n * k <= SMALL_GEMM {
                small_gemm(ad, ac, trans_a, bd, bc, trans_b, (m, k, n), &mut o.data);
            } else {
                let av = view(ad, ar, ac, trans_a);
                let bv = view(bd, br, bc, trans_b);
                let mut ov = ArrayViewMut2::from_shape((m, n), &mut o.data).expect("slot shape");
                general_mat_mul(1.0, &av, &bv, 0.0, &mut ov);
            }
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
        if let Some(b) = bias {
            let bias = match self.data(b) {
                Ok(d) => d,
                Err(e) => {
                    self.put(z, zs);
                    return Err(e);
                }
            };
            for row in zs.data.chunks_exact_mut(units) {
                for (v, b) in row.iter_mut().zip(bias) {
                    *v += b;
                }
            }
        }
        let r = if out != z {
            match self.take(out) {
                Ok(mut o) => {
                    for (o, z) in o.data.iter_mut().zip(&zs.data) {
                        *o = act.forward(*z);
                    }
                    self.put(out, o);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        } else {
            Ok(())
        };
        self.put(z, zs);
        self.counters.dispatches += 1;
        r
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
            for i in 0..o.data.len() {
                o.data[i] = g[i] * act.derivative(zs[i], as_[i]);
            }
            Ok(())
        })
    }

    fn column_sums(&mut self, m: Buf, out: Buf) -> Result<()> {
        let (_, cols) = check::column_sums(&|b| self.dims(b), m, out)?;
        self.with_out(out, |me, o| {
            let data = me.data(m)?;
            if cols == 1 {
                o.data[0] = sum(data);
                return Ok(());
            }
            o.data.fill(0.0);
            for row in data.chunks_exact(cols) {
                for (s, v) in o.data.iter_mut().zip(row) {
                    *s += v;
                }
            }
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
            let mut views: Vec<&mut [f32]> =
                state.iter_mut().map(|s| s.data.as_mut_slice()).collect();
            update.update(&mut p.data, me.data(grad)?, &mut views, t);
            Ok(())
        });
        for (s, slot) in slots.iter().zip(state) {
            self.put(*s, slot);
        }
        r
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
