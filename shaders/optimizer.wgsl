// Optimizer updates with Keras 3's formulas (see src/optim.rs), and the iteration counter.

// `OptimizerParams` in src/backend/gpu/params.rs.
struct Params {
    len: u32,
    // A `RULE_*` code (`UpdateRule` in src/optim.rs).
    rule: u32,
    // `Coefficients` of src/optim.rs: the f32 constants derived as Keras derives them
    // (one_minus_* computed in double from the hyper-parameters, then rounded).
    learning_rate: f32,
    momentum: f32,
    beta_1: f32,
    beta_2: f32,
    one_minus_beta_1: f32,
    one_minus_beta_2: f32,
    rho: f32,
    one_minus_rho: f32,
    epsilon: f32,
    centered: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
// Optimizer state. SGD: s0 = momentum. Adam: s0 = m, s1 = v. RMSprop: s0 = velocity,
// s1 = momentum (when momentum > 0), s2 = average gradient (when centered).
@group(0) @binding(3) var<storage, read_write> s0: array<f32>;
@group(0) @binding(4) var<storage, read_write> s1: array<f32>;
@group(0) @binding(5) var<storage, read_write> s2: array<f32>;
// Counters: two u32 words, low then high.
@group(0) @binding(6) var<storage, read> iterations: array<u32>;
@group(0) @binding(7) var<storage, read_write> counter: array<u32>;

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

// β^t for the 1-based iteration in `iterations`; past 2³² iterations it is 0 for any β < 1.
fn power_at_iteration(b: f32) -> f32 {
    if (iterations[1] != 0u) {
        return 0.0;
    }
    return pow_whole(b, iterations[0]);
}

@compute @workgroup_size(WORKGROUP)
fn apply_gradient(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = (wid.y * groups.x + wid.x) * WORKGROUP + lid.x;
    if (i >= p.len) {
        return;
    }
    let g = grad[i];
    let lr = p.learning_rate;
    // The arithmetic of Keras' jitted step (src/optim.rs, `Coefficients::update`): XLA fuses
    // `a·b + c` into one multiply-add where a product feeds an addition.
    switch p.rule {
        case RULE_SGD: {
            weights[i] = fma(-g, lr, weights[i]);
        }
        case RULE_MOMENTUM, RULE_NESTEROV: {
            let step = -(g * lr);
            let m = fma(s0[i], p.momentum, step);
            s0[i] = m;
            if (p.rule == RULE_NESTEROV) {
                weights[i] += fma(m, p.momentum, step);
            } else {
                weights[i] += m;
            }
        }
        case RULE_ADAM: {
            let alpha = (lr * sqrt(1.0 - power_at_iteration(p.beta_2)))
                / (1.0 - power_at_iteration(p.beta_1));
            let m = fma(g - s0[i], p.one_minus_beta_1, s0[i]);
            let v = fma(fma(g, g, -s1[i]), p.one_minus_beta_2, s1[i]);
            s0[i] = m;
            s1[i] = v;
            weights[i] -= (m * alpha) / (sqrt(v) + p.epsilon);
        }
        case RULE_RMSPROP, default: {
            let velocity = fma(p.rho, s0[i], (g * g) * p.one_minus_rho);
            s0[i] = velocity;
            var denominator = velocity + p.epsilon;
            if (p.centered != 0u) {
                let average = fma(p.rho, s2[i], p.one_minus_rho * g);
                s2[i] = average;
                denominator = fma(-average, average, velocity) + p.epsilon;
            }
            // XLA's rsqrt is a CPU estimate refined once; WGSL's inverseSqrt is not that, so
            // the GPU divides by the square root, as Keras' source writes it.
            let increment = (lr * g) / sqrt(denominator);
            if (p.momentum > 0.0) {
                let m = fma(p.momentum, s1[i], increment);
                s1[i] = m;
                weights[i] -= m;
            } else {
                weights[i] -= increment;
            }
        }
    }
}

// Adds one to a counter, carrying into the high word.
@compute @workgroup_size(1)
fn increment() {
    let low = counter[0] + 1u;
    counter[0] = low;
    if (low == 0u) {
        counter[1] = counter[1] + 1u;
    }
}
