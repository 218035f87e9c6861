// nnplay compiled to wasm32 (SIMD128), run in node: the same workloads as bench/tfjs_bench.mjs.
// Prints one JSON line per figure: {"name": ..., "value": ..., "unit": ...}.
//
//   node bench/wasm_bench.mjs [--pkg DIR] [--seconds S]
//
// DIR (default target/bench-pkg) holds the `wasm-bindgen --target nodejs` output that
// scripts/bench-wasm.sh builds. The timing happens inside wasm: `benchTutorial(steps)`,
// `benchPeak(steps)` (the tutorial's step written by hand, the peak) and `benchSine(opt, steps)`
// return steps per second, `benchMlp(batch, reps)` GFLOP/s; this script only picks counts that
// last about S seconds (default 2).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (flag, fallback) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : fallback;
};
const pkg = path.resolve(root, opt('--pkg', 'target/bench-pkg'));
const SECONDS = Number(opt('--seconds', '2'));

const require = createRequire(import.meta.url);
const nnplay = require(path.join(pkg, 'nnplay.js'));

const emit = (name, value, unit) => console.log(JSON.stringify({ name, value, unit }));

// Steps per second from a short probe, then a run sized to last about SECONDS.
async function rate(name, run, probeSteps) {
  const probe = await run(probeSteps);
  const steps = Math.max(probeSteps, Math.round(probe * SECONDS));
  emit(name, await run(steps), 'steps/s');
}

async function tutorial() {
  await rate('wasm_tutorial_steps_per_s', (n) => nnplay.benchTutorial(n), 50000);
  await rate('wasm_tutorial_peak_steps_per_s', (n) => nnplay.benchPeak(n), 200000);
  for (const opt of ['sgd', 'adam']) {
    await rate(`wasm_sine16_${opt}_steps_per_s`, (n) => nnplay.benchSine(opt, n), 2000);
  }
}

// Same FLOP count as the TF.js peer: 2*B*(1*256 + 256*256 + 256*1) per matmul pass, three passes.
async function mlp(batch) {
  const flopsPerStep = 2 * batch * (1 * 256 + 256 * 256 + 256 * 1) * 3;
  const probe = await nnplay.benchMlp(batch, 2);
  const reps = Math.max(3, Math.round((probe * 1e9 * SECONDS) / flopsPerStep));
  const gflops = await nnplay.benchMlp(batch, reps);
  emit(`wasm_mlp_b${batch}_steps_per_s`, (gflops * 1e9) / flopsPerStep, 'steps/s');
  emit(`wasm_mlp_b${batch}_gflops`, gflops, 'GFLOP/s');
}

console.error(`nnplay wasm from ${pkg}, node ${process.version}`);
await tutorial();
await mlp(1024);
