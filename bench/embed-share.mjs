// What a page of several <nn-playground> elements costs: the time from navigation until every
// element has taken its first step, the engine Workers alive, the WebGPU devices opened and the
// browser's memory (resident set of all its processes) at that point. `make build` first.
// Runs several times per case; medians are printed.
//
// Usage: node bench/embed-share.mjs [COUNT=5] [RUNS=3] [DIST=dist] [BACKENDS=cpu,webgpu]
//
// DIST may hold another build of pkg/ (e.g. an older trainer) to compare with.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { serve, launch } from '../tests/e2e/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(ROOT, 'tools', 'node_modules', 'playwright-core'));

const count = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 3);
const dist = path.resolve(process.argv[4] ?? path.join(ROOT, 'dist'));
const backends = (process.argv[5] ?? 'cpu,webgpu').split(',');

/** Resident memory of the descendants of a process (the browser this script launched), in MiB (Linux /proc). */
function treeRss(pid) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  let kb = 0;
  const todo = [...(children.get(pid) ?? [])];
  while (todo.length) {
    const p = todo.pop();
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch { /* gone */ }
    todo.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}`;
for (const backend of backends) {
  const els = Array.from({ length: count }, (_, i) => `<nn-playground seed="${i + 1}" backend="${backend}"></nn-playground>`).join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>start</title><link rel="icon" href="data:,"></head>
<body>${els}<script type="module">import './pkg/nn-playground.js';</script></body></html>`;
  const rows = [];
  for (let r = 0; r < runs; r++) {
    // A fresh browser each run: memory and the GPU process start from nothing.
    const browser = await launch(chromium, backend === 'webgpu');
    const page = await browser.newPage();
    await page.addInitScript(() => {
      window.__workers = 0;
      const W = window.Worker;
      window.Worker = class extends W {
        constructor(...args) {
          super(...args);
          window.__workers++;
        }
      };
    });
    await page.route(`${base}/start.html`, (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
    await page.goto(`${base}/start.html`);
    await page.waitForFunction(() => customElements.get('nn-playground'), undefined, { timeout: 60000 });
    const got = await page.evaluate(async () => {
      const all = [...document.querySelectorAll('nn-playground')];
      await Promise.all(all.map(async (e) => { await e.ready; await e.step(1); }));
      const ms = performance.now();
      const engine = await import('./pkg/element/engine.js');
      const stats = engine.hostStats ? await engine.hostStats() : null;
      const gpu = (await Promise.all(all.map((e) => e.record()))).filter((r) => r.backend === 'webgpu').length;
      return { ms, workers: window.__workers, stats, gpu };
    });
    // Before hosting, each element's Worker held its own wasm instance: one device per element on WebGPU.
    const devices = got.stats ? got.stats.devicesOpened : got.gpu;
    rows.push({ ms: got.ms, workers: got.workers, devices, gpu: got.gpu, mib: treeRss(process.pid) });
    await browser.close();
  }
  const m = (k) => median(rows.map((x) => x[k]));
  console.log(`${count} elements, backend=${backend}, ${path.relative(ROOT, dist) || dist}: all stepped after ${Math.round(m('ms'))} ms `
    + `(${rows.map((x) => Math.round(x.ms)).join(', ')}); Workers ${m('workers')}; WebGPU devices ${m('devices')} `
    + `(${m('gpu')} elements on webgpu); browser memory ${Math.round(m('mib'))} MiB (${rows.map((x) => Math.round(x.mib)).join(', ')})`);
}
server.close();
