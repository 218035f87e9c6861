// Shared by the element-wise kernels: the activations of src/activation.rs (the `ACT_*` codes
// and their constants come from the generated prelude; same formulas as the CPU) and the
// float32 special functions WGSL lacks.

// 1/√(2π), the literal of the CPU's GELU derivative (1/√2 comes from the prelude).
const FRAC_1_SQRT_2PI: f32 = 0.3989423;

// The index of this invocation in a 1-D range laid out on a 2-D grid of WORKGROUP-wide
// workgroups (a grid dimension holds at most 65535 workgroups).
fn flat_index(wid: vec3<u32>, lid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return (wid.y * groups.x + wid.x) * WORKGROUP + lid.x;
}

// exp(x) - 1 without cancellation near 0 (Taylor series below |x| = 0.5, error < 3e-10).
fn expm1_f32(x: f32) -> f32 {
    if (abs(x) < 0.5) {
        return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0
            + x * (1.0 / 720.0 + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x / 362880.0))))))));
    }
    return exp(x) - 1.0;
}

// log(1 + x) for x in [0, 1], as 2·atanh(x / (2 + x)); the series converges as 9⁻ⁿ.
fn log1p_unit(x: f32) -> f32 {
    let s = x / (2.0 + x);
    let s2 = s * s;
    return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0
        + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0 + s2 * (1.0 / 15.0 + s2 / 17.0))))))));
}

// tanh through expm1, so that small arguments keep their relative precision.
fn tanh_f32(x: f32) -> f32 {
    let a = abs(x);
    if (a > 9.0) {
        return sign(x);
    }
    let e = expm1_f32(2.0 * a);
    return sign(x) * (e / (e + 2.0));
}

fn sigmoid_f32(z: f32) -> f32 {
    return 1.0 / (1.0 + exp(-z));
}

// erf, ported from FreeBSD's s_erff.c (as Rust's libm::erff, which the CPU backend uses).
fn erfc_tail(x: f32, ix: u32) -> f32 {
    let s = 1.0 / (x * x);
    var r: f32;
    var big_s: f32;
    if (ix < 0x4036db6du) {
        r = -9.8649440333e-03 + s * (-6.9385856390e-01 + s * (-1.0558626175e+01 + s * (-6.2375331879e+01
            + s * (-1.6239666748e+02 + s * (-1.8460508728e+02 + s * (-8.1287437439e+01 + s * -9.8143291473e+00))))));
        big_s = 1.0 + s * (1.9651271820e+01 + s * (1.3765776062e+02 + s * (4.3456588745e+02 + s * (6.4538726807e+02
            + s * (4.2900814819e+02 + s * (1.0863500214e+02 + s * (6.5702495575e+00 + s * -6.0424413532e-02)))))));
    } else {
        r = -9.8649431020e-03 + s * (-7.9928326607e-01 + s * (-1.7757955551e+01 + s * (-1.6063638306e+02
            + s * (-6.3756646729e+02 + s * (-1.0250950928e+03 + s * -4.8351919556e+02)))));
        big_s = 1.0 + s * (3.0338060379e+01 + s * (3.2579251099e+02 + s * (1.5367296143e+03 + s * (3.1998581543e+03
            + s * (2.5530502930e+03 + s * (4.7452853394e+02 + s * -2.2440952301e+01))))));
    }
    let z = bitcast<f32>(bitcast<u32>(x) & 0xffffe000u);
    return exp(-z * z - 0.5625) * exp((z - x) * (z + x) + r / big_s) / x;
}

fn erf_f32(x: f32) -> f32 {
    let ix = bitcast<u32>(x) & 0x7fffffffu;
    let a = abs(x);
    if (ix < 0x3f580000u) {
        if (ix < 0x31800000u) {
            return 0.125 * (8.0 * x + 1.0270333290e+00 * x);
        }
        let z = x * x;
        let r = 1.2837916613e-01 + z * (-3.2504209876e-01 + z * (-2.8481749818e-02 + z * (-5.7702702470e-03
            + z * -2.3763017452e-05)));
        let s = 1.0 + z * (3.9791721106e-01 + z * (6.5022252500e-02 + z * (5.0813062117e-03
            + z * (1.3249473704e-04 + z * -3.9602282413e-06))));
        return x + x * (r / s);
    }
    var y: f32;
    if (ix < 0x3fa00000u) {
        let s = a - 1.0;
        let p = -2.3621185683e-03 + s * (4.1485610604e-01 + s * (-3.7220788002e-01 + s * (3.1834661961e-01
            + s * (-1.1089469492e-01 + s * (3.5478305072e-02 + s * -2.1663755178e-03)))));
        let q = 1.0 + s * (1.0642088205e-01 + s * (5.4039794207e-01 + s * (7.1828655899e-02
            + s * (1.2617121637e-01 + s * (1.3637083583e-02 + s * 1.1984500103e-02)))));
        y = 8.4506291151e-01 + p / q;
    } else if (ix < 0x40c00000u) {
        y = 1.0 - erfc_tail(a, ix);
    } else {
        y = 1.0;
    }
    return select(y, -y, x < 0.0);
}

fn act_forward(code: u32, z: f32) -> f32 {
    switch code {
        case ACT_RELU: { return select(0.0, z, z > 0.0); }
        case ACT_TANH: { return tanh_f32(z); }
        case ACT_SIGMOID: { return sigmoid_f32(z); }
        case ACT_ELU: { return select(expm1_f32(z), z, z > 0.0); }
        case ACT_SELU: { return select(SELU_SCALE * SELU_ALPHA * expm1_f32(z), SELU_SCALE * z, z > 0.0); }
        case ACT_SOFTPLUS: { return max(z, 0.0) + log1p_unit(exp(-abs(z))); }
        case ACT_SOFTSIGN: { return z / (1.0 + abs(z)); }
        case ACT_SWISH: { return z * sigmoid_f32(z); }
        case ACT_GELU: { return 0.5 * z * (1.0 + erf_f32(z * FRAC_1_SQRT_2)); }
        case ACT_RELU6: { return clamp(z, 0.0, 6.0); }
        case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE * z, z, z >= 0.0); }
        case ACT_HARD_SIGMOID: { return clamp(z + 3.0, 0.0, 6.0) / 6.0; }
        case ACT_LINEAR, default: { return z; }
    }
}

// f'(z), given the pre-activation z and the activation a = f(z).
fn act_derivative(code: u32, z: f32, a: f32) -> f32 {
    switch code {
        case ACT_RELU: { return select(0.0, 1.0, z > 0.0); }
        case ACT_TANH: { return 1.0 - a * a; }
        case ACT_SIGMOID: { return a * (1.0 - a); }
        case ACT_ELU: { return select(a + 1.0, 1.0, z > 0.0); }
        case ACT_SELU: { return select(a + SELU_SCALE * SELU_ALPHA, SELU_SCALE, z > 0.0); }
        case ACT_SOFTPLUS: { return sigmoid_f32(z); }
        case ACT_SOFTSIGN: {
            let d = 1.0 + abs(z);
            return 1.0 / (d * d);
        }
        case ACT_SWISH: {
            let s = sigmoid_f32(z);
            return s + z * s * (1.0 - s);
        }
        case ACT_GELU: {
            let cdf = 0.5 * (1.0 + erf_f32(z * FRAC_1_SQRT_2));
            let pdf = exp(-0.5 * z * z) * FRAC_1_SQRT_2PI;
            return cdf + z * pdf;
        }
        case ACT_RELU6: { return select(0.0, 1.0, z > 0.0 && z < 6.0); }
        case ACT_LEAKY_RELU: { return select(LEAKY_SLOPE, 1.0, z >= 0.0); }
        case ACT_HARD_SIGMOID: { return select(0.0, 1.0, z > -3.0 && z < 3.0) / 6.0; }
        case ACT_LINEAR, default: { return 1.0; }
    }
}
