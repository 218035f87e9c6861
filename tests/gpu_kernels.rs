//! Every GPU kernel against the CPU backend, through the `Backend` trait, on sizes that are not
//! multiples of the workgroup sizes. Natively these run on any Vulkan/Metal/DX12 adapter,
//! including Mesa's lavapipe on a machine without a GPU.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::activation::Activation;
use nnplay::backend::cpu::CpuBackend;
use nnplay::backend::gpu::GpuBackend;
use nnplay::backend::{Backend, Buf, Counter};
use nnplay::error::Error;
use nnplay::loss::Loss;
use nnplay::optim::Optimizer;
use pollster::block_on;

mod common;

use common::gpu::{gpu, serial};

/// Deterministic values in `[lo, hi)` from the crate's seeded stream, so failures reproduce.
fn values(n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut rng = nnplay::rng::SeededRng::new(seed);
    (0..n)
        .map(|_| rng.uniform_in(lo as f64, hi as f64) as f32)
        .collect()
}

/// The same buffers on both backends.
struct Pair {
    cpu: CpuBackend,
    gpu: GpuBackend,
}

impl Pair {
    fn new() -> Pair {
        Pair {
            cpu: CpuBackend::new(),
            gpu: gpu(),
        }
    }

    fn alloc(&mut self, rows: usize, cols: usize, data: Option<&[f32]>) -> Buf {
        let c = self.cpu.alloc(rows, cols);
        let g = self.gpu.alloc(rows, cols);
        assert_eq!(c, g, "both backends hand out the same ids");
        if let Some(d) = data {
            self.cpu.write(c, d).unwrap();
            self.gpu.write(g, d).unwrap();
        }
        c
    }

    fn counter(&mut self) -> Counter {
        let c = self.cpu.alloc_counter();
        assert_eq!(
            c,
            self.gpu.alloc_counter(),
            "both backends hand out the same ids"
        );
        c
    }

    fn read(&mut self, bufs: &[Buf]) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        (
            block_on(self.cpu.read(bufs)).unwrap(),
            block_on(self.gpu.read(bufs)).unwrap(),
        )
    }

    /// Reads `bufs` from both and compares them element by element.
    fn check(&mut self, what: &str, bufs: &[Buf], rtol: f32, atol: f32) {
        let (c, g) = self.read(bufs);
        for (i, (c, g)) in c.iter().zip(&g).enumerate() {
            assert_close(&format!("{what} (buffer {i})"), g, c, rtol, atol);
        }
    }
}

fn assert_close(what: &str, got: &[f32], want: &[f32], rtol: f32, atol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g - w).abs() <= atol + rtol * w.abs() || (g.is_nan() && w.is_nan());
        assert!(ok, "{what}: element {i}: GPU {g} vs CPU {w}");
    }
}

const SIZES: [(usize, usize); 6] = [(1, 1), (1, 7), (7, 3), (63, 5), (65, 63), (257, 4)];

#[test]
fn matmul_matches_cpu_for_every_transpose_and_odd_size() {
    let _serial = serial();
    let mut p = Pair::new();
    let dims = [
        (1, 1, 1),
        (7, 7, 7),
        (63, 65, 7),
        (65, 63, 257),
        (257, 1, 65),
        (64, 16, 64),
        (300, 257, 129),
        // Enough 128×128 tiles (16 × 14) for the large-tile kernel, with ragged edges.
        (2000, 65, 1700),
        // Too few large tiles (5 × 6) but deep enough: two K slices (272 and 258 deep), added.
        (600, 530, 700),
    ];
    for (m, k, n) in dims {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let (ar, ac) = if ta { (k, m) } else { (m, k) };
            let (br, bc) = if tb { (n, k) } else { (k, n) };
            let a = p.alloc(ar, ac, Some(&values(ar * ac, 1, -1.0, 1.0)));
            let b = p.alloc(br, bc, Some(&values(br * bc, 2, -1.0, 1.0)));
            let out = p.alloc(m, n, None);
            p.cpu.matmul(a, ta, b, tb, out).unwrap();
            p.gpu.matmul(a, ta, b, tb, out).unwrap();
            // Sums of k products in another order (the CPU's GEMM blocks differently): the
            // absolute tolerance grows with k.
            p.check(
                &format!("matmul {m}x{k}x{n} trans_a={ta} trans_b={tb}"),
                &[out],
                1e-5,
                1e-6 * k as f32,
            );
            for buf in [a, b, out] {
                p.cpu.free(buf);
                p.gpu.free(buf);
            }
        }
    }
}

#[test]
fn matmul_rejects_mismatched_shapes_like_the_cpu() {
    let _serial = serial();
    let mut p = Pair::new();
    let a = p.alloc(3, 4, None);
    let b = p.alloc(5, 2, None);
    let out = p.alloc(3, 2, None);
    let c = p.cpu.matmul(a, false, b, false, out).unwrap_err();
    let g = p.gpu.matmul(a, false, b, false, out).unwrap_err();
    assert_eq!(c, g);
    assert!(matches!(g, Error::ShapeMismatch { .. }));
    let wrong_out = p.alloc(2, 2, None);
    let b = p.alloc(4, 2, None);
    assert_eq!(
        p.cpu.matmul(a, false, b, false, wrong_out).unwrap_err(),
        p.gpu.matmul(a, false, b, false, wrong_out).unwrap_err()
    );
}

#[test]
fn every_activation_forward_and_backward_matches_cpu() {
    let _serial = serial();
    let mut p = Pair::new();
    for (name, act) in Activation::ALL {
        for (rows, units) in SIZES {
            let n = rows * units;
            let z = p.alloc(rows, units, Some(&values(n, 3, -8.0, 8.0)));
            let bias = p.alloc(1, units, Some(&values(units, 4, -1.0, 1.0)));
            let a = p.alloc(rows, units, None);
            let grad = p.alloc(rows, units, Some(&values(n, 5, -2.0, 2.0)));
            let dz = p.alloc(rows, units, None);
            for b in [&mut p.cpu as &mut dyn DynBackend, &mut p.gpu] {
                b.bias_act(z, Some(bias), act, a);
                b.act_back(grad, z, a, act, dz);
            }
            p.check(&format!("{name} {rows}x{units}"), &[z, a, dz], 1e-5, 1e-6);
            // Without a bias.
            let a2 = p.alloc(rows, units, None);
            for b in [&mut p.cpu as &mut dyn DynBackend, &mut p.gpu] {
                b.bias_act(z, None, act, a2);
            }
            p.check(&format!("{name} {rows}x{units} no bias"), &[a2], 1e-5, 1e-6);
            for buf in [z, bias, a, grad, dz, a2] {
                p.cpu.free(buf);
                p.gpu.free(buf);
            }
        }
    }
}

/// The two element-wise calls, object-safe, so one loop drives both backends.
trait DynBackend {
    fn bias_act(&mut self, z: Buf, bias: Option<Buf>, act: Activation, out: Buf);
    fn act_back(&mut self, grad: Buf, z: Buf, a: Buf, act: Activation, out: Buf);
}

impl<B: Backend> DynBackend for B {
    fn bias_act(&mut self, z: Buf, bias: Option<Buf>, act: Activation, out: Buf) {
        self.bias_activation(z, bias, act, out).unwrap();
    }
    fn act_back(&mut self, grad: Buf, z: Buf, a: Buf, act: Activation, out: Buf) {
        self.activation_backward(grad, z, a, act, out).unwrap();
    }
}

#[test]
fn bias_in_place_and_its_errors_match_cpu() {
    let _serial = serial();
    let mut p = Pair::new();
    let z = p.alloc(65, 7, Some(&values(65 * 7, 6, -1.0, 1.0)));
    let bias = p.alloc(1, 7, Some(&values(7, 7, -1.0, 1.0)));
    p.cpu
        .bias_activation(z, Some(bias), Activation::Linear, z)
        .unwrap();
    p.gpu
        .bias_activation(z, Some(bias), Activation::Linear, z)
        .unwrap();
    p.check("bias in place", &[z], 0.0, 0.0);
    assert_eq!(
        p.cpu
            .bias_activation(z, Some(bias), Activation::Relu, z)
            .unwrap_err(),
        p.gpu
            .bias_activation(z, Some(bias), Activation::Relu, z)
            .unwrap_err()
    );
    let wrong = p.alloc(1, 6, None);
    assert_eq!(
        p.cpu
            .bias_activation(z, Some(wrong), Activation::Relu, z)
            .unwrap_err(),
        p.gpu
            .bias_activation(z, Some(wrong), Activation::Relu, z)
            .unwrap_err()
    );
}

#[test]
fn huge_element_counts_use_a_two_dimensional_grid() {
    let _serial = serial();
    // More than 65535 workgroups of 256: the grid folds onto a second dimension.
    let mut p = Pair::new();
    let (rows, units) = (65_536 + 3, 257);
    let z = p.alloc(rows, units, Some(&values(rows * units, 8, -1.0, 1.0)));
    let bias = p.alloc(1, units, Some(&values(units, 9, -1.0, 1.0)));
    let a = p.alloc(rows, units, None);
    p.cpu
        .bias_activation(z, Some(bias), Activation::Relu, a)
        .unwrap();
    p.gpu
        .bias_activation(z, Some(bias), Activation::Relu, a)
        .unwrap();
    p.check("relu over 16.8M elements", &[a], 0.0, 0.0);
}

#[test]
fn column_sums_match_cpu() {
    let _serial = serial();
    // Both backends add each column in their own fixed order (row lanes and a tree on the GPU,
    // several accumulators on the CPU), so the tolerance grows with the rows. Sizes cover the
    // narrow kernel (under 16 columns) and the wide one.
    let mut p = Pair::new();
    for (rows, cols) in SIZES.into_iter().chain([(1000, 1), (3, 300)]) {
        let m = p.alloc(rows, cols, Some(&values(rows * cols, 10, -1.0, 1.0)));
        let out = p.alloc(1, cols, None);
        p.cpu.column_sums(m, out).unwrap();
        p.gpu.column_sums(m, out).unwrap();
        p.check(
            &format!("column sums {rows}x{cols}"),
            &[out],
            1e-5,
            2e-6 * (rows as f32).sqrt(),
        );
    }
    let m = p.alloc(4, 3, None);
    let out = p.alloc(1, 4, None);
    assert_eq!(
        p.cpu.column_sums(m, out).unwrap_err(),
        p.gpu.column_sums(m, out).unwrap_err()
    );
}

#[test]
fn every_loss_matches_cpu_with_and_without_gradient_and_cursor() {
    let _serial = serial();
    let mut p = Pair::new();
    for loss in [Loss::Mse, Loss::Mae, Loss::Huber] {
        for (rows, cols) in SIZES.into_iter().chain([(1000, 1)]) {
            let n = rows * cols;
            let pred = p.alloc(rows, cols, Some(&values(n, 11, -3.0, 3.0)));
            let truth = p.alloc(rows, cols, Some(&values(n, 12, -3.0, 3.0)));
            let grad = p.alloc(rows, cols, None);
            let log = p.alloc(1, 4, None);
            let cursor = p.counter();
            let single = p.alloc(1, 1, None);
            for _ in 0..3 {
                p.cpu
                    .loss(pred, truth, loss, Some(grad), log, Some(cursor))
                    .unwrap();
                p.gpu
                    .loss(pred, truth, loss, Some(grad), log, Some(cursor))
                    .unwrap();
            }
            p.cpu.loss(pred, truth, loss, None, single, None).unwrap();
            p.gpu.loss(pred, truth, loss, None, single, None).unwrap();
            // The CPU sums in f64, the GPU in f32 in another order.
            let what = format!("{loss:?} {rows}x{cols}");
            p.check(&what, &[log, single], 1e-5, 1e-6);
            p.check(&what, &[grad], 1e-6, 0.0);
            assert_eq!(p.gpu.counter(cursor), 3, "{what}: one advance per call");
            assert_eq!(p.cpu.counter(cursor), 3);
            let (_, g) = p.read(&[log]);
            assert!(
                g[0][..3].iter().all(|v| *v != 0.0),
                "{what}: one entry per call"
            );
            assert_eq!(g[0][3], 0.0, "{what}: nothing past the cursor");
        }
    }
}

#[test]
fn a_full_loss_log_is_reported_when_recording() {
    let _serial = serial();
    let mut p = Pair::new();
    let pred = p.alloc(5, 1, Some(&[1.0; 5]));
    let truth = p.alloc(5, 1, None);
    let log = p.alloc(1, 2, None);
    let cursor = p.counter();
    for _ in 0..2 {
        p.cpu
            .loss(pred, truth, Loss::Mse, None, log, Some(cursor))
            .unwrap();
        p.gpu
            .loss(pred, truth, Loss::Mse, None, log, Some(cursor))
            .unwrap();
    }
    let c = p
        .cpu
        .loss(pred, truth, Loss::Mse, None, log, Some(cursor))
        .unwrap_err();
    let g = p
        .gpu
        .loss(pred, truth, Loss::Mse, None, log, Some(cursor))
        .unwrap_err();
    assert_eq!(c, g);
    p.cpu.set_counter(cursor, 0).unwrap();
    p.gpu.set_counter(cursor, 0).unwrap();
    p.gpu
        .loss(pred, truth, Loss::Mse, None, log, Some(cursor))
        .unwrap();
}

#[test]
fn optimizers_match_cpu_over_several_iterations() {
    let _serial = serial();
    let optimizers = [
        Optimizer::sgd(0.1),
        Optimizer::Sgd {
            learning_rate: 0.05,
            momentum: 0.9,
            nesterov: false,
        },
        Optimizer::Sgd {
            learning_rate: 0.05,
            momentum: 0.9,
            nesterov: true,
        },
        Optimizer::adam(0.01),
        Optimizer::Adam {
            learning_rate: 0.1,
            beta_1: 0.5,
            beta_2: 0.75,
            epsilon: 1e-3,
        },
        Optimizer::rmsprop(0.01),
        Optimizer::RmsProp {
            learning_rate: 0.02,
            rho: 0.8,
            momentum: 0.5,
            epsilon: 1e-3,
            centered: false,
        },
        Optimizer::RmsProp {
            learning_rate: 0.02,
            rho: 0.95,
            momentum: 0.0,
            epsilon: 1e-6,
            centered: true,
        },
        Optimizer::RmsProp {
            learning_rate: 0.01,
            rho: 0.9,
            momentum: 0.9,
            epsilon: 1e-7,
            centered: true,
        },
    ];
    let mut p = Pair::new();
    for opt in optimizers {
        for (rows, cols) in SIZES {
            let n = rows * cols;
            let param = p.alloc(rows, cols, Some(&values(n, 13, -1.0, 1.0)));
            let grad = p.alloc(rows, cols, None);
            let slots: Vec<Buf> = (0..opt.slots())
                .map(|_| p.alloc(rows, cols, None))
                .collect();
            let iterations = p.counter();
            let update = opt.coefficients();
            for step in 0..7u64 {
                let g = values(n, 100 + step, -2.0, 2.0);
                p.cpu.write(grad, &g).unwrap();
                p.gpu.write(grad, &g).unwrap();
                p.cpu.increment(iterations).unwrap();
                p.gpu.increment(iterations).unwrap();
                p.cpu
                    .apply_gradient(&update, param, grad, &slots, iterations)
                    .unwrap();
                p.gpu
                    .apply_gradient(&update, param, grad, &slots, iterations)
                    .unwrap();
            }
            let mut bufs = vec![param];
            bufs.extend(&slots);
            p.check(&format!("{opt:?} {rows}x{cols}"), &bufs, 1e-5, 1e-6);
            assert_eq!(p.gpu.counter(iterations), 7);
            assert_eq!(
                p.cpu
                    .apply_gradient(&update, param, grad, &[], iterations)
                    .is_err(),
                p.gpu
                    .apply_gradient(&update, param, grad, &[], iterations)
                    .is_err()
            );
        }
    }
}

#[test]
fn the_iteration_counter_carries_past_32_bits() {
    // Adam at iteration 2³²: β^t is 0 on both backends only if the device counter carried into
    // its high word (the low word alone would read t = 0 and divide by zero).
    let _serial = serial();
    let mut p = Pair::new();
    let param = p.alloc(1, 3, Some(&[1.0, 2.0, 3.0]));
    let grad = p.alloc(1, 3, Some(&[0.5, -0.5, 2.0]));
    let slots = [p.alloc(1, 3, None), p.alloc(1, 3, None)];
    let iterations = p.counter();
    let update = Optimizer::adam(0.1).coefficients();
    for b in [&mut p.cpu as &mut dyn CounterOps, &mut p.gpu] {
        b.set(iterations, u64::from(u32::MAX));
    }
    p.cpu.increment(iterations).unwrap();
    p.gpu.increment(iterations).unwrap();
    assert_eq!(p.gpu.counter(iterations), 1 << 32);
    p.cpu
        .apply_gradient(&update, param, grad, &slots, iterations)
        .unwrap();
    p.gpu
        .apply_gradient(&update, param, grad, &slots, iterations)
        .unwrap();
    p.check("Adam at t = 2^32", &[param], 1e-6, 1e-7);
    let (c, _) = p.read(&[param]);
    assert!(c[0].iter().all(|v| v.is_finite()));
}

/// Setting a counter through either backend in one loop.
trait CounterOps {
    fn set(&mut self, c: Counter, v: u64);
}

impl<B: Backend> CounterOps for B {
    fn set(&mut self, c: Counter, v: u64) {
        self.set_counter(c, v).unwrap();
    }
}

#[test]
fn writes_are_ordered_after_recorded_operations() {
    let _serial = serial();
    let mut g = gpu();
    let x = g.alloc(1, 3);
    let bias = g.alloc(1, 3);
    let out = g.alloc(1, 3);
    g.write(x, &[1.0, 2.0, 3.0]).unwrap();
    g.write(bias, &[0.0; 3]).unwrap();
    g.bias_activation(x, Some(bias), Activation::Relu, out)
        .unwrap();
    // Recorded before the write: it must see x = (1, 2, 3).
    g.write(x, &[-5.0; 3]).unwrap();
    let r = block_on(g.read(&[out, x])).unwrap();
    assert_eq!(r[0], vec![1.0, 2.0, 3.0]);
    assert_eq!(r[1], vec![-5.0; 3]);
    let c = g.counters();
    assert_eq!(
        (c.dispatches, c.submits, c.readbacks, c.uploads),
        (1, 2, 1, 3)
    );
}

#[test]
fn freed_buffers_drop_their_bind_groups() {
    let _serial = serial();
    let mut g = gpu();
    let a = g.alloc(2, 2);
    let b = g.alloc(2, 2);
    let out = g.alloc(2, 2);
    g.matmul(a, false, b, false, out).unwrap();
    g.matmul(a, false, b, false, out).unwrap();
    assert_eq!(g.cached_bind_groups(), 1);
    g.free(b);
    assert_eq!(g.cached_bind_groups(), 0);
    let b2 = g.alloc(2, 2);
    assert_eq!(b2, b, "the id is reused");
    g.write(a, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    g.write(b2, &[1.0, 0.0, 0.0, 1.0]).unwrap();
    g.matmul(a, false, b2, false, out).unwrap();
    assert_eq!(
        block_on(g.read(&[out])).unwrap()[0],
        vec![1.0, 2.0, 3.0, 4.0]
    );
}

#[test]
fn a_lost_device_fails_every_operation_without_panicking() {
    let _serial = serial();
    let mut g = gpu();
    let a = g.alloc(2, 2);
    let out = g.alloc(2, 2);
    g.matmul(a, false, a, true, out).unwrap();
    g.simulate_device_loss();
    assert!(g.can_be_lost());
    assert!(matches!(g.write(a, &[0.0; 4]), Err(Error::DeviceLost(_))));
    assert!(matches!(
        g.matmul(a, false, a, true, out),
        Err(Error::DeviceLost(_))
    ));
    assert!(matches!(block_on(g.read(&[a])), Err(Error::DeviceLost(_))));
    let late = g.alloc(3, 3);
    assert_eq!(g.shape(late), (3, 3));
    let counter = g.alloc_counter();
    assert!(matches!(g.increment(counter), Err(Error::DeviceLost(_))));
    g.submit();
}

#[test]
fn describes_its_adapter() {
    let _serial = serial();
    let g = gpu();
    let d = g.describe();
    assert!(d.contains(&g.adapter_info().name), "{d}");
    if d.contains("llvmpipe") {
        assert!(g.is_software());
    }
}
