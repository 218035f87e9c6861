//! The JS package's Keras API at the wasm boundary: the exported classes called as JavaScript
//! calls them (every argument a `JsValue`: option objects, plain and typed arrays, callbacks),
//! in node and in headless Chromium with and without WebGPU. The tutorial and a `fit` made by
//! real Keras give Keras' losses; every bad input throws an `Error` with a message and leaves
//! the model as it was.
#![cfg(all(target_arch = "wasm32", feature = "keras-api"))]

use js_sys::{Array, Float32Array, Function, Object, Reflect};
use nnplay::wasm_api::{
    get_backend, make_dataset, set_backend, Dense, Sequential, TimeseriesGenerator,
};
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

/// The backend the Makefile expects here (`webgpu` only in Chromium with WebGPU).
const EXPECTED_BACKEND: &str = match option_env!("NNPLAY_EXPECT_BACKEND") {
    Some(b) => b,
    None => "cpu",
};

const TUTORIAL: &str = include_str!("fixtures/keras/tutorial.json");
const FIT: &str = include_str!("fixtures/keras/fit_validation.json");
const TIMESERIES: &str = include_str!("fixtures/keras/meta/timeseries_generator.json");

/// A Rust value as the plain JS value JSON would give.
fn js<T: Serialize>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

/// A JS value back as JSON.
fn json_of(v: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(v.clone()).unwrap()
}

/// The message of a thrown value, which must be an `Error`.
#[track_caller]
fn message(e: impl Into<JsValue>) -> String {
    let e: JsValue = e.into();
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    e.unchecked_into::<js_sys::Error>().message().into()
}

/// The message of a call that must fail.
#[track_caller]
fn fails<T>(r: Result<T, impl Into<JsValue>>) -> String {
    match r {
        Ok(_) => panic!("expected an Error"),
        Err(e) => message(e),
    }
}

/// `|got − want| ≤ 1e-5 · |want|` (exact for zeros).
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-5 * want.abs(),
        "{what}: nnplay {got:e}, Keras {want:e}"
    );
}

/// Nested JSON numbers, flattened.
fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        n => vec![n.as_f64().unwrap()],
    }
}

/// Nested JSON arrays' shape.
fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => {
            let mut s = vec![a.len()];
            s.extend(a.first().map(shape).unwrap_or_default());
            s
        }
        _ => vec![],
    }
}

fn dense(units: u32, options: Value) -> Dense {
    Dense::new(units.into(), Some(js(&options))).unwrap()
}

/// The fixture's model with its layers, compiled as the fixture's optimizer on the CPU.
async fn fixture_model(record: &Value, weights: &Value) -> Sequential {
    let m = Sequential::new(None).unwrap();
    for (i, l) in record["config"]["model"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let mut o = json!({ "activation": l["activation"], "useBias": l["use_bias"] });
        if i == 0 {
            o["inputDim"] = record["config"]["model"]["input_dim"].clone();
        }
        m.add(&dense(l["units"].as_u64().unwrap() as u32, o))
            .unwrap();
    }
    let opt = &record["config"]["optimizer"];
    assert_eq!(opt["momentum"], json!(0.0), "plain SGD only");
    let compile = json!({ "loss": record["config"]["loss"], "optimizer": opt["name"],
                          "learningRate": opt["learning_rate"] });
    m.compile(js(&compile)).await.unwrap();
    // Keras' get_weights() lists, as the fixture holds them.
    m.set_weights(js(weights)).unwrap();
    m
}

#[wasm_bindgen_test]
async fn the_tutorial_through_the_js_api_gives_keras_losses() {
    set_backend("cpu".into()).await.unwrap();
    let f: Value = serde_json::from_str(TUTORIAL).unwrap();
    let r = &f["record"];
    let m = fixture_model(r, &r["initial_weights"]).await;
    // x as Keras' rows ([[x], …]), y as a Float32Array.
    let x = js(&r["dataset"]["x_train"]);
    let y_values: Vec<f32> = flat(&r["dataset"]["y_train"])
        .iter()
        .map(|v| *v as f32)
        .collect();
    let y: JsValue = Float32Array::from(&y_values[..]).into();
    let losses = r["losses"].as_array().unwrap();
    for (step, want) in losses.iter().enumerate() {
        let got = m.train_on_batch(x.clone(), y.clone()).await.unwrap();
        close(got as f64, want.as_f64().unwrap(), &format!("loss {step}"));
    }
    let weights = json_of(&m.get_weights().await.unwrap());
    for (got, want) in weights
        .as_array()
        .unwrap()
        .iter()
        .zip(r["final_weights"].as_array().unwrap())
    {
        assert_eq!(got["shape"], json!(shape(want)), "Keras' shapes");
        for (g, w) in flat(&got["values"]).iter().zip(flat(want)) {
            close(*g, w, "final weight");
        }
    }
    let (xt, yt) = (js(&r["dataset"]["x_test"]), js(&r["dataset"]["y_test"]));
    let batched = &f["extra"]["evaluate_batched"];
    let cost = m
        .evaluate(
            xt.clone(),
            yt.clone(),
            Some(js(&json!({ "batchSize": batched["batch_size"] }))),
        )
        .await
        .unwrap();
    close(cost as f64, batched["value"].as_f64().unwrap(), "evaluate");
    let cost = m.evaluate(xt.clone(), yt, None).await.unwrap();
    close(cost as f64, r["test_cost"].as_f64().unwrap(), "evaluate");
    let pred = m.predict(xt, None).await.unwrap();
    let want = flat(&f["extra"]["predict_test"]);
    assert_eq!(pred.len(), want.len());
    for (g, w) in pred.iter().zip(want) {
        close(*g as f64, w, "predict");
    }
    assert_eq!(m.backend().unwrap().as_deref(), Some("cpu"));
    let s = m.summary().unwrap();
    assert!(
        s.contains("dense (Dense)") && s.contains("Total params: 2"),
        "{s}"
    );
}

#[wasm_bindgen_test]
async fn fit_through_the_js_api_gives_keras_history_and_logs() {
    set_backend("cpu".into()).await.unwrap();
    let f: Value = serde_json::from_str(FIT).unwrap();
    let (r, fit) = (&f["record"], &f["extra"]["fit"]);
    let m = fixture_model(r, &fit["initial_weights"]).await;
    let batches = Rc::new(RefCell::new(Vec::<(u32, Value)>::new()));
    let epochs = Rc::new(RefCell::new(Vec::<(u32, Value)>::new()));
    let (b, e) = (batches.clone(), epochs.clone());
    let on_batch = Closure::<dyn FnMut(u32, JsValue)>::new(move |i, logs: JsValue| {
        b.borrow_mut().push((i, json_of(&logs)))
    });
    let on_epoch = Closure::<dyn FnMut(u32, JsValue)>::new(move |i, logs: JsValue| {
        e.borrow_mut().push((i, json_of(&logs)))
    });
    let callbacks = Object::new();
    Reflect::set(&callbacks, &"onBatchEnd".into(), on_batch.as_ref()).unwrap();
    Reflect::set(&callbacks, &"onEpochEnd".into(), on_epoch.as_ref()).unwrap();
    let options = js(
        &json!({ "epochs": fit["epochs"], "batchSize": fit["batch_size"],
        "validationSplit": fit["validation_split"], "shuffle": false, "verbose": 0 }),
    );
    Reflect::set(&options, &"callbacks".into(), &callbacks).unwrap();
    let x = js(&r["dataset"]["x_train"]);
    let y = js(&flat(&r["dataset"]["y_train"]));
    let h = json_of(&m.fit(x, y, Some(options)).await.unwrap());
    let n_epochs = fit["epochs"].as_u64().unwrap() as usize;
    assert_eq!(h["epoch"], json!((0..n_epochs).collect::<Vec<_>>()));
    for key in ["loss", "val_loss"] {
        let (got, want) = (flat(&h["history"][key]), flat(&fit[key]));
        assert_eq!(got.len(), n_epochs, "{key}");
        for (e, (g, w)) in got.iter().zip(want).enumerate() {
            close(*g, w, &format!("{key} of epoch {e}"));
        }
    }
    // Keras' logs: after each epoch {loss, val_loss}; after each batch the running mean loss
    // of the epoch, which after its last batch is the epoch's loss.
    let epochs = epochs.borrow();
    assert_eq!(epochs.len(), n_epochs);
    let per_epoch = batches.borrow().len() / n_epochs;
    assert_eq!(per_epoch, 4, "120 training samples in batches of 32");
    for (e, (i, logs)) in epochs.iter().enumerate() {
        assert_eq!(*i as usize, e);
        assert_eq!(logs["loss"], h["history"]["loss"][e]);
        assert_eq!(logs["val_loss"], h["history"]["val_loss"][e]);
        let of_epoch = &batches.borrow()[e * per_epoch..(e + 1) * per_epoch];
        let indices: Vec<u32> = of_epoch.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, vec![0, 1, 2, 3]);
        assert_eq!(of_epoch[3].1, json!({ "loss": logs["loss"] }));
    }
}

#[wasm_bindgen_test]
async fn every_method_refuses_bad_input_with_an_error_and_keeps_the_model() {
    set_backend("cpu".into()).await.unwrap();
    // Dense options: wrong types, unknown keys, bad values.
    let d = |units: JsValue, o: Value| fails(Dense::new(units, Some(js(&o))));
    assert_eq!(
        d(3.into(), json!({ "activation": 3 })),
        "activation must be a string, got number"
    );
    assert_eq!(
        d(3.into(), json!({ "useBias": "no" })),
        "useBias must be a boolean, got string"
    );
    assert_eq!(
        d(3.into(), json!({ "inputDim": 1.5 })),
        "inputDim must be an integer ≥ 1, got 1.5"
    );
    assert!(d(3.into(), json!({ "units": 3 })).starts_with(
        "unknown Dense option 'units'; valid options: inputDim, input_dim, activation"
    ));
    assert!(d(3.into(), json!({ "activation": "relux" }))
        .starts_with("unknown activation 'relux'; valid names: "));
    assert_eq!(
        d("3".into(), json!({})),
        "units must be a number, got string"
    );
    assert_eq!(
        d(0.into(), json!({})),
        "units must be an integer ≥ 1, got 0"
    );
    assert_eq!(
        fails(Dense::new(3.into(), Some(7.into()))),
        "Dense options must be an object, got number"
    );
    assert!(fails(Sequential::new(Some((-1).into()))).starts_with("seed must be an integer ≥ 0"));

    let m = Sequential::new(Some(7.into())).unwrap();
    assert!(fails(m.add(&dense(4, json!({})))).contains("the first layer needs input_dim"));
    m.add(&dense(
        4,
        json!({ "input_dim": 1, "activation": "tanh", "kernel_initializer": "he_normal" }),
    ))
    .unwrap();
    m.add(&dense(1, json!({ "activation": null, "useBias": true })))
        .unwrap();
    let (x, y) = (js(&[0.0, 0.5, 1.0]), js(&[[1.0], [1.5], [2.0]]));
    assert_eq!(
        fails(m.train_on_batch(x.clone(), y.clone()).await),
        "the model is not compiled: call compile(loss, optimizer) before train_on_batch"
    );

    // compile: the loss is required; names, types and keys are checked; nothing changes.
    let c = |o: Value| m.compile(js(&o));
    assert_eq!(
        fails(c(json!({})).await),
        "compile needs a loss, e.g. {loss: 'mse'}"
    );
    assert_eq!(
        fails(c(json!({ "loss": "foo" })).await),
        "unknown loss 'foo'; valid names: mse, mae, huber"
    );
    assert_eq!(
        fails(c(json!({ "loss": "mse", "optimizer": 1 })).await),
        "optimizer must be a string, got number"
    );
    assert_eq!(
        fails(c(json!({ "loss": "mse", "metrics": ["mae"] })).await),
        "unknown compile option 'metrics'; valid options: loss, optimizer, learningRate"
    );
    assert!(
        fails(c(json!({ "loss": "mse", "optimizer": "sgd", "learningRate": -1 })).await)
            .contains("learning_rate")
    );
    assert_eq!(
        fails(m.compile("mse".into()).await),
        "compile options must be an object, got string"
    );
    assert!(
        m.backend().unwrap().is_none(),
        "a refused compile compiles nothing"
    );
    c(json!({ "loss": "mse", "optimizer": "sgd", "learningRate": 0.1 }))
        .await
        .unwrap();
    let before = json_of(&m.get_weights().await.unwrap());

    // Samples: types, values, shapes; each refused call changes no weight.
    let t = |x: JsValue, y: JsValue| m.train_on_batch(x, y);
    assert_eq!(
        fails(t("0,1".into(), y.clone()).await),
        "x must be an array or a typed array of numbers, got string"
    );
    assert_eq!(
        fails(t(js(&json!([0, "1", 2])), y.clone()).await),
        "x[1] must be a number or an array of numbers, got string"
    );
    let nan: JsValue = Float32Array::from(&[0.0, f32::NAN, 1.0][..]).into();
    assert_eq!(
        fails(t(nan, y.clone()).await),
        "x[1] = NaN is not a finite number"
    );
    assert_eq!(
        fails(t(js(&[0.0, 1e39, 1.0]), y.clone()).await),
        "x[1] = 1e39 does not fit a 32-bit float (largest ≈ 3.4e38)"
    );
    assert_eq!(
        fails(t(js(&json!([[0], [1, 2]])), y.clone()).await),
        "x[1] has shape [2] but x[0] has [1] (rows must all be alike)"
    );
    assert_eq!(
        fails(t(js(&json!([[0, 1]])), y.clone()).await),
        "x has rows of 2 values; the model takes 1"
    );
    assert_eq!(
        fails(t(js(&[0.0, 1.0]), y.clone()).await),
        "shape mismatch in train_on_batch (x vs y rows): (2, 1) and (3, 1)"
    );
    assert_eq!(
        fails(t(js(&Vec::<f32>::new()), y.clone()).await),
        "empty data: x has no rows"
    );
    let bigint = js_sys::BigInt64Array::new_with_length(3);
    assert_eq!(
        fails(t(bigint.into(), y.clone()).await),
        "x must hold numbers, not BigInts"
    );
    assert_eq!(json_of(&m.get_weights().await.unwrap()), before);

    // evaluate and predict options.
    assert!(
        fails(m.evaluate(x.clone(), y.clone(), Some(0.into())).await)
            .starts_with("batchSize must be an integer ≥ 1")
    );
    assert_eq!(
        fails(m.predict(x.clone(), Some(js(&json!({ "batch": 2 })))).await),
        "unknown predict option 'batch'; valid options: batchSize"
    );
    let typed: JsValue = Float32Array::from(&[0.0f32, 0.5, 1.0][..]).into();
    assert_eq!(m.predict(typed, Some(2.into())).await.unwrap().len(), 3);

    // fit options and callbacks.
    let f = |o: JsValue| m.fit(x.clone(), y.clone(), Some(o));
    assert_eq!(
        fails(f(js(&json!({ "epochs": -1 }))).await),
        "epochs must be an integer ≥ 0, got -1"
    );
    assert_eq!(fails(f(js(&json!({ "epoch": 2 }))).await),
        "unknown fit option 'epoch'; valid options: epochs, batchSize, validationSplit, shuffle, verbose, callbacks");
    assert_eq!(
        fails(f(js(&json!({ "callbacks": { "onBatchEnd": 1 } }))).await),
        "onBatchEnd must be a function, got number"
    );
    assert_eq!(
        fails(f(js(&json!({ "callbacks": { "onTrainEnd": null } }))).await),
        "unknown callbacks option 'onTrainEnd'; valid options: onBatchEnd, onEpochEnd"
    );
    assert!(
        fails(f(js(&json!({ "validationSplit": 0.9 }))).await).contains("not sufficient to split"),
        "3 samples"
    );
    assert!(fails(f(js(&json!({ "epochs": 1e9 }))).await).starts_with("invalid epochs"));
    assert_eq!(
        json_of(&m.get_weights().await.unwrap()),
        before,
        "refused fits train nothing"
    );
    // A callback that throws stops fit, which rethrows what it threw; the model trains on.
    let options = js(&json!({ "epochs": 3, "batchSize": 1 }));
    let throwing = Function::new_with_args(
        "batch",
        "if (batch === 1) throw new RangeError('stop at ' + batch);",
    );
    let callbacks = Object::new();
    Reflect::set(&callbacks, &"onBatchEnd".into(), &throwing).unwrap();
    Reflect::set(&options, &"callbacks".into(), &callbacks).unwrap();
    let thrown = m
        .fit(x.clone(), y.clone(), Some(options))
        .await
        .unwrap_err();
    assert!(thrown.is_instance_of::<js_sys::RangeError>());
    assert_eq!(message(thrown), "stop at 1");
    let rejecting = Function::new_with_args("e", "return Promise.reject(new Error('no ' + e));");
    let options = js(&json!({ "epochs": 2 }));
    let callbacks = Object::new();
    Reflect::set(&callbacks, &"onEpochEnd".into(), &rejecting).unwrap();
    Reflect::set(&options, &"callbacks".into(), &callbacks).unwrap();
    assert_eq!(
        fails(m.fit(x.clone(), y.clone(), Some(options)).await),
        "no 0"
    );
    let h = json_of(
        &m.fit(
            x.clone(),
            y.clone(),
            Some(js(&json!({ "epochs": 2, "batchSize": 2 }))),
        )
        .await
        .unwrap(),
    );
    assert_eq!(flat(&h["history"]["loss"]).len(), 2);
    assert!(
        h["history"].get("val_loss").is_none(),
        "no val_loss without validation, as Keras"
    );

    // setWeights: Keras' layout, or getWeights' {shape, values}; wrong ones name the array,
    // its layer and the shape expected, and change nothing.
    let w = m.get_weights().await.unwrap();
    let keras = json!([
        [[1, 2, 3, 4]],
        [0, 0, 0, 0.5],
        [[1], [0], [0], [-1]],
        [0.25]
    ]);
    let sw = |v: Value| fails(m.set_weights(js(&v)));
    assert_eq!(
        sw(json!([[[1, 2, 3, 4]]])),
        "setWeights: the model has 4 arrays (each layer's kernel, then its bias), got 1"
    );
    let mut bad = keras.clone();
    bad[2] = json!([[1, 0, 0, -1]]);
    assert_eq!(
        sw(bad),
        "setWeights: weights[2] (the kernel of dense_1) has shape [1, 4], expected [4, 1]"
    );
    let mut bad = keras.clone();
    bad[1] = json!([[0, 0, 0, 0.5]]);
    assert_eq!(
        sw(bad),
        "setWeights: weights[1] (the bias of dense) has shape [1, 4], expected [4]"
    );
    let mut bad = keras.clone();
    bad[3] = json!({ "shape": [1], "values": [1, 2] });
    assert_eq!(sw(bad), "weights[3]: shape [1] needs 1 values, got 2");
    assert_eq!(
        fails(m.set_weights(3.into())),
        "setWeights takes an array of arrays (as getWeights gives), got number"
    );
    assert_eq!(json_of(&m.get_weights().await.unwrap()), json_of(&w));
    m.set_weights(js(&keras)).unwrap();
    let got = json_of(&m.get_weights().await.unwrap());
    assert_eq!(
        (got[0]["shape"].clone(), flat(&got[0]["values"])),
        (json!([1, 4]), vec![1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(
        (got[3]["shape"].clone(), flat(&got[3]["values"])),
        (json!([1]), vec![0.25])
    );
    m.set_weights(w.clone()).unwrap();
    assert_eq!(
        json_of(&m.get_weights().await.unwrap()),
        json_of(&w),
        "getWeights' own output"
    );
    // Still usable after all of it.
    assert!(m.train_on_batch(x, y).await.unwrap().is_finite());
}

#[wasm_bindgen_test]
async fn set_backend_resolves_to_what_it_got_and_compile_uses_it() {
    assert_eq!(
        fails(set_backend(5.into()).await),
        "setBackend takes 'webgpu', 'cpu' or 'auto', got number"
    );
    assert!(fails(set_backend("tpu".into()).await).starts_with("unknown backend 'tpu'"));
    assert_eq!(set_backend("cpu".into()).await.unwrap(), "cpu");
    assert_eq!(get_backend(), "cpu");
    let auto = set_backend("auto".into()).await.unwrap();
    assert!(auto == "cpu" || auto == "webgpu", "{auto}");
    assert_eq!(get_backend(), auto);
    set_backend("cpu".into()).await.unwrap();

    let model = || async {
        let m = Sequential::new(Some(3.into())).unwrap();
        m.add(&dense(8, json!({ "inputDim": 1, "activation": "tanh" })))
            .unwrap();
        m.add(&dense(1, json!({}))).unwrap();
        m.compile(js(
            &json!({ "loss": "mse", "optimizer": "adam", "learningRate": 0.01 }),
        ))
        .await
        .unwrap();
        m
    };
    let (x, y) = (
        js(&[-1.0, -0.5, 0.0, 0.5, 1.0]),
        js(&[0.0, 0.25, 1.0, 0.25, 0.0]),
    );
    let cpu = model().await;
    let mut want = Vec::new();
    for _ in 0..20 {
        want.push(cpu.train_on_batch(x.clone(), y.clone()).await.unwrap());
    }
    if EXPECTED_BACKEND != "webgpu" {
        let e = fails(set_backend("webgpu".into()).await);
        assert!(
            e.starts_with("backend: WebGPU was asked for but cannot be used"),
            "{e}"
        );
        assert_eq!(
            get_backend(),
            "cpu",
            "a refused setBackend keeps the backend"
        );
        eprintln!("skipped: WebGPU training (no WebGPU in this run)");
        return;
    }
    assert_eq!(set_backend("webgpu".into()).await.unwrap(), "webgpu");
    assert_eq!(get_backend(), "webgpu");
    let gpu = model().await;
    set_backend("cpu".into()).await.unwrap();
    assert_eq!(gpu.backend().unwrap().as_deref(), Some("webgpu"));
    for (step, w) in want.iter().enumerate() {
        let g = gpu.train_on_batch(x.clone(), y.clone()).await.unwrap();
        assert!(
            (g - w).abs() <= 1e-4 * w.abs().max(1e-3),
            "step {step}: webgpu {g}, cpu {w}"
        );
    }
    let h = json_of(
        &gpu.fit(
            x.clone(),
            y.clone(),
            Some(js(
                &json!({ "epochs": 2, "batchSize": 2, "shuffle": false }),
            )),
        )
        .await
        .unwrap(),
    );
    assert_eq!(flat(&h["history"]["loss"]).len(), 2);
    assert_eq!(gpu.predict(x, None).await.unwrap().len(), 5);
}

#[wasm_bindgen_test]
fn make_dataset_is_the_tutorials_generator() {
    let d = make_dataset(None, None).unwrap();
    let get = |k: &str| Float32Array::from(Reflect::get(&d, &k.into()).unwrap()).to_vec();
    let core = nnplay::DataConfig::default().generate(42).unwrap();
    assert_eq!(get("xTrain"), core.x_train.as_slice());
    assert_eq!(get("yTest"), core.y_test.as_slice());
    let sine = make_dataset(
        Some(js(
            &json!({ "kind": "sine", "n": 50, "noise": 0, "trainFraction": 0.5 }),
        )),
        Some(3.into()),
    )
    .unwrap();
    let (x, y) = (
        Float32Array::from(Reflect::get(&sine, &"xTrain".into()).unwrap()).to_vec(),
        Float32Array::from(Reflect::get(&sine, &"yTrain".into()).unwrap()).to_vec(),
    );
    assert_eq!(x.len(), 25);
    for (x, y) in x.iter().zip(y) {
        assert!(
            (y - (std::f32::consts::PI * x).sin()).abs() < 1e-5,
            "sine's preset slope 1, intercept 0"
        );
    }
    let e = |o: Value| fails(make_dataset(Some(js(&o)), None));
    assert_eq!(
        e(json!({ "xMin": "0" })),
        "xMin must be a number, got string"
    );
    assert!(e(json!({ "x_min": 0 })).starts_with("unknown makeDataset option 'x_min'"));
    assert!(e(json!({ "noise": -1 })).starts_with("invalid data.noise"));
    assert!(e(json!({ "kind": "cubic" })).starts_with("unknown data kind 'cubic'"));
    let pts = make_dataset(Some(js(&json!({ "kind": "custom", "points": [[0, 1], [1, 2], [2, 3], [3, 4]], "shuffle": false }))), None).unwrap();
    assert_eq!(
        Float32Array::from(Reflect::get(&pts, &"xTrain".into()).unwrap()).to_vec(),
        vec![0.0, 1.0, 2.0]
    );
}

#[wasm_bindgen_test]
async fn timeseries_generator_gives_keras_batches() {
    let f: Value = serde_json::from_str(TIMESERIES).unwrap();
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut o = Object::new();
        for (k, v) in case["options"].as_object().unwrap() {
            let camel = match k.as_str() {
                "sampling_rate" => "samplingRate",
                "start_index" => "startIndex",
                "end_index" => "endIndex",
                "batch_size" => "batchSize",
                other => other,
            };
            Reflect::set(&o, &camel.into(), &js(v)).unwrap();
        }
        // Flat data as a Float32Array, rows as arrays.
        let data = match shape(&case["data"]).len() {
            1 => Float32Array::from(
                &flat(&case["data"])
                    .iter()
                    .map(|v| *v as f32)
                    .collect::<Vec<_>>()[..],
            )
            .into(),
            _ => js(&case["data"]),
        };
        let g = TimeseriesGenerator::new(data, js(&case["targets"]), std::mem::take(&mut o).into())
            .unwrap_or_else(|e| panic!("{name}: {}", message(e)));
        assert_eq!(g.length() as u64, case["len"].as_u64().unwrap(), "{name}");
        for (i, want) in case["batches"].as_array().unwrap().iter().enumerate() {
            let got = json_of(&g.get_item((i as u32).into()).unwrap());
            for (k, part) in [(0, "samples"), (1, "targets")] {
                assert_eq!(
                    shape(&got[k]),
                    shape(&want[part]),
                    "{name} batch {i} {part}"
                );
                assert_eq!(flat(&got[k]), flat(&want[part]), "{name} batch {i} {part}");
            }
        }
        assert!(fails(g.get_item((g.length() as u32).into())).starts_with("invalid index"));
    }
    for case in f["errors"].as_array().unwrap() {
        let o = case["options"].as_object().unwrap();
        let options = js(
            &json!({ "length": o["length"], "startIndex": o.get("start_index"), "endIndex": o.get("end_index") }),
        );
        let e = fails(TimeseriesGenerator::new(
            js(&case["data"]),
            js(&case["targets"]),
            options,
        ));
        assert!(e.ends_with(case["message"].as_str().unwrap()), "{e}");
    }
    let ramp = js(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let e = |o: Value| fails(TimeseriesGenerator::new(ramp.clone(), ramp.clone(), js(&o)));
    assert_eq!(
        e(json!({})),
        "TimeseriesGenerator needs length, e.g. {length: 3}"
    );
    assert_eq!(
        e(json!({ "length": 2, "stride": "1" })),
        "stride must be a number, got string"
    );
    assert_eq!(
        e(json!({ "length": 2, "batchSize": 0 })),
        "invalid batch_size: 0 (must be ≥ 1)"
    );
    assert!(e(json!({ "length": 2, "window": 3 }))
        .starts_with("unknown TimeseriesGenerator option 'window'"));

    // A batch trains a model whose input is the window.
    let g = TimeseriesGenerator::new(
        ramp.clone(),
        ramp,
        js(&json!({ "length": 3, "batchSize": 2 })),
    )
    .unwrap();
    let batch: Array = g.get_item(0.into()).unwrap().unchecked_into();
    let m = Sequential::new(None).unwrap();
    m.add(&dense(1, json!({ "inputDim": 3 }))).unwrap();
    m.compile(js(&json!({ "loss": "mse", "optimizer": "sgd" })))
        .await
        .unwrap();
    assert!(m.train_on_batch(batch.get(0), batch.get(1)).await.unwrap() > 0.0);
}
