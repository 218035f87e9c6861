// End-to-end tests of the page in headless Chromium: serves dist/ on 127.0.0.1, runs every check
// twice (without WebGPU, then with --enable-unsafe-webgpu), saves screenshots to test-artifacts/,
// prints the measured figures and `N passed, M failed`; exits non-zero on any failure.
//
// Usage: node tests/e2e/run.mjs   (after building the page into dist/; NNPLAY_DIST=dir picks another)

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.resolve(process.env.NNPLAY_DIST ?? path.join(ROOT, 'dist'));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(ROOT, 'tools', 'node_modules', 'playwright-core'));

const BASE_ARGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

let passed = 0;
let failed = 0;
const figures = [];

function serve() {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.normalize(path.join(DIST, rel));
    if (!file.startsWith(DIST)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

let skipRest = false;

async function check(name, fn, { essential = false } = {}) {
  const t0 = Date.now();
  if (skipRest) {
    failed++;
    console.log(`  FAIL ${name}: skipped (the page did not start)`);
    return;
  }
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    if (essential) skipRest = true;
    console.log(`  FAIL ${name}: ${e.message.split('\n')[0]}`);
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

async function suite(label, webgpu, base) {
  console.log(`\n== ${label} ==`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : BASE_ARGS,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const problems = [];
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

  await check('backend line names the backend that runs', async () => {
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
      return { adapter: !!adapter, supported };
    });
    console.log(`       backend: "${line}" (adapter: ${probe.adapter}, WebGPU backend available: ${probe.supported})`);
    if (!webgpu) assert(/^Using CPU backend \(.+\)/.test(line), `expected CPU with a reason: ${line}`);
    else if (probe.adapter && probe.supported) assert(line.startsWith('Using WebGPU backend'), `expected WebGPU: ${line}`);
    else assert(/^Using CPU backend \(.+\)/.test(line), `expected CPU with a reason: ${line}`);
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

  await check('the main plot is drawn (not blank)', async () => {
    const { ink, total } = await inkOf(page, '#fit-canvas');
    assert(ink > total * 0.01, `only ${ink} of ${total} pixels drawn`);
    await shot(page, 'trained', { fullPage: true });
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
    await page.fill('#f-optimizer-learning-rate', '50');
    await page.dispatchEvent('#f-optimizer-learning-rate', 'change');
    await untilStep(page, 0);
    await page.click('#play');
    await page.waitForSelector('#diverge:not([hidden])', { timeout: 15000 });
    const text = await page.$eval('#diverge', (e) => e.textContent);
    assert(/diverged/i.test(text) && /learning rate/i.test(text), `message: ${text}`);
    assert(!(await page.$eval('#pause', (b) => !b.disabled)), 'still playing after divergence');
    await shot(page, 'diverged');
    await page.click('#diverge-apply');
    await waitFor(page, () => document.querySelector('#diverge').hidden);
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

  await check('backend switch: webgpu either runs or says why and keeps training on the CPU', async () => {
    await page.selectOption('#backend', 'webgpu');
    await waitFor(page, () => /[?&]backend=webgpu/.test(location.search));
    await untilStep(page, 0);
    await waitFor(page, () => /^Using (WebGPU|CPU) backend/.test(document.querySelector('#backend-line').textContent));
    const line = await page.$eval('#backend-line', (e) => e.textContent);
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
    assert(/could not be read/.test(alerts), `no error shown: ${alerts}`);
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '200', 'defaults not used');
    await page.goto(`${base}/#c=${Buffer.from('{"data":{"n":-3}}').toString('base64url')}`);
    await ready(page);
    assert(/could not be read/.test(await page.$eval('#alerts', (e) => e.textContent)), 'invalid config not reported');
    assert((await page.$eval('#f-data-n', (e) => e.value)) === '200', 'defaults not used for an invalid config');
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

  await check('time to a trained line, frame times while playing', async () => {
    const p = await context.newPage();
    watch(p);
    // Times each animation-frame callback of the page until its promise settles: the work
    // the page does per frame, apart from the browser's own painting.
    await p.addInitScript(() => {
      const raf = window.requestAnimationFrame.bind(window);
      window.__work = [];
      window.requestAnimationFrame = (cb) => raf(async (ts) => {
        const t0 = performance.now();
        await cb(ts);
        window.__work.push(performance.now() - t0);
      });
    });
    await p.goto(`${base}/?lang=en`);
    await ready(p);
    await p.evaluate(() => {
      window.__frames = { max: 0, count: 0, long: [] };
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__frames.long.push(e.duration); })
        .observe({ type: 'longtask' });
    });
    await p.click('#play');
    await waitFor(p, () => performance.getEntriesByName('nnplay:trained-301').length > 0);
    const trained = await p.evaluate(() => ({
      ready: performance.getEntriesByName('nnplay:ready')[0].startTime,
      trained: performance.getEntriesByName('nnplay:trained-301')[0].startTime,
    }));
    const frames = await p.evaluate(() => new Promise((resolve) => {
      let last = performance.now(), max = 0, n = 0, sum = 0;
      const end = last + 2000;
      const f = (now) => {
        const d = now - last;
        last = now;
        max = Math.max(max, d); sum += d; n++;
        if (now < end) requestAnimationFrame(f);
        else {
          const work = window.__work.slice(5).sort((a, b) => a - b);
          resolve({ max, mean: sum / n, n, long: window.__frames.long, work });
        }
      };
      requestAnimationFrame(f);
    }));
    const rate = await p.$eval('#steps-per-sec', (e) => Number(e.textContent));
    await p.click('#pause');
    figures.push(`${label}: ready ${trained.ready.toFixed(0)} ms after navigation; trained line (301 steps, Play pressed at ready) ${trained.trained.toFixed(0)} ms`);
    const w = frames.work;
    const pct = (q) => w[Math.min(w.length - 1, Math.floor(w.length * q))].toFixed(1);
    const longest = w[w.length - 1];
    figures.push(`${label}: while playing (${rate} steps/s): page work per frame median ${pct(0.5)} ms, p95 ${pct(0.95)} ms, longest ${longest.toFixed(1)} ms (goal ≤ 16 ms: ${longest <= 16 ? 'met' : 'over'})`);
    figures.push(`${label}: while playing: frame interval mean ${frames.mean.toFixed(1)} ms, longest ${frames.max.toFixed(1)} ms over ${frames.n} frames; long tasks ${frames.long.length}${frames.long.length ? ` (max ${Math.max(...frames.long).toFixed(0)} ms)` : ''}`);
    assert(w.length > 20, `only ${w.length} frames in 2 s`);
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

  await check('no console errors or page errors', async () => {
    assert(problems.length === 0, problems.slice(0, 3).join(' | '));
  });

  await browser.close();
  skipRest = false;
}

function sizes() {
  let total = 0;
  const parts = [];
  const walk = (dir) => {
    for (const f of fs.readdirSync(dir)) {
      const full = path.join(dir, f);
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (/\.(wasm|js|mjs)$/.test(f)) {
        const gz = zlib.gzipSync(fs.readFileSync(full), { level: 9 }).length;
        total += gz;
        parts.push(`${path.relative(DIST, full)} ${(gz / 1024).toFixed(1)} KB`);
      }
    }
  };
  walk(DIST);
  return { total, parts };
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.log('dist/index.html is missing: build the page first');
    process.exit(1);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const t0 = Date.now();
  try {
    await suite('Chromium without WebGPU', false, base);
    await suite('Chromium with --enable-unsafe-webgpu', true, base);
  } finally {
    server.close();
  }
  const { total, parts } = sizes();
  const kb = total / 1024;
  figures.push(`wasm + JS gzipped: ${kb.toFixed(1)} KB (goal ≤ 200 KB: ${kb <= 200 ? 'met' : 'over'}): ${parts.join(', ')}`);
  console.log('\nFigures:');
  for (const f of figures) console.log(`  ${f}`);
  console.log(`\nscreenshots in ${path.relative(process.cwd(), ARTIFACTS) || ARTIFACTS}/; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
