//! Whole training runs on the GPU backend: the Keras fixtures replayed through
//! `Engine<GpuBackend>` against Keras and `Engine<CpuBackend>`, and the work a run costs
//! (submits, read-backs, dispatches, bind groups).
#![cfg(not(target_arch = "wasm32"))]

use nnplay::activation::Activation;
use nnplay::backend::cpu::CpuBackend;
use nnplay::backend::Backend;
use nnplay::engine::{split, Engine, LayerShape};
use nnplay::error::Error;
use nnplay::limits::LOSS_LOG_CAPACITY;
use nnplay::loss::Loss;
use nnplay::optim::Optimizer;
use nnplay::tensor::Tensor;
use pollster::block_on;
use serde_json::Value;

mod common;

use common::gpu::{gpu, serial};

/// One Keras fixture, parsed.
struct Fixture {
    name: String,
    shapes: Vec<LayerShape>,
    initial: Vec<Tensor>,
    final_weights: Vec<Tensor>,
    loss: Loss,
    opt: Optimizer,
    batch_size: Option<usize>,
    losses: Vec<f32>,
    test_cost: f32,
    x_train: Tensor,
    y_train: Tensor,
    x_test: Tensor,
    y_test: Tensor,
}

fn matrix(v: &Value) -> Tensor {
    let rows: Vec<Vec<f32>> = serde_json::from_value(v.clone()).expect("a nested array");
    Tensor::from_rows(&rows).expect("a rectangular array")
}

/// Keras' `get_weights()`: kernels nested `(in, units)`, biases flat `(units,)`.
fn weights(v: &Value, shapes: &[LayerShape]) -> Vec<Tensor> {
    let arrays = v.as_array().expect("a list of arrays");
    let mut it = arrays.iter();
    let mut out = Vec::new();
    for s in shapes {
        out.push(matrix(it.next().expect("a kernel")));
        if s.use_bias {
            let b: Vec<f32> = serde_json::from_value(it.next().expect("a bias").clone()).unwrap();
            out.push(Tensor::row(&b));
        }
    }
    out
}

/// Every replay case: the `*.json` files of `tests/fixtures/keras` (not `meta/`), by name.
fn case_names() -> Vec<String> {
    let dir = format!("{}/tests/fixtures/keras", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

fn fixture(name: &str) -> Fixture {
    try_fixture(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A fixture, or why it cannot be read (e.g. an optimizer this build does not know).
fn try_fixture(name: &str) -> Result<Fixture, String> {
    let path = format!(
        "{}/tests/fixtures/keras/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let root: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let r = &root["record"];
    let c = &r["config"];
    let mut inputs = c["model"]["input_dim"].as_u64().unwrap() as usize;
    let shapes: Vec<LayerShape> = c["model"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let units = l["units"].as_u64().unwrap() as usize;
            let s = LayerShape {
                inputs,
                units,
                activation: Activation::from_name(l["activation"].as_str().unwrap()).unwrap(),
                use_bias: l["use_bias"].as_bool().unwrap_or(true),
            };
            inputs = units;
            s
        })
        .collect();
    let d = &r["dataset"];
    Ok(Fixture {
        name: name.to_string(),
        initial: weights(&r["initial_weights"], &shapes),
        final_weights: weights(&r["final_weights"], &shapes),
        loss: serde_json::from_value(c["loss"].clone()).unwrap(),
        opt: serde_json::from_value(c["optimizer"].clone())
            .map_err(|e| format!("optimizer: {e}"))?,
        batch_size: c["training"]["batch_size"].as_u64().map(|b| b as usize),
        losses: serde_json::from_value(r["losses"].clone()).unwrap(),
        test_cost: r["test_cost"].as_f64().unwrap() as f32,
        x_train: matrix(&d["x_train"]),
        y_train: matrix(&d["y_train"]),
        x_test: matrix(&d["x_test"]),
        y_test: matrix(&d["y_test"]),
        shapes,
    })
}

struct Run {
    losses: Vec<f32>,
    weights: Vec<Tensor>,
    test_cost: f32,
}

fn replay<B: Backend>(backend: B, f: &Fixture) -> Run {
    let mut e = Engine::new(backend, f.shapes.clone(), &f.initial, f.loss, f.opt).unwrap();
    let batches = split(
        &f.x_train,
        Some(&f.y_train),
        f.batch_size.unwrap_or(f.x_train.rows()),
    );
    let pairs: Vec<(&Tensor, &Tensor)> = batches
        .iter()
        .map(|(x, y)| (x, y.as_ref().expect("with targets")))
        .collect();
    e.load_train(&pairs).unwrap();
    let losses = block_on(e.train_loaded(f.losses.len(), 0)).unwrap();
    let weights = block_on(e.get_weights()).unwrap();
    let test_cost = block_on(e.evaluate(&f.x_test, &f.y_test, 40)).unwrap();
    Run {
        losses,
        weights,
        test_cost,
    }
}

fn close(a: f32, b: f32, rtol: f32, atol: f32) -> bool {
    (a - b).abs() <= atol + rtol * b.abs()
}

/// The GPU's tolerance against Keras and the CPU, relative, element by element.
const GPU_RTOL: f64 = 1e-4;

/// The CPU replay's tolerance against Keras (`tests/keras_fixtures.rs`).
const CPU_RTOL: f64 = 1e-5;

/// The absolute floor of a final weight, in units of the model's largest weight magnitude.
/// The CPU replay uses two f32 ulps (2·2⁻²³): a weight that is the small difference of larger
/// terms (a weight passing near zero) inherits their rounding, about an ulp of the largest,
/// whatever its own size (`tests/keras_fixtures.rs`, `ULPS_OF_LARGEST`). The GPU rounds
/// differently from XLA and the CPU in more places — every reduction (the gradient's sum over
/// the batch, the dot products) runs in its own workgroup tree order, and WGSL has its own
/// exp/tanh — which is why its relative tolerance is `GPU_RTOL / CPU_RTOL` = 10 times the
/// CPU's; the absolute rounding such a near-zero weight inherits grows by the same factor,
/// so its floor is scaled by the same ratio: 20 ulps of the largest weight (2.4e-6 of it).
/// Seen on lavapipe: Adam weights 100–1600 times smaller than the largest differing by
/// 2e-7–1.4e-6 (`mlp_minibatch_adam`, `loss_huber_adam`), i.e. 1–10 ulps of the largest,
/// while every weight within 2.4e-2 of the largest is still held to the pure 1e-4.
const GPU_ULPS_OF_LARGEST: f64 = GPU_RTOL / CPU_RTOL * 2.0 * f32::EPSILON as f64;

/// `|got − want| / |want|`; 0 when equal, infinite when `want` is 0 and `got` is not or
/// either is NaN.
fn rel(got: f32, want: f32) -> f64 {
    if got == want {
        return 0.0;
    }
    let d = (got as f64 - want as f64).abs() / (want as f64).abs();
    if d.is_nan() {
        f64::INFINITY
    } else {
        d
    }
}

/// Compares a run with a reference: every step's loss, then the final weights (each with the
/// floor [`GPU_ULPS_OF_LARGEST`] of the model's largest weight) and the test cost. Returns the worst relative difference, or the first value beyond
/// [`GPU_RTOL`].
fn compare_run(got: &Run, losses: &[f32], weights: &[Tensor], cost: f32) -> Result<f64, String> {
    if got.losses.len() != losses.len() {
        return Err(format!(
            "{} losses, expected {}",
            got.losses.len(),
            losses.len()
        ));
    }
    let mut worst = 0f64;
    let mut check = |what: &dyn Fn() -> String, g: f32, w: f32, floor: f64| {
        let r = if ((g - w).abs() as f64) <= floor {
            0.0
        } else {
            rel(g, w)
        };
        worst = worst.max(r);
        if r > GPU_RTOL {
            Err(format!(
                "{}: GPU {g:e}, expected {w:e} (rel diff {r:.3e})",
                what()
            ))
        } else {
            Ok(())
        }
    };
    for (i, (g, w)) in got.losses.iter().zip(losses).enumerate() {
        check(&|| format!("loss of step {i}"), *g, *w, 0.0)?;
    }
    let largest = weights
        .iter()
        .flat_map(|t| t.as_slice())
        .fold(0f64, |m, v| m.max(v.abs() as f64));
    let floor = GPU_ULPS_OF_LARGEST * largest;
    for (i, (g, w)) in got.weights.iter().zip(weights).enumerate() {
        if g.shape() != w.shape() {
            return Err(format!(
                "weight {i}: shape {:?} vs {:?}",
                g.shape(),
                w.shape()
            ));
        }
        for (j, (g, w)) in g.as_slice().iter().zip(w.as_slice()).enumerate() {
            check(&|| format!("final weights[{i}][{j}]"), *g, *w, floor)?;
        }
    }
    check(&|| "test cost".into(), got.test_cost, cost, 0.0)?;
    Ok(worst)
}

#[test]
fn keras_fixtures_replay_on_the_gpu_like_keras_and_the_cpu() {
    let _serial = serial();
    let names = case_names();
    assert!(names.len() >= 40, "only {} fixtures found", names.len());
    let (mut steps, mut worst, mut worst_at) = (0usize, 0f64, String::new());
    let mut failures = Vec::new();
    for name in &names {
        let f = match try_fixture(name) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{name}: cannot load the fixture: {e}"));
                continue;
            }
        };
        let on_gpu = replay(gpu(), &f);
        let on_cpu = replay(CpuBackend::new(), &f);
        steps += f.losses.len();
        for (against, result) in [
            (
                "Keras",
                compare_run(&on_gpu, &f.losses, &f.final_weights, f.test_cost),
            ),
            (
                "the CPU",
                compare_run(&on_gpu, &on_cpu.losses, &on_cpu.weights, on_cpu.test_cost),
            ),
        ] {
            match result {
                Ok(w) if w > worst => {
                    worst = w;
                    worst_at = format!("{name} vs {against}");
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{} vs {against}: {e}", f.name)),
            }
        }
    }
    println!(
        "keras fixtures on the GPU: {} cases, {steps} training steps; worst relative \
         difference {worst:.3e} ({worst_at})",
        names.len()
    );
    assert!(
        failures.is_empty(),
        "{} comparisons beyond rtol {GPU_RTOL:e}:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn a_full_batch_run_is_one_submit_and_one_read_back_with_no_new_bind_groups() {
    let _serial = serial();
    let f = fixture("tutorial_stages");
    let mut e = Engine::new(gpu(), f.shapes.clone(), &f.initial, f.loss, f.opt).unwrap();
    e.load_train(&[(&f.x_train, &f.y_train)]).unwrap();
    // Dense(1) with bias, linear, SGD: matmul, bias_activation, loss, matmul (dW), column_sums
    // (db), increment, apply_gradient × 2.
    const DISPATCHES_PER_STEP: u64 = 8;
    let before = e.counters();
    block_on(e.train_loaded(1, 0)).unwrap();
    let after_one = e.counters();
    assert_eq!(
        after_one.dispatches - before.dispatches,
        DISPATCHES_PER_STEP
    );
    let bind_groups = e.backend().bind_groups_created();
    assert_eq!(e.backend().cached_bind_groups() as u64, bind_groups);

    let steps = 1000;
    assert!(steps <= LOSS_LOG_CAPACITY);
    let losses = block_on(e.train_loaded(steps, 0)).unwrap();
    let c = e.counters();
    assert_eq!(
        c.submits - after_one.submits,
        1,
        "one submit for the whole run"
    );
    assert_eq!(
        c.readbacks - after_one.readbacks,
        1,
        "one read-back for the whole run"
    );
    assert_eq!(
        c.dispatches - after_one.dispatches,
        DISPATCHES_PER_STEP * steps as u64
    );
    assert_eq!(
        e.backend().bind_groups_created(),
        bind_groups,
        "steps after the first create no bind group"
    );
    assert_eq!(losses.len(), steps);
    // Step 1 of this run is Keras' step 2 (one step was done before).
    assert!(close(losses[0], f.losses[1], 1e-4, 1e-6));
    assert!(close(losses[998], f.losses[999], 1e-4, 1e-6));
}

#[test]
fn runs_longer_than_the_loss_log_read_back_once_per_chunk() {
    let _serial = serial();
    let f = fixture("tutorial");
    let mut e = Engine::new(gpu(), f.shapes.clone(), &f.initial, f.loss, f.opt).unwrap();
    e.load_train(&[(&f.x_train, &f.y_train)]).unwrap();
    let before = e.counters();
    let losses = block_on(e.train_loaded(LOSS_LOG_CAPACITY + 5, 0)).unwrap();
    let c = e.counters();
    assert_eq!(losses.len(), LOSS_LOG_CAPACITY + 5);
    assert_eq!(c.readbacks - before.readbacks, 2);
    assert_eq!(c.submits - before.submits, 2);
    assert!(close(losses[300], f.losses[300], 1e-4, 1e-6));
}

#[test]
fn training_state_moves_between_gpu_and_cpu() {
    let _serial = serial();
    let f = fixture("mlp_minibatch_adam");
    let mut g = Engine::new(gpu(), f.shapes.clone(), &f.initial, f.loss, f.opt).unwrap();
    let batches = split(&f.x_train, Some(&f.y_train), 32);
    let pairs: Vec<(&Tensor, &Tensor)> = batches
        .iter()
        .map(|(x, y)| (x, y.as_ref().unwrap()))
        .collect();
    g.load_train(&pairs).unwrap();
    block_on(g.train_loaded(70, 0)).unwrap();
    let state = block_on(g.export_state()).unwrap();
    assert_eq!(state.iterations, 70);
    let mut c = Engine::new(
        CpuBackend::new(),
        f.shapes.clone(),
        &f.initial,
        f.loss,
        f.opt,
    )
    .unwrap();
    c.import_state(&state).unwrap();
    c.load_train(&pairs).unwrap();
    let rest = block_on(c.train_loaded(80, 70)).unwrap();
    for (i, (g, k)) in rest.iter().zip(&f.losses[70..]).enumerate() {
        assert!(
            close(*g, *k, 1e-4, 1e-6),
            "step {}: {g} vs Keras {k}",
            70 + i
        );
    }
}

#[test]
fn device_loss_mid_run_is_an_error() {
    let _serial = serial();
    let f = fixture("tutorial");
    let mut backend = gpu();
    backend.simulate_device_loss();
    match Engine::new(backend, f.shapes.clone(), &f.initial, f.loss, f.opt) {
        Err(Error::DeviceLost(_)) => {}
        Err(e) => panic!("expected DeviceLost, got {e}"),
        Ok(_) => panic!("expected DeviceLost"),
    }
}
