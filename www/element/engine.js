// The one place where <nn-playground> meets the training engine. The elements' experiments
// train in one Worker of the page through the package's trainer host (../trainer.js): the
// page's thread never runs a training step, and every element shares that Worker's engine and
// its one WebGPU device. The Worker starts with the first element and ends with the last. It
// loads the package too, for the pure functions (schema, configs, exports, drawing) that
// `core()` gives. The engine's wasm is compiled once per page; that one compiled module serves
// the page's thread and the Worker.
//
//   await loadEngine()                  compiles and loads the package once for the page
//   core()                              the package's module (schema, defaultConfig, Plotter, …)
//   const e = await Engine.create(config)   config: a normalized config object; builds on
//                                       config.backend in the elements' Worker and, when WebGPU
//                                       cannot start, on the CPU (then e.fallback holds the reason)
//   e.backend, e.backendLine, e.step    'cpu' | 'webgpu', the engine's words, steps taken
//   e.dataset                           {train: {x, y}, test: {x, y}} as Float32Arrays
//   await e.watch(xs, snapshots)        the curve at xs in each chunk, and kept after the
//                                       snapshot steps; resolves to the curve now
//   await e.train(n, budgetMs)          a chunk of at most n steps (the trainer's: losses,
//                                       tests, snapshots, fit, diverged by the core's rule, end)
//   await e.record()                    the run record (JSON text)
//   e.dispose()                         frees the experiment; calls pending or later reject (the
//                                       Worker ends with the last Engine)
//   await hostStats()                   {experiments, devicesOpened} of the Worker, or null
//
// Calls on one Engine run one after another in the Worker, in the order made; those of
// different Engines interleave between chunks.

import init, * as nn from '../nnplay.js';
import { TrainerHost } from '../trainer.js';

let ready = null;
let compiled = null;
/** The elements' Worker: made by the first Engine, it ends with the last. */
let host = null;

/** Compiles the package's wasm once; resolves to the module (also used by the page's thread). */
async function compile() {
  const url = new URL('../nnplay_bg.wasm', import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not say application/wasm.
    return WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
}

/** Loads the package's wasm once; resolves to the module. */
export function loadEngine() {
  ready ??= (compiled = compile()).then((module) => init({ module_or_path: module })).then(() => nn);
  return ready;
}

/** `{experiments, devicesOpened}` of the elements' Worker, or null when there is none. */
export function hostStats() {
  return host && !host.disposed ? host.stats() : Promise.resolve(null);
}

/** The package's module (after `loadEngine()` resolved). */
export function core() {
  return nn;
}

export class Engine {
  #t;

  constructor(trainer, fallback) {
    this.#t = trainer;
    this.fallback = fallback;
    const d = trainer.dataset;
    this.dataset = { train: { x: d.xTrain, y: d.yTrain }, test: { x: d.xTest, y: d.yTest } };
  }

  static async create(config) {
    await loadEngine();
    const module = await compiled;
    if (!host || host.disposed) host = new TrainerHost({ module });
    const h = host;
    // A failed try disposes its trainer: the Worker stays for the second one.
    const release = h.hold();
    const make = (backend) => h.create(config, { backend });
    try {
      return new Engine(await make(config.backend), null);
    } catch (e) {
      if (config.backend !== 'webgpu') throw e;
      return new Engine(await make('cpu'), e?.message ?? String(e));
    } finally {
      release();
    }
  }

  get backend() {
    return this.#t.backend;
  }

  get backendLine() {
    return this.#t.backendLine;
  }

  get step() {
    return this.#t.step;
  }

  async watch(xs, snapshots) {
    return (await this.#t.watch({ fit: xs, snapshots })).fit;
  }

  train(n, budgetMs) {
    return this.#t.train(n, { budgetMs });
  }

  record() {
    return this.#t.record();
  }

  dispose() {
    this.#t.dispose();
  }
}
