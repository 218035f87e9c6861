// The forms that edit the config: data, layers, loss/optimizer/training. Every option list,
// default and limit comes from the engine's `schema()`; this file only lays the forms out.
// Each edit is handed to `edit(mutate)`: the page applies `mutate` to the config in force and
// re-renders the forms from whatever config is then in force (the old one when the edit is
// refused).

import { t } from './i18n.js';

// Display steps of the number inputs (how far the arrow keys move), not limits.
const DATA_FIELDS = [
  { path: 'data.kind', kind: 'select', options: (s) => s.data_kinds.map((k) => k.name), optionLabel: (v) => t(`data.kind.${v}`) },
  { path: 'data.n', kind: 'number', off: (c) => c.data.kind === 'custom' },
  { path: 'data.slope', kind: 'number', step: 0.1, off: (c) => c.data.kind === 'custom' },
  { path: 'data.intercept', kind: 'number', step: 0.1, off: (c) => c.data.kind === 'custom' },
  { path: 'data.noise', kind: 'number', step: 0.01, off: (c) => c.data.kind === 'custom' },
  { path: 'data.x_min', kind: 'number', step: 0.5, off: (c) => c.data.kind === 'custom' },
  { path: 'data.x_max', kind: 'number', step: 0.5, off: (c) => c.data.kind === 'custom' },
  { path: 'seed', label: 'data.seed', kind: 'number', action: 'new-seed' },
  { path: 'data.shuffle', kind: 'check' },
  { path: 'data.train_fraction', kind: 'number', step: 0.05 },
];

const LOSS_FIELDS = [
  { path: 'loss', label: 'model.loss', kind: 'select', options: (s) => s.losses },
  {
    path: 'optimizer.name', label: 'model.optimizer', kind: 'select', options: (s) => s.optimizers.map((o) => o.name),
    optionLabel: (v, s) => s.optimizers.find((o) => o.name === v).keras_class,
  },
];

const TRAINING_FIELDS = [
  { path: 'training.batch_size', label: 'model.batch', kind: 'number' },
  { path: 'training.log_every', label: 'model.logEvery', kind: 'number' },
  { path: 'training.steps', label: 'model.steps', kind: 'number' },
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
 * The `min`/`max` attributes of a number input from a bound of the core (`{min, min_inclusive,
 * max, max_inclusive, integer}`): HTML bounds are inclusive, so an exclusive one is kept in
 * `data-min`/`data-max` only (the engine refuses it with a message).
 */
function boundProps(b) {
  if (!b) return {};
  const p = {};
  if (b.min !== null && b.min !== undefined) {
    p['data-min'] = String(b.min);
    p['data-min-inclusive'] = String(b.min_inclusive);
    if (b.min_inclusive) p.min = String(b.min);
  }
  if (b.max !== null && b.max !== undefined) {
    p['data-max'] = String(b.max);
    p['data-max-inclusive'] = String(b.max_inclusive);
    if (b.max_inclusive) p.max = String(b.max);
  }
  if (b.integer) p.step = '1';
  return p;
}

/** An optimizer's defaults, from its parameter specs: `{name, learning_rate, …}`. */
export function optimizerDefaults(spec) {
  const out = { name: spec.name };
  for (const p of spec.params) out[p.name] = p.kind === 'bool' ? p.default !== 0 : p.default;
  return out;
}

/**
 * The editor of one config. `hooks`: `schema` (the engine's `schema()`), `edit(mutate)` to
 * apply an edit, `refuse(text)` for input that is not a number (the page shows the text and
 * renders the forms again), `newSeed()` → a fresh seed, `currentPoints()` → the points shown.
 */
export class Controls {
  constructor(hooks) {
    this.hooks = hooks;
    this.schema = hooks.schema;
    this.config = null;
  }

  /** Rebuilds the forms for `config` and keeps keyboard focus where it was. */
  render(config) {
    this.config = config;
    const focused = document.activeElement?.id;
    this.fields(document.getElementById('data-controls'), DATA_FIELDS);
    this.fields(document.getElementById('model-controls'), [...LOSS_FIELDS, ...this.optimizerFields(), ...TRAINING_FIELDS]);
    this.layers(document.getElementById('layers'));
    if (config.data.kind === 'custom') {
      const n = config.data.points?.length ?? 0;
      document.getElementById('data-controls').prepend(el('p', { class: 'hint', text: t('data.custom', { n }) }));
    }
    const add = document.getElementById('add-layer');
    add.disabled = config.model.layers.length >= this.schema.limits.MAX_LAYERS;
    if (focused) document.getElementById(focused)?.focus();
  }

  /** The current optimizer's parameters, exactly as the engine lists them. */
  optimizerFields() {
    const spec = this.schema.optimizers.find((o) => o.name === this.config.optimizer.name);
    return (spec?.params ?? []).map((p) => ({
      path: `optimizer.${p.name}`, label: `opt.${p.name}`, kind: p.kind === 'bool' ? 'check' : 'number', bound: p,
    }));
  }

  emit(mutate) {
    this.hooks.edit(mutate);
  }

  parse(input, spec) {
    if (spec.kind === 'check') return input.checked;
    if (spec.kind === 'select') return input.value;
    const raw = input.value.trim();
    if (raw === '' && this.bound(spec)?.nullable) return null;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) {
      this.hooks.refuse(t('err.number', { field: t(spec.label ?? spec.path), value: raw }));
      return undefined;
    }
    return v;
  }

  bound(spec) {
    return spec.bound ?? this.schema.fields[spec.path];
  }

  change(spec, value) {
    const schema = this.schema;
    if (spec.path === 'data.kind') {
      const preset = schema.data_kinds.find((k) => k.name === value) ?? {};
      const points = value === 'custom' ? this.hooks.currentPoints() : null;
      this.emit((c) => {
        c.data.kind = value;
        if ('slope' in preset) c.data.slope = preset.slope;
        if ('intercept' in preset) c.data.intercept = preset.intercept;
        if (value === 'custom' && !c.data.points) c.data.points = points;
        if (value !== 'custom') c.data.points = null;
      });
    } else if (spec.path === 'optimizer.name') {
      const opt = schema.optimizers.find((o) => o.name === value);
      this.emit((c) => { c.optimizer = opt ? optimizerDefaults(opt) : { name: value }; });
    } else this.emit((c) => set(c, spec.path, value));
  }

  fields(box, specs) {
    const c = this.config;
    const rows = [];
    for (const spec of specs) {
      const id = idOf(spec.path);
      const label = t(spec.label ?? spec.path);
      const value = get(c, spec.path);
      let input;
      if (spec.kind === 'select') {
        input = el('select', { id }, spec.options(this.schema).map((o) =>
          el('option', { value: o, text: spec.optionLabel ? spec.optionLabel(o, this.schema) : o, selected: o === value })));
      } else if (spec.kind === 'check') {
        input = el('input', { id, type: 'checkbox', checked: !!value });
      } else {
        input = el('input', {
          id, type: 'number', inputmode: 'decimal', value: value === null || value === undefined ? '' : String(value),
          step: spec.step ?? 'any', ...boundProps(this.bound(spec)),
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
        b.addEventListener('click', () => {
          const seed = this.hooks.newSeed();
          this.emit((cfg) => { cfg.seed = seed; });
        });
        rows.push(el('div', { class: 'field-row' }, [row, b]));
      } else rows.push(row);
    }
    box.replaceChildren(...rows);
  }

  layers(box) {
    const layers = this.config.model.layers;
    const unitBound = this.schema.fields['model.layers.units'];
    const items = layers.map((layer, i) => {
      const last = i === layers.length - 1;
      const units = el('input', {
        id: `layer-${i}-units`, type: 'number', value: String(layer.units), ...boundProps(unitBound),
        disabled: last, 'aria-label': `${t('model.layer', { i: i + 1 })}: ${t('model.units')}`,
      });
      units.addEventListener('change', () => {
        const v = this.parse(units, { label: 'model.units', path: 'model.layers.units' });
        if (v !== undefined) this.emit((c) => { c.model.layers[i].units = v; });
      });
      const act = el('select', {
        id: `layer-${i}-activation`, 'aria-label': `${t('model.layer', { i: i + 1 })}: ${t('model.activation')}`,
      }, this.schema.activations.map((a) => el('option', { value: a, text: a, selected: a === layer.activation })));
      act.addEventListener('change', () => this.emit((c) => { c.model.layers[i].activation = act.value; }));
      const parts = [el('span', { class: 'layer-name', text: t('model.layer', { i: i + 1 }) }), units, act];
      if (!last) {
        const rm = el('button', {
          type: 'button', class: 'icon', id: `layer-${i}-remove`, text: '−', 'aria-label': t('model.remove', { i: i + 1 }),
        });
        rm.addEventListener('click', () => this.emit((c) => { c.model.layers.splice(i, 1); }));
        parts.push(rm);
      }
      return el('li', { class: 'layer' }, parts);
    });
    box.replaceChildren(el('ol', { class: 'layers' }, items));
  }

  /** Inserts the engine's hidden layer before the output layer. */
  addLayer() {
    const layer = this.schema.hidden_layer;
    this.emit((c) => {
      c.model.layers.splice(c.model.layers.length - 1, 0, structuredClone(layer));
    });
  }
}
