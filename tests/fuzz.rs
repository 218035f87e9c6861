//! Property tests of everything a user hands in as text: experiment configs, CSV and run
//! records, random, mutated and truncated. Each must give `Err` with a message, or `Ok` with a
//! value that validates and can be used (a config builds its data and model, a record replays);
//! never a panic.
//!
//! Case counts are modest so that the suite runs in seconds; `PROPTEST_CASES=N` runs N cases
//! per property instead, `PROPTEST_RNG_SEED=S` repeats a run.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::config::LayerConfig;
use nnplay::data::{parse_csv, MAX_POINTS};
use nnplay::record::weights_from_json;
use nnplay::run::Experiment;
use nnplay::{Activation, Config, DataConfig, DataKind, Initializer, Optimizer, RunRecord};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::Value;
use std::sync::OnceLock;

/// `cases` cases, unless `PROPTEST_CASES` asks for another number; failures are reported with
/// their shrunk input and not written into the source tree.
fn cases(cases: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            default.cases
        } else {
            cases
        },
        failure_persistence: None,
        ..default
    }
}

/// An error's message says something: not empty, not a bare prefix such as `config:`.
fn says_something(e: &nnplay::Error) -> Result<(), TestCaseError> {
    let m = e.to_string();
    prop_assert!(
        !m.trim().is_empty() && !m.trim_end().ends_with(':'),
        "empty message: {m:?}"
    );
    Ok(())
}

/// A config that parsed validates, survives its own JSON, and builds its data and model.
fn config_is_usable(c: &Config) -> Result<(), TestCaseError> {
    prop_assert!(c.validate().is_ok(), "{:?}", c.validate());
    let back = Config::from_json(&c.to_json());
    prop_assert_eq!(back.as_ref().ok(), Some(c), "{:?}", back);
    let d = c.dataset();
    prop_assert!(d.is_ok(), "dataset: {:?}", d.err());
    let d = d.unwrap();
    for t in [&d.x_train, &d.y_train, &d.x_test, &d.y_test] {
        prop_assert!(t.check_finite("data").is_ok());
        prop_assert!(t.rows() > 0);
    }
    // Building a model samples every weight: only for models of modest size, so that the
    // suite stays fast (the limits themselves are checked by validate).
    let mut inputs = c.model.input_dim;
    let mut weights = 0;
    for l in &c.model.layers {
        weights += inputs * l.units + l.units;
        inputs = l.units;
    }
    if weights <= 100_000 {
        let m = c.build_model();
        prop_assert!(m.is_ok(), "model: {:?}", m.err());
    }
    Ok(())
}

/// Parses `text` as a config: `Err` with a message, or a usable config.
fn check_config(text: &str) -> Result<(), TestCaseError> {
    match Config::from_json(text) {
        Ok(c) => config_is_usable(&c),
        Err(e) => says_something(&e),
    }
}

/// A record that parsed validates, survives its own JSON and replays: its data and initial
/// weights load into its model, and its final weights are shaped as the initial ones.
fn record_is_usable(r: &RunRecord) -> Result<(), TestCaseError> {
    prop_assert!(r.validate().is_ok(), "{:?}", r.validate());
    config_is_usable(&r.config)?;
    prop_assert!(r.dataset.to_dataset().is_ok());
    let initial = weights_from_json(&r.initial_weights);
    prop_assert!(initial.is_ok(), "{:?}", initial.err());
    let finals = weights_from_json(&r.final_weights);
    prop_assert!(finals.is_ok(), "{:?}", finals.err());
    let (initial, finals) = (initial.unwrap(), finals.unwrap());
    let mut m = r.config.build_model().unwrap();
    let set = m.set_weights(&initial);
    prop_assert!(set.is_ok(), "set_weights(initial): {:?}", set.err());
    // The final weights may be non-finite (a diverged run), which set_weights refuses: they
    // must have the initial weights' shapes.
    let shapes = |w: &[nnplay::Tensor]| w.iter().map(|t| t.shape()).collect::<Vec<_>>();
    prop_assert_eq!(shapes(&finals), shapes(&initial));
    let back = RunRecord::from_json(&r.to_json());
    prop_assert!(back.is_ok(), "{:?}", back.err());
    Ok(())
}

/// Parses `text` as a run record: `Err` with a message, or a usable record.
fn check_record(text: &str) -> Result<(), TestCaseError> {
    match RunRecord::from_json(text) {
        Ok(r) => record_is_usable(&r),
        Err(e) => says_something(&e),
    }
}

/// Parses `text` as CSV: `Err` with a message, or points that fit `f32` and make a valid
/// custom dataset holding exactly those values.
fn check_csv(text: &str) -> Result<(), TestCaseError> {
    let points = match parse_csv(text) {
        Ok(p) => p,
        Err(e) => return says_something(&e),
    };
    prop_assert!(!points.is_empty() && points.len() <= MAX_POINTS);
    for p in &points {
        for v in p {
            prop_assert!(v.is_finite() && (*v as f32).is_finite(), "{v}");
        }
    }
    if points.len() >= 3 {
        let data = DataConfig {
            kind: DataKind::Custom,
            points: Some(points.clone()),
            shuffle: false,
            ..DataConfig::default()
        };
        let d = data.generate(0);
        prop_assert!(d.is_ok(), "{:?}", d.err());
        let d = d.unwrap();
        let xs: Vec<f32> = [d.x_train.as_slice(), d.x_test.as_slice()].concat();
        let want: Vec<f32> = points.iter().map(|p| p[0] as f32).collect();
        prop_assert_eq!(xs, want);
    }
    Ok(())
}

/// Valid configs to mutate: the tutorial and relatives that use every part of the schema.
fn base_configs() -> &'static [String] {
    static BASES: OnceLock<Vec<String>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut adam = Config {
            seed: 7,
            optimizer: Optimizer::adam(0.01),
            ..Config::default()
        };
        adam.model.layers = vec![
            LayerConfig::new(8, "relu"),
            LayerConfig::new(4, "tanh"),
            LayerConfig::new(1, "linear"),
        ];
        adam.training.batch_size = Some(16);
        let mut custom = Config::default();
        custom.data.kind = DataKind::Custom;
        custom.data.points = Some(vec![[0.0, 1.0], [1.0, 2.0], [2.0, 2.5], [3.0, 4.0]]);
        custom.loss = nnplay::Loss::Huber;
        custom.optimizer = Optimizer::rmsprop(0.001);
        let mut sine = Config::default();
        sine.data.kind = DataKind::Sine;
        sine.data.n = 50;
        sine.loss = nnplay::Loss::Mae;
        sine.model.layers = vec![
            LayerConfig {
                use_bias: false,
                kernel_initializer: "he_normal".into(),
                ..LayerConfig::new(6, "sigmoid")
            },
            LayerConfig::new(1, "linear"),
        ];
        sine.backend = nnplay::BackendChoice::Cpu;
        [Config::default(), adam, custom, sine]
            .iter()
            .map(|c| {
                let text = c.to_json();
                Config::from_json(&text).expect("the bases are valid");
                text
            })
            .collect()
    })
}

/// Small valid run records: a short run of a two-layer model, and a diverged one.
fn base_records() -> &'static [String] {
    static BASES: OnceLock<Vec<String>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut small = Config::default();
        small.data.n = 8;
        small.model.layers = vec![LayerConfig::new(2, "tanh"), LayerConfig::new(1, "linear")];
        small.training.steps = 3;
        let diverged = Config {
            optimizer: Optimizer::sgd(1000.0),
            ..small.clone()
        };
        [(small, 3), (diverged, 60)]
            .into_iter()
            .map(|(c, steps)| {
                let mut e = Experiment::new_cpu(c).unwrap();
                e.train_blocking(steps).unwrap();
                let text = pollster::block_on(e.record()).unwrap().to_json();
                RunRecord::from_json(&text).expect("the bases are valid");
                text
            })
            .collect()
    })
}

/// Names the schema knows, and near misses: a mutation that picks one of these gets further
/// than a random string would.
fn names() -> Vec<String> {
    let mut v: Vec<String> = Activation::ALL.iter().map(|(n, _)| n.to_string()).collect();
    v.extend(Initializer::ALL.iter().map(|(n, _)| n.to_string()));
    v.extend(
        [
            "linear",
            "quadratic",
            "sine",
            "step",
            "custom",
            "mse",
            "mae",
            "huber",
            "sgd",
            "adam",
            "rmsprop",
            "auto",
            "cpu",
            "webgpu",
            "nnplay.run/1",
            "",
            "NaN",
            "Infinity",
            "-0",
            "1e39",
            "RELU",
            "Sgd",
        ]
        .map(String::from),
    );
    v
}

/// Numbers at and beyond every edge the schema has.
fn edge_numbers() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e-45,
            1e-320,
            3.4e38,
            3.5e38,
            1e39,
            -1e39,
            1e300,
            f64::MAX,
            f64::MIN,
            1e6,
            1e6 + 1.0,
            4096.0,
            4097.0,
            1e7,
            1e7 + 1.0,
            9007199254740992.0,
        ])
        .prop_map(|f| serde_json::json!(f)),
        prop::sample::select(vec![
            0u64,
            1,
            2,
            3,
            16,
            17,
            100_000,
            100_001,
            4096,
            4097,
            10_000_000,
            10_000_001,
            1 << 53,
            (1 << 53) + 1,
            u32::MAX as u64,
            u64::MAX,
        ])
        .prop_map(|u| serde_json::json!(u)),
        any::<i64>().prop_map(|i| serde_json::json!(i)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
    ]
}

/// Any JSON value, shallow: scalars, names, short lists and small objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        edge_numbers(),
        prop::sample::select(names()).prop_map(Value::String),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One change to a JSON document: at the `at`-th node (in a depth-first walk), replace it,
/// remove it from its object or list, or add a field beside it.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    AddField(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let field = prop_oneof![
        prop::sample::select(vec![
            "seed",
            "data",
            "kind",
            "n",
            "points",
            "model",
            "layers",
            "units",
            "activation",
            "use_bias",
            "loss",
            "optimizer",
            "name",
            "learning_rate",
            "momentum",
            "training",
            "steps",
            "batch_size",
            "log_every",
            "backend",
            "losses",
            "final_weights",
        ])
        .prop_map(String::from),
        "[a-z_]{1,10}",
    ];
    prop_oneof![
        3 => (any::<usize>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), field, json_value()).prop_map(|(i, k, v)| Mutation::AddField(i, k, v)),
    ]
}

/// Every node's path (object keys and list indices) in depth-first order.
fn paths(v: &Value, here: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(PathStep::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                here.push(PathStep::Index(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        PathStep::Key(k) => v.get_mut(k.as_str()),
        PathStep::Index(i) => v.get_mut(*i),
    })
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let pick = |i: usize| all[i % all.len()].clone();
    match m {
        Mutation::Replace(i, value) => {
            if let Some(node) = node_mut(doc, &pick(*i)) {
                *node = value.clone();
            }
        }
        Mutation::Remove(i) => {
            let path = pick(*i);
            if let Some((last, parent)) = path.split_last() {
                match (node_mut(doc, parent), last) {
                    (Some(Value::Object(o)), PathStep::Key(k)) => {
                        o.remove(k);
                    }
                    (Some(Value::Array(a)), PathStep::Index(i)) => {
                        a.remove(*i);
                    }
                    _ => {}
                }
            }
        }
        Mutation::AddField(i, key, value) => {
            if let Some(Value::Object(o)) = node_mut(doc, &pick(*i)) {
                o.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A JSON document after a few mutations, written compactly or pretty.
fn mutated(bases: fn() -> &'static [String]) -> impl Strategy<Value = String> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(mutation(), 1..4),
        any::<bool>(),
    )
        .prop_map(move |(base, ms, pretty)| {
            let bases = bases();
            let mut doc: Value = serde_json::from_str(&bases[base.index(bases.len())]).unwrap();
            for m in &ms {
                apply(&mut doc, m);
            }
            if pretty {
                serde_json::to_string_pretty(&doc).unwrap()
            } else {
                doc.to_string()
            }
        })
}

/// Text made of the characters JSON is made of, so that it often gets past the first byte.
fn json_like_text() -> impl Strategy<Value = String> {
    "[\\[\\]{}\":,0-9a-z_.eE+\\- \n]{0,80}"
}

/// Every prefix of `text` that ends on a character boundary.
fn prefixes(text: &str) -> impl Iterator<Item = &str> {
    (0..text.len())
        .filter(|&i| text.is_char_boundary(i))
        .map(move |i| &text[..i])
}

proptest! {
    #![proptest_config(cases(300))]

    #[test]
    fn mutated_configs_give_an_error_or_a_usable_config(text in mutated(base_configs)) {
        check_config(&text)?;
    }

    #[test]
    fn mutated_records_give_an_error_or_a_replayable_record(text in mutated(base_records)) {
        check_record(&text)?;
    }
}

proptest! {
    #![proptest_config(cases(200))]

    #[test]
    fn random_text_is_refused_with_a_message(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        text in json_like_text(),
    ) {
        let lossy = String::from_utf8_lossy(&bytes);
        for t in [lossy.as_ref(), text.as_str()] {
            check_config(t)?;
            check_record(t)?;
            check_csv(t)?;
        }
    }

    #[test]
    fn truncated_records_are_refused_with_a_message(
        base in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let text = &base_records()[base.index(base_records().len())];
        let mut end = cut.index(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let e = RunRecord::from_json(&text[..end]);
        prop_assert!(e.is_err());
        says_something(&e.unwrap_err())?;
    }
}

/// A CSV value: ordinary and edge-case numbers as people and programs write them, and junk.
fn csv_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1e4f64..1e4).prop_map(|f| format!("{f}")),
        2 => any::<i32>().prop_map(|i| i.to_string()),
        2 => any::<f64>().prop_map(|f| format!("{f:e}")),
        2 => prop::sample::select(vec![
            "1e39", "-3.5e38", "3.4028235e38", "3.4028236e38", "nan", "NaN", "inf", "-inf",
            "infinity", "+1", "-0", ".5", "5.", "1e-50", "0x10", "1_0", "1,5", "", "\"1\"", "x",
            "y", "1e", "--1",
        ])
        .prop_map(String::from),
        1 => "\\PC{0,6}",
    ]
}

fn csv_line() -> impl Strategy<Value = String> {
    let sep = prop::sample::select(vec![",", ";", "\t", " ", ", ", ",,", " ; "]);
    prop_oneof![
        8 => (csv_value(), sep.clone(), csv_value())
            .prop_map(|(x, s, y)| format!("{x}{s}{y}")),
        1 => prop::sample::select(vec!["x,y", "x;y", "# a comment", "", "   ", "time\tvalue"])
            .prop_map(String::from),
        1 => prop::collection::vec(csv_value(), 0..4).prop_map(|v| v.join(",")),
    ]
}

proptest! {
    #![proptest_config(cases(400))]

    #[test]
    fn csv_gives_an_error_or_points_that_fit_f32(
        lines in prop::collection::vec(csv_line(), 0..12),
        crlf in any::<bool>(),
    ) {
        check_csv(&lines.join(if crlf { "\r\n" } else { "\n" }))?;
    }
}

#[test]
fn every_truncation_of_a_config_is_refused_with_a_message() {
    for base in base_configs() {
        let compact = Config::from_json(base).unwrap();
        let compact = serde_json::to_string(&compact).unwrap();
        for text in [base.as_str(), compact.as_str()] {
            for prefix in prefixes(text) {
                match Config::from_json(prefix) {
                    Ok(_) => panic!("a truncated config parsed: {prefix:?}"),
                    Err(e) => {
                        let m = e.to_string();
                        assert!(m.len() > "config: ".len(), "{prefix:?}: {m:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn every_truncation_of_a_small_record_is_refused_with_a_message() {
    let record = RunRecord::from_json(&base_records()[0]).unwrap();
    let compact = serde_json::to_string(&record).unwrap();
    assert!(compact.len() < 4000, "{} bytes", compact.len());
    for prefix in prefixes(&compact) {
        let m = RunRecord::from_json(prefix)
            .expect_err("a truncated record parsed")
            .to_string();
        assert!(m.len() > "config: ".len(), "{prefix:?}: {m:?}");
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for depth in [200, 100_000] {
        let open = "[".repeat(depth);
        let close = "]".repeat(depth);
        for text in [
            format!("{{\"data\": {{\"points\": {open}{close}}}}}"),
            format!("{{\"model\": {{\"layers\": {open}{close}}}}}"),
            format!("{{\"format\": \"nnplay.run/1\", \"initial_weights\": {open}{close}}}"),
            format!("{{\"final_weights\": [{open}{close}]}}"),
        ] {
            let e = Config::from_json(&text).unwrap_err().to_string();
            assert!(e.len() > "config: ".len(), "{e}");
            let e = RunRecord::from_json(&text).unwrap_err().to_string();
            assert!(e.len() > "config: ".len(), "{e}");
        }
    }
}
