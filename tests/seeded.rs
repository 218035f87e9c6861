//! One seed gives the same data and initial weights everywhere: the snapshot committed in
//! `tests/fixtures/seed42_snapshot.json` is checked here natively and in `tests/wasm.rs` in
//! node and Chromium. Regenerate with `NNPLAY_WRITE_SNAPSHOT=1 cargo test --test seeded`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

#[test]
fn seed_42_matches_the_committed_snapshot() {
    let now = common::seeded_snapshot(42);
    if std::env::var("NNPLAY_WRITE_SNAPSHOT").is_ok() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/seed42_snapshot.json"
        );
        std::fs::write(path, serde_json::to_string(&now).unwrap()).unwrap();
    }
    let committed: serde_json::Value = serde_json::from_str(common::COMMITTED_SNAPSHOT).unwrap();
    assert_eq!(
        now, committed,
        "seed 42 no longer gives the committed data and weights"
    );
}

#[test]
fn different_seeds_differ() {
    assert_ne!(common::seeded_snapshot(1), common::seeded_snapshot(2));
}
