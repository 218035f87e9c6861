// Time to first step of <nn-playground> elements: from navigation to every element of a page
// having trained one step (`make build` first). The elements load the engine, build their
// experiments and take their first step; run several times, the median is printed.
//
// Usage: node bench/embed-start.mjs [COUNT=2] [RUNS=5] [DIST=dist]

import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { serve, launch } from '../tests/e2e/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(ROOT, 'tools', 'node_modules', 'playwright-core'));

const count = Number(process.argv[2] ?? 2);
const runs = Number(process.argv[3] ?? 5);
const dist = path.resolve(process.argv[4] ?? path.join(ROOT, 'dist'));
const els = Array.from({ length: count }, (_, i) => `<nn-playground seed="${i + 1}" backend="cpu"></nn-playground>`).join('\n');
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>start</title><link rel="icon" href="data:,"></head>
<body>${els}<script type="module">import './pkg/nn-playground.js';</script></body></html>`;

const server = await serve(dist);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch(chromium, false);
const times = [];
for (let r = 0; r < runs; r++) {
  const page = await browser.newPage();
  await page.route(`${base}/start.html`, (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
  await page.goto(`${base}/start.html`);
  await page.waitForFunction(() => customElements.get('nn-playground'), undefined, { timeout: 60000 });
  times.push(await page.evaluate(async () => {
    const all = [...document.querySelectorAll('nn-playground')];
    await Promise.all(all.map(async (e) => { await e.ready; await e.step(1); }));
    return performance.now();
  }));
  await page.close();
}
await browser.close();
server.close();
times.sort((a, b) => a - b);
console.log(`${count} elements: first step of all after ${Math.round(times[times.length >> 1])} ms (median of ${runs}: ${times.map(Math.round).join(', ')})`);
