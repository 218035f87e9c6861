//! A WebGPU device lost in the middle of training: the run continues on the CPU from the same
//! weights and optimizer state, and says so.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::config::{BackendChoice, Config, LayerConfig};
use nnplay::model::{flops_per_step, CpuReason, AUTO_GPU_MIN_FLOPS};
use nnplay::run::Experiment;
use nnplay::{BackendKind, Optimizer};

fn config() -> Config {
    let mut c = Config::default();
    c.model.layers = vec![LayerConfig::new(8, "tanh"), LayerConfig::new(1, "linear")];
    c.optimizer = Optimizer::adam(0.01);
    c
}

#[test]
fn device_loss_mid_run_continues_on_the_cpu_with_the_same_numbers() {
    std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    let mut gpu = pollster::block_on(Experiment::new(config(), BackendChoice::Webgpu))
        .expect("no WebGPU adapter: run `make setup` (installs mesa-vulkan-drivers)");
    assert_eq!(gpu.backend_kind(), BackendKind::Webgpu);
    let mut first = gpu.train_blocking(60).unwrap();
    gpu.simulate_device_loss();
    first.extend(gpu.train_blocking(90).unwrap());
    assert_eq!(gpu.backend_kind(), BackendKind::Cpu);
    assert!(
        gpu.backend_line().contains("lost"),
        "{}",
        gpu.backend_line()
    );
    assert_eq!(first.len(), 150);

    let mut cpu = Experiment::new_cpu(config()).unwrap();
    let reference = cpu.train_blocking(150).unwrap();
    for (i, (a, b)) in first.iter().zip(&reference).enumerate() {
        assert!(
            (a - b).abs() <= 1e-4 * b.abs() + 1e-6,
            "step {i}: {a} vs {b}"
        );
    }
    let (wg, wc) = (
        pollster::block_on(gpu.weights()).unwrap(),
        pollster::block_on(cpu.weights()).unwrap(),
    );
    for (g, c) in wg.iter().zip(&wc) {
        for (a, b) in g.as_slice().iter().zip(c.as_slice()) {
            assert!((a - b).abs() <= 1e-4 * b.abs() + 1e-5, "{a} vs {b}");
        }
    }
}

#[test]
fn device_loss_before_evaluate_also_recovers() {
    std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    let mut gpu = pollster::block_on(Experiment::new(config(), BackendChoice::Webgpu))
        .expect("no WebGPU adapter: run `make setup` (installs mesa-vulkan-drivers)");
    gpu.train_blocking(20).unwrap();
    gpu.simulate_device_loss();
    let cost = pollster::block_on(gpu.test_cost()).unwrap();
    assert!(cost.is_finite());
    assert_eq!(gpu.backend_kind(), BackendKind::Cpu);
}

/// A model whose step is well over the `auto` threshold.
fn big() -> Config {
    let mut c = Config::default();
    c.model.layers = vec![
        LayerConfig::new(256, "tanh"),
        LayerConfig::new(256, "tanh"),
        LayerConfig::new(1, "linear"),
    ];
    c
}

#[test]
fn auto_trains_a_small_model_on_the_cpu_and_says_why() {
    let e = pollster::block_on(Experiment::new(Config::default(), BackendChoice::Auto)).unwrap();
    assert_eq!(e.backend_kind(), BackendKind::Cpu);
    let line = e.backend_line();
    // The tutorial: 160 rows through one 1 → 1 layer, 6 FLOPs per multiply-add.
    assert_eq!(
        line,
        format!(
            "Using CPU backend (this model is too small to gain from the GPU: 960 FLOPs per step, under {:.1} MFLOPs; `webgpu` runs on it anyway)",
            AUTO_GPU_MIN_FLOPS as f64 / 1e6
        )
    );
    assert!(matches!(
        e.backend_status().cpu_reason,
        Some(CpuReason::TooSmall {
            flops_per_step: 960,
            ..
        })
    ));
}

#[test]
fn the_threshold_counts_rows_and_every_layer() {
    let layer = |inputs, units| nnplay::engine::LayerShape {
        inputs,
        units,
        activation: nnplay::Activation::Tanh,
        use_bias: true,
    };
    let shapes = [layer(1, 256), layer(256, 256), layer(256, 1)];
    assert_eq!(
        flops_per_step(&shapes, 160),
        6 * 160 * (256 + 256 * 256 + 256)
    );
    assert!(flops_per_step(&shapes, 160) > AUTO_GPU_MIN_FLOPS);
    assert!(flops_per_step(&shapes[..1], 160) < AUTO_GPU_MIN_FLOPS);
}

#[test]
fn auto_never_takes_a_software_adapter_and_webgpu_still_runs_on_one() {
    std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    let Ok(gpu) = pollster::block_on(Experiment::new(big(), BackendChoice::Webgpu)) else {
        eprintln!("skipped: no WebGPU adapter here (run `make setup`: mesa-vulkan-drivers)");
        return;
    };
    assert_eq!(gpu.backend_kind(), BackendKind::Webgpu);
    let adapter = gpu.backend_status().adapter.clone().unwrap();
    let auto = pollster::block_on(Experiment::new(big(), BackendChoice::Auto)).unwrap();
    let line = auto.backend_line();
    if adapter.software {
        assert_eq!(auto.backend_kind(), BackendKind::Cpu, "{line}");
        assert!(
            line.starts_with("Using CPU backend (the only WebGPU adapter is a software one: "),
            "{line}"
        );
        assert!(line.contains(&adapter.name), "{line}");
    } else {
        assert_eq!(auto.backend_kind(), BackendKind::Webgpu, "{line}");
    }
}
