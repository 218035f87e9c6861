//! The GPU device of native tests.

use nnplay::backend::gpu::GpuBackend;
use std::sync::{Mutex, MutexGuard};

/// Serialises the GPU tests of one test binary: NVIDIA's Vulkan driver was seen to hang with a
/// dozen devices polled from as many threads at once (two at once were fine).
static ONE_DEVICE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds the device lock for the rest of a test.
pub fn serial() -> MutexGuard<'static, ()> {
    ONE_DEVICE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A GPU backend, or a failure that says how to get one.
pub fn gpu() -> GpuBackend {
    pollster::block_on(GpuBackend::new()).unwrap_or_else(|e| {
        panic!("no GPU adapter: run `make setup` (installs mesa-vulkan-drivers) ({e})")
    })
}
