/**
 * nn against PyTorch (fixture and live init: scripts/fixtures/make_nn_fixtures.py): bitwise init parity
 * for the same seed and construction order, forward/backward/running stats, state-dict keys, and
 * checkpoints moving both ways (PyTorch-written → sdarts; sdarts-written → PyTorch
 * load_state_dict(strict=True)).
 *
 * The forward/backward pass is checked twice: in float64 (built in float32 with the seed, then
 * `.to('float64')`, as the twin's `.double()`) at the algorithmic-parity bound (expectParity), and in
 * float32 as torch.testing.assert_close does, one step deep ('reduction': convolutions, batch-norm
 * statistics and the loss are sums whose order depends on the CPU's kernels).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, grad, manualSeed, noGrad, tidy } from '../../src/index.js';
import { Embedding, loadStateDictFile, saveStateDict } from '../../src/nn/index.js';
import { TinyNet } from './tiny-net.js';
import { expectTensorClose, FIXTURES, fromEnc, loadFixture, type EncodedTensor } from '../helpers/fixture.js';
import { runPython } from '../helpers/python.js';
import { expectClose, expectParity } from '../helpers/tolerance.js';

interface Fx {
  seed: number;
  keys: string[];
  paramNames: string[];
  init: Record<string, EncodedTensor>;
  x: EncodedTensor;
  y: EncodedTensor;
  logits: EncodedTensor;
  loss: number;
  grads: Record<string, EncodedTensor>;
  afterTrain: Record<string, EncodedTensor>;
  evalLogits: EncodedTensor;
  embedding: { seed: number };
  checkpoint: { file: string; x: EncodedTensor; evalLogits: EncodedTensor };
  float64: {
    x: EncodedTensor;
    logits: EncodedTensor;
    loss: number;
    grads: Record<string, EncodedTensor>;
    afterTrain: Record<string, EncodedTensor>;
    evalLogits: EncodedTensor;
  };
}
const fx = loadFixture<Fx>('nn/tinynet.json');

describe('nn parity with PyTorch', () => {
  // PyTorch's seeded init, drawn now by the reference Python in this same environment: uniform_ and
  // normal_ round differently on CPUs whose LibTorch kernels differ (vectorized fused multiply-add vs
  // the default capability's), so same seed ⇒ same bits holds between sdarts and PyTorch on one CPU.
  const live = (): { init: Record<string, EncodedTensor>; embedding: EncodedTensor } =>
    JSON.parse(runPython('scripts/fixtures/make_nn_fixtures.py', ['--print-init']));

  it('same seed + construction order ⇒ bitwise the same initial state dict as PyTorch (same kernels), same keys in the same order', () => {
    const torchInit = live();
    manualSeed(fx.seed);
    const net = new TinyNet();
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(fx.keys);
    expect(Object.keys(torchInit.init)).toEqual(fx.keys);
    expect(net.namedParameters().map(([n]) => n)).toEqual(fx.paramNames);
    for (const k of fx.keys) expect(sd[k]!.toArray(), k).toEqual(torchInit.init[k]!.data);
    manualSeed(fx.embedding.seed);
    const e = new Embedding(7, 3, { paddingIdx: 2 });
    expect(e.getParameter('weight')!.toArray(), 'Embedding weight').toEqual(torchInit.embedding.data);
    net.dispose();
    e.dispose();
  });

  it('float64: train-mode forward, loss, parameter gradients and running-stat updates match the twin; then eval-mode logits', () => {
    // Built as the twin: seeded construction in float32 (with the fixture's init loaded, which is a
    // no-op where this CPU draws the same bits and removes uniform_'s kernel dependence elsewhere),
    // then cast to float64.
    manualSeed(fx.seed);
    const net = new TinyNet();
    tidy(() => net.loadStateDict(Object.fromEntries(fx.keys.map((k) => [k, fromEnc(fx.init[k]!)]))));
    net.to('float64');
    const f = fx.float64;
    tidy(() => {
      const x = fromEnc(f.x),
        y = fromEnc(fx.y);
      expect(x.dtype).toBe('float64');
      const logits = net.forward(x);
      expect(logits.dtype).toBe('float64');
      expectTensorClose(logits, f.logits, 'reduction', 'logits');
      const loss = F.crossEntropy(logits, y);
      expectParity(loss.item(), f.loss, 'loss');
      const params = net.namedParameters();
      const gs = grad(
        loss,
        params.map(([, p]) => p),
      );
      params.forEach(([n], i) => expectTensorClose(gs[i]!, f.grads[n]!, 'reduction', `grad ${n}`));
      const sd = net.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(f.afterTrain));
      for (const k of fx.keys) expectTensorClose(sd[k]!, f.afterTrain[k]!, 'reduction', `after train ${k}`);
      net.eval();
      expectTensorClose(
        noGrad(() => net.forward(x)),
        f.evalLogits,
        'reduction',
        'eval logits',
      );
    });
    net.dispose();
  });

  it('float32: train-mode forward, loss, parameter gradients and running-stat updates match; then eval-mode logits', () => {
    manualSeed(fx.seed);
    const net = new TinyNet();
    tidy(() => net.loadStateDict(Object.fromEntries(fx.keys.map((k) => [k, fromEnc(fx.init[k]!)]))));
    tidy(() => {
      const x = fromEnc(fx.x),
        y = fromEnc(fx.y);
      const logits = net.forward(x);
      expectTensorClose(logits, fx.logits, 'reduction', 'logits');
      const loss = F.crossEntropy(logits, y);
      expectClose(loss.item(), fx.loss, 'float32', 'reduction', 'loss');
      const params = net.namedParameters();
      const gs = grad(
        loss,
        params.map(([, p]) => p),
      );
      params.forEach(([n], i) => expectTensorClose(gs[i]!, fx.grads[n]!, 'reduction', `grad ${n}`));
      const sd = net.stateDict();
      for (const k of fx.keys) expectTensorClose(sd[k]!, fx.afterTrain[k]!, 'reduction', `after train ${k}`);
      net.eval();
      expectTensorClose(
        noGrad(() => net.forward(x)),
        fx.evalLogits,
        'reduction',
        'eval logits',
      );
    });
    net.dispose();
  });

  it("a PyTorch-written checkpoint loads into sdarts and gives PyTorch's eval logits", () => {
    manualSeed(1);
    const net = new TinyNet();
    loadStateDictFile(join(FIXTURES, 'nn', fx.checkpoint.file), net);
    net.eval();
    tidy(() =>
      expectTensorClose(
        noGrad(() => net.forward(fromEnc(fx.checkpoint.x))),
        fx.checkpoint.evalLogits,
        'reduction',
        'checkpoint logits',
      ),
    );
    net.dispose();
  });

  it('an sdarts-written checkpoint loads into PyTorch with load_state_dict(strict=True) and gives the same logits', () => {
    manualSeed(3);
    const net = new TinyNet();
    // Change the state away from any init: one forward in train mode updates running stats.
    tidy(() => {
      net.forward(fromEnc(fx.x));
    });
    const dir = mkdtempSync(join(tmpdir(), 'sdarts-ckpt-'));
    saveStateDict(join(dir, 'net.safetensors'), net);
    writeFileSync(join(dir, 'x.json'), JSON.stringify(fx.checkpoint.x));
    net.eval();
    const ours = tidy(() => noGrad(() => net.forward(fromEnc(fx.checkpoint.x))).toArray());
    const out = JSON.parse(runPython('scripts/fixtures/check_sdarts_checkpoint.py', [join(dir, 'net.safetensors'), join(dir, 'x.json')]));
    expectClose(ours, out.logits, 'float32', 'reduction', 'PyTorch logits of the sdarts checkpoint');
    net.dispose();
  });

  it('loadStateDict refuses missing/unexpected keys and shape mismatches with clear messages', () => {
    const net = new TinyNet();
    const sd = { ...net.stateDict() };
    delete sd['classifier.bias'];
    expect(() => net.loadStateDict(sd)).toThrow(/missing 1 key\(s\) \(classifier\.bias\), unexpected 0/);
    const other = new TinyNet();
    const bad = { ...other.stateDict(), 'classifier.weight': fromEnc({ shape: [2, 2], dtype: 'float32', data: [1, 2, 3, 4] }) };
    expect(() => net.loadStateDict(bad)).toThrow(/'classifier\.weight' has shape \[2, 2\] in the checkpoint but \[10, 16\] in the module/);
    net.dispose();
    other.dispose();
  });
});
