// End-to-end checks of embedding: the <nn-playground> element of dist/pkg/, the iframe form
// dist/embed.html and the demo tutorial dist/tutorial.html. run.mjs calls `embedChecks` in each
// pass (without and with WebGPU) with its own helpers.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const ELEMENT_BUDGET = 15 * 1024;

/** A page beside dist/pkg/ holding `body`, as a tutorial author would write it. */
const authorPage = (body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>embed test</title><link rel="icon" href="data:,"></head><body>${body}
<script type="module">import './pkg/nn-playground.js';</script></body></html>`;

/** Opens `html` at `${base}/<name>` in a new page; collects its console and page errors. */
async function open(context, base, name, html) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.route(`${base}/${name}`, (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
  await page.addInitScript(() => {
    // Counts animation-frame callbacks: a leaked loop keeps counting.
    window.__frames = 0;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (fn) => raf((t) => { window.__frames++; fn(t); });
    // Counts the Workers alive: a leaked one stays counted.
    window.__workers = 0;
    window.__workersMade = 0;
    const W = window.Worker;
    window.Worker = class extends W {
      constructor(...args) {
        super(...args);
        window.__workers++;
        window.__workersMade++;
        window.__lastWorker = this;
      }

      terminate() {
        if (!this.ended) window.__workers--;
        this.ended = true;
        super.terminate();
      }
    };
  });
  await page.goto(`${base}/${name}`);
  await page.waitForFunction(() => customElements.get('nn-playground'), undefined, { timeout: 30000 });
  return { page, errors };
}

const readyAll = (page) => page.evaluate(() => Promise.all([...document.querySelectorAll('nn-playground')].map((e) => e.ready)));

export async function embedChecks({ check, assert, context, base, webgpu, Skip, root, dist }) {
  const noErrors = (errors) => assert(errors.length === 0, errors.slice(0, 3).join(' | '));

  await check('embed: the element adds at most 15 KB gzipped to the package', async () => {
    const pkg = path.join(dist, 'pkg');
    const files = [path.join(pkg, 'nn-playground.js'), ...fs.readdirSync(path.join(pkg, 'element')).map((f) => path.join(pkg, 'element', f))];
    const gz = zlib.gzipSync(Buffer.concat(files.map((f) => fs.readFileSync(f))), { level: 9 }).length;
    assert(gz <= ELEMENT_BUDGET, `the element is ${(gz / 1024).toFixed(1)} KB gzipped`);
  });

  await check('embed: two elements on one page train independently and fire their events', async () => {
    const { page, errors } = await open(context, base, 'embed-two.html', authorPage(`
      <nn-playground id="a" seed="1" steps="40"></nn-playground>
      <nn-playground id="b" data-kind="sine" layers="8 tanh, 1" optimizer="adam" learning-rate="0.02"
        steps="30" backend="${webgpu ? 'webgpu' : 'cpu'}" controls="toolbar loss log"></nn-playground>`));
    const r = await page.evaluate(async () => {
      const [a, b] = ['a', 'b'].map((id) => document.getElementById(id));
      const events = { a: [], b: [] };
      for (const [id, el] of [['a', a], ['b', b]]) {
        for (const type of ['step', 'trained', 'diverged', 'backend']) el.addEventListener(type, (e) => events[id].push([type, e.detail]));
      }
      await Promise.all([a.ready, b.ready]);
      const done = await a.step(40);
      const bSteps = b.steps;
      const trained = new Promise((res) => b.addEventListener('trained', (e) => res(e.detail), { once: true }));
      b.play();
      const bDone = await trained;
      const [ra, rb] = [await a.record(), await b.record()];
      // Reset builds the experiment again (a `backend` event) from step 0.
      const workersBefore = window.__workers;
      const madeBefore = window.__workersMade;
      await a.reset();
      const afterReset = a.steps;
      const workersAfter = window.__workers;
      const madeAfter = window.__workersMade - madeBefore;
      return { workersBefore, workersAfter, madeAfter, afterReset, done, bSteps, bDone, events, ra: { n: ra.losses.length, test: ra.test_cost }, rb: { n: rb.losses.length, backend: rb.backend, layers: rb.config.model.layers.length } };
    });
    assert(r.done.step === 40 && Number.isFinite(r.done.loss), `a.step(40) gave ${JSON.stringify(r.done)}`);
    assert(r.bSteps === 0, `b trained ${r.bSteps} steps while a did`);
    assert(r.afterReset === 0, `a has ${r.afterReset} steps after reset()`);
    // The elements share one Worker; a reset builds again in it.
    assert(r.workersBefore === 1 && r.workersAfter === 1 && r.madeAfter === 0,
      `Workers: ${r.workersBefore} before a reset, ${r.workersAfter} after, ${r.madeAfter} started by it`);
    assert(r.bDone.step === 30 && Number.isFinite(r.bDone.testCost), `b's trained event: ${JSON.stringify(r.bDone)}`);
    assert(r.ra.n === 40 && Number.isFinite(r.ra.test), `a's record: ${JSON.stringify(r.ra)}`);
    assert(r.rb.n === 30 && r.rb.layers === 2, `b's record: ${JSON.stringify(r.rb)}`);
    const types = (list) => new Set(list.map(([t]) => t));
    assert(types(r.events.a).has('step') && types(r.events.a).has('trained') && types(r.events.a).has('backend'), `a fired ${[...types(r.events.a)]}`);
    assert(types(r.events.b).has('step') && types(r.events.b).has('trained'), `b fired ${[...types(r.events.b)]}`);
    assert(!types(r.events.a).has('diverged') && !types(r.events.b).has('diverged'), 'a run diverged');
    const bBackend = r.rb.backend;
    if (webgpu) {
      const adapter = await page.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter().catch(() => null)));
      if (adapter) assert(bBackend === 'webgpu', `b ran on ${bBackend}`);
    } else assert(bBackend === 'cpu', `b ran on ${bBackend}`);
    noErrors(errors);
    await page.close();
  });

  await check('embed: no training step runs on the page\'s thread: one Worker for the elements, the wasm compiled once on the page\'s thread', async () => {
    const { page, errors } = await open(context, base, 'embed-thread.html', `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>embed test</title><link rel="icon" href="data:,"></head><body>
<script type="module">
  // Counts the package's experiments built and steps trained on the page's thread.
  import * as nn from './pkg/nnplay.js';
  window.__main = { create: 0, train: 0 };
  const E = nn.Experiment;
  const create = E.create;
  E.create = function (...args) { window.__main.create++; return create.apply(this, args); };
  const train = E.prototype.train;
  E.prototype.train = function (...args) { window.__main.train++; return train.apply(this, args); };
  window.__compiles = 0;
  for (const k of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
    const f = WebAssembly[k];
    WebAssembly[k] = function (...args) { if (!(args[0] instanceof WebAssembly.Module)) window.__compiles++; return f.apply(this, args); };
  }
</script>
<nn-playground id="a" steps="120" backend="cpu"></nn-playground>
<nn-playground id="b" steps="30" backend="cpu" controls="toolbar loss grid log"></nn-playground>
<nn-playground id="c" steps="30" backend="cpu"></nn-playground>
<script type="module">import './pkg/nn-playground.js';</script></body></html>`);
    const r = await page.evaluate(async () => {
      const [a, b, c] = ['a', 'b', 'c'].map((id) => document.getElementById(id));
      await Promise.all([a.ready, b.ready, c.ready]);
      const trained = new Promise((res) => b.addEventListener('trained', (e) => res(e.detail.step), { once: true }));
      b.play();
      const done = await a.step(120);
      const bSteps = await trained;
      const log = b.shadowRoot.querySelector('[part="log"]').textContent;
      return { done, bSteps, log, main: window.__main, workers: window.__workers, compiles: window.__compiles };
    });
    assert(r.done.step === 120 && r.bSteps === 30, `a: ${JSON.stringify(r.done)}, b: ${r.bSteps}`);
    assert(r.main.create === 0 && r.main.train === 0, `the page's thread built ${r.main.create} experiments and trained ${r.main.train} times`);
    assert(r.workers === 1, `${r.workers} Workers for three elements`);
    assert(r.compiles === 1, `the wasm was compiled ${r.compiles} times on the page's thread`);
    assert(/\b0\b/.test(r.log), `b's log: ${r.log.slice(0, 100)}`);
    noErrors(errors);
    await page.close();
  });

  await check('embed: the page\'s elements share one Worker and one device, train independently, and a removed one is freed', async () => {
    const backend = webgpu ? 'webgpu' : 'cpu';
    const { page, errors } = await open(context, base, 'embed-share.html', authorPage(`
      <nn-playground id="a" seed="3" layers="32 tanh, 1" steps="2000" backend="${backend}"></nn-playground>
      <nn-playground id="b" data-kind="sine" layers="32 tanh, 32 tanh, 1" optimizer="adam" learning-rate="0.01" steps="1500"
        backend="${backend}"></nn-playground>
      <nn-playground id="c" seed="5" steps="20" backend="${backend}"></nn-playground>`));
    const r = await page.evaluate(async () => {
      const { hostStats } = await import('./pkg/element/engine.js');
      const [a, b, c] = ['a', 'b', 'c'].map((id) => document.getElementById(id));
      await Promise.all([a.ready, b.ready, c.ready]);
      const backends = [a, b, c].map((e) => e.shadowRoot && e.backend);
      const trained = (el) => new Promise((res) => el.addEventListener('trained', (e) => res(e.detail), { once: true }));
      // Both play at once (runs of several chunks each): each one's steps come while the other
      // is still training.
      const steps = [];
      for (const [id, el] of [['a', a], ['b', b]]) el.addEventListener('step', () => steps.push(id));
      const done = Promise.all([trained(a), trained(b)]);
      a.play();
      b.play();
      const [da, db] = await done;
      const [ra, rb] = [await a.record(), await b.record()];
      const full = await hostStats();
      const workers = window.__workers;
      const made = window.__workersMade;
      c.remove();
      // The Worker frees the experiment after the command it is running.
      let afterRemove = await hostStats();
      for (let i = 0; i < 50 && afterRemove.experiments !== 2; i++) {
        await new Promise((res) => setTimeout(res, 20));
        afterRemove = await hostStats();
      }
      const more = await b.step(5);
      const workersAfterOne = window.__workers;
      a.remove();
      b.remove();
      return {
        backends: [ra.backend, rb.backend], da, db, full, afterRemove, more, workers, made, workersAfterOne,
        interleaved: steps.indexOf('a') < steps.lastIndexOf('b') && steps.indexOf('b') < steps.lastIndexOf('a'),
        la: ra.losses, lb: rb.losses, left: window.__workers, stats: await hostStats(),
      };
    });
    assert(r.workers === 1 && r.made === 1, `${r.workers} Workers alive, ${r.made} started, for three elements`);
    assert(r.da.step === 2000 && r.db.step === 1500 && Number.isFinite(r.da.testCost) && Number.isFinite(r.db.testCost),
      `trained events: ${JSON.stringify([r.da, r.db])}`);
    assert(r.la.length === 2000 && r.lb.length === 1500 && r.la[0] !== r.lb[0], `losses: ${r.la.length}, ${r.lb.length}`);
    assert(r.interleaved, 'the two playing elements did not progress together');
    assert(r.full.experiments === 3, `${r.full.experiments} experiments in the Worker for three elements`);
    assert(r.afterRemove.experiments === 2, `${r.afterRemove.experiments} experiments left after removing one of three`);
    assert(r.more.step === 1505, `b after c was removed: ${JSON.stringify(r.more)}`);
    assert(r.workersAfterOne === 1, `${r.workersAfterOne} Workers after removing one element`);
    assert(r.left === 0 && r.stats === null, `${r.left} Workers left after removing every element`);
    if (webgpu) {
      const adapter = await page.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter().catch(() => null)));
      if (!adapter) throw new Skip('no WebGPU adapter');
      assert(r.backends.every((b) => b === 'webgpu'), `the elements ran on ${r.backends}`);
      assert(r.full.devicesOpened === 1, `${r.full.devicesOpened} WebGPU devices opened for three elements`);
    } else {
      assert(r.backends.every((b) => b === 'cpu') && r.full.devicesOpened === 0, `backends ${r.backends}, ${r.full.devicesOpened} devices`);
    }
    noErrors(errors);
    await page.close();
  });

  await check('embed: a TrainerHost frees a disposed trainer\'s experiment, ends with the last, and a crash reaches every hosted trainer', async () => {
    const { page, errors } = await open(context, base, 'embed-host.html', authorPage(''));
    const r = await page.evaluate(async () => {
      const { TrainerHost, Trainer } = await import('./pkg/trainer.js');
      const made0 = window.__workersMade;
      const host = new TrainerHost();
      const config = (seed) => ({ seed, model: { layers: [{ units: 4, activation: 'tanh' }, { units: 1 }] }, backend: 'cpu' });
      const [a, b, c] = await Promise.all([host.create(config(1)), Trainer.spawn({ host }).build(config(2)), host.create(config(3))]);
      const three = await host.stats();
      const [la, lb] = [await a.train(20), await b.train(20)];
      c.dispose();
      const two = await host.stats();
      const late = await c.train(1).then(() => 'resolved', (e) => e.name);
      // The host's Worker, as the page sees it: a crash must reach both remaining trainers.
      const worker = window.__lastWorker;
      const crashes = [];
      a.onCrash = (m) => crashes.push(['a', m]);
      b.onCrash = (m) => crashes.push(['b', m]);
      const pending = [a.train(1e9, { budgetMs: 5000 }), b.train(1e9, { budgetMs: 5000 })].map((p) => p.then(() => 'resolved', (e) => e.message));
      worker.dispatchEvent(new ErrorEvent('error', { message: 'simulated crash' }));
      const rejected = await Promise.all(pending);
      const afterCrash = { workers: window.__workers, disposed: host.disposed, a: a.disposed, b: b.disposed };
      // A second host, ended by disposing its last trainer; a Trainer alone keeps its own Worker.
      const host2 = new TrainerHost();
      const d = await host2.create(config(4));
      const alone = await Trainer.create(config(5));
      const withTwo = window.__workers;
      d.dispose();
      const afterLast = { workers: window.__workers, disposed: host2.disposed };
      await alone.train(5);
      alone.dispose();
      return {
        made: window.__workersMade - made0, three, two, late, crashes, rejected, afterCrash, withTwo, afterLast, left: window.__workers,
        differ: la.losses[0] !== lb.losses[0] && la.losses.length === 20 && lb.losses.length === 20,
      };
    });
    assert(r.three.experiments === 3 && r.two.experiments === 2, `experiments: ${r.three.experiments}, then ${r.two.experiments} after a dispose`);
    assert(r.late === 'TrainerDisposed', `a disposed trainer's call: ${r.late}`);
    assert(r.differ, 'two hosted trainers of different seeds gave the same losses');
    assert(r.crashes.length === 2 && r.crashes.every(([, m]) => m === 'simulated crash'), `onCrash calls: ${JSON.stringify(r.crashes)}`);
    assert(r.rejected.every((m) => m === 'simulated crash'), `pending calls after the crash: ${JSON.stringify(r.rejected)}`);
    assert(r.afterCrash.workers === 0 && r.afterCrash.disposed && r.afterCrash.a && r.afterCrash.b, `after the crash: ${JSON.stringify(r.afterCrash)}`);
    assert(r.withTwo === 2 && r.afterLast.workers === 1 && r.afterLast.disposed, `hosts and a lone trainer: ${r.withTwo} Workers, then ${JSON.stringify(r.afterLast)}`);
    assert(r.made === 3 && r.left === 0, `${r.made} Workers started, ${r.left} left`);
    noErrors(errors);
    await page.close();
  });

  await check('embed: attributes and the config property agree', async () => {
    const { page, errors } = await open(context, base, 'embed-attrs.html', authorPage(`
      <nn-playground id="p" n="60" noise="0.2" layers="8 relu, 4 tanh, 1" loss="mae" optimizer="rmsprop"
        learning-rate="0.005" steps="77" batch-size="16" seed="9" backend="cpu"></nn-playground>`));
    const r = await page.evaluate(async () => {
      const el = document.getElementById('p');
      await el.ready;
      const first = el.config;
      const rebuilt = () => new Promise((res) => el.addEventListener('backend', res, { once: true }));
      let next = rebuilt();
      el.setAttribute('seed', '11');
      el.setAttribute('data-kind', 'quadratic');
      await next;
      const second = el.config;
      next = rebuilt();
      el.config = { seed: 5, model: { layers: [{ units: 3, activation: 'tanh' }, { units: 1 }] }, training: { steps: 12 } };
      await next;
      const third = el.config;
      const attrs = Object.fromEntries([...el.attributes].map((a) => [a.name, a.value]));
      let thrown = '';
      try { el.config = { seed: -1 }; } catch (e) { thrown = e.message; }
      return { first, second, third, attrs, thrown, after: el.config };
    });
    const f = r.first;
    assert(f.data.n === 60 && f.data.noise === 0.2 && f.loss === 'mae' && f.seed === 9 && f.backend === 'cpu', JSON.stringify(f).slice(0, 200));
    assert(f.model.layers.map((l) => `${l.units} ${l.activation}`).join(',') === '8 relu,4 tanh,1 linear', JSON.stringify(f.model));
    assert(f.optimizer.name === 'rmsprop' && f.optimizer.learning_rate === 0.005 && f.training.steps === 77 && f.training.batch_size === 16,
      JSON.stringify(f.optimizer) + JSON.stringify(f.training));
    assert(r.second.seed === 11 && r.second.data.kind === 'quadratic' && r.second.data.n === 60, JSON.stringify(r.second).slice(0, 200));
    assert(r.third.seed === 5 && r.third.training.steps === 12 && r.third.model.layers.length === 2, JSON.stringify(r.third).slice(0, 200));
    assert(r.attrs.seed === '5' && r.attrs.steps === '12' && r.attrs.layers === '3 tanh, 1' && !('n' in r.attrs), `attributes: ${JSON.stringify(r.attrs)}`);
    assert(/seed/.test(r.thrown), `a bad config was not refused: '${r.thrown}'`);
    assert(JSON.stringify(r.after) === JSON.stringify(r.third), 'a refused config changed the element');
    noErrors(errors);
    await page.close();
  });

  await check('embed: hidden controls are hidden, shown ones show', async () => {
    const { page, errors } = await open(context, base, 'embed-parts.html', authorPage(`
      <nn-playground id="few" controls="loss"></nn-playground>
      <nn-playground id="all" controls="data model toolbar log loss grid code"></nn-playground>`));
    await readyAll(page);
    const shown = await page.evaluate(() => Object.fromEntries(['few', 'all'].map((id) => {
      const root = document.getElementById(id).shadowRoot;
      const parts = ['toolbar', 'data', 'model', 'loss', 'grid', 'log', 'code'];
      return [id, Object.fromEntries(parts.map((p) => {
        const el = root.querySelector(`[part="${p}"]`);
        return [p, !!el && el.getClientRects().length > 0];
      }))];
    })));
    for (const [p, v] of Object.entries(shown.few)) assert(v === (p === 'loss'), `controls="loss": ${p} is ${v ? 'shown' : 'hidden'}`);
    for (const [p, v] of Object.entries(shown.all)) assert(v, `controls="all parts": ${p} is hidden`);
    // Changing the attribute shows and hides at once.
    const toolbar = await page.evaluate(() => {
      const el = document.getElementById('few');
      el.setAttribute('controls', 'toolbar');
      return el.shadowRoot.querySelector('[part="toolbar"]').getClientRects().length > 0;
    });
    assert(toolbar, 'the toolbar did not show after controls="toolbar"');
    noErrors(errors);
    await page.close();
  });

  await check('embed: a diverging run fires `diverged`, says so and stops; CSS custom properties theme the element', async () => {
    const { page, errors } = await open(context, base, 'embed-diverge.html', authorPage(`
      <nn-playground id="p" learning-rate="5" backend="cpu" style="--nn-accent: #123456; --nn-accent-fg: #ffffff"></nn-playground>`));
    const r = await page.evaluate(async () => {
      const el = document.getElementById('p');
      await el.ready;
      let diverged = null;
      el.addEventListener('diverged', (e) => { diverged = e.detail; });
      const done = await el.step(300);
      const root = el.shadowRoot;
      // The core's rule on the run's losses, and the core's stable rate for this model.
      const nn = await import('./pkg/nnplay.js');
      const losses = Float32Array.from((await el.record()).losses);
      const exp = await nn.Experiment.create(JSON.stringify(el.config), 'cpu');
      const rule = { at: nn.divergedAt(losses, losses[0]), lr: exp.stableLearningRate() };
      exp.free();
      return {
        diverged, done, rule,
        msg: root.querySelector('.msg').textContent, role: root.querySelector('.msg').getAttribute('role'),
        playDisabled: root.querySelector('.primary').disabled,
        accent: getComputedStyle(root.querySelector('.primary')).backgroundColor,
      };
    });
    assert(r.diverged && r.diverged.step < 300, `no diverged event: ${JSON.stringify(r)}`);
    assert(r.done.step < 300, `training went on after diverging: ${r.done.step} steps`);
    assert(r.diverged.step === r.rule.at, `diverged at ${r.diverged.step}, the core's rule says ${r.rule.at}`);
    assert(r.rule.lr > 0 && r.msg.includes(` ${r.rule.lr} `), `the message does not offer the core's rate ${r.rule.lr}: ${r.msg}`);
    assert(r.role === 'alert' && /diverged/.test(r.msg), `message: ${r.msg}`);
    assert(r.playDisabled, 'Play is still enabled after diverging');
    assert(r.accent === 'rgb(18, 52, 86)', `--nn-accent gave ${r.accent}`);
    noErrors(errors);
    await page.close();
  });

  await check('embed: an element added after load and one removed while playing leave no loop and no error', async () => {
    const { page, errors } = await open(context, base, 'embed-life.html', authorPage('<nn-playground id="first" steps="10000000"></nn-playground>'));
    const r = await page.evaluate(async () => {
      const first = document.getElementById('first');
      await first.ready;
      const late = document.createElement('nn-playground');
      late.setAttribute('steps', '25');
      late.setAttribute('seed', '4');
      document.body.append(late);
      await late.ready;
      const trained = new Promise((res) => late.addEventListener('trained', (e) => res(e.detail.step), { once: true }));
      late.play();
      first.play();
      const lateSteps = await trained;
      await new Promise((res) => setTimeout(res, 200));
      const playing = first.playing && first.steps > 0;
      const workers = window.__workers;
      const t0 = performance.now();
      first.remove();
      late.remove();
      // Removing the last element ends the Worker at once.
      const workersAfter = window.__workers;
      const removeMs = performance.now() - t0;
      await new Promise((res) => setTimeout(res, 300));
      const f0 = window.__frames;
      await new Promise((res) => setTimeout(res, 600));
      return { lateSteps, playing, workers, workersAfter, removeMs, frames: window.__frames - f0, left: document.querySelectorAll('nn-playground').length };
    });
    assert(r.workers === 1, `${r.workers} Workers for two elements`);
    assert(r.workersAfter === 0, `${r.workersAfter} Workers left after removing every element`);
    // Within a frame or so: ending the Worker does not wait for it (16 ms on a quiet machine;
    // a loaded one adds its own scheduling delays).
    assert(r.removeMs < 50, `removing two elements took ${r.removeMs.toFixed(1)} ms`);
    assert(r.lateSteps === 25, `the late element trained ${r.lateSteps} steps`);
    assert(r.playing, 'the first element was not playing before it was removed');
    assert(r.frames === 0, `${r.frames} animation frames ran after every element was removed`);
    noErrors(errors);
    await page.close();
  });

  await check('embed: the same config gives the same data, weights and losses', async () => {
    const { page, errors } = await open(context, base, 'embed-same.html', authorPage(`
      <nn-playground id="a" data-kind="sine" layers="8 tanh, 1" seed="21" backend="cpu"></nn-playground>
      <nn-playground id="b" data-kind="sine" layers="8 tanh, 1" seed="21" backend="cpu"></nn-playground>
      <nn-playground id="c" data-kind="sine" layers="8 tanh, 1" seed="22" backend="cpu"></nn-playground>`));
    const r = await page.evaluate(async () => {
      const els = ['a', 'b', 'c'].map((id) => document.getElementById(id));
      await Promise.all(els.map((e) => e.ready));
      for (const e of els) await e.step(25);
      const [a, b, c] = await Promise.all(els.map((e) => e.record()));
      const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
      return {
        ab: same(a.dataset, b.dataset) && same(a.initial_weights, b.initial_weights) && same(a.losses, b.losses) && same(a.final_weights, b.final_weights),
        ac: same(a.losses, c.losses),
      };
    });
    assert(r.ab, 'two elements with the same config trained differently');
    assert(!r.ac, 'another seed gave the same losses');
    noErrors(errors);
    await page.close();
  });

  await check('embed: state → URL → state is identical', async () => {
    const { page, errors } = await open(context, base, 'embed-url.html', authorPage('<nn-playground id="p"></nn-playground>'));
    await readyAll(page);
    const bad = await page.evaluate(async () => {
      const nn = await import('./pkg/nnplay.js');
      const configs = [
        {},
        { seed: 7, data: { kind: 'sine', n: 123, noise: 0.1 }, model: { layers: [{ units: 16, activation: 'tanh' }, { units: 1 }] },
          optimizer: { name: 'adam', learning_rate: 0.03 }, training: { steps: 1500, batch_size: 32 }, backend: 'cpu' },
        { data: { kind: 'custom', points: [[0.1, 1 / 3], [-0.7, 2.5e-8], [1, 2]] }, loss: 'huber', optimizer: { name: 'rmsprop', centered: true } },
        { model: { layers: [{ units: 4, activation: 'relu', use_bias: false, kernel_initializer: 'he_normal' }, { units: 1 }] } },
      ];
      const out = [];
      for (const c of configs) {
        const normal = nn.normalizeConfig(JSON.stringify(c));
        const back = nn.configFromHash('#' + nn.shareHash(normal));
        if (back !== normal) out.push(`${JSON.stringify(c).slice(0, 60)} came back as ${back.slice(0, 60)}`);
        // The element's attributes say the same config.
        const flat = nn.embedAttributes(normal);
        const names = flat.filter((_, i) => i % 2 === 0);
        const fromAttrs = nn.configFromAttributes(names, flat.filter((_, i) => i % 2 === 1));
        if (fromAttrs !== normal) out.push(`attributes ${flat.join(' ')} gave another config`);
      }
      return out;
    });
    assert(bad.length === 0, bad.join(' | '));
    noErrors(errors);
    await page.close();
  });

  await check('embed: the iframe form renders from its hash, and a bad hash says so', async () => {
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${base}/embed.html`);
    await p.waitForFunction(() => customElements.get('nn-playground'), undefined, { timeout: 30000 });
    const hash = await p.evaluate(async () => {
      const nn = await import('./pkg/nnplay.js');
      return nn.shareHash(nn.normalizeConfig(JSON.stringify({ seed: 3, data: { kind: 'step' }, model: { layers: [{ units: 6, activation: 'relu' }, { units: 1 }] } })));
    });
    await p.goto(`${base}/embed.html#${hash}&controls=toolbar,loss,model&lang=zh`);
    await p.waitForFunction(() => document.querySelector('nn-playground')?.config, undefined, { timeout: 30000 });
    const r = await p.evaluate(async () => {
      const el = document.querySelector('nn-playground');
      await el.ready;
      await el.step(5);
      const root = el.shadowRoot;
      return {
        config: el.config, steps: el.steps, lang: document.documentElement.lang,
        play: root.querySelector('[part="toolbar"] .primary').textContent,
        model: root.querySelector('[part="model"]').getClientRects().length > 0,
      };
    });
    assert(r.config.seed === 3 && r.config.data.kind === 'step' && r.config.model.layers[0].units === 6, JSON.stringify(r.config).slice(0, 200));
    assert(r.steps === 5 && r.lang === 'zh-CN' && r.play === '播放' && r.model, JSON.stringify(r));
    await p.goto('about:blank');
    await p.goto(`${base}/embed.html#c=not-json`);
    await p.waitForFunction(() => document.querySelector('nn-playground')?.config, undefined, { timeout: 30000 });
    const problem = await p.$eval('#problem', (e) => (e.hidden ? '' : e.textContent));
    assert(/could not be read/.test(problem), `no message for a bad hash: '${problem}'`);
    noErrors(errors);
    await p.close();
  });

  await check('embed: a malformed import never breaks the element and always says why', async () => {
    const { page, errors } = await open(context, base, 'embed-import.html', authorPage('<nn-playground id="p" controls="toolbar"></nn-playground>'));
    const r = await page.evaluate(async () => {
      const el = document.getElementById('p');
      await el.ready;
      await el.step(3);
      const rec = JSON.stringify(await el.record());
      const conf = JSON.stringify(el.config);
      const csv = 'x,y\n0,1\n0.5,1.5\n1,2\n';
      let seed = 12345;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const bad = ['', '{', '[1,2]', '{"seed": "x"}', 'x,y\n1,2,3', 'x,y\n1,zz', '\u0000\u0001', '{"format": "nnplay.run/1"}'];
      for (let i = 0; i < 12; i++) {
        const src = [rec, conf, csv][i % 3];
        bad.push(src.slice(0, Math.floor(rand() * (src.length - 2)) + 1));
        bad.push(Array.from({ length: 40 }, () => String.fromCharCode(32 + Math.floor(rand() * 90))).join(''));
      }
      let before = JSON.stringify(el.config);
      const failures = [];
      for (const text of bad) {
        const ok = await el.importText(text);
        const msg = el.shadowRoot.querySelector('.msg');
        // A cut CSV that still holds whole points is a CSV.
        if (ok && text !== csv.slice(0, text.length)) failures.push(`imported: ${JSON.stringify(text.slice(0, 30))}`);
        if (ok) before = JSON.stringify(el.config);
        if (!ok && !(msg.textContent.length > 0 && msg.getAttribute('role') === 'alert')) failures.push(`no message for ${JSON.stringify(text.slice(0, 30))}`);
        if (!ok && JSON.stringify(el.config) !== before) failures.push(`the config changed after ${JSON.stringify(text.slice(0, 30))}`);
      }
      // Good files import: a record is trained again to its steps.
      const okRecord = await el.importText(rec);
      const stepsAfter = el.steps;
      const okCsv = await el.importText(csv);
      const still = await el.step(2);
      return { failures, okRecord, stepsAfter, okCsv, kind: el.config.data.kind, still };
    });
    assert(r.failures.length === 0, r.failures.slice(0, 3).join(' | '));
    assert(r.okRecord && r.stepsAfter === 3, `the record imported: ${r.okRecord}, steps ${r.stepsAfter}`);
    assert(r.okCsv && r.kind === 'custom' && r.still.step === 2, JSON.stringify(r));
    // Through the file input, as a reader would.
    await page.click('nn-playground summary');
    await page.setInputFiles('nn-playground input[type=file]', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"data": {"n": ') });
    await page.waitForFunction(() => /not imported/.test(document.querySelector('nn-playground').shadowRoot.querySelector('.msg').textContent));
    noErrors(errors);
    await page.close();
  });

  await check('embed: exports give the record, set_weights arrays, the Keras script and the CSV', async () => {
    const { page, errors } = await open(context, base, 'embed-export.html', authorPage('<nn-playground id="p" layers="4 tanh, 1"></nn-playground>'));
    await page.evaluate(async () => { const el = document.getElementById('p'); await el.ready; await el.step(10); });
    await page.click('nn-playground summary');
    const got = {};
    for (const [kind, label] of [['record', 'Run record'], ['weights', 'Weights'], ['script', 'Keras replay'], ['csv', 'Data (CSV)']]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`nn-playground button:has-text("${label}")`)]);
      got[kind] = fs.readFileSync(await download.path(), 'utf8');
    }
    const rec = JSON.parse(got.record);
    assert(rec.format === 'nnplay.run/1' && rec.losses.length === 10 && Number.isFinite(rec.test_cost), got.record.slice(0, 100));
    const w = JSON.parse(got.weights);
    const shape = (a) => (Array.isArray(a[0]) ? [a.length, a[0].length] : [a.length]);
    assert(JSON.stringify(w.map(shape)) === '[[1,4],[4],[4,1],[1]]', `weights shapes ${JSON.stringify(w.map(shape))}`);
    assert(JSON.stringify(w) === JSON.stringify(rec.final_weights), 'the weights are not the record\'s final weights');
    assert(/set_weights/.test(got.script) && /train_on_batch/.test(got.script), 'the script does not replay');
    const rows = got.csv.trim().split('\n').filter((l) => !l.startsWith('#'));
    assert(rows[0] === 'x,y' && rows.length === 201, `CSV: ${rows.length} lines`);
    noErrors(errors);
    await page.close();
  });

  await check('embed: "copy embed code" gives an element and an iframe that both show the experiment', async () => {
    const { page, errors } = await open(context, base, 'embed-share.html', authorPage('<div id="box"></div><p id="status"></p>'));
    const r = await page.evaluate(async () => {
      const nn = await import('./pkg/nnplay.js');
      const { installShare } = await import('./www/share.js');
      const config = JSON.parse(nn.normalizeConfig(JSON.stringify({ seed: 8, data: { kind: 'sine' }, model: { layers: [{ units: 5, activation: 'tanh' }, { units: 1 }] } })));
      let shown = '';
      installShare(document.getElementById('box'), {
        wasm: nn, getConfig: () => config, getRecord: async () => '', importConfig: async () => true,
        lang: () => 'en', status: (text) => { shown = text; },
      });
      document.querySelector('[data-share="embed"]').click();
      await new Promise((res) => setTimeout(res, 300));
      return { code: document.querySelector('[data-share="code"]').value, shown, config };
    });
    const element = /<nn-playground[^>]*><\/nn-playground>/.exec(r.code)?.[0];
    const iframe = /<iframe src="([^"]+)"/.exec(r.code)?.[1];
    assert(element && iframe && /nn-playground\.js/.test(r.code), `embed code: ${r.code.slice(0, 200)}`);
    assert(r.shown.length > 0, 'no message after copying');
    // The element form, pasted into an author's page, shows the same config.
    const pasted = await open(context, base, 'embed-pasted.html', authorPage(element));
    const fromElement = await pasted.page.evaluate(async () => { const el = document.querySelector('nn-playground'); await el.ready; return el.config; });
    assert(JSON.stringify(fromElement) === JSON.stringify(r.config), `the element form gave ${JSON.stringify(fromElement).slice(0, 120)}`);
    noErrors(pasted.errors);
    await pasted.page.close();
    // The iframe form: embed.html with the experiment in its hash.
    const framed = await context.newPage();
    await framed.goto(iframe.replace(/&amp;/g, '&'));
    await framed.waitForFunction(() => document.querySelector('nn-playground')?.config, undefined, { timeout: 30000 });
    const fromFrame = await framed.evaluate(() => document.querySelector('nn-playground').config);
    assert(JSON.stringify(fromFrame) === JSON.stringify(r.config), `the iframe form gave ${JSON.stringify(fromFrame).slice(0, 120)}`);
    await framed.close();
    noErrors(errors);
    await page.close();
  });

  await check('embed: the README\'s Embedding example runs as written', async () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const at = readme.indexOf('\n## Embedding');
    const html = at < 0 ? null : /```html\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
    assert(html, 'README has no ```html block under "## Embedding"');
    const { page, errors } = await open(context, base, 'readme-embed.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>README</title></head><body>${html}</body></html>`);
    const r = await page.evaluate(async () => {
      const els = [...document.querySelectorAll('nn-playground')];
      await Promise.all(els.map((e) => e.ready));
      const out = [];
      for (const e of els) out.push((await e.step(5)).step);
      return { n: els.length, steps: out, layers: els.map((e) => e.config.model.layers.length) };
    });
    assert(r.n === 2 && r.steps.every((s) => s >= 5) && r.layers.join() === '1,2', JSON.stringify(r));
    noErrors(errors);
    await page.close();
  });

  await check('embed: the demo tutorial\'s playgrounds all train', async () => {
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.goto(`${base}/tutorial.html`);
    await p.waitForFunction(() => customElements.get('nn-playground'), undefined, { timeout: 30000 });
    const r = await p.evaluate(async () => {
      const els = [...document.querySelectorAll('article nn-playground')];
      const out = [];
      for (const el of els) {
        await el.ready;
        const s = await el.step(20);
        const rec = await el.record();
        out.push({ id: el.id, step: s.step, finite: rec.losses.every(Number.isFinite) && Number.isFinite(rec.test_cost) });
      }
      return out;
    });
    assert(r.length >= 5, `${r.length} playgrounds`);
    for (const x of r) assert(x.step === 20 && x.finite, `${x.id}: ${JSON.stringify(x)}`);
    noErrors(errors);
    await p.close();
  });

  await check('embed: axe-core finds no WCAG 2 A/AA violation on tutorial.html and embed.html (en light, zh dark)', async () => {
    const axePath = path.join(root, 'tools', 'node_modules', 'axe-core', 'axe.min.js');
    if (!fs.existsSync(axePath)) throw new Skip('axe-core is not installed in tools/');
    const p = await context.newPage();
    const found = [];
    for (const [lang, scheme] of [['en', 'light'], ['zh', 'dark']]) {
      await p.emulateMedia({ colorScheme: scheme });
      for (const url of [`/tutorial.html?lang=${lang}`, `/embed.html#controls=data,model,toolbar,log,loss,grid,code&lang=${lang}`]) {
        await p.goto(`${base}${url}`);
        await p.waitForFunction(() => customElements.get('nn-playground') && document.querySelector('nn-playground'), undefined, { timeout: 30000 });
        await p.evaluate(async () => {
          for (const el of document.querySelectorAll('nn-playground')) { await el.ready; await el.step(3); }
        });
        await p.addScriptTag({ path: axePath });
        const result = await p.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
        for (const v of result.violations) found.push(`${url} ${scheme}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
      }
    }
    await p.close();
    assert(found.length === 0, found.slice(0, 4).join(' | '));
  });
}
