//! One seed gives the same data and initial weights everywhere: the snapshot committed in
//! `tests/fixtures/seed42_snapshot.json` is checked here natively and in `tests/wasm.rs` in
//! node and Chromium.
//!
//! The test only reads the snapshot: it is written by a separate, explicit command,
//! `cargo run --example write_seed_snapshot`, so that no test run can make its own reference.
#![cfg(not(target_arch = "wasm32"))]

mod common;

#[test]
fn seed_42_matches_the_committed_snapshot() {
    let text = std::fs::read_to_string(common::SNAPSHOT_PATH).unwrap_or_else(|e| {
        panic!(
            "cannot read the committed snapshot {} ({e}): it must be in the repository; \
             `cargo run --example write_seed_snapshot` writes it from this build",
            common::SNAPSHOT_PATH
        )
    });
    let committed: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "the committed snapshot {} is not JSON: {e}",
            common::SNAPSHOT_PATH
        )
    });
    let now = common::seeded_snapshot(common::SNAPSHOT_SEED);
    assert_eq!(
        now, committed,
        "seed 42 no longer gives the committed data and weights"
    );
}

#[test]
fn different_seeds_differ() {
    assert_ne!(common::seeded_snapshot(1), common::seeded_snapshot(2));
}
