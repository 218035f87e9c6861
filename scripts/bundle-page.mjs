// Bundles and minifies the page's scripts after Trunk has copied www/. Every module of www/
// (but the Worker) is an entry point of one esbuild run with code splitting: each keeps its
// URL and its exports, the code they share goes into chunks, and main.js then loads in one
// round of requests instead of a waterfall of imports. Module identity is kept (a second
// `import('/www/story.js')` gets the instance the page runs). The training Worker
// (worker.js, started with `new URL('./worker.js', import.meta.url)`) is minified in place.
// The engine's glue beside index.html is minified too. The sources stay as they are; only the
// staged copies change.
//
//   node scripts/bundle-page.mjs [DIR]   (default: TRUNK_STAGING_DIR, set by Trunk's hook)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('bundle-page: no folder given (argument or TRUNK_STAGING_DIR)');
  process.exit(2);
}
let esbuild;
try {
  esbuild = require(path.join(ROOT, 'tools', 'node_modules', 'esbuild'));
} catch {
  console.error('bundle-page: esbuild is not installed in tools/ (run `make setup`)');
  process.exit(1);
}

const www = path.join(dir, 'www');
const worker = path.join(www, 'worker.js');
const entries = fs.readdirSync(www).filter((f) => f.endsWith('.js') && f !== 'worker.js').map((f) => path.join(www, f));
const common = { minify: true, format: 'esm', target: 'es2022', charset: 'utf8', logLevel: 'warning', write: false, keepNames: true };
const size = (files) => files.reduce((a, f) => a + fs.statSync(f).size, 0);

const before = size(entries);
const pages = await esbuild.build({
  ...common,
  entryPoints: entries,
  bundle: true,
  splitting: true,
  outdir: www,
  chunkNames: 'chunk-[hash]',
});
for (const out of pages.outputFiles) fs.writeFileSync(out.path, out.contents);
// The engine's JS glue (wasm-bindgen's, beside index.html), minified in place: its exports
// keep their names.
const glues = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f));
const gluesBefore = size(glues);
for (const g of glues) {
  const out = await esbuild.build({ ...common, entryPoints: [g], outfile: g, allowOverwrite: true });
  fs.writeFileSync(g, out.outputFiles[0].contents);
}
const workerBefore = fs.statSync(worker).size;
const w = await esbuild.build({ ...common, entryPoints: [worker], outfile: worker, allowOverwrite: true });
fs.writeFileSync(worker, w.outputFiles[0].contents);

const written = pages.outputFiles.map((o) => o.path);
console.log(`bundle-page: ${entries.length} modules, ${before} -> ${size(written)} bytes in ${written.length} files; `
  + `worker.js: ${workerBefore} -> ${fs.statSync(worker).size} bytes; the glue: ${gluesBefore} -> ${size(glues)} bytes`);
