//! Every call that reaches the device recovers from a lost WebGPU device on the CPU with nothing
//! lost: `fit` (whose batches are reloaded on the CPU), `train_on_batch`, `predict`, and the
//! structured backend status says what happened.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::model::CpuReason;
use nnplay::{
    Activation, BackendChoice, BackendKind, Dense, FitOptions, Loss, Optimizer, Sequential, Tensor,
};
use pollster::block_on;

mod common;

fn model(choice: BackendChoice) -> Sequential {
    let mut m = Sequential::with_seed(5);
    m.add(Dense::new(6).input_dim(1).activation(Activation::Tanh))
        .unwrap();
    m.add(Dense::new(1)).unwrap();
    block_on(m.compile_on(Loss::Mse, Optimizer::adam(0.01), choice)).unwrap();
    m
}

fn data() -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..50).map(|i| -1.0 + i as f32 / 25.0).collect();
    let y: Vec<f32> = x.iter().map(|v| (3.0 * v).sin()).collect();
    (Tensor::column(&x), Tensor::column(&y))
}

fn options(epochs: usize) -> FitOptions {
    FitOptions {
        epochs,
        batch_size: 8,
        shuffle: true,
        validation_split: 0.2,
    }
}

#[test]
fn fit_continues_on_the_cpu_after_a_device_loss_with_the_same_history() {
    let _serial = common::gpu::serial();
    let (x, y) = data();
    let mut gpu = model(BackendChoice::Webgpu);
    assert_eq!(gpu.backend_kind(), Some(BackendKind::Webgpu));
    let mut history = gpu.fit(&x, &y, options(2)).unwrap();
    gpu.simulate_device_loss();
    // The next epochs' batches were loaded on a device that is gone: they run on the CPU.
    let rest = gpu.fit(&x, &y, options(3)).unwrap();
    history.loss.extend(rest.loss);
    history.val_loss.extend(rest.val_loss);
    let status = gpu.backend_status().unwrap().clone();
    assert_eq!(status.kind, BackendKind::Cpu);
    assert_eq!(status.requested, BackendChoice::Webgpu);
    assert!(status.adapter.is_some(), "the adapter it ran on is kept");
    match &status.cpu_reason {
        Some(CpuReason::DeviceLost { after_updates, .. }) => {
            assert_eq!(*after_updates, 2 * 5, "two epochs of five batches")
        }
        other => panic!("expected a device loss, got {other:?}"),
    }
    assert!(
        status.line().contains("lost after 10 updates"),
        "{}",
        status.line()
    );

    let mut cpu = model(BackendChoice::Cpu);
    let mut reference = cpu.fit(&x, &y, options(2)).unwrap();
    let more = cpu.fit(&x, &y, options(3)).unwrap();
    reference.loss.extend(more.loss);
    reference.val_loss.extend(more.val_loss);
    assert_eq!(history.loss.len(), 5);
    for (what, a, b) in [
        ("loss", &history.loss, &reference.loss),
        ("val_loss", &history.val_loss, &reference.val_loss),
    ] {
        for (i, (g, c)) in a.iter().zip(b.iter()).enumerate() {
            assert!(
                (g - c).abs() <= 1e-4 * c.abs() + 1e-6,
                "{what} of epoch {i}: {g} vs {c}"
            );
        }
    }
    assert_eq!(gpu.iterations(), cpu.iterations());
}

#[test]
fn train_on_batch_and_predict_recover_too() {
    let _serial = common::gpu::serial();
    let (x, y) = data();
    let mut gpu = model(BackendChoice::Webgpu);
    let mut cpu = model(BackendChoice::Cpu);
    for _ in 0..3 {
        gpu.train_on_batch(&x, &y).unwrap();
        cpu.train_on_batch(&x, &y).unwrap();
    }
    gpu.simulate_device_loss();
    let p = gpu.predict(&x, None).unwrap();
    assert_eq!(gpu.backend_kind(), Some(BackendKind::Cpu));
    let q = cpu.predict(&x, None).unwrap();
    for (a, b) in p.as_slice().iter().zip(q.as_slice()) {
        assert!((a - b).abs() <= 1e-4 * b.abs() + 1e-6, "{a} vs {b}");
    }
    let (g, c) = (
        gpu.train_on_batch(&x, &y).unwrap(),
        cpu.train_on_batch(&x, &y).unwrap(),
    );
    assert!((g - c).abs() <= 1e-4 * c.abs(), "{g} vs {c}");
    assert_eq!(gpu.iterations(), 4);
}

#[test]
fn the_status_says_why_the_cpu_runs() {
    let m = model(BackendChoice::Cpu);
    let s = m.backend_status().unwrap();
    assert_eq!(s.cpu_reason, Some(CpuReason::Requested));
    assert_eq!(s.line(), "Using CPU backend (asked for)");
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["kind"], "cpu");
    assert_eq!(json["cpu_reason"]["kind"], "requested");
}
