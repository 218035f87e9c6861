//! Replays runs made by real Keras 3 (`tests/fixtures/make_keras_fixtures.py`) on the CPU
//! backend: per-step losses, final weights, evaluate, predict, stages and fit must match at a
//! relative tolerance of 1e-5, element by element. Every `tests/fixtures/keras/*.json` is a
//! case; one test replays them all and reports every failing case at once.
//!
//! Also checks nnplay's initializers against the distributions Keras draws from
//! (`keras/meta/initializers.json`) and `fit`'s refusal of a `validation_split` that leaves
//! no training or no validation samples (`keras/meta/validation_split_errors.json`), and
//! tanh bit for bit (`keras/meta/tanh.json`).
#![cfg(not(target_arch = "wasm32"))]

use nnplay::record::{weights_from_json, WeightArray};
use nnplay::{Dense, FitOptions, Initializer, Optimizer, RunRecord, Sequential, Tensor};
use serde::Deserialize;
use std::path::PathBuf;

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
    validation_split: f64,
    shuffle: bool,
    initial_weights: Vec<WeightArray>,
    loss: Vec<f32>,
    val_loss: Vec<f32>,
    final_weights: Vec<WeightArray>,
}

/// The relative tolerance of every compared value.
const RTOL: f64 = 1e-5;

/// The absolute floor of an element of a group of arrays (all weights of a model, or the
/// predictions), in units of the group's typical magnitude (its largest magnitude; for the
/// predictions also the targets'): two f32 ulps of it (2·2⁻²³ ≈ 2.4e-7). An element that is
/// the small difference of larger terms (a weight or bias passing near zero, a prediction
/// near zero) inherits the rounding of those terms, about an ulp of the largest, and Keras
/// rounds differently from nnplay in the last bit (XLA contracts `a·b + c` into one fused
/// multiply-add and has its own tanh/exp/log). Seen on SGD runs: differences of 1e-8 to
/// 1e-7 on elements 1e2–1e4 times smaller than the group's largest. Scalars (losses, costs)
/// have no floor, and elements above 2.4e-2 of the group's largest are compared at the pure
/// 1e-5 relative tolerance.
const ULPS_OF_LARGEST: f64 = 2.0 * f32::EPSILON as f64;

/// `|got − want| / |want|`, 0 when both are equal (zeros and infinities included), infinite
/// when `want` is 0 and `got` is not, and NaN-safe (a NaN on either side is infinite).
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

/// The comparisons of one case: how many values, the worst relative difference, and the
/// first value beyond the tolerance (in the order they were checked).
#[derive(Default)]
struct Check {
    values: usize,
    worst: f64,
    worst_at: String,
    first_failure: Option<String>,
    failures: usize,
}

impl Check {
    fn value(&mut self, what: impl FnOnce() -> String, got: f32, want: f32) {
        self.value_floor(what, got, want, 0.0);
    }

    /// As `value`, the difference first reduced by `floor` (an absolute amount).
    fn value_floor(&mut self, what: impl FnOnce() -> String, got: f32, want: f32, floor: f64) {
        let r = if floor > 0.0 && (got as f64 - want as f64).abs() <= floor {
            0.0
        } else {
            rel(got, want)
        };
        self.values += 1;
        if r > self.worst || (self.worst_at.is_empty() && r >= self.worst) {
            self.worst = r;
            self.worst_at = what();
            if r > RTOL && self.first_failure.is_none() {
                self.first_failure = Some(format!(
                    "{}: nnplay {got:e}, Keras {want:e} (rel diff {r:.3e})",
                    self.worst_at
                ));
            }
        } else if r > RTOL && self.first_failure.is_none() {
            self.first_failure = Some(format!(
                "{}: nnplay {got:e}, Keras {want:e} (rel diff {r:.3e})",
                what()
            ));
        }
        if r > RTOL {
            self.failures += 1;
        }
    }

    /// Element by element; `scale` is the group's typical magnitude (see [`ULPS_OF_LARGEST`]),
    /// at least the largest magnitude of `want`.
    fn arrays(&mut self, what: &str, got: &[Tensor], want: &[Tensor], scale: f64) {
        if got.len() != want.len() {
            self.fail(format!(
                "{what}: {} arrays, Keras has {}",
                got.len(),
                want.len()
            ));
            return;
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            if g.shape() != w.shape() {
                self.fail(format!(
                    "{what}[{i}]: shape {:?}, Keras {:?}",
                    g.shape(),
                    w.shape()
                ));
                continue;
            }
            let floor = ULPS_OF_LARGEST * scale.max(largest(want));
            for (k, (a, b)) in g.as_slice().iter().zip(w.as_slice()).enumerate() {
                self.value_floor(|| format!("{what}[{i}][{k}]"), *a, *b, floor);
            }
        }
    }

    fn fail(&mut self, message: String) {
        self.failures += 1;
        self.worst = f64::INFINITY;
        if self.first_failure.is_none() {
            self.first_failure = Some(message);
        }
    }
}

/// The largest magnitude of a group of arrays.
fn largest(arrays: &[Tensor]) -> f64 {
    arrays
        .iter()
        .flat_map(|t| t.as_slice())
        .fold(0f64, |m, v| m.max(v.abs() as f64))
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras")
}

/// Every replay case: the `*.json` files of `tests/fixtures/keras` (not `meta/`), by name.
fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("tests/fixtures/keras exists")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

fn load(name: &str) -> Result<Fixture, String> {
    let path = fixture_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path:?}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("cannot load the fixture: {e}"))
}

/// The model of a fixture, compiled on the CPU, with the given (Keras) initial weights.
fn model(f: &Fixture, initial: &[WeightArray]) -> Result<Sequential, String> {
    let c = &f.record.config;
    let mut m = c.build_model().map_err(|e| e.to_string())?;
    let w = weights_from_json(initial).map_err(|e| e.to_string())?;
    m.set_weights(&w).map_err(|e| e.to_string())?;
    m.compile(c.loss.name(), c.optimizer)
        .map_err(|e| e.to_string())?;
    Ok(m)
}

fn json_weights(w: &[WeightArray]) -> Vec<Tensor> {
    weights_from_json(w).expect("fixture weights are rectangular")
}

/// Replays one case and compares everything Keras recorded. `Err` when the case cannot run.
fn replay(f: &Fixture, check: &mut Check) -> Result<usize, String> {
    let r = &f.record;
    let c = &r.config;
    let data = r.dataset.to_dataset().map_err(|e| e.to_string())?;
    let mut m = model(f, &r.initial_weights)?;
    let mut stages = f.extra.stages.iter().peekable();
    let n = data.x_train.rows();
    let bs = c.training.batch_size.unwrap_or(n);
    let n_test = data.x_test.rows();
    let err = |e: nnplay::Error| e.to_string();
    for step in 0..c.training.steps {
        let start = (step % n.div_ceil(bs)) * bs;
        let end = (start + bs).min(n);
        let (x, y) = (
            data.x_train.slice_rows(start, end),
            data.y_train.slice_rows(start, end),
        );
        let loss = m.train_on_batch(&x, &y).map_err(err)?;
        check.value(|| format!("loss of step {step}"), loss, r.losses[step]);
        if let Some(s) = stages.next_if(|s| s.step == step) {
            let cost = m
                .evaluate(&data.x_test, &data.y_test, Some(n_test))
                .map_err(err)?;
            check.value(|| format!("stage {step} test cost"), cost, s.test_cost);
            check.arrays(
                &format!("stage {step} weights"),
                &m.get_weights().map_err(err)?,
                &json_weights(&s.weights),
                0.0,
            );
        }
    }
    if let Some(s) = stages.next() {
        check.fail(format!("stage at step {} never reached", s.step));
    }
    check.arrays(
        "final weights",
        &m.get_weights().map_err(err)?,
        &json_weights(&r.final_weights),
        0.0,
    );
    let cost = m
        .evaluate(&data.x_test, &data.y_test, Some(n_test))
        .map_err(err)?;
    check.value(|| "test cost".into(), cost, r.test_cost);
    let b = &f.extra.evaluate_batched;
    let cost = m
        .evaluate(&data.x_test, &data.y_test, Some(b.batch_size))
        .map_err(err)?;
    check.value(
        || format!("evaluate(batch_size={})", b.batch_size),
        cost,
        b.value,
    );
    let pred = m.predict(&data.x_test, Some(n_test)).map_err(err)?;
    let want = Tensor::from_rows(&f.extra.predict_test).map_err(err)?;
    let targets = largest(std::slice::from_ref(&data.y_test));
    check.arrays("predict", &[pred], &[want], targets);
    let mut steps = c.training.steps;
    if let Some(fit) = &f.extra.fit {
        steps += replay_fit(f, fit, check)?;
    }
    Ok(steps)
}

/// `fit` from the fit's own initial weights: per-epoch loss and val_loss, final weights.
/// Returns the number of training steps it took.
fn replay_fit(f: &Fixture, fit: &Fit, check: &mut Check) -> Result<usize, String> {
    if fit.shuffle {
        return Err("the fixture's fit shuffles, which cannot be replayed".into());
    }
    let mut m = model(f, &fit.initial_weights)?;
    let data = f.record.dataset.to_dataset().map_err(|e| e.to_string())?;
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
        .map_err(|e| format!("fit: {e}"))?;
    if h.loss.len() != fit.loss.len() || h.val_loss.len() != fit.val_loss.len() {
        check.fail(format!(
            "fit history: {} losses and {} val_losses, Keras {} and {}",
            h.loss.len(),
            h.val_loss.len(),
            fit.loss.len(),
            fit.val_loss.len()
        ));
    }
    for (e, (g, w)) in h.loss.iter().zip(&fit.loss).enumerate() {
        check.value(|| format!("fit loss of epoch {e}"), *g, *w);
    }
    for (e, (g, w)) in h.val_loss.iter().zip(&fit.val_loss).enumerate() {
        check.value(|| format!("fit val_loss of epoch {e}"), *g, *w);
    }
    check.arrays(
        "fit final weights",
        &m.get_weights().map_err(|e| e.to_string())?,
        &json_weights(&fit.final_weights),
        0.0,
    );
    let n = data.x_train.rows();
    // Keras: split_at = floor(n · (1 − validation_split)) with the Python float.
    let train = (n as f64 * (1.0 - fit.validation_split)).floor() as usize;
    Ok(fit.epochs * train.div_ceil(fit.batch_size))
}

#[test]
fn every_keras_fixture_replays_on_the_cpu() {
    let names = case_names();
    assert!(names.len() >= 40, "only {} fixtures found", names.len());
    let (mut steps, mut values, mut worst, mut worst_at) = (0usize, 0usize, 0f64, String::new());
    let mut failures = Vec::new();
    for name in &names {
        let mut check = Check::default();
        let result = load(name).and_then(|f| replay(&f, &mut check));
        match result {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(s) => {
                steps += s;
                values += check.values;
                if check.worst > worst {
                    worst = check.worst;
                    worst_at = format!("{name} {}", check.worst_at);
                }
                if let Some(first) = check.first_failure {
                    failures.push(format!(
                        "{name}: {first}; {} values beyond rtol, worst {:.3e} at {}",
                        check.failures, check.worst, check.worst_at
                    ));
                }
            }
        }
    }
    println!(
        "keras fixtures on the CPU: {} cases, {steps} training steps, {values} values compared; \
         worst relative difference {worst:.3e} ({worst_at})",
        names.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} Keras fixtures differ beyond rtol {RTOL:e}:\n  {}",
        failures.len(),
        names.len(),
        failures.join("\n  ")
    );
}

#[test]
fn the_run_api_replays_the_tutorial_fixture_in_one_read_back() {
    // The same run through load_train + train_steps: identical losses, one read-back.
    let f = load("tutorial").unwrap();
    let r = &f.record;
    let data = r.dataset.to_dataset().unwrap();
    let mut m = model(&f, &r.initial_weights).unwrap();
    m.load_train(&data.x_train, &data.y_train, None).unwrap();
    let before = m.counters().readbacks;
    let losses = pollster::block_on(m.train_steps(r.config.training.steps, 0)).unwrap();
    assert_eq!(m.counters().readbacks - before, 1);
    assert_eq!(losses.len(), r.losses.len());
    for (i, (a, b)) in losses.iter().zip(&r.losses).enumerate() {
        assert!(
            rel(*a, *b) <= RTOL,
            "train_steps loss {i}: nnplay {a}, Keras {b}"
        );
    }
}

#[derive(Deserialize)]
struct SplitErrors {
    cases: Vec<SplitError>,
}

#[derive(Deserialize)]
struct SplitError {
    n: usize,
    validation_split: f64,
    split_at: usize,
    leaves: String,
    error: Option<KerasError>,
}

#[derive(Deserialize)]
struct KerasError {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

fn meta(name: &str) -> String {
    let path = fixture_dir().join("meta").join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

#[test]
fn fit_validation_split_leaving_no_samples_raises() {
    // Keras raises ValueError("Training data contains {n} samples, which is not sufficient to
    // split it into a validation and training set as specified by
    // `validation_split={vs}`. …") when floor(n·(1 − vs)) is 0 or n.
    let cases: SplitErrors = serde_json::from_str(&meta("validation_split_errors")).unwrap();
    assert!(!cases.cases.is_empty());
    let mut wrong = Vec::new();
    for c in &cases.cases {
        let e = c
            .error
            .as_ref()
            .expect("Keras raised for every recorded case");
        assert_eq!(e.kind, "ValueError");
        assert!(e.message.contains("`validation_split="), "{}", e.message);
        let vs = c.validation_split;
        // The recorded condition, from the option as Python reads it.
        let split_at = (c.n as f64 * (1.0 - vs)).floor() as usize;
        assert_eq!(split_at, c.split_at, "n {} vs {vs}", c.n);
        assert!(split_at == 0 || split_at == c.n);
        let mut m = Sequential::with_seed(1);
        m.add(Dense::new(1).input_dim(1)).unwrap();
        m.compile("mse", Optimizer::sgd(0.01)).unwrap();
        let x = Tensor::column(&vec![0.5; c.n]);
        let options = FitOptions {
            epochs: 1,
            batch_size: 2,
            shuffle: false,
            validation_split: vs,
        };
        match m.fit(&x, &x, options) {
            Ok(_) => wrong.push(format!(
                "n {} validation_split {vs} ({}): fit returned Ok; Keras raises {}: {}",
                c.n, c.leaves, e.kind, e.message
            )),
            Err(err) if !err.to_string().contains("validation_split") => wrong.push(format!(
                "n {} validation_split {vs}: the error does not name validation_split: {err}",
                c.n
            )),
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[derive(Deserialize)]
struct InitStats {
    fan_in: usize,
    fan_out: usize,
    initializers: Vec<InitStat>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct InitStat {
    name: String,
    distribution: String,
    min: f64,
    max: f64,
    mean: f64,
    std: f64,
    expected_std: f64,
    limit: Option<f64>,
    bound: Option<f64>,
    value: Option<f64>,
}

/// Mean and (population) standard deviation in f64.
fn moments(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|x| *x as f64).sum::<f64>() / n;
    let var = v.iter().map(|x| (*x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[test]
fn initializers_draw_from_keras_distributions() {
    // A (fan_in, fan_out) = (128, 512) kernel: 65536 draws, with fan_in ≠ fan_out so that a
    // limit or stddev computed from the wrong fan is caught (he/lecun vs glorot).
    //
    // Tolerances: the sample std of N draws has a relative standard error of
    // √((κ − 1) / 4N), κ the kurtosis: 1.8 uniform (0.17 %), 2.37 for a normal truncated at
    // ±2σ (0.23 %), 3 normal (0.28 %). Five standard errors (0.9 %, 1.2 %, 1.4 %) make a
    // false failure a < 1e-6 event while a wrong fan (a factor ≥ 1.4 in std for these shapes)
    // or a missing truncation rescale (12 %) fails by far. The mean is within 5σ/√N of 0.
    // Bounds are exact: no draw beyond the f32 limit (uniform) or 2σ/0.8796 (truncated), and
    // some draw within 0.1 % (uniform) or 3 % (truncated) of it, which misses with
    // probability < e^-30.
    let stats: InitStats = serde_json::from_str(&meta("initializers")).unwrap();
    assert_eq!(stats.initializers.len(), Initializer::ALL.len());
    let n = (stats.fan_in * stats.fan_out) as f64;
    let mut wrong = Vec::new();
    for s in &stats.initializers {
        let init = Initializer::from_name(&s.name).unwrap();
        let mut m = Sequential::with_seed(7);
        m.add(
            Dense::new(stats.fan_out)
                .input_dim(stats.fan_in)
                .use_bias(false)
                .kernel_initializer(init),
        )
        .unwrap();
        let w = m.get_weights().unwrap().remove(0);
        assert_eq!(w.shape(), (stats.fan_in, stats.fan_out));
        let v = w.as_slice();
        let (mean, std) = moments(v);
        let lo = v.iter().cloned().fold(f32::INFINITY, f32::min) as f64;
        let hi = v.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
        let amax = lo.abs().max(hi.abs());
        let kurtosis = match s.distribution.as_str() {
            "uniform" => 1.8,
            "truncated_normal" => 2.37,
            "normal" => 3.0,
            _ => 0.0,
        };
        let std_tol = 5.0 * ((kurtosis - 1.0) / (4.0 * n)).sqrt();
        let mut bad = |what: String| wrong.push(format!("{}: {what}", s.name));
        // Keras' own sample obeys the recorded definition (checks the fixture's reading).
        if s.distribution != "constant" {
            let r = (s.std - s.expected_std).abs() / s.expected_std;
            if r > std_tol {
                bad(format!(
                    "Keras std {} vs definition {}",
                    s.std, s.expected_std
                ));
            }
        }
        match s.distribution.as_str() {
            "constant" => {
                let value = s.value.unwrap() as f32;
                if v.iter().any(|x| *x != value) {
                    bad(format!("values other than {value}: min {lo}, max {hi}"));
                }
                continue;
            }
            "uniform" => {
                let limit = s.limit.unwrap() as f32 as f64;
                assert!(s.min >= -limit && s.max <= limit, "Keras within its limit");
                if amax > limit {
                    bad(format!(
                        "a draw of magnitude {amax} beyond the limit {limit}"
                    ));
                }
                if amax < limit * 0.999 {
                    bad(format!("largest magnitude {amax}, limit {limit}"));
                }
            }
            "truncated_normal" => {
                let bound = s.bound.unwrap() as f32 as f64;
                assert!(s.min >= -bound && s.max <= bound, "Keras within its bound");
                if amax > bound {
                    bad(format!(
                        "a draw of magnitude {amax} beyond the bound {bound}"
                    ));
                }
                if amax < bound * 0.97 {
                    bad(format!("largest magnitude {amax}, bound {bound}"));
                }
            }
            "normal" => {}
            other => panic!("unknown distribution {other}"),
        }
        if (std - s.expected_std).abs() / s.expected_std > std_tol {
            bad(format!(
                "std {std} vs Keras' {} (tolerance {:.2} %)",
                s.expected_std,
                std_tol * 100.0
            ));
        }
        if mean.abs() > 5.0 * s.expected_std / n.sqrt() {
            bad(format!("mean {mean}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `keras/meta/tanh.json`: Keras' tanh on the CPU (`jax.numpy.tanh`) over float32 inputs.
#[derive(Deserialize)]
struct TanhFixture {
    stride: usize,
    count: usize,
    h1: String,
    h2: String,
    samples: Vec<[u32; 2]>,
}

/// The inputs of `make_tanh_fixture.py`, in its order.
fn tanh_inputs(stride: usize) -> Vec<f32> {
    let pos: Vec<f32> = (0..=10f32.to_bits())
        .step_by(stride)
        .map(f32::from_bits)
        .collect();
    let mut edges = Vec::new();
    for v in [7.998_811_7f32, 0.0004, 1.0, 9.0] {
        let b = v.to_bits();
        edges.extend((b - 2..=b + 2).map(f32::from_bits));
    }
    edges.extend([f32::INFINITY, 1e30, 1e-30, 1e-45]);
    let neg = |v: &[f32]| v.iter().map(|x| -x).collect::<Vec<_>>();
    [pos.clone(), neg(&pos), edges.clone(), neg(&edges)].concat()
}

#[test]
fn tanh_is_keras_tanh_bit_for_bit() {
    let f: TanhFixture = serde_json::from_str(&meta("tanh")).unwrap();
    let xs = tanh_inputs(f.stride);
    assert_eq!(xs.len(), f.count, "the inputs are not the fixture's");
    let wrong: Vec<String> = f
        .samples
        .iter()
        .filter(|[x, y]| {
            nnplay::Activation::Tanh
                .forward(f32::from_bits(*x))
                .to_bits()
                != *y
        })
        .map(|[x, y]| {
            let x = f32::from_bits(*x);
            format!(
                "tanh({x:e}) = {:e}, Keras {:e}",
                nnplay::Activation::Tanh.forward(x),
                f32::from_bits(*y)
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} samples differ: {}",
        wrong.len(),
        f.samples.len(),
        wrong.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
    );
    let (mut h1, mut h2) = (0u64, 0u64);
    for (i, x) in xs.iter().enumerate() {
        let b = u64::from(nnplay::Activation::Tanh.forward(*x).to_bits());
        h1 = h1.wrapping_add(b);
        h2 = h2.wrapping_add(b.wrapping_mul(i as u64 + 1));
    }
    assert_eq!(
        (h1.to_string(), h2.to_string()),
        (f.h1, f.h2),
        "some of the {} results differ from Keras'",
        xs.len()
    );
    assert!(nnplay::Activation::Tanh.forward(f32::NAN).is_nan());
    println!(
        "tanh: {} inputs, every result equal to Keras' bit for bit",
        xs.len()
    );
}
