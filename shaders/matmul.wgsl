// out = op(a) · op(b), op transposing when TRANS_A / TRANS_B (pipeline constants) are set.
// Each workgroup of 16×16 invocations computes a MATMUL_TILE² (64×64) tile of `out`, each
// invocation a 4×4 block held in registers; K advances 16 at a time through workgroup memory.
// Loads outside the matrices read 0 and stores outside are skipped, so any size works.

// `MatmulParams` in src/backend/gpu/params.rs.
struct Params {
    m: u32,
    n: u32,
    k: u32,
    // matmul_large with SPLIT_K: workgroup z sums K range [z·k_chunk, (z+1)·k_chunk) into
    // slice z of `out` (m·n values each), which sum_splits.wgsl adds. Unused otherwise.
    k_chunk: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
// matmul_large only: sum a slice of K per workgroup z (see Params.k_chunk). A pipeline
// constant, so that the whole-K pipeline compiles without the slice bookkeeping (measured on an
// H200: with it left in at run time, 2048³ fell from 20.5 to 15.9 TFLOP/s).
override SPLIT_K: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// The tile sizes come from the prelude (the host sizes the grid with them); the code below is
// written for these values.
const_assert MATMUL_TILE == 16u * 4u;
const_assert MATMUL_TILE_LARGE == 16u * 8u;
const_assert MATMUL_LARGE_K_STEP == 8u;
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
    let row0 = wid.y * MATMUL_TILE;
    let col0 = wid.x * MATMUL_TILE;
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
                c = idx / MATMUL_TILE;
                r = idx % MATMUL_TILE;
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
                kk = idx / MATMUL_TILE;
                col = idx % MATMUL_TILE;
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
    store_row_at(0u, row, col, v);
}

fn store_row_at(slice: u32, row: u32, col: u32, v: vec4<f32>) {
    if (row >= p.m) {
        return;
    }
    let base = slice * p.m * p.n + row * p.n;
    for (var j = 0u; j < 4u; j++) {
        if (col + j < p.n) {
            out[base + col + j] = v[j];
        }
    }
}

// The same product for large outputs: each workgroup of 16×16 invocations computes a
// MATMUL_TILE_LARGE² (128×128) tile, each invocation an 8×8 block (rows ty·4.. and 64 + ty·4..,
// columns tx·4.. and 64 + tx·4..), so each value read from workgroup memory feeds twice the
// multiply-adds. K advances MATMUL_LARGE_K_STEP (8) at a time. Chosen when the output has
// enough large tiles to fill the device.

// big_a[kk * 32 + r / 4][r % 4] = op(a)[row0 + r, k0 + kk]; big_b likewise by columns.
var<workgroup> big_a: array<vec4<f32>, 256>;
var<workgroup> big_b: array<vec4<f32>, 256>;

@compute @workgroup_size(16, 16)
fn matmul_large(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let tx = lid.x;
    let ty = lid.y;
    let tid = ty * 16u + tx;
    let row0 = wid.y * MATMUL_TILE_LARGE;
    let col0 = wid.x * MATMUL_TILE_LARGE;
    // c<row block><row><column block>: rows ty*4 + row (+64 for row block 1), columns tx*4..
    // (+64 for column block 1).
    var c000 = vec4<f32>(0.0); var c001 = vec4<f32>(0.0);
    var c010 = vec4<f32>(0.0); var c011 = vec4<f32>(0.0);
    var c020 = vec4<f32>(0.0); var c021 = vec4<f32>(0.0);
    var c030 = vec4<f32>(0.0); var c031 = vec4<f32>(0.0);
    var c100 = vec4<f32>(0.0); var c101 = vec4<f32>(0.0);
    var c110 = vec4<f32>(0.0); var c111 = vec4<f32>(0.0);
    var c120 = vec4<f32>(0.0); var c121 = vec4<f32>(0.0);
    var c130 = vec4<f32>(0.0); var c131 = vec4<f32>(0.0);
    var k_begin = 0u;
    var k_end = p.k;
    if (SPLIT_K) {
        k_begin = wid.z * p.k_chunk;
        k_end = min(p.k, k_begin + p.k_chunk);
    }
    for (var k0 = k_begin; k0 < k_end; k0 += MATMUL_LARGE_K_STEP) {
        // 128×8 values of each operand, 4 per invocation, consecutive invocations reading
        // consecutive addresses of the stored (possibly transposed) matrix.
        for (var l = 0u; l < 4u; l++) {
            let idx = tid + l * 256u;
            var r: u32;
            var c: u32;
            if (TRANS_A) {
                c = idx / MATMUL_TILE_LARGE;
                r = idx % MATMUL_TILE_LARGE;
            } else {
                r = idx / MATMUL_LARGE_K_STEP;
                c = idx % MATMUL_LARGE_K_STEP;
            }
            var av = 0.0;
            if (!SPLIT_K || k0 + c < k_end) {
                av = load_a(row0 + r, k0 + c);
            }
            big_a[c * 32u + r / 4u][r % 4u] = av;
            var kk: u32;
            var col: u32;
            if (TRANS_B) {
                col = idx / MATMUL_LARGE_K_STEP;
                kk = idx % MATMUL_LARGE_K_STEP;
            } else {
                kk = idx / MATMUL_TILE_LARGE;
                col = idx % MATMUL_TILE_LARGE;
            }
            var bv = 0.0;
            if (!SPLIT_K || k0 + kk < k_end) {
                bv = load_b(k0 + kk, col0 + col);
            }
            big_b[kk * 32u + col / 4u][col % 4u] = bv;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < MATMUL_LARGE_K_STEP; kk++) {
            let a0 = big_a[kk * 32u + ty];
            let a1 = big_a[kk * 32u + 16u + ty];
            let b0 = big_b[kk * 32u + tx];
            let b1 = big_b[kk * 32u + 16u + tx];
            c000 += a0.x * b0; c001 += a0.x * b1;
            c010 += a0.y * b0; c011 += a0.y * b1;
            c020 += a0.z * b0; c021 += a0.z * b1;
            c030 += a0.w * b0; c031 += a0.w * b1;
            c100 += a1.x * b0; c101 += a1.x * b1;
            c110 += a1.y * b0; c111 += a1.y * b1;
            c120 += a1.z * b0; c121 += a1.z * b1;
            c130 += a1.w * b0; c131 += a1.w * b1;
        }
        workgroupBarrier();
    }
    let r0 = row0 + ty * 4u;
    let r1 = row0 + 64u + ty * 4u;
    let q0 = col0 + tx * 4u;
    let q1 = col0 + 64u + tx * 4u;
    let z = select(0u, wid.z, SPLIT_K);
    store_row_at(z, r0, q0, c000); store_row_at(z, r0, q1, c001);
    store_row_at(z, r0 + 1u, q0, c010); store_row_at(z, r0 + 1u, q1, c011);
    store_row_at(z, r0 + 2u, q0, c020); store_row_at(z, r0 + 2u, q1, c021);
    store_row_at(z, r0 + 3u, q0, c030); store_row_at(z, r0 + 3u, q1, c031);
    store_row_at(z, r1, q0, c100); store_row_at(z, r1, q1, c101);
    store_row_at(z, r1 + 1u, q0, c110); store_row_at(z, r1 + 1u, q1, c111);
    store_row_at(z, r1 + 2u, q0, c120); store_row_at(z, r1 + 2u, q1, c121);
    store_row_at(z, r1 + 3u, q0, c130); store_row_at(z, r1 + 3u, q1, c131);
}
