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
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("nnplay-bench: {e}");
        std::process::exit(2);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
