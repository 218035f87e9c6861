// The page's wiring: it loads the engine for the figures and the forms, keeps one Trainer (an
// Experiment training in a Worker, trainer.js), and hands what comes back to the engine's
// figures and to the text modules. No training, no network maths and no drawing here: the
// Worker trains, the engine draws every canvas.

import { t, setLang, lang, applyI18n } from './i18n.js';
import * as url from './state.js';
import { Controls } from './controls.js';
import { Trainer, TrainerDisposed } from './trainer.js';
import * as ui from './ui.js';
import * as story from './story.js';
import { installShare } from './share.js';
import { engine, engineSource } from './engine.js';

const $ = (id) => document.getElementById(id);
// The grid's panels and the steps between them: the engine's (`schema().figures`), set once
// it has loaded.
let GRID_PANELS = 0;
let GRID_EVERY = 0;
// How long one chunk of Play trains in the Worker before its losses come back: long enough
// that messages and the figures cost little beside it (the figures are drawn once per chunk,
// about 40 times a second), short enough that they move smoothly.
const CHUNK_MS = 25;
// Chunks in flight at full speed: the Worker starts the next while the page takes in the last.
const CHUNKS_AHEAD = 2;
// Grid panels drawn per frame at most (ten can fill within one chunk).
const PANELS_PER_FRAME = 1;
// The most points the figures draw (train and test together, every k-th of a larger set):
// each point costs the plot some microseconds, and a frame has 16 ms.
const DRAWN_POINTS_MAX = 1000;
const SPEEDS = [1, 2, 5, 10, 20, 50, Infinity];
// Test costs kept for the loss plot: past this many, every other one is dropped (the plot's
// work per frame stays flat however long training runs).
const TEST_POINTS_MAX = 512;
const EMPTY = new Float32Array(0);
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
const darkScheme = matchMedia('(prefers-color-scheme: dark)');

const app = {
  wasm: null,
  // Where the Worker loads the engine from: the glue module's URL and the wasm's.
  engine: null,
  schema: null,
  defaults: null,
  // The config in force: the one the running Trainer was built from (with the edits that
  // kept its weights). An edit replaces it only once the new experiment is built.
  config: null,
  trainer: null,
  // A Trainer spawned ahead (its Worker loading the engine) for the next experiment, once
  // the page is ready.
  spare: null,
  spareQueued: false,
  ready: false,
  generation: 0,
  playing: false,
  // Chunks of Play sent to the Worker and not yet answered.
  inFlight: 0,
  run: null,
  // The engine's Plotter (theme from the CSS colours, legend words) and the main plot's view.
  plotter: null,
  fitView: null,
  hoverX: null,
  lastDraw: 0,
  drawQueued: false,
};

// Changes of the experiment (edits, Reset, Back/Forward) run one at a time, each from the
// config the previous one left in force.
let changes = Promise.resolve();
function change(fn) {
  const p = changes.then(fn);
  changes = p.catch((e) => report(e));
  return p;
}

/** Shows an error, unless it only says that a replaced trainer was ended. */
function report(e) {
  if (e instanceof TrainerDisposed) return;
  ui.showError(t('err.generic', { error: ui.message(e) }));
}

/** Every k-th point of each split, so that both together stay within DRAWN_POINTS_MAX. */
function thinned(data) {
  const total = data.train.x.length + data.test.x.length;
  const k = Math.ceil(total / DRAWN_POINTS_MAX);
  if (k <= 1) return data;
  const every = (a) => a.filter((_, i) => i % k === 0);
  return {
    train: { x: every(data.train.x), y: every(data.train.y) },
    test: { x: every(data.test.x), y: every(data.test.y) },
  };
}

function freshRun(data, bounds) {
  return {
    // Losses live in the engine's bounded history; the page keeps the count, first and last.
    history: new app.wasm.LossHistory(),
    steps: 0,
    first: undefined,
    last: undefined,
    testSteps: [],
    testCosts: [],
    panels: new Array(GRID_PANELS).fill(null),
    dirtyPanels: new Set(),
    data,
    // The points the figures draw: `data`, or every k-th point of a larger set.
    drawn: thinned(data),
    bounds,
    fitXs: null,
    fit: null,
    hover: null,
    // The latest test cost of a chunk, to show at the next frame.
    testCost: undefined,
    diverged: false,
    // A `nnplay:trained-N` mark to set when the next frame is drawn.
    trainedMark: null,
    rate: [],
  };
}

const log = new ui.Log($('log'));
let controls;

// ---------- start ----------

/** The engine's exports on this thread, or a rejection after 30 s. */
function wasmReady() {
  return Promise.race([
    engine(),
    new Promise((_, reject) => setTimeout(() => reject(new Error(t('err.wasmTimeout'))), 30000)),
  ]);
}

addEventListener('error', (e) => ui.showError(t('err.generic', { error: e.message })));
addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  report(e.reason);
});

async function start() {
  // The engine's glue and its compiled module (the loader in index.html started compiling it);
  // the first Worker starts loading now and gets the module once it is compiled.
  app.engine = engineSource();
  if (!app.engine) {
    ui.showError(t('err.engineUrl'));
    return;
  }
  app.spare = Trainer.spawn(app.engine);
  const query = url.readQuery();
  setLang(query.lang);
  $('lang').value = lang();
  applyI18n();
  updateSpeedText();
  // Without settings in the address, the default experiment is built at once, in the Worker,
  // while this page's copy of the engine loads (the Worker fills in the defaults itself).
  const early = !location.hash && !query.backend ? build({}).catch(() => null) : null;

  try {
    app.wasm = await wasmReady();
    performance.mark('nnplay:engine');
  } catch (e) {
    ui.showError(t('err.wasm', { error: ui.message(e) }));
    return;
  }
  const w = app.wasm;
  app.schema = ui.plain(w.schema());
  ({ grid_panels: GRID_PANELS, grid_every: GRID_EVERY } = app.schema.figures);
  buildGrid();
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
  // The exports beyond the record and the config, the import, and "copy embed code".
  app.share = installShare(document.querySelector('.share .toolbar'), {
    wasm: w,
    getConfig: () => app.config,
    getRecord: () => app.trainer.record(),
    importConfig: async (config, steps) => {
      const applied = await edit((c) => Object.assign(c, config));
      if (applied && steps) await queueAdvance(steps);
      return applied;
    },
    lang,
    status: (text, isError) => (isError ? ui.showError(text) : ui.status(text)),
  });

  // The link's experiment if it can be read and built; else the default one, with a message,
  // and the link's hash is dropped so that the address holds what the page shows.
  const linked = configFromUrl();
  let config = linked.config ?? withQueryBackend(app.defaults);
  let problem = linked.problem;
  let trainer = early ? await early : null;
  if (trainer && (problem || !same(trainer.config, config))) {
    trainer.dispose();
    trainer = null;
  }
  try {
    trainer ??= await build(config);
  } catch (e) {
    if (config === app.defaults || !linked.config) throw e;
    problem = ui.message(e);
    config = withQueryBackend(app.defaults);
    trainer = await build(config);
  }
  performance.mark('nnplay:built');
  if (problem) ui.showError(t('err.url', { error: problem }));
  app.config = config;
  url.writeConfig(config, app.defaults);
  controls.render(config);
  await install(trainer);
  addEventListener('popstate', () => change(followUrl));
  addEventListener('hashchange', () => change(followUrl));
  performance.mark('nnplay:ready');
  app.ready = true;
  spareLater();
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

/** The model's summary (from the Worker, which holds the model) and the config's Keras code. */
function renderText() {
  const json = JSON.stringify(app.config);
  try {
    if (app.trainer) $('summary').textContent = app.trainer.summary;
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
 * the hyper-parameters of the same optimizer (the engine recompiles, as Keras' `model.compile`
 * would: the weights stay, the optimizer starts afresh, and the run record starts at that step,
 * so that it still replays) and the training schedule (`steps`, `log_every`).
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
      const tr = app.trainer;
      try {
        if (optimizerChanged) await tr.setOptimizer(normal.optimizer);
        if (trainingChanged) await tr.setTraining(normal.training.steps, normal.training.log_every);
        if (tr !== app.trainer) throw new Error(t('err.stale'));
      } catch (e) {
        refuse(t('err.config', { error: ui.message(e) }));
        return false;
      }
    }
    commit(normal, false);
    return true;
  }
  let trainer;
  try {
    trainer = await build(normal);
  } catch (e) {
    refuse(t('err.config', { error: ui.message(e) }));
    return false;
  }
  commit(normal, push);
  await install(trainer);
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
 * A new Trainer (its own Worker) for `config` on its backend. When WebGPU was asked for and
 * cannot start, it says so and builds on the CPU. Throws the engine's message when the config
 * cannot be built.
 */
async function build(config) {
  const make = async (backend) => {
    // The spare Worker, started ahead with the engine loaded, takes this experiment; a new
    // spare starts loading for the next one once the page is idle.
    const trainer = app.spare ?? Trainer.spawn(app.engine);
    app.spare = null;
    spareLater();
    trainer.onCrash = (message) => crashed(trainer, message);
    return trainer.build(config, backend);
  };
  try {
    return await make(config.backend);
  } catch (e) {
    if (config.backend !== 'webgpu') throw e;
    ui.showError(t('backend.fallback', { error: ui.message(e) }));
    return make('cpu');
  }
}

/**
 * Starts the spare Worker for the next experiment when the page is idle, and never while it
 * starts (the first experiment's Worker then has the second core to itself).
 */
function spareLater() {
  if (!app.ready || app.spare || app.spareQueued) return;
  app.spareQueued = true;
  const idle = window.requestIdleCallback ?? ((f) => setTimeout(f, 200));
  idle(() => {
    app.spareQueued = false;
    app.spare ??= Trainer.spawn(app.engine);
  }, { timeout: 2000 });
}

/** The Worker of `trainer` died: if it is the one on show, say so and stop. */
function crashed(trainer, message) {
  if (!trainer || trainer !== app.trainer) return;
  app.playing = false;
  app.inFlight = 0;
  setPlayButtons();
  ui.showError(t('err.worker', { error: message }));
}

/**
 * Reset: the same config, trained from its initial weights again. The running experiment is
 * ended at once (with any long computation of its Worker) and the page shows step 0 within
 * the frame; the new experiment takes its place when built.
 */
function reset() {
  pause(false);
  const old = app.trainer;
  if (old && app.run) {
    app.trainer = null;
    app.generation++;
    old.dispose();
    clearRun();
  }
  return change(async () => {
    const trainer = await build(app.config);
    await install(trainer);
  });
}

/** Step 0 of the points on show: no losses, no curve, empty panels. */
function clearRun() {
  const { data, bounds } = app.run;
  app.run.history.free();
  app.run = freshRun(data, bounds);
  log.clear();
  $('diverge').hidden = true;
  showStats();
  redrawAll();
}

/** Puts `trainer` in place of the running one (whose Worker is ended) and starts a fresh run. */
async function install(trainer) {
  pause(false);
  app.generation++;
  app.playing = false;
  app.inFlight = 0;
  const old = app.trainer;
  app.trainer = trainer;
  if (old !== trainer) old?.dispose();
  setPlayButtons();
  renderText();
  $('backend').value = app.config.backend;
  showBackend();
  const d = trainer.dataset;
  const data = { train: { x: d.xTrain, y: d.yTrain }, test: { x: d.xTest, y: d.yTest } };
  const bounds = app.wasm.dataBounds(data.train.x, data.train.y, data.test.x, data.test.y);
  app.run?.history.free();
  app.run = freshRun(data, bounds);
  const run = app.run;
  run.fitXs = fitXs();
  $('diverge').hidden = true;
  log.clear();
  log.add(t('log.header'));
  const snapshots = Array.from({ length: GRID_PANELS }, (_, k) => k * GRID_EVERY);
  const { fit } = await trainer.watch({ fit: run.fitXs, snapshots });
  if (trainer !== app.trainer) return;
  run.fit = { xs: run.fitXs, ys: fit };
  figuresStart(trainer.config);
  showStats();
  redrawAll();
  // Which experiment is on show (the e2e suite waits on it).
  document.body.dataset.experiment = String(app.generation);
}

/** The backend line: the engine's words for the backend that runs (it changes after a fallback). */
function showBackend() {
  const tr = app.trainer;
  if (!tr) return;
  const line = tr.backendLine;
  if ($('backend-line').textContent !== line) $('backend-line').textContent = line;
  $('backend-line').dataset.backend = tr.backend;
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
  return app.wasm.fitXs(xMin, xMax);
}

/** Predicts the fitted curve (and the hovered x) with the current weights. */
async function refreshFit() {
  const run = app.run;
  const tr = app.trainer;
  if (!tr) return;
  const xs = run.fitXs;
  const hx = app.hoverX;
  const ask = hx === null ? xs : Float32Array.from([...xs, hx]);
  const ys = await tr.predict(ask);
  if (tr !== app.trainer || run !== app.run) return;
  run.fit = { xs, ys: ys.subarray(0, xs.length) };
  run.hover = hx === null ? null : { x: hx, y: ys[xs.length] };
  showPrediction();
}

function showPrediction() {
  const h = app.run?.hover;
  $('predict-out').textContent = h ? t('plot.predict', { x: ui.short(h.x), y: ui.f32(h.y) }) : '';
}

// ---------- training (in the Worker; the page takes in what comes back) ----------

function stepsDone() {
  return app.run ? app.run.steps : 0;
}

/**
 * Takes in one chunk of training: its losses (one Float32Array) into the loss history, the log
 * lines of the steps it passed, its test costs and grid snapshots, the curve now, and the
 * evaluation at the end of the configured run. Draws on the next frame, or now when `now`.
 */
function receive(chunk, { now = false } = {}) {
  const run = app.run;
  const { losses, from } = chunk;
  const to = from + losses.length;
  run.history.extend(losses);
  if (losses.length) {
    if (from === 0) run.first = losses[0];
    run.last = losses[losses.length - 1];
  }
  run.steps = to;
  const logEvery = app.config.training.log_every;
  const logFrom = (upTo) => {
    for (let i = Math.ceil(Math.max(from, run.logged ?? 0) / logEvery) * logEvery; i < upTo; i += logEvery) {
      log.add(t('log.trainCost', { v: app.wasm.trainCostText(losses[i - from]) }));
      run.logged = i + 1;
    }
  };
  for (const { step, cost } of chunk.tests) {
    run.testSteps.push(step);
    run.testCosts.push(cost);
    // Shown by the next frame.
    run.testCost = cost;
  }
  if (run.testSteps.length > TEST_POINTS_MAX) {
    run.testSteps = run.testSteps.filter((_, i) => i % 2 === 0);
    run.testCosts = run.testCosts.filter((_, i) => i % 2 === 0);
  }
  for (const { step, ys, cost } of chunk.snapshots) {
    const k = step / GRID_EVERY;
    run.panels[k] = { fit: { xs: run.fitXs, ys }, cost };
    labelGridPanel(k);
    run.dirtyPanels.add(k);
  }
  if (chunk.fit) run.fit = { xs: run.fitXs, ys: chunk.fit };
  if (chunk.end) {
    const at = app.config.training.steps;
    logFrom(at);
    log.add(t('log.testHeader'));
    logEvaluation(chunk.end.testCost, chunk.end.weights);
    run.trainedMark = at;
  }
  logFrom(to);
  if (chunk.diverged) diverged(chunk.diverged);
  run.rate.push([performance.now(), to]);
  if (now) frame();
  else requestDraw();
}

/** Trains `n` steps in the Worker, then draws the result at once. */
async function advance(n) {
  const tr = app.trainer;
  if (!tr || !app.run || app.run.diverged) return;
  const chunk = await tr.train(n);
  if (tr !== app.trainer) return;
  receive(chunk, { now: true });
  if (!app.run.diverged) await sampleTestAt();
}

/** Step presses queue up: each one starts when the previous is done, so chunks never overlap. */
let advancing = Promise.resolve();
function queueAdvance(n) {
  const next = advancing.then(() => advance(n));
  advancing = next.catch(() => {});
  return next;
}

function stepLimit() {
  return SPEEDS[Number($('speed').value)];
}

/**
 * Play's feed: at full speed it keeps CHUNKS_AHEAD chunks of about CHUNK_MS in the Worker, so
 * that the engine never waits on the page; at a set speed, one chunk of that many steps per
 * frame (sent from `frame`).
 */
function pump() {
  const tr = app.trainer;
  const limit = stepLimit();
  const ahead = limit === Infinity ? CHUNKS_AHEAD : 1;
  while (app.playing && tr && app.inFlight < ahead) {
    app.inFlight++;
    const steps = limit === Infinity ? app.schema.limits.MAX_STEPS : limit;
    const budgetMs = limit === Infinity ? CHUNK_MS : undefined;
    tr.train(steps, { budgetMs }).then((chunk) => {
      if (tr !== app.trainer) return;
      app.inFlight--;
      receive(chunk);
      if (stepLimit() === Infinity) pump();
    }, (e) => {
      if (tr !== app.trainer) return;
      app.inFlight--;
      app.playing = false;
      setPlayButtons();
      report(e);
    });
    if (limit !== Infinity) break;
  }
}

function requestDraw() {
  if (app.drawQueued) return;
  app.drawQueued = true;
  requestAnimationFrame(frame);
}

/**
 * One frame: the main plot, the loss plot, the numbers, at most PANELS_PER_FRAME grid panels
 * and the figures that follow the weights. While playing at a set speed it also sends the
 * frame's chunk.
 */
function frame() {
  app.drawQueued = false;
  const run = app.run;
  if (!run) return;
  const now = performance.now();
  // Reads of the layout (the figures measure their canvases) first, then the writes, then one
  // layout for the log's scroll.
  const draw = !reducedMotion.matches || !app.playing || now - app.lastDraw > 500;
  if (draw) {
    app.lastDraw = now;
    drawMain();
    drawLossPlot();
  } else {
    requestDraw();
  }
  let panels = 0;
  for (const k of run.dirtyPanels) {
    if (panels++ === PANELS_PER_FRAME) {
      requestDraw();
      break;
    }
    run.dirtyPanels.delete(k);
    drawGridPanel(k);
  }
  if (draw) showPrediction();
  if (run.testCost !== undefined) {
    $('test-cost').textContent = ui.f32(run.testCost);
    run.testCost = undefined;
  }
  showStats();
  log.flush();
  if (run.steps !== run.figuresAt) {
    run.figuresAt = run.steps;
    figuresMoved();
  }
  if (run.steps > 0 && performance.getEntriesByName('nnplay:first-line').length === 0) {
    performance.mark('nnplay:first-line');
  }
  if (run.trainedMark !== null) {
    performance.mark(`nnplay:trained-${run.trainedMark}`);
    run.trainedMark = null;
  }
  if (app.playing && stepLimit() !== Infinity) {
    pump();
    requestDraw();
  }
}

function play() {
  if (app.playing || !app.run || app.run.diverged || !app.trainer) return;
  app.playing = true;
  app.run.rate = [[performance.now(), stepsDone()]];
  setPlayButtons();
  pump();
  requestDraw();
}

/**
 * Stops Play at once (chunks already in the Worker still arrive and are shown); `report` then
 * logs the test cost and weights, as the tutorial prints them.
 */
function pause(withReport = true) {
  const was = app.playing;
  app.playing = false;
  setPlayButtons();
  if (was && withReport && app.run && !app.run.diverged) {
    const tr = app.trainer;
    // Asked after the chunks in flight: when it answers, they have all been taken in.
    Promise.all([tr.testCost(), tr.weights()]).then(([cost, weights]) => {
      if (tr !== app.trainer) return;
      log.add(t('log.paused', { n: stepsDone() }));
      $('test-cost').textContent = ui.f32(cost);
      logEvaluation(cost, weights);
      return refreshFit().then(() => {
        showStats();
        redrawAll();
      });
    }).catch(report);
  }
}

function setPlayButtons() {
  $('play').disabled = app.playing;
  $('pause').disabled = !app.playing;
  if (app.playing) $('pause').focus({ preventScroll: true });
}

/** Logs `test cost`, `weights` and `biases` like the tutorial's evaluate/get_weights. */
async function evaluate() {
  const tr = app.trainer;
  if (!tr) return;
  const [cost, weights] = await Promise.all([tr.testCost(), tr.weights()]);
  if (tr !== app.trainer) return;
  $('test-cost').textContent = ui.f32(cost);
  logEvaluation(cost, weights);
}

/**
 * The log lines of an evaluation: the test cost, then each layer's weights and biases, in the
 * engine's text (the CLI prints the same).
 */
function logEvaluation(cost, weightList) {
  const w = app.wasm;
  const weights = ui.plain(weightList);
  const kernelText = ({ shape, values }) => w.weightsText(shape[0], shape[1], Float32Array.from(values));
  const biasText = ({ values }) => w.biasesText(Float32Array.from(values));
  log.add(t('log.testCost', { v: w.testCostText(cost) }));
  const layers = app.config.model.layers;
  let j = 0;
  layers.forEach((layer, i) => {
    const kernel = weights[j++];
    const bias = layer.use_bias ? weights[j++] : null;
    const one = layers.length === 1;
    log.add(one ? t('log.weights', { v: kernelText(kernel) }) : t('log.layerWeights', { i: i + 1, v: kernelText(kernel) }));
    if (bias) log.add(one ? t('log.biases', { v: biasText(bias) }) : t('log.layerBiases', { i: i + 1, v: biasText(bias) }));
  });
}

async function sampleTestAt() {
  const tr = app.trainer;
  if (!tr) return undefined;
  const cost = await tr.testCost();
  if (tr !== app.trainer) return undefined;
  $('test-cost').textContent = ui.f32(cost);
  return cost;
}

function diverged({ step: index, value, stableLearningRate }) {
  const run = app.run;
  run.diverged = true;
  app.playing = false;
  setPlayButtons();
  // The core's offer: positive, two significant digits, on the stable side.
  const stable = stableLearningRate;
  const what = Number.isFinite(value) ? 'diverge.explode' : 'diverge.nan';
  $('diverge-text').textContent = `${t(what, { step: index, value: ui.short(value) })} ${t('diverge.advice', {
    lr: app.config.optimizer.learning_rate, stable,
  })}`;
  const apply = $('diverge-apply');
  apply.textContent = t('diverge.apply', { stable });
  apply.onclick = () => edit((c) => { c.optimizer.learning_rate = stable; });
  $('diverge').hidden = false;
}

// ---------- figures that follow training ----------

/**
 * Figures of the page that follow the weights as training goes (the story's). Each is an
 * object with `start(config)`, called when an experiment is put on show (the config in force,
 * every default filled in), and `moved(read)`, called on each drawn frame after training moved:
 * `read()` is a promise of the weights (`getWeights()`' `[{shape, values}]`), which the figure
 * asks for only when it shows them, so training sends no weights otherwise.
 */
const figures = [{ start: (config) => story.onModel(config), moved: (read) => story.onWeights(read) }];

function figuresStart(config) {
  for (const f of figures) f.start(config);
}

function figuresMoved() {
  const tr = app.trainer;
  const read = () => (tr && tr === app.trainer ? tr.weights() : Promise.resolve(null));
  for (const f of figures) f.moved(read);
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
  const { train, test } = run.drawn;
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

/** A grid panel's caption and label, at once (its canvas may be drawn a few frames later). */
function labelGridPanel(k) {
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
  return li;
}

function drawGridPanel(k) {
  const li = labelGridPanel(k);
  const panel = app.run?.panels[k];
  const run = app.run;
  if (!run || !app.wasm) return;
  const { train, test } = run.drawn;
  plotter().drawPanel(
    li.querySelector('canvas'), train.x, train.y, test.x, test.y,
    panel?.fit.xs ?? EMPTY, panel?.fit.ys ?? EMPTY, '', run.bounds,
  ).free();
}

/** Draws the main and loss plots now, and the grid panels over the next frames. */
function redrawAll() {
  drawMain();
  drawLossPlot();
  for (let k = 0; k < GRID_PANELS; k++) labelGridPanel(k);
  if (!app.run) return;
  for (let k = 0; k < GRID_PANELS; k++) app.run.dirtyPanels.add(k);
  requestDraw();
}

function updateSpeedText() {
  const v = SPEEDS[Number($('speed').value)];
  $('speed-value').textContent = v === Infinity ? t('train.speedMax') : t('train.speedValue', { n: v });
}

// ---------- events ----------

function guarded(fn) {
  return (...args) => Promise.resolve(fn(...args)).catch(report);
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
    app.share?.relabel();
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
    const tr = app.trainer;
    if (!tr) return;
    const text = await tr.record();
    if (tr !== app.trainer) return;
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
  if (hoverBusy) return;
  hoverBusy = true;
  refreshFit().then(drawMain).catch(report).finally(() => {
    hoverBusy = false;
    if (app.hoverX !== null && app.run?.hover?.x !== app.hoverX) hoverAt(app.hoverX);
  });
}

start().catch((e) => ui.showError(t('err.generic', { error: ui.message(e) })));
