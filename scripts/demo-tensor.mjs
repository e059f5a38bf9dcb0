#!/usr/bin/env node
// A short tensor + autograd demo (the main job until the search lands): trains a tiny conv net on
// the embedded Fashion-MNIST subset for a few SGD steps and prints the loss falling.
import { F, grad, manualSeed, randn, tensor, tidy, memory, buildInfo, noGrad } from '../dist/index.js';
import { loadEmbeddedFashionMnist } from '../dist/data/embedded.js';

manualSeed(0);
const ds = loadEmbeddedFashionMnist('train');
const n = 256;
const x = tensor(
  Float32Array.from(ds.images.subarray(0, n * 784), (v) => v / 255),
  { shape: [n, 1, 28, 28] },
);
const y = tensor(Float64Array.from(ds.labels.subarray(0, n)), { dtype: 'int64' });
const w1 = randn([8, 1, 3, 3]).mul_(0.3).requiresGrad_();
const w2 = randn([10, 8]).mul_(0.3).requiresGrad_();
console.log(`LibTorch ${buildInfo().torchVersion}; ${n} Fashion-MNIST images`);
for (let step = 0; step < 30; step++) {
  const loss = tidy(() => {
    const h = F.adaptiveAvgPool2d(F.relu(F.conv2d(x, w1, null, { padding: 1 })), 1).flatten(1);
    const l = F.crossEntropy(F.linear(h, w2), y);
    const [g1, g2] = grad(l, [w1, w2]);
    if (!g1 || !g2) throw new Error('no gradient for w1/w2');
    noGrad(() => {
      w1.sub_(g1, 0.5);
      w2.sub_(g2, 0.5);
    });
    return l.item();
  });
  if (step % 5 === 0 || step === 29) console.log(`step ${String(step).padStart(2)}  loss ${loss.toFixed(4)}`);
}
console.log(`live tensors: ${memory().liveTensors}`);
