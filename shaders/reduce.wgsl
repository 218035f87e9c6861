// Reductions: column sums (bias gradients) and the mean loss with its gradient.
// Each output is summed by one workgroup in a fixed order, so results are deterministic from
// run to run.

struct Params {
    // column_sums: rows, cols. loss: number of elements, loss code, flags, log length.
    a: u32,
    b: u32,
    // bit 0: write the gradient; bit 1: the log index comes from (and advances) the cursor.
    flags: u32,
    log_len: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;
@group(0) @binding(3) var<storage, read> y_pred: array<f32>;
@group(0) @binding(4) var<storage, read> y_true: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss_log: array<f32>;
// A counter: two u32 words, low then high (a log index fits the low word).
@group(0) @binding(6) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(7) var<storage, read_write> grad: array<f32>;

var<workgroup> part: array<f32, 256>;

// sums[j] = Σᵢ m[i, j] for 16 columns per workgroup: 16 row lanes per column each add every
// 16th row (four independent chains, so loads overlap), then a tree over the lanes in a fixed
// order. Consecutive invocations read consecutive columns.
@compute @workgroup_size(16, 16)
fn column_sums(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let rows = p.a;
    let cols = p.b;
    let j = wid.x * 16u + lid.x;
    let lane = lid.y;
    var s0 = 0.0;
    var s1 = 0.0;
    var s2 = 0.0;
    var s3 = 0.0;
    if (j < cols) {
        var i = lane;
        while (i + 48u < rows) {
            s0 += m[i * cols + j];
            s1 += m[(i + 16u) * cols + j];
            s2 += m[(i + 32u) * cols + j];
            s3 += m[(i + 48u) * cols + j];
            i += 64u;
        }
        while (i < rows) {
            s0 += m[i * cols + j];
            i += 16u;
        }
    }
    part[lane * 16u + lid.x] = (s0 + s1) + (s2 + s3);
    workgroupBarrier();
    for (var half = 8u; half > 0u; half >>= 1u) {
        if (lane < half) {
            part[lane * 16u + lid.x] += part[(lane + half) * 16u + lid.x];
        }
        workgroupBarrier();
    }
    if (lane == 0u && j < cols) {
        sums[j] = part[lid.x];
    }
}

// The same for fewer than 16 columns (a bias of one unit): one workgroup per column, its 256
// invocations each adding every 256th row, then a tree.
@compute @workgroup_size(256)
fn column_sum_narrow(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
) {
    let rows = p.a;
    let cols = p.b;
    let j = wid.x;
    var s = 0.0;
    for (var i = t; i < rows; i += 256u) {
        s += m[i * cols + j];
    }
    part[t] = s;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half >>= 1u) {
        if (t < half) {
            part[t] += part[t + half];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        sums[j] = part[0];
    }
}

const LOSS_MSE: u32 = 0u;
const LOSS_MAE: u32 = 1u;
const HUBER_DELTA: f32 = 1.0;

fn loss_element(code: u32, e: f32) -> f32 {
    switch code {
        case LOSS_MSE: { return e * e; }
        case LOSS_MAE: { return abs(e); }
        default: {
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
        default: { return clamp(e, -HUBER_DELTA, HUBER_DELTA); }
    }
}

var<workgroup> partial: array<f32, 256>;

// One workgroup: strided partial sums, then a tree; invocation 0 writes the mean to
// log[cursor] and advances the cursor.
@compute @workgroup_size(256)
fn loss(@builtin(local_invocation_index) t: u32) {
    let len = p.a;
    let code = p.b;
    let scale = 1.0 / f32(len);
    var s = 0.0;
    for (var i = t; i < len; i += 256u) {
        let e = y_pred[i] - y_true[i];
        s += loss_element(code, e);
        if ((p.flags & 1u) != 0u) {
            grad[i] = loss_element_grad(code, e) * scale;
        }
    }
    partial[t] = s;
    workgroupBarrier();
    for (var width = 128u; width > 0u; width >>= 1u) {
        if (t < width) {
            partial[t] += partial[t + width];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        var index = 0u;
        if ((p.flags & 2u) != 0u) {
            index = cursor[0];
            cursor[0] = index + 1u;
        }
        if (index < p.log_len) {
            loss_log[index] = partial[0] / f32(max(len, 1u));
        }
    }
}
