//! The kernels' parameters: one `#[repr(C)]` struct per WGSL `Params` struct, sent as the
//! uniform at binding 0, and the storage operands each kernel binds, by name.
//!
//! Both are declared through macros that also record their layout (field names and offsets,
//! binding numbers and WGSL variable names), so that the unit tests can check them against the
//! parsed WGSL: a field or binding that disagrees with the shader fails a test instead of a
//! training run.

use super::Operand;
use crate::optim::Coefficients;

/// A field of a parameter struct: its name, byte offset and WGSL scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: &'static str,
    pub offset: usize,
    pub wgsl: &'static str,
}

/// The layout of a parameter struct, as the WGSL `Params` struct must repeat it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub fields: &'static [Field],
    pub size: usize,
}

/// A kernel's parameters, written to its uniform buffer as they are in memory.
pub(crate) trait KernelParams: bytemuck::Pod {
    /// The layout, `None` for kernels without parameters (`()`).
    const LAYOUT: Option<Layout>;
}

impl KernelParams for () {
    const LAYOUT: Option<Layout> = None;
}

/// The WGSL name of a uniform scalar type.
pub(crate) trait WgslScalar {
    const WGSL: &'static str;
}

impl WgslScalar for u32 {
    const WGSL: &'static str = "u32";
}

impl WgslScalar for f32 {
    const WGSL: &'static str = "f32";
}

/// Declares a parameter struct and its [`Layout`] together, so the two cannot drift apart.
macro_rules! kernel_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)+ }) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
        pub(crate) struct $name {
            $($(#[$fmeta])* pub $field: $ty,)+
        }

        impl KernelParams for $name {
            const LAYOUT: Option<Layout> = Some(Layout {
                fields: &[$(Field {
                    name: stringify!($field),
                    offset: std::mem::offset_of!($name, $field),
                    wgsl: <$ty as WgslScalar>::WGSL,
                }),+],
                size: std::mem::size_of::<$name>(),
            });
        }
    };
}

kernel_params! {
    /// `matmul.wgsl`: `out = op(a) · op(b)` for an `m × k` by `k × n` product.
    MatmulParams {
        m: u32,
        n: u32,
        k: u32,
        /// With split K: the depth of each K slice (workgroup `z` sums slice `z`).
        k_chunk: u32,
    }
}

kernel_params! {
    /// `sum_splits.wgsl`: adds `slices` slices of `len` values.
    SumSplitsParams {
        len: u32,
        slices: u32,
    }
}

kernel_params! {
    /// `elementwise.wgsl`, over `len` values of rows of `units`.
    ElementwiseParams {
        len: u32,
        units: u32,
        /// [`crate::activation::Activation::code`].
        act: u32,
        /// `bias_activation`: 1 to add the bias to `z` first.
        add_bias: u32,
        /// `bias_activation`: 1 to write `act(z)` to `out` (0: only the bias is added).
        write_out: u32,
    }
}

kernel_params! {
    /// `column_sums.wgsl`: the column sums of a `rows × cols` matrix.
    ColumnSumsParams {
        rows: u32,
        cols: u32,
    }
}

kernel_params! {
    /// `loss.wgsl`: the mean loss of `len` values into a log of `log_len` entries.
    LossParams {
        len: u32,
        /// [`crate::loss::Loss::code`].
        loss: u32,
        /// 1 to write the gradient.
        write_grad: u32,
        /// 1 when the log index comes from (and advances) the cursor; else it is 0.
        use_cursor: u32,
        log_len: u32,
    }
}

kernel_params! {
    /// `optimizer.wgsl`: an update of `len` parameters by [`Coefficients`].
    OptimizerParams {
        len: u32,
        /// [`crate::optim::UpdateRule`]'s code.
        rule: u32,
        learning_rate: f32,
        momentum: f32,
        beta_1: f32,
        beta_2: f32,
        one_minus_beta_1: f32,
        one_minus_beta_2: f32,
        rho: f32,
        one_minus_rho: f32,
        epsilon: f32,
        /// RMSprop: 1 when centered.
        centered: u32,
    }
}

impl OptimizerParams {
    /// The parameters of an update of `len` values.
    pub fn new(len: u32, c: &Coefficients) -> OptimizerParams {
        // Destructured without `..`: a new coefficient does not compile until it is passed on.
        let Coefficients {
            rule,
            learning_rate,
            momentum,
            beta_1,
            beta_2,
            one_minus_beta_1,
            one_minus_beta_2,
            rho,
            one_minus_rho,
            epsilon,
            centered,
        } = *c;
        OptimizerParams {
            len,
            rule: rule as u32,
            learning_rate,
            momentum,
            beta_1,
            beta_2,
            one_minus_beta_1,
            one_minus_beta_2,
            rho,
            one_minus_rho,
            epsilon,
            centered: u32::from(centered),
        }
    }
}

/// A storage binding of a kernel: its number and the WGSL variable bound there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Binding {
    pub index: u32,
    pub name: &'static str,
}

/// A kernel's storage operands, one field per WGSL variable it binds.
pub(crate) trait KernelOperands {
    /// The bindings, in field order.
    const BINDINGS: &'static [Binding];
    /// The operands, in field order.
    fn operands(&self) -> Vec<Operand>;
}

/// Declares a kernel's operand struct and its binding table together; the field names are the
/// WGSL variables' names.
macro_rules! kernel_operands {
    ($(#[$meta:meta])* $name:ident { $($field:ident = $binding:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug)]
        pub(crate) struct $name {
            $(pub $field: Operand,)+
        }

        impl KernelOperands for $name {
            const BINDINGS: &'static [Binding] =
                &[$(Binding { index: $binding, name: stringify!($field) }),+];

            fn operands(&self) -> Vec<Operand> {
                vec![$(self.$field),+]
            }
        }
    };
}

kernel_operands! {
    /// `matmul` and `matmul_large`.
    MatmulOperands { a = 1, b = 2, out = 3, }
}

kernel_operands! {
    /// `sum_splits`: the slices written by a split-K `matmul_large`, and their sum.
    SumSplitsOperands { parts = 1, out = 2, }
}

kernel_operands! {
    /// `bias_activation`: `z` (the bias is added in place), `bias`, `out`.
    BiasActivationOperands { z = 1, bias = 2, out = 3, }
}

kernel_operands! {
    /// `activation_backward`: `out = grad ⊙ act'(z_in)`, given `a_in = act(z_in)`.
    ActivationBackwardOperands { out = 3, grad = 4, z_in = 5, a_in = 6, }
}

kernel_operands! {
    /// `column_sums` and `column_sum_narrow`: `sums` of the columns of `m`.
    ColumnSumsOperands { m = 1, sums = 2, }
}

kernel_operands! {
    /// `loss`: predictions, targets, the loss log, its cursor and the gradient.
    LossOperands { y_pred = 1, y_true = 2, loss_log = 3, cursor = 4, grad = 5, }
}

kernel_operands! {
    /// `apply_gradient`: the parameter, its gradient, the optimizer state and the iteration
    /// counter.
    ApplyGradientOperands { weights = 1, grad = 2, s0 = 3, s1 = 4, s2 = 5, iterations = 6, }
}

kernel_operands! {
    /// `increment`: the counter.
    IncrementOperands { counter = 7, }
}
