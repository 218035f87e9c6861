// The forms that edit the config: data, layers, loss/optimizer/training. Each edit produces a
// new config object and hands it to `onChange`; the forms are rebuilt from the config.

import { t } from './i18n.js';

export const KINDS = ['linear', 'quadratic', 'sine', 'step', 'custom'];
const LOSSES = ['mse', 'mae', 'huber'];
const OPTIMIZERS = ['sgd', 'adam'];
// What choosing a data kind sets (slope, intercept).
const KIND_DEFAULTS = { linear: [0.5, 2], quadratic: [1, 0], sine: [1, 0], step: [1, 0] };
const OPTIMIZER_DEFAULTS = {
  sgd: { name: 'sgd', learning_rate: 0.01, momentum: 0, nesterov: false },
  adam: { name: 'adam', learning_rate: 0.001 },
};

const DATA_FIELDS = [
  { path: 'data.kind', kind: 'select', options: KINDS, optionLabel: (v) => t(`data.kind.${v}`) },
  { path: 'data.n', kind: 'number', min: 2, step: 1, off: (c) => c.data.kind === 'custom' },
  { path: 'data.slope', kind: 'number', step: 0.1, off: (c) => c.data.kind === 'custom' },
  { path: 'data.intercept', kind: 'number', step: 0.1, off: (c) => c.data.kind === 'custom' },
  { path: 'data.noise', kind: 'number', min: 0, step: 0.01, off: (c) => c.data.kind === 'custom' },
  { path: 'data.x_min', kind: 'number', step: 0.5, off: (c) => c.data.kind === 'custom' },
  { path: 'data.x_max', kind: 'number', step: 0.5, off: (c) => c.data.kind === 'custom' },
  { path: 'seed', label: 'data.seed', kind: 'number', min: 0, step: 1, action: 'new-seed' },
  { path: 'data.shuffle', kind: 'check' },
  { path: 'data.train_fraction', kind: 'number', min: 0.05, max: 0.95, step: 0.05 },
];

const MODEL_FIELDS = [
  { path: 'loss', label: 'model.loss', kind: 'select', options: LOSSES },
  { path: 'optimizer.name', label: 'model.optimizer', kind: 'select', options: OPTIMIZERS },
  { path: 'optimizer.learning_rate', label: 'model.lr', kind: 'number', min: 0, step: 'any' },
  { path: 'optimizer.momentum', label: 'model.momentum', kind: 'number', min: 0, max: 1, step: 0.1,
    hide: (c) => c.optimizer.name !== 'sgd' },
  { path: 'optimizer.nesterov', label: 'model.nesterov', kind: 'check', hide: (c) => c.optimizer.name !== 'sgd' },
  { path: 'training.batch_size', label: 'model.batch', kind: 'number', min: 1, step: 1, nullable: true },
  { path: 'training.log_every', label: 'model.logEvery', kind: 'number', min: 1, step: 1 },
  { path: 'training.steps', label: 'model.steps', kind: 'number', min: 1, step: 1 },
];

function get(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function set(obj, path, value) {
  const keys = path.split('.');
  const last = keys.pop();
  keys.reduce((o, k) => o[k], obj)[last] = value;
}

function idOf(path) {
  return 'f-' + path.replace(/[._]/g, '-');
}

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children);
  return e;
}

/**
 * The editor of one config. `hooks`: `onChange(config)` with a new config object,
 * `onError(text)` for input that is not a number, `newSeed()` → a fresh seed,
 * `activations` (names).
 */
export class Controls {
  constructor(hooks) {
    this.hooks = hooks;
    this.config = null;
  }

  /** Rebuilds the forms for `config` and keeps keyboard focus where it was. */
  render(config) {
    this.config = config;
    const focused = document.activeElement?.id;
    this.fields(document.getElementById('data-controls'), DATA_FIELDS);
    this.fields(document.getElementById('model-controls'), MODEL_FIELDS);
    this.layers(document.getElementById('layers'));
    if (config.data.kind === 'custom') {
      const n = config.data.points?.length ?? 0;
      document.getElementById('data-controls').prepend(el('p', { class: 'hint', text: t('data.custom', { n }) }));
    }
    if (focused) document.getElementById(focused)?.focus();
  }

  emit(mutate) {
    const next = structuredClone(this.config);
    mutate(next);
    this.hooks.onChange(next);
  }

  parse(input, spec) {
    if (spec.kind === 'check') return input.checked;
    if (spec.kind === 'select') return input.value;
    const raw = input.value.trim();
    if (raw === '' && spec.nullable) return null;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) {
      this.hooks.onError(t('err.number', { field: t(spec.label ?? spec.path), value: raw }));
      return undefined;
    }
    return v;
  }

  change(spec, value) {
    this.emit((c) => {
      if (spec.path === 'data.kind') {
        c.data.kind = value;
        if (KIND_DEFAULTS[value]) [c.data.slope, c.data.intercept] = KIND_DEFAULTS[value];
        if (value === 'custom' && !c.data.points) c.data.points = this.hooks.currentPoints();
        if (value !== 'custom') c.data.points = null;
      } else if (spec.path === 'optimizer.name') {
        c.optimizer = { ...OPTIMIZER_DEFAULTS[value] };
      } else set(c, spec.path, value);
    });
  }

  fields(box, specs) {
    const c = this.config;
    const rows = [];
    for (const spec of specs) {
      if (spec.hide?.(c)) continue;
      const id = idOf(spec.path);
      const label = t(spec.label ?? spec.path);
      const value = get(c, spec.path);
      let input;
      if (spec.kind === 'select') {
        input = el('select', { id }, spec.options.map((o) =>
          el('option', { value: o, text: spec.optionLabel ? spec.optionLabel(o) : o, selected: o === value })));
      } else if (spec.kind === 'check') {
        input = el('input', { id, type: 'checkbox', checked: !!value });
      } else {
        input = el('input', {
          id, type: 'number', inputmode: 'decimal', value: value === null || value === undefined ? '' : String(value),
          min: spec.min, max: spec.max, step: spec.step ?? 'any',
        });
      }
      input.disabled = !!spec.off?.(c);
      input.addEventListener('change', () => {
        const v = this.parse(input, spec);
        if (v !== undefined) this.change(spec, v);
      });
      const row = el('label', { class: spec.kind === 'check' ? 'field check' : 'field', for: id },
        spec.kind === 'check' ? [input, el('span', { text: label })] : [el('span', { text: label }), input]);
      if (spec.action === 'new-seed') {
        const b = el('button', { type: 'button', id: 'new-seed', text: t('data.newSeed') });
        b.addEventListener('click', () => this.emit((cfg) => { cfg.seed = this.hooks.newSeed(); }));
        rows.push(el('div', { class: 'field-row' }, [row, b]));
      } else rows.push(row);
    }
    box.replaceChildren(...rows);
  }

  layers(box) {
    const layers = this.config.model.layers;
    const items = layers.map((layer, i) => {
      const last = i === layers.length - 1;
      const units = el('input', {
        id: `layer-${i}-units`, type: 'number', min: 1, max: 512, step: 1, value: String(layer.units),
        disabled: last, 'aria-label': `${t('model.layer', { i: i + 1 })}: ${t('model.units')}`,
      });
      units.addEventListener('change', () => {
        const v = this.parse(units, { label: 'model.units', path: 'model.units' });
        if (v !== undefined) this.emit((c) => { c.model.layers[i].units = v; });
      });
      const act = el('select', {
        id: `layer-${i}-activation`, 'aria-label': `${t('model.layer', { i: i + 1 })}: ${t('model.activation')}`,
      }, this.hooks.activations.map((a) => el('option', { value: a, text: a, selected: a === layer.activation })));
      act.addEventListener('change', () => this.emit((c) => { c.model.layers[i].activation = act.value; }));
      const parts = [el('span', { class: 'layer-name', text: t('model.layer', { i: i + 1 }) }), units, act];
      if (!last) {
        const rm = el('button', { type: 'button', class: 'icon', text: '−', 'aria-label': t('model.remove', { i: i + 1 }) });
        rm.addEventListener('click', () => this.emit((c) => { c.model.layers.splice(i, 1); }));
        parts.push(rm);
      }
      return el('li', { class: 'layer' }, parts);
    });
    box.replaceChildren(el('ol', { class: 'layers' }, items));
  }

  /** Inserts a hidden layer before the output layer. */
  addLayer() {
    this.emit((c) => {
      const tmpl = { ...c.model.layers[c.model.layers.length - 1], units: 16, activation: 'tanh' };
      c.model.layers.splice(c.model.layers.length - 1, 0, tmpl);
    });
  }
}
