//! The WebGPU backend: every operation is recorded as a compute dispatch of a WGSL kernel
//! (`shaders/*.wgsl`) and sent to the device in one command buffer at the next
//! [`Backend::submit`], [`Backend::read`] or [`Backend::write`].
//!
//! A training step creates no WebGPU object: pipelines are built on first use, and each
//! dispatch's bind group (with the small uniform buffer of its parameters) is cached under its
//! kernel, operands and the bytes of its parameters. Because the loss log's cursor and the
//! optimizer's iteration count live in device buffers, step after step records the very same
//! dispatches and hits the cache. Every wgpu call of nnplay lives under this module.
//!
//! The contract with the WGSL is typed: each kernel takes a parameter struct and an operand
//! struct (`params.rs`), the constants both sides use are written into a prelude of every
//! module from their Rust definitions (`kernels.rs`), and the unit tests (`tests.rs`) check
//! both against the WGSL as naga parses it.

mod context;
mod kernels;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod minify;
mod params;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sharing_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use context::{devices_opened, AdapterSummary};

use super::{check, Backend, BackendKind, Buf, Counter, Counters};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::optim::Coefficients;
use context::GpuContext;
use kernels::{
    grid_1d, grid_matmul, matmul_is_large, matmul_k_chunk, matmul_splits, Kernel, COLUMN_SUMS_WIDTH,
};
use params::{
    ActivationBackwardOperands, ApplyGradientOperands, BiasActivationOperands, ColumnSumsOperands,
    ColumnSumsParams, ElementwiseParams, IncrementOperands, KernelOperands, KernelParams,
    LossOperands, LossParams, MatmulOperands, MatmulParams, OptimizerParams, SumSplitsOperands,
    SumSplitsParams,
};
use std::collections::HashMap;

/// What a storage binding of a dispatch is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Operand {
    /// A matrix.
    Buf(Buf),
    /// A counter (two `u32` words: low, high).
    Counter(Counter),
    /// Nothing: the operand is optional and absent. A binding that the entry point uses must
    /// still be bound, so a placeholder of that binding takes its place.
    Absent,
}

/// A counter: its device buffer and the value it will hold once recorded work has run.
struct CounterSlot {
    /// `None` for counters allocated after the device was lost.
    buffer: Option<wgpu::Buffer>,
    value: u64,
}

struct Slot {
    rows: usize,
    cols: usize,
    /// `None` for buffers allocated after the device was lost.
    buffer: Option<wgpu::Buffer>,
}

/// Cache key of a bind group: the kernel, the buffers at its storage bindings and the bytes
/// of its parameters.
#[derive(Clone, PartialEq, Eq, Hash)]
struct BindKey {
    kernel: Kernel,
    operands: Vec<Operand>,
    params: Vec<u8>,
}

struct Dispatch {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    groups: (u32, u32, u32),
}

/// Runs the [`Backend`] operations as WGSL compute kernels through wgpu: WebGPU in the
/// browser, Vulkan, Metal or DX12 natively.
///
/// The backends of one thread (in the browser: of one wasm instance, e.g. one Worker) share
/// one device, its queue and its pipelines; each keeps its own buffers and bind groups.
pub struct GpuBackend {
    ctx: GpuContext,
    slots: Vec<Option<Slot>>,
    free_list: Vec<u32>,
    counter_slots: Vec<CounterSlot>,
    /// Bound where an operand is absent, one per binding number, so that no buffer is bound
    /// twice in a dispatch.
    placeholders: HashMap<u32, wgpu::Buffer>,
    /// The uniform buffers of parameters, by their bytes.
    uniforms: HashMap<Vec<u8>, wgpu::Buffer>,
    /// Each with the pipeline of its kernel (whose layout it was made for).
    bind_groups: HashMap<BindKey, (wgpu::BindGroup, wgpu::ComputePipeline)>,
    bind_groups_created: u64,
    pending: Vec<Dispatch>,
    staging: Option<wgpu::Buffer>,
    /// Scratch for the K slices of split-K products, by shape, reused from step to step.
    split_scratch: HashMap<(usize, usize), Buf>,
    counters: Counters,
}

impl GpuBackend {
    /// Opens the default WebGPU adapter (a high-performance one if there are several), or
    /// reuses the device that other backends of this thread already hold (see
    /// [`devices_opened`]). Natively, `WGPU_BACKEND` (e.g. `vulkan`, `gl`) restricts the APIs
    /// tried.
    ///
    /// # Errors
    /// [`Error::Backend`] when there is no WebGPU (e.g. node, or a browser without it), no
    /// adapter, or the device cannot be opened.
    pub async fn new() -> Result<GpuBackend> {
        let ctx = GpuContext::new().await?;
        Ok(GpuBackend {
            ctx,
            slots: Vec::new(),
            free_list: Vec::new(),
            counter_slots: Vec::new(),
            placeholders: HashMap::new(),
            uniforms: HashMap::new(),
            bind_groups: HashMap::new(),
            bind_groups_created: 0,
            pending: Vec::new(),
            staging: None,
            split_scratch: HashMap::new(),
            counters: Counters::default(),
        })
    }

    /// The adapter in use.
    pub fn adapter_info(&self) -> &AdapterSummary {
        &self.ctx.summary
    }

    /// Whether the adapter is a software rasteriser (lavapipe, SwiftShader): correct, but
    /// running on the CPU, so its timings say nothing about a GPU.
    pub fn is_software(&self) -> bool {
        self.ctx.summary.is_software
    }

    /// Bind groups currently cached (each one created once and reused by every step).
    pub fn cached_bind_groups(&self) -> usize {
        self.bind_groups.len()
    }

    /// Bind groups created since the backend was opened.
    pub fn bind_groups_created(&self) -> u64 {
        self.bind_groups_created
    }

    /// Whether `self` and `other` use the same device.
    pub fn same_device(&self, other: &GpuBackend) -> bool {
        self.ctx.same_device(&other.ctx)
    }

    /// Makes the backend behave as after a driver reset, for tests and the page's "simulate"
    /// button: every operation from now on returns [`Error::DeviceLost`]. The device is really
    /// destroyed when this backend is its only user; when other backends share it, only this
    /// one stops using it (destroying it would end their training too).
    pub fn simulate_device_loss(&mut self) {
        self.pending.clear();
        self.ctx.lose("simulated device loss");
    }

    fn slot(&self, b: Buf) -> Result<&Slot> {
        self.slots
            .get(b.0 as usize)
            .and_then(|s| s.as_ref())
            .ok_or_else(|| Error::Backend(format!("buffer {} does not exist", b.0)))
    }

    fn dims(&self, b: Buf) -> Result<(usize, usize)> {
        let s = self.slot(b)?;
        Ok((s.rows, s.cols))
    }

    fn len(&self, b: Buf) -> Result<usize> {
        let (r, c) = self.dims(b)?;
        Ok(r * c)
    }

    fn counter_slot(&self, c: Counter) -> Result<&CounterSlot> {
        self.counter_slots
            .get(c.0 as usize)
            .ok_or_else(|| Error::Backend(format!("counter {} does not exist", c.0)))
    }

    /// The buffer of a matrix or counter operand (`None` for an absent one).
    fn buffer(&self, operand: Operand) -> Result<Option<&wgpu::Buffer>> {
        let lost = || Error::DeviceLost("the buffer was allocated after the loss".into());
        match operand {
            Operand::Absent => Ok(None),
            Operand::Buf(b) => self.slot(b)?.buffer.as_ref().ok_or_else(lost).map(Some),
            Operand::Counter(c) => self
                .counter_slot(c)?
                .buffer
                .as_ref()
                .ok_or_else(lost)
                .map(Some),
        }
    }

    /// The buffer of a matrix operand.
    fn matrix_buffer(&self, b: Buf) -> Result<&wgpu::Buffer> {
        Ok(self
            .buffer(Operand::Buf(b))?
            .expect("a matrix operand has a buffer"))
    }

    /// Records one dispatch of `kernel` with `params` and `operands` (the kernel's own types:
    /// checked in debug builds), reusing the cached bind group when this exact dispatch was
    /// recorded before.
    fn record<P: KernelParams, O: KernelOperands>(
        &mut self,
        kernel: Kernel,
        params: P,
        operands: O,
        groups: (u32, u32, u32),
    ) -> Result<()> {
        self.ctx.check()?;
        debug_assert_eq!(
            kernel.params(),
            P::LAYOUT,
            "{kernel:?}: wrong parameter struct"
        );
        debug_assert_eq!(
            kernel.storage_bindings(),
            O::BINDINGS,
            "{kernel:?}: wrong operand struct"
        );
        let key = BindKey {
            kernel,
            operands: operands.operands(),
            params: bytemuck::bytes_of(&params).to_vec(),
        };
        let (bind_group, pipeline) = match self.bind_groups.get(&key) {
            Some(cached) => cached.clone(),
            None => {
                let pipeline = self.ctx.pipeline(kernel);
                let bg = self.create_bind_group(&key, &pipeline)?;
                self.bind_groups.insert(key, (bg.clone(), pipeline.clone()));
                self.bind_groups_created += 1;
                (bg, pipeline)
            }
        };
        self.pending.push(Dispatch {
            pipeline,
            bind_group,
            groups,
        });
        self.counters.dispatches += 1;
        Ok(())
    }

    /// The scratch buffer of a split-K product's slices (`rows` = slices × m).
    fn split_scratch(&mut self, rows: usize, cols: usize) -> Buf {
        if let Some(b) = self.split_scratch.get(&(rows, cols)) {
            return *b;
        }
        let b = self.alloc(rows, cols);
        self.split_scratch.insert((rows, cols), b);
        b
    }

    fn create_bind_group(
        &mut self,
        key: &BindKey,
        pipeline: &wgpu::ComputePipeline,
    ) -> Result<wgpu::BindGroup> {
        let layout = pipeline.get_bind_group_layout(0);
        let device = &self.ctx.device;
        let has_params = key.kernel.params().is_some();
        if has_params && !self.uniforms.contains_key(&key.params) {
            // Rounded up to 16 bytes, the unit of uniform layouts, so that no API reads past
            // the end.
            let buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("params"),
                size: key.params.len().next_multiple_of(16) as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: true,
            });
            buf.slice(..key.params.len() as u64)
                .get_mapped_range_mut()
                .map_err(|e| Error::Backend(format!("writing kernel parameters failed: {e}")))?
                .copy_from_slice(&key.params);
            buf.unmap();
            self.uniforms.insert(key.params.clone(), buf);
        }
        let bindings = key.kernel.storage_bindings();
        for (binding, operand) in bindings.iter().zip(&key.operands) {
            if *operand == Operand::Absent {
                self.placeholders.entry(binding.index).or_insert_with(|| {
                    device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("absent operand"),
                        size: 8,
                        usage: wgpu::BufferUsages::STORAGE,
                        mapped_at_creation: false,
                    })
                });
            }
        }
        let mut entries = Vec::with_capacity(key.operands.len() + 1);
        if has_params {
            entries.push(wgpu::BindGroupEntry {
                binding: 0,
                resource: self.uniforms[&key.params].as_entire_binding(),
            });
        }
        for (binding, operand) in bindings.iter().zip(&key.operands) {
            let buffer = match self.buffer(*operand)? {
                Some(b) => b,
                None => &self.placeholders[&binding.index],
            };
            entries.push(wgpu::BindGroupEntry {
                binding: binding.index,
                resource: buffer.as_entire_binding(),
            });
        }
        Ok(self
            .ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &layout,
                entries: &entries,
            }))
    }

    /// Encodes the pending dispatches into one compute pass of `encoder`.
    fn encode_pending(&mut self, encoder: &mut wgpu::CommandEncoder) {
        if self.pending.is_empty() {
            return;
        }
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("nnplay step"),
            timestamp_writes: None,
        });
        for d in self.pending.drain(..) {
            pass.set_pipeline(&d.pipeline);
            pass.set_bind_group(0, &d.bind_group, &[]);
            pass.dispatch_workgroups(d.groups.0, d.groups.1, d.groups.2);
        }
    }
}

/// An adapter for people: `name, api, type`, naming an unnamed (browser) or software adapter
/// as such. The backend's `describe` and the model's backend status both say it this way.
pub fn describe_adapter(name: &str, api: &str, device_type: &str, software: bool) -> String {
    // Browsers often hide the adapter's name; say what is known instead.
    let name = if name.is_empty() {
        "unnamed browser adapter"
    } else {
        name
    };
    let kind = if software {
        "software, no real GPU"
    } else {
        device_type
    };
    format!("{name}, {api}, {kind}")
}

impl Backend for GpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Webgpu
    }

    fn describe(&self) -> String {
        let s = &self.ctx.summary;
        describe_adapter(&s.name, &s.backend, &s.device_type, s.is_software)
    }

    fn alloc(&mut self, rows: usize, cols: usize) -> Buf {
        // WebGPU has no empty bindings: an empty matrix still gets one (unused) element.
        let bytes = (rows * cols).max(1) as u64 * 4;
        let buffer = (!self.ctx.is_lost()).then(|| {
            self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size: bytes,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        let slot = Slot { rows, cols, buffer };
        match self.free_list.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                Buf(i)
            }
            None => {
                self.slots.push(Some(slot));
                Buf(self.slots.len() as u32 - 1)
            }
        }
    }

    fn free(&mut self, buf: Buf) {
        let Some(s) = self.slots.get_mut(buf.0 as usize) else {
            return;
        };
        if s.take().is_some() {
            // The id will be reused: bind groups naming it must go.
            self.bind_groups
                .retain(|k, _| !k.operands.contains(&Operand::Buf(buf)));
            self.free_list.push(buf.0);
        }
    }

    fn shape(&self, buf: Buf) -> (usize, usize) {
        self.dims(buf).unwrap_or((0, 0))
    }

    fn write(&mut self, buf: Buf, values: &[f32]) -> Result<()> {
        self.ctx.check()?;
        let (rows, cols) = self.dims(buf)?;
        if values.len() != rows * cols {
            return Err(Error::shapes("write", (rows, cols), (values.len(), 1)));
        }
        // `write_buffer` lands before the next submission's commands: send what was recorded
        // first, so that it sees the old contents.
        self.submit();
        if !values.is_empty() {
            let buffer = self.matrix_buffer(buf)?;
            self.ctx
                .queue
                .write_buffer(buffer, 0, bytemuck::cast_slice(values));
        }
        self.counters.uploads += 1;
        Ok(())
    }

    fn matmul(&mut self, a: Buf, trans_a: bool, b: Buf, trans_b: bool, out: Buf) -> Result<()> {
        let (m, k, n) = check::matmul(&|b| self.dims(b), a, trans_a, b, trans_b, out)?;
        let (a, b, out) = (Operand::Buf(a), Operand::Buf(b), Operand::Buf(out));
        let splits = matmul_splits(m, k, n);
        if splits > 1 {
            let k_chunk = matmul_k_chunk(k, splits);
            let splits = k.div_ceil(k_chunk);
            let parts = Operand::Buf(self.split_scratch(splits * m, n));
            let kernel = Kernel::Matmul {
                trans_a,
                trans_b,
                large: true,
                split_k: true,
            };
            let params = MatmulParams {
                m: m as u32,
                n: n as u32,
                k: k as u32,
                k_chunk: k_chunk as u32,
            };
            let (gx, gy, _) = grid_matmul(m, n, true);
            let operands = MatmulOperands { a, b, out: parts };
            self.record(kernel, params, operands, (gx, gy, splits as u32))?;
            let params = SumSplitsParams {
                len: (m * n) as u32,
                slices: splits as u32,
            };
            let operands = SumSplitsOperands { parts, out };
            return self.record(Kernel::SumSplits, params, operands, grid_1d(m * n));
        }
        let params = MatmulParams {
            m: m as u32,
            n: n as u32,
            k: k as u32,
            k_chunk: 0,
        };
        let large = matmul_is_large(m, n);
        self.record(
            Kernel::Matmul {
                trans_a,
                trans_b,
                large,
                split_k: false,
            },
            params,
            MatmulOperands { a, b, out },
            grid_matmul(m, n, large),
        )
    }

    fn bias_activation(
        &mut self,
        z: Buf,
        bias: Option<Buf>,
        act: Activation,
        out: Buf,
    ) -> Result<()> {
        let (rows, units) = check::bias_activation(&|b| self.dims(b), z, bias, act, out)?;
        let in_place = out == z;
        let params = ElementwiseParams {
            len: (rows * units) as u32,
            units: units as u32,
            act: act.code(),
            add_bias: u32::from(bias.is_some()),
            write_out: u32::from(!in_place),
        };
        let operands = BiasActivationOperands {
            z: Operand::Buf(z),
            bias: bias.map_or(Operand::Absent, Operand::Buf),
            // In place, `z` is bound once: as `z`.
            out: if in_place {
                Operand::Absent
            } else {
                Operand::Buf(out)
            },
        };
        self.record(
            Kernel::BiasActivation,
            params,
            operands,
            grid_1d(rows * units),
        )
    }

    fn activation_backward(
        &mut self,
        grad: Buf,
        z: Buf,
        a: Buf,
        act: Activation,
        out: Buf,
    ) -> Result<()> {
        check::activation_backward(&|b| self.dims(b), grad, z, a, out)?;
        let len = self.len(out)?;
        let params = ElementwiseParams {
            len: len as u32,
            units: 0,
            act: act.code(),
            add_bias: 0,
            write_out: 1,
        };
        let operands = ActivationBackwardOperands {
            out: Operand::Buf(out),
            grad: Operand::Buf(grad),
            z_in: Operand::Buf(z),
            a_in: Operand::Buf(a),
        };
        let kernel = Kernel::ActivationBackward;
        self.record(kernel, params, operands, grid_1d(len))
    }

    fn column_sums(&mut self, m: Buf, out: Buf) -> Result<()> {
        let (rows, cols) = check::column_sums(&|b| self.dims(b), m, out)?;
        let params = ColumnSumsParams {
            rows: rows as u32,
            cols: cols as u32,
        };
        let operands = ColumnSumsOperands {
            m: Operand::Buf(m),
            sums: Operand::Buf(out),
        };
        let width = COLUMN_SUMS_WIDTH as usize;
        if cols < width {
            let groups = (cols as u32, 1, 1);
            self.record(Kernel::ColumnSumsNarrow, params, operands, groups)
        } else {
            let groups = (cols.div_ceil(width) as u32, 1, 1);
            self.record(Kernel::ColumnSums, params, operands, groups)
        }
    }

    fn loss(
        &mut self,
        y_pred: Buf,
        y_true: Buf,
        loss: Loss,
        grad: Option<Buf>,
        out: Buf,
        cursor: Option<Counter>,
    ) -> Result<()> {
        let index = cursor.map_or(0, |c| self.counter(c));
        check::loss(&|b| self.dims(b), y_pred, y_true, grad, out, index)?;
        if let Some(c) = cursor {
            self.counter_slot(c)?;
        }
        let params = LossParams {
            len: self.len(y_pred)? as u32,
            loss: loss.code(),
            write_grad: u32::from(grad.is_some()),
            use_cursor: u32::from(cursor.is_some()),
            log_len: self.len(out)? as u32,
        };
        let operands = LossOperands {
            y_pred: Operand::Buf(y_pred),
            y_true: Operand::Buf(y_true),
            loss_log: Operand::Buf(out),
            cursor: cursor.map_or(Operand::Absent, Operand::Counter),
            grad: grad.map_or(Operand::Absent, Operand::Buf),
        };
        self.record(Kernel::Loss, params, operands, (1, 1, 1))?;
        if let Some(c) = cursor {
            self.counter_slots[c.0 as usize].value += 1;
        }
        Ok(())
    }

    fn alloc_counter(&mut self) -> Counter {
        let buffer = (!self.ctx.is_lost()).then(|| {
            self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("counter"),
                size: 8,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        self.counter_slots.push(CounterSlot { buffer, value: 0 });
        Counter(self.counter_slots.len() as u32 - 1)
    }

    fn set_counter(&mut self, counter: Counter, value: u64) -> Result<()> {
        self.ctx.check()?;
        self.counter_slot(counter)?;
        // Lands before the next submission: send what was recorded first (see `write`).
        self.submit();
        let halves = [value as u32, (value >> 32) as u32];
        let buffer = self
            .buffer(Operand::Counter(counter))?
            .expect("a counter operand has a buffer");
        self.ctx
            .queue
            .write_buffer(buffer, 0, bytemuck::cast_slice(&halves));
        self.counter_slots[counter.0 as usize].value = value;
        self.counters.uploads += 1;
        Ok(())
    }

    fn counter(&self, counter: Counter) -> u64 {
        self.counter_slots
            .get(counter.0 as usize)
            .map_or(0, |c| c.value)
    }

    fn increment(&mut self, counter: Counter) -> Result<()> {
        self.counter_slot(counter)?;
        let operands = IncrementOperands {
            counter: Operand::Counter(counter),
        };
        self.record(Kernel::Increment, (), operands, (1, 1, 1))?;
        self.counter_slots[counter.0 as usize].value += 1;
        Ok(())
    }

    fn apply_gradient(
        &mut self,
        update: &Coefficients,
        param: Buf,
        grad: Buf,
        slots: &[Buf],
        iterations: Counter,
    ) -> Result<()> {
        check::apply_gradient(&|b| self.dims(b), update, param, grad, slots)?;
        self.counter_slot(iterations)?;
        let len = self.len(param)?;
        let params = OptimizerParams::new(len as u32, update);
        // The kernel's state bindings s0, s1, s2: which of the rule's slots each one holds is
        // the optimizer's to say (`Coefficients::state_bindings`).
        let state = update
            .state_bindings()
            .map(|slot| slot.map_or(Operand::Absent, |i| Operand::Buf(slots[i])));
        let [s0, s1, s2] = state;
        let operands = ApplyGradientOperands {
            weights: Operand::Buf(param),
            grad: Operand::Buf(grad),
            s0,
            s1,
            s2,
            iterations: Operand::Counter(iterations),
        };
        self.record(Kernel::ApplyGradient, params, operands, grid_1d(len))
    }

    fn submit(&mut self) {
        if self.pending.is_empty() || self.ctx.check().is_err() {
            return;
        }
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        self.encode_pending(&mut encoder);
        self.ctx.queue.submit([encoder.finish()]);
        self.counters.submits += 1;
    }

    async fn read(&mut self, bufs: &[Buf]) -> Result<Vec<Vec<f32>>> {
        self.ctx.check()?;
        let lens = bufs
            .iter()
            .map(|b| self.len(*b))
            .collect::<Result<Vec<usize>>>()?;
        let total: usize = lens.iter().sum();
        let bytes = (total.max(1) * 4) as u64;
        if self.staging.as_ref().is_none_or(|s| s.size() < bytes) {
            self.staging = Some(self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("read-back"),
                size: bytes.next_power_of_two(),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
        }
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        self.encode_pending(&mut encoder);
        let staging = self.staging.as_ref().expect("created above");
        let mut offset = 0u64;
        for (b, len) in bufs.iter().zip(&lens) {
            if *len > 0 {
                let size = *len as u64 * 4;
                encoder.copy_buffer_to_buffer(self.matrix_buffer(*b)?, 0, staging, offset, size);
                offset += size;
            }
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.counters.submits += 1;
        let flat = self.ctx.map_read(staging, bytes).await?;
        self.counters.readbacks += 1;
        let mut out = Vec::with_capacity(bufs.len());
        let mut start = 0;
        for len in lens {
            out.push(flat[start..start + len].to_vec());
            start += len;
        }
        Ok(out)
    }

    fn counters(&self) -> Counters {
        self.counters
    }

    fn can_be_lost(&self) -> bool {
        true
    }

    fn max_buffer_floats(&self) -> usize {
        self.ctx.max_buffer_bytes / 4
    }
}
