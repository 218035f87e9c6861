// The story's words, English and Chinese, with the same keys. Keys ending in `Html` hold
// markup (our own, never user text) and are set with innerHTML; the others are plain text.

export const STORY_STRINGS = {
  en: {
    'story.hide': 'Hide the story',
    'story.show': 'Show the story',
    'story.nav': 'The story',

    'story.net.title': '1 · A network is a stack of neurons',
    'story.net.introHtml': `<p>A neural network is a function with knobs. It takes a number in, passes it through
a few <em>neurons</em>, and hands a number out. Training turns the knobs until the answers match the examples.</p>
<p>A <strong>neuron</strong> multiplies its input by a <em>weight</em> w, adds a <em>bias</em> b, and passes the
sum through an <em>activation function</em>: <code>ŷ = activation(w·x + b)</code>. That is all one neuron does.</p>`,
    'story.neuron.title': 'Hold a neuron',
    'story.neuron.help': 'Move w and b and pick an activation: the curve is what this one neuron answers for every x of the data.',
    'story.neuron.w': 'Weight w',
    'story.neuron.b': 'Bias b',
    'story.neuron.act': 'Activation',
    'story.neuron.label': 'One neuron, ŷ = {act}({w}·x + {b}), drawn over the data points',
    'story.neuron.fit': 'neuron',
    'story.neuron.denseHtml': `<p>The tutorial's model, <code>Dense(1)</code> with the <code>linear</code> activation,
is exactly this neuron: one weight, one bias, no bend. Drop the playground's trained numbers onto the sliders and the
curve here becomes the playground's line.</p>`,
    'story.neuron.use': 'Use the playground\u2019s trained w and b',
    'story.neuron.used': 'Set from the playground after {steps} steps: w = {w}, b = {b}.',
    'story.neuron.notDense': 'The playground\u2019s model has {n} weights, not one neuron: make it a single Dense(1) layer first.',
    'story.neuron.notYet': 'The playground has not trained yet.',

    'story.layers.title': '2 · Input, hidden and output layers',
    'story.layers.introHtml': `<p>The <strong>input layer</strong> is just the data coming in: here one number, x.
The <strong>output layer</strong> gives the answer: one number, the predicted y. Every layer in between is
<strong>hidden</strong>: each of its neurons reads all the outputs of the layer before and passes its own on.</p>
<p>Below is the playground's model as it trains. Blue lines are positive weights, orange ones negative; the thicker
the line, the larger the weight. Point at a hidden neuron (or pick it in the list) to see its own output over x:
the piece of the curve it contributes.</p>`,
    'story.diagram.label': 'Diagram of the playground\u2019s network, {sizes} neurons per layer. Blue lines are positive weights, orange negative, thicker is larger.',
    'story.diagram.input': 'input',
    'story.diagram.hidden': 'hidden',
    'story.diagram.output': 'output',
    'story.diagram.pick': 'Neuron to plot',
    'story.diagram.none': 'none',
    'story.diagram.unit': 'layer {layer}, neuron {unit}',
    'story.diagram.noHidden': 'This model has no hidden layer: add one in the playground to see its neurons.',
    'story.unit.label': 'Output of hidden neuron {unit} of layer {layer} over x',
    'story.unit.empty': 'No neuron picked.',
    'story.unit.out': 'its output',
    'story.unit.weight': 'It reaches the output multiplied by {w}.',

    'story.act.title': '3 · What an activation function is for',
    'story.act.introHtml': `<p>Without an activation, a neuron is a straight line, and a line of lines is still a line:
stacking linear layers never bends the answer. An <strong>activation function</strong> bends each neuron's output, and
many bent pieces added together can follow a curve.</p>
<p>Here is every activation nnplay offers, with its derivative (dashed): the derivative is what training uses to
decide how much a weight before it should move.</p>`,
    'story.act.figLabel': 'The {name} activation and its derivative',
    'story.stack.title': 'Same stack, with and without a bend',
    'story.stack.help': 'Both networks have two hidden layers of {units} neurons and learn the same sine points with Adam.',
    'story.stack.linear': 'linear layers only',
    'story.stack.bent': 'hidden layers with {act}',
    'story.stack.act': 'Activation of the right-hand stack',
    'story.stack.restart': 'Train both again',
    'story.stack.status': '{steps} steps · loss {loss}',
    'story.stack.label': 'A stack of {what} fitted to sine points after {steps} steps',

    'story.learn.title': '4 · How a network learns',
    'story.learn.introHtml': `<p>Learning is a loop. The network answers every example; a <strong>loss</strong> measures how
wrong the answers are (here the mean of the squared differences, MSE). Then the difference is sent back through the
network: for every weight, the <strong>gradient</strong> says which way and how strongly the loss changes when that
weight moves. Each weight takes a small step against its gradient, the size of the step set by the
<strong>learning rate</strong>. Then the loop starts again.</p>
<p>Below, the tutorial's model <code>ŷ = w·x + b</code> learns the playground's points one step at a time. Every number
is the engine's own for that step.</p>`,
    'story.learn.opt': 'Optimizer',
    'story.learn.lr': 'Learning rate',
    'story.learn.step': 'Take a step',
    'story.learn.play': 'Keep stepping',
    'story.learn.pause': 'Stop',
    'story.learn.reset': 'Start again',
    'story.learn.numbers': 'The numbers of step {step}',
    'story.learn.none': 'Take a step to see its numbers.',
    'story.learn.predict': 'prediction for the first point',
    'story.learn.loss': 'loss (mean over all points)',
    'story.learn.gradW': 'how the loss changes with w',
    'story.learn.gradB': 'how the loss changes with b',
    'story.learn.update': 'the update',
    'story.learn.slot': 'optimizer state {name}',
    'story.learn.adamHtml': `<p>Adam keeps two running averages per weight: <code>m</code>, of the gradients, and
<code>v</code>, of their squares. Its step is <code>lr·m̂/(√v̂ + ε)</code> (the hats undo the averages' start at
zero), so every weight moves by about the learning rate whatever the size of its gradient.</p>`,
    'story.land.title': 'The loss landscape',
    'story.land.helpHtml': `<p>Every point of this map is one choice of (w, b), coloured by its loss: darker is lower.
The cross marks the least-squares answer, the lowest point. The line is the path the optimizer has taken. With a small
learning rate it creeps downhill; a large one jumps across the valley and back, and past about 1 every jump lands
higher than the last and the numbers explode.</p>`,
    'story.land.label': 'Loss landscape over w and b: the path has {n} points and ends at w = {w}, b = {b}; the lowest loss is at w = {ow}, b = {ob}.',
    'story.land.diverged': 'The loss is growing without bound: this learning rate is too large. Pick a smaller one and start again.',

    'story.backend.title': 'What is a backend?',
    'story.backend.textHtml': `<p>Keras describes a network; it does not do the arithmetic itself. It hands the
multiplications to a <em>backend</em>, a library that runs them on a processor. Old Keras printed
<code>Using TensorFlow backend.</code> when it started. It read its choice from <code>"backend"</code> in
<code>~/.keras/keras.json</code>, and the <code>KERAS_BACKEND</code> environment variable overrides that file
(Keras 3 offers jax, tensorflow and torch).</p>
<p>nnplay does the same in the browser: it runs its arithmetic with <strong>WebGPU</strong> compute shaders on the
graphics card when the browser offers one, and on the <strong>CPU</strong> otherwise. Both give the same numbers.
The backend switch (or <code>?backend=</code> in the address) chooses, and the line above says which one runs and
why. The story's small models always run on the CPU: they are too small for a graphics card to help.</p>`,
  },
  zh: {
    'story.hide': '收起讲解',
    'story.show': '展开讲解',
    'story.nav': '讲解',

    'story.net.title': '1 · 网络是一层层神经元',
    'story.net.introHtml': `<p>神经网络是一个带旋钮的函数：送进一个数，经过若干<em>神经元</em>，送出一个数。
训练就是不断拧这些旋钮，直到它的回答与样例相符。</p>
<p>一个<strong>神经元</strong>把输入乘上<em>权重</em> w，加上<em>偏置</em> b，再把结果送进<em>激活函数</em>：
<code>ŷ = activation(w·x + b)</code>。一个神经元做的就只有这些。</p>`,
    'story.neuron.title': '亲手调一个神经元',
    'story.neuron.help': '拖动 w 和 b，选一个激活函数：曲线就是这一个神经元对数据中每个 x 给出的回答。',
    'story.neuron.w': '权重 w',
    'story.neuron.b': '偏置 b',
    'story.neuron.act': '激活函数',
    'story.neuron.label': '一个神经元 ŷ = {act}({w}·x + {b})，画在数据点上',
    'story.neuron.fit': '神经元',
    'story.neuron.denseHtml': `<p>教程里的模型 <code>Dense(1)</code>（激活函数为 <code>linear</code>）正是这样一个神经元：
一个权重、一个偏置、没有弯曲。把练习场训练好的数值放到滑块上，这里的曲线就和练习场的直线重合。</p>`,
    'story.neuron.use': '使用练习场训练得到的 w 和 b',
    'story.neuron.used': '取自练习场第 {steps} 步：w = {w}，b = {b}。',
    'story.neuron.notDense': '练习场的模型有 {n} 个权重，不是单个神经元：先把它改成只有一层 Dense(1)。',
    'story.neuron.notYet': '练习场还没有开始训练。',

    'story.layers.title': '2 · 输入层、隐藏层和输出层',
    'story.layers.introHtml': `<p><strong>输入层</strong>就是送进来的数据：这里是一个数 x。<strong>输出层</strong>给出答案：
一个数，即预测的 y。夹在中间的层都是<strong>隐藏层</strong>：其中每个神经元读取上一层的全部输出，再把自己的输出往下传。</p>
<p>下面是练习场里正在训练的模型。蓝线表示正的权重，橙线表示负的权重；线越粗，权重的绝对值越大。
把指针移到某个隐藏神经元上（或在列表中选中它），就能看到它自己在各个 x 上的输出：也就是它为整条曲线贡献的那一段。</p>`,
    'story.diagram.label': '练习场网络的示意图，各层神经元数为 {sizes}。蓝线为正权重，橙线为负权重，线越粗权重越大。',
    'story.diagram.input': '输入',
    'story.diagram.hidden': '隐藏',
    'story.diagram.output': '输出',
    'story.diagram.pick': '要画出的神经元',
    'story.diagram.none': '无',
    'story.diagram.unit': '第 {layer} 层，第 {unit} 个神经元',
    'story.diagram.noHidden': '这个模型没有隐藏层：在练习场里加一层，就能看到其中的神经元。',
    'story.unit.label': '第 {layer} 层第 {unit} 个隐藏神经元在各个 x 上的输出',
    'story.unit.empty': '还没有选中神经元。',
    'story.unit.out': '它的输出',
    'story.unit.weight': '它乘以 {w} 之后进入输出。',

    'story.act.title': '3 · 激活函数有什么用',
    'story.act.introHtml': `<p>没有激活函数，一个神经元就是一条直线；直线套直线还是直线：线性层叠得再多，答案也不会弯。
<strong>激活函数</strong>把每个神经元的输出掰弯，许多弯曲的小段加在一起，就能贴合一条曲线。</p>
<p>下面是 nnplay 提供的全部激活函数及其导数（虚线）：训练正是靠导数来决定它前面的权重该挪多少。</p>`,
    'story.act.figLabel': '{name} 激活函数及其导数',
    'story.stack.title': '同样的层，弯与不弯',
    'story.stack.help': '两个网络都有两个各含 {units} 个神经元的隐藏层，用 Adam 学习同一组正弦数据点。',
    'story.stack.linear': '只有线性层',
    'story.stack.bent': '隐藏层使用 {act}',
    'story.stack.act': '右侧网络的激活函数',
    'story.stack.restart': '两个网络重新训练',
    'story.stack.status': '{steps} 步 · 损失 {loss}',
    'story.stack.label': '{what}的网络训练 {steps} 步后对正弦数据点的拟合',

    'story.learn.title': '4 · 网络怎样学习',
    'story.learn.introHtml': `<p>学习是一个循环。网络先回答每个样例；<strong>损失</strong>衡量回答错得有多厉害
（这里是差值平方的平均，即 MSE）。然后把这个差值沿网络往回传：对每个权重，<strong>梯度</strong>说明该权重变动时损失朝哪个方向变、
变得多快。每个权重逆着自己的梯度挪一小步，步子多大由<strong>学习率</strong>决定。然后循环重新开始。</p>
<p>下面，教程里的模型 <code>ŷ = w·x + b</code> 一步一步地学习练习场的数据点。每个数值都直接取自引擎在这一步的计算。</p>`,
    'story.learn.opt': '优化器',
    'story.learn.lr': '学习率',
    'story.learn.step': '走一步',
    'story.learn.play': '连续走',
    'story.learn.pause': '停下',
    'story.learn.reset': '从头开始',
    'story.learn.numbers': '第 {step} 步的数值',
    'story.learn.none': '走一步，就能看到它的数值。',
    'story.learn.predict': '对第一个数据点的预测',
    'story.learn.loss': '损失（所有数据点的平均）',
    'story.learn.gradW': '损失随 w 的变化率',
    'story.learn.gradB': '损失随 b 的变化率',
    'story.learn.update': '更新',
    'story.learn.slot': '优化器状态 {name}',
    'story.learn.adamHtml': `<p>Adam 为每个权重保存两个滑动平均：梯度的平均 <code>m</code> 和梯度平方的平均 <code>v</code>。
它每步走 <code>lr·m̂/(√v̂ + ε)</code>（带帽的量修正了平均值从零起步的偏差），所以无论梯度大小，每个权重每步大约挪动一个学习率。</p>`,
    'story.land.title': '损失地形图',
    'story.land.helpHtml': `<p>图上每一点是一组 (w, b)，颜色表示它的损失：颜色越深，损失越低。叉号标出最小二乘解，也就是最低点。
折线是优化器走过的路径。学习率小，它慢慢往下挪；学习率大，它在山谷两侧来回跳，超过约 1 之后每一跳都比上一跳更高，数值随之爆炸。</p>`,
    'story.land.label': 'w 和 b 上的损失地形图：路径有 {n} 个点，终点为 w = {w}，b = {b}；损失最低处为 w = {ow}，b = {ob}。',
    'story.land.diverged': '损失在无限增大：这个学习率太大了。选一个小一些的，再从头开始。',

    'story.backend.title': '什么是后端？',
    'story.backend.textHtml': `<p>Keras 只负责描述网络，自己并不做运算。它把乘法加法交给一个<em>后端</em>：
一个在处理器上执行这些运算的库。旧版 Keras 启动时会打印 <code>Using TensorFlow backend.</code>。
它从 <code>~/.keras/keras.json</code> 里的 <code>"backend"</code> 一项读取选择，环境变量 <code>KERAS_BACKEND</code>
可以覆盖这个文件（Keras 3 可选 jax、tensorflow 和 torch）。</p>
<p>nnplay 在浏览器里照此办理：浏览器提供显卡时，它用 <strong>WebGPU</strong> 计算着色器在显卡上运算，否则就在
<strong>CPU</strong> 上运算，两者得到相同的数值。后端开关（或地址中的 <code>?backend=</code>）负责选择，上方那一行会说明实际用的是哪一个以及原因。
讲解里的小模型总是在 CPU 上运行：它们太小，显卡帮不上忙。</p>`,
  },
};
