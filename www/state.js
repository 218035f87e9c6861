// The one owner of the page's URL state.
//
// - query `?lang=…` (the languages of i18n.js) and `?backend=…` (the core's backend names, which
//   the page checks once the engine is loaded);
// - hash `#c=<base64url of JSON>`: the experiment config (the run-record schema), holding only
//   the fields that differ from the defaults, so the tutorial's own link is just the page.
//
// Each experiment the page rebuilds gets its own history entry (Back returns to the previous
// one); edits that keep the trained model replace the current entry.

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// A list of objects (the layers) is stored item by item against the default list's first item.
function objectList(value, base) {
  return Array.isArray(value) && Array.isArray(base) && isObject(base[0]) && value.every(isObject);
}

/**
 * The fields of `value` that differ from `base`; a tagged object (`name`) whose tag changed is
 * kept whole.
 */
export function diff(value, base) {
  if (objectList(value, base)) {
    return JSON.stringify(value) === JSON.stringify(base) ? undefined : value.map((v) => diff(v, base[0]) ?? {});
  }
  if (isObject(value) && isObject(base) && (!('name' in value) || value.name === base.name)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (!(k in base)) out[k] = v;
      else {
        const d = diff(v, base[k]);
        if (d !== undefined) out[k] = d;
      }
    }
    return Object.keys(out).length ? out : undefined;
  }
  return JSON.stringify(value) === JSON.stringify(base) ? undefined : value;
}

/** `base` with `changes` laid over it (the inverse of `diff`). */
export function merge(base, changes) {
  if (objectList(changes, base)) return changes.map((c) => merge(base[0], c));
  if (!isObject(base) || !isObject(changes)) return changes === undefined ? base : changes;
  if ('name' in changes && changes.name !== base.name) return changes;
  const out = { ...base };
  for (const [k, v] of Object.entries(changes)) out[k] = k in base ? merge(base[k], v) : v;
  return out;
}

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** The query settings `lang` and `backend`, lower-cased, as given (the caller checks them). */
export function readQuery() {
  const params = new URLSearchParams(location.search);
  const out = {};
  for (const key of ['lang', 'backend']) {
    const v = params.get(key);
    if (v !== null) out[key] = v.toLowerCase();
  }
  return out;
}

/** Sets (or, with null, removes) one query setting without reloading. */
export function writeQuery(key, value) {
  const url = new URL(location.href);
  if (value === null || value === undefined) url.searchParams.delete(key);
  else url.searchParams.set(key, value);
  history.replaceState(history.state, '', url);
}

/**
 * The config changes stored in the hash: `{changes}` (an object, possibly empty), or
 * `{changes: {}, problem, detail}` when the hash cannot be read; `problem` is `format` (not
 * `#c=` and base64url), `decode` (not UTF-8 JSON; `detail` says why) or `object` (JSON, but not
 * an object).
 */
export function readHashChanges() {
  if (!location.hash || location.hash === '#') return { changes: {} };
  const m = /^#c=([A-Za-z0-9_-]*)$/.exec(location.hash);
  if (!m) return { changes: {}, problem: 'format' };
  let changes;
  try {
    changes = JSON.parse(fromBase64Url(m[1]));
  } catch (e) {
    return { changes: {}, problem: 'decode', detail: e.message || String(e) };
  }
  if (!isObject(changes)) return { changes: {}, problem: 'object' };
  return { changes };
}

/**
 * Stores `config` (an object) in the URL: its differences from `defaults` in the hash and its
 * backend (unless `auto`) in the query. `push` adds a history entry; otherwise the current one
 * is replaced.
 */
export function writeConfig(config, defaults, { push = false } = {}) {
  const d = diff(config, defaults);
  const url = new URL(location.href);
  if (config.backend === defaults.backend) url.searchParams.delete('backend');
  else url.searchParams.set('backend', config.backend);
  url.hash = d ? 'c=' + toBase64Url(JSON.stringify(d)) : '';
  const href = url.hash ? url.href : url.href.replace(/#$/, '');
  if (href === location.href) return;
  if (push) history.pushState(null, '', href);
  else history.replaceState(history.state, '', href);
}
