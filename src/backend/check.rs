//! Shape and aliasing checks shared by the backends, so that both refuse the same calls with
//! the same messages. Each takes the backend's shape lookup.

use super::Buf;
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::optim::Coefficients;

/// A backend's shape lookup: `(rows, cols)` of a buffer, or an error if it does not exist.
/// Generic rather than `dyn`, so the checks inline into each operation (they run every step).
pub(crate) trait Dims: Fn(Buf) -> Result<(usize, usize)> {}
impl<F: Fn(Buf) -> Result<(usize, usize)>> Dims for F {}

/// Requires `a` and `b` to have the same shape.
pub(crate) fn same_shape(dims: &impl Dims, op: &str, a: Buf, b: Buf) -> Result<()> {
    let (sa, sb) = (dims(a)?, dims(b)?);
    if sa != sb {
        return Err(Error::shapes(op, sa, sb));
    }
    Ok(())
}

/// Requires the output not to be one of the inputs.
pub(crate) fn distinct(op: &str, out: Buf, inputs: &[Buf]) -> Result<()> {
    if inputs.contains(&out) {
        return Err(Error::Backend(format!(
            "{op}: buffer {} is both an input and the output",
            out.0
        )));
    }
    Ok(())
}

/// Checks `out = op(a) · op(b)`; returns `(m, k, n)`.
pub(crate) fn matmul(
    dims: &impl Dims,
    a: Buf,
    trans_a: bool,
    b: Buf,
    trans_b: bool,
    out: Buf,
) -> Result<(usize, usize, usize)> {
    let (ar, ac) = dims(a)?;
    let (br, bc) = dims(b)?;
    let (m, k) = if trans_a { (ac, ar) } else { (ar, ac) };
    let (k2, n) = if trans_b { (bc, br) } else { (br, bc) };
    if k != k2 {
        return Err(Error::shapes("matmul", (m, k), (k2, n)));
    }
    let od = dims(out)?;
    if od != (m, n) {
        return Err(Error::shapes("matmul (output)", od, (m, n)));
    }
    distinct("matmul", out, &[a, b])?;
    Ok((m, k, n))
}

/// Checks `z += bias; out = act(z)` (in place when `out == z`, which needs a linear
/// activation); returns the shape of `z`.
pub(crate) fn bias_activation(
    dims: &impl Dims,
    z: Buf,
    bias: Option<Buf>,
    act: Activation,
    out: Buf,
) -> Result<(usize, usize)> {
    let (rows, units) = dims(z)?;
    if let Some(b) = bias {
        let bd = dims(b)?;
        if bd != (1, units) {
            return Err(Error::shapes(
                "bias_activation (z vs bias)",
                (rows, units),
                bd,
            ));
        }
        distinct("bias_activation", z, &[b])?;
        distinct("bias_activation", out, &[b])?;
    }
    if out == z {
        if act != Activation::Linear {
            return Err(Error::Backend(
                "bias_activation in place needs a linear activation".into(),
            ));
        }
    } else {
        same_shape(dims, "bias_activation (z vs out)", z, out)?;
    }
    Ok((rows, units))
}

/// Checks `out = grad ⊙ act'(z)`.
pub(crate) fn activation_backward(
    dims: &impl Dims,
    grad: Buf,
    z: Buf,
    a: Buf,
    out: Buf,
) -> Result<()> {
    same_shape(dims, "activation_backward (grad vs z)", grad, z)?;
    same_shape(dims, "activation_backward (grad vs a)", grad, a)?;
    same_shape(dims, "activation_backward (grad vs out)", grad, out)?;
    distinct("activation_backward", out, &[grad, z, a])
}

/// Checks the loss's operands: matching shapes, no output (log, gradient) that is also an
/// input or the other output, and room in the log at `index` (the cursor's value, or 0).
pub(crate) fn loss(
    dims: &impl Dims,
    y_pred: Buf,
    y_true: Buf,
    grad: Option<Buf>,
    out: Buf,
    index: u64,
) -> Result<()> {
    same_shape(dims, "loss (y_pred vs y_true)", y_pred, y_true)?;
    if let Some(g) = grad {
        same_shape(dims, "loss (y_pred vs gradient)", y_pred, g)?;
        distinct("loss (gradient)", g, &[y_pred, y_true, out])?;
    }
    distinct("loss (log)", out, &[y_pred, y_true])?;
    let (r, c) = dims(out)?;
    log_has_room(index, r * c)
}

/// Requires the loss log to have room at `index`.
fn log_has_room(index: u64, out_len: usize) -> Result<()> {
    if index >= out_len as u64 {
        return Err(Error::Backend(format!(
            "loss log is full ({out_len} entries); read it before running more steps"
        )));
    }
    Ok(())
}

/// Checks `out[0, j] = Σᵢ m[i, j]`; returns the shape of `m`.
pub(crate) fn column_sums(dims: &impl Dims, m: Buf, out: Buf) -> Result<(usize, usize)> {
    let (rows, cols) = dims(m)?;
    let od = dims(out)?;
    if od != (1, cols) {
        return Err(Error::shapes(
            "column_sums (input vs output)",
            (rows, cols),
            od,
        ));
    }
    distinct("column_sums", out, &[m])?;
    Ok((rows, cols))
}

/// Checks an optimizer update of `param` from `grad` with its state `slots`.
pub(crate) fn apply_gradient(
    dims: &impl Dims,
    update: &Coefficients,
    param: Buf,
    grad: Buf,
    slots: &[Buf],
) -> Result<()> {
    same_shape(dims, "apply_gradient (param vs grad)", param, grad)?;
    if slots.len() != update.slots() {
        return Err(Error::Backend(format!(
            "the {:?} update needs {} state arrays, got {}",
            update.rule,
            update.slots(),
            slots.len()
        )));
    }
    for s in slots {
        same_shape(dims, "apply_gradient (param vs optimizer state)", param, *s)?;
    }
    // Every buffer written (the parameter and its slots) is distinct from every other operand.
    let written: Vec<Buf> = std::iter::once(param)
        .chain(slots.iter().copied())
        .collect();
    for (i, w) in written.iter().enumerate() {
        let others: Vec<Buf> = std::iter::once(grad)
            .chain(
                written
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, b)| *b),
            )
            .collect();
        distinct("apply_gradient", *w, &others)?;
    }
    Ok(())
}
