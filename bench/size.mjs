// The page's download size: every .wasm, .js and .mjs file the built page (dist/) loads,
// gzipped at level 9, against the goal. The JS package (dist/pkg/) is measured apart: the page
// does not load it.
//
//   node bench/size.mjs [DIST]      (DIST defaults to dist; run `make build` first)
//
// The e2e run (tests/e2e/run.mjs) prints the same lines.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** The goal for the page's download, in KB (1024 bytes) gzipped. */
export const GOAL_KB = 200;
/** The page's download before the size work (wasm + glue + page JS), KB gzipped. */
export const BEFORE_KB = 328.4;

const gzipped = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * The gzipped size of each file the page downloads (wasm, the wasm-bindgen glue, the page's
 * scripts), with the total in bytes: what index.html links (its module scripts, preloads and
 * the URLs its inline loader fetches, the wasm among them), then every module those import (`import … from`, `import()`) or start
 * (`new URL('…', import.meta.url)`, e.g. the Worker), followed to the end. Files the page
 * never loads (the element, `dist/pkg/`) are left out.
 */
export function pageSize(dist) {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const seen = new Set();
  const todo = [];
  const add = (ref, from) => {
    if (/^[a-z]+:/i.test(ref) || ref.startsWith('//')) return;
    const full = path.resolve(ref.startsWith('/') ? path.join(dist, ref) : path.join(from, ref));
    if (!seen.has(full) && fs.existsSync(full) && /\.(wasm|js|mjs)$/.test(full)) {
      seen.add(full);
      todo.push(full);
    }
  };
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)) add(m[1], dist);
  // The loader's own fetches: quoted URLs of .wasm and .js files in inline scripts.
  for (const m of html.matchAll(/['"]([^'"\s<>]+\.(?:wasm|js))['"]/g)) add(m[1], dist);
  while (todo.length) {
    const file = todo.pop();
    if (!/\.m?js$/.test(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const refs = [
      ...text.matchAll(/\bimport\s*(?:[\w${}*\s,]+from\s*)?['"]([^'"]+)['"]/g),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...text.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g),
    ];
    for (const m of refs) add(m[1], path.dirname(file));
  }
  const parts = [...seen].sort().map((full) => ({ file: path.relative(dist, full), gz: gzipped(full) }));
  return { total: parts.reduce((a, p) => a + p.gz, 0), parts };
}

/** The same for `dist/pkg/`'s wasm and JS, or null when there is no package. */
export function pkgSize(dist) {
  const pkg = path.join(dist, 'pkg');
  if (!fs.existsSync(pkg)) return null;
  const parts = fs.readdirSync(pkg).filter((f) => /\.(wasm|js)$/.test(f)).sort()
    .map((f) => ({ file: f, gz: gzipped(path.join(pkg, f)) }));
  return { total: parts.reduce((a, p) => a + p.gz, 0), parts };
}

/** One line: the page's total against the goal and the figure before, then each file. */
export function pageLine(dist) {
  const { total, parts } = pageSize(dist);
  const k = total / 1024;
  const verdict = k <= GOAL_KB ? 'met' : `over by ${(k - GOAL_KB).toFixed(1)} KB`;
  return `page download (wasm + JS) gzipped: ${k.toFixed(1)} KB (goal ≤ ${GOAL_KB} KB: ${verdict}; `
    + `before: ${BEFORE_KB} KB): ${parts.map((p) => `${p.file} ${kb(p.gz)}`).join(', ')}`;
}

/** One line for `dist/pkg/`, or null when there is no package. */
export function pkgLine(dist) {
  const s = pkgSize(dist);
  if (!s) return null;
  return `dist/pkg/ gzipped: ${kb(s.total)}: ${s.parts.map((p) => `${p.file} ${kb(p.gz)}`).join(', ')}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    console.log(`size: ${dist}/index.html is missing: run 'make build' first`);
    process.exit(1);
  }
  console.log(pageLine(dist));
  const pkg = pkgLine(dist);
  if (pkg) console.log(pkg);
}
