//! `nnplay-bench`: native figures for `make bench` (with `--json`, one JSON line per figure;
//! with `--only WORD`, only the workloads whose names contain WORD: tutorial, sine, mlp, gpu).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use nnplay::bench::{engine_rate, mlp_cpu, mlp_forward_cpu, peak_rate, sine_config};
    use nnplay::Config;
    use std::time::Instant;

    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    // `--only WORD` runs the workloads whose names contain WORD (e.g. to profile one).
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1).cloned());
    let wanted = |name: &str| only.as_deref().is_none_or(|w| name.contains(w));
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
        if wanted("tutorial") {
            let rate = engine_rate(Config::default(), 2_000_000, now_ms)?;
            emit("native_tutorial_steps_per_s", rate, "steps/s");
            let peak = peak_rate(4_000_000, now_ms)?;
            emit("native_tutorial_peak_steps_per_s", peak, "steps/s");
        }
        for opt in ["sgd", "adam"] {
            let name = format!("native_sine16_{opt}_steps_per_s");
            if wanted(&name) {
                emit(
                    &name,
                    engine_rate(sine_config(opt)?, 200_000, now_ms)?,
                    "steps/s",
                );
            }
        }
        if wanted("mlp") {
            let (gflop, secs) = mlp_cpu(1024, 40, now_ms)?;
            emit("native_mlp_b1024_gflops", gflop / secs, "GFLOP/s");
            emit("native_mlp_b1024_steps_per_s", 40.0 / secs, "steps/s");
            let (gflop, secs) = mlp_forward_cpu(1024, 100, now_ms)?;
            emit("native_mlp_b1024_forward_gflops", gflop / secs, "GFLOP/s");
        }
        if wanted("gpu") {
            gpu_rows(&emit, &now_ms)?;
        }
        Ok(())
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
