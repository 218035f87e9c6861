//! `TimeseriesGenerator` against Keras 2's (`keras/meta/timeseries_generator.json`, made by
//! `tests/fixtures/make_timeseries_fixture.py`): every batch of every case, and Keras' errors.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::{Tensor, TimeseriesGenerator, TimeseriesOptions};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keras/meta/timeseries_generator.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A nested JSON array's shape and its numbers, in order.
fn flatten(v: &Value) -> (Vec<usize>, Vec<f32>) {
    match v {
        Value::Array(items) => {
            let mut shape = vec![items.len()];
            let mut values = Vec::new();
            let mut inner = None;
            for item in items {
                let (s, v) = flatten(item);
                inner.get_or_insert(s);
                values.extend(v);
            }
            shape.extend(inner.unwrap_or_default());
            (shape, values)
        }
        n => (vec![], vec![n.as_f64().unwrap() as f32]),
    }
}

/// Keras' 1-D or 2-D array as the `(rows, cols)` tensor the generator takes.
fn tensor(v: &Value) -> Tensor {
    let (shape, values) = flatten(v);
    let cols = shape.get(1).copied().unwrap_or(1);
    Tensor::from_vec(shape[0], cols, values).unwrap()
}

fn options(v: &Value) -> TimeseriesOptions {
    let get = |k: &str| v.get(k).map(|n| n.as_u64().unwrap() as usize);
    let flag = |k: &str| v.get(k).is_some_and(|b| b.as_bool().unwrap());
    let d = TimeseriesOptions::new(get("length").unwrap());
    TimeseriesOptions {
        sampling_rate: get("sampling_rate").unwrap_or(d.sampling_rate),
        stride: get("stride").unwrap_or(d.stride),
        start_index: get("start_index").unwrap_or(d.start_index),
        end_index: get("end_index"),
        shuffle: flag("shuffle"),
        reverse: flag("reverse"),
        batch_size: get("batch_size").unwrap_or(d.batch_size),
        ..d
    }
}

#[test]
fn every_batch_matches_keras() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut batches = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let g = TimeseriesGenerator::new(
            tensor(&case["data"]),
            tensor(&case["targets"]),
            options(&case["options"]),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(g.len() as u64, case["len"].as_u64().unwrap(), "{name}: len");
        for (i, want) in case["batches"].as_array().unwrap().iter().enumerate() {
            let got = g.get(i).unwrap();
            let (shape, samples) = flatten(&want["samples"]);
            // Keras' samples are (windows, steps) for 1-D data, (windows, steps, features) else.
            assert_eq!(shape[0], got.samples.rows(), "{name} batch {i}: windows");
            assert_eq!(shape[1], got.steps, "{name} batch {i}: steps");
            assert_eq!(shape.get(2).copied().unwrap_or(1), got.features, "{name}");
            assert_eq!(
                got.samples.as_slice(),
                &samples[..],
                "{name} batch {i}: samples"
            );
            let (_, targets) = flatten(&want["targets"]);
            assert_eq!(
                got.targets.as_slice(),
                &targets[..],
                "{name} batch {i}: targets"
            );
            batches += 1;
        }
        assert!(g.get(g.len()).is_err(), "{name}: past the last batch");
    }
    eprintln!(
        "timeseries: {} cases, {batches} batches equal to Keras'",
        cases.len()
    );
}

#[test]
fn errors_are_keras_messages() {
    let f = fixture();
    for case in f["errors"].as_array().unwrap() {
        let e = TimeseriesGenerator::new(
            tensor(&case["data"]),
            tensor(&case["targets"]),
            options(&case["options"]),
        )
        .unwrap_err()
        .to_string();
        let want = case["message"].as_str().unwrap();
        assert!(e.ends_with(want), "{}: {e} (Keras: {want})", case["name"]);
    }
}
