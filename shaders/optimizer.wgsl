// Optimizer updates with Keras 3's formulas (see src/optim.rs), and the iteration counter.

struct Params {
    len: u32,
    // 0: SGD, 1: SGD with momentum, 2: SGD with Nesterov momentum, 3: Adam.
    kind: u32,
    learning_rate: f32,
    momentum: f32,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> slot_m: array<f32>;
@group(0) @binding(4) var<storage, read_write> slot_v: array<f32>;
@group(0) @binding(5) var<storage, read> iterations: array<f32>;
@group(0) @binding(6) var<storage, read_write> counter: array<f32>;

// b^t for a whole t ≥ 0 by squaring: exact at t = 1, where Adam's 1 - βᵗ is most sensitive
// (WGSL's pow is exp2(t·log2 b), too coarse there).
fn pow_whole(b: f32, t: u32) -> f32 {
    var result = 1.0;
    var base = b;
    var e = t;
    loop {
        if (e == 0u) {
            break;
        }
        if ((e & 1u) != 0u) {
            result *= base;
        }
        base *= base;
        e >>= 1u;
    }
    return result;
}

@compute @workgroup_size(256)
fn apply_gradient(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = (wid.y * groups.x + wid.x) * 256u + lid.x;
    if (i >= p.len) {
        return;
    }
    let g = grad[i];
    let lr = p.learning_rate;
    switch p.kind {
        case 0u: {
            weights[i] -= g * lr;
        }
        case 1u, 2u: {
            let m = slot_m[i] * p.momentum - g * lr;
            slot_m[i] = m;
            if (p.kind == 2u) {
                weights[i] += m * p.momentum - g * lr;
            } else {
                weights[i] += m;
            }
        }
        default: {
            let t = u32(iterations[0]);
            let alpha = lr * sqrt(1.0 - pow_whole(p.beta_2, t)) / (1.0 - pow_whole(p.beta_1, t));
            let m = slot_m[i] + (g - slot_m[i]) * (1.0 - p.beta_1);
            let v = slot_v[i] + (g * g - slot_v[i]) * (1.0 - p.beta_2);
            slot_m[i] = m;
            slot_v[i] = v;
            weights[i] -= (m * alpha) / (sqrt(v) + p.epsilon);
        }
    }
}

@compute @workgroup_size(1)
fn increment() {
    counter[0] = counter[0] + 1.0;
}
