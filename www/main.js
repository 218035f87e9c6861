// The page's wiring: it loads the engine, keeps one Experiment, trains it in small chunks per
// animation frame, and hands numbers to the engine's figures and to the text modules. No network
// maths and no drawing here: the engine draws every canvas.

import { t, setLang, lang, applyI18n } from './i18n.js';
import * as url from './state.js';
import { Controls } from './controls.js';
import * as ui from './ui.js';
import * as story from './story.js';

const $ = (id) => document.getElementById(id);
const GRID_PANELS = 10;
const GRID_EVERY = 100;
const FIT_POINTS = 121;
const FRAME_BUDGET_MS = 8;
const SPEEDS = [1, 2, 5, 10, 20, 50, Infinity];
const EXPLODE = 1e6;
// Test costs kept for the loss plot: past this many, every other one is dropped (the plot's
// work per frame stays flat however long training runs).
const TEST_POINTS_MAX = 512;
const EMPTY = new Float32Array(0);
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
const darkScheme = matchMedia('(prefers-color-scheme: dark)');

const app = {
  wasm: null,
  schema: null,
  defaults: null,
  // The config in force: the one the running Experiment was built from (with the edits that
  // kept its weights). An edit replaces it only once the new experiment is built.
  config: null,
  exp: null,
  generation: 0,
  playing: false,
  run: null,
  msPerStep: 0.05,
  // On WebGPU a call costs mostly its read-back latency and the main thread only waits (it is
  // not blocked), so chunks are sized by call time instead: doubled while a call takes under
  // GPU_FAST_MS, halved above GPU_SLOW_MS.
  gpuChunk: 16,
  // The engine's Plotter (theme from the CSS colours, legend words) and the main plot's view.
  plotter: null,
  fitView: null,
  hoverX: null,
  lastDraw: 0,
};

// Calls on one Experiment must not overlap: every call goes through this queue.
let queue = Promise.resolve();
function serial(fn) {
  const p = queue.then(fn);
  queue = p.catch(() => {});
  return p;
}

/**
 * Calls `fn(app.exp)` in the queue if the experiment of generation `gen` is still the one in
 * force by then; otherwise resolves to `STALE` without touching the new one (callers check
 * the generation after awaiting anyway).
 */
const STALE = Symbol('stale');
function onExp(gen, fn) {
  return serial(() => (gen === app.generation && app.exp ? fn(app.exp) : STALE));
}

// Changes of the experiment (edits, Reset, Back/Forward) run one at a time, each from the
// config the previous one left in force.
let changes = Promise.resolve();
function change(fn) {
  const p = changes.then(fn);
  changes = p.catch((e) => ui.showError(t('err.generic', { error: ui.message(e) })));
  return p;
}

function freshRun() {
  return {
    // Losses live in the engine's bounded history; the page keeps the count, first and last.
    history: new app.wasm.LossHistory(),
    steps: 0,
    first: undefined,
    last: undefined,
    testSteps: [],
    testCosts: [],
    panels: new Array(GRID_PANELS).fill(null),
    data: null,
    bounds: null,
    fit: null,
    hover: null,
    diverged: false,
    evaluatedAtSteps: false,
    rate: [],
  };
}

const log = new ui.Log($('log'));
let controls;

// ---------- start ----------

function wasmReady() {
  if (window.wasmBindings) return Promise.resolve(window.wasmBindings);
  return new Promise((resolve, reject) => {
    addEventListener('TrunkApplicationStarted', () => resolve(window.wasmBindings), { once: true });
    setTimeout(() => reject(new Error(t('err.wasmTimeout'))), 30000);
  });
}

addEventListener('error', (e) => ui.showError(t('err.generic', { error: e.message })));
addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  ui.showError(t('err.generic', { error: ui.message(e.reason) }));
});

async function start() {
  const query = url.readQuery();
  setLang(query.lang);
  $('lang').value = lang();
  applyI18n();
  updateSpeedText();
  buildGrid();

  try {
    app.wasm = await wasmReady();
  } catch (e) {
    ui.showError(t('err.wasm', { error: ui.message(e) }));
    return;
  }
  const w = app.wasm;
  app.schema = plain(w.schema());
  // The engine's JSON, in the field order of every config it hands back (URL diffs compare text).
  app.defaults = JSON.parse(w.defaultConfig());
  fillBackendSelect();

  controls = new Controls({
    schema: app.schema,
    edit: (mutate) => edit(mutate),
    refuse,
    newSeed: () => w.randomSeed(),
    currentPoints,
  });
  new ResizeObserver(() => drawMain()).observe($('fit-canvas'));
  new ResizeObserver(() => drawLossPlot()).observe($('loss-canvas'));
  wireEvents();

  // The link's experiment if it can be read and built; else the default one, with a message,
  // and the link's hash is dropped so that the address holds what the page shows.
  const linked = configFromUrl();
  let config = linked.config ?? withQueryBackend(app.defaults);
  let problem = linked.problem;
  let exp;
  try {
    exp = await build(config);
  } catch (e) {
    if (config === app.defaults || !linked.config) throw e;
    problem = ui.message(e);
    config = withQueryBackend(app.defaults);
    exp = await build(config);
  }
  if (problem) ui.showError(t('err.url', { error: problem }));
  app.config = config;
  url.writeConfig(config, app.defaults);
  controls.render(config);
  await install(exp);
  addEventListener('popstate', () => change(followUrl));
  addEventListener('hashchange', () => change(followUrl));
  performance.mark('nnplay:ready');
}

/** The backend select's options: the engine's backend names, with their words. */
function fillBackendSelect() {
  $('backend').replaceChildren(...app.schema.backends.map((b) => {
    const o = document.createElement('option');
    o.value = b;
    o.dataset.i18n = `backend.${b}`;
    o.textContent = t(`backend.${b}`);
    return o;
  }));
}

/** `config` with the backend of `?backend=` (when it names one of the engine's). */
function withQueryBackend(config) {
  const b = url.readQuery().backend;
  return b && app.schema.backends.includes(b) && b !== config.backend ? { ...config, backend: b } : config;
}

/**
 * The config the address describes, checked by the engine: `{config}`, or `{problem}` (words
 * in the page's language, with the engine's message) when it cannot be read or is invalid.
 */
function configFromUrl() {
  const { changes: diff, problem, detail } = url.readHashChanges();
  if (problem) return { problem: t(`err.link.${problem}`, { detail }) };
  try {
    const normal = normalize(url.merge(app.defaults, diff));
    return { config: withQueryBackend(normal) };
  } catch (e) {
    return { problem: ui.message(e) };
  }
}

/** Back, Forward or an edited address: builds what it describes, or keeps the experiment. */
async function followUrl() {
  const { config, problem } = configFromUrl();
  if (problem) {
    ui.showError(t('err.url.kept', { error: problem }));
    url.writeConfig(app.config, app.defaults);
    return;
  }
  if (same(config, app.config)) return;
  if (!(await apply(config, { push: false }))) url.writeConfig(app.config, app.defaults);
}

// ---------- the experiment ----------

function renderText() {
  const json = JSON.stringify(app.config);
  try {
    $('summary').textContent = app.wasm.summaryOf(json);
    $('keras-code').textContent = app.wasm.kerasCode(json);
  } catch (e) {
    ui.showError(t('err.config', { error: ui.message(e) }));
  }
}

/** The engine's check of a config: the config with defaults filled in, or a thrown message. */
function normalize(config) {
  return JSON.parse(app.wasm.normalizeConfig(JSON.stringify(config)));
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether `next` differs from `prev` only where the running model can follow without a rebuild:
 * the hyper-parameters of the same optimizer (the engine changes them in place and keeps the
 * optimizer's state) and the training schedule (`steps`, `log_every`).
 */
function keepsModel(prev, next) {
  if (prev.optimizer.name !== next.optimizer.name) return false;
  const strip = (c) => ({
    ...c,
    optimizer: null,
    training: { ...c.training, steps: null, log_every: null },
  });
  return same(strip(prev), strip(next));
}

/** Says why an edit was refused and shows the forms of the config still in force. */
function refuse(text) {
  ui.showError(text);
  controls.render(app.config);
  $('backend').value = app.config.backend;
}

/** Applies `mutate` to a copy of the config in force, then applies the result. */
function edit(mutate) {
  return change(() => {
    if (!app.config) return false; // before the first experiment is built
    const next = structuredClone(app.config);
    mutate(next);
    return apply(next, { push: true });
  });
}

/**
 * Builds first, commits after: checks `next` and builds its experiment (or, for an edit that
 * keeps the model, changes the running one); only then does `next` replace the config in
 * force, in the forms, the address (a new history entry when `push` and the experiment was
 * rebuilt) and the plots. When anything fails, the message says why and the config, the
 * address and the running experiment stay as they were. Resolves to whether it was applied.
 */
async function apply(next, { push }) {
  let normal;
  try {
    normal = normalize(next);
  } catch (e) {
    refuse(t('err.config', { error: ui.message(e) }));
    return false;
  }
  const prev = app.config;
  if (same(normal, prev)) {
    controls.render(prev);
    return true;
  }
  if (app.run && !app.run.diverged && keepsModel(prev, normal)) {
    const optimizerChanged = !same(normal.optimizer, prev.optimizer);
    const trainingChanged = !same(normal.training, prev.training);
    if (optimizerChanged || trainingChanged) {
      const gen = app.generation;
      try {
        const r = await onExp(gen, (exp) => {
          if (optimizerChanged) exp.setOptimizer(JSON.stringify(normal.optimizer));
          if (trainingChanged) exp.setTraining(normal.training.steps, normal.training.log_every);
        });
        if (r === STALE) throw new Error(t('err.stale'));
      } catch (e) {
        refuse(t('err.config', { error: ui.message(e) }));
        return false;
      }
    }
    commit(normal, false);
    return true;
  }
  let exp;
  try {
    exp = await build(normal);
  } catch (e) {
    refuse(t('err.config', { error: ui.message(e) }));
    return false;
  }
  commit(normal, push);
  await install(exp);
  return true;
}

/** Makes `config` the one in force: forms, address, code text. */
function commit(config, push) {
  app.config = config;
  url.writeConfig(config, app.defaults, { push });
  controls.render(config);
  renderText();
  $('backend').value = config.backend;
}

/**
 * A new Experiment for `config` on its backend. When WebGPU was asked for and cannot start,
 * it says so and builds on the CPU. Throws the engine's message when the config cannot be built.
 */
async function build(config) {
  const json = JSON.stringify(config);
  try {
    return await app.wasm.Experiment.create(json, config.backend);
  } catch (e) {
    if (config.backend !== 'webgpu') throw e;
    ui.showError(t('backend.fallback', { error: ui.message(e) }));
    return app.wasm.Experiment.create(json, 'cpu');
  }
}

/** Reset: the same config, trained from its initial weights again. */
function reset() {
  return change(async () => {
    const exp = await build(app.config);
    await install(exp);
  });
}

/** Puts `exp` in place of the running experiment (which is freed) and starts a fresh run. */
async function install(exp) {
  pause(false);
  await serial(() => {
    app.generation++;
    app.playing = false;
    const old = app.exp;
    app.exp = exp;
    old?.free();
  });
  setPlayButtons();
  renderText();
  $('backend').value = app.config.backend;
  showBackend();
  const d = plain(exp.dataset());
  app.run?.history.free();
  app.run = freshRun();
  const run = app.run;
  run.data = {
    train: { x: Float32Array.from(d.xTrain), y: Float32Array.from(d.yTrain) },
    test: { x: Float32Array.from(d.xTest), y: Float32Array.from(d.yTest) },
  };
  run.bounds = app.wasm.dataBounds(run.data.train.x, run.data.train.y, run.data.test.x, run.data.test.y);
  $('diverge').hidden = true;
  log.clear();
  log.add(t('log.header'));
  story.onModel(app.config);
  await refreshFit();
  showStats();
  redrawAll();
  // Which experiment is on show (the e2e suite waits on it).
  document.body.dataset.experiment = String(app.generation);
}

/** The backend line: the engine's words for the backend that runs (it changes after a fallback). */
function showBackend() {
  const exp = app.exp;
  if (!exp) return;
  const line = exp.backendLine;
  if ($('backend-line').textContent !== line) $('backend-line').textContent = line;
  $('backend-line').dataset.backend = exp.backend;
}

// The engine may hand back JS Maps for JSON objects: plain objects are easier to read.
function plain(v) {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function currentPoints() {
  const { train, test } = app.run?.data ?? { train: { x: [], y: [] }, test: { x: [], y: [] } };
  const pts = [];
  for (const s of [train, test]) for (let i = 0; i < s.x.length; i++) pts.push([round6(s.x[i]), round6(s.y[i])]);
  return pts;
}

function round6(v) {
  return Number(v.toPrecision(6));
}

function fitXs() {
  const [xMin, xMax] = app.run.bounds;
  const xs = new Float32Array(FIT_POINTS);
  for (let i = 0; i < FIT_POINTS; i++) xs[i] = xMin + ((xMax - xMin) * i) / (FIT_POINTS - 1);
  return xs;
}

/** Predicts the fitted curve (and the hovered x) with the current weights. */
async function refreshFit() {
  const run = app.run;
  const gen = app.generation;
  const xs = fitXs();
  const hx = app.hoverX;
  const ask = hx === null ? xs : Float32Array.from([...xs, hx]);
  const ys = await onExp(gen, (exp) => exp.predict(ask));
  if (gen !== app.generation) return;
  run.fit = { xs, ys: ys.subarray(0, FIT_POINTS) };
  run.hover = hx === null ? null : { x: hx, y: ys[FIT_POINTS] };
  showPrediction();
  story.onWeights(() => onExp(gen, (exp) => exp.weights()));
}

function showPrediction() {
  const h = app.run?.hover;
  $('predict-out').textContent = h ? t('plot.predict', { x: ui.short(h.x), y: ui.f32(h.y) }) : '';
}

// ---------- training ----------

function stepsDone() {
  return app.run ? app.run.steps : 0;
}

const GPU_FAST_MS = 25;
const GPU_SLOW_MS = 60;

/** Whether the experiment trains on WebGPU (calls wait on the GPU without blocking the page). */
function onGpu() {
  return !!app.exp && app.exp.backend === 'webgpu';
}

/** The next step count at which a chunk must stop: grid panels, log lines, the evaluation. */
function nextBoundary(done) {
  const after = (every) => {
    let m = Math.floor(done / every) * every;
    if (m + 1 <= done) m += every;
    return m + 1;
  };
  let b = after(app.config.training.log_every);
  const g = after(GRID_EVERY);
  if ((g - 1) / GRID_EVERY < GRID_PANELS) b = Math.min(b, g);
  if (app.config.training.steps > done) b = Math.min(b, app.config.training.steps);
  return b;
}

/** Trains `n` steps (n ≤ the distance to the next boundary) and handles what they reached. */
async function trainChunk(n) {
  const run = app.run;
  const gen = app.generation;
  const t0 = performance.now();
  const losses = await onExp(gen, (exp) => exp.train(n));
  if (gen !== app.generation) return false;
  const dt = performance.now() - t0;
  app.msPerStep = 0.7 * app.msPerStep + 0.3 * Math.max(1e-4, dt / n);
  if (onGpu() && n >= app.gpuChunk) {
    if (dt < GPU_FAST_MS) app.gpuChunk = Math.min(4096, app.gpuChunk * 2);
    else if (dt > GPU_SLOW_MS) app.gpuChunk = Math.max(1, Math.floor(app.gpuChunk / 2));
  }
  const start = run.steps;
  const logEvery = app.config.training.log_every;
  run.history.extend(losses);
  for (let i = 0; i < losses.length; i++) {
    const index = start + i;
    const v = losses[i];
    if (index === 0) run.first = v;
    run.steps = index + 1;
    run.last = v;
    if (index % logEvery === 0) log.add(t('log.trainCost', { v: ui.f32(v) }));
    const first = run.first;
    if (!run.diverged && (!Number.isFinite(v) || (first > 0 && v > EXPLODE * first))) diverged(index, v);
  }
  const done = run.steps;
  run.rate.push([performance.now(), done]);
  if (run.diverged) return false;
  const index = done - 1;
  if (index % GRID_EVERY === 0 && index / GRID_EVERY < GRID_PANELS) await snapshot(index / GRID_EVERY);
  if (index % logEvery === 0) await sampleTest(index);
  if (done === app.config.training.steps && !run.evaluatedAtSteps) {
    run.evaluatedAtSteps = true;
    performance.mark(`nnplay:trained-${done}`);
    await refreshFit();
    log.add(t('log.testHeader'));
    await evaluate();
  }
  return gen === app.generation;
}

async function sampleTest(index) {
  const gen = app.generation;
  const cost = await onExp(gen, (exp) => exp.testCost());
  if (gen !== app.generation) return;
  const run = app.run;
  run.testSteps.push(index);
  run.testCosts.push(cost);
  if (run.testSteps.length > TEST_POINTS_MAX) {
    run.testSteps = run.testSteps.filter((_, i) => i % 2 === 0);
    run.testCosts = run.testCosts.filter((_, i) => i % 2 === 0);
  }
  $('test-cost').textContent = ui.f32(cost);
  return cost;
}

async function snapshot(k) {
  const gen = app.generation;
  const xs = fitXs();
  const ys = await onExp(gen, (exp) => exp.predict(xs));
  const cost = await onExp(gen, (exp) => exp.testCost());
  if (gen !== app.generation) return;
  app.run.panels[k] = { fit: { xs, ys }, cost };
  drawGridPanel(k);
}

/** Trains `n` steps, stopping at every boundary; draws once at the end. */
/** Step presses queue up: each one starts when the previous is done, so chunks never overlap. */
let advancing = Promise.resolve();
function queueAdvance(n) {
  const next = advancing.then(() => advance(n));
  advancing = next.catch(() => {});
  return next;
}

async function advance(n) {
  while (n > 0 && app.run && !app.run.diverged) {
    const k = Math.min(n, nextBoundary(stepsDone()) - stepsDone());
    if (!(await trainChunk(k))) break;
    n -= k;
  }
  if (app.run && !app.run.diverged) await sampleTestAt();
  await refreshFit();
  showStats();
  redrawAll();
}

function stepLimit() {
  return SPEEDS[Number($('speed').value)];
}

/** One animation frame of Play: train for about FRAME_BUDGET_MS, then draw. */
async function tick() {
  if (!app.playing) return;
  const gen = app.generation;
  const t0 = performance.now();
  try {
    let left = stepLimit();
    while (app.playing && gen === app.generation && left > 0) {
      const byTime = onGpu()
        ? app.gpuChunk
        : Math.max(1, Math.floor((FRAME_BUDGET_MS - (performance.now() - t0)) / app.msPerStep));
      const k = Math.min(left, byTime, nextBoundary(stepsDone()) - stepsDone());
      if (!(await trainChunk(k))) break;
      left -= k;
      if (performance.now() - t0 >= FRAME_BUDGET_MS) break;
    }
    if (gen !== app.generation) return;
    const now = performance.now();
    if (!reducedMotion.matches || now - app.lastDraw > 500) {
      app.lastDraw = now;
      await refreshFit();
      drawMain();
      drawLossPlot();
    }
    showStats();
  } catch (e) {
    ui.showError(t('err.generic', { error: ui.message(e) }));
    pause(false);
    return;
  }
  if (app.playing && gen === app.generation) requestAnimationFrame(tick);
}

function play() {
  if (app.playing || !app.run || app.run.diverged) return;
  app.playing = true;
  app.run.rate = [[performance.now(), stepsDone()]];
  setPlayButtons();
  requestAnimationFrame(tick);
}

/** Stops Play; `report` logs the test cost and weights, as the tutorial prints them. */
function pause(report = true) {
  const was = app.playing;
  app.playing = false;
  setPlayButtons();
  if (was && report && app.run && !app.run.diverged) {
    const gen = app.generation;
    serial(() => Promise.resolve()).then(async () => {
      if (gen !== app.generation) return;
      log.add(t('log.paused', { n: stepsDone() }));
      await evaluate();
      await refreshFit();
      showStats();
      redrawAll();
    });
  }
}

function setPlayButtons() {
  $('play').disabled = app.playing;
  $('pause').disabled = !app.playing;
  if (app.playing) $('pause').focus({ preventScroll: true });
}

/** Logs `test cost`, `weights` and `biases` like the tutorial's evaluate/get_weights. */
async function evaluate() {
  const gen = app.generation;
  const cost = await sampleTestAt();
  const weights = plain(await onExp(gen, (exp) => exp.weights()));
  if (gen !== app.generation) return;
  log.add(t('log.testCost', { v: ui.f32(cost) }));
  const layers = app.config.model.layers;
  let j = 0;
  layers.forEach((layer, i) => {
    const kernel = weights[j++];
    const bias = layer.use_bias ? weights[j++] : null;
    const one = layers.length === 1;
    log.add(one ? t('log.weights', { v: ui.matrixText(kernel) }) : t('log.layerWeights', { i: i + 1, v: ui.matrixText(kernel) }));
    if (bias) log.add(one ? t('log.biases', { v: ui.vectorText(bias) }) : t('log.layerBiases', { i: i + 1, v: ui.vectorText(bias) }));
  });
}

async function sampleTestAt() {
  const gen = app.generation;
  const cost = await onExp(gen, (exp) => exp.testCost());
  if (gen !== app.generation) return undefined;
  $('test-cost').textContent = ui.f32(cost);
  return cost;
}

function diverged(index, value) {
  const run = app.run;
  run.diverged = true;
  app.playing = false;
  setPlayButtons();
  let stable = app.exp.stableLearningRate();
  if (!(stable > 0 && Number.isFinite(stable))) stable = app.config.optimizer.learning_rate / 10;
  // Two significant digits, rounded down, so the offer stays on the stable side.
  const mag = 10 ** (Math.floor(Math.log10(stable)) - 1);
  stable = Number((Math.floor(stable / mag) * mag).toPrecision(2));
  const what = Number.isFinite(value) ? 'diverge.explode' : 'diverge.nan';
  $('diverge-text').textContent = `${t(what, { step: index, value: ui.short(value) })} ${t('diverge.advice', {
    lr: app.config.optimizer.learning_rate, stable,
  })}`;
  const apply = $('diverge-apply');
  apply.textContent = t('diverge.apply', { stable });
  apply.onclick = () => edit((c) => { c.optimizer.learning_rate = stable; });
  $('diverge').hidden = false;
}

function showStats() {
  showBackend();
  const run = app.run;
  const done = stepsDone();
  $('step-count').textContent = String(done);
  $('step-count').dataset.value = String(done);
  const last = done > 0 ? run.last : undefined;
  $('train-cost').textContent = last === undefined ? '–' : ui.f32(last);
  $('train-cost').dataset.value = last === undefined ? '' : String(last);
  if (!run || done === 0) $('test-cost').textContent = '–';
  const now = performance.now();
  if (run) {
    while (run.rate.length > 2 && now - run.rate[0][0] > 1000) run.rate.shift();
    const [t0, s0] = run.rate[0] ?? [now, done];
    const rate = app.playing && now - t0 > 50 ? ((done - s0) * 1000) / (now - t0) : 0;
    $('steps-per-sec').textContent = String(Math.round(rate));
  }
}

// ---------- drawing (by the engine) ----------

/** The engine's Plotter: colours from the CSS custom properties, legend words in the page's language. */
function plotter() {
  if (!app.plotter) {
    const p = new app.wasm.Plotter(darkScheme.matches);
    const style = getComputedStyle(document.documentElement);
    for (const name of app.wasm.plotCssProperties()) {
      const v = style.getPropertyValue(name).trim();
      if (!v) continue;
      try {
        p.setColour(name, v);
      } catch (e) {
        ui.showError(t('err.generic', { error: ui.message(e) }));
      }
    }
    p.setLabels(t('plot.train'), t('plot.test'), t('plot.fit'));
    app.plotter = p;
  }
  return app.plotter;
}

/** Forgets the Plotter (colour scheme or language changed): the next draw builds a new one. */
function dropPlotter() {
  app.plotter?.free();
  app.plotter = null;
}

function drawMain() {
  const run = app.run;
  if (!run || !app.wasm) return;
  const canvas = $('fit-canvas');
  const { train, test } = run.data;
  const view = plotter().drawScatter(
    canvas, train.x, train.y, test.x, test.y, run.fit?.xs ?? EMPTY, run.fit?.ys ?? EMPTY,
    run.hover?.x, run.hover?.y, run.bounds,
  );
  app.fitView?.free();
  app.fitView = view;
  // The mapping in CSS pixels, for whoever reads the page (tests, embeds).
  canvas.dataset.plotRect = view.rect.join(' ');
  canvas.dataset.plotBounds = view.bounds.join(' ');
}

function drawLossPlot() {
  const run = app.run;
  if (!run || !app.wasm) return;
  plotter().drawLoss(
    $('loss-canvas'), run.history, $('loss-log').checked,
    Uint32Array.from(run.testSteps), Float32Array.from(run.testCosts),
  ).free();
}

function buildGrid() {
  const items = [];
  for (let k = 0; k < GRID_PANELS; k++) {
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    const cap = document.createElement('p');
    cap.className = 'panel-caption';
    const li = document.createElement('li');
    li.className = 'grid-panel';
    li.dataset.k = String(k);
    li.append(canvas, cap);
    items.push(li);
    new ResizeObserver(() => drawGridPanel(k)).observe(canvas);
  }
  $('grid').replaceChildren(...items);
}

function drawGridPanel(k) {
  const li = $('grid').children[k];
  const panel = app.run?.panels[k];
  const step = k * GRID_EVERY;
  li.classList.toggle('filled', !!panel);
  const caption = panel
    ? `${t('grid.panel', { step })} · ${t('grid.cost', { cost: ui.short(panel.cost), k: k + 1 })}`
    : t('grid.empty', { step });
  li.querySelector('.panel-caption').textContent = panel
    ? t('grid.cost', { cost: ui.short(panel.cost), k: k + 1 }) : t('grid.panel', { step });
  li.querySelector('canvas').setAttribute('aria-label', caption);
  const run = app.run;
  if (!run || !app.wasm) return;
  const { train, test } = run.data;
  plotter().drawPanel(
    li.querySelector('canvas'), train.x, train.y, test.x, test.y,
    panel?.fit.xs ?? EMPTY, panel?.fit.ys ?? EMPTY, '', run.bounds,
  ).free();
}

function redrawAll() {
  drawMain();
  drawLossPlot();
  for (let k = 0; k < GRID_PANELS; k++) drawGridPanel(k);
}

function updateSpeedText() {
  const v = SPEEDS[Number($('speed').value)];
  $('speed-value').textContent = v === Infinity ? t('train.speedMax') : t('train.speedValue', { n: v });
}

// ---------- events ----------

function guarded(fn) {
  return (...args) => Promise.resolve(fn(...args)).catch((e) => ui.showError(t('err.generic', { error: ui.message(e) })));
}

function wireEvents() {
  $('step').addEventListener('click', guarded(() => { pause(false); return queueAdvance(1); }));
  $('step100').addEventListener('click', guarded(() => { pause(false); return queueAdvance(100); }));
  $('play').addEventListener('click', play);
  $('pause').addEventListener('click', () => pause(true));
  $('reset').addEventListener('click', guarded(() => reset()));
  $('evaluate').addEventListener('click', guarded(() => { pause(false); return evaluate(); }));
  $('speed').addEventListener('input', updateSpeedText);
  $('loss-log').addEventListener('change', drawLossPlot);
  $('add-layer').addEventListener('click', () => controls.addLayer());

  $('csv-apply').addEventListener('click', () => {
    let flat;
    try {
      flat = app.wasm.parseCsv($('csv').value);
    } catch (e) {
      ui.showError(t('data.csvError', { error: ui.message(e) }));
      return;
    }
    const points = [];
    for (let i = 0; i + 1 < flat.length; i += 2) points.push([flat[i], flat[i + 1]]);
    edit((c) => {
      c.data.kind = 'custom';
      c.data.points = points;
    });
  });

  $('lang').addEventListener('change', () => {
    setLang($('lang').value);
    url.writeQuery('lang', lang());
    applyI18n();
    updateSpeedText();
    if (app.config) controls.render(app.config);
    dropPlotter();
    redrawAll();
  });

  $('backend').addEventListener('change', () => {
    const backend = $('backend').value;
    edit((c) => { c.backend = backend; });
  });

  const canvas = $('fit-canvas');
  const dataAt = (e) => {
    const r = canvas.getBoundingClientRect();
    const v = app.fitView;
    const px = e.clientX - r.left, py = e.clientY - r.top;
    if (!v || !v.contains(px, py)) return null;
    const [x, y] = v.toData(px, py);
    return { x, y };
  };
  canvas.addEventListener('pointermove', (e) => {
    const p = dataAt(e);
    hoverAt(p ? p.x : null);
  });
  canvas.addEventListener('pointerleave', () => hoverAt(null));
  canvas.addEventListener('click', (e) => {
    const p = dataAt(e);
    if (!p) return;
    const shown = currentPoints();
    edit((c) => {
      c.data.points = c.data.kind === 'custom' && c.data.points ? c.data.points : shown;
      c.data.points.push([round6(p.x), round6(p.y)]);
      c.data.kind = 'custom';
    });
  });
  $('predict-x').addEventListener('input', () => {
    const v = Number($('predict-x').value);
    hoverAt($('predict-x').value.trim() !== '' && Number.isFinite(v) ? v : null);
  });

  $('export-run').addEventListener('click', guarded(async () => {
    const gen = app.generation;
    const text = await onExp(gen, (exp) => exp.record());
    if (text === STALE) return;
    ui.download('nnplay-run.json', text);
  }));
  $('export-config').addEventListener('click', guarded(async () => {
    ui.download('nnplay-config.json', app.wasm.normalizeConfig(JSON.stringify(app.config)));
  }));
  $('copy-link').addEventListener('click', async () => {
    const link = $('share-link');
    link.value = location.href;
    try {
      await navigator.clipboard.writeText(location.href);
      link.hidden = true;
      ui.status(t('share.copied'));
    } catch (e) {
      link.hidden = false;
      link.select();
      ui.status(t('share.copyFailed', { error: ui.message(e) }));
    }
  });

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target?.tagName;
    if (['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'A', 'SUMMARY'].includes(tag) || e.target?.isContentEditable) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (app.playing) pause(true); else play();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      pause(false);
      guarded(() => queueAdvance(1))();
    }
  });

  darkScheme.addEventListener('change', () => {
    dropPlotter();
    redrawAll();
  });
}

let hoverBusy = false;
function hoverAt(x) {
  app.hoverX = x;
  if (x === null) {
    if (app.run) app.run.hover = null;
    showPrediction();
    drawMain();
    return;
  }
  if (hoverBusy || app.playing) return; // while playing, each frame's refresh includes it
  hoverBusy = true;
  refreshFit().then(drawMain).catch((e) => ui.showError(ui.message(e))).finally(() => {
    hoverBusy = false;
    if (app.hoverX !== null && app.run?.hover?.x !== app.hoverX) hoverAt(app.hoverX);
  });
}

start().catch((e) => ui.showError(t('err.generic', { error: ui.message(e) })));
