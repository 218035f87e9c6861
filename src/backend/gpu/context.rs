//! The WebGPU device: acquiring it, watching for its loss, and reading buffers back.

use crate::error::{Error, Result};
use std::sync::{Arc, Mutex};

/// What the device's callbacks report: they run outside our calls, so they share this.
#[derive(Default)]
struct Health {
    /// Set once the device is lost, with the driver's (or our) message.
    lost: Option<String>,
    /// The first error wgpu raised outside an error scope (a validation error is a bug here).
    error: Option<String>,
}

/// The adapter in use, as people and tests need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name, e.g. `llvmpipe (LLVM 15, 256 bits)` or `NVIDIA H100`.
    pub name: String,
    /// The graphics API under wgpu: `Vulkan`, `Metal`, `Dx12`, `Gl` or `BrowserWebGpu`.
    pub backend: String,
    /// `Cpu`, `DiscreteGpu`, `IntegratedGpu`, `VirtualGpu` or `Other`.
    pub device_type: String,
    /// The driver and its version, when the platform tells them.
    pub driver: String,
    /// Whether this is a software rasteriser (lavapipe, SwiftShader, WARP): no real GPU.
    pub is_software: bool,
}

/// A device and its queue, acquired once per backend.
pub(crate) struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub summary: AdapterSummary,
    /// The largest storage buffer a binding may cover on this device, in bytes.
    pub max_buffer_bytes: usize,
    health: Arc<Mutex<Health>>,
}

impl GpuContext {
    /// Finds an adapter (a high-performance one when there is a choice) and opens a device with
    /// the adapter's own limits, so large buffers fit where the hardware allows them.
    pub async fn new() -> Result<GpuContext> {
        #[cfg(target_arch = "wasm32")]
        {
            // Outside a browser with WebGPU (e.g. node), creating the instance would panic.
            if !wgpu::util::is_browser_webgpu_supported().await {
                return Err(Error::Backend(
                    "no WebGPU in this environment (navigator.gpu is missing)".into(),
                ));
            }
        }
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Backend(format!("no WebGPU adapter ({e})")))?;
        let info = adapter.get_info();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("nnplay"),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Backend(format!("could not open the WebGPU device: {e}")))?;
        let health = Arc::new(Mutex::new(Health::default()));
        let h = Arc::clone(&health);
        device.set_device_lost_callback(move |reason, message| {
            let mut h = h.lock().unwrap_or_else(|p| p.into_inner());
            if h.lost.is_none() {
                h.lost = Some(format!("{reason:?}: {message}"));
            }
        });
        // The default handler panics; an error becomes the next operation's `Err` instead.
        let h = Arc::clone(&health);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut h = h.lock().unwrap_or_else(|p| p.into_inner());
            if h.error.is_none() {
                h.error = Some(e.to_string());
            }
        }));
        let summary = AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: [info.driver.as_str(), info.driver_info.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            is_software: info.device_type == wgpu::DeviceType::Cpu,
        };
        let limits = device.limits();
        let max_buffer_bytes = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .try_into()
            .unwrap_or(usize::MAX);
        Ok(GpuContext {
            device,
            queue,
            summary,
            max_buffer_bytes,
            health,
        })
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err(DeviceLost)` once the device is lost, `Err(Backend)` after an uncaptured error.
    pub fn check(&self) -> Result<()> {
        let h = self.health();
        if let Some(m) = &h.lost {
            return Err(Error::DeviceLost(m.clone()));
        }
        if let Some(e) = &h.error {
            return Err(Error::Backend(format!("WebGPU error: {e}")));
        }
        Ok(())
    }

    /// Whether the device is lost.
    pub fn is_lost(&self) -> bool {
        self.health().lost.is_some()
    }

    /// Marks the device lost and destroys it, as a driver reset would.
    pub fn lose(&self, message: &str) {
        self.health()
            .lost
            .get_or_insert_with(|| message.to_string());
        self.device.destroy();
    }

    /// Maps `staging` (MAP_READ) for its first `bytes` bytes, after the queue's work is done, and
    /// returns its contents as `f32`.
    ///
    /// Natively this blocks in `poll` until the GPU is done; in the browser it awaits the
    /// mapping without blocking the page.
    pub async fn map_read(&self, staging: &wgpu::Buffer, bytes: u64) -> Result<Vec<f32>> {
        let (tx, rx) = futures_channel::oneshot::channel();
        let slice = staging.slice(..bytes);
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        #[cfg(not(target_arch = "wasm32"))]
        {
            if let Err(e) = self.device.poll(wgpu::PollType::wait_indefinitely()) {
                self.check()?;
                return Err(Error::Backend(format!("waiting for the GPU failed: {e}")));
            }
        }
        let mapped = rx.await;
        self.check()?;
        match mapped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Error::Backend(format!("reading back failed: {e}"))),
            Err(_) => return Err(Error::Backend("reading back was cancelled".into())),
        }
        let values = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| Error::Backend(format!("reading back failed: {e}")))?;
            bytemuck::pod_collect_to_vec::<u8, f32>(&view)
        };
        staging.unmap();
        Ok(values)
    }
}
