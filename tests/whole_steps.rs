//! The CPU's whole-step path (`Backend::run_steps`, the engine's training path on the CPU)
//! against the operations recorded one by one (`CpuBackend::op_by_op`): equal bits for every
//! loss, weight and optimizer state over a sweep of small models — every activation, loss and
//! optimizer, with and without biases, whole and cut batches. Also the hand-written tutorial
//! step of the benchmark against the engine, and a bad plan refused with an error.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::activation::Activation;
use nnplay::backend::cpu::CpuBackend;
use nnplay::backend::Backend;
use nnplay::bench::HandStep;
use nnplay::engine::{Engine, LayerBufs, LayerShape, ParamBufs, StepPlan, TrainingState};
use nnplay::loss::Loss;
use nnplay::optim::Optimizer;
use nnplay::run::Experiment;
use nnplay::tensor::Tensor;
use nnplay::Config;

/// Deterministic values in `[lo, hi)`.
fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    let mut rng = nnplay::rng::SeededRng::new(seed);
    (0..n).map(|_| rng.uniform_in(lo, hi) as f32).collect()
}

/// Weights for `shapes` in Keras' order, small enough that no activation saturates at once.
fn weights(shapes: &[LayerShape], seed: u64) -> Vec<Tensor> {
    let mut w = Vec::new();
    for (i, s) in shapes.iter().enumerate() {
        let k = values(s.inputs * s.units, seed + 10 * i as u64, -0.9, 0.9);
        w.push(Tensor::from_vec(s.inputs, s.units, k).unwrap());
        if s.use_bias {
            let b = values(s.units, seed + 10 * i as u64 + 1, -0.2, 0.2);
            w.push(Tensor::from_vec(1, s.units, b).unwrap());
        }
    }
    w
}

/// Every update rule and its variants.
fn optimizers() -> Vec<Optimizer> {
    vec![
        Optimizer::sgd(0.05),
        Optimizer::Sgd {
            learning_rate: 0.03,
            momentum: 0.9,
            nesterov: false,
        },
        Optimizer::Sgd {
            learning_rate: 0.03,
            momentum: 0.5,
            nesterov: true,
        },
        Optimizer::adam(0.01),
        Optimizer::rmsprop(0.005),
        Optimizer::RmsProp {
            learning_rate: 0.005,
            rho: 0.8,
            momentum: 0.5,
            epsilon: 1e-7,
            centered: true,
        },
    ]
}

/// Losses, weights and optimizer state after `steps` steps.
fn train(
    backend: CpuBackend,
    shapes: &[LayerShape],
    w: &[Tensor],
    (loss, opt): (Loss, Optimizer),
    batches: &[(Tensor, Tensor)],
    steps: usize,
) -> (Vec<f32>, TrainingState) {
    let mut e = Engine::new(backend, shapes.to_vec(), w, loss, opt).unwrap();
    let pairs: Vec<(&Tensor, &Tensor)> = batches.iter().map(|(x, y)| (x, y)).collect();
    e.load_train(&pairs).unwrap();
    let mut losses = pollster::block_on(e.train_loaded(steps, 1)).unwrap();
    // A second run continues from the state (iteration count, loss log cursor) the first left.
    losses.extend(pollster::block_on(e.train_loaded(3, 0)).unwrap());
    (losses, pollster::block_on(e.export_state()).unwrap())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn state_bits(s: &TrainingState) -> Vec<u32> {
    let w = s.weights.iter().flat_map(|t| bits(t.as_slice()));
    let slots = s.slots.iter().flatten().flat_map(|t| bits(t.as_slice()));
    w.chain(slots)
        .chain([s.iterations as u32])
        .collect::<Vec<u32>>()
}

/// `rows` samples of `inputs` features and `outputs` targets, cut into batches of `batch`.
fn batches(
    rows: usize,
    inputs: usize,
    outputs: usize,
    batch: usize,
    seed: u64,
) -> Vec<(Tensor, Tensor)> {
    let x = Tensor::from_vec(rows, inputs, values(rows * inputs, seed, -1.5, 1.5)).unwrap();
    let y = Tensor::from_vec(rows, outputs, values(rows * outputs, seed + 1, -1.0, 1.0)).unwrap();
    nnplay::engine::split(&x, Some(&y), batch)
        .into_iter()
        .map(|(x, y)| (x, y.unwrap()))
        .collect()
}

#[test]
fn whole_steps_equal_recorded_operations_bit_for_bit() {
    let losses = [Loss::Mse, Loss::Mae, Loss::Huber];
    let opts = optimizers();
    let mut cases = 0;
    for (a, (name, act)) in Activation::ALL.into_iter().enumerate() {
        for (o, opt) in opts.iter().enumerate() {
            let loss = losses[(a + o) % losses.len()];
            let use_bias = (a + o) % 2 == 0;
            // The tutorial's shape, a hidden layer of this activation, and a deeper network
            // with several inputs and outputs whose output layer has the activation too.
            let models: [(Vec<LayerShape>, usize, usize); 3] = [
                (vec![shape(1, 1, act, use_bias)], 1, 1),
                (
                    vec![
                        shape(1, 6, act, use_bias),
                        shape(6, 1, Activation::Linear, !use_bias),
                    ],
                    1,
                    1,
                ),
                (
                    vec![
                        shape(3, 5, act, !use_bias),
                        shape(5, 4, Activation::Tanh, use_bias),
                        shape(4, 2, act, use_bias),
                    ],
                    3,
                    2,
                ),
            ];
            for (m, (shapes, inputs, outputs)) in models.into_iter().enumerate() {
                // Whole batches of 37 rows; batches of 8 (the last of 5 rows: two workspaces);
                // one row at a time; 160 rows as the tutorial.
                let (rows, batch) = [(37, 37), (37, 8), (5, 1), (160, 160)][(a + o + m) % 4];
                let data = batches(rows, inputs, outputs, batch, (a * 31 + o * 7 + m) as u64);
                let w = weights(&shapes, (a * 13 + o) as u64);
                let fast = train(CpuBackend::new(), &shapes, &w, (loss, *opt), &data, 25);
                let reference = train(CpuBackend::op_by_op(), &shapes, &w, (loss, *opt), &data, 25);
                let what = format!(
                    "{name}, {loss:?}, {opt:?}, bias {use_bias}, model {m}, {rows}/{batch}"
                );
                assert_eq!(bits(&fast.0), bits(&reference.0), "losses: {what}");
                assert_eq!(
                    state_bits(&fast.1),
                    state_bits(&reference.1),
                    "state: {what}"
                );
                assert!(fast.0.iter().all(|l| l.is_finite()), "finite: {what}");
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 13 * 6 * 3);
}

#[test]
fn the_tutorials_one_pass_step_equals_recorded_operations() {
    for use_bias in [true, false] {
        let shapes = vec![shape(1, 1, Activation::Linear, use_bias)];
        for (rows, batch) in [(8, 8), (13, 13), (37, 37), (160, 160), (200, 64)] {
            for opt in optimizers() {
                let w = weights(&shapes, rows as u64);
                let data = batches(rows, 1, 1, batch, 3 + rows as u64);
                let run = |b| train(b, &shapes, &w, (Loss::Mse, opt), &data, 40);
                let (fast, reference) = (run(CpuBackend::new()), run(CpuBackend::op_by_op()));
                let what = format!("bias {use_bias}, {rows}/{batch}, {opt:?}");
                assert_eq!(bits(&fast.0), bits(&reference.0), "losses: {what}");
                assert_eq!(
                    state_bits(&fast.1),
                    state_bits(&reference.1),
                    "state: {what}"
                );
            }
        }
    }
}

#[test]
fn a_diverging_run_diverges_the_same_way() {
    let shapes = vec![
        shape(1, 4, Activation::Relu, true),
        shape(4, 1, Activation::Linear, true),
    ];
    let w = weights(&shapes, 5);
    let data = batches(20, 1, 1, 20, 9);
    let opt = (Loss::Mse, Optimizer::sgd(40.0));
    let fast = train(CpuBackend::new(), &shapes, &w, opt, &data, 60);
    let reference = train(CpuBackend::op_by_op(), &shapes, &w, opt, &data, 60);
    assert!(fast.0.iter().any(|l| !l.is_finite()), "{:?}", fast.0);
    assert_eq!(bits(&fast.0), bits(&reference.0));
    assert_eq!(state_bits(&fast.1), state_bits(&reference.1));
}

fn shape(inputs: usize, units: usize, activation: Activation, use_bias: bool) -> LayerShape {
    LayerShape {
        inputs,
        units,
        activation,
        use_bias,
    }
}

#[test]
fn the_benchmarks_hand_written_step_is_the_engines_step() {
    let config = Config::default();
    let mut e = Experiment::new_cpu(config.clone()).unwrap();
    let mut hand = HandStep::new(&config).unwrap();
    let engine = e.train_blocking(500).unwrap();
    let by_hand: Vec<f32> = (0..500).map(|_| hand.step()).collect();
    assert_eq!(bits(&engine), bits(&by_hand));
    let w = e.model().get_weights().unwrap();
    let (k, b) = hand.weights();
    assert_eq!(
        bits(&[w[0].as_slice()[0], w[1].as_slice()[0]]),
        bits(&[k, b])
    );
    assert!(engine[499] < engine[0] / 10.0);
    // Anything but the tutorial's step is refused.
    let mut adam = config.clone();
    adam.optimizer = Optimizer::adam(0.01);
    assert!(HandStep::new(&adam).is_err());
}

#[test]
fn a_bad_plan_is_refused_with_an_error() {
    let mut be = CpuBackend::new();
    let s = shape(1, 1, Activation::Linear, false);
    let param = |be: &mut CpuBackend, r, c| ParamBufs {
        value: be.alloc(r, c),
        grad: be.alloc(r, c),
        slots: Vec::new(),
    };
    // A kernel of the wrong shape.
    let layers = [LayerBufs {
        kernel: param(&mut be, 2, 1),
        bias: None,
    }];
    let (x, y) = (be.alloc(4, 1), be.alloc(4, 1));
    let z = be.alloc(4, 1);
    let da = be.alloc(4, 1);
    let workspaces = [nnplay::engine::Workspace {
        rows: 4,
        z: vec![z],
        a: vec![z],
        da: vec![da],
        dz: vec![da],
    }];
    let (log, cursor, iterations) = (be.alloc(1, 2), be.alloc_counter(), be.alloc_counter());
    let update = Optimizer::sgd(0.1).coefficients();
    let batches = [(x, y, 0)];
    let plan = |layers| StepPlan {
        shapes: std::slice::from_ref(&s),
        layers,
        workspaces: &workspaces,
        batches: &batches,
        loss: Loss::Mse,
        update: &update,
        log,
        cursor,
        iterations,
    };
    let err = be.run_steps(&plan(&layers), 0, 1).unwrap_err().to_string();
    assert!(err.contains("matmul"), "{err}");
    // The right kernel, but more steps than the loss log holds.
    let good = [LayerBufs {
        kernel: param(&mut be, 1, 1),
        bias: None,
    }];
    let err = be.run_steps(&plan(&good), 0, 3).unwrap_err().to_string();
    assert!(err.contains("loss log is full"), "{err}");
    be.run_steps(&plan(&good), 0, 2).unwrap();
    assert_eq!(be.counter(cursor), 2);
    assert_eq!(be.counter(iterations), 2);
    // A buffer in two roles: the output of the layer is also its input.
    let aliased = [(z, y, 0)];
    let mut p = plan(&good);
    p.batches = &aliased;
    be.set_counter(cursor, 0).unwrap();
    assert!(be.run_steps(&p, 0, 1).is_err());
    // The recorded path's backend refuses whole steps.
    let err = CpuBackend::op_by_op()
        .run_steps(&plan(&good), 0, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("operation by operation"), "{err}");
}
