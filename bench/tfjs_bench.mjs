// The speed peer: the same two workloads as bench/wasm_bench.mjs, in TF.js 4.22.
// Prints one JSON line per figure: {"name": ..., "value": ..., "unit": ...}.
//
//   node bench/tfjs_bench.mjs [--backend cpu|wasm] [--seconds S]
//
// cpu (default) is TF.js' pure-JS backend; wasm is @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD,
// one thread in node). Both are loaded from tools/node_modules (scripts/setup.sh installs them).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../tools/package.json', import.meta.url));

const args = process.argv.slice(2);
const secondsAt = args.indexOf('--seconds');
const SECONDS = secondsAt >= 0 ? Number(args[secondsAt + 1]) : 2;
const backendAt = args.indexOf('--backend');
const BACKEND = backendAt >= 0 ? args[backendAt + 1] : 'cpu';
if (!['cpu', 'wasm'].includes(BACKEND)) throw new Error(`--backend must be cpu or wasm, not ${BACKEND}`);

// TF.js greets Node users on the console; keep stdout for the JSON lines only.
const log = console.log;
console.log = (...a) => console.error(...a);
const tf = require('@tensorflow/tfjs');
if (BACKEND === 'wasm') require('@tensorflow/tfjs-backend-wasm');
console.log = log;

const emit = (name, value, unit) => log(JSON.stringify({ name, value, unit, backend: BACKEND }));

// Calls `step` (async) `warmup` times, then for at least `seconds` and 5 calls; returns calls per second.
async function rate(step, seconds, warmup) {
  for (let i = 0; i < warmup; i++) await step();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000 || n < 5) {
    await step();
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

// The seed tutorial: Dense(1) on 160 points, each step trainOnBatch on the whole training set.
async function tutorial() {
  const n = 160;
  const xs = Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
  const x = tf.tensor2d(xs, [n, 1]);
  const y = tf.tensor2d(xs.map((v) => 0.5 * v + 2), [n, 1]);
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 1, inputShape: [1] }));
  model.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.01) });
  const stepsPerS = await rate(() => model.trainOnBatch(x, y), SECONDS, 50);
  emit('tfjs_tutorial_steps_per_s', stepsPerS, 'steps/s');
  tf.dispose([x, y]);
  model.dispose();
}

// MLP 1-256-256-1 (relu hidden layers), trainOnBatch at batch B. FLOPs per step: the matmuls
// only, forward once and backward twice (input and weight gradients).
async function mlp(batch) {
  const flopsPerStep = 2 * batch * (1 * 256 + 256 * 256 + 256 * 1) * 3;
  const x = tf.randomUniform([batch, 1], -1, 1, 'float32', 1);
  const y = tf.sin(x.mul(3));
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 256, activation: 'relu', inputShape: [1] }));
  model.add(tf.layers.dense({ units: 256, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1 }));
  model.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.01) });
  const stepsPerS = await rate(() => model.trainOnBatch(x, y), SECONDS, 3);
  emit(`tfjs_mlp_b${batch}_steps_per_s`, stepsPerS, 'steps/s');
  emit(`tfjs_mlp_b${batch}_gflops`, (stepsPerS * flopsPerStep) / 1e9, 'GFLOP/s');
  tf.dispose([x, y]);
  model.dispose();
}

if (!(await tf.setBackend(BACKEND))) throw new Error(`TF.js backend ${BACKEND} failed to start`);
await tf.ready();
console.error(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, node ${process.version}`);
await tutorial();
await mlp(1024);
