//! Writes minified copies of `shaders/*.wgsl` into `OUT_DIR`, where the GPU backend includes
//! them from: comments and indentation would otherwise ship in the page's wasm.

#[path = "src/backend/gpu/minify.rs"]
mod minify;

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=shaders");
    println!("cargo:rerun-if-changed=src/backend/gpu/minify.rs");
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let shaders = std::fs::read_dir("shaders").expect("the shaders folder is readable");
    for entry in shaders {
        let path = entry.expect("a shader folder entry").path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            let source = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let name = path.file_name().expect("a file name");
            std::fs::write(Path::new(&out_dir).join(name), minify::minify(&source))
                .unwrap_or_else(|e| panic!("writing the minified {}: {e}", path.display()));
        }
    }
}
