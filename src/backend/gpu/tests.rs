//! The contract between the host and the WGSL, checked without a GPU: each module as compiled
//! (prelude and minified source) parses and validates with naga, and for every kernel the entry
//! point exists, binds exactly the bindings the host binds, under the names of its operand
//! struct, reads parameters laid out as the Rust struct, and uses every pipeline constant the
//! host passes. A binding, field or constant that disagrees fails here rather than in a run.

use super::kernels::{
    prelude, Kernel, Module, COLUMN_SUMS_WIDTH, MATMUL_LARGE_K_STEP, MATMUL_TILE,
    MATMUL_TILE_LARGE, WORKGROUP,
};
use super::minify::minify;
use super::params::Layout;
use crate::activation::Activation;
use crate::loss::Loss;
use crate::optim::UpdateRule;
use naga::valid::{Capabilities, ModuleInfo, ValidationFlags, Validator};
use std::collections::{BTreeMap, HashMap};

/// Every kernel, every matmul specialisation included.
fn every_kernel() -> Vec<Kernel> {
    let mut kernels = vec![
        Kernel::SumSplits,
        Kernel::BiasActivation,
        Kernel::ActivationBackward,
        Kernel::ColumnSums,
        Kernel::ColumnSumsNarrow,
        Kernel::Loss,
        Kernel::ApplyGradient,
        Kernel::Increment,
    ];
    for bits in 0..16u8 {
        kernels.push(Kernel::Matmul {
            trans_a: bits & 1 != 0,
            trans_b: bits & 2 != 0,
            large: bits & 4 != 0,
            split_k: bits & 8 != 0,
        });
    }
    for k in &kernels {
        // A new kernel does not compile here until it is added to the list above.
        match k {
            Kernel::Matmul { .. }
            | Kernel::SumSplits
            | Kernel::BiasActivation
            | Kernel::ActivationBackward
            | Kernel::ColumnSums
            | Kernel::ColumnSumsNarrow
            | Kernel::Loss
            | Kernel::ApplyGradient
            | Kernel::Increment => {}
        }
    }
    kernels
}

/// Parses and validates WGSL, panicking with naga's report.
fn parse(what: &str, source: &str) -> (naga::Module, ModuleInfo) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{what}: {}", e.emit_to_string(source)));
    let info = Validator::new(ValidationFlags::all(), Capabilities::default())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{what}: {}", e.emit_to_string(source)));
    (module, info)
}

/// The module of each kernel, parsed once.
fn modules() -> HashMap<Module, (naga::Module, ModuleInfo)> {
    let mut modules = HashMap::new();
    for kernel in every_kernel() {
        let id = kernel.module();
        modules
            .entry(id)
            .or_insert_with(|| parse(&format!("{id:?}"), &id.source()));
    }
    modules
}

/// The resource bindings (group 0) that an entry point statically uses, by binding number.
fn used_bindings<'m>(
    module: &'m naga::Module,
    info: &ModuleInfo,
    entry: usize,
) -> BTreeMap<u32, &'m naga::GlobalVariable> {
    let uses = info.get_entry_point(entry);
    module
        .global_variables
        .iter()
        .filter(|(handle, _)| !uses[*handle].is_empty())
        .filter_map(|(_, var)| {
            let binding = var.binding.as_ref()?;
            assert_eq!(binding.group, 0, "every kernel binds group 0 only");
            Some((binding.binding, var))
        })
        .collect()
}

/// Checks the WGSL struct of the uniform `p` against the Rust parameter struct.
fn check_params(kernel: Kernel, module: &naga::Module, var: &naga::GlobalVariable, rust: Layout) {
    assert_eq!(var.name.as_deref(), Some("p"), "{kernel:?}: binding 0");
    assert_eq!(
        var.space,
        naga::AddressSpace::Uniform,
        "{kernel:?}: binding 0"
    );
    let naga::TypeInner::Struct { members, span } = &module.types[var.ty].inner else {
        panic!("{kernel:?}: the parameters are not a struct");
    };
    let wgsl: Vec<(&str, usize, &str)> = members
        .iter()
        .map(|m| {
            let ty = match module.types[m.ty].inner {
                naga::TypeInner::Scalar(naga::Scalar::U32) => "u32",
                naga::TypeInner::Scalar(naga::Scalar::F32) => "f32",
                ref other => panic!("{kernel:?}: field {:?} is a {other:?}", m.name),
            };
            (m.name.as_deref().unwrap_or(""), m.offset as usize, ty)
        })
        .collect();
    let host: Vec<(&str, usize, &str)> = rust
        .fields
        .iter()
        .map(|f| (f.name, f.offset, f.wgsl))
        .collect();
    assert_eq!(wgsl, host, "{kernel:?}: WGSL Params vs the Rust struct");
    assert_eq!(*span as usize, rust.size, "{kernel:?}: size of Params");
}

#[test]
fn every_kernel_binds_what_the_host_binds_with_its_parameter_layout() {
    let modules = modules();
    for kernel in every_kernel() {
        let (module, info) = &modules[&kernel.module()];
        let name = kernel.entry_point();
        let entry = module
            .entry_points
            .iter()
            .position(|e| e.name == name && e.stage == naga::ShaderStage::Compute)
            .unwrap_or_else(|| panic!("{kernel:?}: no compute entry point {name}"));
        let mut used = used_bindings(module, info, entry);
        match (kernel.params(), used.remove(&0)) {
            (Some(layout), Some(var)) => check_params(kernel, module, var, layout),
            (None, None) => {}
            (host, wgsl) => panic!(
                "{kernel:?}: host parameters {host:?}, WGSL binding 0 {:?}",
                wgsl.map(|v| &v.name)
            ),
        }
        let wgsl: Vec<(u32, &str)> = used
            .iter()
            .map(|(b, var)| {
                let storage = matches!(var.space, naga::AddressSpace::Storage { .. });
                assert!(storage, "{kernel:?}: binding {b} is not a storage buffer");
                (*b, var.name.as_deref().unwrap_or(""))
            })
            .collect();
        let mut host: Vec<(u32, &str)> = kernel
            .storage_bindings()
            .iter()
            .map(|b| (b.index, b.name))
            .collect();
        host.sort_unstable();
        assert_eq!(wgsl, host, "{kernel:?}: bindings used by {name} vs bound");
    }
}

#[test]
fn every_pipeline_constant_is_an_override_the_entry_point_uses() {
    let modules = modules();
    for kernel in every_kernel() {
        // The module with this entry point alone, stripped of everything it does not use:
        // browsers refuse a pipeline constant that the entry point does not use.
        let mut module = modules[&kernel.module()].0.clone();
        module
            .entry_points
            .retain(|e| e.name == kernel.entry_point());
        naga::compact::compact(&mut module, naga::compact::KeepUnused::No);
        let mut used: Vec<&str> = module
            .overrides
            .iter()
            .filter_map(|(_, o)| o.name.as_deref())
            .collect();
        let mut passed: Vec<&str> = kernel.constants().iter().map(|(n, _)| *n).collect();
        used.sort_unstable();
        passed.sort_unstable();
        assert_eq!(passed, used, "{kernel:?}: pipeline constants");
    }
}

/// The prelude's constants, parsed: name to value.
fn prelude_values() -> HashMap<String, naga::Literal> {
    let source = prelude();
    let (module, _) = parse("the prelude", &source);
    module
        .constants
        .iter()
        .map(|(_, c)| {
            let naga::Expression::Literal(value) = module.global_expressions[c.init] else {
                panic!("{:?} is not a literal", c.name);
            };
            (c.name.clone().expect("a named constant"), value)
        })
        .collect()
}

#[test]
fn the_prelude_holds_every_code_and_constant_with_its_rust_value() {
    let values = prelude_values();
    let code = |name: &str| match values.get(name) {
        Some(naga::Literal::U32(v)) => *v,
        other => panic!("{name}: {other:?}"),
    };
    for (name, act) in Activation::ALL {
        assert_eq!(code(&format!("ACT_{}", name.to_uppercase())), act.code());
    }
    for (name, loss) in Loss::ALL {
        assert_eq!(code(name), loss.code());
    }
    for (name, rule) in UpdateRule::ALL {
        assert_eq!(code(name), rule as u32);
    }
    assert_eq!(code("WORKGROUP"), WORKGROUP);
    assert_eq!(code("MATMUL_TILE"), MATMUL_TILE);
    assert_eq!(code("MATMUL_TILE_LARGE"), MATMUL_TILE_LARGE);
    assert_eq!(code("MATMUL_LARGE_K_STEP"), MATMUL_LARGE_K_STEP);
    assert_eq!(code("COLUMN_SUMS_WIDTH"), COLUMN_SUMS_WIDTH);
    // Bit for bit: the GPU must compute with the very constants of the CPU.
    let float = |name: &str| match values.get(name) {
        Some(naga::Literal::F32(v)) => v.to_bits(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(float("HUBER_DELTA"), Loss::HUBER_DELTA.to_bits());
    assert_eq!(float("SELU_ALPHA"), crate::activation::SELU_ALPHA.to_bits());
    assert_eq!(float("SELU_SCALE"), crate::activation::SELU_SCALE.to_bits());
    assert_eq!(
        float("LEAKY_SLOPE"),
        crate::activation::LEAKY_SLOPE.to_bits()
    );
    let sqrt = std::f32::consts::FRAC_1_SQRT_2;
    assert_eq!(float("FRAC_1_SQRT_2"), sqrt.to_bits());
}

#[test]
fn the_minifier_drops_comments_and_whitespace_but_keeps_tokens_apart() {
    let source = "// header\n\
        /* a block /* nested */ still a comment */\n\
        \n\
        fn f(a: u32) -> u32 {   // trailing\n\
        \x20   let b = a - -1u/**/+ 2u;\n\
        \x20   var c: array<u32, 4> = array<u32, 4>();\n\
        \x20   return b  >  = c[0];\n\
        }\n";
    assert_eq!(
        minify(source),
        "fn f(a:u32)->u32{\n\
         let b=a- -1u+2u;\n\
         var c:array<u32,4> =array<u32,4>();\n\
         return b> =c[0];\n\
         }\n"
    );
}

#[test]
fn minified_shaders_parse_to_the_same_entry_points_and_globals() {
    let common = include_str!("../../../shaders/common.wgsl");
    let elementwise = [common, include_str!("../../../shaders/elementwise.wgsl")].concat();
    let raw: [(&str, &str); 7] = [
        ("matmul", include_str!("../../../shaders/matmul.wgsl")),
        (
            "sum_splits",
            include_str!("../../../shaders/sum_splits.wgsl"),
        ),
        (
            "column_sums",
            include_str!("../../../shaders/column_sums.wgsl"),
        ),
        ("loss", include_str!("../../../shaders/loss.wgsl")),
        ("optimizer", include_str!("../../../shaders/optimizer.wgsl")),
        ("elementwise", &elementwise),
        ("common", common),
    ];
    let outline = |m: &naga::Module| {
        let entries: Vec<String> = m.entry_points.iter().map(|e| e.name.clone()).collect();
        let globals: Vec<Option<String>> = m
            .global_variables
            .iter()
            .map(|(_, g)| g.name.clone())
            .collect();
        let functions: Vec<Option<String>> =
            m.functions.iter().map(|(_, f)| f.name.clone()).collect();
        (entries, globals, functions, m.constants.len())
    };
    let (mut before, mut after) = (0, 0);
    for (name, source) in raw {
        let small = minify(source);
        assert!(!small.contains("//") && !small.contains("/*"), "{name}");
        assert!(!small.contains("\n "), "{name}: indentation left");
        let (a, _) = parse(name, &(prelude() + source));
        let (b, _) = parse(&format!("{name}, minified"), &(prelude() + &small));
        assert_eq!(outline(&a), outline(&b), "{name}");
        before += source.len();
        after += small.len();
    }
    // Comments and indentation are over a third of the text.
    assert!(after * 3 < before * 2, "minified {before} bytes to {after}");
}
