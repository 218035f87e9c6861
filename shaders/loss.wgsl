// The mean loss with its gradient, summed by one workgroup in a fixed order so that results
// are deterministic from run to run.

// `LossParams` in src/backend/gpu/params.rs.
struct Params {
    len: u32,
    // A `LOSS_*` code.
    loss: u32,
    // 1 to write the gradient.
    write_grad: u32,
    // 1 when the log index comes from (and advances) the cursor; else it is 0.
    use_cursor: u32,
    log_len: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y_pred: array<f32>;
@group(0) @binding(2) var<storage, read> y_true: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss_log: array<f32>;
// A counter: two u32 words, low then high (a log index fits the low word).
@group(0) @binding(4) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(5) var<storage, read_write> grad: array<f32>;

fn loss_element(code: u32, e: f32) -> f32 {
    switch code {
        case LOSS_MSE: { return e * e; }
        case LOSS_MAE: { return abs(e); }
        case LOSS_HUBER, default: {
            let a = abs(e);
            if (a <= HUBER_DELTA) {
                return 0.5 * e * e;
            }
            return HUBER_DELTA * a - 0.5 * HUBER_DELTA * HUBER_DELTA;
        }
    }
}

fn loss_element_grad(code: u32, e: f32) -> f32 {
    switch code {
        case LOSS_MSE: { return 2.0 * e; }
        // Keras differentiates |y - ŷ| and jax's derivative of |u| at 0 is +1: at a tie -1.
        case LOSS_MAE: { return select(-1.0, 1.0, e > 0.0); }
        case LOSS_HUBER, default: { return clamp(e, -HUBER_DELTA, HUBER_DELTA); }
    }
}

var<workgroup> partial: array<f32, WORKGROUP>;

// The tree below halves WORKGROUP down to 1.
const_assert 0u == (WORKGROUP & (WORKGROUP - 1u));

// One workgroup: strided partial sums, then a tree; invocation 0 writes the mean to
// log[cursor] and advances the cursor.
@compute @workgroup_size(WORKGROUP)
fn loss(@builtin(local_invocation_index) t: u32) {
    let scale = 1.0 / f32(p.len);
    var s = 0.0;
    for (var i = t; i < p.len; i += WORKGROUP) {
        let e = y_pred[i] - y_true[i];
        s += loss_element(p.loss, e);
        if (p.write_grad != 0u) {
            grad[i] = loss_element_grad(p.loss, e) * scale;
        }
    }
    partial[t] = s;
    workgroupBarrier();
    for (var width = WORKGROUP / 2u; width > 0u; width >>= 1u) {
        if (t < width) {
            partial[t] += partial[t + width];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        var index = 0u;
        if (p.use_cursor != 0u) {
            index = cursor[0];
            cursor[0] = index + 1u;
        }
        if (index < p.log_len) {
            loss_log[index] = partial[0] / f32(max(p.len, 1u));
        }
    }
}
