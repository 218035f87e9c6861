// Adds the K slices that matmul_large wrote with SPLIT_K (matmul.wgsl).

// `SumSplitsParams` in src/backend/gpu/params.rs.
struct Params {
    // m·n, the values of each slice.
    len: u32,
    slices: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> parts: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// out[i] = Σ_s parts[s·len + i], slices in order; one invocation per output value (folded onto
// a 2-D grid).
@compute @workgroup_size(WORKGROUP)
fn sum_splits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.y * nw.x * WORKGROUP + gid.x;
    if (i >= p.len) {
        return;
    }
    var s = 0.0;
    for (var z = 0u; z < p.slices; z++) {
        s += parts[z * p.len + i];
    }
    out[i] = s;
}
