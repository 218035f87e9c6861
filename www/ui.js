// Page output that is not a plot: the error area, the console log, number formatting and file
// downloads. Nothing here knows about the network.

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

/** A value from the engine with any JS Maps (JSON objects) turned into plain objects. */
export function plain(v) {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** The message of a thrown value, for people. */
export function message(e) {
  if (e && typeof e === 'object' && 'message' in e) return String(e.message);
  return String(e);
}

/**
 * Shows an error in words in the page's alert area. Each distinct message shows once: a message
 * already there moves to the end, so that it is announced again.
 */
export function showError(text) {
  const box = $('alerts');
  for (const p of box.querySelectorAll('.alert-text')) if (p.textContent === text) p.parentElement.remove();
  const item = document.createElement('div');
  item.className = 'alert';
  const p = document.createElement('p');
  p.className = 'alert-text';
  p.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'alert-close';
  close.textContent = '×';
  close.setAttribute('aria-label', t('err.dismiss'));
  close.addEventListener('click', () => item.remove());
  item.append(p, close);
  box.append(item);
}

export function clearErrors() {
  $('alerts').replaceChildren();
}

/** A short, polite status line (e.g. "link copied"). */
export function status(text) {
  $('status').textContent = text;
}

/** The shortest decimal that reads back as the same float32, as NumPy prints float32 values. */
export function f32(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const x = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/**
 * A short text of a number for labels and live values: `digits` significant digits
 * (`0.5013`, `-2.1`), in exponent form from 10^(digits + 1) up and under 1e-4.
 */
export function short(v, digits = 4) {
  if (!Number.isFinite(v)) return f32(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 10 ** (digits + 1) || a < 1e-4)) return v.toExponential(3);
  return String(Number(v.toPrecision(digits)));
}

/**
 * The console: a bounded list of lines. Lines added together reach the page together, at the
 * next `flush` (the next frame at the latest), as one block appended: a burst of lines costs
 * one layout, and the blocks already shown are not laid out again.
 */
export class Log {
  constructor(el, max = 400) {
    this.el = el;
    this.max = max;
    this.pending = [];
    // The blocks shown, oldest first, with how many lines each holds.
    this.nodes = [];
    this.shown = 0;
    this.scheduled = false;
  }

  clear() {
    this.pending = [];
    this.nodes = [];
    this.shown = 0;
    this.el.textContent = '';
  }

  add(line) {
    this.pending.push(line);
    if (this.pending.length > this.max) this.pending.splice(0, this.pending.length - this.max);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  /** Shows the lines added since the last flush. */
  flush() {
    this.scheduled = false;
    if (!this.pending.length) return;
    const node = document.createElement('span');
    node.className = 'log-lines';
    // Each block ends its last line, so that the console's text reads as lines too.
    node.textContent = `${this.pending.join('\n')}\n`;
    node.lines = this.pending.length;
    this.pending = [];
    this.el.append(node);
    this.nodes.push(node);
    this.shown += node.lines;
    while (this.shown - this.nodes[0].lines >= this.max) {
      const old = this.nodes.shift();
      this.shown -= old.lines;
      old.remove();
    }
    this.el.scrollTop = this.el.scrollHeight;
  }
}

/** Offers `text` as a file download. */
export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
