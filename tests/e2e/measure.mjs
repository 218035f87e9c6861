// What the page checks (tests/e2e/run.mjs) and the page benchmark (bench/page.mjs) share: the
// static server, Chromium's launch, and the page's figures measured the same way for both.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

export const BASE_ARGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serves `dist` on 127.0.0.1 (a free port); `extra` maps URL paths to other files. */
export function serve(dist, extra = {}) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.normalize(path.join(dist, rel));
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
    if (extra[rel]) file = extra[rel];
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Headless Chromium, with WebGPU (SwiftShader here) when `webgpu`. */
export function launch(chromium, webgpu) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : BASE_ARGS,
  });
}

/** The page's address part for a config: `#c=` and the changes from the defaults, as state.js writes it. */
export function hashFor(changes) {
  return `#c=${Buffer.from(JSON.stringify(changes)).toString('base64url')}`;
}

/** The two models the Play rate is measured on, as config changes and as a `trainOnBatch` loop. */
export const MODELS = {
  tutorial: { changes: {}, layers: [[1, 'linear']], data: (x) => 0.5 * x + 2, lr: 0.01 },
  sine: {
    changes: {
      data: { kind: 'sine' },
      model: { layers: [{ units: 16, activation: 'tanh' }, { units: 1 }] },
      optimizer: { name: 'sgd', learning_rate: 0.01 },
    },
    layers: [[16, 'tanh'], [1, 'linear']],
    data: (x) => Math.sin(Math.PI * x),
    lr: 0.01,
  },
};

/**
 * An init script that times the page's work per frame: each animation-frame callback until its
 * promise settles, plus every Worker message handler (with the microtasks it queued) since the
 * previous frame. `window.__work` holds one entry per frame, in ms.
 */
export function frameProbe() {
  const raf = window.requestAnimationFrame.bind(window);
  window.__work = [];
  let carried = 0;
  window.requestAnimationFrame = (cb) => raf(async (ts) => {
    const t0 = performance.now();
    await cb(ts);
    window.__work.push(performance.now() - t0 + carried);
    carried = 0;
  });
  const desc = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage');
  Object.defineProperty(Worker.prototype, 'onmessage', {
    configurable: true,
    get() { return desc.get.call(this); },
    set(f) {
      desc.set.call(this, (e) => {
        const t0 = performance.now();
        f(e);
        // After a few microtask hops, the promise chains the handler started have run too.
        let hops = 20;
        const done = () => { if (--hops > 0) queueMicrotask(done); else carried += performance.now() - t0; };
        queueMicrotask(done);
      });
    },
  });
}

/** `{median, p95, longest, n}` of the frames in `window.__work` from index `from`. */
export async function frameWork(page, from = 0) {
  const w = await page.evaluate((from) => window.__work.slice(from).sort((a, b) => a - b), from);
  const at = (q) => (w.length ? w[Math.min(w.length - 1, Math.floor(w.length * q))] : NaN);
  return { median: at(0.5), p95: at(0.95), longest: w.length ? w[w.length - 1] : NaN, n: w.length };
}

const steps = (page) => page.$eval('#step-count', (e) => Number(e.dataset.value));

/**
 * Play at full speed for `ms` after a `warmMs` start: steps per second from the step count,
 * and the page's work per frame meanwhile. Leaves the page paused.
 */
export async function playRate(page, { warmMs = 600, ms = 2500 } = {}) {
  await page.$eval('#speed', (e) => { e.value = e.max; e.dispatchEvent(new Event('input')); });
  await page.click('#play');
  await page.waitForTimeout(warmMs);
  const from = await page.evaluate(() => window.__work?.length ?? 0);
  const a = await page.evaluate(() => [performance.now(), Number(document.querySelector('#step-count').dataset.value)]);
  await page.waitForTimeout(ms);
  const b = await page.evaluate(() => [performance.now(), Number(document.querySelector('#step-count').dataset.value)]);
  const work = await frameWork(page, from);
  await page.click('#pause');
  return { rate: ((b[1] - a[1]) * 1000) / (b[0] - a[0]), work, steps: await steps(page) };
}

/**
 * Calls per second of `await model.trainOnBatch(x, y)` through dist/pkg in the same browser,
 * for one of MODELS on its 160 training points, over `ms` (the model is kept between calls).
 */
export async function loopRate(page, base, name, ms = 2500) {
  const m = MODELS[name];
  return page.evaluate(async ({ base, name, layers, data, lr, ms }) => {
    if (window.__loop?.name !== name) {
      const nn = await import(`${base}/pkg/nnplay.js`);
      await nn.default();
      const model = new nn.Sequential();
      layers.forEach(([units, activation], i) => model.add(new nn.Dense(units, i === 0 ? { inputDim: 1, activation } : { activation })));
      await model.compile({ loss: 'mse', optimizer: 'sgd', learningRate: lr });
      const f = new Function('x', `return (${data})(x);`);
      const x = Float32Array.from({ length: 160 }, (_, i) => -1 + (2 * i) / 159);
      const y = x.map((v) => f(v));
      for (let i = 0; i < 200; i++) await model.trainOnBatch(x, y);
      window.__loop = { name, model, x, y };
    }
    const { model, x, y } = window.__loop;
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      for (let i = 0; i < 50; i++) await model.trainOnBatch(x, y);
      n += 50;
    }
    return (n * 1000) / (performance.now() - t0);
  }, { base, name, layers: m.layers, data: m.data.toString(), lr: m.lr, ms });
}

/**
 * Play against the trainOnBatch loop in the same page, in `rounds` alternating windows of `ms`
 * each (so that a change in the machine's load falls on both): `{play, loop, ratio, work}`.
 */
export async function compareRates(page, base, name, { rounds = 4, ms = 700 } = {}) {
  let play = 0;
  let loop = 0;
  const work = [];
  await loopRate(page, base, name, 100);
  for (let i = 0; i < rounds; i++) {
    const p = await playRate(page, { warmMs: i === 0 ? 500 : 150, ms });
    play += p.rate;
    work.push(p.work);
    loop += await loopRate(page, base, name, ms);
  }
  const longest = Math.max(...work.map((w) => w.longest));
  const p95 = Math.max(...work.map((w) => w.p95));
  const median = work.map((w) => w.median).sort((a, b) => a - b)[work.length >> 1];
  return { play: play / rounds, loop: loop / rounds, ratio: play / loop, work: { median, p95, longest } };
}

/**
 * Navigation to ready (the `nnplay:ready` mark) and, from there, the first click on Step ×100
 * to the frame that shows step 100 (the trained line is drawn with the count).
 */
export async function startTimes(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('nnplay:ready').length > 0, undefined, { timeout: 60000 });
  const ready = await page.evaluate(() => performance.getEntriesByName('nnplay:ready')[0].startTime);
  const click = await page.evaluate(() => new Promise((resolve) => {
    const count = document.querySelector('#step-count');
    let t0;
    new MutationObserver(() => {
      if (count.dataset.value === '100') requestAnimationFrame(() => resolve(performance.now() - t0));
    }).observe(count, { attributes: true, childList: true, characterData: true, subtree: true });
    t0 = performance.now();
    document.querySelector('#step100').click();
  }));
  return { ready, click };
}

/**
 * Steps per second of an Experiment on `backend` for a 1-h-h-1 tanh MLP trained on its 160
 * points, for each h: the WebGPU against CPU figures and the FLOPs per step of each size.
 */
export async function backendSizes(page, sizes, ms = 800) {
  return page.evaluate(async ({ sizes, ms }) => {
    const w = window.wasmBindings;
    const rows = [];
    for (const h of sizes) {
      const config = JSON.stringify({
        model: { layers: [{ units: h, activation: 'tanh' }, { units: h, activation: 'tanh' }, { units: 1 }] },
        optimizer: { name: 'sgd', learning_rate: 0.01 },
      });
      const row = { h, flops: 6 * 160 * (h + h * h + h) };
      for (const backend of ['cpu', 'webgpu']) {
        let exp;
        try {
          exp = await w.Experiment.create(config, backend);
        } catch (e) {
          row[backend] = null;
          continue;
        }
        await exp.train(2);
        let n = 0, k = 1;
        const t0 = performance.now();
        while (performance.now() - t0 < ms) {
          await exp.train(k);
          n += k;
          k = Math.min(k * 2, 1024);
        }
        row[backend] = (n * 1000) / (performance.now() - t0);
        exp.free();
      }
      rows.push(row);
    }
    return rows;
  }, { sizes, ms });
}
