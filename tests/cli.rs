//! The `nnplay` binary: the tutorial's console run, records, and one-line errors with status 2.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::RunRecord;
use std::process::{Command, Output};

fn nnplay(args: &[&str]) -> Output {
    let xdg = std::env::temp_dir().join("nnplay-xdg");
    std::fs::create_dir_all(&xdg).unwrap();
    Command::new(env!("CARGO_BIN_EXE_nnplay"))
        .args(args)
        .env("XDG_RUNTIME_DIR", &xdg)
        .env_remove("NNPLAY_BACKEND")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("nnplay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn tutorial_prints_the_tutorials_run() {
    let o = nnplay(&["tutorial", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Using CPU backend (asked for)");
    assert_eq!(lines[1], "训练");
    let costs: Vec<f32> = lines[2..6]
        .iter()
        .map(|l| l.strip_prefix("train cost: ").unwrap().parse().unwrap())
        .collect();
    assert!(costs[0] > 1.0 && costs[3] < 0.05, "{costs:?}");
    assert!(costs.windows(2).all(|w| w[1] < w[0]), "{costs:?}");
    assert_eq!(lines[6], "测试");
    let test: f64 = lines[7]
        .strip_prefix("test cost: ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(test < 0.05, "{test}");
    assert!(lines[8].starts_with("weights: [[") && lines[8].ends_with("]]"));
    assert!(lines[9].starts_with("biases: [") && lines[9].ends_with(']'));
    assert_eq!(lines.len(), 10);
    let en = stdout(&nnplay(&["tutorial", "--backend", "cpu", "--lang", "en"]));
    assert!(en.contains("\nTraining\n") && en.contains("\nTesting\n"));
}

#[test]
fn stages_print_every_hundred_steps_and_plot_the_grid() {
    let svg = tmp("grid.svg");
    let o = nnplay(&["tutorial", "--backend", "cpu", "--stages", "--plot", &svg]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert_eq!(out.matches("train cost: ").count(), 10);
    // Ten stages plus the final evaluation.
    assert_eq!(out.matches("test cost: ").count(), 11);
    let svg = std::fs::read_to_string(svg).unwrap();
    assert_eq!(
        svg.matches(" k=").count(),
        10,
        "ten panels with their index"
    );
    assert!(svg.contains("cost=") && svg.contains("<polyline"));
}

#[test]
fn more_than_ten_stages_say_what_the_plot_left_out() {
    let svg = tmp("grid12.svg");
    let o = nnplay(&[
        "tutorial",
        "--backend",
        "cpu",
        "--stages",
        "--steps",
        "1200",
        "--plot",
        &svg,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o).matches("train cost: ").count(), 12);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "the plot has room for 10 stages: it shows stages 1–10 (steps 0–900) and leaves out stages 11–12 (steps 1000–1100)"
        ),
        "{err}"
    );
    let svg = std::fs::read_to_string(svg).unwrap();
    assert_eq!(svg.matches(" k=").count(), 10);
    // Ten stages or fewer: nothing is left out, and nothing is said.
    let o = nnplay(&[
        "tutorial",
        "--backend",
        "cpu",
        "--stages",
        "--steps",
        "1000",
        "--plot",
        &tmp("g10.svg"),
    ]);
    assert!(o.status.success());
    assert!(!String::from_utf8_lossy(&o.stderr).contains("leaves out"));
}

#[test]
fn a_failed_plot_still_writes_the_record_and_exits_non_zero() {
    let record = tmp("kept.json");
    let _ = std::fs::remove_file(&record);
    let bad_svg = tmp("no-such-folder/grid.svg");
    let o = nnplay(&[
        "tutorial",
        "--backend",
        "cpu",
        "--stages",
        "--steps",
        "300",
        "--plot",
        &bad_svg,
        "--record",
        &record,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "nnplay: --plot {bad_svg}: the plot could not be drawn"
        )),
        "{err}"
    );
    let r = RunRecord::from_json(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(r.steps_taken(), 300);
}

#[test]
fn a_diverged_runs_record_is_written_and_imports_again() {
    let cfg = tmp("diverge.json");
    std::fs::write(
        &cfg,
        r#"{"optimizer": {"name": "sgd", "learning_rate": 1000}, "training": {"steps": 100}}"#,
    )
    .unwrap();
    let record = tmp("diverged.json");
    let o = nnplay(&[
        "run",
        "--config",
        &cfg,
        "--backend",
        "cpu",
        "--record",
        &record,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("the learning rate is too large"));
    let text = std::fs::read_to_string(&record).unwrap();
    let r = RunRecord::from_json(&text).unwrap();
    assert_eq!(r.steps_taken(), 100);
    assert!(r.losses.iter().any(|l| l.is_nan()));
    let finals: Vec<f32> = r
        .final_weights
        .iter()
        .flat_map(|a| match a {
            nnplay::record::WeightArray::Matrix(m) => m.concat(),
            nnplay::record::WeightArray::Vector(v) => v.clone(),
        })
        .collect();
    assert!(finals.iter().all(|w| w.is_nan()), "{finals:?}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["final_weights"], serde_json::json!([[[null]], [null]]));
}

#[test]
fn record_is_a_valid_run_record_and_replays() {
    let path = tmp("r.json");
    let o = nnplay(&[
        "tutorial",
        "--backend",
        "cpu",
        "--steps",
        "50",
        "--record",
        &path,
    ]);
    assert!(o.status.success());
    let r = RunRecord::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(r.losses.len(), 50);
    assert_eq!(r.backend, "cpu");
    assert_eq!(r.dataset.x_train.len(), 160);
    // Replaying the record with the Keras API gives the same losses.
    let data = r.dataset.to_dataset().unwrap();
    let mut m = r.config.build_model().unwrap();
    m.set_weights(&nnplay::record::weights_from_json(&r.initial_weights).unwrap())
        .unwrap();
    m.compile("mse", r.config.optimizer).unwrap();
    for want in &r.losses {
        let got = m.train_on_batch(&data.x_train, &data.y_train).unwrap();
        assert_eq!(got, *want);
    }
}

#[test]
fn webgpu_record_matches_the_cpu_record() {
    let (g, c) = (tmp("g.json"), tmp("c.json"));
    let og = nnplay(&["tutorial", "--backend", "webgpu", "--record", &g]);
    assert!(
        og.status.success(),
        "no WebGPU adapter? run `make setup` (Mesa's lavapipe): {}",
        String::from_utf8_lossy(&og.stderr)
    );
    assert!(stdout(&og).starts_with("Using WebGPU backend (adapter: "));
    assert!(nnplay(&["tutorial", "--backend", "cpu", "--record", &c])
        .status
        .success());
    let g = RunRecord::from_json(&std::fs::read_to_string(g).unwrap()).unwrap();
    let c = RunRecord::from_json(&std::fs::read_to_string(c).unwrap()).unwrap();
    assert_eq!(g.backend, "webgpu");
    assert_eq!(g.dataset, c.dataset);
    assert_eq!(g.initial_weights, c.initial_weights);
    for (i, (a, b)) in g.losses.iter().zip(&c.losses).enumerate() {
        assert!((a - b).abs() <= 1e-4 * b.abs(), "step {i}: {a} vs {b}");
    }
    assert!((g.test_cost - c.test_cost).abs() <= 1e-4 * c.test_cost);
}

#[test]
fn bad_arguments_and_configs_exit_2_with_one_line() {
    let cfg = tmp("bad.json");
    std::fs::write(
        &cfg,
        r#"{"optimizer": {"name": "sgd", "learning_rate": -1}}"#,
    )
    .unwrap();
    let unknown = tmp("unknown.json");
    std::fs::write(&unknown, r#"{"modle": {}}"#).unwrap();
    let binary = tmp("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, b'{', b'}']).unwrap();
    let list = tmp("list.json");
    std::fs::write(&list, "[]").unwrap();
    let huge_point = tmp("huge_point.json");
    std::fs::write(
        &huge_point,
        r#"{"data": {"kind": "custom", "points": [[0, 1], [1, 1e39], [2, 3]]}}"#,
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["tutorial", "--steps", "x"], "--steps"),
        (vec!["tutorial", "--steps", "0"], "training.steps"),
        (
            vec!["tutorial", "--backend", "tpu"],
            "unknown backend 'tpu'",
        ),
        (vec!["tutorial", "--frob"], "unknown option '--frob'"),
        (vec!["tutorial", "--plot", "x.svg"], "--stages"),
        (vec!["frob"], "unknown command"),
        (vec!["run"], "--config"),
        (vec!["run", "--config", "/nonexistent.json"], "cannot read"),
        (
            vec!["run", "--config", "/dev/zero"],
            "cannot read /dev/zero: larger than 16 MiB",
        ),
        (vec!["run", "--config", binary.as_str()], "not UTF-8 text"),
        (
            vec!["run", "--config", list.as_str()],
            "expected a JSON object",
        ),
        (
            vec!["run", "--config", huge_point.as_str()],
            "data.points[1]: y = 1e39 does not fit a 32-bit float",
        ),
        (vec!["run", "--config", cfg.as_str()], "learning_rate"),
        (
            vec!["run", "--config", unknown.as_str()],
            "unknown field `modle`",
        ),
    ];
    for (args, needle) in cases {
        let o = nnplay(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("nnplay: ") && err.contains(needle),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn nnplay_backend_variable_picks_the_backend() {
    let o = Command::new(env!("CARGO_BIN_EXE_nnplay"))
        .args(["tutorial", "--steps", "1"])
        .env("NNPLAY_BACKEND", "cpu")
        .output()
        .unwrap();
    assert!(stdout(&o).starts_with("Using CPU backend (asked for)"));
    let o = Command::new(env!("CARGO_BIN_EXE_nnplay"))
        .args(["tutorial", "--steps", "1"])
        .env("NNPLAY_BACKEND", "quantum")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// Runs the binary as a newcomer's shell would: no `XDG_RUNTIME_DIR`, no `NNPLAY_BACKEND`.
fn nnplay_bare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nnplay"))
        .args(args)
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NNPLAY_BACKEND")
        .output()
        .expect("the binary runs")
}

#[test]
fn a_newcomers_first_command_prints_the_tutorial_and_nothing_alarming() {
    let o = nnplay_bare(&["tutorial"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.trim().is_empty(), "stderr: {err}");
    let out = stdout(&o);
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Using CPU backend (this model is too small to gain from the GPU: "),
        "{first}"
    );
    assert_eq!(out.lines().nth(1), Some("训练"));
}

#[test]
fn webgpu_without_xdg_runtime_dir_prints_no_driver_warning() {
    for backend in ["webgpu", "auto"] {
        let dir = tmp(&format!("big-{backend}"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = format!("{dir}/big.json");
        std::fs::write(
            &config,
            r#"{"model": {"layers": [{"units": 256, "activation": "tanh"}, {"units": 256, "activation": "tanh"}, {"units": 1}]}, "training": {"steps": 3}}"#,
        )
        .unwrap();
        let o = nnplay_bare(&["run", "--config", &config, "--backend", backend]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("XDG_RUNTIME_DIR"), "{backend}: stderr: {err}");
        let out = stdout(&o);
        if backend == "auto" && out.starts_with("Using WebGPU") && out.contains("software") {
            panic!("auto took a software adapter: {out}");
        }
        if backend == "auto" && o.status.success() && !out.starts_with("Using WebGPU") {
            assert!(
                out.starts_with("Using CPU backend (the only WebGPU adapter is a software one")
                    || out.starts_with("Using CPU backend (no WebGPU"),
                "{out}"
            );
        }
    }
}
