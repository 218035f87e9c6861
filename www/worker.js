// The trainer's Worker: one Experiment of the engine (and its WebGPU device) lives here, away
// from the page's thread. It answers the commands of trainer.js one at a time, in the order
// sent; `train` runs whole chunks of steps between the points where the page wants something
// (a log line's test cost, a snapshot of the fitted curve, the end of the configured run) and
// sends their losses back as one Float32Array.
//
// Messages in: {id, cmd, args}; first `load` ({glue, module?, wasm?}: the engine), then
// `build` ({config, backend}: the one experiment of this Worker), then the others. Messages out: {id, ok: true, value} or {id, ok: false, error}; `value` may hold
// typed arrays, transferred rather than copied.

let engine = null;
let exp = null;
// What the page watches: the x values of the fitted curve, and the steps at which it wants a
// snapshot (the curve and the test cost).
let fitXs = null;
let snapshotSteps = new Set();
let firstLoss;
let finalReported = false;
// The config's `training` ({steps, log_every, …}), as the experiment holds it.
let training = null;

const commands = {
  async load({ glue, module, wasm }) {
    engine = await import(glue);
    await engine.default(module ? { module_or_path: module } : wasm ? { module_or_path: wasm } : undefined);
  },

  async build({ config, backend }) {
    if (exp) throw new Error('this worker already holds an experiment');
    exp = await engine.Experiment.create(typeof config === 'string' ? config : JSON.stringify(config), backend ?? undefined);
    const built = JSON.parse(exp.configJson());
    training = built.training;
    const d = exp.dataset();
    const get = (k) => Float32Array.from(d instanceof Map ? d.get(k) : d[k]);
    return {
      config: built,
      summary: exp.summary(),
      dataset: { xTrain: get('xTrain'), yTrain: get('yTrain'), xTest: get('xTest'), yTest: get('yTest') },
      ...status(),
    };
  },

  async watch({ fit, snapshots }) {
    fitXs = fit ? Float32Array.from(fit) : null;
    snapshotSteps = new Set(snapshots ?? []);
    return { fit: fitXs ? await exp.predict(fitXs) : null };
  },

  /**
   * Trains up to `steps` steps, for at most about `budgetMs` (at least one step); stops early
   * at a diverged loss. Returns the chunk: its first step, the losses, the test costs at the
   * log steps it passed, the snapshots, the curve now, and at the configured end of the run the
   * test cost and weights.
   */
  async train({ steps, budgetMs = Infinity, weights = false }) {
    const t0 = performance.now();
    const from = exp.step;
    const parts = [];
    const tests = [];
    const snapshots = [];
    let done = 0;
    let diverged = null;
    let end = null;
    const { steps: runSteps, log_every: logEvery } = training;
    while (done < steps) {
      const at = exp.step;
      const k = Math.min(steps - done, nextBoundary(at, logEvery, runSteps) - at);
      const losses = await exp.train(k);
      parts.push(losses);
      done += k;
      diverged = divergence(losses, at);
      if (diverged) break;
      const index = exp.step - 1;
      if (snapshotSteps.has(index) && fitXs) {
        snapshots.push({ step: index, ys: await exp.predict(fitXs), cost: await exp.testCost() });
      }
      if (index % logEvery === 0) tests.push({ step: index, cost: await exp.testCost() });
      if (exp.step === runSteps && !finalReported) {
        finalReported = true;
        end = { testCost: await exp.testCost(), weights: await exp.weights() };
      }
      if (performance.now() - t0 >= budgetMs) break;
    }
    const losses = concat(parts);
    const value = {
      from,
      losses,
      tests,
      snapshots,
      diverged,
      end,
      fit: fitXs ? await exp.predict(fitXs) : null,
      weights: weights ? await exp.weights() : null,
      ms: performance.now() - t0,
      ...status(),
    };
    return value;
  },

  predict: ({ xs }) => exp.predict(Float32Array.from(xs)),
  testCost: () => exp.testCost(),
  weights: () => exp.weights(),
  record: () => exp.record(),
  stableLearningRate: () => exp.stableLearningRate(),
  setLearningRate: ({ lr }) => exp.setLearningRate(lr),
  setOptimizer: ({ optimizer }) => exp.setOptimizer(typeof optimizer === 'string' ? optimizer : JSON.stringify(optimizer)),
  setTraining({ steps, logEvery }) {
    exp.setTraining(steps, logEvery);
    training = { ...training, steps, log_every: logEvery };
    if (exp.step < steps) finalReported = false;
  },
  status: () => status(),
};

function status() {
  return { step: exp.step, backend: exp.backend, backendLine: exp.backendLine };
}

/** The first step after `done` at which the page wants something: a log line, a snapshot, the end. */
function nextBoundary(done, logEvery, runSteps) {
  // The look at step index i comes after it, at step count i + 1.
  let b = Math.floor(done / logEvery) * logEvery;
  if (b + 1 <= done) b += logEvery;
  b += 1;
  for (const s of snapshotSteps) if (s + 1 > done && s + 1 < b) b = s + 1;
  if (runSteps > done && runSteps < b) b = runSteps;
  return b;
}

/** `{step, value}` of the first diverged loss of a chunk starting at step `at`, or null. */
function divergence(losses, at) {
  if (at === 0 && losses.length) firstLoss = losses[0];
  // The core's rule: a loss that is not finite or too many times the first one.
  const i = engine.divergedAt(losses, firstLoss ?? NaN);
  if (i === undefined) return null;
  return { step: at + i, value: losses[i], stableLearningRate: exp.stableLearningRate() };
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

// Commands run one at a time: the engine refuses overlapping calls on one experiment.
let queue = Promise.resolve();
self.onmessage = (event) => {
  const { id, cmd, args } = event.data;
  queue = queue.then(async () => {
    try {
      const fn = commands[cmd];
      if (!fn) throw new Error(`unknown command '${cmd}'`);
      if (!engine && cmd !== 'load') throw new Error('the engine is not loaded');
      if (!exp && cmd !== 'load' && cmd !== 'build') throw new Error('the experiment is not built');
      const value = await fn(args ?? {});
      self.postMessage({ id, ok: true, value }, transferables(value));
    } catch (e) {
      self.postMessage({ id, ok: false, error: e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e) });
    }
  });
};
