// The story beside the playground: wiring, DOM and words only. The engine computes every
// number (the neuron's curve, the learner's steps, the landscape, a hidden neuron's output)
// and draws every figure. The page hands over its model with two calls: `onModel(config)`
// when an experiment is installed and `onWeights(read)` after it has trained (`read()`
// resolves to `getWeights()`' array; it is called only when the diagram is on screen).

import { t, lang } from './i18n.js';
import { plain, short } from './ui.js';
import { engine } from './engine.js';

const $ = (id) => document.getElementById(id);
const EMPTY = new Float32Array(0);
const STACK_STEPS = 1500;
const STACK_PER_FRAME = 5;
const WEIGHTS_EVERY_MS = 150;
const dark = matchMedia('(prefers-color-scheme: dark)');

const S = {
  wasm: null,
  schema: null,
  plotter: null,
  data: null, // the playground's training points {x, y}
  bounds: null,
  curveXs: null,
  config: null,
  network: null,
  nodes: [],
  unit: null, // [layer, unit] of the picked hidden neuron (layer 1 = first Dense)
  weightsAt: 0,
  weightsPending: false,
  pageWeights: null,
  learner: null,
  last: null, // the last step's numbers
  firstLoss: undefined,
  playing: false,
  stacks: null,
  stackSteps: 0,
  stackLoss: [NaN, NaN],
  visible: new Set(),
  frameQueued: false,
  exact: null, // [w, b] dropped from the playground, until a slider moves
  turn: false,
  later: false, // the figures after the playground have been drawn once
  read: null, // the page's weights reader from its last onWeights call
  trailing: null,
};

/** A live value's text: five significant digits (`2.0001`, `-0.0312`, `1.5e-7`). */
const num = (v) => short(v, 5);

function plotter() {
  if (!S.plotter) {
    const p = new S.wasm.Plotter(dark.matches);
    const style = getComputedStyle(document.documentElement);
    for (const name of S.wasm.plotCssProperties()) {
      const v = style.getPropertyValue(name).trim();
      if (v) p.setColour(name, v);
    }
    S.plotter = p;
  }
  return S.plotter;
}

function showError(e) {
  const box = $('alerts');
  const p = document.createElement('p');
  p.className = 'alert';
  p.textContent = String(e?.message ?? e);
  box.append(p);
}

/** Runs `fn`, showing a failure instead of throwing (nothing here may stop the page). */
function safely(fn) {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      showError(e);
      return undefined;
    }
  };
}

// ---------- the hooks the page calls ----------

/** The playground installed an experiment built from `config` (the config object). */
export const onModel = safely((config) => {
  S.config = config;
  if (!S.wasm) return;
  const json = JSON.stringify(config);
  const d = plain(S.wasm.storyData(json));
  const x = Float32Array.from(d.x);
  const y = Float32Array.from(d.y);
  const same = S.data && S.data.x.length === x.length && S.data.x.every((v, i) => v === x[i] && S.data.y[i] === y[i]);
  if (!same) setData({ x, y });
  S.network?.free();
  S.network = new S.wasm.StoryNetwork(json);
  S.pageWeights = null;
  S.unit = null;
  fillUnits();
  drawDiagram();
  drawUnit();
});

/** The playground trained: `read()` resolves to its weights (asked only when the diagram shows). */
export function onWeights(read) {
  S.read = read;
  if (!S.network || S.weightsPending) return;
  if (!S.visible.has('story-diagram') && !S.visible.has('story-use-trained')) return;
  const now = performance.now();
  if (now - S.weightsAt < WEIGHTS_EVERY_MS) {
    // The last weights of a burst of steps still arrive, a moment later.
    S.trailing ??= setTimeout(() => { S.trailing = null; onWeights(S.read); }, WEIGHTS_EVERY_MS);
    return;
  }
  S.weightsAt = now;
  fetchWeights();
}

/** Reads the playground's weights through the last `read` it handed over; resolves when drawn. */
function fetchWeights() {
  const network = S.network;
  if (!S.read || !network) return Promise.resolve();
  S.weightsPending = true;
  return Promise.resolve(S.read()).then((weights) => {
    if (!Array.isArray(weights) || network !== S.network) return;
    const w = plain(weights);
    network.setWeights(Float32Array.from(w.flatMap((a) => Array.from(a.values))));
    S.pageWeights = w;
    drawDiagram();
    drawUnit();
  }).catch(showError).finally(() => { S.weightsPending = false; });
}

// ---------- data, neuron ----------

function setData(d) {
  S.data = d;
  S.bounds = S.wasm.dataBounds(d.x, d.y, EMPTY, EMPTY);
  const [x0, x1] = S.bounds;
  S.curveXs = S.wasm.fitXs(x0, x1);
  drawNeuron();
  resetLearner();
}

function drawNeuron() {
  if (!S.data) return;
  // The playground's exact numbers until a slider moves (the sliders keep two decimals).
  const [w, b] = S.exact ?? [Number($('story-w').value), Number($('story-b').value)];
  const act = $('story-neuron-act').value;
  $('story-w-value').textContent = num(w);
  $('story-b-value').textContent = num(b);
  const ys = S.wasm.neuronCurve(w, b, act, S.curveXs);
  const canvas = $('story-neuron');
  // The points and the whole curve stay in view, wherever the sliders put it.
  const bounds = S.wasm.dataBounds(S.data.x, S.data.y, S.curveXs, ys);
  plotter().drawCurve(canvas, S.data.x, S.data.y, S.curveXs, ys, t('plot.train'), t('story.neuron.fit'), bounds).free();
  canvas.setAttribute('aria-label', t('story.neuron.label', { act, w: num(w), b: num(b) }));
  canvas.dataset.curve = `${num(ys[0])} ${num(ys[ys.length - 1])}`;
}

async function useTrained() {
  await fetchWeights();
  const w = S.pageWeights;
  const steps = document.getElementById('step-count')?.dataset.value ?? '?';
  const out = $('story-used');
  if (!w) {
    out.textContent = t('story.neuron.notYet');
    return;
  }
  const n = w.reduce((a, x) => a + x.values.length, 0);
  if (n !== 2) {
    out.textContent = t('story.neuron.notDense', { n });
    return;
  }
  const [kw, kb] = [w[0].values[0], w[1].values[0]];
  $('story-w').value = String(kw);
  $('story-b').value = String(kb);
  S.exact = [kw, kb];
  $('story-neuron-act').value = S.config?.model?.layers?.[0]?.activation ?? 'linear';
  drawNeuron();
  out.textContent = t('story.neuron.used', { steps, w: num(kw), b: num(kb) });
}

// ---------- the network diagram ----------

function fillUnits() {
  const sel = $('story-unit');
  const sizes = S.network ? Array.from(S.network.sizes) : [];
  const options = [new Option(t('story.diagram.none'), '')];
  const shown = S.schema.drawnUnits;
  for (let l = 1; l < sizes.length - 1; l++) {
    for (let u = 0; u < Math.min(sizes[l], shown); u++) {
      options.push(new Option(t('story.diagram.unit', { layer: l, unit: u + 1 }), `${l},${u}`));
    }
  }
  sel.replaceChildren(...options);
  sel.value = S.unit ? S.unit.join(',') : '';
  $('story-no-hidden').hidden = sizes.length > 2;
}

function drawDiagram() {
  if (!S.network) return;
  const canvas = $('story-diagram');
  const names = [t('story.diagram.input'), t('story.diagram.hidden'), t('story.diagram.output')];
  const flat = plotter().drawNetwork(canvas, S.network, names, S.unit ? Uint32Array.from(S.unit) : undefined);
  S.nodes = [];
  for (let i = 0; i < flat.length; i += 5) S.nodes.push({ layer: flat[i], unit: flat[i + 1], x: flat[i + 2], y: flat[i + 3], r: flat[i + 4] });
  const sizes = Array.from(S.network.sizes);
  canvas.setAttribute('aria-label', t('story.diagram.label', { sizes: sizes.join(' – ') }));
  // A fingerprint of what was drawn, for whoever reads the page (tests, embeds).
  canvas.dataset.nodes = JSON.stringify(S.nodes.filter((n) => n.layer > 0 && n.layer < sizes.length - 1).map((n) => [n.layer, n.unit, Math.round(n.x), Math.round(n.y)]));
  canvas.dataset.weights = S.pageWeights ? S.pageWeights.map((a) => Array.from(a.values).slice(0, 4).map(num).join(',')).join(';') : '';
}

function pickUnit(value) {
  S.unit = value ? value.split(',').map(Number) : null;
  if ($('story-unit').value !== (value ?? '')) $('story-unit').value = value ?? '';
  drawDiagram();
  drawUnit();
}

function hoverDiagram(e) {
  if (!S.network) return;
  const rect = e.currentTarget.getBoundingClientRect();
  const px = e.clientX - rect.left;
  const py = e.clientY - rect.top;
  const last = S.network.sizes.length - 1;
  const hit = S.nodes.find((n) => n.layer > 0 && n.layer < last && Math.hypot(n.x - px, n.y - py) <= n.r + 4);
  const value = hit ? `${hit.layer},${hit.unit}` : '';
  if (value && value !== (S.unit ? S.unit.join(',') : '')) pickUnit(value);
}

function drawUnit() {
  const canvas = $('story-unit-plot');
  const note = $('story-unit-weight');
  if (!S.network || !S.unit || !S.pageWeights || !S.curveXs) {
    canvas.hidden = true;
    note.textContent = S.unit && !S.pageWeights ? t('story.neuron.notYet') : '';
    return;
  }
  canvas.hidden = false;
  const [layer, unit] = S.unit;
  const ys = S.network.unitOutput(layer - 1, unit, S.curveXs);
  const b = S.wasm.dataBounds(S.curveXs, ys, EMPTY, EMPTY);
  plotter().drawCurve(canvas, EMPTY, EMPTY, S.curveXs, ys, '', t('story.unit.out'), b).free();
  canvas.setAttribute('aria-label', t('story.unit.label', { layer, unit: unit + 1 }));
  const w = S.network.outgoingWeight(layer - 1, unit);
  note.textContent = w === undefined ? '' : t('story.unit.weight', { w: num(w) });
}

// ---------- learning with live numbers, the landscape ----------

function learningRate() {
  return S.schema.learningRates[Number($('story-lr').value)];
}

function resetLearner() {
  if (!S.data) return;
  S.learner?.free();
  S.learner = null;
  S.last = null;
  S.firstLoss = undefined;
  $('story-diverged').hidden = true;
  const opt = JSON.stringify({ name: $('story-opt').value, learning_rate: learningRate() });
  const seed = S.config?.seed ?? 42;
  S.learner = new S.wasm.StoryLearner(S.data.x, S.data.y, opt, seed);
  $('story-lr-value').textContent = String(learningRate());
  showNumbers();
  drawLandscape();
}

function step() {
  if (!S.learner || !$('story-diverged').hidden) return false;
  const n = plain(S.learner.step());
  S.last = n;
  if (S.firstLoss === undefined) S.firstLoss = n.loss;
  // The core's divergence rule, and a weight that overflowed.
  if (S.wasm.divergedAt(Float32Array.of(n.loss), S.firstLoss) !== undefined || !Number.isFinite(n.wAfter)) {
    $('story-diverged').hidden = false;
    setPlaying(false);
  }
  showNumbers();
  drawLandscape();
  return true;
}

function row(label, formula) {
  const tr = document.createElement('tr');
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = label;
  const td = document.createElement('td');
  td.textContent = formula;
  tr.append(th, td);
  return tr;
}

function showNumbers() {
  const n = S.last;
  const body = $('story-numbers').tBodies[0];
  $('story-numbers-caption').textContent = n ? t('story.learn.numbers', { step: n.step }) : t('story.learn.none');
  const name = $('story-opt').value;
  $('story-adam').hidden = name !== 'adam';
  if (!n) {
    body.replaceChildren();
    return;
  }
  const rows = [
    row(t('story.learn.predict'), `ŷ₁ = w·x₁ + b = ${num(n.w)}·${num(n.x)} + ${num(n.b)} = ${num(n.yHat)}   (y₁ = ${num(n.y)})`),
    row(t('story.learn.loss'), `L = mean((ŷ − y)²) = ${num(n.loss)}`),
    row(t('story.learn.gradW'), `∂L/∂w = mean(2(ŷ − y)·x) = ${num(n.dw)}`),
    row(t('story.learn.gradB'), `∂L/∂b = mean(2(ŷ − y)) = ${num(n.db)}`),
  ];
  for (const s of n.slots) rows.push(row(t('story.learn.slot', { name: s.name }), `${s.name}(w) = ${num(s.w)}, ${s.name}(b) = ${num(s.b)}`));
  if (n.slots.length === 0) {
    rows.push(row(t('story.learn.update'), `w ← w − lr·∂L/∂w = ${num(n.w)} − ${num(n.learningRate)}·${num(n.dw)} = ${num(n.wAfter)}`));
    rows.push(row(t('story.learn.update'), `b ← b − lr·∂L/∂b = ${num(n.b)} − ${num(n.learningRate)}·${num(n.db)} = ${num(n.bAfter)}`));
  } else {
    rows.push(row(t('story.learn.update'), `w ← ${num(n.wAfter)}, b ← ${num(n.bAfter)}   (lr = ${num(n.learningRate)})`));
  }
  body.replaceChildren(...rows);
  const table = $('story-numbers');
  table.dataset.step = String(n.step);
  table.dataset.values = JSON.stringify({ w: n.w, b: n.b, dw: n.dw, db: n.db, loss: n.loss, wAfter: n.wAfter, bAfter: n.bAfter });
}

function drawLandscape() {
  if (!S.learner || !S.later) return;
  const canvas = $('story-landscape');
  plotter().drawLandscape(canvas, S.learner).free();
  const [w, b] = S.learner.weights;
  const [ow, ob] = S.learner.optimum ?? [NaN, NaN];
  canvas.setAttribute('aria-label', t('story.land.label', { n: S.learner.pathLength, w: num(w), b: num(b), ow: num(ow), ob: num(ob) }));
  canvas.dataset.path = String(S.learner.pathLength);
}

function setPlaying(on) {
  S.playing = on;
  $('story-play').textContent = t(on ? 'story.learn.pause' : 'story.learn.play');
  $('story-play').setAttribute('aria-pressed', String(on));
  if (on) queueFrame();
}

// ---------- activations and the stacks ----------

function buildActivations() {
  const items = S.wasm.activationNames().map((name) => {
    const li = document.createElement('li');
    const canvas = document.createElement('canvas');
    canvas.className = 'story-canvas small';
    canvas.setAttribute('role', 'img');
    canvas.dataset.activation = name;
    const cap = document.createElement('p');
    cap.className = 'story-caption';
    const code = document.createElement('code');
    code.textContent = name;
    cap.append(code);
    li.append(canvas, cap);
    return li;
  });
  $('story-acts').replaceChildren(...items);
}

function drawActivations() {
  if (!S.later) return;
  for (const canvas of $('story-acts').querySelectorAll('canvas')) {
    const name = canvas.dataset.activation;
    plotter().drawActivation(canvas, name, -4, 4).free();
    canvas.setAttribute('aria-label', t('story.act.figLabel', { name }));
  }
}

function restartStacks() {
  for (const s of S.stacks?.nets ?? []) s.free();
  const pts = plain(S.wasm.StoryStack.points());
  const act = $('story-stack-act').value;
  S.stacks = {
    points: { x: Float32Array.from(pts.x), y: Float32Array.from(pts.y) },
    nets: [new S.wasm.StoryStack('linear', 3), new S.wasm.StoryStack(act, 3)],
    act,
  };
  const b = S.wasm.dataBounds(S.stacks.points.x, S.stacks.points.y, EMPTY, EMPTY);
  S.stacks.bounds = b;
  S.stacks.xs = S.wasm.fitXs(b[0], b[1]);
  S.stackSteps = 0;
  S.stackLoss = [NaN, NaN];
  drawStacks();
  queueFrame();
}

function drawStacks() {
  const st = S.stacks;
  if (!st) return;
  const ids = ['story-stack-linear', 'story-stack-bent'];
  const what = [t('story.stack.linear'), t('story.stack.bent', { act: st.act })];
  st.nets.forEach((net, i) => {
    const ys = net.predict(st.xs);
    const canvas = $(ids[i]);
    plotter().drawCurve(canvas, st.points.x, st.points.y, st.xs, ys, t('plot.train'), what[i], st.bounds).free();
    canvas.setAttribute('aria-label', t('story.stack.label', { what: what[i], steps: S.stackSteps }));
    const status = S.stackSteps ? `: ${t('story.stack.status', { steps: S.stackSteps, loss: num(S.stackLoss[i]) })}` : '';
    $(`${ids[i]}-cap`).textContent = `${what[i]}${status}`;
    canvas.dataset.loss = String(S.stackLoss[i]);
    canvas.dataset.steps = String(S.stackSteps);
  });
}

// ---------- one animation loop for every moving figure ----------

function queueFrame() {
  if (S.frameQueued) return;
  S.frameQueued = true;
  requestAnimationFrame(frame);
}

// Each frame does one piece of work (a learner step, or a few steps of the stacks), taking
// turns when both move, so that the story's part of a frame stays small.
function frame() {
  S.frameQueued = false;
  try {
    const learner = S.playing && S.visible.has('story-landscape');
    const stacks = S.stacks && S.stackSteps < STACK_STEPS && S.visible.has('story-stack-bent');
    S.turn = !S.turn;
    if (learner && (!stacks || S.turn)) {
      step();
    } else if (stacks) {
      S.stackLoss = S.stacks.nets.map((n) => n.train(STACK_PER_FRAME));
      S.stackSteps += STACK_PER_FRAME;
      drawStacks();
    }
    if (S.playing || stacks) queueFrame();
  } catch (e) {
    S.playing = false;
    showError(e);
  }
}

// ---------- words, theme, visibility ----------

function renderWords() {
  for (const el of document.querySelectorAll('[data-story-html]')) el.innerHTML = t(el.dataset.storyHtml);
  const shown = $('story-toggle').getAttribute('aria-expanded') === 'true';
  $('story-toggle').textContent = t(shown ? 'story.hide' : 'story.show');
  $('story-play').textContent = t(S.playing ? 'story.learn.pause' : 'story.learn.play');
  if (!S.wasm) return;
  $('story-stack-help').textContent = t('story.stack.help', { units: S.schema.stackUnits });
  fillUnits();
  redraw();
  showNumbers();
  $('story-used').textContent = '';
}

function redraw() {
  drawNeuron();
  drawDiagram();
  drawUnit();
  drawLandscape();
  drawActivations();
  drawStacks();
}

function toggleStory() {
  const shown = $('story-toggle').getAttribute('aria-expanded') !== 'true';
  $('story-toggle').setAttribute('aria-expanded', String(shown));
  for (const id of $('story-toggle').getAttribute('aria-controls').split(' ')) $(id).hidden = !shown;
  renderWords();
}

function fillSelect(sel, names, value) {
  sel.replaceChildren(...names.map((n) => new Option(n, n)));
  sel.value = value;
}

async function start() {
  renderWords();
  $('story-toggle').addEventListener('click', toggleStory);
  // The page's language switch sets <html lang>: the story follows it.
  new MutationObserver(renderWords).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  S.wasm = await engine();
  const w = S.wasm;
  const story = plain(w.storySchema());
  S.schema = story;
  $('story-stack-help').textContent = t('story.stack.help', { units: story.stackUnits });
  for (const id of ['story-w', 'story-b']) {
    $(id).min = String(-story.neuronRange);
    $(id).max = String(story.neuronRange);
  }
  const acts = w.activationNames();
  fillSelect($('story-neuron-act'), acts, 'linear');
  fillSelect($('story-stack-act'), acts.filter((a) => a !== 'linear'), 'tanh');
  const opts = plain(w.schema()).optimizers.map((o) => o.name);
  fillSelect($('story-opt'), opts, 'sgd');
  $('story-lr').max = String(story.learningRates.length - 1);
  $('story-lr').value = String(story.learningRates.indexOf(0.1));

  const slid = safely(() => { S.exact = null; drawNeuron(); });
  $('story-w').addEventListener('input', slid);
  $('story-b').addEventListener('input', slid);
  $('story-neuron-act').addEventListener('change', safely(drawNeuron));
  $('story-use-trained').addEventListener('click', () => useTrained().catch(showError));
  $('story-unit').addEventListener('change', safely((e) => pickUnit(e.target.value)));
  $('story-diagram').addEventListener('pointermove', safely(hoverDiagram));
  $('story-opt').addEventListener('change', safely(() => { setPlaying(false); resetLearner(); }));
  $('story-lr').addEventListener('input', safely(() => { setPlaying(false); resetLearner(); }));
  $('story-step').addEventListener('click', safely(() => { setPlaying(false); step(); }));
  $('story-play').addEventListener('click', safely(() => setPlaying(!S.playing)));
  $('story-reset').addEventListener('click', safely(() => { setPlaying(false); resetLearner(); }));
  $('story-stack-act').addEventListener('change', safely(restartStacks));
  $('story-stack-restart').addEventListener('click', safely(restartStacks));
  dark.addEventListener('change', safely(() => { S.plotter?.free(); S.plotter = null; redraw(); }));

  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) S.visible.add(e.target.id);
      else S.visible.delete(e.target.id);
    }
    queueFrame();
  });
  for (const id of ['story-diagram', 'story-use-trained', 'story-landscape', 'story-stack-bent']) seen.observe($(id));
  const draws = {
    'story-neuron': drawNeuron,
    'story-diagram': () => { drawDiagram(); drawUnit(); },
    'story-landscape': drawLandscape,
    'story-stack-bent': drawStacks,
    'story-acts': drawActivations,
  };
  const sized = new ResizeObserver(safely((entries) => {
    for (const e of entries) draws[e.target.id]();
  }));
  buildActivations();
  setData(plainData(w.storyData(w.defaultConfig())));
  if (S.config) onModel(S.config);
  document.body.dataset.story = 'ready';
  // The figures after the playground wait for an idle moment: the playground's first line
  // comes first.
  requestIdleCallback(safely(() => {
    S.later = true;
    restartStacks();
    for (const id of Object.keys(draws)) sized.observe($(id));
    document.body.dataset.storyFigures = 'ready';
  }), { timeout: 1500 });
}

function plainData(d) {
  const p = plain(d);
  return { x: Float32Array.from(p.x), y: Float32Array.from(p.y) };
}

/** Test hooks: the story's own learner, for checks against the engine. */
export function learner() {
  return S.learner;
}

start().catch(showError);
