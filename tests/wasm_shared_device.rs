//! One WebGPU device per wasm instance: experiments built in one instance (the page's elements,
//! hosted in one Worker) share a device, train independently on it, and one dropped leaves the
//! others training. Runs in headless Chromium with WebGPU; elsewhere each test says "skipped".
#![cfg(target_arch = "wasm32")]

use futures_util::future::join;
use nnplay::backend::gpu::devices_opened;
use nnplay::config::{Config, LayerConfig};
use nnplay::wasm_api::Experiment;
use wasm_bindgen_test::wasm_bindgen_test;

/// The backend the Makefile expects here (`webgpu` only in Chromium with WebGPU).
const EXPECTED_BACKEND: &str = match option_env!("NNPLAY_EXPECT_BACKEND") {
    Some(b) => b,
    None => "cpu",
};

/// Whether this run has WebGPU; says "skipped" when it has not.
fn has_webgpu(test: &str) -> bool {
    if EXPECTED_BACKEND != "webgpu" {
        wasm_bindgen_test::console_log!(
            "{test}: skipped: no WebGPU in this run (NNPLAY_EXPECT_BACKEND={EXPECTED_BACKEND})"
        );
        return false;
    }
    true
}

/// The tutorial with another seed and width: its own data, weights and losses.
fn config(seed: u64, units: usize) -> String {
    let mut c = Config {
        seed,
        ..Config::default()
    };
    c.model.layers = vec![
        LayerConfig::new(units, "tanh"),
        LayerConfig::new(1, "linear"),
    ];
    c.to_json()
}

async fn build(config: &str, backend: &str) -> Experiment {
    Experiment::create(config.to_string(), Some(backend.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{backend}: {:?}", wasm_bindgen::JsValue::from(e)))
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-4 * b.abs().max(1e-3),
            "{what}, step {i}: {a} vs {b} on the CPU"
        );
    }
}

#[wasm_bindgen_test]
async fn experiments_of_one_instance_share_one_device_and_train_independently() {
    if !has_webgpu("experiments_of_one_instance_share_one_device_and_train_independently") {
        return;
    }
    let (ca, cb) = (config(7, 8), config(11, 16));
    let before = devices_opened();
    // Built at the same time: the second waits for the device the first is opening.
    let (a, b) = join(build(&ca, "webgpu"), build(&cb, "webgpu")).await;
    assert_eq!(
        (a.backend(), b.backend()),
        ("webgpu".into(), "webgpu".into())
    );
    assert_eq!(
        devices_opened(),
        before + 1,
        "two experiments opened two devices"
    );
    let (ra, rb) = (build(&ca, "cpu").await, build(&cb, "cpu").await);
    // Interleaved chunks, as the elements' Worker runs them: each follows its own CPU run.
    let (mut ga, mut gb, mut wa, mut wb) = (vec![], vec![], vec![], vec![]);
    for _ in 0..3 {
        ga.extend(a.train(20).await.unwrap());
        gb.extend(b.train(20).await.unwrap());
        wa.extend(ra.train(20).await.unwrap());
        wb.extend(rb.train(20).await.unwrap());
    }
    assert_close("a", &ga, &wa);
    assert_close("b", &gb, &wb);
    assert_ne!(ga, gb, "different configs must give different losses");
    // One gone (its buffers freed), the other trains on.
    drop(a);
    let more = b.train(40).await.unwrap();
    assert_eq!(b.backend(), "webgpu", "{}", b.backend_line());
    assert_close("b after a was dropped", &more, &rb.train(40).await.unwrap());
    // A third joins the device that `b` still holds.
    let c = build(&ca, "webgpu").await;
    assert_eq!(devices_opened(), before + 1);
    assert_close("c", &c.train(20).await.unwrap(), &wa[..20]);
}

#[wasm_bindgen_test]
async fn a_simulated_loss_on_a_shared_device_moves_only_that_experiment_to_the_cpu() {
    if !has_webgpu("a_simulated_loss_on_a_shared_device_moves_only_that_experiment_to_the_cpu") {
        return;
    }
    let (ca, cb) = (config(3, 8), config(5, 8));
    let a = build(&ca, "webgpu").await;
    let b = build(&cb, "webgpu").await;
    a.train(10).await.unwrap();
    b.train(10).await.unwrap();
    a.simulate_device_loss().unwrap();
    let la = a.train(10).await.unwrap();
    assert_eq!(a.backend(), "cpu", "{}", a.backend_line());
    let lb = b.train(10).await.unwrap();
    assert_eq!(b.backend(), "webgpu", "{}", b.backend_line());
    let (ra, rb) = (build(&ca, "cpu").await, build(&cb, "cpu").await);
    ra.train(10).await.unwrap();
    rb.train(10).await.unwrap();
    assert_close("a on the CPU", &la, &ra.train(10).await.unwrap());
    assert_close("b on the device", &lb, &rb.train(10).await.unwrap());
}
