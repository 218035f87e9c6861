//! The WebGPU device: acquiring it (one per thread, shared by its backends), watching for its
//! loss, and reading buffers back.

use super::kernels::{Kernel, Kernels};
use crate::error::{Error, Result};
use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex, Weak};

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

/// The device and queue that the backends of one thread share, with what they share about it.
struct SharedDevice {
    device: wgpu::Device,
    queue: wgpu::Queue,
    summary: AdapterSummary,
    max_buffer_bytes: usize,
    health: Arc<Mutex<Health>>,
    /// Shader modules and pipelines: built once for every backend on the device.
    kernels: Mutex<Kernels>,
}

impl SharedDevice {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a new backend may use this device: not lost, and no uncaptured error on it.
    fn is_healthy(&self) -> bool {
        let h = self.health();
        h.lost.is_none() && h.error.is_none()
    }
}

/// The device cache of this thread.
enum Cache {
    /// No device yet, or its last backend is gone.
    Empty,
    /// A backend is opening the device; the others wait for it rather than open their own.
    Opening(Vec<futures_channel::oneshot::Sender<()>>),
    /// The device, while some backend holds it.
    Open(Weak<SharedDevice>),
}

thread_local! {
    // Per thread: in the browser a wasm instance (one Worker, or the page) is one thread, so
    // every backend of the instance shares one device. Natively each thread (each test of the
    // test harness) has its own, so tests that run in parallel never share a device, and one
    // that destroys its device cannot break another's.
    static CACHE: RefCell<Cache> = const { RefCell::new(Cache::Empty) };
    static DEVICES_OPENED: Cell<u64> = const { Cell::new(0) };
}

/// Devices this thread has opened so far (in the browser: this wasm instance). Backends
/// created while another one holds a healthy device reuse it and open none.
pub fn devices_opened() -> u64 {
    DEVICES_OPENED.with(Cell::get)
}

/// Resets the cache to `Empty` if it is still `Opening` when dropped, so that an opening that
/// failed or was abandoned (its future dropped) lets a waiting backend try in its turn.
struct OpeningGuard;

impl Drop for OpeningGuard {
    fn drop(&mut self) {
        let waiters = CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if matches!(*c, Cache::Opening(_)) {
                match std::mem::replace(&mut *c, Cache::Empty) {
                    Cache::Opening(w) => w,
                    _ => Vec::new(),
                }
            } else {
                Vec::new()
            }
        });
        // Dropping the senders wakes the waiters.
        drop(waiters);
    }
}

/// A backend's handle on the shared device, acquired once per backend.
///
/// The device, its queue and its pipelines are shared by every backend of the thread; each
/// backend keeps its own buffers and bind groups. A real loss of the device (a driver reset, or
/// [`GpuContext::lose`] by its only backend) reaches every backend on it, and the next backend
/// opens a fresh device.
pub(crate) struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub summary: AdapterSummary,
    /// The largest storage buffer a binding may cover on this device, in bytes.
    pub max_buffer_bytes: usize,
    shared: Arc<SharedDevice>,
    /// A loss of this backend alone ([`GpuContext::lose`] while others share the device).
    local_loss: Option<String>,
}

impl GpuContext {
    /// The device of this thread: the one other backends hold when it is healthy, else a new
    /// one (see [`GpuContext::open`]). Backends created at the same time wait for the one
    /// opening the device instead of opening their own.
    pub async fn new() -> Result<GpuContext> {
        let shared = loop {
            let waiting = CACHE.with(|c| {
                let mut c = c.borrow_mut();
                match &mut *c {
                    Cache::Open(weak) => match weak.upgrade() {
                        Some(shared) if shared.is_healthy() => Ok(Some(shared)),
                        _ => {
                            *c = Cache::Opening(Vec::new());
                            Ok(None)
                        }
                    },
                    Cache::Opening(waiters) => {
                        let (tx, rx) = futures_channel::oneshot::channel();
                        waiters.push(tx);
                        Err(rx)
                    }
                    Cache::Empty => {
                        *c = Cache::Opening(Vec::new());
                        Ok(None)
                    }
                }
            });
            match waiting {
                Ok(Some(shared)) => break shared,
                Ok(None) => {
                    let guard = OpeningGuard;
                    let opened = GpuContext::open().await.map(Arc::new);
                    let waiters = CACHE.with(|c| {
                        let next = match &opened {
                            Ok(shared) => Cache::Open(Arc::downgrade(shared)),
                            Err(_) => Cache::Empty,
                        };
                        match std::mem::replace(&mut *c.borrow_mut(), next) {
                            Cache::Opening(w) => w,
                            _ => Vec::new(),
                        }
                    });
                    drop(guard);
                    for w in waiters {
                        let _ = w.send(());
                    }
                    break opened?;
                }
                // Woken when the opening ends (or is abandoned): look again.
                Err(rx) => {
                    let _ = rx.await;
                }
            }
        };
        Ok(GpuContext {
            device: shared.device.clone(),
            queue: shared.queue.clone(),
            summary: shared.summary.clone(),
            max_buffer_bytes: shared.max_buffer_bytes,
            shared,
            local_loss: None,
        })
    }

    /// Finds an adapter (a high-performance one when there is a choice) and opens a device with
    /// the adapter's own limits, so large buffers fit where the hardware allows them.
    async fn open() -> Result<SharedDevice> {
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
        DEVICES_OPENED.with(|n| n.set(n.get() + 1));
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
        Ok(SharedDevice {
            device,
            queue,
            summary,
            max_buffer_bytes,
            health,
            kernels: Mutex::new(Kernels::default()),
        })
    }

    /// Whether `self` and `other` use the same device.
    pub fn same_device(&self, other: &GpuContext) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The pipeline of `kernel`, built on its first use by any backend on the device.
    pub fn pipeline(&self, kernel: Kernel) -> wgpu::ComputePipeline {
        let mut kernels = self
            .shared
            .kernels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        kernels.pipeline(&self.device, kernel).clone()
    }

    /// `Err(DeviceLost)` once the device is lost (or this backend was, see
    /// [`GpuContext::lose`]), `Err(Backend)` after an uncaptured error on the device.
    pub fn check(&self) -> Result<()> {
        if let Some(m) = &self.local_loss {
            return Err(Error::DeviceLost(m.clone()));
        }
        let h = self.shared.health();
        if let Some(m) = &h.lost {
            return Err(Error::DeviceLost(m.clone()));
        }
        if let Some(e) = &h.error {
            return Err(Error::Backend(format!("WebGPU error: {e}")));
        }
        Ok(())
    }

    /// Whether the device is lost (for this backend).
    pub fn is_lost(&self) -> bool {
        self.local_loss.is_some() || self.shared.health().lost.is_some()
    }

    /// Makes this backend's device behave as after a driver reset.
    ///
    /// When no other backend uses the device, it is marked lost and really destroyed, as a
    /// driver reset would (the next backend opens a fresh one). When others share it, the loss
    /// is this backend's alone: it is marked lost and stops using the device, whose other
    /// backends keep training. Destroying a shared device would end them all, which is what a
    /// real reset does but not what a demonstration or a test of one backend means.
    pub fn lose(&mut self, message: &str) {
        if Arc::strong_count(&self.shared) > 1 {
            self.local_loss.get_or_insert_with(|| message.to_string());
            return;
        }
        self.shared
            .health()
            .lost
            .get_or_insert_with(|| message.to_string());
        self.device.destroy();
    }

    /// Destroys the device for every backend on it, as a driver reset would.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub fn lose_for_all(&self, message: &str) {
        self.shared
            .health()
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
