// The page's side of the trainer: a promise for each command of worker.js, where one
// Experiment of the engine trains in a dedicated Worker. Nothing here trains or draws; the
// page's thread only sends commands and receives their results, so no model size can block it.
//
//   const trainer = await Trainer.create(config, { backend: 'auto' });   // or spawn(), build()
//   trainer.watch({ fit: xs, snapshots: [0, 100] });
//   const chunk = await trainer.train(1000, { budgetMs: 12 });  // chunk.losses: Float32Array
//   trainer.dispose();
//
// Each Trainer has its own Worker (and its own copy of the engine); several on one page are
// independent. Commands run one at a time in the order called. `dispose()` ends the Worker at
// once, even in the middle of a long computation: every pending promise then rejects.

/** Where the engine's module is, when the caller does not say: the package's own, beside this file. */
const DEFAULT_GLUE = new URL('./nnplay.js', import.meta.url).href;

/** Rejection of the calls pending on a disposed trainer. */
export class TrainerDisposed extends Error {
  constructor() {
    super('the trainer was disposed');
    this.name = 'TrainerDisposed';
  }
}

export class Trainer {
  /**
   * Starts a Worker, loads the engine into it and builds the experiment of `config` (an object
   * or JSON text) on `backend` (`'auto'`, `'webgpu'`, `'cpu'`; the config's when left out).
   * Rejects with the engine's message when the config cannot be built (the Worker is ended).
   * The options are `spawn`'s.
   */
  static async create(config, options = {}) {
    return Trainer.spawn(options).build(config, options.backend);
  }

  /**
   * A Trainer whose Worker starts loading the engine now; `build` gives it its experiment
   * (a page can keep one spawned ahead, so that the next experiment starts sooner).
   *
   * `glue`: the URL of the engine's JS module (default: `nnplay.js` beside this file);
   * `module`: a compiled `WebAssembly.Module` of the engine (or a promise of one), or `wasm`: the URL of
   * its `.wasm` (default: the glue's own); `onCrash(message)`: called once if the Worker dies
   * (every pending call then rejects with the same message; settable later as `onCrash`).
   */
  static spawn({ glue = DEFAULT_GLUE, module, wasm, onCrash } = {}) {
    const trainer = new Trainer(onCrash);
    // The Worker's script loads at once; the engine goes to it when `module` (a promise of
    // one is fine: the page may still be compiling it) is there.
    trainer.#loaded = Promise.resolve(module).then((compiled) => trainer.#call('load', {
      glue: new URL(glue, location.href).href,
      module: compiled,
      wasm: wasm ? new URL(wasm, location.href).href : undefined,
    }));
    trainer.#loaded.catch(() => {});
    return trainer;
  }

  /**
   * Builds this Trainer's experiment (once): resolves to the Trainer, or rejects with the
   * engine's message, the Worker then ended.
   */
  async build(config, backend) {
    try {
      await this.#loaded;
      const info = await this.#call('build', { config, backend });
      this.config = info.config;
      this.dataset = info.dataset;
      this.summary = info.summary;
      this.#status(info);
      return this;
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  #worker;
  #pending = new Map();
  #next = 1;
  #dead = null;
  #loaded = null;

  constructor(onCrash) {
    /** The config the experiment was built from, every default filled in. */
    this.config = null;
    /** The points: `{xTrain, yTrain, xTest, yTest}`, Float32Arrays. */
    this.dataset = null;
    /** Keras' `model.summary()` text of the model. */
    this.summary = '';
    /** Steps taken, as of the last answer. */
    this.step = 0;
    /** `'cpu'` or `'webgpu'`, as of the last answer (a lost device moves to the CPU). */
    this.backend = 'cpu';
    /** The engine's line: `Using CPU backend (…)` or `Using WebGPU backend (…)`. */
    this.backendLine = '';
    /** Called with a message if the Worker dies. */
    this.onCrash = onCrash;
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = (e) => this.#answer(e.data);
    this.#worker.onerror = (e) => {
      e.preventDefault?.();
      this.#crash(e.message || 'the training worker stopped');
    };
    this.#worker.onmessageerror = () => this.#crash('a message from the training worker could not be read');
  }

  /** Whether the Worker is gone (disposed or crashed). */
  get disposed() {
    return this.#dead !== null;
  }

  /**
   * What every `train` answer includes: `fit`, the x values of a curve to predict after each
   * chunk (a Float32Array or array, or null for none), and `snapshots`, the step indices after
   * which to keep that curve and the test cost. Resolves to `{fit}`: the curve now.
   */
  watch({ fit = null, snapshots = [] } = {}) {
    return this.#call('watch', { fit: fit ? Array.from(fit) : null, snapshots });
  }

  /**
   * Trains up to `steps` steps: for about `budgetMs` at most when given (at least one step),
   * stopping at a diverged loss. Resolves to the chunk: `{from, losses (Float32Array), tests
   * ([{step, cost}] at each log step passed), snapshots ([{step, ys, cost}]), fit (the watched
   * curve now, or null), weights (when `weights` is true), diverged ({step, value,
   * stableLearningRate} or null), end ({testCost, weights} when the run reached the config's
   * `training.steps`), step, backend, backendLine, ms}`.
   */
  async train(steps, { budgetMs, weights = false } = {}) {
    const chunk = await this.#call('train', { steps, budgetMs: budgetMs ?? Infinity, weights });
    this.#status(chunk);
    return chunk;
  }

  /** Predictions at `xs`: a Float32Array. */
  predict(xs) {
    return this.#call('predict', { xs: Array.from(xs) });
  }

  /** `evaluate(x_test, y_test, batch_size = len(x_test))`. */
  testCost() {
    return this.#call('testCost');
  }

  /** The weights now: `[{shape, values}]` in Keras' order. */
  weights() {
    return this.#call('weights');
  }

  /** The run record so far, as JSON text. */
  record() {
    return this.#call('record');
  }

  /** A learning rate at which this model should not diverge. */
  stableLearningRate() {
    return this.#call('stableLearningRate');
  }

  /** Changes the learning rate; the optimizer keeps its state. */
  setLearningRate(lr) {
    return this.#call('setLearningRate', { lr });
  }

  /** Changes the optimizer's hyper-parameters (the config's `optimizer`, object or JSON). */
  async setOptimizer(optimizer) {
    await this.#call('setOptimizer', { optimizer });
    this.config = { ...this.config, optimizer: typeof optimizer === 'string' ? JSON.parse(optimizer) : optimizer };
  }

  /** Changes `training.steps` and `training.log_every` without rebuilding. */
  async setTraining(steps, logEvery) {
    await this.#call('setTraining', { steps, logEvery });
    this.config = { ...this.config, training: { ...this.config.training, steps, log_every: logEvery } };
  }

  /** Ends the Worker now; calls still pending reject with `TrainerDisposed`. */
  dispose() {
    if (this.#dead) return;
    this.#dead = new TrainerDisposed();
    this.#worker.terminate();
    this.#rejectAll(this.#dead);
  }

  #status(s) {
    this.step = s.step;
    this.backend = s.backend;
    this.backendLine = s.backendLine;
  }

  #call(cmd, args) {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, cmd, args });
    });
  }

  #answer({ id, ok, value, error }) {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(new Error(error));
  }

  #crash(message) {
    if (this.#dead) return;
    this.#dead = new Error(message);
    this.#worker.terminate();
    this.#rejectAll(this.#dead);
    this.onCrash?.(message);
  }

  #rejectAll(error) {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
