//! Measures the WebGPU backend natively: a 1024³ matmul through the backend, and training
//! steps of a 1-256-256-1 MLP (relu, mse, SGD, batch 1024) on the GPU and on the CPU.
//!
//! Prints one JSON object per line, `{"name": …, "value": …, "unit": …}`. On a software
//! adapter (Mesa's lavapipe, SwiftShader) the figures are CPU speed and are labelled so.
//!
//! `cargo run --release --example gpu_probe` (`WGPU_BACKEND=vulkan` to pick the API).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = native::run() {
        eprintln!("gpu_probe: {e}");
        std::process::exit(1);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use nnplay::activation::Activation;
    use nnplay::backend::cpu::CpuBackend;
    use nnplay::backend::gpu::GpuBackend;
    use nnplay::backend::Backend;
    use nnplay::engine::{Engine, LayerShape};
    use nnplay::error::Result;
    use nnplay::loss::Loss;
    use nnplay::optim::Optimizer;
    use nnplay::tensor::Tensor;
    use pollster::block_on;
    use std::time::Instant;

    const BATCH: usize = 1024;
    const HIDDEN: usize = 256;

    fn emit(name: &str, value: impl std::fmt::Display, unit: &str) {
        let value = value.to_string();
        let value = if value.parse::<f64>().is_ok() {
            value
        } else {
            format!("{value:?}")
        };
        println!("{{\"name\": \"{name}\", \"value\": {value}, \"unit\": \"{unit}\"}}");
    }

    fn values(n: usize, seed: u64, scale: f32) -> Vec<f32> {
        let mut rng = nnplay::rng::SeededRng::new(seed);
        (0..n)
            .map(|_| rng.uniform_in(-scale as f64, scale as f64) as f32)
            .collect()
    }

    fn gpu() -> Result<GpuBackend> {
        block_on(GpuBackend::new())
    }

    /// `2·n³·reps` FLOPs between two reads of a one-element buffer (which waits for the GPU).
    fn matmul_gflops(n: usize, reps: usize) -> Result<f64> {
        let mut g = gpu()?;
        let (a, b, out, sync) = (g.alloc(n, n), g.alloc(n, n), g.alloc(n, n), g.alloc(1, 1));
        g.write(a, &values(n * n, 1, 1.0))?;
        g.write(b, &values(n * n, 2, 1.0))?;
        for _ in 0..3 {
            g.matmul(a, false, b, false, out)?;
        }
        block_on(g.read(&[sync]))?;
        let t = Instant::now();
        for _ in 0..reps {
            g.matmul(a, false, b, false, out)?;
        }
        block_on(g.read(&[sync]))?;
        let s = t.elapsed().as_secs_f64();
        Ok(2.0 * (n as f64).powi(3) * reps as f64 / s / 1e9)
    }

    fn mlp<B: Backend>(backend: B) -> Result<Engine<B>> {
        let shapes = vec![
            LayerShape {
                inputs: 1,
                units: HIDDEN,
                activation: Activation::Relu,
                use_bias: true,
            },
            LayerShape {
                inputs: HIDDEN,
                units: HIDDEN,
                activation: Activation::Relu,
                use_bias: true,
            },
            LayerShape {
                inputs: HIDDEN,
                units: 1,
                activation: Activation::Linear,
                use_bias: true,
            },
        ];
        let mut weights = Vec::new();
        for (i, s) in shapes.iter().enumerate() {
            let limit = (6.0 / (s.inputs + s.units) as f32).sqrt();
            let k = values(s.inputs * s.units, 10 + i as u64, limit);
            weights.push(Tensor::from_vec(s.inputs, s.units, k)?);
            weights.push(Tensor::zeros(1, s.units));
        }
        let mut e = Engine::new(backend, shapes, &weights, Loss::Mse, Optimizer::sgd(0.01))?;
        let x = values(BATCH, 3, 1.0);
        let y: Vec<f32> = x.iter().map(|v| (3.0 * v).sin()).collect();
        e.load_train(&[(&Tensor::column(&x), &Tensor::column(&y))])?;
        Ok(e)
    }

    /// Steps per second of `steps` training steps after a warm-up.
    fn steps_per_second<B: Backend>(e: &mut Engine<B>, steps: usize) -> Result<f64> {
        block_on(e.train_loaded(5, 0))?;
        let t = Instant::now();
        block_on(e.train_loaded(steps, 0))?;
        Ok(steps as f64 / t.elapsed().as_secs_f64())
    }

    pub fn run() -> Result<()> {
        let g = gpu()?;
        let software = g.is_software();
        let label = if software {
            " (CPU-emulated GPU: CPU speed, not a GPU timing)"
        } else {
            ""
        };
        emit("adapter", format!("{}{label}", g.describe()), "");
        emit("adapter_is_software", u8::from(software), "bool");
        drop(g);

        let reps = if software { 3 } else { 50 };
        emit(
            "matmul_1024_gflops",
            format!("{:.1}", matmul_gflops(1024, reps)?),
            "GFLOP/s",
        );
        if !software {
            emit(
                "matmul_2048_gflops",
                format!("{:.1}", matmul_gflops(2048, 20)?),
                "GFLOP/s",
            );
            emit(
                "matmul_4096_gflops",
                format!("{:.1}", matmul_gflops(4096, 5)?),
                "GFLOP/s",
            );
        }

        let flops_per_step = 2.0 * (BATCH * (HIDDEN + HIDDEN * HIDDEN + HIDDEN)) as f64 * 3.0;
        let mut e = mlp(gpu()?)?;
        let before = e.counters();
        block_on(e.train_loaded(1, 0))?;
        let c = e.counters();
        emit(
            "mlp_dispatches_per_step",
            c.dispatches - before.dispatches,
            "dispatches",
        );
        let gpu_steps = if software { 20 } else { 1000 };
        let sps = steps_per_second(&mut e, gpu_steps)?;
        emit("mlp_gpu_steps_per_s", format!("{sps:.1}"), "steps/s");
        emit(
            "mlp_gpu_gflops",
            format!("{:.1}", sps * flops_per_step / 1e9),
            "GFLOP/s",
        );
        let mut e = mlp(CpuBackend::new())?;
        let sps = steps_per_second(&mut e, 20)?;
        emit("mlp_cpu_steps_per_s", format!("{sps:.1}"), "steps/s");
        emit(
            "mlp_cpu_gflops",
            format!("{:.1}", sps * flops_per_step / 1e9),
            "GFLOP/s",
        );
        Ok(())
    }
}
