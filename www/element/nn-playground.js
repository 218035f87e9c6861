// <nn-playground>: a live network between a page's own paragraphs. Its attributes are the
// experiment's config (the run record's schema, read by the engine), `lang`, `controls` (which
// parts show) and `autoplay`. Training goes through ./engine.js only; every figure is drawn by
// the engine's Plotter; every option list, default and limit comes from the engine's schema.
// The page's elements train in one Worker: the page's thread only draws what the chunks report.

import { loadEngine, core, Engine } from './engine.js';
import { word } from './words.js';

const PARTS = ['data', 'model', 'toolbar', 'log', 'loss', 'grid', 'code'];
const DEFAULT_PARTS = 'toolbar loss';
const DATA_FIELDS = ['data-kind', 'n', 'noise', 'seed'];
const MODEL_FIELDS = ['layers', 'loss', 'optimizer', 'learning-rate', 'batch-size', 'steps'];
const BOUNDS = { n: 'data.n', noise: 'data.noise', steps: 'training.steps' };
const LABEL_KEY = { loss: 'lossName', steps: 'stepsField' };
// The longest a chunk of training runs in the Worker before the figures show it.
const CHUNK_MS = 16;
const LOG_LINES = 200;
const EMPTY = new Float32Array(0);
const dark = matchMedia('(prefers-color-scheme: dark)');

const CSS = `
:host{display:block;box-sizing:border-box;container-type:inline-size;color:var(--nn-fg,CanvasText);
background:var(--nn-bg,Canvas);border:1px solid var(--nn-border,GrayText);border-radius:var(--nn-radius,8px);
padding:var(--nn-pad,.75rem);font-family:var(--nn-font,inherit);margin:1rem 0;
--a:var(--nn-accent,light-dark(#0b57d0,#a8c7fa));--af:var(--nn-accent-fg,light-dark(#fff,#062e6f));
--m:var(--nn-muted,light-dark(#4a4a4a,#c4c4c4))}
:host([hidden]){display:none}
*{box-sizing:border-box}
[hidden]{display:none!important}
.bar,.form{display:flex;flex-wrap:wrap;gap:.4rem .6rem;align-items:center;margin:.25rem 0}
button,select,input,summary{font:inherit;font-size:.9rem;color:inherit;background:transparent;
border:1px solid var(--m);border-radius:6px;padding:.3rem .6rem;min-height:2rem}
button{cursor:pointer}
button.primary{background:var(--a);color:var(--af);border-color:var(--a)}
button:disabled{opacity:.55;cursor:default}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
input{width:6.5rem}input.wide{width:12rem}
label{display:inline-flex;gap:.3rem;align-items:center;font-size:.9rem}
.stats{color:var(--m);font-size:.85rem;font-variant-numeric:tabular-nums}
.stats span{margin-right:.6rem}
fieldset{border:1px solid var(--m);border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
legend{font-size:.85rem;font-weight:600}
.hint{color:var(--m);font-size:.8rem;margin:0}
.stage{display:grid;gap:.6rem;grid-template-columns:1fr}
@container (min-width:560px){.stage.two{grid-template-columns:3fr 2fr}}
figure{margin:0}
canvas{display:block;width:100%;aspect-ratio:4/3}
.stage:not(.two) canvas{aspect-ratio:16/9}
.grid{list-style:none;margin:.4rem 0;padding:0;display:grid;gap:.3rem;grid-template-columns:repeat(2,1fr)}
@container (min-width:480px){.grid{grid-template-columns:repeat(5,1fr)}}
.grid p{margin:0;font-size:.75rem;color:var(--m);text-align:center}
pre{font-size:.8rem;max-height:12rem;overflow:auto;margin:.4rem 0;padding:.4rem;border:1px solid var(--m);border-radius:6px;white-space:pre-wrap}
details{position:relative}
.menu{display:flex;flex-direction:column;gap:.3rem;padding:.4rem 0}
.msg{margin:.3rem 0;font-size:.9rem}
.msg.err{color:var(--nn-error,light-dark(#a50e0e,#ffb4ab))}
`;
let sheet = null;

/** One element with `props` (text, attributes, or properties when not strings) and children. */
function h(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (typeof v !== 'string' && k in e) e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children);
  return e;
}

function message(e) {
  return e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e);
}

/** Four significant digits, as people read a loss. */
function short(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-4) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function pairs(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** The grid's panels and the steps between them, and the fitted curve's points: the engine's. */
let figs = null;
const fig = () => (figs ??= core().schema().figures);
const GRID = () => fig().grid_panels;
const GRID_EVERY = () => fig().grid_every;

/** The steps after which the fitted curve is kept for the grid (0, 100, …). */
const snapshots = () => Array.from({ length: GRID() }, (_, i) => i * GRID_EVERY());

/** The engine's x values for the fitted curve across `[lo, hi]`. */
const fitXs = ([lo, hi]) => core().fitXs(lo, hi);

/** The data's bounds for the figures. */
function bounds({ train, test }) {
  return core().dataBounds(train.x, train.y, test.x, test.y);
}

// One IntersectionObserver for every element: out of view, an element's Play waits.
const seen = new WeakMap();
let observer = null;
function watch(el, fn) {
  observer ??= new IntersectionObserver((entries) => {
    for (const e of entries) seen.get(e.target)?.(e.isIntersecting);
  });
  seen.set(el, fn);
  observer.observe(el);
}
function unwatch(el) {
  observer?.unobserve(el);
  seen.delete(el);
}

export class NnPlayground extends HTMLElement {
  static get observedAttributes() {
    return [...core().embedAttributeNames(), 'lang', 'controls'];
  }

  #ui = null;
  #config = null;
  #engine = null;
  #gen = 0;
  #run = null;
  #playing = false;
  #target = 0;
  #visible = true;
  #frame = false;
  #work = Promise.resolve();
  #changes = Promise.resolve();
  #writing = false;
  #pending = false;
  #plotter = null;
  #ready;
  #resolveReady;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.#ready = new Promise((r) => { this.#resolveReady = r; });
  }

  // ---------- public API ----------

  /** Resolves once the first experiment is built (or could not be). */
  get ready() {
    return this.#ready;
  }

  /** The config in force (a copy), every default filled in. */
  get config() {
    return this.#config ? structuredClone(this.#config) : null;
  }

  /** Sets the config (an object or JSON text): checked by the engine, or thrown back. */
  set config(value) {
    const json = typeof value === 'string' ? value : JSON.stringify(value);
    const config = JSON.parse(core().normalizeConfig(json));
    this.#setConfig(config);
  }

  /** Whether Play is on (an element out of view waits without turning it off). */
  get playing() {
    return this.#playing;
  }

  /** Steps taken. */
  get steps() {
    return this.#run?.steps ?? 0;
  }

  /** Trains `n` more steps (Play stops first); resolves to `{step, loss}` when they are done. */
  async step(n = 1) {
    const count = Number(n);
    if (!Number.isInteger(count) || count < 0) throw new TypeError(`step(n): n must be a whole number, not ${n}`);
    this.pause();
    await this.#ready;
    await this.#changes;
    return this.#exclusive(async () => {
      let left = count;
      while (left > 0 && this.#run && !this.#run.diverged) {
        const gen = this.#gen;
        const done = await this.#advance(left);
        if (gen !== this.#gen || !done) break;
        left -= done;
        this.#frameDone();
      }
      return this.#state();
    });
  }

  /** Plays until the config's `steps` (or that many more, past them). */
  play() {
    const run = this.#run;
    if (this.#playing || !run || run.diverged) return;
    const steps = this.#config.training.steps;
    this.#target = run.steps < steps ? steps : run.steps + steps;
    this.#playing = true;
    this.#buttons();
    this.#schedule();
  }

  pause() {
    if (!this.#playing) return;
    this.#playing = false;
    this.#buttons();
  }

  /** The same config from its initial weights again. */
  reset() {
    if (!this.#config) return this.#ready;
    // The running chunk's answer is ignored; the new experiment replaces the old one in the
    // same Worker (disposing first could end the Worker, were this its only element).
    this.pause();
    this.#gen++;
    return this.#build(this.#config);
  }

  /** The run record of the steps taken (RUN_RECORD.md), test cost included. */
  async record() {
    await this.#ready;
    await this.#changes;
    return JSON.parse(await this.#exclusive(() => this.#live().record()));
  }

  /**
   * Imports a config, a run record (trained again to its steps) or `x,y` CSV (the points
   * replace the data). A file that is none of them is refused with a message; the experiment
   * stays. Resolves to whether it was imported.
   */
  async importText(text) {
    await this.#ready;
    let got;
    try {
      got = core().importText(String(text), JSON.stringify(this.#config));
    } catch (e) {
      this.#say('importError', { error: message(e) }, true);
      return false;
    }
    if (!(await this.#setConfig(JSON.parse(got.config)))) return false;
    if (got.steps > 0) await this.step(got.steps);
    this.#say('imported', { kind: this.#word(`kind_${got.kind}`) });
    return true;
  }

  // ---------- life ----------

  connectedCallback() {
    if (!this.#ui) this.#render();
    // A config set on the element before it was defined.
    if (Object.hasOwn(this, 'config')) {
      const value = this.config;
      delete this.config;
      this.config = value;
    }
    dark.addEventListener('change', this.#onScheme);
    watch(this, (v) => {
      this.#visible = v;
      this.#schedule();
    });
    loadEngine().then(
      () => {
        if (!this.isConnected) return;
        this.#words();
        return this.#fromAttributes(true);
      },
      (e) => {
        this.#say('error', { error: message(e) }, true);
        this.#resolveReady();
      },
    );
  }

  disconnectedCallback() {
    unwatch(this);
    dark.removeEventListener('change', this.#onScheme);
    this.#playing = false;
    this.#gen++;
    this.#engine?.dispose();
    this.#engine = null;
    this.#run?.history.free();
    this.#run = null;
    this.#plotter?.free();
    this.#plotter = null;
  }

  attributeChangedCallback(name, before, after) {
    if (!this.#ui || before === after) return;
    if (name === 'lang') this.#words();
    else if (name === 'controls') this.#parts();
    else if (!this.#writing) {
      // Several attributes set in a row make one rebuild.
      if (this.#pending) return;
      this.#pending = true;
      queueMicrotask(() => {
        this.#pending = false;
        this.#fromAttributes(false);
      });
    }
  }

  // ---------- the experiment ----------

  #fromAttributes(first) {
    const names = core().embedAttributeNames().filter((n) => this.hasAttribute(n));
    let config;
    try {
      config = JSON.parse(core().configFromAttributes(names, names.map((n) => this.getAttribute(n))));
    } catch (e) {
      this.#say('configError', { error: message(e) }, true);
      if (first) this.#resolveReady();
      return Promise.resolve(false);
    }
    return this.#build(config).then((ok) => {
      if (first) {
        this.#resolveReady();
        if (ok && this.hasAttribute('autoplay')) this.play();
      }
      return ok;
    });
  }

  /** Makes `config` the one in force: the attributes say it, then the experiment is rebuilt. */
  #setConfig(config) {
    if (!this.#engine && !this.#config) {
      this.#writeAttributes([['config', JSON.stringify(config)]]);
      return this.#fromAttributes(false);
    }
    this.#writeAttributes(pairs(core().embedAttributes(JSON.stringify(config))));
    return this.#build(config);
  }

  #writeAttributes(list) {
    this.#writing = true;
    try {
      for (const n of core().embedAttributeNames()) if (!list.some(([k]) => k === n)) this.removeAttribute(n);
      for (const [n, v] of list) this.setAttribute(n, v);
    } finally {
      this.#writing = false;
    }
  }

  /**
   * Builds `config`'s experiment, then puts it in place of the running one. When it cannot be
   * built, the message says why and the running experiment stays. Resolves to whether it was.
   */
  #build(config) {
    const next = this.#changes.then(async () => {
      this.pause();
      let engine, fit;
      try {
        engine = await Engine.create(config);
        fit = await engine.watch(fitXs(bounds(engine.dataset)), snapshots());
      } catch (e) {
        engine?.dispose();
        this.#say('configError', { error: message(e) }, true);
        return false;
      }
      if (!this.isConnected) {
        engine.dispose();
        return false;
      }
      await this.#exclusive(() => {
        this.#gen++;
        const old = this.#engine;
        this.#engine = engine;
        return old?.dispose();
      });
      this.#install(config, engine, fit);
      await this.#exclusive(() => this.#frameDone(false));
      return true;
    });
    this.#changes = next.catch(() => false);
    return next;
  }

  #install(config, engine, fit) {
    this.#config = config;
    this.#run?.history.free();
    this.#run = {
      history: new (core().LossHistory)(),
      steps: 0,
      last: undefined,
      testSteps: [],
      testCosts: [],
      panels: new Array(GRID()).fill(null),
      bounds: bounds(engine.dataset),
      fit,
      diverged: false,
      trained: false,
    };
    this.#ui.log.textContent = '';
    this.#ui.msg.textContent = '';
    if (engine.fallback) this.#say('fallback', { error: engine.fallback }, true);
    this.#fields();
    this.#ui.code.textContent = core().kerasCode(JSON.stringify(config));
    this.#emit('backend', { backend: engine.backend, line: engine.backendLine });
  }

  /** The engine, or a thrown message when no experiment could be built. */
  #live() {
    if (!this.#engine) throw new Error(this.#ui?.msg.textContent || 'no experiment');
    return this.#engine;
  }

  #state() {
    const run = this.#run;
    return { step: run?.steps ?? 0, loss: run?.last };
  }

  // Training and reading the engine run one after another.
  #exclusive(fn) {
    const p = this.#work.then(fn);
    this.#work = p.catch(() => {});
    return p;
  }

  /**
   * Trains a chunk of at most `k` steps in the Worker (it stops at log steps, grid snapshots,
   * the configured end and a diverged loss) and shows what it reports. Resolves to the steps
   * taken; 0 when the experiment was replaced or ended meanwhile.
   */
  async #advance(k) {
    const gen = this.#gen;
    const engine = this.#engine;
    const run = this.#run;
    if (!engine || run.diverged) return 0;
    let c;
    try {
      c = await engine.train(k, CHUNK_MS);
    } catch (e) {
      if (gen !== this.#gen) return 0;
      throw e;
    }
    if (gen !== this.#gen) return 0;
    const { losses, from } = c;
    const n = losses.length;
    run.history.extend(losses);
    run.steps += n;
    run.last = losses[n - 1];
    run.fit = c.fit;
    for (const p of c.snapshots) run.panels[p.step / GRID_EVERY()] = { ys: p.ys };
    for (const t of c.tests) {
      this.#log('logStep', { i: t.step, v: short(losses[t.step - from]) });
      run.testSteps.push(t.step);
      run.testCosts.push(t.cost);
    }
    // The Worker applies the core's divergence rule and offers the core's stable rate.
    const d = c.diverged;
    if (d) {
      run.diverged = true;
      this.pause();
      this.#emit('diverged', { step: d.step, loss: d.value });
      this.#say('diverged', { step: d.step, v: short(d.value), lr: d.stableLearningRate }, true);
    } else if (c.end && !run.trained) {
      run.trained = true;
      const cost = c.end.testCost;
      this.#log('logTest', { v: short(cost) });
      this.#emit('trained', { step: run.steps, loss: run.last, testCost: cost });
      if (this.#playing && this.#target === this.#config.training.steps) this.pause();
    }
    return n;
  }

  // Play: chunk after chunk while on and in view, each drawn as it comes back. A hidden tab
  // waits for its next animation frame.
  #schedule() {
    if (!this.#playing || !this.#visible || !this.#run || this.#frame) return;
    this.#frame = true;
    const gen = this.#gen;
    const go = () =>
      this.#exclusive(() => this.#tick())
        .catch((e) => {
          if (gen !== this.#gen) return;
          this.pause();
          this.#say('error', { error: message(e) }, true);
        })
        .finally(() => {
          this.#frame = false;
          this.#schedule();
        });
    if (document.hidden) requestAnimationFrame(go);
    else go();
  }

  /** One chunk of Play, then the figures. */
  async #tick() {
    const gen = this.#gen;
    if (!this.#playing || !this.#visible || !this.#run) return;
    if (this.#run.steps < this.#target) await this.#advance(this.#target - this.#run.steps);
    if (gen !== this.#gen) return;
    if (this.#run.steps >= this.#target) this.pause();
    this.#frameDone();
  }

  /** The figures and the numbers, and a `step` event. */
  #frameDone(emit = true) {
    if (!this.#run) return;
    this.#draw();
    this.#stats();
    if (emit) this.#emit('step', this.#state());
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---------- the DOM ----------

  #lang() {
    const l = (this.getAttribute('lang') || this.parentElement?.closest('[lang]')?.getAttribute('lang') || navigator.language || 'en').toLowerCase();
    return l.startsWith('zh') ? 'zh' : 'en';
  }

  #word(key, vars) {
    return word(this.#lang(), key, vars);
  }

  #shows(part) {
    const list = (this.getAttribute('controls') ?? DEFAULT_PARTS).toLowerCase().split(/[\s,]+/);
    return list.includes('all') || list.includes(part);
  }

  #render() {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    this.shadowRoot.adoptedStyleSheets = [sheet];
    const button = (key, fn, primary) => {
      const b = h('button', { type: 'button', class: primary ? 'primary' : null, 'data-w': key });
      b.addEventListener('click', fn);
      return b;
    };
    const ui = {};
    ui.step = button('step', () => this.#guard(this.step(1)));
    ui.step100 = button('step100', () => this.#guard(this.step(100)));
    ui.play = button('play', () => this.play(), true);
    ui.pause = button('pause', () => this.pause());
    ui.reset = button('reset', () => this.#guard(this.reset()));
    ui.stats = h('p', { class: 'stats', 'aria-live': 'off' });
    ui.file = h('input', { type: 'file', accept: '.json,.csv,.txt,application/json,text/csv' });
    ui.file.addEventListener('change', async () => {
      const f = ui.file.files?.[0];
      ui.file.value = '';
      if (f) await this.importText(await f.text());
    });
    const exports = ['record', 'weights', 'script', 'csv', 'config'].map((k) => button(k, () => this.#guard(this.#export(k))));
    ui.menu = h('details', { class: 'exports' }, [
      h('summary', { 'data-w': 'menu' }),
      h('div', { class: 'menu' }, [...exports, h('label', {}, [h('span', { 'data-w': 'import' }), ui.file])]),
    ]);
    ui.toolbar = h('div', { class: 'bar', role: 'group', 'data-wl': 'toolbar', part: 'toolbar' },
      [ui.step, ui.step100, ui.play, ui.pause, ui.reset, ui.menu]);
    ui.msg = h('p', { class: 'msg', role: 'status' });
    ui.data = h('fieldset', { part: 'data' });
    ui.model = h('fieldset', { part: 'model' });
    ui.fit = h('canvas', { role: 'img', 'data-wl': 'plot', part: 'plot' });
    ui.loss = h('canvas', { role: 'img', 'data-wl': 'lossPlot', part: 'loss' });
    ui.stage = h('div', { class: 'stage' }, [h('figure', {}, [ui.fit]), h('figure', {}, [ui.loss])]);
    ui.panels = [];
    for (let k = 0; k < GRID(); k++) {
      const c = h('canvas', { role: 'img' });
      const p = h('p');
      ui.panels.push({ c, p });
      new ResizeObserver(() => this.#drawPanel(k)).observe(c);
    }
    ui.grid = h('ol', { class: 'grid', 'data-wl': 'grid', part: 'grid' }, ui.panels.map(({ c, p }) => h('li', {}, [c, p])));
    ui.log = h('pre', { role: 'log', tabindex: '0', 'data-wl': 'log', part: 'log' });
    ui.code = h('pre', { role: 'region', tabindex: '0', 'data-wl': 'code', part: 'code' });
    ui.root = h('div', { class: 'np', part: 'root' },
      [ui.toolbar, ui.stats, ui.msg, ui.data, ui.model, ui.stage, ui.grid, ui.log, ui.code]);
    ui.msg.textContent = word(this.#lang(), 'loading');
    this.shadowRoot.append(ui.root);
    this.#ui = ui;
    new ResizeObserver(() => this.#draw()).observe(ui.stage);
    this.#parts();
    this.#buttons();
  }

  #guard(p) {
    Promise.resolve(p).catch((e) => this.#say('error', { error: message(e) }, true));
  }

  #parts() {
    const ui = this.#ui;
    const show = (el, part) => { el.hidden = !this.#shows(part); };
    show(ui.toolbar, 'toolbar');
    show(ui.data, 'data');
    show(ui.model, 'model');
    show(ui.loss.parentElement, 'loss');
    show(ui.grid, 'grid');
    show(ui.log, 'log');
    show(ui.code, 'code');
    ui.stage.classList.toggle('two', this.#shows('loss'));
    this.#draw();
  }

  #words() {
    const ui = this.#ui;
    const lang = this.#lang();
    ui.root.lang = lang === 'zh' ? 'zh-CN' : 'en';
    for (const el of ui.root.querySelectorAll('[data-w]')) el.textContent = word(lang, el.dataset.w);
    for (const el of ui.root.querySelectorAll('[data-wl]')) el.setAttribute('aria-label', word(lang, el.dataset.wl));
    this.#fields();
    if (this.#run) this.#stats();
    this.#repaint();
  }

  #onScheme = () => this.#repaint();

  #repaint() {
    this.#plotter?.free();
    this.#plotter = null;
    this.#draw();
  }

  #buttons() {
    const ui = this.#ui;
    if (!ui) return;
    ui.play.disabled = this.#playing || !this.#run || this.#run.diverged;
    ui.pause.disabled = !this.#playing;
    ui.step.disabled = ui.step100.disabled = !this.#run || this.#run.diverged;
  }

  #stats() {
    const run = this.#run;
    const bits = [this.#word('steps', { n: run.steps })];
    if (run.steps > 0) bits.push(this.#word('loss', { v: short(run.last) }));
    const n = run.testCosts.length;
    if (n) bits.push(this.#word('test', { v: short(run.testCosts[n - 1]) }));
    this.#ui.stats.replaceChildren(...bits.map((text) => h('span', { text })));
    this.#ui.root.dataset.step = String(run.steps);
    this.#buttons();
  }

  #say(key, vars, error = false) {
    const msg = this.#ui?.msg;
    if (!msg) return;
    msg.textContent = this.#word(key, vars);
    msg.classList.toggle('err', error);
    msg.setAttribute('role', error ? 'alert' : 'status');
  }

  #log(key, vars) {
    if (!this.#shows('log')) return;
    const pre = this.#ui.log;
    pre.append(this.#word(key, vars) + '\n');
    while (pre.childNodes.length > LOG_LINES) pre.firstChild.remove();
    pre.scrollTop = pre.scrollHeight;
  }

  /** The data and model forms: the engine's values of each attribute, its lists and bounds. */
  #fields() {
    const ui = this.#ui;
    if (!this.#config) return;
    const nn = core();
    const schema = nn.schema();
    const values = Object.fromEntries(pairs(nn.attributeValues(JSON.stringify(this.#config))));
    const options = {
      'data-kind': schema.data_kinds.map((k) => [k.name, this.#word(`kind_${k.name}`)]),
      loss: schema.losses.map((l) => [l, l]),
      optimizer: schema.optimizers.map((o) => [o.name, o.keras_class]),
    };
    const field = (name) => {
      const label = this.#word(LABEL_KEY[name] ?? name);
      let input;
      if (options[name]) {
        input = h('select', {}, options[name].map(([v, text]) => h('option', { value: v, text, selected: v === values[name] })));
      } else {
        const b = schema.fields[BOUNDS[name]];
        const numeric = !['layers', 'batch-size'].includes(name);
        input = h('input', {
          type: numeric ? 'number' : 'text', value: values[name], step: numeric ? 'any' : null,
          class: name === 'layers' ? 'wide' : null,
          min: b?.min_inclusive ? String(b.min) : null, max: b?.max_inclusive ? String(b.max) : null,
          title: name === 'layers' ? this.#word('layersHint') : name === 'batch-size' ? this.#word('batchHint') : null,
        });
      }
      if (name === 'data-kind') input.disabled = values[name] === 'custom';
      input.addEventListener('change', () => this.#edit(name, input.value));
      return h('label', {}, [h('span', { text: label }), input]);
    };
    ui.data.replaceChildren(h('legend', { text: this.#word('data') }), h('div', { class: 'form' }, DATA_FIELDS.map(field)));
    ui.model.replaceChildren(h('legend', { text: this.#word('model') }), h('div', { class: 'form' }, MODEL_FIELDS.map(field)),
      h('p', { class: 'hint', text: this.#word('layersHint') }));
  }

  /** A form's edit: the config in force with that attribute over it, or a message. */
  #edit(name, value) {
    let config;
    try {
      config = JSON.parse(core().configFromAttributes(['config', name], [JSON.stringify(this.#config), value]));
    } catch (e) {
      this.#say('configError', { error: message(e) }, true);
      this.#fields();
      return;
    }
    this.#guard(this.#setConfig(config).then((ok) => ok || this.#fields()));
  }

  async #export(kind) {
    const nn = core();
    const name = 'nnplay-' + kind;
    if (kind === 'config') return this.#download(`${name}.json`, nn.normalizeConfig(JSON.stringify(this.#config)));
    await this.#changes;
    const rec = await this.#exclusive(() => this.#live().record());
    if (kind === 'record') this.#download('nnplay-run.json', rec);
    else if (kind === 'weights') this.#download(`${name}.json`, nn.exportWeights(rec));
    else if (kind === 'script') this.#download('nnplay_replay.py', nn.kerasReplayScript(rec));
    else this.#download('nnplay-data.csv', nn.exportCsv(rec));
  }

  #download(filename, text) {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = h('a', { href: url, download: filename, hidden: true });
    this.shadowRoot.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---------- drawing (by the engine) ----------

  #theme() {
    if (this.#plotter) return this.#plotter;
    const nn = core();
    const style = getComputedStyle(this);
    // Dark when the element's background is (a transparent one: when the scheme is).
    const [r, g, b, a = 1] = (style.backgroundColor.match(/[\d.]+/g) ?? []).map(Number);
    const isDark = a > 0 && r !== undefined ? 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 : dark.matches;
    const p = new nn.Plotter(isDark);
    for (const name of nn.plotCssProperties()) {
      const v = style.getPropertyValue(`--nn-${name.slice(2)}`).trim();
      try {
        if (v) p.setColour(name, v);
      } catch (e) {
        this.#say('error', { error: message(e) }, true);
      }
    }
    p.setLabels(this.#word('train'), this.#word('testPoints'), this.#word('fit'));
    try {
      p.setFont(style.fontFamily || 'sans-serif', 12);
    } catch {
      // the preset font stays
    }
    this.#plotter = p;
    return p;
  }

  #draw() {
    const run = this.#run;
    if (!run || !this.#ui || !this.isConnected) return;
    const { train, test } = this.#engine?.dataset ?? {};
    if (!train) return;
    const p = this.#theme();
    const xs = run.fit ? fitXs(run.bounds) : EMPTY;
    p.drawScatter(this.#ui.fit, train.x, train.y, test.x, test.y, xs, run.fit ?? EMPTY, undefined, undefined, run.bounds).free();
    if (this.#shows('loss')) {
      p.drawLoss(this.#ui.loss, run.history, false, Uint32Array.from(run.testSteps), Float32Array.from(run.testCosts)).free();
    }
    if (this.#shows('grid')) for (let k = 0; k < GRID(); k++) this.#drawPanel(k);
  }

  #drawPanel(k) {
    const run = this.#run;
    const data = this.#engine?.dataset;
    if (!run || !data || !this.#shows('grid')) return;
    const panel = run.panels[k];
    const { c, p } = this.#ui.panels[k];
    const text = this.#word(panel ? 'gridPanel' : 'gridEmpty', { step: k * GRID_EVERY() });
    p.textContent = this.#word('gridPanel', { step: k * GRID_EVERY() });
    c.setAttribute('aria-label', text);
    this.#theme().drawPanel(c, data.train.x, data.train.y, data.test.x, data.test.y,
      panel ? fitXs(run.bounds) : EMPTY, panel?.ys ?? EMPTY, '', run.bounds).free();
  }
}

// The element is defined once the engine is loaded (its attribute list is the engine's).
loadEngine().then(() => {
  if (!customElements.get('nn-playground')) customElements.define('nn-playground', NnPlayground);
});
