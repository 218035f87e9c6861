//! Run records of real runs import again: a diverged run (non-finite losses and final
//! weights), a run of no step, and the records Keras made for the fixtures.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::record::WeightArray;
use nnplay::run::Experiment;
use nnplay::{Config, Optimizer, RunRecord};

fn values(arrays: &[WeightArray]) -> Vec<f32> {
    arrays
        .iter()
        .flat_map(|a| match a {
            WeightArray::Matrix(rows) => rows.concat(),
            WeightArray::Vector(v) => v.clone(),
        })
        .collect()
}

#[test]
fn a_diverged_runs_record_imports_again() {
    let config = Config {
        optimizer: Optimizer::sgd(1000.0),
        ..Config::default()
    };
    let mut e = Experiment::new_cpu(config).unwrap();
    let losses = e.train_blocking(200).unwrap();
    assert!(losses.iter().any(|l| !l.is_finite()), "{losses:?}");
    let r = pollster::block_on(e.record()).unwrap();
    assert!(values(&r.final_weights).iter().all(|w| !w.is_finite()));
    let json = r.to_json();
    let back = RunRecord::from_json(&json).unwrap();
    assert_eq!(back.steps_taken(), 200);
    assert!(back.test_cost.is_nan());
    assert!(values(&back.final_weights).iter().all(|w| w.is_nan()));
    assert_eq!(back.initial_weights, r.initial_weights);
    for (a, b) in back.losses.iter().zip(&r.losses) {
        assert!(a == b || (!a.is_finite() && !b.is_finite()), "{a} vs {b}");
    }
    // What is written once is written the same again.
    assert_eq!(back.to_json(), json);
}

#[test]
fn a_record_before_the_first_step_has_no_loss_and_imports() {
    let mut e = Experiment::new_cpu(Config::default()).unwrap();
    let r = pollster::block_on(e.record()).unwrap();
    let back = RunRecord::from_json(&r.to_json()).unwrap();
    assert_eq!(back.steps_taken(), 0);
    assert!(back.losses.is_empty());
    assert_eq!(
        back.config.training.steps, 301,
        "the configured steps, not the steps taken"
    );
    assert_eq!(back.final_weights, back.initial_weights);
    assert!(back.test_cost.is_finite());
    back.config.validate().unwrap();
}

#[test]
fn the_keras_fixture_records_validate() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keras");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue; // meta/ holds Keras facts that are not runs
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        let record = fixture["record"].to_string();
        let r = RunRecord::from_json(&record).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(r.steps_taken() > 0);
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} fixtures in {dir}");
}
