//! Data for JS: the tutorial's dataset generator (`makeDataset`) and Keras'
//! `TimeseriesGenerator`.

use super::keras::{count, numbers, Options};
use super::{js, to_js};
use crate::data::{DataConfig, DataKind};
use crate::tensor::Tensor;
use crate::timeseries::{TimeseriesGenerator as CoreGenerator, TimeseriesOptions};
use js_sys::{Float32Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const DATA_TYPES: &str = r#"
/** `makeDataset(options, seed)`: the experiment config's `data` fields in JS spelling. */
export interface DatasetOptions {
  kind?: string; n?: number; slope?: number; intercept?: number; noise?: number;
  xMin?: number; xMax?: number; shuffle?: boolean; trainFraction?: number;
  points?: ArrayLike<ArrayLike<number>>;
}
/** The train and test splits, one number per sample. */
export interface Dataset { xTrain: Float32Array; yTrain: Float32Array; xTest: Float32Array; yTest: Float32Array }
/** `new TimeseriesGenerator(data, targets, options)`: Keras' arguments; `length` is required. */
export interface TimeseriesOptions {
  length: number; samplingRate?: number; stride?: number; startIndex?: number;
  endIndex?: number; shuffle?: boolean; reverse?: boolean; batchSize?: number; seed?: number;
}
"#;

/// The tutorial's data generator and its relatives: `makeDataset({kind, n, slope, intercept,
/// noise, xMin, xMax, shuffle, trainFraction, points}, seed?)` resolves to `{xTrain, yTrain,
/// xTest, yTest}`. Every option defaults to the tutorial's (200 points of y = 0.5x + 2 with
/// noise 0.05, shuffled, 80 % to train); a `kind` without `slope` and `intercept` takes the
/// ones choosing it sets in the page. `seed` defaults to 42.
#[wasm_bindgen(js_name = makeDataset, unchecked_return_type = "Dataset")]
pub fn make_dataset(
    #[wasm_bindgen(unchecked_param_type = "DatasetOptions | void")] options: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "number | void")] seed: Option<JsValue>,
) -> Result<JsValue, JsError> {
    let mut c = DataConfig::default();
    let mut o = Options::new("makeDataset", &options.unwrap_or_default())?;
    if let Some(kind) = o.string("kind", None)? {
        c.kind = DataKind::from_name(&kind).map_err(js)?;
        if let Some((slope, intercept)) = c.kind.preset() {
            (c.slope, c.intercept) = (slope, intercept);
        }
    }
    c.n = o.count("n", None, 0)?.unwrap_or(c.n);
    for (key, field) in [
        ("slope", &mut c.slope),
        ("intercept", &mut c.intercept),
        ("noise", &mut c.noise),
        ("xMin", &mut c.x_min),
        ("xMax", &mut c.x_max),
        ("trainFraction", &mut c.train_fraction),
    ] {
        if let Some(v) = o.number(key)? {
            *field = v;
        }
    }
    c.shuffle = o.bool("shuffle", None)?.unwrap_or(c.shuffle);
    if let Some((points, _)) = o.raw("points", None) {
        let (shape, values) = numbers(&points, "points", 2)?;
        if shape.len() != 2 || shape[1] != 2 {
            return Err(JsError::new("points must be an array of [x, y] pairs"));
        }
        c.points = Some(
            values
                .chunks(2)
                .map(|p| [p[0] as f64, p[1] as f64])
                .collect(),
        );
    }
    o.finish()?;
    let seed = match seed {
        None => crate::model::DEFAULT_SEED,
        Some(s) => count(&s, "seed", 0)? as u64,
    };
    let d = c.generate(seed).map_err(js)?;
    let out = Object::new();
    for (k, t) in [
        ("xTrain", &d.x_train),
        ("yTrain", &d.y_train),
        ("xTest", &d.x_test),
        ("yTest", &d.y_test),
    ] {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&out, &k.into(), &Float32Array::from(t.as_slice()));
    }
    Ok(out.into())
}

/// Keras' `TimeseriesGenerator` (Keras 2's `keras.preprocessing.sequence`): windows of
/// `data` paired with the target that follows each.
#[wasm_bindgen]
pub struct TimeseriesGenerator {
    inner: CoreGenerator,
    /// Whether `data` had one number per step (Keras' samples are then `[windows][steps]`).
    flat_data: bool,
    /// Whether `targets` had one number per step (Keras' targets are then `[windows]`).
    flat_targets: bool,
}

/// `value` as rows: one number per row (flat) or an array of rows; and whether it was flat.
fn rows(value: &JsValue, what: &str) -> Result<(Tensor, bool), JsError> {
    let (shape, values) = numbers(value, what, 2)?;
    let (n, cols) = (shape[0], shape.get(1).copied().unwrap_or(1));
    Ok((
        Tensor::from_vec(n, cols, values).map_err(js)?,
        shape.len() == 1,
    ))
}

#[wasm_bindgen]
impl TimeseriesGenerator {
    /// `new TimeseriesGenerator(data, targets, {length, samplingRate, stride, startIndex,
    /// endIndex, shuffle, reverse, batchSize, seed})` with Keras' defaults (1, 1, 0, the last
    /// row, false, false, 128); `seed` (default 42) is nnplay's: shuffled batches are drawn
    /// from it, so `getItem(i)` is the same batch each time.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ArrayLike<number> | ArrayLike<ArrayLike<number>>")]
        data: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ArrayLike<number> | ArrayLike<ArrayLike<number>>")]
        targets: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TimeseriesOptions")] options: JsValue,
    ) -> Result<TimeseriesGenerator, JsError> {
        let mut o = Options::new("TimeseriesGenerator", &options)?;
        let length = o
            .count("length", None, 0)?
            .ok_or_else(|| JsError::new("TimeseriesGenerator needs length, e.g. {length: 3}"))?;
        let d = TimeseriesOptions::new(length);
        let options = TimeseriesOptions {
            sampling_rate: o.count("samplingRate", None, 0)?.unwrap_or(d.sampling_rate),
            stride: o.count("stride", None, 0)?.unwrap_or(d.stride),
            start_index: o.count("startIndex", None, 0)?.unwrap_or(d.start_index),
            end_index: o.count("endIndex", None, 0)?,
            shuffle: o.bool("shuffle", None)?.unwrap_or(d.shuffle),
            reverse: o.bool("reverse", None)?.unwrap_or(d.reverse),
            batch_size: o.count("batchSize", None, 0)?.unwrap_or(d.batch_size),
            seed: o.count("seed", None, 0)?.map_or(d.seed, |s| s as u64),
            ..d
        };
        o.finish()?;
        let (data, flat_data) = rows(&data, "data")?;
        let (targets, flat_targets) = rows(&targets, "targets")?;
        Ok(TimeseriesGenerator {
            inner: CoreGenerator::new(data, targets, options).map_err(js)?,
            flat_data,
            flat_targets,
        })
    }

    /// The number of batches (Keras' `len(generator)`).
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// Batch `index` (Keras' `generator[index]`): `[samples, targets]` as Keras' nested
    /// arrays: samples `[windows][steps]` (`[windows][steps][features]` when `data` had rows),
    /// targets `[windows]` (or `[windows][k]`).
    #[wasm_bindgen(js_name = getItem, unchecked_return_type = "[number[][] | number[][][], number[] | number[][]]")]
    pub fn get_item(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] index: JsValue,
    ) -> Result<JsValue, JsError> {
        let b = self.inner.get(count(&index, "index", 0)?).map_err(js)?;
        let samples: Vec<serde_json::Value> = b
            .samples
            .to_rows()
            .into_iter()
            .map(|w| match self.flat_data {
                true => serde_json::json!(w),
                false => serde_json::json!(w.chunks(b.features).collect::<Vec<_>>()),
            })
            .collect();
        let targets = match self.flat_targets {
            true => serde_json::json!(b.targets.as_slice()),
            false => serde_json::json!(b.targets.to_rows()),
        };
        to_js(&serde_json::json!([samples, targets]))
    }
}
