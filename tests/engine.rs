//! Engine tests written once and run on every backend (the CPU, and WebGPU natively on any
//! Vulkan/Metal/DX12 adapter, Mesa's lavapipe on a machine without a GPU): hand-computed steps,
//! chunked runs, optimizer state, state export and import, batched evaluation and prediction,
//! the memory budget and the integer iteration counter.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::activation::Activation;
use nnplay::backend::Backend;
use nnplay::engine::{Engine, LayerShape};
use nnplay::limits::{LOSS_LOG_CAPACITY, MAX_EVAL_BATCH};
use nnplay::loss::Loss;
use nnplay::optim::{Optimizer, OPTIMIZERS};
use nnplay::tensor::Tensor;
use pollster::block_on;

mod common;

fn dense(inputs: usize, units: usize, activation: Activation) -> LayerShape {
    LayerShape {
        inputs,
        units,
        activation,
        use_bias: true,
    }
}

/// Deterministic values in `[lo, hi)`.
fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    let mut rng = nnplay::rng::SeededRng::new(seed);
    (0..n).map(|_| rng.uniform_in(lo, hi) as f32).collect()
}

/// A 1-5-1 tanh network with fixed weights.
fn mlp() -> (Vec<LayerShape>, Vec<Tensor>) {
    let shapes = vec![
        dense(1, 5, Activation::Tanh),
        dense(5, 1, Activation::Linear),
    ];
    let w = vec![
        Tensor::from_vec(1, 5, values(5, 1, -1.0, 1.0)).unwrap(),
        Tensor::from_vec(1, 5, values(5, 2, -0.1, 0.1)).unwrap(),
        Tensor::from_vec(5, 1, values(5, 3, -1.0, 1.0)).unwrap(),
        Tensor::from_vec(1, 1, vec![0.05]).unwrap(),
    ];
    (shapes, w)
}

fn data(n: usize) -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..n).map(|i| -1.0 + 2.0 * i as f32 / n as f32).collect();
    let y: Vec<f32> = x.iter().map(|v| v * v - 0.3).collect();
    (Tensor::column(&x), Tensor::column(&y))
}

fn close(what: &str, got: &[f32], want: &[f32], rtol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rtol * w.abs() + 1e-7,
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

/// The same tests for each backend: `$make` builds a fresh backend, `$lock` serialises device
/// use where needed.
macro_rules! engine_tests {
    ($name:ident, $make:expr, $lock:expr) => {
        mod $name {
            use super::*;

            fn engine(
                shapes: Vec<LayerShape>,
                w: &[Tensor],
                loss: Loss,
                opt: Optimizer,
            ) -> Engine<impl Backend> {
                Engine::new($make, shapes, w, loss, opt).unwrap()
            }

            #[test]
            fn one_sgd_step_by_hand() {
                let _lock = $lock;
                // Dense(1) from w = 1, b = 0 on x = [1, 2], y = [2, 3]: loss = 1,
                // dw = (2·(-1)·1 + 2·(-1)·2)/2 = -3, db = -2; lr 0.1 gives w = 1.3, b = 0.2.
                let shapes = vec![dense(1, 1, Activation::Linear)];
                let w = [Tensor::column(&[1.0]), Tensor::row(&[0.0])];
                let mut e = engine(shapes, &w, Loss::Mse, Optimizer::sgd(0.1));
                let (x, y) = (Tensor::column(&[1.0, 2.0]), Tensor::column(&[2.0, 3.0]));
                let loss = block_on(e.train_on_batch(&x, &y)).unwrap();
                assert_eq!(loss, 1.0);
                let w = block_on(e.get_weights()).unwrap();
                close("w", w[0].as_slice(), &[1.3], 1e-6);
                close("b", w[1].as_slice(), &[0.2], 1e-6);
                assert_eq!(e.iterations(), 1);
            }

            #[test]
            fn a_run_across_loss_log_chunks_equals_one_step_at_a_time() {
                let _lock = $lock;
                let (shapes, w) = mlp();
                let (x, y) = data(13);
                let opt = Optimizer::adam(0.01);
                let mut run = engine(shapes.clone(), &w, Loss::Mse, opt);
                run.load_train(&[(&x, &y)]).unwrap();
                let steps = LOSS_LOG_CAPACITY + 5;
                let losses = block_on(run.train_loaded(steps, 0)).unwrap();
                assert_eq!(losses.len(), steps);
                assert_eq!(run.iterations(), steps as u64);
                let mut one = engine(shapes, &w, Loss::Mse, opt);
                let singles: Vec<f32> = (0..steps)
                    .map(|_| block_on(one.train_on_batch(&x, &y)).unwrap())
                    .collect();
                // The same backend in the same order: identical, not merely close.
                assert_eq!(losses, singles);
                assert!(losses[steps - 1] < losses[0] / 4.0, "it learns");
            }

            #[test]
            fn every_optimizer_learns_and_keeps_its_state_across_hyper_parameter_changes() {
                let _lock = $lock;
                let (shapes, w) = mlp();
                let (x, y) = data(16);
                let mut options: Vec<Optimizer> = OPTIMIZERS
                    .iter()
                    .map(|s| {
                        Optimizer::from_name(s.name)
                            .unwrap()
                            .with_learning_rate(0.02)
                    })
                    .collect();
                options.push(Optimizer::Sgd {
                    learning_rate: 0.05,
                    momentum: 0.9,
                    nesterov: true,
                });
                options.push(Optimizer::RmsProp {
                    learning_rate: 0.005,
                    rho: 0.8,
                    momentum: 0.5,
                    epsilon: 1e-6,
                    centered: true,
                });
                for opt in options {
                    let mut e = engine(shapes.clone(), &w, Loss::Mse, opt);
                    e.load_train(&[(&x, &y)]).unwrap();
                    let first = block_on(e.train_loaded(100, 0)).unwrap();
                    assert!(
                        first[99] < first[0],
                        "{opt:?} learns: {} -> {}",
                        first[0],
                        first[99]
                    );
                    let before = block_on(e.export_state()).unwrap();
                    e.set_optimizer(opt.with_learning_rate(0.001)).unwrap();
                    let kept = block_on(e.export_state()).unwrap();
                    assert_eq!(kept, before, "{opt:?}: a new learning rate keeps the state");
                    let other = if opt.name() == "adam" {
                        Optimizer::sgd(0.01)
                    } else {
                        Optimizer::adam(0.01)
                    };
                    e.set_optimizer(other).unwrap();
                    let fresh = block_on(e.export_state()).unwrap();
                    assert_eq!(fresh.iterations, 0, "another optimizer starts afresh");
                    assert_eq!(fresh.weights, before.weights, "and keeps the weights");
                }
            }

            #[test]
            fn an_exported_state_continues_identically_elsewhere() {
                let _lock = $lock;
                let (shapes, w) = mlp();
                let (x, y) = data(9);
                let opt = Optimizer::RmsProp {
                    learning_rate: 0.01,
                    rho: 0.9,
                    momentum: 0.3,
                    epsilon: 1e-7,
                    centered: true,
                };
                let mut a = engine(shapes.clone(), &w, Loss::Huber, opt);
                a.load_train(&[(&x, &y)]).unwrap();
                block_on(a.train_loaded(7, 0)).unwrap();
                let state = block_on(a.export_state()).unwrap();
                assert_eq!(state.iterations, 7);
                assert_eq!(state.slots[0].len(), 3, "velocity, momentum, average");
                let mut b = engine(shapes, &state.weights, Loss::Huber, opt);
                b.import_state(&state).unwrap();
                b.load_train(&[(&x, &y)]).unwrap();
                let la = block_on(a.train_loaded(5, 0)).unwrap();
                let lb = block_on(b.train_loaded(5, 0)).unwrap();
                assert_eq!(la, lb);
                assert_eq!(
                    block_on(a.get_weights()).unwrap(),
                    block_on(b.get_weights()).unwrap()
                );
            }

            #[test]
            fn the_iteration_count_is_an_integer_past_two_to_the_24() {
                let _lock = $lock;
                // An f32 counter stops at 2²⁴ (2²⁴ + 1 rounds back down).
                let (shapes, w) = mlp();
                let (x, y) = data(4);
                let mut e = engine(shapes, &w, Loss::Mse, Optimizer::adam(0.001));
                let mut state = block_on(e.export_state()).unwrap();
                state.iterations = 1 << 24;
                e.import_state(&state).unwrap();
                e.load_train(&[(&x, &y)]).unwrap();
                block_on(e.train_loaded(3, 0)).unwrap();
                assert_eq!(e.iterations(), (1 << 24) + 3);
                assert_eq!(
                    block_on(e.export_state()).unwrap().iterations,
                    (1 << 24) + 3
                );
            }

            #[test]
            fn evaluate_and_predict_in_batches_agree_with_one_batch() {
                let _lock = $lock;
                let (shapes, w) = mlp();
                let mut e = engine(shapes, &w, Loss::Mae, Optimizer::sgd(0.01));
                let (x, y) = data(7);
                let whole = block_on(e.evaluate(&x, &y, 7)).unwrap();
                let batched = block_on(e.evaluate(&x, &y, 3)).unwrap();
                // Keras weights each batch mean by its size: the same mean up to rounding.
                close("evaluate", &[batched], &[whole], 1e-6);
                let p1 = block_on(e.predict(&x, 7)).unwrap();
                let p3 = block_on(e.predict(&x, 3)).unwrap();
                close("predict", p3.as_slice(), p1.as_slice(), 1e-6);
                // More rows than one evaluation batch holds: cut into bounded batches.
                let (bx, by) = data(MAX_EVAL_BATCH + 37);
                let big = block_on(e.predict(&bx, bx.rows())).unwrap();
                assert_eq!(big.shape(), (MAX_EVAL_BATCH + 37, 1));
                let small = block_on(e.predict(&bx.slice_rows(0, 50), 50)).unwrap();
                close("first rows", &big.as_slice()[..50], small.as_slice(), 1e-6);
                let cost = block_on(e.evaluate(&bx, &by, bx.rows())).unwrap();
                assert!(cost.is_finite());
                let floats = e.allocated_floats();
                let again = block_on(e.evaluate(&bx, &by, bx.rows())).unwrap();
                assert_eq!(again, cost);
                assert_eq!(
                    e.allocated_floats(),
                    floats,
                    "large workspaces are not kept"
                );
            }

            #[test]
            fn a_batch_over_the_memory_budget_is_refused_and_the_model_still_works() {
                let _lock = $lock;
                let shapes = vec![
                    dense(1, 4096, Activation::Relu),
                    dense(4096, 1, Activation::Linear),
                ];
                let w = vec![
                    Tensor::zeros(1, 4096),
                    Tensor::zeros(1, 4096),
                    Tensor::zeros(4096, 1),
                    Tensor::zeros(1, 1),
                ];
                let mut e = engine(shapes, &w, Loss::Mse, Optimizer::sgd(0.01));
                // 20 000 rows × 4096 units × 4 arrays ≈ 1.3 GB of activations.
                let (x, y) = data(20_000);
                let err = e
                    .load_train(&[(&x, &y)])
                    .and_then(|_| block_on(e.train_loaded(1, 0)).map(|_| ()));
                let msg = err.unwrap_err().to_string();
                assert!(msg.contains("MB") && msg.contains("20000 rows"), "{msg}");
                let (sx, sy) = data(8);
                e.load_train(&[(&sx, &sy)]).unwrap();
                let l = block_on(e.train_loaded(2, 0)).unwrap();
                assert!(l.iter().all(|v| v.is_finite()));
            }
        }
    };
}

engine_tests!(cpu, nnplay::backend::cpu::CpuBackend::new(), ());
// The CPU recording every operation, as the GPU does (the reference of tests/whole_steps.rs).
engine_tests!(
    cpu_op_by_op,
    nnplay::backend::cpu::CpuBackend::op_by_op(),
    ()
);
engine_tests!(gpu, common::gpu::gpu(), common::gpu::serial());
