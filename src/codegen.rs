//! The Keras code of an experiment: a readable script in the tutorial's style
//! ([`keras_code`]) and a replay script that re-runs a recorded run in Keras 3 and compares
//! every step ([`keras_replay_script`]).
//!
//! Both build the same model as nnplay (every layer, with or without bias, every optimizer
//! with all its options, every loss) and split the data with nnplay's rule: the first
//! `round(train_fraction · n)` points train, halves rounded up (`src/data.rs`).

use crate::config::Config;
use crate::data::DataKind;
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::record::RunRecord;

/// Python source that trains `config` in Keras 3 as nnplay does, in the tutorial's style.
pub fn keras_code(config: &Config) -> String {
    let d = &config.data;
    let mut s = String::new();
    s += "import numpy as np\nimport keras\nfrom keras import layers\n\n";
    match (&d.points, d.kind) {
        (Some(points), DataKind::Custom) => {
            let rows: Vec<String> = points
                .iter()
                .map(|[x, y]| format!("[{}, {}]", py_num(*x), py_num(*y)))
                .collect();
            s += &format!("points = np.array([{}])\n", rows.join(", "));
            if d.shuffle {
                s += "np.random.shuffle(points)\n";
            }
            s += "X, Y = points[:, 0], points[:, 1]\n";
        }
        (_, kind) => {
            let f = match kind {
                DataKind::Quadratic => "X**2",
                DataKind::Sine => "np.sin(np.pi * X)",
                DataKind::Step => "(X > 0).astype(float)",
                _ => "X",
            };
            s += &format!(
                "X = np.linspace({}, {}, {})\n",
                py_num(d.x_min),
                py_num(d.x_max),
                d.n
            );
            if d.shuffle {
                s += "np.random.shuffle(X)\n";
            }
            s += &format!(
                "Y = {} * {f} + {} + np.random.normal(0, {}, ({},))\n",
                py_num(d.slope),
                py_num(d.intercept),
                py_num(d.noise),
                d.n
            );
        }
    }
    // nnplay rounds to the nearest count, halves up (Python's round() would go to even).
    s += &format!(
        "split = int(np.floor({} * len(X) + 0.5))\nX_train, Y_train = X[:split], Y[:split]\nX_test, Y_test = X[split:], Y[split:]\n\n",
        py_num(d.train_fraction)
    );
    s += &model_code(config);
    s += "model.summary()\n\n";
    let t = &config.training;
    let (xb, yb, loop_head) = match t.batch_size {
        None => ("X_train", "Y_train", String::new()),
        Some(b) => (
            "X_train[i:i + bs]",
            "Y_train[i:i + bs]",
            format!("bs = {b}\nbatches = list(range(0, len(X_train), bs))\n"),
        ),
    };
    s += &loop_head;
    s += &format!("for step in range({}):\n", t.steps);
    if t.batch_size.is_some() {
        s += "    i = batches[step % len(batches)]\n";
    }
    s += &format!("    cost = model.train_on_batch({xb}, {yb})\n");
    s += &format!(
        "    if step % {} == 0:\n        print(\"train cost:\", cost)\n\n",
        t.log_every
    );
    s += "cost = model.evaluate(X_test, Y_test, batch_size=len(X_test))\n";
    s += "print(\"test cost:\", cost)\n";
    let layers = &config.model.layers;
    if layers.len() == 1 && layers[0].use_bias {
        s +=
            "W, b = model.layers[0].get_weights()\nprint(\"weights:\", W)\nprint(\"biases:\", b)\n";
    } else {
        s += "for layer in model.layers:\n";
        s += "    print(layer.name, \"weights:\", [w.tolist() for w in layer.get_weights()])\n";
    }
    s += "Y_pred = model.predict(X_test)\n";
    s
}

/// `model = …` through `model.compile(…)`, shared by both scripts.
fn model_code(config: &Config) -> String {
    let mut s = String::from("model = keras.Sequential()\n");
    s += &format!(
        "model.add(keras.Input(shape=({},)))\n",
        config.model.input_dim
    );
    for l in &config.model.layers {
        let mut args = vec![format!("{}", l.units)];
        if l.activation != "linear" {
            args.push(format!("activation=\"{}\"", l.activation));
        }
        if !l.use_bias {
            args.push("use_bias=False".into());
        }
        if l.kernel_initializer != "glorot_uniform" {
            args.push(format!("kernel_initializer=\"{}\"", l.kernel_initializer));
        }
        if l.bias_initializer != "zeros" && l.use_bias {
            args.push(format!("bias_initializer=\"{}\"", l.bias_initializer));
        }
        s += &format!("model.add(layers.Dense({}))\n", args.join(", "));
    }
    s += &format!(
        "model.compile(loss={}, optimizer={})\n",
        loss_code(config.loss),
        optimizer_code(&config.optimizer)
    );
    s
}

fn loss_code(loss: Loss) -> String {
    match loss {
        // Keras' Huber default delta, which nnplay uses.
        Loss::Huber => "keras.losses.Huber(delta=1.0)".into(),
        other => format!("\"{}\"", other.name()),
    }
}

/// `keras.optimizers.<Class>(arg=value, …)` with every option of the config, named as the
/// config names it (the config uses Keras' argument names). Numbers are written as their
/// shortest decimal, which is the Python float Keras computes its constants with.
fn optimizer_code(opt: &Optimizer) -> String {
    let value = serde_json::to_value(opt).expect("optimizers serialize");
    let obj = value.as_object().expect("an optimizer is a JSON object");
    let class = opt.spec().keras_class;
    // learning_rate first, the other options after it by name (the map's keys are sorted).
    let lr = obj.get_key_value("learning_rate");
    let others = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "learning_rate"));
    let args: Vec<String> = lr
        .into_iter()
        .chain(others)
        .map(|(k, v)| format!("{k}={}", py_value(v)))
        .collect();
    format!("keras.optimizers.{class}({})", args.join(", "))
}

/// A JSON scalar as a Python literal.
fn py_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Bool(true) => "True".into(),
        serde_json::Value::Bool(false) => "False".into(),
        serde_json::Value::Null => "None".into(),
        serde_json::Value::Number(n) => py_literal(n.to_string()),
        other => other.to_string(),
    }
}

/// A Python script that replays `record` in Keras 3: the record's dataset, its initial
/// weights set with `set_weights`, the same model, loss and optimizer, and `train_on_batch`
/// per step on the same batches in the same order. It prints the worst relative difference
/// of the losses, final weights and test cost, and exits with status 1 when one exceeds
/// `1e-5` (weights: beyond two f32 ulps of the largest weight, for values that are small
/// differences of larger terms).
pub fn keras_replay_script(record: &RunRecord) -> String {
    let c = &record.config;
    let data = serde_json::json!({
        "dataset": record.dataset,
        "initial_weights": record.initial_weights,
        "final_weights": record.final_weights,
    });
    let losses: Vec<String> = record
        .losses
        .iter()
        .map(|l| {
            if l.is_finite() {
                // The exact f32 value, so that equal losses compare equal.
                py_literal(format!("{}", *l as f64))
            } else {
                "None".into()
            }
        })
        .collect();
    let test_cost = if record.test_cost.is_finite() {
        py_literal(format!("{}", record.test_cost as f64))
    } else {
        "None".into()
    };
    let batch = match c.training.batch_size {
        Some(b) => b.to_string(),
        None => "None".into(),
    };
    let mut s = String::new();
    s += "\"\"\"Replays an nnplay run in Keras 3 and compares every step with the record.\"\"\"\n";
    s +=
        "import json\nimport sys\n\nimport numpy as np\nimport keras\nfrom keras import layers\n\n";
    s += "RTOL = 1e-5\n";
    s += &format!(
        "RUN = json.loads(r'''{}''')\n",
        serde_json::to_string(&data).expect("records serialize")
    );
    s += &format!(
        "LOSSES = [{}]  # nnplay's train_on_batch results\n",
        losses.join(", ")
    );
    s += &format!("TEST_COST = {test_cost}\n");
    s += &format!("BATCH_SIZE = {batch}\n\n");
    s += "def f32(a):\n    return np.asarray(a, dtype=np.float32)\n\n";
    s += "ds = RUN[\"dataset\"]\n";
    s += "X_train, Y_train = f32(ds[\"x_train\"]), f32(ds[\"y_train\"])\n";
    s += "X_test, Y_test = f32(ds[\"x_test\"]), f32(ds[\"y_test\"])\n\n";
    s += &model_code(c);
    s += "model.set_weights([f32(w) for w in RUN[\"initial_weights\"]])\n\n";
    s += r#"def rel(got, want):
    if want is None:
        return 0.0 if not np.isfinite(got) else float("inf")
    if got == want:
        return 0.0
    return abs(got - want) / abs(want) if want != 0 else float("inf")

n = len(X_train)
starts = [0] if BATCH_SIZE is None else list(range(0, n, BATCH_SIZE))
worst, first = 0.0, None
for step, want in enumerate(LOSSES):
    a = starts[step % len(starts)]
    b = n if BATCH_SIZE is None else min(n, a + BATCH_SIZE)
    got = float(model.train_on_batch(X_train[a:b], Y_train[a:b]))
    r = rel(got, want)
    worst = max(worst, r)
    if r > RTOL and first is None:
        first = f"loss of step {step}: Keras {got!r}, nnplay {want!r} (rel {r:.3e})"

final = model.get_weights()
want_w = [f32(w) for w in RUN["final_weights"]]
floor = 2 * float(np.finfo(np.float32).eps) * max(float(np.max(np.abs(w))) for w in want_w)
for i, (g, w) in enumerate(zip(final, want_w)):
    for k, (gv, wv) in enumerate(zip(np.ravel(g), np.ravel(w))):
        r = 0.0 if abs(float(gv) - float(wv)) <= floor else rel(float(gv), float(wv))
        worst = max(worst, r)
        if r > RTOL and first is None:
            first = f"final weights[{i}][{k}]: Keras {float(gv)!r}, nnplay {float(wv)!r} (rel {r:.3e})"
cost = float(model.evaluate(X_test, Y_test, batch_size=len(X_test), verbose=0))
r = rel(cost, TEST_COST)
worst = max(worst, r)
if r > RTOL and first is None:
    first = f"test cost: Keras {cost!r}, nnplay {TEST_COST!r} (rel {r:.3e})"

print(f"{len(LOSSES)} steps replayed; worst relative difference {worst:.3e}")
if first is not None:
    print("differs beyond rtol", RTOL, "first at", first)
    sys.exit(1)
print("matches at rtol", RTOL)
"#;
    s
}

fn py_num(v: f64) -> String {
    py_literal(format!("{v}"))
}

fn py_literal(s: String) -> String {
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LayerConfig;

    #[test]
    fn tutorial_code_reads_like_the_tutorial() {
        let code = keras_code(&Config::default());
        assert!(code.contains("X = np.linspace(-1.0, 1.0, 200)"));
        assert!(code.contains("Y = 0.5 * X + 2.0 + np.random.normal(0, 0.05, (200,))"));
        assert!(code.contains("split = int(np.floor(0.8 * len(X) + 0.5))"));
        assert!(code.contains("model.add(layers.Dense(1))"));
        assert!(code.contains(
            "optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.0, nesterov=False)"
        ));
        assert!(code.contains("for step in range(301):"));
        assert!(code.contains("cost = model.train_on_batch(X_train, Y_train)"));
        assert!(code.contains("W, b = model.layers[0].get_weights()"));
    }

    #[test]
    fn layers_without_bias_and_every_option_are_written() {
        let mut c = Config::default();
        c.model.layers = vec![
            LayerConfig {
                use_bias: false,
                ..LayerConfig::new(4, "relu")
            },
            LayerConfig::new(1, "linear"),
        ];
        c.loss = Loss::Huber;
        c.optimizer = Optimizer::Adam {
            learning_rate: 0.01,
            beta_1: 0.8,
            beta_2: 0.99,
            epsilon: 1e-5,
        };
        c.training.batch_size = Some(7);
        let code = keras_code(&c);
        assert!(code.contains("model.add(layers.Dense(4, activation=\"relu\", use_bias=False))"));
        assert!(!code.contains("W, b ="), "{code}");
        assert!(code.contains("for layer in model.layers:"));
        assert!(code.contains("loss=keras.losses.Huber(delta=1.0)"));
        assert!(
            code.contains(
                "keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=0.00001)"
            ),
            "{code}"
        );
        assert!(code.contains("bs = 7\n"));
    }

    #[test]
    fn the_split_rounds_halves_up_as_the_data_does() {
        // n = 50, 0.85: 42.5 points, nnplay trains on 43.
        let mut c = Config::default();
        c.data.n = 50;
        c.data.train_fraction = 0.85;
        assert_eq!(c.dataset().unwrap().x_train.rows(), 43);
        assert!(keras_code(&c).contains("split = int(np.floor(0.85 * len(X) + 0.5))"));
    }

    #[test]
    fn custom_points_are_written_out() {
        let mut c = Config::default();
        c.data.kind = DataKind::Custom;
        c.data.shuffle = false;
        c.data.points = Some(vec![[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]]);
        let code = keras_code(&c);
        assert!(code.contains("points = np.array([[0.0, 1.0], [1.0, 3.0], [2.0, 5.0]])"));
    }
}
