//! Exports and imports that reproduce a run (`nnplay::export`): the CSV reads back as the same
//! points, the weights are `get_weights()` in Keras' layout, the link and the element's
//! attributes give the config back exactly, and a malformed file is refused with a message.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::config::LayerConfig;
use nnplay::data::parse_csv;
use nnplay::export::{self, ImportKind};
use nnplay::run::Experiment;
use nnplay::{BackendChoice, Config, DataKind, Optimizer, RunRecord};

fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A config unlike the default in many fields (and with awkward numbers).
fn curved() -> Config {
    let mut c = Config {
        seed: 7,
        optimizer: Optimizer::Adam {
            learning_rate: 0.03,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        },
        backend: BackendChoice::Cpu,
        ..Config::default()
    };
    c.data.kind = DataKind::Sine;
    c.data.n = 123;
    c.data.noise = 0.1;
    c.model.layers = vec![LayerConfig::new(16, "tanh"), LayerConfig::default()];
    c.training.steps = 1500;
    c.training.batch_size = Some(32);
    c
}

fn trained_record(config: Config, steps: usize) -> RunRecord {
    let mut e = Experiment::new_cpu(config).unwrap();
    e.train_blocking(steps).unwrap();
    pollster::block_on(e.record()).unwrap()
}

#[test]
fn the_csv_reads_back_as_the_same_points() {
    let r = trained_record(curved(), 3);
    let csv = export::dataset_csv(&r.dataset);
    let points = parse_csv(&csv).unwrap();
    let d = &r.dataset;
    assert_eq!(points.len(), d.x_train.len() + d.x_test.len());
    let expected: Vec<(f32, f32)> = d
        .x_train
        .iter()
        .chain(&d.x_test)
        .zip(d.y_train.iter().chain(&d.y_test))
        .map(|(x, y)| (x[0], y[0]))
        .collect();
    for (p, e) in points.iter().zip(&expected) {
        assert_eq!(
            (p[0] as f32, p[1] as f32),
            *e,
            "every value reads back exactly"
        );
    }
    assert!(csv.starts_with("# nnplay dataset: 98 training points, then 25 test points\nx,y\n"));
}

#[test]
fn a_csv_import_makes_the_points_custom_and_keeps_the_rest() {
    let current = curved();
    let i = export::import_text("x,y\n0,1\n0.5,2\n1,3.5\n2,4\n", &current).unwrap();
    assert_eq!(i.kind, ImportKind::Csv);
    assert_eq!(i.config.data.kind, DataKind::Custom);
    assert_eq!(i.config.data.points.as_ref().unwrap().len(), 4);
    assert_eq!(i.config.model, current.model);
    assert_eq!(i.config.optimizer, current.optimizer);
}

#[test]
fn the_weights_are_get_weights_in_keras_layout() {
    let mut e = Experiment::new_cpu(curved()).unwrap();
    e.train_blocking(5).unwrap();
    let r = pollster::block_on(e.record()).unwrap();
    let weights = e.model().get_weights().unwrap();
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&export::keras_weights_json(&r.final_weights)).unwrap();
    // Dense(16) kernel (1, 16), bias (16,), Dense(1) kernel (16, 1), bias (1,).
    assert_eq!(json.len(), 4);
    let shapes: Vec<Vec<usize>> = json
        .iter()
        .map(|a| match &a[0] {
            serde_json::Value::Array(row) => vec![a.as_array().unwrap().len(), row.len()],
            _ => vec![a.as_array().unwrap().len()],
        })
        .collect();
    assert_eq!(shapes, vec![vec![1, 16], vec![16], vec![16, 1], vec![1]]);
    for (a, w) in json.iter().zip(&weights) {
        let flat: Vec<f32> = match a.as_array().unwrap().first() {
            Some(serde_json::Value::Array(_)) => a
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|row| row.as_array().unwrap().clone())
                .map(|v| v.as_f64().unwrap() as f32)
                .collect(),
            _ => a
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect(),
        };
        assert_eq!(
            flat,
            w.as_slice(),
            "the values of get_weights(), row by row"
        );
    }
}

#[test]
fn the_link_gives_the_config_back_exactly() {
    let c = curved();
    let hash = export::share_hash(&c);
    assert!(hash.starts_with("c="), "{hash}");
    assert_eq!(export::config_from_share_hash(&hash).unwrap(), c);
    assert_eq!(
        export::config_from_share_hash(&format!("#{hash}")).unwrap(),
        c
    );
    // The default config is the bare page.
    assert_eq!(export::share_hash(&Config::default()), "");
    assert_eq!(
        export::config_from_share_hash("").unwrap(),
        Config::default()
    );
    // Custom points survive to the last bit.
    let mut p = Config::default();
    p.data.kind = DataKind::Custom;
    p.data.points = Some(vec![[0.1, 1.0 / 3.0], [-0.7, 2.5e-8], [1.0, 2.0]]);
    assert_eq!(
        export::config_from_share_hash(&export::share_hash(&p)).unwrap(),
        p
    );
}

#[test]
fn the_same_link_gives_the_same_numbers() {
    let c = curved();
    let again = export::config_from_share_hash(&export::share_hash(&c)).unwrap();
    let (a, b) = (trained_record(c, 20), trained_record(again, 20));
    assert_eq!(a.dataset, b.dataset);
    assert_eq!(a.initial_weights, b.initial_weights);
    assert_eq!(a.losses, b.losses);
    assert_eq!(a.final_weights, b.final_weights);
}

#[test]
fn a_malformed_link_is_refused_with_a_message() {
    for (hash, words) in [
        ("#x=1", "expected #c="),
        ("#c=***", "not base64url"),
        ("#c=_w", "not UTF-8"),
        ("#c=e30xx", "not base64url"),
        ("#c=eyJzZWVkIjo", "not JSON"),
        ("#c=WzFd", "not a JSON object"),
        ("#c=eyJzZWVkIjotMX0", "seed"),
        ("#c=eyJ4Ijp0cnVlfQ", "unknown field"),
    ] {
        let e = export::config_from_share_hash(hash)
            .unwrap_err()
            .to_string();
        assert!(e.contains(words), "{hash}: {e}");
    }
}

#[test]
fn attributes_give_the_config() {
    let c = export::config_from_attributes(&attrs(&[
        ("data-kind", "sine"),
        ("n", "123"),
        ("noise", "0.1"),
        ("layers", "16 tanh, 1"),
        ("optimizer", "adam"),
        ("learning-rate", "0.03"),
        ("steps", "1500"),
        ("batch-size", "32"),
        ("seed", "7"),
        ("backend", "cpu"),
    ]))
    .unwrap();
    let mut expected = curved();
    let (slope, intercept) = DataKind::Sine.preset().unwrap();
    expected.data.slope = slope;
    expected.data.intercept = intercept;
    assert_eq!(c, expected);
    // The element's attributes for a config read back as that config.
    for config in [expected.clone(), Config::default()] {
        assert_eq!(
            export::config_from_attributes(&export::embed_attributes(&config)).unwrap(),
            config
        );
    }
    assert!(export::embed_attributes(&Config::default()).is_empty());
    assert!(export::embed_attributes(&expected)
        .iter()
        .any(|(n, v)| n == "layers" && v == "16 tanh, 1"));
    // A config the short attributes cannot say goes whole into `config`.
    let mut odd = expected.clone();
    odd.model.layers[0].use_bias = false;
    let a = export::embed_attributes(&odd);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, "config");
    assert_eq!(export::config_from_attributes(&a).unwrap(), odd);
    // `config` first, the short attributes over it.
    let over = export::config_from_attributes(&attrs(&[
        ("config", r#"{"seed": 3, "training": {"steps": 10}}"#),
        ("steps", "20"),
    ]))
    .unwrap();
    assert_eq!((over.seed, over.training.steps), (3, 20));
}

#[test]
fn bad_attributes_are_refused_naming_them() {
    for (name, value, words) in [
        ("n", "many", "attribute n: 'many' is not a number"),
        ("n", "2.5", "attribute n: '2.5' is not a whole number"),
        ("n", "1", "data.n"),
        ("layers", "16 tanh relu, 1", "attribute layers: layer 1"),
        ("layers", "x, 1", "'x' is not a whole number"),
        ("layers", "16 banana, 1", "banana"),
        ("loss", "cross", "unknown loss 'cross'"),
        ("data-kind", "spiral", "spiral"),
        ("learning-rate", "NaN", "attribute learning-rate"),
        ("config", "{\"seed\": ", "attribute config"),
        ("backend", "tpu", "tpu"),
        ("optimizer", "lbfgs", "unknown optimizer 'lbfgs'"),
        ("colour", "red", "unknown attribute 'colour'"),
    ] {
        let e = export::config_from_attributes(&attrs(&[(name, value)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(words), "{name}={value}: {e}");
    }
}

#[test]
fn a_record_imports_as_its_config_and_steps() {
    let r = trained_record(curved(), 12);
    let i = export::import_text(&r.to_json(), &Config::default()).unwrap();
    assert_eq!(i.kind, ImportKind::Record);
    assert_eq!(i.config, r.config);
    assert_eq!(i.steps, 12);
    let i = export::import_text(&curved().to_json(), &Config::default()).unwrap();
    assert_eq!((i.kind, i.steps), (ImportKind::Config, 0));
    assert_eq!(i.config, curved());
}

#[test]
fn a_malformed_file_is_refused_with_a_message() {
    let record = trained_record(Config::default(), 2).to_json();
    let config = curved().to_json();
    let cut = |s: &str, n: usize| s[..s.len() * n / 10].to_string();
    let mut cases: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        ("   \n".into(), "empty"),
        ("[1, 2]".into(), "list"),
        ("{\"seed\": true}".into(), "seed"),
        ("x,y\n1,2,3\n".into(), "CSV line 2"),
        ("x,y\n1,abc\n".into(), "'abc' is not a number"),
        ("\u{0}\u{1}binary".into(), "no points"),
        (
            record.replace("nnplay.run/1", "nnplay.run/9"),
            "run record: format",
        ),
        (record.replace("\"losses\"", "\"lossez\""), "run record"),
    ];
    for n in 1..10 {
        cases.push((cut(&record, n), ""));
        cases.push((cut(&config, n), ""));
    }
    for (text, words) in &cases {
        let e = export::import_text(text, &Config::default())
            .unwrap_err()
            .to_string();
        assert!(!e.is_empty() && e.contains(words), "{text:.40}: {e}");
    }
}

/// Real Keras 3 takes the exported weights with `set_weights` and predicts what nnplay
/// predicts. Needs `.venv-keras` (`make fixtures`); says `skipped` without it.
#[test]
fn keras_set_weights_takes_the_exported_weights() {
    use std::io::Write;
    use std::path::Path;
    use std::process::Command;
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-keras/bin/python");
    if !python.exists() {
        let _ = writeln!(std::io::stderr(), "skipped: no .venv-keras (make fixtures)");
        return;
    }
    let config = curved();
    let mut e = Experiment::new_cpu(config.clone()).unwrap();
    e.train_blocking(30).unwrap();
    let r = pollster::block_on(e.record()).unwrap();
    let xs: Vec<f32> = (0..9).map(|i| -1.0 + 0.25 * i as f32).collect();
    let ours = pollster::block_on(e.predict(&xs)).unwrap();
    let dir = std::env::temp_dir().join(format!("nnplay-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let weights = dir.join("weights.json");
    std::fs::write(&weights, export::keras_weights_json(&r.final_weights)).unwrap();
    let layers: Vec<String> = config
        .model
        .layers
        .iter()
        .map(|l| {
            format!(
                "keras.layers.Dense({}, activation='{}')",
                l.units, l.activation
            )
        })
        .collect();
    let script = format!(
        "import json, numpy as np, keras\n\
         model = keras.Sequential([keras.Input((1,)), {}])\n\
         model.set_weights([np.array(w, 'float32') for w in json.load(open({:?}))])\n\
         print(json.dumps(model.predict(np.array({:?}, 'float32').reshape(-1, 1), verbose=0).ravel().tolist()))\n",
        layers.join(", "),
        weights.display().to_string(),
        xs,
    );
    let out = Command::new(&python)
        .args(["-c", &script])
        .env("KERAS_BACKEND", "jax")
        .env("JAX_PLATFORMS", "cpu")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let theirs: Vec<f32> = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(theirs.len(), ours.len());
    for (a, b) in theirs.iter().zip(&ours) {
        assert!(
            (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
            "Keras {a}, nnplay {b}"
        );
    }
}
