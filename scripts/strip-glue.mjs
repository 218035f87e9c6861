// Removes the doc comments that wasm-bindgen copies from the Rust exports into its JS glue:
// they are a tenth of the glue that every page load downloads, and the TypeScript declarations
// (nnplay.d.ts) keep them for readers. Where an index.html refers to the glue with a
// Subresource Integrity hash (Trunk writes one), the hash is written anew.
//
//   node scripts/strip-glue.mjs DIR    (every *.js directly in DIR; DIR/index.html if present)
//
// scripts/package.sh runs it on dist/pkg (the page's own glue is minified instead, by
// scripts/bundle-page.mjs).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The glue without its `/** … *\/` blocks, each of which wasm-bindgen puts on lines of its own. */
function stripDocComments(js) {
  return js.replace(/^[ \t]*\/\*\*(?:[^*]|\*(?!\/))*\*\/[ \t]*\n/gm, '');
}

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('strip-glue: no folder given (argument or TRUNK_STAGING_DIR)');
  process.exit(2);
}
const index = path.join(dir, 'index.html');
let html = fs.existsSync(index) ? fs.readFileSync(index, 'utf8') : null;
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  const file = path.join(dir, f);
  const before = fs.readFileSync(file, 'utf8');
  const after = stripDocComments(before);
  if (after === before) continue;
  fs.writeFileSync(file, after);
  if (html !== null) {
    const sri = (text) => `sha384-${crypto.createHash('sha384').update(text).digest('base64')}`;
    const old = sri(before);
    if (html.includes(old)) {
      html = html.split(old).join(sri(after));
    } else if (/integrity=/.test(html) && html.includes(f)) {
      console.error(`strip-glue: ${index} refers to ${f} with a hash other than its sha384`);
      process.exit(1);
    }
  }
  console.log(`strip-glue: ${f}: ${before.length} -> ${after.length} bytes`);
}
if (html !== null) fs.writeFileSync(index, html);
