//! An optimizer edit in the middle of a run is a recompile (`model.compile(optimizer=…)` on the
//! trained model): the weights stay, the optimizer starts afresh, and the run record starts at
//! that step, so that it still replays exactly: a fresh model given the record's
//! `initial_weights` and trained once per recorded loss gives every loss and the final weights
//! again, bit for bit.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::record::weights_from_json;
use nnplay::run::Experiment;
use nnplay::{BackendChoice, Config, Optimizer, RunRecord};

fn adam(lr: f64) -> Optimizer {
    Optimizer::Adam {
        learning_rate: lr,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-7,
    }
}

fn sine(batch_size: Option<usize>, optimizer: Optimizer) -> Config {
    let mut c = Config::default();
    c.data.kind = nnplay::DataKind::Sine;
    c.model =
        serde_json::from_str(r#"{"layers": [{"units": 6, "activation": "tanh"}, {"units": 1}]}"#)
            .unwrap();
    c.training.batch_size = batch_size;
    c.optimizer = optimizer;
    c.backend = BackendChoice::Cpu;
    c
}

fn record(e: &mut Experiment) -> RunRecord {
    pollster::block_on(e.record()).unwrap()
}

/// Replays `r` on a fresh experiment of its config: its initial weights, then one step per
/// recorded loss. Returns the losses and the record of the replay.
fn replay(r: &RunRecord) -> RunRecord {
    let mut e = Experiment::new_cpu(r.config.clone()).unwrap();
    let weights = weights_from_json(&r.initial_weights).unwrap();
    e.model().set_weights(&weights).unwrap();
    e.train_blocking(r.losses.len()).unwrap();
    let mut back = record(&mut e);
    // The replay's record starts where the experiment started, from the weights set above.
    back.initial_weights = r.initial_weights.clone();
    back
}

fn assert_replays(r: &RunRecord) {
    let back = replay(r);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back.losses), bits(&r.losses), "the losses differ");
    assert_eq!(
        serde_json::to_string(&back.final_weights).unwrap(),
        serde_json::to_string(&r.final_weights).unwrap(),
        "the final weights differ"
    );
    assert_eq!(back.test_cost.to_bits(), r.test_cost.to_bits());
}

/// Edits of a run: after this many more steps, this optimizer.
type Edits = Vec<(usize, Optimizer)>;

#[test]
fn a_record_after_mid_run_edits_replays_bit_for_bit() {
    let cases: Vec<(&str, Config, Edits)> = vec![
        (
            "adam, learning rate changed",
            sine(None, adam(0.01)),
            vec![(23, adam(0.003))],
        ),
        (
            "sgd with momentum on minibatches, then adam",
            sine(
                Some(48),
                Optimizer::Sgd {
                    learning_rate: 0.05,
                    momentum: 0.9,
                    nesterov: false,
                },
            ),
            vec![(7, adam(0.02))],
        ),
        (
            "rmsprop, two edits",
            sine(
                Some(32),
                Optimizer::RmsProp {
                    learning_rate: 0.01,
                    rho: 0.9,
                    momentum: 0.5,
                    epsilon: 1e-7,
                    centered: true,
                },
            ),
            vec![
                (11, adam(0.01)),
                (
                    5,
                    Optimizer::RmsProp {
                        learning_rate: 0.002,
                        rho: 0.8,
                        momentum: 0.0,
                        epsilon: 1e-7,
                        centered: false,
                    },
                ),
            ],
        ),
    ];
    for (name, config, edits) in cases {
        let mut e = Experiment::new_cpu(config).unwrap();
        let mut taken = 0;
        for (steps, optimizer) in &edits {
            e.train_blocking(*steps).unwrap();
            taken += steps;
            e.set_optimizer(*optimizer).unwrap();
            assert_eq!(
                e.record_start(),
                taken,
                "{name}: the record does not start at the edit"
            );
        }
        e.train_blocking(13).unwrap();
        assert_eq!(e.step(), taken + 13, "{name}: the step count did not go on");
        assert_eq!(
            e.model().iterations(),
            13,
            "{name}: the optimizer did not start afresh"
        );
        let r = record(&mut e);
        assert_eq!(r.losses.len(), 13, "{name}");
        assert_eq!(r.config.optimizer, edits.last().unwrap().1, "{name}");
        assert_eq!(&r.losses[..], &e.losses()[taken..], "{name}");
        assert_replays(&r);
    }
}

#[test]
fn the_record_starts_at_the_edit_with_the_weights_of_that_moment() {
    let mut e = Experiment::new_cpu(sine(None, adam(0.01))).unwrap();
    e.train_blocking(9).unwrap();
    let at_edit = pollster::block_on(e.weights()).unwrap();
    e.set_learning_rate(0.001).unwrap();
    // Read before and after the next steps: the same start either way.
    let early = record(&mut e);
    assert_eq!(early.losses.len(), 0);
    e.train_blocking(4).unwrap();
    let r = record(&mut e);
    assert_eq!(weights_from_json(&r.initial_weights).unwrap(), at_edit);
    assert_eq!(early.initial_weights, r.initial_weights);
    assert_replays(&r);
}

#[test]
fn an_edit_before_the_first_step_keeps_the_whole_run() {
    let mut e = Experiment::new_cpu(sine(None, adam(0.01))).unwrap();
    let built = record(&mut e).initial_weights;
    e.set_optimizer(adam(0.02)).unwrap();
    e.train_blocking(6).unwrap();
    let r = record(&mut e);
    assert_eq!(e.record_start(), 0);
    assert_eq!(r.initial_weights, built);
    assert_eq!(r.losses.len(), 6);
    assert_replays(&r);
}

#[test]
fn without_edits_the_optimizer_state_carries_on_and_the_record_is_the_whole_run() {
    let mut e = Experiment::new_cpu(sine(Some(40), adam(0.01))).unwrap();
    e.train_blocking(12).unwrap();
    e.train_blocking(5).unwrap();
    assert_eq!(e.model().iterations(), 17);
    let r = record(&mut e);
    assert_eq!(r.losses.len(), 17);
    assert_replays(&r);
}
