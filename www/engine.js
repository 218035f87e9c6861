// The engine on the page's thread. index.html's loader (Trunk.toml, `pattern_script`) starts
// fetching and compiling the wasm while the page is still being parsed; here that compiled
// module is instantiated once for the figures and the forms, and the same module goes to the
// training Worker (trainer.js), so the page compiles the engine once.

let bindings = null;

/**
 * `{glue, module}` for `Trainer.spawn`: the URL of the engine's JS glue and a promise of the
 * compiled `WebAssembly.Module`; null when the page was built without the loader.
 */
export function engineSource() {
  const e = window.nnplayEngine;
  return e?.glue && e?.module ? { glue: e.glue, module: e.module } : null;
}

/** The engine's exports, instantiated once (rejects when the wasm cannot be loaded). */
export function engine() {
  bindings ??= (async () => {
    const source = engineSource();
    if (!source) throw new Error('the page has no engine loader (window.nnplayEngine)');
    const glue = await import(source.glue);
    await glue.default({ module_or_path: await source.module });
    // For the browser console and the end-to-end tests.
    window.wasmBindings = glue;
    return glue;
  })();
  return bindings;
}
