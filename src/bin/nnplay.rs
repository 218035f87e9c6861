//! `nnplay`: the command line over the same core as the page.
//!
//! ```text
//! nnplay tutorial [--steps N] [--seed S] [--backend auto|cpu|webgpu] [--record FILE]
//!                 [--stages] [--plot FILE.svg] [--lang zh|en]
//! nnplay run --config FILE.json [--record FILE] [--backend auto|cpu|webgpu]
//! nnplay summary --config FILE.json
//! ```
//! A bad argument or config exits with status 2 and one line naming the problem. `--record`
//! is written before `--plot` is drawn, so a plot that fails (status 2, naming the plot) loses
//! no run; the plot's grid has room for 10 stages and says which ones it left out.

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    /// `println!` that ends the program quietly when stdout is closed (e.g. `| head`).
    macro_rules! say {
        ($($t:tt)*) => {{
            use std::io::Write;
            if writeln!(std::io::stdout(), $($t)*).is_err() {
                std::process::exit(0);
            }
        }};
    }

    use nnplay::config::BackendChoice;
    use nnplay::limits::MAX_CONFIG_BYTES;
    use nnplay::run::Experiment;
    use nnplay::{text, Config, Error, Result, Tensor};
    use std::collections::HashMap;

    const USAGE: &str = "usage:
  nnplay tutorial [--steps N] [--seed S] [--backend auto|cpu|webgpu] [--record FILE]
                  [--stages] [--plot FILE.svg] [--lang zh|en]
  nnplay run --config FILE.json [--record FILE] [--backend auto|cpu|webgpu]
  nnplay summary --config FILE.json
The backend is --backend, else the NNPLAY_BACKEND variable, else the config's (auto).";

    /// Parsed `--name value` options and `--flag`s.
    struct Args {
        values: HashMap<String, String>,
        flags: Vec<String>,
    }

    fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Args> {
        let mut out = Args {
            values: HashMap::new(),
            flags: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            let key = name.trim_start_matches("--");
            if !name.starts_with("--") {
                return Err(Error::invalid(
                    "argument",
                    format!("'{a}' (expected an option)"),
                ));
            }
            if with_value.contains(&key) {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| Error::invalid(name, "needs a value"))?,
                };
                out.values.insert(key.to_string(), v);
            } else if flags.contains(&key) && inline.is_none() {
                out.flags.push(key.to_string());
            } else {
                let mut valid: Vec<String> = with_value.iter().map(|o| format!("--{o}")).collect();
                valid.extend(flags.iter().map(|f| format!("--{f}")));
                return Err(Error::unknown(
                    "option",
                    name,
                    &valid.iter().map(String::as_str).collect::<Vec<_>>(),
                ));
            }
        }
        Ok(out)
    }

    fn number<T: std::str::FromStr>(args: &Args, name: &str) -> Result<Option<T>> {
        args.values
            .get(name)
            .map(|v| {
                v.parse::<T>().map_err(|_| {
                    Error::invalid(format!("--{name}"), format!("'{v}' is not a valid number"))
                })
            })
            .transpose()
    }

    fn backend(args: &Args, config: &Config) -> Result<BackendChoice> {
        if let Some(b) = args.values.get("backend") {
            return BackendChoice::from_name(b);
        }
        match std::env::var("NNPLAY_BACKEND") {
            Ok(b) if !b.is_empty() => BackendChoice::from_name(&b)
                .map_err(|e| Error::Config(format!("NNPLAY_BACKEND: {e}"))),
            _ => Ok(config.backend),
        }
    }

    fn read_config(args: &Args) -> Result<Config> {
        let path = args
            .values
            .get("config")
            .ok_or_else(|| Error::invalid("--config", "is required (a JSON file)"))?;
        let text = read_text(path, MAX_CONFIG_BYTES)?;
        Config::from_json(&text).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("{path}: {m}")),
            other => Error::Config(format!("{path}: {other}")),
        })
    }

    /// A text file of at most `limit` bytes: reading stops there, so that a huge file (or
    /// `/dev/zero`) is refused instead of filling the memory.
    fn read_text(path: &str, limit: usize) -> Result<String> {
        use std::io::Read;
        let cannot = |e: std::io::Error| Error::Io(format!("cannot read {path}: {e}"));
        let file = std::fs::File::open(path).map_err(cannot)?;
        let mut bytes = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() > limit {
            return Err(Error::Io(format!(
                "cannot read {path}: larger than {} MiB",
                limit >> 20
            )));
        }
        String::from_utf8(bytes)
            .map_err(|e| Error::Io(format!("cannot read {path}: not UTF-8 text ({e})")))
    }

    fn write(path: &str, text: &str) -> Result<()> {
        std::fs::write(path, text).map_err(|e| Error::Io(format!("cannot write {path}: {e}")))
    }

    fn print_weights(w: &[Tensor]) {
        if let Some(k) = w.first() {
            say!("weights: {}", text::matrix(k));
        }
        if let Some(b) = w.get(1) {
            say!("biases: {}", text::vector(b.as_slice()));
        }
    }

    fn tutorial(args: &Args) -> Result<()> {
        let mut config = Config::default();
        let stages = args.flags.iter().any(|f| f == "stages");
        if stages {
            config.training.steps = 1000;
        }
        if let Some(s) = number::<usize>(args, "steps")? {
            config.training.steps = s;
        }
        if let Some(s) = number::<u64>(args, "seed")? {
            config.seed = s;
        }
        let zh = match args.values.get("lang").map(String::as_str) {
            None | Some("zh") => true,
            Some("en") => false,
            Some(other) => return Err(Error::unknown("language", other, &["zh", "en"])),
        };
        if args.values.contains_key("plot") && !stages {
            return Err(Error::invalid("--plot", "draws the stages: add --stages"));
        }
        config.validate()?;
        let choice = backend(args, &config)?;
        config.backend = choice;
        let mut e = pollster::block_on(Experiment::new(config.clone(), choice))?;
        say!("{}", e.backend_line());
        say!("{}", if zh { "训练" } else { "Training" });
        let every = config.training.log_every;
        let steps = config.training.steps;
        // The grid's panels follow the core's schedule (the page's and the element's too):
        // one after each multiple of plot::GRID_EVERY, the first plot::PANELS of them kept.
        let grid: Vec<usize> = if stages {
            plot::grid_steps(steps).collect()
        } else {
            Vec::new()
        };
        let mut panels = Vec::new();
        // Where the run stops to look: each logged step and each grid step. The step looked
        // at alone (the model is read right after it), then the steps up to the next stop in
        // one go, so a GPU reads back about twice per stop.
        let mut stops: Vec<usize> = (0..steps)
            .step_by(every)
            .chain(grid.iter().copied())
            .collect();
        stops.sort_unstable();
        stops.dedup();
        let mut done = 0;
        for &step in &stops {
            if step > done {
                e.train_blocking(step - done)?;
            }
            let cost = e.train_blocking(1)?[0];
            done = step + 1;
            let mut test = None;
            if step % every == 0 {
                say!("train cost: {}", text::train_cost(cost));
                if stages {
                    let t = pollster::block_on(e.test_cost())?;
                    say!("test cost: {}", text::test_cost(t));
                    print_weights(&pollster::block_on(e.weights())?);
                    test = Some(t);
                }
            }
            if grid.contains(&step) && panels.len() < plot::PANELS {
                let cost = match test {
                    Some(t) => t,
                    None => pollster::block_on(e.test_cost())?,
                };
                let xs = e.dataset().x_test.as_slice().to_vec();
                let ys = pollster::block_on(e.predict(&xs))?;
                panels.push(plot::Panel {
                    cost,
                    k: panels.len() + 1,
                    fit: xs.into_iter().zip(ys).collect(),
                });
            }
        }
        if steps > done {
            e.train_blocking(steps - done)?;
        }
        say!("{}", if zh { "测试" } else { "Testing" });
        let test = pollster::block_on(e.test_cost())?;
        say!("test cost: {}", text::test_cost(test));
        print_weights(&pollster::block_on(e.weights())?);
        // The record first, and whatever the plot does: a failed plot must not lose the run.
        let recorded = match args.values.get("record") {
            Some(path) => write_record(&mut e, path),
            None => Ok(()),
        };
        let plotted = match args.values.get("plot") {
            Some(path) => {
                let d = e.dataset();
                let points: Vec<(f32, f32)> = d
                    .x_test
                    .as_slice()
                    .iter()
                    .copied()
                    .zip(d.y_test.as_slice().iter().copied())
                    .collect();
                plot::grid(path, &points, &panels)
                    .map_err(|e| {
                        Error::Io(format!("--plot {path}: the plot could not be drawn: {e}"))
                    })
                    .map(|()| {
                        eprintln!("wrote {path}");
                        if grid.len() > panels.len() {
                            eprintln!(
                                "{}",
                                plot::left_out(panels.len(), grid.len(), nnplay::plot::GRID_EVERY)
                            );
                        }
                    })
            }
            None => Ok(()),
        };
        match (recorded, plotted) {
            (Err(r), Err(p)) => {
                eprintln!("nnplay: {p}");
                Err(r)
            }
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    fn write_record(e: &mut Experiment, path: &str) -> Result<()> {
        write(path, &pollster::block_on(e.record())?.to_json())?;
        eprintln!("wrote {path}");
        Ok(())
    }

    fn run(args: &Args) -> Result<()> {
        let mut config = read_config(args)?;
        let choice = backend(args, &config)?;
        config.backend = choice;
        let mut e = pollster::block_on(Experiment::new(config.clone(), choice))?;
        say!("{}", e.backend_line());
        let every = config.training.log_every;
        let losses = e.train_blocking(config.training.steps)?;
        for (step, cost) in losses.iter().enumerate() {
            if step % every == 0 {
                say!("step {step:>7}  train cost: {}", text::train_cost(*cost));
            }
        }
        let first = losses.first().copied().unwrap_or(f32::NAN);
        if let Some(step) = nnplay::run::diverged_at(&losses, first) {
            say!(
                "the loss became {} at step {step}: the learning rate is too large (try {})",
                text::train_cost(losses[step]),
                e.stable_learning_rate()
            );
        }
        say!(
            "test cost: {}",
            text::test_cost(pollster::block_on(e.test_cost())?)
        );
        if let Some(path) = args.values.get("record") {
            write_record(&mut e, path)?;
        }
        Ok(())
    }

    fn summary(args: &Args) -> Result<()> {
        let config = read_config(args)?;
        say!("{}", config.build_model()?.summary().trim_end());
        Ok(())
    }

    /// Gives Mesa's Vulkan and EGL drivers a private runtime folder when `XDG_RUNTIME_DIR` is
    /// unset or not a folder of ours with mode 0700: without one they print `error:
    /// XDG_RUNTIME_DIR is invalid or not set in the environment.` to stderr when the WebGPU
    /// adapter is opened. Called first, while the program has a single thread.
    #[cfg(unix)]
    fn private_runtime_dir() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let usable = |dir: &std::path::Path| {
            std::fs::metadata(dir).is_ok_and(|m| {
                m.is_dir() && m.mode() & 0o777 == 0o700 && m.uid() == unsafe { getuid() }
            })
        };
        if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| usable(std::path::Path::new(&d))) {
            return;
        }
        let dir = std::env::temp_dir().join(format!("nnplay-runtime-{}", unsafe { getuid() }));
        let made = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)));
        if made.is_ok() && usable(&dir) {
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
        }
    }

    #[cfg(unix)]
    extern "C" {
        /// The real user id (POSIX; never fails).
        fn getuid() -> u32;
    }

    #[cfg(not(unix))]
    fn private_runtime_dir() {}

    /// Runs the CLI; returns the exit status.
    pub fn main() -> i32 {
        private_runtime_dir();
        let argv: Vec<String> = std::env::args().skip(1).collect();
        let Some(cmd) = argv.first() else {
            eprintln!("{USAGE}");
            return 2;
        };
        let rest = &argv[1..];
        let result = match cmd.as_str() {
            "tutorial" => parse(
                rest,
                &["steps", "seed", "backend", "record", "plot", "lang"],
                &["stages"],
            )
            .and_then(|a| tutorial(&a)),
            "run" => parse(rest, &["config", "record", "backend"], &[]).and_then(|a| run(&a)),
            "summary" => parse(rest, &["config"], &[]).and_then(|a| summary(&a)),
            "help" | "--help" | "-h" => {
                say!("{USAGE}");
                return 0;
            }
            other => Err(Error::unknown(
                "command",
                other,
                &["tutorial", "run", "summary", "help"],
            )),
        };
        match result {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("nnplay: {e}");
                2
            }
        }
    }

    /// The CLI's side of the figures: the core draws them ([`nnplay::plot`]).
    mod plot {
        pub use nnplay::plot::{grid_steps, grid_svg as grid, Panel};

        /// How many stages the grid has room for (5 rows of 2).
        pub const PANELS: usize = nnplay::plot::GRID_SHAPE.0 * nnplay::plot::GRID_SHAPE.1;

        /// What a grid of the first `shown` of `total` stages, one every `every` steps, left
        /// out.
        pub fn left_out(shown: usize, total: usize, every: usize) -> String {
            let step = |k: usize| (k - 1) * every;
            let range = |a: usize, b: usize, what: &str| {
                if a == b {
                    format!("{what} {a}")
                } else {
                    format!("{what}s {a}–{b}")
                }
            };
            format!(
                "the plot has room for {PANELS} stages: it shows {} ({}) and leaves out {} ({})",
                range(1, shown, "stage"),
                range(step(1), step(shown), "step"),
                range(shown + 1, total, "stage"),
                range(step(shown + 1), step(total), "step"),
            )
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::main());
}

#[cfg(target_arch = "wasm32")]
fn main() {}
