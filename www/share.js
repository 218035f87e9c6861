// The page's exports beyond the run record and the config (the weights for Keras' set_weights,
// the Keras replay script, the data as CSV), its import of a config, a run record or CSV, and
// "copy embed code": both ways to put the experiment on show into another page. The engine
// writes every text; this file only wires buttons and holds their words.
//
//   installShare(box, { wasm, getConfig, getRecord, importConfig, lang, status })
//     box           the element the buttons go into
//     wasm          the engine's module
//     getConfig()   the config in force (an object)
//     getRecord()   a promise of the run record so far (JSON text)
//     importConfig(config, steps)  applies an imported config (and trains `steps` steps: a
//                   record's); resolves to whether it was applied
//     lang()        'en' or 'zh'
//     status(text, isError)  shows a short message

const WORDS = {
  en: {
    weights: 'Export weights',
    script: 'Export Keras script',
    csv: 'Export data (CSV)',
    import: 'Import config, run or CSV',
    embed: 'Copy embed code',
    embedLabel: 'Embed code: the element, then the iframe',
    copied: 'Embed code copied.',
    shown: 'Select and copy the embed code below.',
    imported: 'Imported.',
    importError: 'The file was not imported: {error}',
  },
  zh: {
    weights: '导出权重',
    script: '导出 Keras 脚本',
    csv: '导出数据（CSV）',
    import: '导入配置、运行记录或 CSV',
    embed: '复制嵌入代码',
    embedLabel: '嵌入代码：先是元素，然后是 iframe',
    copied: '已复制嵌入代码。',
    shown: '请在下面选中并复制嵌入代码。',
    imported: '已导入。',
    importError: '文件没有导入：{error}',
  },
};

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The two ways to embed `config` from the page at `pageUrl`: `element` (the module script and
 * a configured <nn-playground>) and `iframe` (embed.html with the experiment in its hash).
 */
export function embedCode(wasm, config, pageUrl, controls = 'toolbar loss') {
  const json = JSON.stringify(config);
  const flat = wasm.embedAttributes(json);
  let attrs = '';
  for (let i = 0; i + 1 < flat.length; i += 2) attrs += ` ${flat[i]}="${escapeHtml(flat[i + 1])}"`;
  const script = new URL('pkg/nn-playground.js', pageUrl).href;
  const frame = new URL('embed.html', pageUrl);
  const hash = wasm.shareHash(json);
  frame.hash = [hash, `controls=${controls.replace(/\s+/g, ',')}`].filter(Boolean).join('&');
  return {
    element: `<script type="module" src="${escapeHtml(script)}"></script>\n<nn-playground controls="${controls}"${attrs}></nn-playground>`,
    iframe: `<iframe src="${escapeHtml(frame.href)}" title="nnplay" width="100%" height="640" style="border:0" loading="lazy"></iframe>`,
  };
}

function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function installShare(box, { wasm, getConfig, getRecord, importConfig, lang, status }) {
  const w = (key, vars = {}) => (WORDS[lang()] ?? WORDS.en)[key].replace(/\{(\w+)\}/g, (m, k) => vars[k] ?? m);
  const said = (key, vars, isError = false) => status(w(key, vars), isError);
  const guard = (fn) => () => Promise.resolve().then(fn).catch((e) => status(e?.message ?? String(e), true));
  const made = [];
  const button = (key, fn) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.share = key;
    b.addEventListener('click', guard(fn));
    made.push([b, key]);
    box.append(b);
    return b;
  };

  button('weights', async () => download('nnplay-weights.json', wasm.exportWeights(await getRecord())));
  button('script', async () => download('nnplay_replay.py', wasm.kerasReplayScript(await getRecord())));
  button('csv', async () => download('nnplay-data.csv', wasm.exportCsv(await getRecord())));

  const file = document.createElement('input');
  file.type = 'file';
  file.accept = '.json,.csv,.txt,application/json,text/csv';
  file.hidden = true;
  file.dataset.share = 'file';
  file.addEventListener('change', guard(async () => {
    const f = file.files?.[0];
    file.value = '';
    if (!f) return;
    let got;
    try {
      got = wasm.importText(await f.text(), JSON.stringify(getConfig()));
    } catch (e) {
      said('importError', { error: e?.message ?? String(e) }, true);
      return;
    }
    if (await importConfig(JSON.parse(got.config), got.steps)) said('imported');
  }));
  box.append(file);
  button('import', () => file.click());

  const code = document.createElement('textarea');
  code.readOnly = true;
  code.rows = 5;
  code.hidden = true;
  code.className = 'share-link';
  code.dataset.share = 'code';
  box.after(code);
  button('embed', async () => {
    const { element, iframe } = embedCode(wasm, getConfig(), location.href);
    code.value = `${element}\n\n${iframe}\n`;
    code.setAttribute('aria-label', w('embedLabel'));
    code.hidden = false;
    try {
      await navigator.clipboard.writeText(code.value);
      said('copied');
    } catch {
      code.select();
      said('shown');
    }
  });

  /** Puts the buttons' words in the page's language (call it when the language changes). */
  const relabel = () => {
    for (const [b, key] of made) b.textContent = w(key);
    code.setAttribute('aria-label', w('embedLabel'));
  };
  relabel();
  return { relabel };
}
