// The page's figures in headless Chromium (`make bench`): Play's rate for the tutorial and a
// 16-unit tanh network on the sine data against a loop of `await model.trainOnBatch(x, y)`
// through dist/pkg in the same browser, the page's work per frame while playing, the time
// from navigation to ready and from the first Step ×100 to its drawn line, and WebGPU
// against CPU steps per second over model sizes with the crossover found.
//
// The page's work per frame is also measured with the story and the playground playing
// together, every figure moving.
//
// Usage: node bench/page.mjs [--before DIR]   (after `make build`; DIR: another build of the
// page, e.g. of the previous commit, measured the same way for the column "before"; without
// it the column holds the figures recorded for the page that trained on the main thread).

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  serve, launch, hashFor, MODELS, frameProbe, compareRates, startTimes, backendSizes,
} from '../tests/e2e/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(ROOT, 'tools', 'node_modules', 'playwright-core'));

// The page before training moved to a Worker (main thread, 8 ms per frame, chunks of ≤ 100
// steps), measured by this script (`--before` on that build) on this machine kind (2 vCPUs
// shared with other work, load average about 12, Chromium 156, no GPU), 2026-11-30.
const RECORDED_BEFORE = {
  'tutorial: Play steps/s': 9996,
  'tutorial: trainOnBatch loop calls/s': 33233,
  'tutorial: ratio Play / loop': 0.30,
  'sine 16 tanh: Play steps/s': 2938,
  'sine 16 tanh: trainOnBatch loop calls/s': 4795,
  'sine 16 tanh: ratio Play / loop': 0.61,
  'frame work while playing (tutorial): median ms': 11.9,
  'frame work while playing (tutorial): p95 ms': 22.0,
  'frame work while playing (tutorial): longest ms': 42.8,
  'navigation to ready ms': 356,
  'first Step ×100 to its drawn line ms': 35.8,
};

async function measure(dist) {
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch(chromium, false);
  const out = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    for (const [name, label] of [['tutorial', 'tutorial'], ['sine', 'sine 16 tanh']]) {
      const page = await context.newPage();
      await page.addInitScript(frameProbe);
      await page.goto(`${base}/?lang=en${hashFor(MODELS[name].changes)}`);
      await page.waitForFunction(() => performance.getEntriesByName('nnplay:ready').length > 0, undefined, { timeout: 60000 });
      const r = await compareRates(page, base, name);
      out[`${label}: Play steps/s`] = r.play;
      out[`${label}: trainOnBatch loop calls/s`] = r.loop;
      out[`${label}: ratio Play / loop`] = r.ratio;
      if (name === 'tutorial') {
        out['frame work while playing (tutorial): median ms'] = r.work.median;
        out['frame work while playing (tutorial): p95 ms'] = r.work.p95;
        out['frame work while playing (tutorial): longest ms'] = r.work.longest;
      }
      await page.close();
    }
    // The story and the playground playing together, every figure on screen (a fresh page).
    const story = await storyFrames(context, base);
    out['frame work, story and playground playing: median ms'] = story.median;
    out['frame work, story and playground playing: p95 ms'] = story.p95;
    out['frame work, story and playground playing: longest ms'] = story.longest;
    const page = await context.newPage();
    const times = [];
    for (let i = 0; i < 3; i++) times.push(await startTimes(page, `${base}/?lang=en&r=${i}`));
    const med = (k) => times.map((t) => t[k]).sort((a, b) => a - b)[1];
    out['navigation to ready ms'] = med('ready');
    out['first Step ×100 to its drawn line ms'] = med('click');
  } finally {
    await browser.close();
    server.close();
  }
  return out;
}

/**
 * The page's work per frame (its animation-frame callbacks, summed per frame) for 2.5 s while
 * the playground plays a 1-16-1 network and the story's learner and stacks play too, with the
 * diagram following a hidden neuron: every figure of the page moving.
 */
async function storyFrames(context, base) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    const raf = window.requestAnimationFrame.bind(window);
    window.__work = [];
    window.requestAnimationFrame = (cb) => raf((ts) => {
      const t0 = performance.now();
      const r = cb(ts);
      window.__work.push({ ts, ms: performance.now() - t0 });
      return r;
    });
  });
  await page.goto(`${base}/?lang=en`);
  await page.waitForFunction(() => performance.getEntriesByName('nnplay:ready').length > 0, undefined, { timeout: 60000 });
  const gen = await page.$eval('body', (b) => b.dataset.experiment);
  await page.click('#add-layer');
  await page.waitForFunction((g) => document.body.dataset.experiment !== g, gen);
  await page.waitForFunction(() => document.body.dataset.storyFigures === 'ready');
  await page.selectOption('#story-unit', '1,0');
  await page.click('#story-stack-restart');
  await page.click('#play');
  await page.click('#story-play');
  await page.evaluate(() => { window.__work = []; });
  await new Promise((r) => setTimeout(r, 2500));
  const work = await page.evaluate(() => window.__work.slice());
  await page.close();
  const per = new Map();
  for (const w of work) per.set(w.ts, (per.get(w.ts) ?? 0) + w.ms);
  const a = [...per.values()].sort((x, y) => x - y);
  const q = (p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
  return { median: q(0.5), p95: q(0.95), longest: a[a.length - 1] };
}

async function sizes(dist) {
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch(chromium, true);
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/?lang=en`);
    await page.waitForFunction(() => performance.getEntriesByName('nnplay:ready').length > 0, undefined, { timeout: 60000 });
    const adapter = await page.evaluate(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return a ? `${a.info?.vendor || '?'} ${a.info?.architecture || ''} ${a.info?.description || ''}`.trim() + (a.info?.isFallbackAdapter ? ' (software fallback adapter)' : '') : null;
    });
    const rows = await backendSizes(page, [16, 64, 256, 512]);
    return { adapter, rows };
  } finally {
    await browser.close();
    server.close();
  }
}

const fmt = (v) => (v === null || v === undefined ? '–' : Number.isNaN(v) ? 'n/a' : v >= 1000 ? Math.round(v).toLocaleString('en') : v.toFixed(v < 10 ? 2 : 1));

async function main() {
  const dist = path.join(ROOT, 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    console.log('bench/page.mjs: dist/index.html is missing: run `make build` first; skipped');
    return;
  }
  const at = process.argv.indexOf('--before');
  const beforeDir = at > 0 ? path.resolve(process.argv[at + 1]) : null;
  const after = await measure(dist);
  const before = beforeDir ? await measure(beforeDir) : RECORDED_BEFORE;
  const head = beforeDir ? `before (${path.relative(ROOT, beforeDir) || beforeDir})` : 'before (recorded)';
  console.log(`\nThe page in headless Chromium (without WebGPU), one run:`);
  console.log(`  ${'figure'.padEnd(48)} ${head.padStart(22)} ${'after'.padStart(12)}`);
  for (const k of Object.keys(after)) console.log(`  ${k.padEnd(48)} ${fmt(before[k]).padStart(22)} ${fmt(after[k]).padStart(12)}`);
  const goals = [
    ['tutorial: ratio Play / loop', (v) => v >= 1, '≥ 1'],
    ['sine 16 tanh: ratio Play / loop', (v) => v >= 1, '≥ 1'],
    ['frame work while playing (tutorial): longest ms', (v) => v <= 16, '≤ 16 ms'],
    ['frame work, story and playground playing: p95 ms', (v) => v <= 16, '≤ 16 ms'],
    ['navigation to ready ms', (v) => v <= 300, '≤ 300 ms'],
  ];
  for (const [k, ok, goal] of goals) console.log(`  goal ${k} ${goal}: ${ok(after[k]) ? 'met' : 'not met'}`);

  const { adapter, rows } = await sizes(dist);
  console.log(`\nWebGPU against CPU, steps/s of a 1-h-h-1 tanh MLP on 160 points (adapter: ${adapter ?? 'none'}):`);
  console.log(`  ${'h'.padStart(5)} ${'FLOPs/step'.padStart(14)} ${'CPU'.padStart(10)} ${'WebGPU'.padStart(10)}`);
  let crossover = null;
  for (const r of rows) {
    console.log(`  ${String(r.h).padStart(5)} ${fmt(r.flops).padStart(14)} ${fmt(r.cpu).padStart(10)} ${fmt(r.webgpu).padStart(10)}`);
    if (crossover === null && r.webgpu !== null && r.cpu !== null && r.webgpu >= r.cpu) crossover = r.flops;
  }
  const last = rows[rows.length - 1];
  console.log(crossover !== null
    ? `  crossover: WebGPU first as fast as the CPU at ${fmt(crossover)} FLOPs per step`
    : `  crossover: none up to ${fmt(last.flops)} FLOPs per step (the CPU is faster at every size measured on this adapter)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
