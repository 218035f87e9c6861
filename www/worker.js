// The trainer's Worker: Experiments of the engine live here, away from the page's thread, each
// under the key its trainer gives (a page's dedicated Trainer has one; a TrainerHost has one per
// hosted trainer). They all share this Worker's one engine instance, and so its one WebGPU
// device. The commands of one experiment run one at a time, in the order sent; those of
// different experiments interleave, so several training ones progress together. `train` runs
// whole chunks of steps between the points where the page wants something (a log line's test
// cost, a snapshot of the fitted curve, the end of the configured run) and sends their losses
// back as one Float32Array.
//
// Messages in: {id, key, cmd, args}; first `load` ({glue, module?, wasm?}: the engine), then
// for each key `build` ({config, backend}: its experiment), the others, and `free` (the
// experiment and its GPU buffers go; the key may be built again). `stats` answers
// {experiments, devicesOpened} for the whole Worker. Messages out: {id, ok: true, value} or
// {id, ok: false, error}; `value` may hold typed arrays, transferred rather than copied.

let engine = null;
let loading = null;
/** key → the state of one experiment. */
const experiments = new Map();
/** key → the promise of that key's last command: each key's commands run in order. */
const queues = new Map();

/** One experiment and what its page watches. */
class State {
  constructor(exp) {
    this.exp = exp;
    // The x values of the fitted curve, and the steps at which the page wants a snapshot.
    this.fitXs = null;
    this.snapshotSteps = new Set();
    this.firstLoss = undefined;
    this.finalReported = false;
    // The config's `training` ({steps, log_every, …}), as the experiment holds it.
    this.training = JSON.parse(exp.configJson()).training;
  }

  status() {
    const { exp } = this;
    return { step: exp.step, backend: exp.backend, backendLine: exp.backendLine };
  }

  /** The first step after `done` at which the page wants something: a log line, a snapshot, the end. */
  nextBoundary(done) {
    const { steps: runSteps, log_every: logEvery } = this.training;
    // The look at step index i comes after it, at step count i + 1.
    let b = Math.floor(done / logEvery) * logEvery;
    if (b + 1 <= done) b += logEvery;
    b += 1;
    for (const s of this.snapshotSteps) if (s + 1 > done && s + 1 < b) b = s + 1;
    if (runSteps > done && runSteps < b) b = runSteps;
    return b;
  }

  /** `{step, value}` of the first diverged loss of a chunk starting at step `at`, or null. */
  divergence(losses, at) {
    if (at === 0 && losses.length) this.firstLoss = losses[0];
    // The core's rule: a loss that is not finite or too many times the first one.
    const i = engine.divergedAt(losses, this.firstLoss ?? NaN);
    if (i === undefined) return null;
    return { step: at + i, value: losses[i], stableLearningRate: this.exp.stableLearningRate() };
  }
}

/** Commands of the whole Worker. */
const whole = {
  load({ glue, module, wasm }) {
    loading ??= (async () => {
      engine = await import(glue);
      await engine.default(module ? { module_or_path: module } : wasm ? { module_or_path: wasm } : undefined);
    })();
    return loading.then(() => undefined);
  },

  stats: () => ({ experiments: experiments.size, devicesOpened: engine.devicesOpened() }),
};

/** Commands of one experiment: `s` is its state (undefined for `build` and `free`). */
const commands = {
  async build(s, { config, backend }, key) {
    if (s) throw new Error('this trainer already holds an experiment');
    const exp = await engine.Experiment.create(typeof config === 'string' ? config : JSON.stringify(config), backend ?? undefined);
    const state = new State(exp);
    experiments.set(key, state);
    const built = JSON.parse(exp.configJson());
    const d = exp.dataset();
    const get = (k) => Float32Array.from(d instanceof Map ? d.get(k) : d[k]);
    return {
      config: built,
      summary: exp.summary(),
      dataset: { xTrain: get('xTrain'), yTrain: get('yTrain'), xTest: get('xTest'), yTest: get('yTest') },
      ...state.status(),
    };
  },

  free(s, _args, key) {
    experiments.delete(key);
    // Its buffers go now, not when the garbage collector gets to it.
    s?.exp.free();
  },

  async watch(s, { fit, snapshots }) {
    s.fitXs = fit ? Float32Array.from(fit) : null;
    s.snapshotSteps = new Set(snapshots ?? []);
    return { fit: s.fitXs ? await s.exp.predict(s.fitXs) : null };
  },

  /**
   * Trains up to `steps` steps, for at most about `budgetMs` (at least one step); stops early
   * at a diverged loss. Returns the chunk: its first step, the losses, the test costs at the
   * log steps it passed, the snapshots, the curve now, and at the configured end of the run the
   * test cost and weights.
   */
  async train(s, { steps, budgetMs = Infinity, weights = false }) {
    const { exp } = s;
    const t0 = performance.now();
    const from = exp.step;
    const parts = [];
    const tests = [];
    const snapshots = [];
    let done = 0;
    let diverged = null;
    let end = null;
    const { steps: runSteps, log_every: logEvery } = s.training;
    while (done < steps) {
      const at = exp.step;
      const k = Math.min(steps - done, s.nextBoundary(at) - at);
      const losses = await exp.train(k);
      parts.push(losses);
      done += k;
      diverged = s.divergence(losses, at);
      if (diverged) break;
      const index = exp.step - 1;
      if (s.snapshotSteps.has(index) && s.fitXs) {
        snapshots.push({ step: index, ys: await exp.predict(s.fitXs), cost: await exp.testCost() });
      }
      if (index % logEvery === 0) tests.push({ step: index, cost: await exp.testCost() });
      if (exp.step === runSteps && !s.finalReported) {
        s.finalReported = true;
        end = { testCost: await exp.testCost(), weights: typedWeights(await exp.weights()) };
      }
      if (performance.now() - t0 >= budgetMs) break;
    }
    return {
      from,
      losses: concat(parts),
      tests,
      snapshots,
      diverged,
      end,
      fit: s.fitXs ? await exp.predict(s.fitXs) : null,
      weights: weights ? typedWeights(await exp.weights()) : null,
      ms: performance.now() - t0,
      ...s.status(),
    };
  },

  predict: (s, { xs }) => s.exp.predict(Float32Array.from(xs)),
  testCost: (s) => s.exp.testCost(),
  weights: async (s) => typedWeights(await s.exp.weights()),
  record: (s) => s.exp.record(),
  stableLearningRate: (s) => s.exp.stableLearningRate(),
  setLearningRate: (s, { lr }) => s.exp.setLearningRate(lr),
  setOptimizer: (s, { optimizer }) => s.exp.setOptimizer(typeof optimizer === 'string' ? optimizer : JSON.stringify(optimizer)),
  setTraining(s, { steps, logEvery }) {
    s.exp.setTraining(steps, logEvery);
    s.training = { ...s.training, steps, log_every: logEvery };
    if (s.exp.step < steps) s.finalReported = false;
  },
  status: (s) => s.status(),
};

/**
 * `getWeights()`' `[{shape, values}]` with each `values` a Float32Array, which goes to the page
 * by transfer: a large model's millions of weights would take the page's thread a long
 * structured clone as plain arrays.
 */
function typedWeights(list) {
  return list.map(({ shape, values }) => ({ shape, values: Float32Array.from(values) }));
}

function concat(parts) {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Typed arrays to transfer (not copy) back to the page. */
function transferables(v, out = []) {
  if (ArrayBuffer.isView(v)) {
    if (!out.includes(v.buffer)) out.push(v.buffer);
  } else if (Array.isArray(v)) {
    for (const x of v) transferables(x, out);
  } else if (v && typeof v === 'object' && !(v instanceof Map)) {
    for (const x of Object.values(v)) transferables(x, out);
  }
  return out;
}

async function run(key, cmd, args) {
  if (Object.hasOwn(whole, cmd)) {
    if (!engine && cmd !== 'load') throw new Error('the engine is not loaded');
    return whole[cmd](args);
  }
  const fn = Object.hasOwn(commands, cmd) ? commands[cmd] : null;
  if (!fn) throw new Error(`unknown command '${cmd}'`);
  if (loading) await loading;
  if (!engine) throw new Error('the engine is not loaded');
  const s = experiments.get(key);
  if (!s && cmd !== 'build' && cmd !== 'free') throw new Error('the experiment is not built');
  return fn(s, args, key);
}

// An experiment's commands run one at a time (the engine refuses overlapping calls on one
// experiment); the Worker's own commands (`load`, `stats`) do not wait for any experiment.
self.onmessage = (event) => {
  const { id, key = 0, cmd, args } = event.data;
  const answer = async () => {
    try {
      const value = await run(key, cmd, args ?? {});
      self.postMessage({ id, ok: true, value }, transferables(value));
    } catch (e) {
      self.postMessage({ id, ok: false, error: e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e) });
    }
  };
  if (Object.hasOwn(whole, cmd)) {
    answer();
    return;
  }
  const next = (queues.get(key) ?? Promise.resolve()).then(answer);
  queues.set(key, next);
  // A freed key's queue goes once its last command is done.
  next.then(() => {
    if (queues.get(key) === next && !experiments.has(key)) queues.delete(key);
  });
};
