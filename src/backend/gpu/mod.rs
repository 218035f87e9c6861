//! The WebGPU backend: every operation is recorded as a compute dispatch of a WGSL kernel
//! (`shaders/*.wgsl`) and sent to the device in one command buffer at the next
//! [`Backend::submit`], [`Backend::read`] or [`Backend::write`].
//!
//! A training step creates no WebGPU object: pipelines are built on first use, and each
//! dispatch's bind group (with the small uniform buffer of its parameters) is cached under its
//! kernel, buffers and parameters. Because the loss log's cursor and the optimizer's iteration
//! count live in device buffers, step after step records the very same dispatches and hits
//! the cache. Every wgpu call of nnplay lives under this module.

mod context;
mod kernels;

pub use context::AdapterSummary;

use super::{check, Backend, BackendKind, Buf, Counters};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::optim::Optimizer;
use context::GpuContext;
use kernels::{
    grid_1d, grid_matmul, matmul_is_large, matmul_k_chunk, matmul_splits, Kernel, Kernels,
};
use std::collections::HashMap;

/// Per-dispatch parameters: the WGSL `Params` struct of the kernel, as 32-bit words.
type Params = [u32; 8];

/// Buffer ids at or above this are the backend's own placeholders, never a [`Buf`].
const PLACEHOLDER_BASE: u32 = u32::MAX - 8;

/// Placeholders bound where an optional operand is absent (a WGSL binding that an entry
/// point uses must be bound); distinct so that no buffer is bound twice in a dispatch.
#[derive(Clone, Copy)]
enum Placeholder {
    Bias = 0,
    Out = 1,
    Grad = 2,
    Cursor = 3,
    SlotM = 4,
    SlotV = 5,
}

struct Slot {
    rows: usize,
    cols: usize,
    /// `None` for buffers allocated after the device was lost.
    buffer: Option<wgpu::Buffer>,
}

/// Cache key of a bind group: the kernel, the buffers at its storage bindings and its
/// parameters.
#[derive(Clone, PartialEq, Eq, Hash)]
struct BindKey {
    kernel: Kernel,
    buffers: Vec<u32>,
    params: Params,
}

struct Dispatch {
    kernel: Kernel,
    bind_group: wgpu::BindGroup,
    groups: (u32, u32, u32),
}

/// Runs the [`Backend`] operations as WGSL compute kernels through wgpu: WebGPU in the
/// browser, Vulkan, Metal or DX12 natively.
pub struct GpuBackend {
    ctx: GpuContext,
    kernels: Kernels,
    slots: Vec<Option<Slot>>,
    free_list: Vec<u32>,
    placeholders: Vec<wgpu::Buffer>,
    uniforms: HashMap<Params, wgpu::Buffer>,
    bind_groups: HashMap<BindKey, wgpu::BindGroup>,
    bind_groups_created: u64,
    pending: Vec<Dispatch>,
    staging: Option<wgpu::Buffer>,
    /// Host copies of one-element counters whose value is known (after a write, advanced by
    /// `loss` and `increment`), so that a full loss log is reported when recording, as the
    /// CPU backend does.
    known_counters: HashMap<u32, f32>,
    /// Scratch for the K slices of split-K products, by shape, reused from step to step.
    split_scratch: HashMap<(usize, usize), Buf>,
    counters: Counters,
}

impl GpuBackend {
    /// Opens the default WebGPU adapter (a high-performance one if there are several).
    /// Natively, `WGPU_BACKEND` (e.g. `vulkan`, `gl`) restricts the APIs tried.
    ///
    /// # Errors
    /// [`Error::Backend`] when there is no WebGPU (e.g. node, or a browser without it), no
    /// adapter, or the device cannot be opened.
    pub async fn new() -> Result<GpuBackend> {
        let ctx = GpuContext::new().await?;
        let placeholders = (0..6)
            .map(|i| {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(["no bias", "no out", "no grad", "no cursor", "no m", "no v"][i]),
                    size: 4,
                    usage: wgpu::BufferUsages::STORAGE,
                    mapped_at_creation: false,
                })
            })
            .collect();
        Ok(GpuBackend {
            ctx,
            kernels: Kernels::default(),
            slots: Vec::new(),
            free_list: Vec::new(),
            placeholders,
            uniforms: HashMap::new(),
            bind_groups: HashMap::new(),
            bind_groups_created: 0,
            pending: Vec::new(),
            staging: None,
            known_counters: HashMap::new(),
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

    /// Makes the backend behave as after a driver reset, for tests and the page's "simulate"
    /// button: the device is really destroyed, and every operation from now on returns
    /// [`Error::DeviceLost`].
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

    fn placeholder(p: Placeholder) -> u32 {
        PLACEHOLDER_BASE + p as u32
    }

    fn buffer(&self, id: u32) -> Result<&wgpu::Buffer> {
        if id >= PLACEHOLDER_BASE {
            return Ok(&self.placeholders[(id - PLACEHOLDER_BASE) as usize]);
        }
        self.slot(Buf(id))?
            .buffer
            .as_ref()
            .ok_or_else(|| Error::DeviceLost("the buffer was allocated after the loss".into()))
    }

    /// Records one dispatch of `kernel` over `buffers` (at its storage bindings, in order),
    /// reusing the cached bind group when this exact dispatch was recorded before.
    fn record(
        &mut self,
        kernel: Kernel,
        buffers: &[u32],
        params: Params,
        groups: (u32, u32, u32),
    ) -> Result<()> {
        self.ctx.check()?;
        debug_assert_eq!(buffers.len(), kernel.storage_bindings().len());
        let key = BindKey {
            kernel,
            buffers: buffers.to_vec(),
            params,
        };
        let bind_group = match self.bind_groups.get(&key) {
            Some(bg) => bg.clone(),
            None => {
                let bg = self.create_bind_group(&key)?;
                self.bind_groups.insert(key, bg.clone());
                self.bind_groups_created += 1;
                bg
            }
        };
        self.pending.push(Dispatch {
            kernel,
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

    fn create_bind_group(&mut self, key: &BindKey) -> Result<wgpu::BindGroup> {
        let layout = self
            .kernels
            .pipeline(&self.ctx.device, key.kernel)
            .get_bind_group_layout(0);
        let device = &self.ctx.device;
        if key.kernel.has_params() && !self.uniforms.contains_key(&key.params) {
            let buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("params"),
                size: std::mem::size_of::<Params>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: true,
            });
            buf.slice(..)
                .get_mapped_range_mut()
                .map_err(|e| Error::Backend(format!("writing kernel parameters failed: {e}")))?
                .copy_from_slice(bytemuck::cast_slice(&key.params));
            buf.unmap();
            self.uniforms.insert(key.params, buf);
        }
        let mut entries = Vec::with_capacity(key.buffers.len() + 1);
        if key.kernel.has_params() {
            entries.push(wgpu::BindGroupEntry {
                binding: 0,
                resource: self.uniforms[&key.params].as_entire_binding(),
            });
        }
        for (binding, id) in key.kernel.storage_bindings().iter().zip(&key.buffers) {
            entries.push(wgpu::BindGroupEntry {
                binding: *binding,
                resource: self.buffer(*id)?.as_entire_binding(),
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
            let pipeline = self
                .kernels
                .get(d.kernel)
                .expect("a recorded kernel has its pipeline");
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &d.bind_group, &[]);
            pass.dispatch_workgroups(d.groups.0, d.groups.1, d.groups.2);
        }
    }

    /// A buffer written by a kernel other than the counter updates is no longer known.
    fn forget(&mut self, b: Buf) {
        self.known_counters.remove(&b.0);
    }
}

impl Backend for GpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Webgpu
    }

    fn describe(&self) -> String {
        let s = &self.ctx.summary;
        // Browsers often hide the adapter's name; say what is known instead.
        let name = if s.name.is_empty() {
            "unnamed browser adapter"
        } else {
            &s.name
        };
        let kind = if s.is_software {
            "software, no real GPU".to_string()
        } else {
            s.device_type.clone()
        };
        format!("{name}, {}, {kind}", s.backend)
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
        let buf = match self.free_list.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                Buf(i)
            }
            None => {
                self.slots.push(Some(slot));
                Buf(self.slots.len() as u32 - 1)
            }
        };
        if rows * cols == 1 {
            self.known_counters.insert(buf.0, 0.0);
        }
        buf
    }

    fn free(&mut self, buf: Buf) {
        let Some(s) = self.slots.get_mut(buf.0 as usize) else {
            return;
        };
        if s.take().is_some() {
            // The id will be reused: bind groups naming it must go.
            self.bind_groups.retain(|k, _| !k.buffers.contains(&buf.0));
            self.known_counters.remove(&buf.0);
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
            let buffer = self.buffer(buf.0)?;
            self.ctx
                .queue
                .write_buffer(buffer, 0, bytemuck::cast_slice(values));
        }
        if values.len() == 1 {
            self.known_counters.insert(buf.0, values[0]);
        }
        self.counters.uploads += 1;
        Ok(())
    }

    fn matmul(&mut self, a: Buf, trans_a: bool, b: Buf, trans_b: bool, out: Buf) -> Result<()> {
        let (m, k, n) = check::matmul(&|b| self.dims(b), a, trans_a, b, trans_b, out)?;
        self.forget(out);
        let splits = matmul_splits(m, k, n);
        if splits > 1 {
            let k_chunk = matmul_k_chunk(k, splits);
            let splits = k.div_ceil(k_chunk);
            let scratch = self.split_scratch(splits * m, n);
            let kernel = Kernel::Matmul {
                trans_a,
                trans_b,
                large: true,
                split_k: true,
            };
            let params = [m as u32, n as u32, k as u32, k_chunk as u32, 0, 0, 0, 0];
            let (gx, gy, _) = grid_matmul(m, n, true);
            self.record(
                kernel,
                &[a.0, b.0, scratch.0],
                params,
                (gx, gy, splits as u32),
            )?;
            let params = [m as u32, n as u32, 0, splits as u32, 0, 0, 0, 0];
            return self.record(
                Kernel::SumSplits,
                &[scratch.0, out.0],
                params,
                grid_1d(m * n),
            );
        }
        let params = [m as u32, n as u32, k as u32, 0, 0, 0, 0, 0];
        let large = matmul_is_large(m, n);
        self.record(
            Kernel::Matmul {
                trans_a,
                trans_b,
                large,
                split_k: false,
            },
            &[a.0, b.0, out.0],
            params,
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
        self.forget(z);
        self.forget(out);
        let flags = u32::from(bias.is_some()) | (u32::from(in_place) << 1);
        let params = [
            (rows * units) as u32,
            units as u32,
            act.code(),
            flags,
            0,
            0,
            0,
            0,
        ];
        let bias_id = bias.map_or(Self::placeholder(Placeholder::Bias), |b| b.0);
        let out_id = if in_place {
            Self::placeholder(Placeholder::Out)
        } else {
            out.0
        };
        self.record(
            Kernel::BiasActivation,
            &[z.0, bias_id, out_id],
            params,
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
        self.forget(out);
        let len = self.len(out)?;
        let params = [len as u32, 0, act.code(), 0, 0, 0, 0, 0];
        self.record(
            Kernel::ActivationBackward,
            &[out.0, grad.0, z.0, a.0],
            params,
            grid_1d(len),
        )
    }

    fn column_sums(&mut self, m: Buf, out: Buf) -> Result<()> {
        let (rows, cols) = check::column_sums(&|b| self.dims(b), m, out)?;
        self.forget(out);
        let params = [rows as u32, cols as u32, 0, 0, 0, 0, 0, 0];
        if cols < 16 {
            self.record(
                Kernel::ColumnSumsNarrow,
                &[m.0, out.0],
                params,
                (cols as u32, 1, 1),
            )
        } else {
            let groups = cols.div_ceil(16) as u32;
            self.record(Kernel::ColumnSums, &[m.0, out.0], params, (groups, 1, 1))
        }
    }

    fn loss(
        &mut self,
        y_pred: Buf,
        y_true: Buf,
        loss: Loss,
        grad: Option<Buf>,
        out: Buf,
        cursor: Option<Buf>,
    ) -> Result<()> {
        check::loss(&|b| self.dims(b), y_pred, y_true, grad, out, cursor)?;
        let out_len = self.len(out)?;
        let index = match cursor {
            Some(c) => self.known_counters.get(&c.0).map(|v| *v as usize),
            None => Some(0),
        };
        if let Some(index) = index {
            check::log_has_room(index, out_len)?;
        }
        let len = self.len(y_pred)?;
        let flags = u32::from(grad.is_some()) | (u32::from(cursor.is_some()) << 1);
        let params = [len as u32, loss.code(), flags, out_len as u32, 0, 0, 0, 0];
        let grad_id = grad.map_or(Self::placeholder(Placeholder::Grad), |g| g.0);
        let cursor_id = cursor.map_or(Self::placeholder(Placeholder::Cursor), |c| c.0);
        self.record(
            Kernel::Loss,
            &[y_pred.0, y_true.0, out.0, cursor_id, grad_id],
            params,
            (1, 1, 1),
        )?;
        self.forget(out);
        if let Some(g) = grad {
            self.forget(g);
        }
        if let Some(c) = cursor {
            if let Some(v) = self.known_counters.get_mut(&c.0) {
                *v += 1.0;
            }
        }
        Ok(())
    }

    fn increment(&mut self, counter: Buf) -> Result<()> {
        self.dims(counter)?;
        self.record(Kernel::Increment, &[counter.0], [0; 8], (1, 1, 1))?;
        if let Some(v) = self.known_counters.get_mut(&counter.0) {
            *v += 1.0;
        }
        Ok(())
    }

    fn apply_gradient(
        &mut self,
        opt: &Optimizer,
        param: Buf,
        grad: Buf,
        slots: &[Buf],
        iterations: Buf,
    ) -> Result<()> {
        check::apply_gradient(&|b| self.dims(b), opt, param, grad, slots)?;
        self.dims(iterations)?;
        let mut written = vec![param];
        written.extend_from_slice(slots);
        for (i, w) in written.iter().enumerate() {
            let mut others = vec![grad, iterations];
            others.extend(
                written
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, b)| *b),
            );
            check::distinct("apply_gradient", *w, &others)?;
        }
        let len = self.len(param)?;
        let f = f32::to_bits;
        let params = match *opt {
            Optimizer::Sgd {
                learning_rate,
                momentum,
                nesterov,
            } => {
                let kind = match (momentum == 0.0, nesterov) {
                    (true, _) => 0,
                    (false, false) => 1,
                    (false, true) => 2,
                };
                [len as u32, kind, f(learning_rate), f(momentum), 0, 0, 0, 0]
            }
            Optimizer::Adam {
                learning_rate,
                beta_1,
                beta_2,
                epsilon,
            } => [
                len as u32,
                3,
                f(learning_rate),
                0,
                f(beta_1),
                f(beta_2),
                f(epsilon),
                0,
            ],
        };
        let m = slots
            .first()
            .map_or(Self::placeholder(Placeholder::SlotM), |b| b.0);
        let v = slots
            .get(1)
            .map_or(Self::placeholder(Placeholder::SlotV), |b| b.0);
        for w in &written {
            self.forget(*w);
        }
        self.record(
            Kernel::ApplyGradient,
            &[param.0, grad.0, m, v, iterations.0],
            params,
            grid_1d(len),
        )
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
                encoder.copy_buffer_to_buffer(self.buffer(b.0)?, 0, staging, offset, size);
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
        for (b, v) in bufs.iter().zip(&out) {
            if v.len() == 1 {
                self.known_counters.insert(b.0, v[0]);
            }
        }
        Ok(out)
    }

    fn counters(&self) -> Counters {
        self.counters
    }

    fn can_be_lost(&self) -> bool {
        true
    }
}
