// Column sums (bias gradients). Each output is summed by one workgroup in a fixed order, so
// results are deterministic from run to run.

// `ColumnSumsParams` in src/backend/gpu/params.rs.
struct Params {
    rows: u32,
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

// Row lanes per column in column_sums (a power of two).
const LANES: u32 = 16u;

var<workgroup> part: array<f32, COLUMN_SUMS_WIDTH * LANES>;
var<workgroup> narrow_part: array<f32, WORKGROUP>;

// sums[j] = Σᵢ m[i, j] for COLUMN_SUMS_WIDTH columns per workgroup: LANES row lanes per column
// each add every LANES-th row (four independent chains, so loads overlap), then a tree over
// the lanes in a fixed order. Consecutive invocations read consecutive columns.
@compute @workgroup_size(COLUMN_SUMS_WIDTH, LANES)
fn column_sums(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let rows = p.rows;
    let cols = p.cols;
    let j = wid.x * COLUMN_SUMS_WIDTH + lid.x;
    let lane = lid.y;
    var s0 = 0.0;
    var s1 = 0.0;
    var s2 = 0.0;
    var s3 = 0.0;
    if (j < cols) {
        var i = lane;
        while (i + 3u * LANES < rows) {
            s0 += m[i * cols + j];
            s1 += m[(i + LANES) * cols + j];
            s2 += m[(i + 2u * LANES) * cols + j];
            s3 += m[(i + 3u * LANES) * cols + j];
            i += 4u * LANES;
        }
        while (i < rows) {
            s0 += m[i * cols + j];
            i += LANES;
        }
    }
    part[lane * COLUMN_SUMS_WIDTH + lid.x] = (s0 + s1) + (s2 + s3);
    workgroupBarrier();
    for (var half = LANES / 2u; half > 0u; half >>= 1u) {
        if (lane < half) {
            part[lane * COLUMN_SUMS_WIDTH + lid.x] += part[(lane + half) * COLUMN_SUMS_WIDTH + lid.x];
        }
        workgroupBarrier();
    }
    if (lane == 0u && j < cols) {
        sums[j] = part[lid.x];
    }
}

// The tree below halves WORKGROUP down to 1.
const_assert 0u == (WORKGROUP & (WORKGROUP - 1u));

// The same for fewer than COLUMN_SUMS_WIDTH columns (a bias of one unit): one workgroup per
// column, its invocations each adding every WORKGROUP-th row, then a tree.
@compute @workgroup_size(WORKGROUP)
fn column_sum_narrow(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
) {
    let rows = p.rows;
    let cols = p.cols;
    let j = wid.x;
    var s = 0.0;
    for (var i = t; i < rows; i += WORKGROUP) {
        s += m[i * cols + j];
    }
    narrow_part[t] = s;
    workgroupBarrier();
    for (var half = WORKGROUP / 2u; half > 0u; half >>= 1u) {
        if (t < half) {
            narrow_part[t] += narrow_part[t + half];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        sums[j] = narrow_part[0];
    }
}
