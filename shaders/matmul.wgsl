// out = op(a) · op(b), op transposing when TRANS_A / TRANS_B (pipeline constants) are set.
// Each workgroup of 16×16 invocations computes a 64×64 tile of `out`, each invocation a 4×4
// block held in registers; K advances 16 at a time through workgroup memory. Loads outside
// the matrices read 0 and stores outside are skipped, so any size works.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    pad: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const TILE: u32 = 64u;
const KT: u32 = 16u;

// a_tile[kk * 16 + r / 4][r % 4] = op(a)[row0 + r, k0 + kk]: a vec4 holds 4 rows, so one load
// feeds one invocation's 4 rows. b_tile likewise holds 4 columns per vec4.
var<workgroup> a_tile: array<vec4<f32>, 256>;
var<workgroup> b_tile: array<vec4<f32>, 256>;

fn load_a(row: u32, kk: u32) -> f32 {
    if (row >= p.m || kk >= p.k) {
        return 0.0;
    }
    if (TRANS_A) {
        return a[kk * p.m + row];
    }
    return a[row * p.k + kk];
}

fn load_b(kk: u32, col: u32) -> f32 {
    if (kk >= p.k || col >= p.n) {
        return 0.0;
    }
    if (TRANS_B) {
        return b[col * p.k + kk];
    }
    return b[kk * p.n + col];
}

@compute @workgroup_size(16, 16)
fn matmul(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let tx = lid.x;
    let ty = lid.y;
    let tid = ty * 16u + tx;
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = 0u; k0 < p.k; k0 += KT) {
        // 64×16 values of each operand, 4 per invocation, consecutive invocations reading
        // consecutive addresses of the stored (possibly transposed) matrix.
        for (var l = 0u; l < 4u; l++) {
            let idx = tid + l * 256u;
            var r: u32;
            var c: u32;
            if (TRANS_A) {
                c = idx / TILE;
                r = idx % TILE;
            } else {
                r = idx / KT;
                c = idx % KT;
            }
            a_tile[c * 16u + r / 4u][r % 4u] = load_a(row0 + r, k0 + c);
            var kk: u32;
            var col: u32;
            if (TRANS_B) {
                col = idx / KT;
                kk = idx % KT;
            } else {
                kk = idx / TILE;
                col = idx % TILE;
            }
            b_tile[kk * 16u + col / 4u][col % 4u] = load_b(k0 + kk, col0 + col);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < KT; kk++) {
            let av = a_tile[kk * 16u + ty];
            let bv = b_tile[kk * 16u + tx];
            acc0 += av.x * bv;
            acc1 += av.y * bv;
            acc2 += av.z * bv;
            acc3 += av.w * bv;
        }
        workgroupBarrier();
    }
    let col = col0 + tx * 4u;
    let row = row0 + ty * 4u;
    store_row(row, col, acc0);
    store_row(row + 1u, col, acc1);
    store_row(row + 2u, col, acc2);
    store_row(row + 3u, col, acc3);
}

fn store_row(row: u32, col: u32, v: vec4<f32>) {
    if (row >= p.m) {
        return;
    }
    let base = row * p.n;
    for (var j = 0u; j < 4u; j++) {
        if (col + j < p.n) {
            out[base + col + j] = v[j];
        }
    }
}
