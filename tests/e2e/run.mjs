// End-to-end tests of the page in headless Chromium: serves dist/ on 127.0.0.1, runs every check
// twice (without WebGPU, then with --enable-unsafe-webgpu), saves screenshots to test-artifacts/,
// prints the measured figures, each pass's `N passed, M failed, K skipped` and the total;
// exits non-zero on any failure. A check that cannot run in a pass (the WebGPU checks when
// Chromium offers no adapter) says `skipped` and why; it never passes silently.
//
// Usage: node tests/e2e/run.mjs   (after building the page into dist/; NNPLAY_DIST=dir picks another)

import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  serve as serveDir, launch, hashFor, MODELS, frameProbe, frameWork, compareRates,
} from './measure.mjs';
import { pageLine, pkgLine } from '../../bench/size.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.resolve(process.env.NNPLAY_DIST ?? path.join(ROOT, 'dist'));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(ROOT, 'tools', 'node_modules', 'playwright-core'));

// Pages the server adds to dist/ for the package checks: tests/e2e/pkg.html, and the README's
// page for tutorial authors (written to test-artifacts/ by main).
const EXTRA_PAGES = {
  '/pkg-test.html': path.join(ROOT, 'tests', 'e2e', 'pkg.html'),
  '/readme-example.html': path.join(ARTIFACTS, 'readme-example.html'),
};

let passed = 0;
let failed = 0;
let skipped = 0;
const figures = [];
const passes = [];

const serve = () => serveDir(DIST, EXTRA_PAGES);

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

let skipRest = false;

// The console errors and page errors of the pass in progress (printed when the page fails to start).
let currentProblems = [];

/** Thrown by a check that cannot run here: it is counted and printed as skipped. */
class Skip extends Error {}

// For working on one part: NNPLAY_E2E_ONLY=regex runs the checks whose names match (and the
// essential ones), NNPLAY_E2E_PASS=cpu|webgpu one pass. The full suite runs when neither is set.
const ONLY = process.env.NNPLAY_E2E_ONLY ? new RegExp(process.env.NNPLAY_E2E_ONLY) : null;
const PASS = process.env.NNPLAY_E2E_PASS ?? '';

async function check(name, fn, { essential = false } = {}) {
  const t0 = Date.now();
  if (ONLY && !essential && !ONLY.test(name)) return;
  if (skipRest) {
    failed++;
    console.log(`  FAIL ${name}: not run (the page did not start)`);
    return;
  }
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    if (e instanceof Skip) {
      skipped++;
      console.log(`  skip ${name}: skipped: ${e.message}`);
      return;
    }
    failed++;
    if (essential) skipRest = true;
    console.log(`  FAIL ${name}: ${e.message.split('\n')[0]}`);
    if (essential) for (const p of currentProblems.slice(0, 5)) console.log(`       ${p}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(page, fn, arg, timeout = 15000) {
  return page.waitForFunction(fn, arg, { timeout, polling: 50 });
}

const ready = (page) => waitFor(page, () => performance.getEntriesByName('nnplay:ready').length > 0, undefined, 30000);
const stepCount = (page) => page.$eval('#step-count', (e) => Number(e.dataset.value));
const trainCost = (page) => page.$eval('#train-cost', (e) => Number(e.dataset.value));
const untilStep = (page, n, timeout) =>
  waitFor(page, (n) => Number(document.querySelector('#step-count').dataset.value) === n, n, timeout);

/** The config changes in the page's hash (`{}` without one). */
const hashConfig = (page) => page.evaluate(() => {
  const m = /^#c=([A-Za-z0-9_-]*)$/.exec(location.hash);
  if (!m) return {};
  const bin = atob(m[1].replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
});

/** The value of every form control that edits the config, by id. */
const controlValues = (page) => page.$$eval('#data-controls [id], #model-controls [id], #layers [id], #backend',
  (els) => Object.fromEntries(els.map((e) => [e.id, e.type === 'checkbox' ? e.checked : e.value ?? null])));

const alertTexts = (page) => page.$$eval('#alerts .alert-text', (ps) => ps.map((p) => p.textContent));
const clearAlerts = (page) => page.$eval('#alerts', (e) => e.replaceChildren());
const waitAlert = (page, re, timeout = 15000) => waitFor(page, (src) => {
  const r = new RegExp(src);
  return [...document.querySelectorAll('#alerts .alert-text')].some((p) => r.test(p.textContent));
}, re.source, timeout);

/** Runs `fn` (an edit) and waits until the page shows the experiment it rebuilt. */
async function rebuilt(page, fn, timeout = 30000) {
  const id = await page.$eval('body', (b) => Number(b.dataset.experiment ?? 0));
  await fn();
  await waitFor(page, (id) => Number(document.body.dataset.experiment ?? 0) > id, id, timeout);
}

/** Types `value` into a form control and commits it (a `change` event), as a person would. */
async function setField(page, selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, 'change');
}

/** Everything a refused edit must leave alone: the address, the forms, the step count. */
const snapshot = async (page) => ({ href: page.url(), controls: await controlValues(page), step: await stepCount(page) });

function assertKept(before, after, what) {
  assert(after.href === before.href, `${what}: the URL changed: ${before.href} → ${after.href}`);
  assert(after.step === before.step, `${what}: the step count changed: ${before.step} → ${after.step}`);
  for (const [id, v] of Object.entries(before.controls)) {
    assert(after.controls[id] === v, `${what}: control ${id} changed: ${v} → ${after.controls[id]}`);
  }
  assert(Object.keys(after.controls).length === Object.keys(before.controls).length, `${what}: the forms changed`);
}

/** A small seeded generator (xorshift32) so that the fuzz cases are the same every run. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

const b64url = (text) => Buffer.from(text).toString('base64url');

/** Non-background pixels of a canvas (the background is its top-left pixel). */
function inkOf(page, selector) {
  return page.$eval(selector, (c) => {
    const { data, width, height } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const [r0, g0, b0] = data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - r0) + Math.abs(data[i + 1] - g0) + Math.abs(data[i + 2] - b0) > 30) ink++;
    }
    return { ink, total: width * height };
  });
}

/** For each `#rrggbb` colour, the canvas pixels within a small distance of it (anti-aliasing aside). */
function colourCounts(page, selector, colours) {
  return page.$eval(selector, (c, colours) => {
    const want = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const n = want.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
      for (let k = 0; k < want.length; k++) {
        const [r, g, b] = want[k];
        if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) <= 12) n[k]++;
      }
    }
    return n;
  }, colours);
}

async function suite(label, webgpu, base) {
  console.log(`\n== ${label} ==`);
  const counts = [passed, failed, skipped];
  // Whether this pass must train on WebGPU: the WebGPU pass, once Chromium shows an adapter.
  let gpuExpected = false;
  const browser = await launch(chromium, webgpu);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const problems = [];
  currentProblems = problems;
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  };
  const tag = webgpu ? 'webgpu' : 'cpu';
  const shot = (page, name, opts = {}) => page.screenshot({ path: path.join(ARTIFACTS, `${tag}-${name}.png`), ...opts });

  const page = await context.newPage();
  watch(page);

  await check('page loads and the engine starts', async () => {
    await page.goto(`${base}/`);
    await ready(page);
    await page.waitForFunction(() => document.querySelector('#summary').textContent.includes('Total params'));
  }, { essential: true });

  await check('backend line names the backend that runs; auto never takes a software adapter', async () => {
    const line = await page.$eval('#backend-line', (e) => e.textContent);
    assert(/^Using (WebGPU|CPU) backend/.test(line), `unexpected line: ${line}`);
    const probe = await page.evaluate(async () => {
      const adapter = navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
      let supported = false;
      try {
        const e = await window.wasmBindings.Experiment.create(window.wasmBindings.defaultConfig(), 'webgpu');
        supported = e.backend === 'webgpu';
        e.free();
      } catch { supported = false; }
      return { adapter: !!adapter, software: !!adapter?.info?.isFallbackAdapter, supported };
    });
    console.log(`       backend: "${line}" (adapter: ${probe.adapter}${probe.software ? ', software' : ''}, WebGPU backend available: ${probe.supported})`);
    // The tutorial's step is far too small for a GPU: auto takes the CPU and says why.
    assert(/^Using CPU backend \(this model is too small to gain from the GPU: .+\)/.test(line), `expected CPU, too small: ${line}`);
    assert(await page.$eval('#backend-line', (e) => e.dataset.backend) === 'cpu', 'data-backend is not cpu');
    if (!webgpu) return;
    if (!probe.adapter) throw new Skip('no WebGPU adapter');
    gpuExpected = true;
    assert(probe.supported, 'Chromium has a WebGPU adapter but the engine cannot use it');
    // A model big enough for the GPU: auto still refuses SwiftShader (a software adapter).
    const big = { model: { layers: [{ units: 256, activation: 'tanh' }, { units: 256, activation: 'tanh' }, { units: 1 }] } };
    const p = await context.newPage();
    watch(p);
    await p.goto(`${base}/?lang=en${hashFor(big)}`);
    await ready(p);
    const bigLine = await p.$eval('#backend-line', (e) => e.textContent);
    console.log(`       big model, auto: "${bigLine}"`);
    if (probe.software) {
      assert(/^Using CPU backend \(the only WebGPU adapter is a software one: .+\)/.test(bigLine), `auto took a software adapter: ${bigLine}`);
    }
    // An explicit choice still runs on any adapter.
    await p.goto(`${base}/?lang=en&backend=webgpu`);
    await ready(p);
    const explicit = await p.$eval('#backend-line', (e) => `${e.dataset.backend}: ${e.textContent}`);
    assert(explicit.startsWith('webgpu: Using WebGPU backend'), `explicit webgpu: ${explicit}`);
    await p.click('#step100');
    await untilStep(p, 100);
    assert(await trainCost(p) < 1, 'WebGPU training did not lower the cost');
    await p.close();
  });

  let firstCost;
  await check('Step lowers the train cost', async () => {
    await page.click('#step');
    await untilStep(page, 1);
    firstCost = await trainCost(page);
    await page.click('#step');
    await untilStep(page, 2);
    await page.click('#step100');
    await untilStep(page, 102);
    const later = await trainCost(page);
    assert(later < firstCost, `cost ${later} not below ${firstCost}`);
    const log = await page.$eval('#log', (e) => e.textContent);
    assert(/^Training\ntrain cost: \d/.test(log), `log: ${log.slice(0, 80)}`);
    assert(log.includes('train cost:') && log.split('train cost:').length === 3, 'train cost every 100 steps');
  });

  await check('Play then Pause stops the count', async () => {
    await page.click('#play');
    await waitFor(page, () => Number(document.querySelector('#step-count').dataset.value) > 400);
    await page.click('#pause');
    await sleep(300);
    const a = await stepCount(page);
    await sleep(600);
    const b = await stepCount(page);
    assert(a === b && a > 400, `count moved after pause: ${a} → ${b}`);
    await waitFor(page, () => document.querySelector('#log').textContent.includes('test cost:'));
    const log = await page.$eval('#log', (e) => e.textContent);
    assert(/weights: \[\[-?\d/.test(log) && /biases: \[-?\d/.test(log), 'weights and biases logged at pause');
  });

  await check('the page logs the tutorial in the CLI\'s words and numbers (`nnplay tutorial --lang en`)', async () => {
    // The CLI that `cargo test` builds (make test runs the native tests first).
    const cli = ['debug', 'release'].map((p) => path.join(ROOT, 'target', p, 'nnplay')).find((f) => fs.existsSync(f));
    if (!cli) throw new Skip('no target/{debug,release}/nnplay: build it with cargo build');
    const out = spawnSync(cli, ['tutorial', '--lang', 'en', '--backend', 'cpu'], { encoding: 'utf8' });
    assert(out.status === 0, `the CLI failed: ${out.stderr}`);
    const expected = out.stdout.slice(out.stdout.indexOf('Training\n')).trimEnd();
    const p = await context.newPage();
    watch(p);
    await p.goto(`${base}/?lang=en`);
    await ready(p);
    // Four Step ×100: the tutorial's 301 steps and its evaluation at the end, in a log short
    // enough to keep its first line.
    for (let n = 100; n <= 400; n += 100) {
      await p.click('#step100');
      await untilStep(p, n);
    }
    await waitFor(p, () => document.querySelector('#log').textContent.includes('biases:'), undefined, 30000);
    const log = await p.$eval('#log', (e) => e.textContent);
    assert(log.startsWith(expected), `the page's log:\n${log.slice(0, expected.length + 40)}\nthe CLI's:\n${expected}`);
    await p.close();
  });

  await check('the main plot is drawn (not blank)', async () => {
    const { ink, total } = await inkOf(page, '#fit-canvas');
    assert(ink > total * 0.01, `only ${ink} of ${total} pixels drawn`);
    await shot(page, 'trained', { fullPage: true });
  });

  await check('the engine draws the canvases: their colours, a moving loss curve, no drawing code in www/', async () => {
    const res = (await fetch(`${base}/www/plot.js`)).status;
    assert(res === 404, `www/plot.js is served (${res})`);
    // The light theme's train (#0072b2), test (#d55e00) and curve (#1d2125) colours.
    const fit = await colourCounts(page, '#fit-canvas', ['#0072b2', '#d55e00', '#1d2125']);
    assert(fit.every((n) => n > 20), `fit plot colours train/test/curve: ${fit.join('/')} pixels`);
    const [loss] = await colourCounts(page, '#loss-canvas', ['#0072b2']);
    assert(loss > 50, `loss curve: ${loss} pixels of the train colour`);
    const dpr = await page.$eval('#loss-canvas', (c) => c.width / c.getBoundingClientRect().width);
    assert(Math.abs(dpr - 1) < 0.02, `loss canvas backing store ${dpr} × its CSS size at devicePixelRatio 1`);
    const before = await page.$eval('#loss-canvas', (c) => c.toDataURL());
    const s0 = await stepCount(page);
    await page.click('#step100');
    await untilStep(page, s0 + 100, webgpu ? 60000 : 15000);
    await waitFor(page, (b) => document.querySelector('#loss-canvas').toDataURL() !== b, before);
  });

  await check('the dark colour scheme redraws the plots on its background', async () => {
    const bg = (sel) => page.$eval(sel, (c) => [...c.getContext('2d').getImageData(0, 0, 1, 1).data.slice(0, 3)].join(','));
    const light = await bg('#fit-canvas');
    assert(light === '255,255,255', `light background ${light}`);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      const dark = '29,33,37'; // --plot-bg #1d2125
      for (const sel of ['#fit-canvas', '#loss-canvas', '.grid-panel:first-child canvas']) {
        await waitFor(page, ([s, want]) => {
          const d = document.querySelector(s).getContext('2d').getImageData(0, 0, 1, 1).data;
          return [...d.slice(0, 3)].join(',') === want;
        }, [sel, dark], 5000).catch(async () => { throw new Error(`${sel}: background ${await bg(sel)}, not ${dark}`); });
      }
      // The dark curve colour (#f0e442) is drawn.
      const [curve] = await colourCounts(page, '#fit-canvas', ['#f0e442']);
      assert(curve > 20, `dark curve: ${curve} pixels`);
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
    await waitFor(page, () => {
      const d = document.querySelector('#fit-canvas').getContext('2d').getImageData(0, 0, 1, 1).data;
      return d[0] === 255 && d[1] === 255 && d[2] === 255;
    }, undefined, 5000);
  });

  await check('Reset returns to step 0 and the same first cost', async () => {
    await page.click('#reset');
    await untilStep(page, 0);
    await page.click('#step');
    await untilStep(page, 1);
    const again = await trainCost(page);
    assert(again === firstCost, `first cost ${again} ≠ ${firstCost}`);
  });

  await check('keyboard: space plays and pauses, → steps', async () => {
    await page.evaluate(() => document.activeElement?.blur());
    const s0 = await stepCount(page);
    await page.keyboard.press('ArrowRight');
    await untilStep(page, s0 + 1);
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Space');
    await waitFor(page, (s) => Number(document.querySelector('#step-count').dataset.value) > s + 50, s0);
    assert(await page.$eval('#play', (b) => b.disabled), 'Play should be disabled while playing');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Space');
    await waitFor(page, () => !document.querySelector('#play').disabled);
    await sleep(200);
    const a = await stepCount(page);
    await sleep(400);
    assert((await stepCount(page)) === a, 'space did not pause');
  });

  await check('the 5 × 2 grid fills its 10 panels after 1000 steps', async () => {
    await page.click('#reset');
    await untilStep(page, 0);
    assert((await page.$$('.grid-panel.filled')).length === 0, 'panels filled before training');
    for (let i = 0; i < 10; i++) await page.click('#step100');
    // SwiftShader runs WebGPU on the CPU at about a hundred steps a second here.
    await untilStep(page, 1000, webgpu ? 120000 : 15000);
    await waitFor(page, () => document.querySelectorAll('.grid-panel.filled').length === 10, null, webgpu ? 60000 : 15000)
      .catch(async (e) => {
        const n = await page.$$eval('.grid-panel.filled', (ps) => ps.length);
        const step = await page.$eval('#step-count', (e) => e.dataset.value);
        throw new Error(`${n} panels filled at step ${step}: ${e.message}`);
      });
    const captions = await page.$$eval('.panel-caption', (ps) => ps.map((p) => p.textContent));
    // Numbered 1 to 10, as the tutorial's figure numbers its subplots.
    assert(captions.every((c, k) => new RegExp(`^cost=\\S+ k=${k + 1}$`).test(c)), `captions: ${captions.join(' | ')}`);
    const ink = await inkOf(page, '.grid-panel:last-child canvas');
    assert(ink.ink > ink.total * 0.01, 'last panel blank');
    await page.$eval('#grid', (e) => e.scrollIntoView());
    await shot(page, 'grid');
  });

  await check('a new seed changes the data', async () => {
    const before = await page.$eval('#fit-canvas', (c) => c.toDataURL());
    const seed0 = await page.$eval('#f-seed', (e) => e.value);
    await page.click('#new-seed');
    await waitFor(page, (s) => document.querySelector('#f-seed').value !== s, seed0);
    await untilStep(page, 0);
    await sleep(100);
    const after = await page.$eval('#fit-canvas', (c) => c.toDataURL());
    assert(before !== after, 'the plot did not change');
    await page.click('#step');
    await untilStep(page, 1);
    assert((await trainCost(page)) !== firstCost, 'same first cost with another seed');
    assert(/#c=/.test(page.url()), 'the seed is not in the URL');
  });

  await check('a huge learning rate shows the divergence message', async () => {
    // A learning rate edit keeps the trained model (no rebuild): the count stays where it was.
    const s0 = await stepCount(page);
    await setField(page, '#f-optimizer-learning-rate', 50);
    await waitFor(page, () => location.hash.length > 3 && document.querySelector('#f-optimizer-learning-rate').value === '50');
    assert((await hashConfig(page)).optimizer?.learning_rate === 50, 'the learning rate is not in the URL');
    assert((await stepCount(page)) === s0, 'the learning rate edit restarted the run');
    await page.click('#play');
    await page.waitForSelector('#diverge:not([hidden])', { timeout: 15000 });
    const text = await page.$eval('#diverge', (e) => e.textContent);
    assert(/diverged/i.test(text) && /learning rate/i.test(text), `message: ${text}`);
    assert(!(await page.$eval('#pause', (b) => !b.disabled)), 'still playing after divergence');
    await shot(page, 'diverged');
    await page.click('#diverge-apply');
    // Diverged weights are no start: the offered rate starts the run again.
    await waitFor(page, () => document.querySelector('#diverge').hidden);
    await untilStep(page, 0);
    const lr = Number(await page.$eval('#f-optimizer-learning-rate', (e) => e.value));
    assert(lr > 0 && lr < 50, `learning rate after apply: ${lr}`);
    await page.click('#step100');
    await untilStep(page, 100);
    const c = await trainCost(page);
    assert(Number.isFinite(c), 'the stable learning rate still diverges');
  });

  await check('hover reads ŷ; Export run downloads the run record', async () => {
    const box = await page.$eval('#fit-canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
    await page.mouse.move(box.x + box.w * 0.6, box.y + box.h * 0.5);
    await waitFor(page, () => /ŷ = -?\d/.test(document.querySelector('#predict-out').textContent));
    await page.mouse.move(0, 0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-run')]);
    const record = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert(record.format === 'nnplay.run/1', `format ${record.format}`);
    assert(record.losses.length === 100 && record.config.optimizer.learning_rate < 50, 'record does not match the run');
  });

  await check('hover maps the pointer to x through the engine\'s view; ŷ is predict at that x', async () => {
    const p = await context.newPage();
    watch(p);
    await p.goto(`${base}/?lang=en`);
    await ready(p);
    await p.$eval('#fit-canvas', (c) => c.scrollIntoView({ block: 'center' }));
    const box = await p.$eval('#fit-canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
    const px = box.w * 0.6;
    await p.mouse.move(box.x + px, box.y + box.h * 0.5);
    await waitFor(p, () => /ŷ = -?\d/.test(document.querySelector('#predict-out').textContent));
    const text = await p.$eval('#predict-out', (e) => e.textContent);
    const m = /x = (\S+) → ŷ = (\S+)/.exec(text);
    assert(m, `read-out: ${text}`);
    const [shownX, shownY] = [Number(m[1]), Number(m[2])];
    const { rect, bounds } = await p.$eval('#fit-canvas', (c) => ({
      rect: c.dataset.plotRect.split(' ').map(Number), bounds: c.dataset.plotBounds.split(' ').map(Number),
    }));
    const [left, , width] = rect;
    const [x0, x1] = bounds;
    const perPixel = (x1 - x0) / width;
    const expected = x0 + ((px - left) / width) * (x1 - x0);
    // The read-out rounds x to 4 significant digits.
    assert(Math.abs(shownX - expected) <= perPixel + Math.abs(expected) * 1e-3, `x ${shownX}, expected ${expected} ± ${perPixel}`);
    // The same experiment, untrained, built on the CPU: its prediction within a pixel of x.
    const ys = await p.evaluate(async ([x, d]) => {
      const w = window.wasmBindings;
      const e = await w.Experiment.create(w.defaultConfig(), 'cpu');
      try { return [...(await e.predict(new Float32Array([x - d, x, x + d])))]; } finally { e.free(); }
    }, [expected, perPixel]);
    const tol = 1e-4 * Math.max(1, Math.abs(shownY));
    assert(shownY >= Math.min(...ys) - tol && shownY <= Math.max(...ys) + tol, `ŷ ${shownY}, predict near x: ${ys.join(', ')}`);
    await p.close();
  });

  await check('backend switch: webgpu either runs or says why and keeps training on the CPU', async () => {
    await page.selectOption('#backend', 'webgpu');
    await waitFor(page, () => /[?&]backend=webgpu/.test(location.search));
    await untilStep(page, 0);
    await waitFor(page, () => /^Using (WebGPU|CPU) backend/.test(document.querySelector('#backend-line').textContent));
    const line = await page.$eval('#backend-line', (e) => e.textContent);
    if (gpuExpected) assert(line.startsWith('Using WebGPU backend'), `expected WebGPU: ${line}`);
    if (line.startsWith('Using CPU')) {
      const alerts = await page.$eval('#alerts', (e) => e.textContent);
      assert(/WebGPU could not start/.test(alerts), `no reason shown: ${alerts}`);
    }
    await page.click('#step');
    await untilStep(page, 1);
    await page.selectOption('#backend', 'auto');
    await waitFor(page, () => !/backend=/.test(location.search));
    await untilStep(page, 0);
    await page.click('#step100');
    await untilStep(page, 100);
  });

  await check('bad CSV shows an error naming the line', async () => {
    await page.fill('#csv', 'x,y\n0,1\n1,2\nabc,3\n');
    await page.click('#csv-apply');
    await waitFor(page, () => [...document.querySelectorAll('#alerts .alert-text')].some((p) => /line 4/.test(p.textContent)));
    await page.fill('#csv', '0,1\n1,2\n2,3\n3,4\n4,5\n');
    await page.click('#csv-apply');
    await waitFor(page, () => document.querySelector('#f-data-kind').value === 'custom');
  });

  await check('URL state: a changed config survives a reload; a broken link falls back', async () => {
    await page.goto(`${base}/`);
    await ready(page);
    await page.fill('#f-data-n', '50');
    await page.dispatchEvent('#f-data-n', 'change');
    await waitFor(page, () => /#c=/.test(location.hash));
    await page.reload();
    await ready(page);
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '50', 'n not restored');
    await page.goto(`${base}/?lang=en#c=not*valid`);
    await ready(page);
    const alerts = await page.$eval('#alerts', (e) => e.textContent);
    assert(/could not be used \(it is not a link of this page\)/.test(alerts), `no error shown: ${alerts}`);
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '200', 'defaults not used');
    assert(!page.url().includes('#'), `the bad hash is still in the address: ${page.url()}`);
    await page.goto(`${base}/?lang=en#c=${b64url('{"data":{"n":-3}}')}`);
    await ready(page);
    const text = await page.$eval('#alerts', (e) => e.textContent);
    assert(/could not be used/.test(text) && /data\.n/.test(text), `invalid config not reported with its field: ${text}`);
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '200', 'defaults not used for an invalid config');
    assert(!page.url().includes('#'), `the bad hash is still in the address: ${page.url()}`);
    // The default experiment runs.
    await page.click('#step');
    await untilStep(page, 1);
    assert((await trainCost(page)) === firstCost, 'not the default experiment');
  });

  const schema = await page.evaluate(() => window.wasmBindings.schema()).catch(() => null);
  const idOf = (path) => 'f-' + path.replace(/[._]/g, '-');

  await check('the schema\'s bounds are the engine\'s: each is accepted or refused as it says', async () => {
    const wrong = await page.evaluate(() => {
      const w = window.wasmBindings;
      const s = w.schema();
      const base = JSON.parse(w.defaultConfig());
      const ok = (c) => { try { w.normalizeConfig(JSON.stringify(c)); return true; } catch { return false; } };
      const out = [];
      const probe = (what, b, make) => {
        const tiny = (v) => Math.max(1e-9, Math.abs(v) * 1e-9);
        const cases = [];
        if (b.min !== null && b.min !== undefined) {
          const below = b.integer ? b.min - 1 : b.min - tiny(b.min);
          cases.push([b.min, b.min_inclusive], [below, false]);
          // Just inside an open bound (for train_fraction, one that leaves both splits points).
          const inside = (b.max ?? b.min + 1) - b.min;
          if (!b.min_inclusive) cases.push([b.min + (b.integer ? 1 : inside / 100), true]);
        }
        if (b.max !== null && b.max !== undefined) {
          // 2^53 + 1 is no JS number: the next integer above MAX_SEED that is one is 2^53 + 2.
          const above = b.integer ? (b.max + 1 === b.max ? b.max + 2 : b.max + 1) : b.max + tiny(b.max);
          cases.push([b.max, b.max_inclusive], [above, false]);
          const inside = b.max - (b.min ?? b.max - 1);
          if (!b.max_inclusive) cases.push([b.max - (b.integer ? 1 : inside / 100), true]);
        }
        if (b.nullable) cases.push([null, true]);
        for (const [v, expect] of cases) {
          if (ok(make(v)) !== expect) out.push(`${what} = ${v}: the engine ${expect ? 'refuses' : 'accepts'} it`);
        }
      };
      for (const [path, b] of Object.entries(s.fields)) {
        probe(path, b, (v) => {
          const c = structuredClone(base);
          // Two points split in half: one to train, one to test (0.8 of 2 leaves no test point).
          if (path === 'data.n') c.data.train_fraction = 0.5;
          if (path === 'model.layers.units') c.model.layers = [{ units: v, activation: 'tanh' }, { units: 1 }];
          else {
            const keys = path.split('.');
            const last = keys.pop();
            keys.reduce((o, k) => o[k], c)[last] = v;
          }
          return c;
        });
      }
      for (const o of s.optimizers) {
        for (const p of o.params) {
          if (p.kind !== 'number') continue;
          probe(`${o.name}.${p.name}`, { ...p, integer: false }, (v) => ({ ...base, optimizer: { name: o.name, [p.name]: v } }));
        }
      }
      const layers = (n) => ({ ...base, model: { ...base.model, layers: Array.from({ length: n }, () => ({ units: 1 })) } });
      if (!ok(layers(s.limits.MAX_LAYERS)) || ok(layers(s.limits.MAX_LAYERS + 1))) out.push('MAX_LAYERS is not the limit');
      return out;
    });
    assert(wrong.length === 0, wrong.join('; '));
  });

  await check('controls come from the engine: each optimizer shows exactly its parameters, defaults and bounds', async () => {
    assert(schema && schema.optimizers.length >= 3, 'no schema from the engine');
    await page.goto(`${base}/?lang=en`);
    await ready(page);
    const optNames = await page.$$eval('#f-optimizer-name option', (os) => os.map((o) => o.value));
    assert(JSON.stringify(optNames) === JSON.stringify(schema.optimizers.map((o) => o.name)), `optimizers listed: ${optNames}`);
    const losses = await page.$$eval('#f-loss option', (os) => os.map((o) => o.value));
    assert(JSON.stringify(losses) === JSON.stringify(schema.losses), `losses listed: ${losses}`);
    const acts = await page.$$eval('#layer-0-activation option', (os) => os.map((o) => o.value));
    assert(JSON.stringify(acts) === JSON.stringify(schema.activations), `activations listed: ${acts}`);
    const kinds = await page.$$eval('#f-data-kind option', (os) => os.map((o) => o.value));
    assert(JSON.stringify(kinds) === JSON.stringify(schema.data_kinds.map((k) => k.name)), `data kinds: ${kinds}`);
    const backends = await page.$$eval('#backend option', (os) => os.map((o) => o.value));
    assert(JSON.stringify(backends) === JSON.stringify(schema.backends), `backends: ${backends}`);
    const units = await page.$eval('#layer-0-units', (e) => [e.min, e.max]);
    assert(units[0] === '1' && units[1] === String(schema.limits.MAX_UNITS), `units bounds ${units}`);
    const n = await page.$eval('#f-data-n', (e) => [e.min, e.max]);
    assert(n[0] === String(schema.limits.MIN_POINTS) && n[1] === String(schema.limits.MAX_POINTS), `n bounds ${n}`);
    // Every optimizer but the current one first, then back to the first (each switch rebuilds).
    const order = [...schema.optimizers.slice(1), schema.optimizers[0]];
    for (const spec of order) {
      await rebuilt(page, () => page.selectOption('#f-optimizer-name', spec.name));
      await untilStep(page, 0);
      const shown = await page.$$eval('#model-controls [id^="f-optimizer-"]', (els) => els
        .filter((e) => e.id !== 'f-optimizer-name')
        .map((e) => ({ id: e.id, type: e.type, value: e.value, checked: e.checked, min: e.getAttribute('min'), max: e.getAttribute('max') })));
      const want = spec.params.map((p) => idOf(`optimizer.${p.name}`));
      assert(JSON.stringify(shown.map((e) => e.id)) === JSON.stringify(want), `${spec.name} shows ${shown.map((e) => e.id)}, not ${want}`);
      for (const p of spec.params) {
        const e = shown.find((x) => x.id === idOf(`optimizer.${p.name}`));
        if (p.kind === 'bool') {
          assert(e.type === 'checkbox' && e.checked === (p.default !== 0), `${spec.name}.${p.name}: ${e.type} ${e.checked}`);
        } else {
          assert(e.type === 'number' && Number(e.value) === p.default, `${spec.name}.${p.name} = ${e.value}, default ${p.default}`);
          assert(e.min === (p.min_inclusive ? String(p.min) : null), `${spec.name}.${p.name} min ${e.min}`);
          assert(e.max === (p.max_inclusive ? String(p.max) : null), `${spec.name}.${p.name} max ${e.max}`);
        }
      }
      const inUrl = (await hashConfig(page)).optimizer;
      if (spec !== schema.optimizers[0]) {
        const defaults = Object.fromEntries(spec.params.map((p) => [p.name, p.kind === 'bool' ? p.default !== 0 : p.default]));
        assert(JSON.stringify(inUrl) === JSON.stringify({ name: spec.name, ...defaults }), `URL optimizer ${JSON.stringify(inUrl)}`);
      }
      await page.click('#step');
      await untilStep(page, 1);
      assert(Number.isFinite(await trainCost(page)), `${spec.name} does not train`);
    }
  });

  await check('every control has a translated label in English and Chinese; both languages have the same keys', async () => {
    const labelsOf = () => page.evaluate(() => {
      const named = [];
      for (const e of document.querySelectorAll('input, select, textarea, button')) {
        if (e.closest('[hidden]')) continue; // labelled when shown (e.g. the divergence offer)
        const name = (e.getAttribute('aria-label') || [...(e.labels ?? [])].map((l) => l.textContent).join(' ')
          || e.textContent || '').trim();
        named.push([e.id || e.outerHTML.slice(0, 60), name]);
        if (e.tagName === 'SELECT') for (const o of e.options) named.push([`${e.id} option ${o.value}`, o.textContent.trim()]);
      }
      return { named, body: document.body.innerText };
    });
    const problems = [];
    for (const lang of ['en', 'zh']) {
      await page.selectOption('#lang', lang);
      await waitFor(page, (l) => document.documentElement.lang.startsWith(l), lang);
      // Every optimizer's form (each switch builds that optimizer's experiment).
      for (const spec of schema.optimizers) {
        if ((await page.$eval('#f-optimizer-name', (e) => e.value)) !== spec.name) {
          await rebuilt(page, () => page.selectOption('#f-optimizer-name', spec.name));
        }
        const { named, body } = await labelsOf();
        for (const [id, name] of named) {
          if (!name) problems.push(`${lang}: ${id} has no label`);
          else if (name.includes('⟦')) problems.push(`${lang}: ${id} is labelled ${name}`);
        }
        if (body.includes('⟦')) problems.push(`${lang}: untranslated text: ${body.slice(body.indexOf('⟦'), body.indexOf('⟦') + 40)}`);
      }
    }
    await page.selectOption('#lang', 'en');
    const keys = await page.evaluate(async () => {
      const i18n = await import('/www/i18n.js');
      return { en: i18n.keysOf('en'), zh: i18n.keysOf('zh'), missing: i18n.missingKeys() };
    });
    const onlyEn = keys.en.filter((k) => !keys.zh.includes(k));
    const onlyZh = keys.zh.filter((k) => !keys.en.includes(k));
    if (onlyEn.length) problems.push(`only in English: ${onlyEn.join(', ')}`);
    if (onlyZh.length) problems.push(`only in Chinese: ${onlyZh.join(', ')}`);
    if (keys.missing.length) problems.push(`asked for and missing: ${keys.missing.join(', ')}`);
    assert(problems.length === 0, [...new Set(problems)].slice(0, 6).join(' | '));
  });

  await check('an invalid edit leaves the URL, the controls and the training as they were, and says why', async () => {
    await page.goto(`${base}/?lang=en`);
    await ready(page);
    await rebuilt(page, () => page.click('#add-layer'));
    await rebuilt(page, () => setField(page, '#layer-0-units', 4096));
    assert((await page.$eval('#layer-0-units', (e) => e.value)) === '4096', 'the layer did not grow');
    for (let i = 0; i < 3; i++) await page.click('#step');
    await untilStep(page, 3, webgpu ? 60000 : 15000);
    await clearAlerts(page);
    const before = await snapshot(page);
    const cases = [
      ['#layer-0-units', 0, /not applied.*model\.layers\[0\]/],
      ['#layer-0-units', schema.limits.MAX_UNITS + 1, /not applied.*model\.layers\[0\]/],
      ['#f-optimizer-learning-rate', -1, /not applied.*learning_rate/],
      ['#f-optimizer-momentum', 1, /not applied.*momentum/],
      // 100 000 points through a 4096-unit layer: more buffer memory than the engine allows.
      ['#f-data-n', schema.limits.MAX_POINTS, /not applied.*MB of buffers/],
      ['#f-data-train-fraction', 1, /not applied.*train_fraction/],
      ['#f-training-steps', 0, /not applied.*training\.steps/],
    ];
    for (const [selector, value, message] of cases) {
      await setField(page, selector, value);
      await waitAlert(page, message);
      await sleep(100);
      assertKept(before, await snapshot(page), `${selector} = ${value}`);
      await clearAlerts(page);
    }
    // A message in Chinese when the page speaks Chinese.
    await page.selectOption('#lang', 'zh');
    await setField(page, '#f-optimizer-learning-rate', -1);
    await waitAlert(page, /这项修改没有生效.*learning_rate/);
    await page.selectOption('#lang', 'en');
    assert((await page.$eval('#alerts', (e) => e.getAttribute('role'))) === 'alert', 'the messages are not announced');
    // The kept experiment goes on from where it was.
    await page.click('#step');
    await untilStep(page, 4, webgpu ? 60000 : 15000);
    assert(Number.isFinite(await trainCost(page)), 'the kept experiment does not train');
  });

  await check('Back after a rebuild restores the previous experiment; a learning rate edit adds no entry', async () => {
    await page.goto(`${base}/?lang=en`);
    await ready(page);
    await rebuilt(page, () => setField(page, '#f-data-n', 50));
    await rebuilt(page, () => setField(page, '#f-data-noise', 0.2));
    assert(JSON.stringify((await hashConfig(page)).data) === '{"n":50,"noise":0.2}', 'both edits not in the URL');
    await page.click('#step100');
    await untilStep(page, 100);
    await setField(page, '#f-optimizer-learning-rate', 0.02);
    await waitFor(page, () => document.querySelector('#f-optimizer-learning-rate').value === '0.02');
    assert((await stepCount(page)) === 100, 'the learning rate edit restarted');
    await rebuilt(page, () => page.goBack());
    await untilStep(page, 0);
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '50', 'Back went too far');
    assert((await page.$eval('#f-optimizer-learning-rate', (e) => e.value)) === '0.01', 'Back kept the learning rate');
    assert(JSON.stringify(await hashConfig(page)) === '{"data":{"n":50}}', `URL after Back: ${page.url()}`);
    await rebuilt(page, () => page.goBack());
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '200', 'Back did not restore n');
    assert(!page.url().includes('#'), `URL after the second Back: ${page.url()}`);
    await page.click('#step');
    await untilStep(page, 1);
    assert((await trainCost(page)) === firstCost, 'Back did not restore the default experiment');
    await rebuilt(page, () => page.goForward());
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '50', 'Forward did not restore n');
    await untilStep(page, 0);
  });

  await check('changing the learning rate mid-training keeps the step count and the weights', async () => {
    await page.goto(`${base}/?lang=en`);
    await ready(page);
    await page.click('#step100');
    await untilStep(page, 100);
    const logBefore = await page.$eval('#log', (e) => e.textContent);
    await setField(page, '#f-optimizer-learning-rate', 0.05);
    await waitFor(page, () => /#c=/.test(location.hash));
    assert((await hashConfig(page)).optimizer?.learning_rate === 0.05, 'the learning rate is not in the URL');
    assert((await stepCount(page)) === 100, 'the step count changed');
    assert((await page.$eval('#log', (e) => e.textContent)) === logBefore, 'the log was cleared');
    await page.click('#step');
    await untilStep(page, 101);
    const got = await trainCost(page);
    const backend = await page.$eval('#backend-line', (e) => e.dataset.backend);
    // The same 100 steps, then the new rate, directly on the engine: the page must match.
    const want = await page.evaluate(async (backend) => {
      const w = window.wasmBindings;
      const e = await w.Experiment.create(w.defaultConfig(), backend);
      await e.train(100);
      e.setLearningRate(0.05);
      const [loss] = await e.train(1);
      e.free();
      return loss;
    }, backend);
    assert(Math.abs(got - want) <= 1e-5 * Math.abs(want), `loss at step 101 ${got}, the engine continuing gives ${want}`);
    assert(got < firstCost / 2, `loss ${got} looks like a fresh start (${firstCost})`);
  });

  await check('fuzz: random and truncated links and CSV pastes never break the page', async () => {
    const before0 = problems.length;
    const random = rng(20261130);
    const pick = (chars, n) => Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]).join('');
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const good = b64url(JSON.stringify({ data: { n: 50, noise: 0.2 }, optimizer: { name: 'adam' } }));
    const hashes = [
      ...Array.from({ length: 3 }, () => `#c=${pick(B64, 2 + Math.floor(random() * 40))}`),
      ...Array.from({ length: 3 }, () => `#c=${good.slice(0, 1 + Math.floor(random() * (good.length - 1)))}`),
      `#c=${pick(B64, 5)}$%`, '#nonsense', `#c=${b64url('[1,2]')}`, `#c=${b64url('{"data":{"n":"x"}}')}`,
      `#c=${b64url('{"model":{"layers":[]}}')}`, `#c=${b64url('{"optimizer":{"name":"adagrad"}}')}`,
      `#c=${b64url('{"training":{"steps":1e99}}')}`, `#c=${b64url('{"seed":-1}')}`,
    ];
    await page.goto(`${base}/?lang=en`);
    await ready(page);
    await page.click('#step100');
    await untilStep(page, 100);
    await clearAlerts(page);
    const before = await snapshot(page);
    for (const h of hashes) {
      await page.evaluate((h) => { location.hash = h; }, h);
      await waitAlert(page, /address could not be used/).catch(() => { throw new Error(`no message for ${h}`); });
      await waitFor(page, (href) => location.href === href, before.href).catch(() => { throw new Error(`URL not restored after ${h}`); });
      assertKept(before, await snapshot(page), h);
      await clearAlerts(page);
    }
    // Two broken links opened afresh: the default experiment, with the message.
    for (const h of [hashes[1], hashes[4]]) {
      await page.goto('about:blank'); // else only the hash changes: no new page load
      await page.goto(`${base}/?lang=en${h}`);
      await ready(page);
      await waitAlert(page, /link could not be used/).catch(() => { throw new Error(`no message opening ${h}`); });
      assert((await page.$eval('#f-data-n', (e) => e.value)) === '200', `not the default experiment for ${h}`);
      assert(!page.url().includes('#'), `the bad hash stays in the address: ${h}`);
    }
    await page.click('#step100');
    await untilStep(page, 100);
    await clearAlerts(page);
    const kept = await snapshot(page);
    const lines = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
    const pastes = [
      lines(4, () => `${pick('0123456789.,-eE', 3)}@${pick('abc ,;', 4)}`),
      '0,1\n1,2\n2,',
      '0,1\n1e999,2\n2,3',
      '0,1\nnan,2\n2,3',
      '5,5',
      '',
      'x,y\n',
      lines(schema.limits.MAX_POINTS + 1, (i) => `${i},${i % 7}`),
    ];
    for (const text of pastes) {
      // As a paste: the whole text at once (typing a megabyte into the field would take minutes).
      await page.$eval('#csv', (e, text) => {
        e.value = text;
        e.dispatchEvent(new Event('input', { bubbles: true }));
      }, text);
      await page.click('#csv-apply');
      await waitAlert(page, /CSV could not be read|not applied/).catch(() => { throw new Error(`no message for CSV ${JSON.stringify(text.slice(0, 40))}`); });
      await sleep(50);
      assertKept(kept, await snapshot(page), `CSV ${JSON.stringify(text.slice(0, 40))}`);
      await clearAlerts(page);
    }
    assert(problems.length === before0, problems.slice(before0, before0 + 3).join(' | '));
  });

  await check('axe-core: no WCAG 2 A/AA violations in English (light) and Chinese (dark)', async () => {
    const axePath = path.join(ROOT, 'tools', 'node_modules', 'axe-core', 'axe.min.js');
    if (!fs.existsSync(axePath)) throw new Error('axe-core is not installed (npm install in tools/)');
    const found = [];
    for (const [lang, scheme] of [['en', 'light'], ['zh', 'dark']]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${base}/?lang=${lang}`);
      await ready(page);
      await page.click('#step100');
      await untilStep(page, 100);
      await page.addScriptTag({ path: axePath });
      const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
      for (const v of result.violations) found.push(`${lang}/${scheme}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    assert(found.length === 0, found.join(' | '));
  });

  await check('Chinese page (?lang=zh) and dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}/?lang=zh`);
    await ready(page);
    assert((await page.$eval('#play', (b) => b.textContent)) === '开始', 'Play is not in Chinese');
    await page.click('#step100');
    await untilStep(page, 100);
    await shot(page, 'zh-dark', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await check('time to a trained line, frame times while playing; training runs in a Worker', async () => {
    const p = await context.newPage();
    watch(p);
    await p.addInitScript(frameProbe);
    await p.goto(`${base}/?lang=en`);
    await ready(p);
    await p.evaluate(() => {
      window.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
        .observe({ type: 'longtask' });
    });
    // Any training through the page's own copy of the engine is counted.
    await p.evaluate(() => {
      window.__mainThreadSteps = 0;
      const proto = window.wasmBindings.Experiment.prototype;
      const train = proto.train;
      proto.train = function (n) { window.__mainThreadSteps += n; return train.call(this, n); };
    });
    await p.click('#play');
    await waitFor(p, () => performance.getEntriesByName('nnplay:trained-301').length > 0);
    const trained = await p.evaluate(() => ({
      ready: performance.getEntriesByName('nnplay:ready')[0].startTime,
      trained: performance.getEntriesByName('nnplay:trained-301')[0].startTime,
    }));
    const from = await p.evaluate(() => window.__work.length + 5);
    const t0 = await p.evaluate(() => [performance.now(), Number(document.querySelector('#step-count').dataset.value)]);
    await sleep(2000);
    const t1 = await p.evaluate(() => [performance.now(), Number(document.querySelector('#step-count').dataset.value)]);
    const w = await frameWork(p, from);
    const busy = await p.evaluate((from) => window.__work.slice(from).reduce((a, b) => a + b, 0), from);
    const long = await p.evaluate(() => window.__long);
    const rate = ((t1[1] - t0[1]) * 1000) / (t1[0] - t0[0]);
    await p.click('#pause');
    const worker = await p.evaluate(() => performance.getEntriesByType('resource').some((r) => /\/www\/worker\.js$/.test(r.name)));
    figures.push(`${label}: ready ${trained.ready.toFixed(0)} ms after navigation; trained line (301 steps, Play pressed at ready) ${trained.trained.toFixed(0)} ms`);
    figures.push(`${label}: while playing (${Math.round(rate)} steps/s): page work per frame median ${w.median.toFixed(1)} ms, p95 ${w.p95.toFixed(1)} ms, longest ${w.longest.toFixed(1)} ms (goal ≤ 16 ms: ${w.longest <= 16 ? 'met' : 'over'}); main thread busy ${((busy / (t1[0] - t0[0])) * 100).toFixed(0)} % of the time; long tasks ${long.length}`);
    assert(worker, 'the page did not load its training Worker');
    const onMain = await p.evaluate(() => window.__mainThreadSteps);
    assert(onMain === 0, `${onMain} steps trained on the page's thread`);
    assert(w.n > 0, 'no frame was drawn while playing');
    assert(rate > 50000, `Play trained the tutorial at only ${Math.round(rate)} steps/s`);
    await p.close();
  });

  await check('Play at the engine\'s speed: the tutorial and a 16-unit tanh network against a trainOnBatch loop', async () => {
    for (const name of ['tutorial', 'sine']) {
      const p = await context.newPage();
      watch(p);
      await p.addInitScript(frameProbe);
      await p.goto(`${base}/?lang=en${hashFor(MODELS[name].changes)}`);
      await ready(p);
      const r = await compareRates(p, base, name);
      figures.push(`${label}: ${name}: Play ${Math.round(r.play)} steps/s, trainOnBatch loop ${Math.round(r.loop)} calls/s: ratio ${r.ratio.toFixed(2)} (goal ≥ 1: ${r.ratio >= 1 ? 'met' : 'not met'}); frame work p95 ${r.work.p95.toFixed(1)} ms, longest ${r.work.longest.toFixed(1)} ms`);
      // The tutorial's ratio is 2.5–4.7 here, far from 1: asserted. The 16-unit network's step
      // is the engine's arithmetic on either path, so its ratio sits near 1 (0.6–1.9 on this
      // shared 2-core machine, with the load of other work): printed, not asserted.
      if (name === 'tutorial') assert(r.ratio >= 1, `${name}: Play at ${r.ratio.toFixed(2)} × the trainOnBatch loop`);
      await p.close();
    }
  });

  await check('a huge config never freezes the page; Pause and Reset answer within a frame', async () => {
    // 95 000 test points through layers of 2048 and 1536 units (the most the memory limit
    // allows): each test evaluation is about 600 GFLOPs, tens of seconds of work.
    const huge = {
      data: { n: 100000, train_fraction: 0.05 },
      model: { layers: [{ units: 2048, activation: 'tanh' }, { units: 1536, activation: 'tanh' }, { units: 1 }] },
      training: { batch_size: 32 },
      backend: 'cpu',
    };
    const p = await context.newPage();
    watch(p);
    await p.goto(`${base}/?lang=en${hashFor(huge)}`);
    await ready(p);
    const alerts = await alertTexts(p);
    assert(alerts.length === 0, `the huge config was refused: ${alerts.join(' | ')}`);
    const gaps = p.evaluate(() => new Promise((resolve) => {
      let last = performance.now(), max = 0;
      const end = last + 3000;
      const f = (now) => {
        max = Math.max(max, now - last);
        last = now;
        if (now < end) requestAnimationFrame(f); else resolve(max);
      };
      requestAnimationFrame(f);
    }));
    await p.click('#play');
    await sleep(1000);
    // Pause: the buttons change in the same frame, while the Worker is still computing.
    const paused = await p.evaluate(() => new Promise((resolve) => {
      const t0 = performance.now();
      document.querySelector('#pause').click();
      requestAnimationFrame(() => resolve({ ms: performance.now() - t0, play: !document.querySelector('#play').disabled }));
    }));
    assert(paused.play, 'Play is not offered again after Pause');
    assert(paused.ms < 100, `Pause took ${paused.ms.toFixed(0)} ms to show`);
    const id = await p.$eval('body', (b) => Number(b.dataset.experiment));
    const reset = await p.evaluate(() => new Promise((resolve) => {
      const t0 = performance.now();
      document.querySelector('#reset').click();
      requestAnimationFrame(() => resolve({ ms: performance.now() - t0, step: document.querySelector('#step-count').dataset.value }));
    }));
    assert(reset.step === '0' && reset.ms < 100, `Reset: step ${reset.step} after ${reset.ms.toFixed(0)} ms`);
    const maxGap = await gaps.catch(() => Infinity);
    // The experiment is built again (the old Worker, mid-evaluation, was ended).
    await waitFor(p, (id) => Number(document.body.dataset.experiment) > id, id, 60000);
    figures.push(`${label}: huge config: longest frame gap ${maxGap.toFixed(0)} ms while training it; Pause shown in ${paused.ms.toFixed(0)} ms, Reset in ${reset.ms.toFixed(0)} ms`);
    // Training on the page's thread froze it for the whole evaluation (tens of seconds); a
    // gap of a few hundred ms (up to 470 measured) is this shared machine's load, not the page.
    assert(maxGap < 1000, `the page froze for ${maxGap.toFixed(0)} ms`);
    await p.close();
  });

  await check('dist/pkg/trainer.js: several trainers on one page, each in its own Worker; dispose ends one mid-call', async () => {
    const p = await context.newPage();
    watch(p);
    await p.goto(`${base}/pkg-test.html`);
    const r = await p.evaluate(async () => {
      const { Trainer, TrainerDisposed } = await import('./pkg/trainer.js');
      const sine = { data: { kind: 'sine' }, model: { layers: [{ units: 16, activation: 'tanh' }, { units: 1 }] } };
      const [a, b, c] = await Promise.all([
        Trainer.create(sine), Trainer.create(sine), Trainer.create({ ...sine, seed: 7 }),
      ]);
      const [la, lb, lc] = await Promise.all([a.train(300), b.train(300), c.train(300)]);
      const long = a.train(1e6);
      a.dispose();
      const disposed = await long.then(() => 'resolved', (e) => (e instanceof TrainerDisposed ? 'disposed' : String(e)));
      const more = await b.train(10);
      let refused = '';
      try { await Trainer.create({ model: { layers: [] } }); } catch (e) { refused = e.message; }
      b.dispose();
      c.dispose();
      return {
        same: la.losses.every((v, i) => v === lb.losses[i]),
        differs: lc.losses.some((v, i) => v !== la.losses[i]),
        typed: la.losses instanceof Float32Array && la.losses.length === 300,
        backend: a.backendLine,
        disposed, moreFrom: more.from, refused,
      };
    });
    assert(r.typed, 'losses are not one Float32Array of 300');
    assert(r.same, 'two trainers of one config gave different losses');
    assert(r.differs, 'another seed gave the same losses');
    assert(r.disposed === 'disposed', `a call pending at dispose: ${r.disposed}`);
    assert(r.moreFrom === 300, `the other trainer went on from ${r.moreFrom}`);
    assert(/layers/.test(r.refused), `a bad config: ${r.refused}`);
    await p.close();
  });

  await check('works at 375 px width (no horizontal overflow)', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 800 }, deviceScaleFactor: 2 });
    const p = await phone.newPage();
    watch(p);
    await p.goto(`${base}/?lang=en`);
    await ready(p);
    await p.click('#step100');
    await untilStep(p, 100);
    const sizes = await p.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: innerWidth }));
    assert(sizes.doc <= sizes.view && sizes.body <= sizes.view, `scroll width ${sizes.doc}/${sizes.body} > ${sizes.view}`);
    await shot(p, 'phone');
    await shot(p, 'phone-full', { fullPage: true });
    const px = await p.$eval('#fit-canvas', (c) => ({ w: c.width, css: c.getBoundingClientRect().width }));
    assert(px.w === Math.round(px.css * 2), `canvas ${px.w} px for ${px.css} CSS px at devicePixelRatio 2`);
    await phone.close();
  });

  await check('dist/pkg/ works from a plain module script (Sequential, Dense, trainOnBatch, fit, get/setWeights, setBackend, TimeseriesGenerator)', async () => {
    for (const f of ['nnplay.js', 'nnplay_bg.wasm', 'nnplay.d.ts', 'package.json']) {
      assert(fs.existsSync(path.join(PKG, f)), `dist/pkg/${f} is missing (make build writes it)`);
    }
    const dts = fs.readFileSync(path.join(PKG, 'nnplay.d.ts'), 'utf8');
    for (const decl of ['export class Sequential', 'export class Dense', 'trainOnBatch(x: Samples', 'getWeights(): Promise<WeightArray[]>',
      'fit(x: Samples, y: Samples, options: FitOptions | void): Promise<History>', 'setWeights(', 'export function setBackend(',
      'export function getBackend(): BackendName', 'export class TimeseriesGenerator', 'export function makeDataset(',
      'export interface DenseOptions', 'export interface FitCallbacks', 'export default function']) {
      assert(dts.includes(decl), `nnplay.d.ts does not declare ${decl}`);
    }
    const pj = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
    const cargoVersion = /^version = "(.*)"/m.exec(fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8'))[1];
    assert(pj.name === 'nnplay' && pj.type === 'module' && pj.main === 'nnplay.js' && pj.module === 'nnplay.js'
      && pj.types === 'nnplay.d.ts' && pj.version === cargoVersion, `package.json: ${JSON.stringify(pj)}`);
    for (const f of pj.files) assert(fs.existsSync(path.join(PKG, f)), `package.json lists ${f}, which is missing`);

    const p = await context.newPage();
    watch(p);
    const missing = [];
    p.on('response', (res) => { if (res.status() >= 400) missing.push(`${res.status()} ${res.url()}`); });
    await p.goto(`${base}/pkg-test.html`);
    await p.waitForFunction(() => document.querySelector('#out').textContent !== '', undefined, { timeout: 30000 });
    const err = await p.$eval('#out', (e) => e.dataset.error ?? null);
    assert(err === null, `the page failed: ${err}`);
    const r = JSON.parse(await p.$eval('#out', (e) => e.dataset.result));
    assert(r.losses.length === 50 && r.losses.every(Number.isFinite), `losses: ${r.losses.slice(0, 3)}`);
    assert(r.losses[49] < r.losses[0] / 2, `loss did not fall: ${r.losses[0]} -> ${r.losses[49]}`);
    // Keras' order and shapes: kernel (inputDim, units), bias (units,).
    assert(r.weights.length === 2, `getWeights: ${JSON.stringify(r.weights)}`);
    assert(JSON.stringify(r.weights.map((w) => w.shape)) === '[[1,1],[1]]',
      `getWeights shapes ${JSON.stringify(r.weights.map((w) => w.shape))}, expected [[1,1],[1]]`);
    assert(r.weights.every((w) => Array.isArray(w.values) && w.values.length === 1 && Number.isFinite(w.values[0])),
      `getWeights values: ${JSON.stringify(r.weights)}`);
    assert(r.summary.includes('Total params: 2'), `summary: ${r.summary}`);

    const more = await p.evaluate(async () => {
      const nnplay = window.nnplay;
      const { Sequential, Dense } = nnplay;
      const model = window.model;
      const x = [-1, -0.5, 0, 0.5, 1];
      const y = x.map((v) => 0.5 * v + 2);
      const thrown = async (f) => {
        try { await f(); return null; } catch (e) {
          return { isError: e instanceof Error, message: e.message };
        }
      };
      const evaluated = await model.evaluate(x, y);
      const evaluatedBatch2 = await model.evaluate(x, y, 2);
      const predicted = Array.from(await model.predict([0, 1]));
      const [k, b] = (await model.getWeights()).map((w) => w.values[0]);
      const errors = {
        mismatch: await thrown(() => model.trainOnBatch([1, 2, 3], [1, 2])),
        empty: await thrown(() => model.trainOnBatch([], [])),
        predictEmpty: await thrown(() => model.predict([])),
        loss: await thrown(() => model.compile({ loss: 'nope', optimizer: 'sgd' })),
        optimizer: await thrown(() => model.compile({ loss: 'mse', optimizer: 'nope' })),
        activation: await thrown(() => new Dense(1, { activation: 'nope' })),
        activationType: await thrown(() => new Dense(1, { activation: 3 })),
        unknownOption: await thrown(() => new Dense(1, { inputdim: 1 })),
        fitOption: await thrown(() => model.fit(x, y, { epochs: '2' })),
        setWeightsShape: await thrown(() => model.setWeights([[[1, 2]], [0]])),
        setBackend: await thrown(() => nnplay.setBackend('tpu')),
        timeseries: await thrown(() => new nnplay.TimeseriesGenerator([0, 1, 2], [0, 1, 2], { length: 3 })),
        inputDim: await thrown(() => new Dense(1, { inputDim: 0 })),
      };
      // Still usable after every refusal: it trains on and the loss keeps falling.
      const after = await model.trainOnBatch(x, y);
      const after2 = await model.trainOnBatch(x, y);
      // A model trained before compile() says so.
      const bare = new Sequential();
      bare.add(new Dense(1, { inputDim: 1 }));
      errors.notCompiled = await thrown(() => bare.trainOnBatch(x, y));
      // Two calls not awaited one after the other: each trains, or the second is refused as
      // busy (never interleaved).
      const overlapping = await Promise.allSettled([model.trainOnBatch(x, y), model.trainOnBatch(x, y)]);
      const overlap = overlapping.map((o) => (o.status === 'fulfilled' ? o.value : `${o.reason instanceof Error}: ${o.reason.message}`));
      // Seeds fix the initial weights.
      const seeded = async (seed) => {
        const m = new Sequential(seed);
        m.add(new Dense(3, { inputDim: 1, activation: 'tanh' }));
        m.add(new Dense(1));
        const w = await m.getWeights();
        return JSON.stringify(w);
      };
      const [s1, s1again, s2] = [await seeded(1), await seeded(1), await seeded(2)];
      const shapes = JSON.parse(s1).map((w) => w.shape);
      // fit with Keras' callbacks and History; x as Keras' rows, y as a Float32Array.
      const fitModel = new Sequential(3);
      fitModel.add(new Dense(4, { inputDim: 1, activation: 'tanh' }));
      fitModel.add(new Dense(1));
      await fitModel.compile({ loss: 'mse', optimizer: 'adam', learningRate: 0.05 });
      const xs = Array.from({ length: 20 }, (_, i) => i / 10 - 1);
      const batchLogs = [], epochLogs = [];
      const history = await fitModel.fit(xs.map((v) => [v]), Float32Array.from(xs, (v) => v * v), {
        epochs: 3, batchSize: 8, validationSplit: 0.2, shuffle: false,
        callbacks: {
          onBatchEnd: (batch, logs) => { batchLogs.push([batch, logs.loss]); },
          onEpochEnd: async (epoch, logs) => { epochLogs.push([epoch, logs.loss, logs.val_loss]); },
        },
      });
      // setWeights in Keras' get_weights() layout, then predict with it.
      const line = new Sequential();
      line.add(new Dense(1, { inputDim: 1 }));
      await line.compile({ loss: 'mse', optimizer: 'sgd' });
      line.setWeights([[[2]], [1]]);
      const lineOut = Array.from(await line.predict([0, 1]));
      // The backend: resolves to what it got; compile uses it.
      const backends = { cpu: await nnplay.setBackend('cpu'), auto: await nnplay.setBackend('auto') };
      backends.got = nnplay.getBackend();
      const onAuto = new Sequential();
      onAuto.add(new Dense(1, { inputDim: 1 }));
      await onAuto.compile({ loss: 'mse', optimizer: 'sgd', learningRate: 0.1 });
      backends.model = onAuto.backend;
      backends.loss = await onAuto.trainOnBatch(x, y);
      await nnplay.setBackend('cpu');
      // Keras' TimeseriesGenerator; a batch trains a model whose input is the window.
      const ts = new nnplay.TimeseriesGenerator([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], { length: 3, batchSize: 1 });
      const windows = { length: ts.length, item1: ts.getItem(1) };
      const dataset = nnplay.makeDataset({ kind: 'sine', n: 50 }, 7);
      const data = { xTrain: dataset.xTrain.length, typed: dataset.xTrain instanceof Float32Array };
      return { evaluated, evaluatedBatch2, predicted, k, b, errors, after, after2, overlap,
        seeds: { same: s1 === s1again, differ: s1 !== s2, shapes },
        history, batchLogs, epochLogs, lineOut, backends, windows, data };
    });
    assert(Number.isFinite(more.evaluated) && more.evaluated < r.losses[0], `evaluate: ${more.evaluated}`);
    assert(Math.abs(more.evaluated - more.evaluatedBatch2) < 1e-5, `evaluate batch 2: ${more.evaluatedBatch2} vs ${more.evaluated}`);
    assert(more.predicted.length === 2
      && Math.abs(more.predicted[0] - more.b) < 1e-5 && Math.abs(more.predicted[1] - (more.k + more.b)) < 1e-5,
      `predict ${more.predicted} for k=${more.k}, b=${more.b}`);
    for (const [what, e] of Object.entries(more.errors)) {
      assert(e !== null, `${what}: no error thrown`);
      assert(e.isError && e.message.length > 5, `${what}: not an Error with a message: ${JSON.stringify(e)}`);
    }
    assert(more.errors.loss.message === "unknown loss 'nope'; valid names: mse, mae, huber", `loss: ${more.errors.loss.message}`);
    assert(more.errors.activationType.message === 'activation must be a string, got number', `activation: ${more.errors.activationType.message}`);
    assert(more.errors.unknownOption.message.startsWith("unknown Dense option 'inputdim'"), `option: ${more.errors.unknownOption.message}`);
    assert(more.errors.setWeightsShape.message
      === 'setWeights: weights[0] (the kernel of dense) has shape [1, 2], expected [1, 1]', `setWeights: ${more.errors.setWeightsShape.message}`);
    // fit: 16 training samples in batches of 8, 4 held out; Keras' logs and History.
    const h = more.history;
    assert(JSON.stringify(h.epoch) === '[0,1,2]' && h.history.loss.length === 3 && h.history.val_loss.length === 3,
      `fit history: ${JSON.stringify(h)}`);
    assert(JSON.stringify(more.batchLogs.map(([b]) => b)) === '[0,1,0,1,0,1]', `batch indices: ${JSON.stringify(more.batchLogs)}`);
    for (let e = 0; e < 3; e++) {
      const [epoch, loss, val] = more.epochLogs[e];
      assert(epoch === e && loss === h.history.loss[e] && val === h.history.val_loss[e], `epoch logs: ${JSON.stringify(more.epochLogs)}`);
      assert(more.batchLogs[2 * e + 1][1] === loss, `the last batch's running loss is the epoch's: ${JSON.stringify(more.batchLogs)}`);
    }
    assert(h.history.loss[2] < h.history.loss[0], `fit loss did not fall: ${h.history.loss}`);
    assert(JSON.stringify(more.lineOut) === '[1,3]', `setWeights then predict: ${more.lineOut}`);
    const bk = more.backends;
    assert(bk.cpu === 'cpu' && ['cpu', 'webgpu'].includes(bk.auto) && bk.got === bk.auto && bk.model === bk.auto
      && Number.isFinite(bk.loss), `backends: ${JSON.stringify(bk)}`);
    assert(JSON.stringify(more.windows) === '{"length":2,"item1":[[[1,2,3]],[4]]}', `TimeseriesGenerator: ${JSON.stringify(more.windows)}`);
    assert(more.data.xTrain === 40 && more.data.typed, `makeDataset: ${JSON.stringify(more.data)}`);
    assert(Number.isFinite(more.overlap[0]) && (Number.isFinite(more.overlap[1]) || /^true: busy: /.test(more.overlap[1])),
      `two calls at once: ${JSON.stringify(more.overlap)}`);
    assert(Number.isFinite(more.after) && more.after2 < more.after, `after the errors: ${more.after} -> ${more.after2}`);
    assert(more.seeds.same && more.seeds.differ, `seeds: ${JSON.stringify(more.seeds)}`);
    assert(JSON.stringify(more.seeds.shapes) === '[[1,3],[3],[3,1],[1]]', `shapes ${JSON.stringify(more.seeds.shapes)}`);
    assert(missing.length === 0, `failed requests: ${missing.join(', ')}`);
    console.log(`       package: setBackend('auto') got ${bk.auto}; fit loss ${h.history.loss.map((l) => l.toFixed(4)).join(' -> ')}`);
    console.log(`       package: loss ${r.losses[0].toFixed(4)} -> ${r.losses[49].toFixed(4)} in 50 steps; errors: ${Object.entries(more.errors).map(([k, e]) => `${k}: "${e.message}"`).join('; ')}`);
    await p.close();
  });

  await check("the README's page for tutorial authors runs on dist/pkg/", async () => {
    if (!fs.existsSync(EXTRA_PAGES['/readme-example.html'])) {
      throw new Error('README.md has no ```html block under "## For tutorial authors"');
    }
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    // A failed request is counted by its address (below), so a browser's own /favicon.ico
    // request, which a page without an icon draws, does not count.
    p.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
    p.on('response', (res) => {
      if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) errors.push(`${res.status()} ${res.url()}`);
    });
    await p.goto(`${base}/readme-example.html`);
    await p.waitForFunction(() => /bias/.test(document.body.innerText), undefined, { timeout: 30000 }).catch(() => {
      throw new Error(`the page did not finish in 30 s: ${errors.join(' | ') || 'no errors'}`);
    });
    const text = await p.evaluate(() => document.body.innerText);
    assert(errors.length === 0, `errors: ${errors.join(' | ')}`);
    const nums = [...text.matchAll(/loss\D*([0-9.e+-]+)/g)].map((m) => Number(m[1]));
    assert(nums.length >= 2 && nums.every(Number.isFinite) && nums[nums.length - 1] < nums[0],
      `the page printed: ${text.slice(0, 200)}`);
    await p.close();
  });

  await (await import('./story.mjs')).storyChecks({ check, assert, context, base, label, figures, root: ROOT });
  await (await import('./embed.mjs')).embedChecks({ check, assert, context, base, webgpu, Skip, root: ROOT, dist: DIST });

  await check('no console errors or page errors', async () => {
    assert(problems.length === 0, problems.slice(0, 3).join(' | '));
  });

  await browser.close();
  skipRest = false;
  passes.push(`${label}: ${passed - counts[0]} passed, ${failed - counts[1]} failed, ${skipped - counts[2]} skipped`);
}

const PKG = path.join(DIST, 'pkg');

/** The first ```html block of the README's "For tutorial authors" section, or null. */
function readmeExample() {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## For tutorial authors');
  if (at < 0) return null;
  const m = /```html\n([\s\S]*?)```/.exec(readme.slice(at));
  return m ? m[1] : null;
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.log('dist/index.html is missing: build the page first');
    process.exit(1);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const example = readmeExample();
  if (example) fs.writeFileSync(EXTRA_PAGES['/readme-example.html'], example);
  else fs.rmSync(EXTRA_PAGES['/readme-example.html'], { force: true });
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const t0 = Date.now();
  try {
    if (PASS !== 'webgpu') await suite('Chromium without WebGPU', false, base);
    if (PASS !== 'cpu') await suite('Chromium with --enable-unsafe-webgpu', true, base);
  } finally {
    server.close();
  }
  figures.push(pageLine(DIST));
  const pkg = pkgLine(DIST);
  if (pkg) figures.push(pkg);
  console.log('\nFigures:');
  for (const f of figures) console.log(`  ${f}`);
  console.log(`\nscreenshots in ${path.relative(process.cwd(), ARTIFACTS) || ARTIFACTS}/; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (const p of passes) console.log(p);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
