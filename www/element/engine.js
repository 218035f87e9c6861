// The one place where <nn-playground> meets the training engine. Everything the element asks of
// a training run goes through `Engine`; the pure functions of the package (schema, configs,
// exports, drawing) come from `core()`. Running the training elsewhere (a Worker) means
// changing this file only, keeping this interface:
//
//   await loadEngine()                  loads the package once for every element on the page
//   core()                              the package's module (schema, defaultConfig, Plotter, …)
//   const e = await Engine.create(config)   config: a normalized config object; builds on
//                                       config.backend and, when WebGPU cannot start, on the CPU
//                                       (then e.fallback holds the reason)
//   e.backend, e.backendLine, e.step    'cpu' | 'webgpu', the engine's words, steps taken
//   e.dataset                           {train: {x, y}, test: {x, y}} as Float32Arrays
//   await e.train(n)                    the n steps' losses (Float32Array)
//   await e.testCost()                  evaluate(x_test, y_test) (number)
//   await e.predict(xs)                 the model's outputs at xs (Float32Array)
//   await e.weights()                   [{shape, values}] in Keras' get_weights order
//   await e.record()                    the run record (JSON text)
//   e.setLearningRate(lr)               keeps the weights and the optimizer's state
//   e.stableLearningRate()              a rate at which this model should not diverge
//   await e.dispose()                   frees it once the calls in flight are done
//
// Calls on one Engine run one after another (each waits for the previous), so callers never
// see the engine's "busy" error; calls after dispose() reject.

import init, * as nn from '../nnplay.js';

let ready = null;

/** Loads the package's wasm once; resolves to the module. */
export function loadEngine() {
  ready ??= init().then(() => nn);
  return ready;
}

/** The package's module (after `loadEngine()` resolved). */
export function core() {
  return nn;
}

export class Engine {
  #exp;
  #queue = Promise.resolve();

  constructor(exp, fallback) {
    this.#exp = exp;
    this.fallback = fallback;
    const d = exp.dataset();
    const f = (v) => Float32Array.from(v);
    this.dataset = {
      train: { x: f(d.xTrain), y: f(d.yTrain) },
      test: { x: f(d.xTest), y: f(d.yTest) },
    };
  }

  static async create(config) {
    await loadEngine();
    const json = JSON.stringify(config);
    try {
      return new Engine(await nn.Experiment.create(json, config.backend), null);
    } catch (e) {
      if (config.backend !== 'webgpu') throw e;
      return new Engine(await nn.Experiment.create(json, 'cpu'), e?.message ?? String(e));
    }
  }

  #call(fn) {
    const p = this.#queue.then(() => {
      if (!this.#exp) throw new Error('the experiment was disposed');
      return fn(this.#exp);
    });
    this.#queue = p.catch(() => {});
    return p;
  }

  get backend() {
    return this.#exp?.backend ?? 'cpu';
  }

  get backendLine() {
    return this.#exp?.backendLine ?? '';
  }

  get step() {
    try {
      return this.#exp?.step ?? 0;
    } catch {
      return 0; // a call is in flight; the caller counts steps itself
    }
  }

  train(n) {
    return this.#call((x) => x.train(n));
  }

  testCost() {
    return this.#call((x) => x.testCost());
  }

  predict(xs) {
    return this.#call((x) => x.predict(xs));
  }

  weights() {
    return this.#call((x) => x.weights());
  }

  record() {
    return this.#call((x) => x.record());
  }

  setLearningRate(lr) {
    return this.#call((x) => x.setLearningRate(lr));
  }

  stableLearningRate() {
    return this.#call((x) => x.stableLearningRate());
  }

  dispose() {
    return this.#call((x) => {
      this.#exp = null;
      x.free();
    }).catch(() => {});
  }
}
