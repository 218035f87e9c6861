//! Helpers shared by the native and wasm integration tests (each test binary uses a part), and
//! by `examples/write_seed_snapshot.rs`.
#![allow(dead_code)]

#[cfg(not(target_arch = "wasm32"))]
pub mod gpu;

use nnplay::record::{weights_to_json, DatasetRecord};
use nnplay::Config;

/// The tutorial config's dataset and initial weights as JSON: the same on every target.
pub fn seeded_snapshot(seed: u64) -> serde_json::Value {
    let config = Config {
        seed,
        ..Config::default()
    };
    let data = config.dataset().expect("tutorial data");
    let mut model = config.build_model().expect("tutorial model");
    let w = model.get_weights().expect("weights");
    serde_json::json!({
        "seed": seed,
        "dataset": DatasetRecord::from_dataset(&data),
        "initial_weights": weights_to_json(&w, |i| i % 2 == 1),
    })
}

/// The seed of the committed snapshot.
pub const SNAPSHOT_SEED: u64 = 42;

/// Where the committed snapshot lives. Only `cargo run --example write_seed_snapshot` writes
/// it; the tests only read it.
pub const SNAPSHOT_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/seed42_snapshot.json"
);

/// The snapshot committed from a native run, built into the wasm tests (which cannot read
/// files).
#[cfg(target_arch = "wasm32")]
pub const COMMITTED_SNAPSHOT: &str = include_str!("../fixtures/seed42_snapshot.json");
