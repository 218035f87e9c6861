//! `nnplay-bench`: native figures for `make bench` (with `--json`, one JSON line per figure).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use nnplay::bench::{mlp_cpu, mlp_forward_cpu};
    use nnplay::run::Experiment;
    use nnplay::Config;
    use std::time::Instant;

    let json = std::env::args().any(|a| a == "--json");
    let start = Instant::now();
    let now_ms = move || start.elapsed().as_secs_f64() * 1000.0;
    let emit = |name: &str, value: f64, unit: &str| {
        if json {
            println!("{{\"name\":\"{name}\",\"value\":{value},\"unit\":\"{unit}\"}}");
        } else {
            println!("{name:<40} {value:>14.3} {unit}");
        }
    };
    let run = || -> nnplay::Result<()> {
        let mut e = Experiment::new_cpu(Config::default())?;
        e.train_blocking(10_000)?;
        let steps = 2_000_000;
        let t0 = now_ms();
        e.train_blocking(steps)?;
        let secs = (now_ms() - t0) / 1000.0;
        emit(
            "native_tutorial_steps_per_s",
            steps as f64 / secs,
            "steps/s",
        );
        let (gflop, secs) = mlp_cpu(1024, 40, now_ms)?;
        emit("native_mlp_b1024_gflops", gflop / secs, "GFLOP/s");
        emit("native_mlp_b1024_steps_per_s", 40.0 / secs, "steps/s");
        let (gflop, secs) = mlp_forward_cpu(1024, 100, now_ms)?;
        emit("native_mlp_b1024_forward_gflops", gflop / secs, "GFLOP/s");
        gpu_rows(&emit, &now_ms)
    };
    if let Err(e) = run() {
        eprintln!("nnplay-bench: {e}");
        std::process::exit(2);
    }
}

/// The WebGPU path natively: a software adapter (Mesa's lavapipe) is labelled as a
/// CPU-emulated GPU, whose speed says nothing of a real GPU's; the counts hold everywhere.
#[cfg(not(target_arch = "wasm32"))]
fn gpu_rows(emit: &dyn Fn(&str, f64, &str), now_ms: &dyn Fn() -> f64) -> nnplay::Result<()> {
    use nnplay::bench::mlp_config;
    use nnplay::config::BackendChoice;
    use nnplay::run::Experiment;
    use nnplay::Config;

    let mut e = match pollster::block_on(Experiment::new(Config::default(), BackendChoice::Webgpu))
    {
        Ok(e) => e,
        Err(err) => {
            eprintln!("nnplay-bench: no GPU rows ({err})");
            return Ok(());
        }
    };
    let line = e.backend_line();
    let software = line.contains("software");
    let (tag, unit_note) = if software {
        ("native_gpu_emulated_", " on a CPU-emulated GPU")
    } else {
        ("native_gpu_", "")
    };
    eprintln!("nnplay-bench: {line}");
    e.train_blocking(100)?;
    let before = e.model().counters();
    let steps = 4096;
    let t0 = now_ms();
    e.train_blocking(steps)?;
    let secs = (now_ms() - t0) / 1000.0;
    let c = e.model().counters();
    let n = steps as f64;
    emit(
        &format!("{tag}tutorial_steps_per_s"),
        n / secs,
        &format!("steps/s{unit_note}"),
    );
    emit(
        &format!("{tag}tutorial_steps_per_submit"),
        n / (c.submits - before.submits) as f64,
        "steps",
    );
    emit(
        &format!("{tag}tutorial_dispatches_per_step"),
        (c.dispatches - before.dispatches) as f64 / n,
        "dispatches",
    );
    let mut m = pollster::block_on(Experiment::new(mlp_config(1024), BackendChoice::Webgpu))?;
    m.train_blocking(2)?;
    let before = m.model().counters();
    let steps = if software { 4 } else { 200 };
    let t0 = now_ms();
    m.train_blocking(steps)?;
    let secs = (now_ms() - t0) / 1000.0;
    let c = m.model().counters();
    let flops = nnplay::bench::step_flops(1024, &[1, 256, 256, 1]) * steps as f64;
    emit(
        &format!("{tag}mlp_b1024_gflops"),
        flops / secs / 1e9,
        &format!("GFLOP/s{unit_note}"),
    );
    emit(
        &format!("{tag}mlp_b1024_dispatches_per_step"),
        (c.dispatches - before.dispatches) as f64 / steps as f64,
        "dispatches",
    );
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
