//! The CPU's whole training steps ([`Backend::run_steps`]): the plan is checked once with the
//! operations' own checks, its buffers are taken out of the arena, and each step calls the
//! operations' kernels in the order the engine records them, so the bits are the same.

use super::{
    activation_backward_slices, bias_activation_slices, check, column_sums_slices, matmul_slices,
    update_slices, CpuBackend, SMALL_GEMM,
};
use crate::activation::Activation;
use crate::backend::plan::{LayerShape, ParamBufs, StepPlan};
use crate::backend::{Backend, Buf};
use crate::error::{Error, Result};
use crate::loss::Loss;

impl CpuBackend {
    /// [`Backend::run_steps`] on this backend.
    pub(super) fn run_whole_steps(
        &mut self,
        plan: &StepPlan<'_>,
        first: usize,
        steps: usize,
    ) -> Result<()> {
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
        let tutorial = s.activation == Activation::Linear && plan.loss == Loss::Mse;
        if tutorial && s.inputs == 1 && s.units == 1 && (8..=SMALL_GEMM).contains(&rows) {
            return one_unit_step(x, y, plan, layer, t);
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

/// [`step`] for the tutorial's model (one linear `Dense(1)` on one input, MSE) in one pass
/// over the batch: the forward pass, the loss and its gradient, and the gradient sums, element
/// by element. The sums keep the kernels' lanes (the loss's four in `f64`, the products' and
/// the bias's eight) and their tails, so the bits are those of the kernels run one after
/// another. Needs at least 8 rows (fewer take the products' one-row path) and at most
/// [`SMALL_GEMM`].
fn one_unit_step(x: &[f32], y: &[f32], plan: &StepPlan<'_>, layer: &mut LayerData, t: u64) -> f32 {
    let (w, b) = (
        layer.kernel.value[0],
        layer.bias.as_ref().map(|b| b.value[0]),
    );
    let sums = one_unit_pass(x, y, w, b);
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

/// The pass of [`one_unit_step`]: the mean loss and the kernel's and the bias's gradients.
fn one_unit_pass(x: &[f32], y: &[f32], w: f32, b: Option<f32>) -> (f32, f32, f32) {
    let n = x.len();
    let scale = 1.0 / n.max(1) as f32;
    // One element: its loss, its contribution to the kernel's gradient, and dz.
    let element = |x: f32, y: f32| {
        let z = match b {
            Some(b) => x * w + b,
            None => x * w,
        };
        let e = z - y;
        let dz = 2.0 * e * scale;
        ((e * e) as f64, x * dz, dz)
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
