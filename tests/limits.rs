//! Configs too big for a browser tab are refused before anything is allocated, by the same
//! accounting the engine uses (training batch, test batches, weights and optimizer state).
#![cfg(not(target_arch = "wasm32"))]

use nnplay::engine::{estimate_floats, LayerShape};
use nnplay::limits::{MAX_EVAL_BATCH, MAX_FLOATS};
use nnplay::{Activation, Config, Experiment};

#[test]
fn a_huge_test_split_is_refused_before_building() {
    // 100 000 points, 5 % train in batches of 32, two 2048-unit layers: the training batches are
    // small, but evaluating the 95 000 test points needs test batches of MAX_EVAL_BATCH rows.
    let json = r#"{"data": {"n": 100000, "train_fraction": 0.05},
        "model": {"layers": [{"units": 2048, "activation": "relu"},
                             {"units": 2048, "activation": "relu"}, {"units": 1}]},
        "training": {"batch_size": 32}}"#;
    let e = Config::from_json(json).unwrap_err().to_string();
    assert!(
        e.contains("model.layers") && e.contains("MB") && e.contains("test batches of 4096"),
        "{e}"
    );
    let shapes = [
        LayerShape {
            inputs: 1,
            units: 2048,
            activation: Activation::Relu,
            use_bias: true,
        },
        LayerShape {
            inputs: 2048,
            units: 2048,
            activation: Activation::Relu,
            use_bias: true,
        },
        LayerShape {
            inputs: 2048,
            units: 1,
            activation: Activation::Linear,
            use_bias: true,
        },
    ];
    assert!(estimate_floats(&shapes, 0, &[32, MAX_EVAL_BATCH]) > MAX_FLOATS);
    assert!(estimate_floats(&shapes, 0, &[32]) < MAX_FLOATS);
}

#[test]
fn a_large_test_split_that_fits_is_evaluated_in_bounded_batches() {
    // 50 000 points (10 000 test) through a 256-unit layer: accepted, and its test cost is the
    // mean over every test point.
    let json = r#"{"data": {"n": 50000, "train_fraction": 0.8},
        "model": {"layers": [{"units": 256, "activation": "tanh"}, {"units": 1}]},
        "training": {"batch_size": 64}}"#;
    let config = Config::from_json(json).unwrap();
    let mut e = Experiment::new_cpu(config).unwrap();
    e.train_blocking(3).unwrap();
    let cost = pollster::block_on(e.test_cost()).unwrap();
    let d = e.dataset().clone();
    let p = pollster::block_on(e.predict(d.x_test.as_slice())).unwrap();
    let mean = p
        .iter()
        .zip(d.y_test.as_slice())
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / p.len() as f64;
    assert!(
        ((cost as f64) - mean).abs() <= 1e-5 * mean,
        "{cost} vs {mean}"
    );
}
