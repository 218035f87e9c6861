// Element-wise kernels over (rows, units) matrices; common.wgsl is prepended.

// `ElementwiseParams` in src/backend/gpu/params.rs.
struct Params {
    len: u32,
    units: u32,
    act: u32,
    // bias_activation: 1 to add the bias to z; 1 to write act(z) to `out` (0 when in place).
    add_bias: u32,
    write_out: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> z: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> grad: array<f32>;
@group(0) @binding(5) var<storage, read> z_in: array<f32>;
@group(0) @binding(6) var<storage, read> a_in: array<f32>;

// z += bias (broadcast over rows), then out = act(z).
@compute @workgroup_size(WORKGROUP)
fn bias_activation(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = flat_index(wid, lid, groups);
    if (i >= p.len) {
        return;
    }
    var v = z[i];
    if (p.add_bias != 0u) {
        v += bias[i % p.units];
        z[i] = v;
    }
    if (p.write_out != 0u) {
        out[i] = act_forward(p.act, v);
    }
}

// out = grad ⊙ act'(z).
@compute @workgroup_size(WORKGROUP)
fn activation_backward(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = flat_index(wid, lid, groups);
    if (i >= p.len) {
        return;
    }
    out[i] = grad[i] * act_derivative(p.act, z_in[i], a_in[i]);
}
