//! Exports and imports that reproduce a run (see `nnplay::export`): the weights, the data, the
//! Keras replay script, imports, the share link's hash and the element's attributes.

use super::{js, to_js};
use crate::config::Config;
use crate::export;
use crate::record::RunRecord;
use wasm_bindgen::prelude::*;

fn record(record_json: &str) -> Result<RunRecord, JsError> {
    RunRecord::from_json(record_json).map_err(js)
}

fn config(config_json: &str) -> Result<Config, JsError> {
    Config::from_json(config_json).map_err(js)
}

/// A run record's final weights in Keras' `set_weights` layout, as JSON: a list of arrays,
/// each kernel `(inputs, units)` as rows and each bias `(units,)` flat.
#[wasm_bindgen(js_name = exportWeights)]
pub fn export_weights(record_json: &str) -> Result<String, JsError> {
    Ok(export::keras_weights_json(
        &record(record_json)?.final_weights,
    ))
}

/// A run record's points as CSV (`x,y`, training rows then test rows).
#[wasm_bindgen(js_name = exportCsv)]
pub fn export_csv(record_json: &str) -> Result<String, JsError> {
    Ok(export::dataset_csv(&record(record_json)?.dataset))
}

/// The Python script that replays a run record in Keras 3 and compares every step.
#[wasm_bindgen(js_name = kerasReplayScript)]
pub fn keras_replay_script(record_json: &str) -> Result<String, JsError> {
    Ok(crate::codegen::keras_replay_script(&record(record_json)?))
}

/// Reads an imported file (a config, a run record or `x,y` CSV, whose points replace the data
/// of `currentConfigJson`): `{kind, config, steps}`, `kind` being `config`, `record` or `csv`,
/// `config` the JSON of the experiment and `steps` the steps a record had taken. Throws what is
/// wrong with the file.
#[wasm_bindgen(js_name = importText)]
pub fn import_text(text: &str, current_config_json: &str) -> Result<JsValue, JsError> {
    let current = config(current_config_json)?;
    let i = export::import_text(text, &current).map_err(js)?;
    to_js(&serde_json::json!({
        "kind": i.kind.name(), "config": i.config.to_json(), "steps": i.steps,
    }))
}

/// The share link's hash of a config (without `#`; empty for the default config).
#[wasm_bindgen(js_name = shareHash)]
pub fn share_hash(config_json: &str) -> Result<String, JsError> {
    Ok(export::share_hash(&config(config_json)?))
}

/// The config (JSON, defaults filled in) of a share link's hash; throws what is wrong with it.
#[wasm_bindgen(js_name = configFromHash)]
pub fn config_from_hash(hash: &str) -> Result<String, JsError> {
    Ok(export::config_from_share_hash(hash).map_err(js)?.to_json())
}

/// The attributes of `<nn-playground>` that describe an experiment, in the order they apply.
#[wasm_bindgen(js_name = embedAttributeNames)]
pub fn embed_attribute_names() -> Vec<String> {
    export::ATTRIBUTES.iter().map(|s| s.to_string()).collect()
}

/// The config (JSON) of the element's attributes, given as `names[i] = values[i]`; throws
/// naming the attribute or field that is wrong.
#[wasm_bindgen(js_name = configFromAttributes)]
pub fn config_from_attributes(names: Vec<String>, values: Vec<String>) -> Result<String, JsError> {
    let attrs: Vec<(String, String)> = names.into_iter().zip(values).collect();
    Ok(export::config_from_attributes(&attrs)
        .map_err(js)?
        .to_json())
}

/// The attributes that give a config on the element, as `[name, value, name, value, …]`.
#[wasm_bindgen(js_name = embedAttributes)]
pub fn embed_attributes(config_json: &str) -> Result<Vec<String>, JsError> {
    Ok(export::embed_attributes(&config(config_json)?)
        .into_iter()
        .flat_map(|(n, v)| [n, v])
        .collect())
}

/// Every short attribute of the element with its value in a config, as
/// `[name, value, name, value, …]` (what the element's controls show).
#[wasm_bindgen(js_name = attributeValues)]
pub fn attribute_values(config_json: &str) -> Result<Vec<String>, JsError> {
    Ok(export::attribute_values(&config(config_json)?)
        .into_iter()
        .flat_map(|(n, v)| [n, v])
        .collect())
}
