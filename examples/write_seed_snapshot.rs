//! Writes `tests/fixtures/seed42_snapshot.json`, the reference that `tests/seeded.rs` and
//! `tests/wasm.rs` compare with: seed 42's tutorial dataset and initial weights.
//!
//! `cargo run --example write_seed_snapshot`. Only for a deliberate change of the data
//! generator or the initializers: review the diff of the file before committing it.

#[cfg(not(target_arch = "wasm32"))]
#[path = "../tests/common/mod.rs"]
mod common;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let now = common::seeded_snapshot(common::SNAPSHOT_SEED);
    let text = serde_json::to_string(&now).expect("a snapshot is JSON");
    let before = std::fs::read_to_string(common::SNAPSHOT_PATH).ok();
    if let Err(e) = std::fs::write(common::SNAPSHOT_PATH, &text) {
        eprintln!(
            "write_seed_snapshot: cannot write {}: {e}",
            common::SNAPSHOT_PATH
        );
        std::process::exit(1);
    }
    let what = match before {
        Some(b) if b == text => "unchanged",
        Some(_) => "changed",
        None => "new",
    };
    println!("wrote {} ({what})", common::SNAPSHOT_PATH);
}

#[cfg(target_arch = "wasm32")]
fn main() {}
