//! A WebGPU device lost in the middle of training: the run continues on the CPU from the same
//! weights and optimizer state, and says so.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::config::{BackendChoice, Config, LayerConfig};
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
