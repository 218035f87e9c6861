// Drawing only: canvases that follow their CSS size and the device pixel ratio, and the three
// kinds of plot (points + fitted curve, loss curve, small grid panel). No state, no network.

/** A canvas kept at its CSS size × devicePixelRatio; calls `redraw()` whenever that changes. */
export class Surface {
  constructor(canvas, redraw) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.redraw = redraw;
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    new ResizeObserver(() => this.fit()).observe(canvas);
  }

  fit() {
    const dpr = window.devicePixelRatio || 1;
    const r = this.canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width));
    const h = Math.max(1, Math.round(r.height));
    if (w !== this.width || h !== this.height || dpr !== this.dpr) {
      this.width = w;
      this.height = h;
      this.dpr = dpr;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.redraw();
    }
  }

  /** Clears to the background and returns the context in CSS pixels. */
  begin(theme) {
    const { ctx } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = theme.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    return ctx;
  }
}

/** The plot colours, read from the CSS custom properties (they follow prefers-color-scheme). */
export function theme() {
  const s = getComputedStyle(document.documentElement);
  const v = (name) => s.getPropertyValue(name).trim();
  return {
    bg: v('--plot-bg'), fg: v('--fg'), muted: v('--muted'), grid: v('--plot-grid'),
    train: v('--c-train'), test: v('--c-test'), fit: v('--c-fit'),
    font: '12px system-ui, sans-serif',
  };
}

/** Data bounds of some point sets `[{x, y}]`, padded a little; y spans at least 0.5. */
export function viewOf(sets, yExtra = []) {
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const { x, y } of sets) {
    for (let i = 0; i < x.length; i++) {
      xMin = Math.min(xMin, x[i]); xMax = Math.max(xMax, x[i]);
      yMin = Math.min(yMin, y[i]); yMax = Math.max(yMax, y[i]);
    }
  }
  for (const y of yExtra) if (Number.isFinite(y)) { yMin = Math.min(yMin, y); yMax = Math.max(yMax, y); }
  if (!Number.isFinite(xMin)) { xMin = -1; xMax = 1; yMin = -1; yMax = 1; }
  if (xMax - xMin < 1e-9) { xMin -= 1; xMax += 1; }
  if (yMax - yMin < 0.5) { const c = (yMax + yMin) / 2; yMin = c - 0.25; yMax = c + 0.25; }
  const px = (xMax - xMin) * 0.05, py = (yMax - yMin) * 0.08;
  return { xMin: xMin - px, xMax: xMax + px, yMin: yMin - py, yMax: yMax + py };
}

/** The mapping between data and CSS pixels for a surface with axes (`small`: no axes). */
export function frame(surface, view, small = false) {
  const left = small ? 4 : 46, right = small ? 4 : 10, top = small ? 4 : 10, bottom = small ? 4 : 26;
  const w = Math.max(1, surface.width - left - right), h = Math.max(1, surface.height - top - bottom);
  return {
    left, top, w, h, view,
    px: (x) => left + ((x - view.xMin) / (view.xMax - view.xMin)) * w,
    py: (y) => top + (1 - (y - view.yMin) / (view.yMax - view.yMin)) * h,
    dataX: (px) => view.xMin + ((px - left) / w) * (view.xMax - view.xMin),
    dataY: (py) => view.yMin + (1 - (py - top) / h) * (view.yMax - view.yMin),
  };
}

function ticks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmtTick(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

function axes(ctx, f, th, { xFmt = fmtTick, yFmt = fmtTick, yTicks } = {}) {
  const { view } = f;
  ctx.font = th.font;
  ctx.lineWidth = 1;
  ctx.strokeStyle = th.grid;
  ctx.fillStyle = th.muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xt = ticks(view.xMin, view.xMax, Math.max(2, Math.floor(f.w / 70)));
  for (const x of xt) {
    const p = Math.round(f.px(x)) + 0.5;
    ctx.beginPath(); ctx.moveTo(p, f.top); ctx.lineTo(p, f.top + f.h); ctx.stroke();
    ctx.fillText(xFmt(x), p, f.top + f.h + 6);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yt = yTicks ?? ticks(view.yMin, view.yMax, Math.max(2, Math.floor(f.h / 40)));
  for (const y of yt) {
    const p = Math.round(f.py(y)) + 0.5;
    ctx.beginPath(); ctx.moveTo(f.left, p); ctx.lineTo(f.left + f.w, p); ctx.stroke();
    ctx.fillText(yFmt(y), f.left - 6, p);
  }
  ctx.strokeStyle = th.muted;
  ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.w, f.h);
}

function clip(ctx, f) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.w, f.h);
  ctx.clip();
}

function circles(ctx, f, { x, y }, r, colour) {
  ctx.fillStyle = colour;
  ctx.beginPath();
  for (let i = 0; i < x.length; i++) {
    const px = f.px(x[i]), py = f.py(y[i]);
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, 2 * Math.PI);
  }
  ctx.fill();
}

function triangles(ctx, f, { x, y }, r, colour) {
  ctx.fillStyle = colour;
  ctx.beginPath();
  for (let i = 0; i < x.length; i++) {
    const px = f.px(x[i]), py = f.py(y[i]);
    ctx.moveTo(px, py - r * 1.2);
    ctx.lineTo(px + r * 1.1, py + r * 0.8);
    ctx.lineTo(px - r * 1.1, py + r * 0.8);
    ctx.closePath();
  }
  ctx.fill();
}

function curve(ctx, f, xs, ys, colour, width) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i])) { pen = false; continue; }
    const py = Math.max(-1e4, Math.min(1e4, f.py(ys[i])));
    if (pen) ctx.lineTo(f.px(xs[i]), py); else ctx.moveTo(f.px(xs[i]), py);
    pen = true;
  }
  ctx.stroke();
}

function legend(ctx, f, th, items) {
  ctx.font = th.font;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  let x = f.left + 8;
  const y = f.top + 12;
  for (const { label, colour, shape } of items) {
    ctx.fillStyle = colour;
    ctx.strokeStyle = colour;
    if (shape === 'line') { ctx.lineWidth = 2.5; ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 14, y); ctx.stroke(); }
    else if (shape === 'tri') triangles(ctx, { px: () => x + 7, py: () => y }, { x: [0], y: [0] }, 4.5, colour);
    else circles(ctx, { px: () => x + 7, py: () => y }, { x: [0], y: [0] }, 4, colour);
    ctx.fillStyle = th.fg;
    ctx.fillText(label, x + 19, y);
    x += 26 + ctx.measureText(label).width;
  }
}

/**
 * The main plot: train points (circles), test points (triangles), the fitted curve, and an
 * optional hover marker `{x, y}`. Returns the frame, for mapping pointer positions to data.
 */
export function drawFit(surface, th, { train, test, fit, hover, view, labels }) {
  const ctx = surface.begin(th);
  const f = frame(surface, view);
  axes(ctx, f, th);
  clip(ctx, f);
  circles(ctx, f, train, 3, th.train);
  triangles(ctx, f, test, 4, th.test);
  if (fit) curve(ctx, f, fit.xs, fit.ys, th.fit, 2.5);
  if (hover) {
    ctx.strokeStyle = th.muted;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 4]);
    const hx = Math.round(f.px(hover.x)) + 0.5;
    ctx.beginPath(); ctx.moveTo(hx, f.top); ctx.lineTo(hx, f.top + f.h); ctx.stroke();
    ctx.setLineDash([]);
    if (Number.isFinite(hover.y)) {
      ctx.fillStyle = th.fit;
      ctx.beginPath(); ctx.arc(f.px(hover.x), f.py(hover.y), 5, 0, 2 * Math.PI); ctx.fill();
    }
  }
  ctx.restore();
  legend(ctx, f, th, [
    { label: labels.train, colour: th.train, shape: 'dot' },
    { label: labels.test, colour: th.test, shape: 'tri' },
    { label: labels.fit, colour: th.fit, shape: 'line' },
  ]);
  return f;
}

/**
 * The loss curve: `train` (one loss per step) as a line, `test` (`[[step, cost], …]`) as
 * triangles; `log` picks a log-10 y axis.
 */
export function drawLoss(surface, th, { train, test, log, labels }) {
  const ctx = surface.begin(th);
  const n = train.length;
  const tr = (v) => (log ? Math.log10(v) : v);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { const v = tr(train[i]); if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  for (const [, c] of test) { const v = tr(c); if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  if (!Number.isFinite(lo)) { lo = log ? -3 : 0; hi = log ? 1 : 1; }
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  if (!log) lo = Math.min(lo, 0);
  const view = { xMin: 0, xMax: Math.max(10, n), yMin: lo, yMax: hi + (hi - lo) * 0.05 };
  const f = frame(surface, view);
  const yTicks = log
    ? ticks(view.yMin, view.yMax, Math.max(2, Math.floor(f.h / 40))).filter((v) => Number.isInteger(v))
    : undefined;
  const stepFmt = (v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v));
  axes(ctx, f, th, { xFmt: stepFmt, yFmt: (v) => (log ? fmtTick(10 ** v) : fmtTick(v)), yTicks });
  clip(ctx, f);
  // At most two samples per CSS pixel: the curve keeps its shape at any length.
  const stride = Math.max(1, Math.floor(n / (f.w * 2)));
  const xs = [], ys = [];
  for (let i = 0; i < n; i += stride) { xs.push(i); ys.push(tr(train[i])); }
  if (n && xs[xs.length - 1] !== n - 1) { xs.push(n - 1); ys.push(tr(train[n - 1])); }
  curve(ctx, f, xs, ys, th.train, 2);
  triangles(ctx, f, { x: test.map((p) => p[0]), y: test.map((p) => tr(p[1])) }, 4, th.test);
  ctx.restore();
  legend(ctx, f, th, [
    { label: labels.train, colour: th.train, shape: 'line' },
    { label: labels.test, colour: th.test, shape: 'tri' },
  ]);
}

/** One small panel of the 5 × 2 grid: the points and the fitted curve (or nothing yet). */
export function drawPanel(surface, th, { train, test, fit, view }) {
  const ctx = surface.begin(th);
  const f = frame(surface, view, true);
  ctx.strokeStyle = th.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.w, f.h);
  clip(ctx, f);
  ctx.globalAlpha = 0.55;
  circles(ctx, f, train, 1.8, th.train);
  ctx.globalAlpha = 1;
  triangles(ctx, f, test, 2.6, th.test);
  if (fit) curve(ctx, f, fit.xs, fit.ys, th.fit, 2);
  ctx.restore();
}
