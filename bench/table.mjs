// Side-by-side table of the benchmark JSON lines.
//
//   node bench/table.mjs [DIR]      (DIR defaults to target/bench)
//
// Reads DIR/native.jsonl (nnplay native), DIR/wasm.jsonl (nnplay wasm in node), DIR/tfjs.jsonl
// (TF.js pure-JS CPU backend) and DIR/tfjs-wasm.jsonl (TF.js wasm backend); a missing file leaves
// its column empty. Each line that starts with "{" is
// {"name": ..., "value": ..., "unit"?: ...}; other lines are ignored. Rows are matched by name
// with any "nnplay_" and "native_" / "wasm_" / "tfjs_" prefix removed, so
// "native_tutorial_steps_per_s", "wasm_tutorial_steps_per_s" and "tfjs_tutorial_steps_per_s"
// share the row "tutorial_steps_per_s". GFLOP/s figures also show their share of one core's fp32
// peak on the reference machine.
import fs from 'node:fs';
import path from 'node:path';

const PEAK_GFLOPS = 91; // one Zen 3 core: 2 x 256-bit FMA x 2.85 GHz
const dir = process.argv[2] ?? 'target/bench';
const columns = [
  { file: 'native.jsonl', title: 'nnplay native' },
  { file: 'wasm.jsonl', title: 'nnplay wasm' },
  { file: 'tfjs.jsonl', title: 'TF.js cpu' },
  { file: 'tfjs-wasm.jsonl', title: 'TF.js wasm' },
];

const metric = (name) => name.replace(/^nnplay_/, '').replace(/^(native|wasm|tfjs)_/, '');
const isGflops = (name, unit) => unit === 'GFLOP/s' || /gflops?$/i.test(name);

const rows = new Map(); // metric -> { unit, values: one per column }
columns.forEach((col, i) => {
  const file = path.join(dir, col.file);
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trimStart().startsWith('{')) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof rec.name !== 'string' || typeof rec.value !== 'number') continue;
    const key = metric(rec.name);
    if (!rows.has(key)) rows.set(key, { unit: rec.unit, values: columns.map(() => null) });
    const row = rows.get(key);
    row.unit ??= rec.unit;
    row.values[i] = rec.value;
  }
});

const num = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3));
const cell = (v, gflops) => {
  if (v == null) return '-';
  return gflops ? `${num(v)} (${((100 * v) / PEAK_GFLOPS).toFixed(1)}% peak)` : num(v);
};
const ratio = (a, b) => (a == null || b == null || b === 0 ? '-' : `${num(a / b)}x`);

const header = ['metric', 'unit', ...columns.map((c) => c.title), 'native/TF.js cpu', 'wasm/TF.js cpu', 'wasm/TF.js wasm'];
const table = [header];
for (const [key, { unit, values }] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  const g = isGflops(key, unit);
  const [native, wasm, tfjsCpu, tfjsWasm] = values;
  table.push([
    key,
    unit ?? '',
    ...values.map((v) => cell(v, g)),
    ratio(native, tfjsCpu),
    ratio(wasm, tfjsCpu),
    ratio(wasm, tfjsWasm),
  ]);
}

if (table.length === 1) {
  console.log(`no benchmark figures found in ${dir}`);
  process.exit(1);
}
const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
const line = (r) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
table.slice(1).forEach((r) => console.log(line(r)));
console.log(`(higher is better; peak = ${PEAK_GFLOPS} GFLOP/s fp32 for one core of the reference machine)`);

// The engine's tutorial step against the same step written by hand (the peak on this machine)
// and against TF.js.
const tutorial = rows.get('tutorial_steps_per_s')?.values;
const peak = rows.get('tutorial_peak_steps_per_s')?.values;
if (tutorial && peak) {
  const pct = (a, b) => (a == null || b == null || b === 0 ? '-' : `${((100 * a) / b).toFixed(0)}%`);
  const [tfjsCpu, tfjsWasm] = [tutorial[2], tutorial[3]];
  const steps = [['engine vs peak (tutorial step)', 'nnplay native', 'nnplay wasm']];
  steps.push(['engine, steps/s', cell(tutorial[0], false), cell(tutorial[1], false)]);
  steps.push(['hand-written peak, steps/s', cell(peak[0], false), cell(peak[1], false)]);
  steps.push(['engine / peak', pct(tutorial[0], peak[0]), pct(tutorial[1], peak[1])]);
  steps.push(['engine / TF.js cpu', ratio(tutorial[0], tfjsCpu), ratio(tutorial[1], tfjsCpu)]);
  steps.push(['engine / TF.js wasm', ratio(tutorial[0], tfjsWasm), ratio(tutorial[1], tfjsWasm)]);
  const w = [0, 1, 2].map((c) => Math.max(...steps.map((r) => r[c].length)));
  console.log();
  steps.forEach((r, i) => {
    console.log(r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  '));
    if (i === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  });
}
