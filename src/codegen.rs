//! The Keras code of an experiment, in the tutorial's style and in current Keras 3.

use crate::config::Config;
use crate::data::DataKind;
use crate::optim::{Optimizer, ParamKind};

/// Python source that trains `config` in Keras 3 as nnplay does.
pub fn keras_code(config: &Config) -> String {
    let d = &config.data;
    let mut s = String::new();
    s += "import numpy as np\nimport keras\nfrom keras import layers\n\n";
    match d.kind {
        DataKind::Custom => {
            s += "points = np.array(...)  # your points, [[x, y], ...]\n";
            s += "X, Y = points[:, 0], points[:, 1]\n";
        }
        kind => {
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
    s += &format!(
        "split = int({} * len(X))\nX_train, Y_train = X[:split], Y[:split]\nX_test, Y_test = X[split:], Y[split:]\n\n",
        py_num(d.train_fraction)
    );
    s += "model = keras.Sequential()\n";
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
        if l.bias_initializer != "zeros" {
            args.push(format!("bias_initializer=\"{}\"", l.bias_initializer));
        }
        s += &format!("model.add(layers.Dense({}))\n", args.join(", "));
    }
    let opt = optimizer_call(&config.optimizer);
    s += &format!(
        "model.compile(loss=\"{}\", optimizer={opt})\n",
        config.loss.name()
    );
    s += "model.summary()\n\n";
    let t = &config.training;
    let (xb, yb, loop_head) = match t.batch_size {
        None => ("X_train", "Y_train", String::new()),
        Some(b) => (
            "X_train[i:i + bs]",
            "Y_train[i:i + bs]",
            format!("bs = {b}\nbatches = range(0, len(X_train), bs)\n"),
        ),
    };
    s += &loop_head;
    s += &format!("for step in range({}):\n", t.steps);
    if t.batch_size.is_some() {
        s += "    i = list(batches)[step % len(batches)]\n";
    }
    s += &format!("    cost = model.train_on_batch({xb}, {yb})\n");
    s += &format!(
        "    if step % {} == 0:\n        print(\"train cost:\", cost)\n\n",
        t.log_every
    );
    s += "cost = model.evaluate(X_test, Y_test, batch_size=len(X_test))\n";
    s += "print(\"test cost:\", cost)\n";
    s += "W, b = model.layers[0].get_weights()\nprint(\"weights:\", W)\nprint(\"biases:\", b)\n";
    s += "Y_pred = model.predict(X_test)\n";
    s
}

fn py_num(v: f64) -> String {
    py_literal(format!("{v}"))
}

fn py_f64(v: f64) -> String {
    py_literal(format!("{v}"))
}

/// `keras.optimizers.Class(learning_rate=…, …)`: the learning rate always, the other
/// hyper-parameters where they differ from Keras' defaults (all read from the optimizer's spec).
fn optimizer_call(opt: &Optimizer) -> String {
    let spec = opt.spec();
    let args: Vec<String> = spec
        .params
        .iter()
        .filter_map(|p| {
            let v = opt.param(p.name)?;
            if p.name != "learning_rate" && v == p.default {
                return None;
            }
            Some(match p.kind {
                ParamKind::Bool => {
                    format!("{}={}", p.name, if v != 0.0 { "True" } else { "False" })
                }
                ParamKind::Number => format!("{}={}", p.name, py_f64(v)),
            })
        })
        .collect();
    format!("keras.optimizers.{}({})", spec.keras_class, args.join(", "))
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

    #[test]
    fn tutorial_code_reads_like_the_tutorial() {
        let code = keras_code(&Config::default());
        assert!(code.contains("X = np.linspace(-1.0, 1.0, 200)"));
        assert!(code.contains("Y = 0.5 * X + 2.0 + np.random.normal(0, 0.05, (200,))"));
        assert!(code.contains("model.add(layers.Dense(1))"));
        assert!(code.contains("optimizer=keras.optimizers.SGD(learning_rate=0.01)"));
        assert!(code.contains("for step in range(301):"));
        assert!(code.contains("cost = model.train_on_batch(X_train, Y_train)"));
    }
}
