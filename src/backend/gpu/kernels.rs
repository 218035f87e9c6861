//! The compute kernels: their WGSL (with the prelude of shared constants), their pipelines
//! (built once, on first use), the parameters and bindings each takes and how many workgroups a
//! dispatch needs.

use super::params::{
    ActivationBackwardOperands, ApplyGradientOperands, BiasActivationOperands, Binding,
    ColumnSumsOperands, ColumnSumsParams, ElementwiseParams, IncrementOperands, KernelOperands,
    KernelParams, Layout, LossOperands, LossParams, MatmulOperands, MatmulParams, OptimizerParams,
    SumSplitsOperands, SumSplitsParams,
};
use crate::activation::{self, Activation};
use crate::loss::Loss;
use crate::optim::UpdateRule;
use std::collections::HashMap;

/// One compute pipeline: a WGSL entry point, with its pipeline constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    /// `shaders/matmul.wgsl`, specialised for the transpose flags; `large` picks the
    /// 128×128-tile entry point, `split_k` its K-slice variant.
    Matmul {
        trans_a: bool,
        trans_b: bool,
        large: bool,
        split_k: bool,
    },
    /// Adds the K slices of a split-K `matmul_large` into the output.
    SumSplits,
    /// `z += bias`, `out = act(z)`.
    BiasActivation,
    /// `out = grad ⊙ act'(z)`.
    ActivationBackward,
    /// Column sums, 16 columns per workgroup.
    ColumnSums,
    /// Column sums of fewer than 16 columns, one workgroup per column.
    ColumnSumsNarrow,
    /// Mean loss into the log, and its gradient.
    Loss,
    /// An optimizer update.
    ApplyGradient,
    /// `counter[0] += 1`.
    Increment,
}

/// The WGSL files: one `Params` struct each (see `params.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Module {
    Matmul,
    SumSplits,
    Elementwise,
    ColumnSums,
    Loss,
    Optimizer,
}

/// Invocations per workgroup of the 1-D kernels (`WORKGROUP` in the WGSL prelude).
pub(crate) const WORKGROUP: u32 = 256;
/// Rows and columns of `out` per matmul workgroup (`MATMUL_TILE` in the prelude).
pub(crate) const MATMUL_TILE: u32 = 64;
/// The same for the large entry point (`MATMUL_TILE_LARGE`).
pub(crate) const MATMUL_TILE_LARGE: u32 = 128;
/// How far the large entry point advances along K per step (`MATMUL_LARGE_K_STEP`): the
/// depth of a split-K slice is a multiple of it.
pub(crate) const MATMUL_LARGE_K_STEP: u32 = 8;
/// Columns per workgroup of `column_sums` (`COLUMN_SUMS_WIDTH`); narrower matrices use
/// `column_sum_narrow`.
pub(crate) const COLUMN_SUMS_WIDTH: u32 = 16;
/// Outputs with at least this many large tiles use the large entry point: enough workgroups
/// to keep a big GPU busy; below it the smaller tiles give more parallelism. Measured on an
/// H200 (132 SMs): 1024² outputs (64 large tiles) ran at 7.5 TFLOP/s large and 12.3 small;
/// 2048² (256 tiles) at 20.6 large and 16.1 small.
pub(crate) const MATMUL_LARGE_MIN_TILES: usize = 192;
/// WebGPU's guaranteed limit on workgroups per grid dimension.
const MAX_GROUPS_PER_DIM: u32 = 65_535;

impl Kernel {
    pub(crate) fn module(self) -> Module {
        match self {
            Kernel::Matmul { .. } => Module::Matmul,
            Kernel::SumSplits => Module::SumSplits,
            Kernel::BiasActivation | Kernel::ActivationBackward => Module::Elementwise,
            Kernel::ColumnSums | Kernel::ColumnSumsNarrow => Module::ColumnSums,
            Kernel::Loss => Module::Loss,
            Kernel::ApplyGradient | Kernel::Increment => Module::Optimizer,
        }
    }

    pub(crate) fn entry_point(self) -> &'static str {
        match self {
            Kernel::Matmul { large: false, .. } => "matmul",
            Kernel::Matmul { large: true, .. } => "matmul_large",
            Kernel::SumSplits => "sum_splits",
            Kernel::BiasActivation => "bias_activation",
            Kernel::ActivationBackward => "activation_backward",
            Kernel::ColumnSums => "column_sums",
            Kernel::ColumnSumsNarrow => "column_sum_narrow",
            Kernel::Loss => "loss",
            Kernel::ApplyGradient => "apply_gradient",
            Kernel::Increment => "increment",
        }
    }

    /// The storage bindings the entry point uses (binding 0 is the uniform of parameters,
    /// when the kernel has some): the table of its operand struct.
    pub(crate) fn storage_bindings(self) -> &'static [Binding] {
        match self {
            Kernel::Matmul { .. } => MatmulOperands::BINDINGS,
            Kernel::SumSplits => SumSplitsOperands::BINDINGS,
            Kernel::BiasActivation => BiasActivationOperands::BINDINGS,
            Kernel::ActivationBackward => ActivationBackwardOperands::BINDINGS,
            Kernel::ColumnSums | Kernel::ColumnSumsNarrow => ColumnSumsOperands::BINDINGS,
            Kernel::Loss => LossOperands::BINDINGS,
            Kernel::ApplyGradient => ApplyGradientOperands::BINDINGS,
            Kernel::Increment => IncrementOperands::BINDINGS,
        }
    }

    /// The pipeline constants that specialise the entry point.
    pub(crate) fn constants(self) -> Vec<(&'static str, f64)> {
        match self {
            Kernel::Matmul {
                trans_a,
                trans_b,
                large,
                split_k,
            } => {
                let mut c = vec![
                    ("TRANS_A", f64::from(u8::from(trans_a))),
                    ("TRANS_B", f64::from(u8::from(trans_b))),
                ];
                // Browsers refuse constants that the entry point does not use.
                if large {
                    c.push(("SPLIT_K", f64::from(u8::from(split_k))));
                }
                c
            }
            _ => Vec::new(),
        }
    }

    /// The layout of the parameters at binding 0, `None` for a kernel without any.
    pub(crate) fn params(self) -> Option<Layout> {
        match self {
            Kernel::Matmul { .. } => MatmulParams::LAYOUT,
            Kernel::SumSplits => SumSplitsParams::LAYOUT,
            Kernel::BiasActivation | Kernel::ActivationBackward => ElementwiseParams::LAYOUT,
            Kernel::ColumnSums | Kernel::ColumnSumsNarrow => ColumnSumsParams::LAYOUT,
            Kernel::Loss => LossParams::LAYOUT,
            Kernel::ApplyGradient => OptimizerParams::LAYOUT,
            Kernel::Increment => <()>::LAYOUT,
        }
    }
}

impl Module {
    /// The WGSL as compiled: the prelude, then the file minified by `build.rs`.
    pub(crate) fn source(self) -> String {
        let mut source = prelude();
        let files: &[&str] = match self {
            Module::Matmul => &[include_str!(concat!(env!("OUT_DIR"), "/matmul.wgsl"))],
            Module::SumSplits => &[include_str!(concat!(env!("OUT_DIR"), "/sum_splits.wgsl"))],
            Module::Elementwise => &[
                include_str!(concat!(env!("OUT_DIR"), "/common.wgsl")),
                include_str!(concat!(env!("OUT_DIR"), "/elementwise.wgsl")),
            ],
            Module::ColumnSums => &[include_str!(concat!(env!("OUT_DIR"), "/column_sums.wgsl"))],
            Module::Loss => &[include_str!(concat!(env!("OUT_DIR"), "/loss.wgsl"))],
            Module::Optimizer => &[include_str!(concat!(env!("OUT_DIR"), "/optimizer.wgsl"))],
        };
        for file in files {
            source.push_str(file);
        }
        source
    }
}

/// The WGSL constants shared with the host, written from the Rust definitions so that the two
/// cannot disagree: activation, loss and update-rule codes, workgroup and tile sizes, and the
/// activations' and losses' constants (f32 values printed so that they parse back exactly).
pub(crate) fn prelude() -> String {
    let mut s = String::new();
    let mut int = |name: &str, value: u32| s.push_str(&format!("const {name}:u32={value}u;\n"));
    for (name, act) in Activation::ALL {
        int(&format!("ACT_{}", name.to_ascii_uppercase()), act.code());
    }
    for (name, loss) in Loss::ALL {
        int(name, loss.code());
    }
    for (name, rule) in UpdateRule::ALL {
        int(name, rule as u32);
    }
    int("WORKGROUP", WORKGROUP);
    int("MATMUL_TILE", MATMUL_TILE);
    int("MATMUL_TILE_LARGE", MATMUL_TILE_LARGE);
    int("MATMUL_LARGE_K_STEP", MATMUL_LARGE_K_STEP);
    int("COLUMN_SUMS_WIDTH", COLUMN_SUMS_WIDTH);
    let floats = [
        ("HUBER_DELTA", Loss::HUBER_DELTA),
        ("SELU_ALPHA", activation::SELU_ALPHA),
        ("SELU_SCALE", activation::SELU_SCALE),
        ("LEAKY_SLOPE", activation::LEAKY_SLOPE),
        ("FRAC_1_SQRT_2", std::f32::consts::FRAC_1_SQRT_2),
    ];
    for (name, value) in floats {
        s.push_str(&format!("const {name}:f32={value:?}f;\n"));
    }
    s
}

/// Workgroups for `len` invocations of a 1-D kernel, folded onto a 2-D grid when one
/// dimension would exceed WebGPU's limit (the WGSL recovers the flat index).
pub(crate) fn grid_1d(len: usize) -> (u32, u32, u32) {
    let groups = len.div_ceil(WORKGROUP as usize).max(1) as u32;
    if groups <= MAX_GROUPS_PER_DIM {
        (groups, 1, 1)
    } else {
        (MAX_GROUPS_PER_DIM, groups.div_ceil(MAX_GROUPS_PER_DIM), 1)
    }
}

/// Whether an `(m, n)` output uses the large matmul entry point.
pub(crate) fn matmul_is_large(m: usize, n: usize) -> bool {
    let t = MATMUL_TILE_LARGE as usize;
    m.div_ceil(t) * n.div_ceil(t) >= MATMUL_LARGE_MIN_TILES
}

/// Into how many K slices an `m × k × n` product is split (1: none). Square-ish products too
/// small for the large tiles to fill the device run the large kernel on slices of K and add
/// them: on an H200 the large kernel ran 20.6 TFLOP/s with 256 workgroups but 7.5 with the 64
/// of a 1024³ product.
pub(crate) fn matmul_splits(m: usize, k: usize, n: usize) -> usize {
    let t = MATMUL_TILE_LARGE as usize;
    let tiles = m.div_ceil(t) * n.div_ceil(t);
    if matmul_is_large(m, n) || m < 512 || n < 512 || k < 512 {
        return 1;
    }
    // About 256 workgroups, each slice at least 256 deep.
    256usize.div_ceil(tiles).min(k / 256).max(1)
}

/// Depth of each K slice for `splits` slices, a multiple of the large kernel's K step.
pub(crate) fn matmul_k_chunk(k: usize, splits: usize) -> usize {
    let step = MATMUL_LARGE_K_STEP as usize;
    k.div_ceil(splits).div_ceil(step) * step
}

/// Workgroups for an `(m, n)` matmul output.
pub(crate) fn grid_matmul(m: usize, n: usize, large: bool) -> (u32, u32, u32) {
    let t = if large {
        MATMUL_TILE_LARGE
    } else {
        MATMUL_TILE
    } as usize;
    (n.div_ceil(t).max(1) as u32, m.div_ceil(t).max(1) as u32, 1)
}

/// Shader modules and pipelines, each created the first time a kernel is used (one set per
/// device, shared by its backends).
#[derive(Default)]
pub(crate) struct Kernels {
    modules: HashMap<Module, wgpu::ShaderModule>,
    pipelines: HashMap<Kernel, wgpu::ComputePipeline>,
}

impl Kernels {
    /// The pipeline of `kernel`, built on first use. Its bind group layout is derived from the
    /// WGSL (`layout: None`), so it lists exactly the bindings the entry point uses.
    pub fn pipeline(&mut self, device: &wgpu::Device, kernel: Kernel) -> &wgpu::ComputePipeline {
        let module_id = kernel.module();
        let module = self.modules.entry(module_id).or_insert_with(|| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(kernel.entry_point()),
                source: wgpu::ShaderSource::Wgsl(module_id.source().into()),
            })
        });
        self.pipelines.entry(kernel).or_insert_with(|| {
            let constants = kernel.constants();
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(kernel.entry_point()),
                layout: None,
                module,
                entry_point: Some(kernel.entry_point()),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &constants,
                    ..Default::default()
                },
                cache: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_products_split_k_and_how() {
        // The tested ragged case: two slices, each a multiple of 8 deep.
        assert_eq!(matmul_splits(600, 530, 700), 2);
        assert_eq!(matmul_k_chunk(530, 2), 272);
        // 1024³: 64 large tiles, four slices of 256 make 256 workgroups.
        assert_eq!(matmul_splits(1024, 1024, 1024), 4);
        // Large outputs use the large tiles whole; the MLP's products are not split.
        assert_eq!(matmul_splits(2048, 2048, 2048), 1);
        assert_eq!(matmul_splits(256, 1024, 256), 1);
        assert_eq!(matmul_splits(1024, 256, 256), 1);
        assert!(matmul_is_large(2000, 1700) && !matmul_is_large(1024, 1024));
    }
}
