//! The generated Keras code runs in real Keras 3 and agrees with nnplay: the readable script
//! runs without error for a sweep of configs, and the replay script of runs made by nnplay's
//! CPU engine matches every step at rtol 1e-5.
//!
//! Needs `.venv-keras/bin/python` (with keras and jax) at the crate root, as `make fixtures`
//! makes it; without it the test prints `skipped: no .venv-keras` and passes. All scripts run
//! in one Python process (importing Keras takes seconds).
#![cfg(not(target_arch = "wasm32"))]

use nnplay::codegen::{keras_code, keras_replay_script};
use nnplay::config::LayerConfig;
use nnplay::run::Experiment;
use nnplay::{Config, Loss, Optimizer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs each script with `runpy` in one process, its output captured; prints one line per
/// script: `RESULT <name> <exit status> <last line of output or the exception>`.
const DRIVER: &str = r#"
import contextlib, io, os, runpy, sys, traceback
os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
import keras
for path in sys.argv[1:]:
    name = os.path.basename(path)
    out = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except Exception:
            status = 2
            print(traceback.format_exc())
    lines = [l for l in out.getvalue().splitlines() if l.strip()]
    tail = " | ".join(lines[-3:]) if status else (lines[-1] if lines else "")
    print("RESULT", name, status, tail.replace("\n", " "), flush=True)
"#;

fn python() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-keras/bin/python");
    let ok = p.exists()
        && Command::new(&p)
            .args(["-c", "import keras, jax"])
            .env("KERAS_BACKEND", "jax")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    ok.then_some(p)
}

/// Writes the scripts, runs them, and returns `(name, status, message)` per script.
fn run_scripts(python: &Path, scripts: &[(String, String)]) -> Vec<(String, i32, String)> {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nnplay-keras-codegen-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let driver = dir.join("driver.py");
    std::fs::write(&driver, DRIVER).unwrap();
    let mut paths = Vec::new();
    for (name, code) in scripts {
        let p = dir.join(format!("{name}.py"));
        std::fs::write(&p, code).unwrap();
        paths.push(p);
    }
    let out = Command::new(python)
        .arg(&driver)
        .args(&paths)
        .env("KERAS_BACKEND", "jax")
        .env("JAX_PLATFORMS", "cpu")
        .env("TF_CPP_MIN_LOG_LEVEL", "3")
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results: Vec<(String, i32, String)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(|l| {
            let mut it = l.splitn(3, ' ');
            let name = it.next().unwrap_or("").trim_end_matches(".py").to_string();
            let status = it.next().and_then(|s| s.parse().ok()).unwrap_or(-1);
            (name, status, it.next().unwrap_or("").to_string())
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        results.len(),
        scripts.len(),
        "the driver reported {} of {} scripts; stderr:\n{}",
        results.len(),
        scripts.len(),
        String::from_utf8_lossy(&out.stderr)
    );
    results
}

fn layer(units: usize, activation: &str, use_bias: bool) -> LayerConfig {
    LayerConfig {
        use_bias,
        ..LayerConfig::new(units, activation)
    }
}

/// Small configs covering what the schema allows: every loss and optimizer with options,
/// layers without bias (first, middle, last), several layers, minibatches, custom points and
/// an odd split.
fn sweep() -> Vec<(String, Config)> {
    let mut out = Vec::new();
    let mut add = |name: &str, f: &dyn Fn(&mut Config)| {
        let mut c = Config::default();
        c.training.steps = 12;
        c.training.log_every = 5;
        f(&mut c);
        c.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((name.to_string(), c));
    };
    add("tutorial", &|_| {});
    add("no_bias_first_layer", &|c| {
        c.model.layers = vec![layer(1, "linear", false)];
    });
    add("mlp_no_bias_middle_mae", &|c| {
        c.model.layers = vec![
            layer(6, "tanh", true),
            layer(4, "relu", false),
            layer(1, "linear", true),
        ];
        c.loss = Loss::Mae;
    });
    add("huber_adam_options_minibatch", &|c| {
        c.model.layers = vec![layer(5, "elu", true), layer(1, "linear", false)];
        c.loss = Loss::Huber;
        c.optimizer = Optimizer::Adam {
            learning_rate: 0.01,
            beta_1: 0.8,
            beta_2: 0.99,
            epsilon: 1e-5,
        };
        c.training.batch_size = Some(7);
    });
    add("nesterov_every_activation", &|c| {
        let acts = [
            "relu",
            "tanh",
            "sigmoid",
            "selu",
            "softplus",
            "softsign",
            "swish",
            "gelu",
            "relu6",
            "leaky_relu",
            "hard_sigmoid",
        ];
        c.model.layers = acts.iter().map(|a| layer(3, a, true)).collect();
        c.model.layers.push(layer(1, "linear", true));
        c.optimizer = Optimizer::Sgd {
            learning_rate: 0.01,
            momentum: 0.9,
            nesterov: true,
        };
    });
    add("custom_points_odd_split", &|c| {
        c.data.kind = nnplay::DataKind::Custom;
        c.data.points = Some((0..9).map(|i| [i as f64 * 0.5, 1.0 + i as f64]).collect());
        c.data.train_fraction = 0.5;
        c.model.layers = vec![layer(2, "sigmoid", true), layer(1, "linear", true)];
    });
    add("initializers", &|c| {
        c.model.layers = vec![
            LayerConfig {
                kernel_initializer: "he_normal".into(),
                bias_initializer: "ones".into(),
                ..LayerConfig::new(4, "relu")
            },
            layer(1, "linear", true),
        ];
    });
    out
}

/// nnplay runs to replay in Keras: SGD variants, layers without bias, minibatches, each loss,
/// and Adam.
fn replayed() -> Vec<(String, Config)> {
    let mut runs: Vec<(String, Config)> = sweep()
        .into_iter()
        .filter(|(n, _)| n != "initializers")
        .collect();
    let mut c = Config::default();
    c.data.n = 50;
    c.data.train_fraction = 0.85;
    c.training.steps = 40;
    runs.push(("tutorial_n50_split85".into(), c));
    for (_, c) in &mut runs {
        c.training.steps = c.training.steps.max(30);
    }
    runs
}

/// Runs edited mid-run: (name, config, steps before and after the edit, the new optimizer).
fn edited() -> Vec<(String, Config, usize, Optimizer)> {
    let adam = |lr| Optimizer::Adam {
        learning_rate: lr,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-7,
    };
    let mut momentum = Config::default();
    momentum.training.batch_size = Some(48);
    momentum.optimizer = Optimizer::Sgd {
        learning_rate: 0.05,
        momentum: 0.9,
        nesterov: false,
    };
    let mut sine = Config::default();
    sine.data.kind = nnplay::DataKind::Sine;
    sine.model.layers = vec![layer(8, "tanh", true), layer(1, "linear", true)];
    sine.optimizer = adam(0.01);
    vec![
        (
            "sgd_momentum_minibatch_to_adam".into(),
            momentum,
            17,
            adam(0.02),
        ),
        ("adam_learning_rate".into(), sine, 25, adam(0.003)),
    ]
}

#[test]
fn generated_keras_code_runs_and_replays_nnplay_runs() {
    let Some(python) = python() else {
        skipped("no .venv-keras (make fixtures installs Keras there)");
        return;
    };
    let mut scripts: Vec<(String, String)> = sweep()
        .into_iter()
        .map(|(n, c)| (format!("readable_{n}"), keras_code(&c)))
        .collect();
    for (name, config) in replayed() {
        let steps = config.training.steps;
        let mut e = Experiment::new_cpu(config).unwrap();
        e.train_blocking(steps).unwrap();
        let record = pollster::block_on(e.record()).unwrap();
        assert_eq!(record.losses.len(), steps);
        scripts.push((format!("replay_{name}"), keras_replay_script(&record)));
    }
    // Runs whose optimizer was edited mid-run (a recompile): their records start at the edit.
    for (name, mut config, steps, edit) in edited() {
        config.training.steps = 2 * steps;
        let mut e = Experiment::new_cpu(config).unwrap();
        e.train_blocking(steps).unwrap();
        e.set_optimizer(edit).unwrap();
        e.train_blocking(steps).unwrap();
        let record = pollster::block_on(e.record()).unwrap();
        assert_eq!(record.losses.len(), steps);
        scripts.push((
            format!("replay_edited_{name}"),
            keras_replay_script(&record),
        ));
    }
    let results = run_scripts(&python, &scripts);
    let mut failed = Vec::new();
    for (name, status, message) in &results {
        println!("{name}: status {status}: {message}");
        if *status != 0 {
            failed.push(format!("{name} (status {status}): {message}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} Keras scripts failed:\n  {}",
        failed.len(),
        results.len(),
        failed.join("\n  ")
    );
}

#[test]
fn a_replay_script_catches_a_wrong_record() {
    // The replay must be able to fail: one loss of a real run nudged by 1e-4.
    let Some(python) = python() else {
        skipped("no .venv-keras (make fixtures installs Keras there)");
        return;
    };
    let mut c = Config::default();
    c.training.steps = 10;
    let mut e = Experiment::new_cpu(c).unwrap();
    e.train_blocking(10).unwrap();
    let mut record = pollster::block_on(e.record()).unwrap();
    record.losses[5] *= 1.0001;
    let results = run_scripts(&python, &[("nudged".into(), keras_replay_script(&record))]);
    assert_eq!(results[0].1, 1, "{:?}", results[0]);
    assert!(results[0].2.contains("loss of step 5"), "{:?}", results[0]);
}

/// Says on the terminal that a test could not run. Written to the stderr handle itself, which
/// the test harness does not capture (it captures `print!`/`eprint!`), so `cargo test` shows it
/// even though the test passes.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}
