// Every string the page shows, in English and Chinese. Other modules ask `t(key, vars)`.

import { STORY_STRINGS } from './story-i18n.js';

const STRINGS = {
  en: {
    'doc.title': 'nnplay — a neural network learning playground',
    'app.tagline': 'Build a small Keras-style network, train it step by step, and watch it fit the points.',
    'lang.label': 'Language',
    'backend.label': 'Backend',
    'backend.auto': 'auto',
    'backend.webgpu': 'WebGPU',
    'backend.cpu': 'CPU',
    'backend.loading': 'Loading the network engine…',
    'backend.fallback': 'WebGPU could not start ({error}); training on the CPU instead.',

    'data.title': 'Data',
    'data.kind': 'Shape',
    'data.kind.linear': 'linear',
    'data.kind.quadratic': 'quadratic',
    'data.kind.sine': 'sine',
    'data.kind.step': 'step',
    'data.kind.custom': 'custom points',
    'data.n': 'Points',
    'data.slope': 'Slope',
    'data.intercept': 'Intercept',
    'data.noise': 'Noise (std)',
    'data.x_min': 'x from',
    'data.x_max': 'x to',
    'data.seed': 'Seed',
    'data.newSeed': 'New seed',
    'data.shuffle': 'Shuffle before splitting',
    'data.train_fraction': 'Train fraction',
    'data.hint': 'Click on the plot to add a point (the data becomes custom points).',
    'data.csv': 'Paste points as CSV (x,y per line)',
    'data.csvApply': 'Use these points',
    'data.csvError': 'The CSV could not be read: {error}',
    'data.custom': '{n} custom points',

    'model.title': 'Model',
    'model.layer': 'Layer {i}',
    'model.units': 'Units',
    'model.activation': 'Activation',
    'model.remove': 'Remove layer {i}',
    'model.add': 'Add hidden layer',
    'model.outputNote': 'The last layer has one unit: the predicted y.',
    'model.loss': 'Loss',
    'model.optimizer': 'Optimizer',
    'opt.learning_rate': 'Learning rate',
    'opt.momentum': 'Momentum',
    'opt.nesterov': 'Nesterov momentum',
    'opt.beta_1': 'β₁ (first-moment decay)',
    'opt.beta_2': 'β₂ (second-moment decay)',
    'opt.epsilon': 'ε (added to the denominator)',
    'opt.rho': 'ρ (mean-square decay)',
    'opt.centered': 'Centered (divide by the variance)',
    'model.batch': 'Batch size (empty: all training points)',
    'model.logEvery': 'Log every (steps)',
    'model.steps': 'Evaluate after (steps)',
    'model.summary': 'model.summary()',
    'model.code': 'The same model in Keras',

    'train.title': 'Training',
    'train.step': 'Step',
    'train.step100': 'Step ×100',
    'train.play': 'Play',
    'train.pause': 'Pause',
    'train.reset': 'Reset',
    'train.evaluate': 'Test cost & weights',
    'train.speed': 'Speed',
    'train.speedMax': 'max',
    'train.speedValue': '{n} steps/frame',
    'train.stepCount': 'step',
    'train.stepsPerSec': 'steps/s',
    'train.trainCost': 'train cost',
    'train.testCost': 'test cost',
    'train.shortcuts': 'Keys: space plays or pauses, → takes one step.',

    'log.title': 'Console',
    'log.header': 'Training',
    'log.testHeader': 'Testing',
    'log.trainCost': 'train cost: {v}',
    'log.testCost': 'test cost: {v}',
    'log.weights': 'weights: {v}',
    'log.biases': 'biases: {v}',
    'log.layerWeights': 'layer {i} weights: {v}',
    'log.layerBiases': 'layer {i} biases: {v}',
    'log.paused': 'paused at step {n}',

    'plot.title': 'Points and the fitted curve',
    'plot.label': 'Scatter plot of the training points (circles) and test points (triangles) with the network\'s fitted curve. Click to add a point.',
    'plot.train': 'train',
    'plot.test': 'test',
    'plot.fit': 'network',
    'plot.predictLabel': 'Predict at x',
    'plot.predict': 'x = {x} → ŷ = {y}',
    'plot.predictHint': 'Point at the plot or type an x to read the prediction.',
    'loss.title': 'Loss',
    'loss.label': 'Loss curve: training loss at every step, test cost sampled every few steps.',
    'loss.log': 'Log scale',
    'grid.title': 'The fitted line every 100 steps',
    'grid.note': 'After the steps 0, 100, …, 900, as in the tutorial\'s 5 × 2 figure. Panels fill in as training passes them.',
    'grid.panel': 'step {step}',
    'grid.empty': 'step {step}: not reached yet',
    'grid.cost': 'cost={cost} k={k}',

    'diverge.title': 'Training diverged',
    'diverge.nan': 'At step {step} the loss became {value}: the weights ran off to infinity.',
    'diverge.explode': 'At step {step} the loss grew to {value}, more than a million times its first value.',
    'diverge.advice': 'The learning rate {lr} is too large for this model. A learning rate of about {stable} should be stable. Press Reset to start over.',
    'diverge.apply': 'Use learning rate {stable}',

    'share.title': 'Save and share',
    'share.exportRun': 'Export run',
    'share.exportConfig': 'Export config',
    'share.copyLink': 'Copy link',
    'share.copied': 'The link is copied.',
    'share.copyFailed': 'The link could not be copied ({error}); select it below and copy it by hand.',

    'err.prefix': 'Problem: ',
    'err.dismiss': 'Dismiss',
    'err.config': 'This change was not applied, the experiment stays as it was: {error}',
    'err.url': 'The settings in the link could not be used ({error}); the tutorial\'s defaults are used instead.',
    'err.url.kept': 'The settings in the address could not be used ({error}); the experiment stays as it was.',
    'err.link.format': 'it is not a link of this page',
    'err.link.decode': 'it is damaged: {detail}',
    'err.link.object': 'it holds no settings object',
    'err.stale': 'the experiment changed meanwhile',
    'err.wasm': 'The network engine could not be loaded: {error}',
    'err.wasmTimeout': 'the engine did not start within 30 seconds',
    'err.engineUrl': 'the page does not name the engine\'s module',
    'err.worker': 'Training stopped: its worker failed ({error}). Reset or edit the experiment to start again.',
    'err.number': '{field}: “{value}” is not a number.',
    'err.generic': '{error}',
    'err.noscript': 'nnplay needs JavaScript and WebAssembly.',
  },
  zh: {
    'doc.title': 'nnplay — 神经网络学习游乐场',
    'app.tagline': '搭一个 Keras 风格的小网络，一步一步地训练，看它怎样拟合这些点。',
    'lang.label': '语言',
    'backend.label': '后端',
    'backend.auto': '自动',
    'backend.webgpu': 'WebGPU',
    'backend.cpu': 'CPU',
    'backend.loading': '正在加载网络引擎…',
    'backend.fallback': 'WebGPU 无法启动（{error}），改用 CPU 训练。',

    'data.title': '数据',
    'data.kind': '形状',
    'data.kind.linear': '直线',
    'data.kind.quadratic': '二次曲线',
    'data.kind.sine': '正弦',
    'data.kind.step': '阶跃',
    'data.kind.custom': '自定义点',
    'data.n': '点数',
    'data.slope': '斜率',
    'data.intercept': '截距',
    'data.noise': '噪声（标准差）',
    'data.x_min': 'x 起点',
    'data.x_max': 'x 终点',
    'data.seed': '随机种子',
    'data.newSeed': '换一个种子',
    'data.shuffle': '划分前打乱',
    'data.train_fraction': '训练集比例',
    'data.hint': '在图上点击即可添加一个点（数据随之变为自定义点）。',
    'data.csv': '粘贴 CSV 格式的点（每行 x,y）',
    'data.csvApply': '使用这些点',
    'data.csvError': '无法读取 CSV：{error}',
    'data.custom': '{n} 个自定义点',

    'model.title': '模型',
    'model.layer': '第 {i} 层',
    'model.units': '神经元数',
    'model.activation': '激活函数',
    'model.remove': '删除第 {i} 层',
    'model.add': '添加隐藏层',
    'model.outputNote': '最后一层只有一个神经元：输出预测的 y。',
    'model.loss': '损失函数',
    'model.optimizer': '优化器',
    'opt.learning_rate': '学习率',
    'opt.momentum': '动量',
    'opt.nesterov': 'Nesterov 动量',
    'opt.beta_1': 'β₁（一阶矩衰减率）',
    'opt.beta_2': 'β₂（二阶矩衰减率）',
    'opt.epsilon': 'ε（加在分母上）',
    'opt.rho': 'ρ（均方衰减率）',
    'opt.centered': '中心化（除以方差）',
    'model.batch': '批大小（留空：全部训练点）',
    'model.logEvery': '每隔多少步输出',
    'model.steps': '训练多少步后测试',
    'model.summary': 'model.summary()',
    'model.code': '对应的 Keras 代码',

    'train.title': '训练',
    'train.step': '单步',
    'train.step100': '走 100 步',
    'train.play': '开始',
    'train.pause': '暂停',
    'train.reset': '重置',
    'train.evaluate': '测试误差和权重',
    'train.speed': '速度',
    'train.speedMax': '最快',
    'train.speedValue': '每帧 {n} 步',
    'train.stepCount': '步数',
    'train.stepsPerSec': '步/秒',
    'train.trainCost': '训练误差',
    'train.testCost': '测试误差',
    'train.shortcuts': '快捷键：空格键开始或暂停，→ 键走一步。',

    'log.title': '控制台',
    'log.header': '训练',
    'log.testHeader': '测试',
    'log.trainCost': 'train cost: {v}',
    'log.testCost': 'test cost: {v}',
    'log.weights': 'weights: {v}',
    'log.biases': 'biases: {v}',
    'log.layerWeights': '第 {i} 层 weights: {v}',
    'log.layerBiases': '第 {i} 层 biases: {v}',
    'log.paused': '在第 {n} 步暂停',

    'plot.title': '散点与拟合曲线',
    'plot.label': '训练点（圆点）和测试点（三角）的散点图，以及网络拟合出的曲线。点击可添加一个点。',
    'plot.train': '训练',
    'plot.test': '测试',
    'plot.fit': '网络',
    'plot.predictLabel': '在 x 处预测',
    'plot.predict': 'x = {x} → ŷ = {y}',
    'plot.predictHint': '把指针移到图上，或输入一个 x，即可读出预测值。',
    'loss.title': '损失',
    'loss.label': '损失曲线：每一步的训练损失，以及每隔若干步取样的测试误差。',
    'loss.log': '对数坐标',
    'grid.title': '每 100 步的拟合直线',
    'grid.note': '第 0、100、…、900 步之后的结果，对应教程里 5 × 2 的那张图。训练经过这些步时，格子逐个填上。',
    'grid.panel': '第 {step} 步',
    'grid.empty': '第 {step} 步：尚未到达',
    'grid.cost': 'cost={cost} k={k}',

    'diverge.title': '训练发散了',
    'diverge.nan': '第 {step} 步的损失变成了 {value}：权重已经跑向无穷大。',
    'diverge.explode': '第 {step} 步的损失涨到了 {value}，超过初始值的一百万倍。',
    'diverge.advice': '对这个模型来说，学习率 {lr} 太大了。大约 {stable} 的学习率应当是稳定的。按“重置”可以重新开始。',
    'diverge.apply': '改用学习率 {stable}',

    'share.title': '保存与分享',
    'share.exportRun': '导出运行记录',
    'share.exportConfig': '导出配置',
    'share.copyLink': '复制链接',
    'share.copied': '链接已复制。',
    'share.copyFailed': '无法复制链接（{error}），请在下方选中后手动复制。',

    'err.prefix': '问题：',
    'err.dismiss': '关闭',
    'err.config': '这项修改没有生效，实验保持原样：{error}',
    'err.url': '无法使用链接中的设置（{error}），改用教程的默认设置。',
    'err.url.kept': '无法使用地址中的设置（{error}），实验保持原样。',
    'err.link.format': '这不是本页面的链接',
    'err.link.decode': '链接已损坏：{detail}',
    'err.link.object': '链接中没有设置对象',
    'err.stale': '实验在此期间已经改变',
    'err.wasm': '无法加载网络引擎：{error}',
    'err.wasmTimeout': '引擎在 30 秒内没有启动',
    'err.engineUrl': '页面没有给出引擎模块的地址',
    'err.worker': '训练已停止：训练线程出错（{error}）。重置或修改实验即可重新开始。',
    'err.number': '{field}：“{value}”不是数字。',
    'err.generic': '{error}',
    'err.noscript': 'nnplay 需要 JavaScript 和 WebAssembly。',
  },
};


// The story's words (www/story-i18n.js) join the page's.
for (const l of Object.keys(STRINGS)) Object.assign(STRINGS[l], STORY_STRINGS[l]);

export const LANGS = ['en', 'zh'];
let current = 'en';

/** Picks the language: `requested` if supported, else the browser's, else English. */
export function setLang(requested) {
  const browser = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  current = LANGS.includes(requested) ? requested : browser;
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  return current;
}

export function lang() {
  return current;
}

const missing = new Set();

/**
 * The string `key` with `{name}` replaced from `vars`. A key the current language lacks shows
 * as `⟦key⟧` (never silently in another language) and is remembered for `missingKeys()`.
 */
export function t(key, vars = {}) {
  const s = STRINGS[current][key];
  if (s === undefined) {
    missing.add(`${current}:${key}`);
    return `⟦${key}⟧`;
  }
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** The `lang:key` pairs asked for and not found so far (the e2e suite checks it is empty). */
export function missingKeys() {
  return [...missing];
}

/** The keys of one language's strings (the e2e suite checks both languages have the same). */
export function keysOf(language) {
  return Object.keys(STRINGS[language] ?? {});
}

/** Fills `[data-i18n]` (text), `[data-i18n-label]` (aria-label) and `[data-i18n-title]` under `root`. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  document.title = t('doc.title');
}
