//! wasm-bindgen tests: run in node (`cargo test --target wasm32-unknown-unknown`) and in
//! headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`), with and without WebGPU.
#![cfg(target_arch = "wasm32")]

mod common;

use nnplay::config::{BackendChoice, Config, LayerConfig};
use nnplay::run::Experiment;
use nnplay::{Dense, Optimizer, Sequential, Tensor};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn seed_42_gives_the_natively_committed_data_and_weights() {
    let now = common::seeded_snapshot(42);
    let committed: serde_json::Value = serde_json::from_str(common::COMMITTED_SNAPSHOT).unwrap();
    assert_eq!(now, committed);
}

#[wasm_bindgen_test]
async fn tutorial_trains_on_the_cpu() {
    let mut e = Experiment::new(Config::default(), BackendChoice::Cpu)
        .await
        .unwrap();
    let losses = e.train(301).await.unwrap();
    assert_eq!(losses.len(), 301);
    assert!(losses[0] > 1.0, "first cost {}", losses[0]);
    assert!(losses[300] < 0.05, "last cost {}", losses[300]);
    assert!(e.test_cost().await.unwrap() < 0.05);
    assert!(e.backend_line().starts_with("Using CPU backend"));
}

#[wasm_bindgen_test]
fn keras_api_in_wasm_matches_a_hand_computed_step() {
    // One SGD step on Dense(1) from w = 1, b = 0 with x = [1, 2], y = [2, 3]:
    // loss = ((1-2)² + (2-3)²)/2 = 1; dw = (2·(-1)·1 + 2·(-1)·2)/2 = -3; db = -2.
    let mut m = Sequential::new();
    m.add(Dense::new(1).input_dim(1)).unwrap();
    m.set_weights(&[Tensor::column(&[1.0]), Tensor::row(&[0.0])])
        .unwrap();
    m.compile("mse", Optimizer::sgd(0.1)).unwrap();
    let x = Tensor::column(&[1.0, 2.0]);
    let y = Tensor::column(&[2.0, 3.0]);
    assert_eq!(m.train_on_batch(&x, &y).unwrap(), 1.0);
    let w = m.get_weights().unwrap();
    assert!((w[0].get(0, 0) - 1.3).abs() < 1e-6);
    assert!((w[1].get(0, 0) - 0.2).abs() < 1e-6);
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let mut m = Sequential::new();
    m.add(Dense::new(1).input_dim(1)).unwrap();
    let x = Tensor::column(&[1.0]);
    assert!(m
        .train_on_batch(&x, &x)
        .unwrap_err()
        .to_string()
        .contains("not compiled"));
    m.compile("mse", Optimizer::default()).unwrap();
    let y = Tensor::column(&[1.0, 2.0]);
    let msg = m.train_on_batch(&x, &y).unwrap_err().to_string();
    assert!(msg.contains("(1, 1) and (2, 1)"), "{msg}");
    let nan = Tensor::column(&[f32::NAN]);
    assert!(m.train_on_batch(&nan, &x).is_err());
    assert!(Config::from_json("{\"seed\": -1}").is_err());
}

/// The backend the Makefile expects here: `webgpu` in Chromium with `--enable-unsafe-webgpu`,
/// `cpu` in Chromium without it and in node (where there is no WebGPU at all).
const EXPECTED_BACKEND: &str = match option_env!("NNPLAY_EXPECT_BACKEND") {
    Some(b) => b,
    None => "cpu",
};

/// A model whose step is well over the `auto` threshold (160 rows through 256 × 256).
fn big_config() -> Config {
    let mut c = Config::default();
    c.model.layers = vec![
        LayerConfig::new(256, "tanh"),
        LayerConfig::new(256, "tanh"),
        LayerConfig::new(1, "linear"),
    ];
    c
}

#[wasm_bindgen_test]
async fn auto_picks_the_cpu_for_small_models_and_software_adapters() {
    let small = Experiment::new(Config::default(), BackendChoice::Auto)
        .await
        .unwrap();
    let line = small.backend_line();
    assert_eq!(small.backend_kind().name(), "cpu", "{line}");
    assert!(
        line.starts_with("Using CPU backend (this model is too small to gain from the GPU: "),
        "{line}"
    );
    let big = Experiment::new(big_config(), BackendChoice::Auto)
        .await
        .unwrap();
    let line = big.backend_line();
    if EXPECTED_BACKEND == "cpu" {
        assert_eq!(big.backend_kind().name(), "cpu", "{line}");
        assert!(line.starts_with("Using CPU backend (no WebGPU"), "{line}");
        let err = Experiment::new(Config::default(), BackendChoice::Webgpu)
            .await
            .err()
            .expect("webgpu cannot be had here");
        assert!(err.to_string().contains("WebGPU was asked for"), "{err}");
        return;
    }
    // `auto` runs only on a real GPU (explicit `webgpu` on any adapter: the next test).
    let software = nnplay::backend::gpu::GpuBackend::new()
        .await
        .unwrap()
        .is_software();
    if software {
        assert_eq!(big.backend_kind().name(), "cpu", "{line}");
        assert!(
            line.starts_with("Using CPU backend (the only WebGPU adapter is a software one"),
            "{line}"
        );
    } else {
        assert_eq!(big.backend_kind().name(), "webgpu", "{line}");
    }
}

#[wasm_bindgen_test]
async fn explicit_webgpu_runs_and_matches_the_cpu() {
    if EXPECTED_BACKEND != "webgpu" {
        wasm_bindgen_test::console_log!(
            "skipped: no WebGPU in this run (NNPLAY_EXPECT_BACKEND={EXPECTED_BACKEND})"
        );
        return;
    }
    let mut auto = Experiment::new(Config::default(), BackendChoice::Webgpu)
        .await
        .unwrap();
    let line = auto.backend_line();
    assert_eq!(auto.backend_kind().name(), "webgpu", "{line}");
    assert!(
        line.starts_with("Using WebGPU backend (adapter: "),
        "{line}"
    );
    let gpu = auto.train(301).await.unwrap();
    let mut cpu = Experiment::new(Config::default(), BackendChoice::Cpu)
        .await
        .unwrap();
    let reference = cpu.train(301).await.unwrap();
    for (i, (a, b)) in gpu.iter().zip(&reference).enumerate() {
        assert!((a - b).abs() <= 1e-4 * b.abs(), "step {i}: {a} vs {b}");
    }
    let (tg, tc) = (
        auto.test_cost().await.unwrap(),
        cpu.test_cost().await.unwrap(),
    );
    assert!((tg - tc).abs() <= 1e-4 * tc, "{tg} vs {tc}");
    // One read-back per run chunk, not per step.
    let c = auto.model().counters();
    assert!(c.readbacks <= 3, "{c:?}");
}

/// One product `a · b` on a backend, read back.
async fn product<B: nnplay::backend::Backend>(
    be: &mut B,
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
) -> Vec<f32> {
    let (ab, bb, ob) = (be.alloc(m, k), be.alloc(k, n), be.alloc(m, n));
    be.write(ab, a).unwrap();
    be.write(bb, b).unwrap();
    be.matmul(ab, false, bb, false, ob).unwrap();
    be.read(&[ob]).await.unwrap().remove(0)
}

#[wasm_bindgen_test]
async fn browser_webgpu_runs_every_matmul_pipeline_like_the_cpu() {
    if EXPECTED_BACKEND != "webgpu" {
        wasm_bindgen_test::console_log!(
            "skipped: no WebGPU in this run (NNPLAY_EXPECT_BACKEND={EXPECTED_BACKEND})"
        );
        return;
    }
    let mut gpu = nnplay::backend::gpu::GpuBackend::new().await.unwrap();
    let mut cpu = nnplay::backend::cpu::CpuBackend::new();
    // Small tiles, large tiles, and large tiles over two K slices (the browser checks the
    // pipeline constants of each).
    for (m, k, n) in [(65, 63, 257), (2000, 65, 1700), (600, 530, 700)] {
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i as u64 * 7919) % 200) as f32 / 100.0 - 1.0)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i as u64 * 104729) % 200) as f32 / 100.0 - 1.0)
            .collect();
        let g = product(&mut gpu, &a, &b, (m, k, n)).await;
        let c = product(&mut cpu, &a, &b, (m, k, n)).await;
        let tol = 1e-6 * k as f32;
        for (i, (g, c)) in g.iter().zip(&c).enumerate() {
            assert!(
                (g - c).abs() <= tol + 1e-5 * c.abs(),
                "{m}x{k}x{n} [{i}]: {g} vs {c}"
            );
        }
    }
}

/// The page builds its controls from `schema()`: it must reach JS whole (every number a JS
/// number, MAX_SEED = 2^53 included) and list what the core has.
#[wasm_bindgen_test]
fn schema_reaches_js_with_every_option_and_limit() {
    let js = nnplay::wasm_api::schema().unwrap_or_else(|_| panic!("schema() threw"));
    let s: serde_json::Value = serde_wasm_bindgen::from_value(js).unwrap();
    let optimizers = s["optimizers"].as_array().unwrap();
    assert_eq!(optimizers.len(), nnplay::optim::OPTIMIZERS.len());
    for (got, spec) in optimizers.iter().zip(nnplay::optim::OPTIMIZERS.iter()) {
        assert_eq!(got["name"], spec.name);
        let params: Vec<&str> = got["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
        assert_eq!(params, want, "{}", spec.name);
    }
    let rmsprop = &optimizers[2]["params"];
    assert_eq!(rmsprop[1]["name"], "rho");
    assert_eq!(rmsprop[4]["kind"], "bool");
    assert_eq!(s["losses"].as_array().unwrap().len(), 3);
    assert_eq!(
        s["activations"].as_array().unwrap().len(),
        nnplay::Activation::ALL.len()
    );
    assert_eq!(s["data_kinds"][0]["slope"], 0.5);
    let l = &s["limits"];
    assert_eq!(l["MAX_UNITS"], nnplay::limits::MAX_UNITS as u64);
    assert_eq!(
        l["MAX_SEED"].as_f64().unwrap(),
        nnplay::limits::MAX_SEED as f64
    );
    assert_eq!(s["fields"]["data.n"]["min"], 2.0);
    assert_eq!(s["fields"]["training.batch_size"]["nullable"], true);
    let hidden: nnplay::config::LayerConfig =
        serde_json::from_value(s["hidden_layer"].clone()).unwrap();
    assert_eq!(hidden.activation, "tanh");
}

#[wasm_bindgen_test]
fn the_log_text_is_the_clis_and_a_wrong_kernel_shape_is_an_error() {
    use nnplay::wasm_api::{biases_text, test_cost_text, train_cost_text, weights_text};
    assert_eq!(train_cost_text(4.858_940_6), "4.8589406");
    assert_eq!(test_cost_text(0.010_073_46), "0.010073459707200527");
    assert_eq!(
        weights_text(1, 1, vec![0.343_539_18]).unwrap(),
        "[[0.34353918]]"
    );
    assert_eq!(
        weights_text(2, 2, vec![1.0, 0.5, -2.0, 1e-5]).unwrap(),
        "[[1.0 0.5]\n [-2.0 1e-05]]"
    );
    assert_eq!(biases_text(&[1.998_463_9]), "[1.9984639]");
    // Values that do not fill rows × cols: an error, not a panic.
    assert!(weights_text(2, 2, vec![1.0, 2.0, 3.0]).is_err());
}

#[wasm_bindgen_test]
fn drawing_api_checks_its_input_and_bounds_the_loss_history() {
    use nnplay::wasm_api::{data_bounds, plot_css_properties, LossHistory, Plotter};
    // Bounds cover the points; arrays of different lengths are an error, not a panic.
    let b = data_bounds(&[0.0, 10.0], &[1.0, 6.0], &[5.0], &[3.0]).unwrap();
    assert!(
        b[0] < 0.0 && b[1] > 10.0 && b[2] < 1.0 && b[3] > 6.0,
        "{b:?}"
    );
    assert!(data_bounds(&[0.0, 1.0], &[1.0], &[], &[]).is_err());
    // A million steps keep the history bounded.
    let mut h = LossHistory::new();
    h.extend(&vec![0.5; 1_000_000]);
    assert_eq!(h.length(), 1_000_000);
    assert_eq!(h.last(), Some(0.5));
    h.clear();
    assert_eq!(h.length(), 0);
    // Colours by CSS property; a bad name or colour is an error.
    let mut p = Plotter::new(true);
    for name in plot_css_properties() {
        p.set_colour(&name, "#123456").unwrap();
    }
    assert!(p.set_colour("--nope", "#000").is_err());
    assert!(p.set_colour("--fg", "red").is_err());
    assert!(p.set_font("system-ui".into(), f64::NAN).is_err());
}
