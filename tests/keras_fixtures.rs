//! Replays runs made by real Keras 3 (`tests/fixtures/make_keras_fixtures.py`) on the CPU
//! backend: per-step losses, final weights, evaluate, predict, stages and fit must match.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::record::{weights_from_json, RunRecord, WeightArray};
use nnplay::{FitOptions, Sequential, Tensor};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    record: RunRecord,
    extra: Extra,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Extra {
    keras_version: String,
    jax_version: String,
    predict_test: Vec<Vec<f32>>,
    evaluate_batched: Batched,
    stages: Vec<Stage>,
    fit: Option<Fit>,
}

#[derive(Deserialize)]
struct Batched {
    batch_size: usize,
    value: f32,
}

#[derive(Deserialize)]
struct Stage {
    step: usize,
    test_cost: f32,
    weights: Vec<WeightArray>,
}

#[derive(Deserialize)]
struct Fit {
    epochs: usize,
    batch_size: usize,
    validation_split: f32,
    shuffle: bool,
    initial_weights: Vec<WeightArray>,
    loss: Vec<f32>,
    val_loss: Vec<f32>,
    final_weights: Vec<WeightArray>,
}

const RTOL: f32 = 1e-5;
const ATOL: f32 = 1e-7;

fn close(what: &str, got: f32, want: f32) {
    close_scaled(what, got, want, 0.0);
}

/// `|got - want| ≤ rtol·|want| + rtol·scale + atol`, where `scale` is the magnitude of the
/// array the value belongs to (so that a weight near zero is compared at its array's scale).
fn close_scaled(what: &str, got: f32, want: f32, scale: f32) {
    assert!(
        (got - want).abs() <= RTOL * want.abs() + RTOL * scale + ATOL,
        "{what}: nnplay {got}, Keras {want} (rel diff {:e})",
        ((got - want) / want).abs()
    );
}

fn close_all(what: &str, got: &[Tensor], want: &[Tensor]) {
    assert_eq!(got.len(), want.len(), "{what}: number of arrays");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.shape(), w.shape(), "{what}[{i}] shape");
        let scale = w.as_slice().iter().fold(0.0f32, |m, v| m.max(v.abs()));
        for (k, (a, b)) in g.as_slice().iter().zip(w.as_slice()).enumerate() {
            close_scaled(&format!("{what}[{i}][{k}]"), *a, *b, scale);
        }
    }
}

fn load(name: &str) -> Fixture {
    let path = format!(
        "{}/tests/fixtures/keras/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The model of a fixture, compiled on the CPU, with Keras' initial weights.
fn model(f: &Fixture, initial: &[WeightArray]) -> Sequential {
    let c = &f.record.config;
    let mut m = c.build_model().unwrap();
    m.set_weights(&weights_from_json(initial).unwrap()).unwrap();
    m.compile(c.loss.name(), c.optimizer).unwrap();
    m
}

fn replay(name: &str) -> (Fixture, Sequential) {
    let f = load(name);
    let r = &f.record;
    let data = r.dataset.to_dataset().unwrap();
    let mut m = model(&f, &r.initial_weights);
    let c = &r.config;
    let stages: Vec<&Stage> = f.extra.stages.iter().collect();
    let mut next_stage = 0;
    let n = data.x_train.rows();
    let bs = c.training.batch_size.unwrap_or(n);
    for step in 0..c.training.steps {
        let start = (step % n.div_ceil(bs)) * bs;
        let end = (start + bs).min(n);
        let (x, y) = (
            data.x_train.slice_rows(start, end),
            data.y_train.slice_rows(start, end),
        );
        let loss = m.train_on_batch(&x, &y).unwrap();
        close(&format!("{name} loss at step {step}"), loss, r.losses[step]);
        if next_stage < stages.len() && stages[next_stage].step == step {
            let s = stages[next_stage];
            let cost = m.evaluate(&data.x_test, &data.y_test, Some(40)).unwrap();
            close(&format!("{name} stage {step} test cost"), cost, s.test_cost);
            close_all(
                &format!("{name} stage {step} weights"),
                &m.get_weights().unwrap(),
                &weights_from_json(&s.weights).unwrap(),
            );
            next_stage += 1;
        }
    }
    assert_eq!(next_stage, stages.len(), "{name}: every stage visited");
    close_all(
        &format!("{name} final weights"),
        &m.get_weights().unwrap(),
        &weights_from_json(&r.final_weights).unwrap(),
    );
    let n_test = data.x_test.rows();
    let cost = m
        .evaluate(&data.x_test, &data.y_test, Some(n_test))
        .unwrap();
    close(&format!("{name} test cost"), cost, r.test_cost);
    let b = &f.extra.evaluate_batched;
    let cost = m
        .evaluate(&data.x_test, &data.y_test, Some(b.batch_size))
        .unwrap();
    close(
        &format!("{name} evaluate(batch_size={})", b.batch_size),
        cost,
        b.value,
    );
    let pred = m.predict(&data.x_test, Some(n_test)).unwrap();
    let want = Tensor::from_rows(&f.extra.predict_test).unwrap();
    close_all(&format!("{name} predict"), &[pred], &[want]);
    (f, m)
}

#[test]
fn tutorial() {
    replay("tutorial");
}

#[test]
fn tutorial_stages() {
    replay("tutorial_stages");
}

#[test]
fn mlp_tanh_momentum() {
    replay("mlp_tanh_momentum");
}

#[test]
fn mlp_relu_nesterov_mae() {
    replay("mlp_relu_nesterov_mae");
}

#[test]
fn mlp_sigmoid_adam_huber() {
    replay("mlp_sigmoid_adam_huber");
}

#[test]
fn mlp_minibatch_adam() {
    replay("mlp_minibatch_adam");
}

#[test]
fn activations_misc() {
    replay("activations_misc");
}

#[test]
fn fit_with_validation_split() {
    let (f, _) = replay("fit_validation");
    let fit = f.extra.fit.as_ref().expect("fit_validation has a fit");
    assert!(
        !fit.shuffle,
        "the fixture fits without shuffling, which we can replay"
    );
    let mut m = model(&f, &fit.initial_weights);
    let data = f.record.dataset.to_dataset().unwrap();
    let h = m
        .fit(
            &data.x_train,
            &data.y_train,
            FitOptions {
                epochs: fit.epochs,
                batch_size: fit.batch_size,
                shuffle: false,
                validation_split: fit.validation_split,
            },
        )
        .unwrap();
    assert_eq!(h.loss.len(), fit.epochs);
    for e in 0..fit.epochs {
        close(&format!("fit loss epoch {e}"), h.loss[e], fit.loss[e]);
        close(
            &format!("fit val_loss epoch {e}"),
            h.val_loss[e],
            fit.val_loss[e],
        );
    }
    close_all(
        "fit final weights",
        &m.get_weights().unwrap(),
        &weights_from_json(&fit.final_weights).unwrap(),
    );
}

#[test]
fn the_run_api_replays_the_tutorial_fixture_in_one_read_back() {
    // The same run through load_train + train_steps: identical losses, one read-back.
    let f = load("tutorial");
    let r = &f.record;
    let data = r.dataset.to_dataset().unwrap();
    let mut m = model(&f, &r.initial_weights);
    m.load_train(&data.x_train, &data.y_train, None).unwrap();
    let before = m.counters().readbacks;
    let losses = pollster::block_on(m.train_steps(r.config.training.steps, 0)).unwrap();
    assert_eq!(m.counters().readbacks - before, 1);
    for (i, (a, b)) in losses.iter().zip(&r.losses).enumerate() {
        close(&format!("train_steps loss {i}"), *a, *b);
    }
}
