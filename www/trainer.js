// The page's side of the trainer: a promise for each command of worker.js, where Experiments
// of the engine train in a Worker. Nothing here trains or draws; the page's thread only sends
// commands and receives their results, so no model size can block it.
//
//   const trainer = await Trainer.create(config, { backend: 'auto' });   // or spawn(), build()
//   trainer.watch({ fit: xs, snapshots: [0, 100] });
//   const chunk = await trainer.train(1000, { budgetMs: 12 });  // chunk.losses: Float32Array
//   trainer.dispose();
//
// A Trainer made alone has its own Worker (and its own copy of the engine); `dispose()` ends
// that Worker at once, even in the middle of a long computation: every pending promise then
// rejects. Several trainers can instead share one Worker, its engine and its WebGPU device,
// through a TrainerHost:
//
//   const host = new TrainerHost({ module });
//   const a = await host.create(configA), b = await host.create(configB);  // or Trainer.spawn({ host })
//   a.dispose();   // frees a's experiment (its GPU buffers) in the Worker; b trains on
//   b.dispose();   // the last one: the Worker ends
//
// Their experiments train independently: the commands of one run in the order called, those of
// different trainers interleave between chunks. A hosted trainer's `dispose()` rejects its own
// pending calls at once; the Worker frees the experiment after the command it is running.

/** Where the engine's module is, when the caller does not say: the package's own, beside this file. */
const DEFAULT_GLUE = new URL('./nnplay.js', import.meta.url).href;

/** Rejection of the calls pending on a disposed trainer. */
export class TrainerDisposed extends Error {
  constructor() {
    super('the trainer was disposed');
    this.name = 'TrainerDisposed';
  }
}

/**
 * A Worker running worker.js, with a promise for each message sent. The trainers using it
 * (one, or a host's) are told when it dies.
 */
class Link {
  #worker;
  #pending = new Map();
  #next = 1;
  /** The error every call gets once the Worker is gone. */
  dead = null;
  /** Called with the message when the Worker dies on its own. */
  onCrash = null;

  constructor() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = (e) => this.#answer(e.data);
    this.#worker.onerror = (e) => {
      e.preventDefault?.();
      this.#crash(e.message || 'the training worker stopped');
    };
    this.#worker.onmessageerror = () => this.#crash('a message from the training worker could not be read');
  }

  /** Sends `cmd` for the experiment under `key`; `owner` may later drop its calls (`drop`). */
  call(key, cmd, args, owner) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, owner });
      this.#worker.postMessage({ id, key, cmd, args });
    });
  }

  /** Rejects `owner`'s pending calls with `error`; their answers will be ignored. */
  drop(owner, error) {
    for (const [id, p] of this.#pending) {
      if (p.owner === owner) {
        this.#pending.delete(id);
        p.reject(error);
      }
    }
  }

  /** Ends the Worker now; every pending call rejects with `error`. */
  end(error) {
    if (this.dead) return;
    this.dead = error;
    this.#worker.terminate();
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #answer({ id, ok, value, error }) {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(new Error(error));
  }

  #crash(message) {
    if (this.dead) return;
    this.end(new Error(message));
    this.onCrash?.(message);
  }
}

/** Sends `load` once `module` (a promise of one is fine) is there; resolves when loaded. */
function load(link, { glue = DEFAULT_GLUE, module, wasm }) {
  const loaded = Promise.resolve(module).then((compiled) => link.call(undefined, 'load', {
    glue: new URL(glue, location.href).href,
    module: compiled,
    wasm: wasm ? new URL(wasm, location.href).href : undefined,
  }));
  loaded.catch(() => {});
  return loaded;
}

/**
 * One Worker, with its engine and its WebGPU device, for several trainers: each hosted trainer
 * has its own experiment in it. The Worker starts loading the engine at once and ends when the
 * last hosted trainer is disposed (or the host is); a host that ended makes no more trainers.
 */
export class TrainerHost {
  #link;
  #loaded;
  #trainers = new Set();
  #holds = 0;
  #nextKey = 1;

  /** `glue`, `module`, `wasm`: as for `Trainer.spawn`. */
  constructor({ glue, module, wasm } = {}) {
    this.#link = new Link();
    this.#link.onCrash = (message) => {
      for (const t of [...this.#trainers]) t._crashed(message);
      this.#trainers.clear();
    };
    this.#loaded = load(this.#link, { glue, module, wasm });
  }

  /** Whether the Worker is gone (every trainer disposed, the host disposed, or a crash). */
  get disposed() {
    return this.#link.dead !== null;
  }

  /** The hosted trainers not disposed yet. */
  get size() {
    return this.#trainers.size;
  }

  /**
   * A hosted trainer, its experiment to `build`; `onCrash(message)` is called once if the
   * Worker dies. Throws when the host has ended.
   */
  spawn({ onCrash } = {}) {
    if (this.disposed) throw new Error('this trainer host has ended');
    const key = this.#nextKey++;
    const trainer = new Trainer({
      link: this.#link,
      key,
      loaded: this.#loaded,
      onCrash,
      release: () => {
        this.#link.call(key, 'free').catch(() => {});
        this.#trainers.delete(trainer);
        this.#endIfIdle();
      },
    });
    this.#trainers.add(trainer);
    return trainer;
  }

  /** `spawn` then `build(config, backend)`: resolves to the trainer built. */
  create(config, { backend, onCrash } = {}) {
    return this.spawn({ onCrash }).build(config, backend);
  }

  /**
   * Keeps the Worker while the caller makes a trainer that may replace one it disposes (e.g.
   * a second try on the CPU): returns the function that lets it go.
   */
  hold() {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#holds--;
      this.#endIfIdle();
    };
  }

  /** `{experiments, devicesOpened}`: the experiments in the Worker, the WebGPU devices it opened. */
  stats() {
    return this.#loaded.then(() => this.#link.call(undefined, 'stats'));
  }

  /** Ends the Worker now; every hosted trainer is disposed (its pending calls reject). */
  dispose() {
    const trainers = [...this.#trainers];
    this.#trainers.clear();
    for (const t of trainers) t.dispose();
    this.#link.end(new TrainerDisposed());
  }

  #endIfIdle() {
    if (this.#trainers.size === 0 && this.#holds === 0) this.#link.end(new TrainerDisposed());
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
   * (every pending call then rejects with the same message; settable later as `onCrash`);
   * `host`: a TrainerHost whose Worker to share (then `glue`, `module` and `wasm` are the
   * host's).
   */
  static spawn({ glue = DEFAULT_GLUE, module, wasm, onCrash, host } = {}) {
    if (host) return host.spawn({ onCrash });
    const link = new Link();
    // The Worker's script loads at once; the engine goes to it when `module` (a promise of
    // one is fine: the page may still be compiling it) is there.
    const loaded = load(link, { glue, module, wasm });
    const trainer = new Trainer({ link, loaded, onCrash, release: () => link.end(trainer.#dead) });
    link.onCrash = (message) => trainer._crashed(message);
    return trainer;
  }

  /**
   * Builds this Trainer's experiment (once): resolves to the Trainer, or rejects with the
   * engine's message, the trainer then disposed (see `dispose`).
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

  #link;
  #key;
  #loaded;
  #release;
  #dead = null;

  /** Made by `Trainer.spawn` or a host's `spawn`. */
  constructor({ link, key, loaded, onCrash, release }) {
    this.#link = link;
    this.#key = key;
    this.#loaded = loaded;
    this.#release = release;
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
  }

  /** Whether the trainer is gone (disposed, or its Worker crashed). */
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

  /** The weights now: `[{shape, values}]` in Keras' order, each `values` a Float32Array. */
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

  /**
   * Changes the learning rate: a recompile in the engine (the weights stay, the optimizer
   * starts afresh, and after steps were taken the run record starts there).
   */
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

  /**
   * Ends the trainer now: calls still pending reject with `TrainerDisposed`. A trainer of its
   * own ends its Worker at once; a hosted one has its experiment freed (the host's Worker ends
   * with its last trainer).
   */
  dispose() {
    if (this.#dead) return;
    this.#dead = new TrainerDisposed();
    this.#link.drop(this, this.#dead);
    this.#release();
  }

  /**
   * (Internal: called by the Worker's owner.) The Worker died with `message`: pending calls
   * have rejected; `onCrash` is told (once).
   */
  _crashed(message) {
    if (this.#dead) return;
    this.#dead = this.#link.dead ?? new Error(message);
    this.onCrash?.(message);
  }

  #status(s) {
    this.step = s.step;
    this.backend = s.backend;
    this.backendLine = s.backendLine;
  }

  #call(cmd, args) {
    if (this.#dead) return Promise.reject(this.#dead);
    return this.#link.call(this.#key, cmd, args, this);
  }
}
