/**
 * nn against PyTorch (fixture: scripts/fixtures/make_nn_fixtures.py): bitwise init parity for the same
 * seed and construction order, forward/backward/running stats, state-dict keys, and checkpoints moving
 * both ways (PyTorch-written → sdarts; sdarts-written → PyTorch load_state_dict(strict=True)).
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
import { maxRelError, tolerance } from '../helpers/tolerance.js';

interface Fx {
  keys: string[]; paramNames: string[]; init: Record<string, EncodedTensor>; x: EncodedTensor; y: EncodedTensor;
  logits: EncodedTensor; loss: number; grads: Record<string, EncodedTensor>; afterTrain: Record<string, EncodedTensor>;
  evalLogits: EncodedTensor; embedding: { seed: number; weight: EncodedTensor };
  checkpoint: { file: string; x: EncodedTensor; evalLogits: EncodedTensor };
}
const fx = loadFixture<Fx>('nn/tinynet.json');

describe('nn parity with PyTorch', () => {
  it('same seed + construction order ⇒ bitwise the same initial state dict, same keys in the same order', () => {
    manualSeed(0);
    const net = new TinyNet();
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(fx.keys);
    expect(net.namedParameters().map(([n]) => n)).toEqual(fx.paramNames);
    for (const k of fx.keys) expect(sd[k]!.toArray(), k).toEqual(fx.init[k]!.data);
    net.dispose();
  });

  it('train-mode forward, loss, parameter gradients and running-stat updates match; then eval-mode logits', () => {
    manualSeed(0);
    const net = new TinyNet();
    tidy(() => {
      const x = fromEnc(fx.x), y = fromEnc(fx.y);
      const logits = net.forward(x);
      expectTensorClose(logits, fx.logits, 'matmul', 'logits');
      const loss = F.crossEntropy(logits, y);
      expect(Math.abs(loss.item() - fx.loss) / fx.loss).toBeLessThan(tolerance('float32', 'matmul'));
      const params = net.namedParameters();
      const gs = grad(loss, params.map(([, p]) => p));
      params.forEach(([n], i) => expectTensorClose(gs[i]!, fx.grads[n]!, 'matmul', `grad ${n}`));
      const sd = net.stateDict();
      for (const k of fx.keys) expectTensorClose(sd[k]!, fx.afterTrain[k]!, 'matmul', `after train ${k}`);
      net.eval();
      expectTensorClose(noGrad(() => net.forward(x)), fx.evalLogits, 'matmul', 'eval logits');
    });
    net.dispose();
  });

  it('Embedding init (N(0,1), padding row zeroed) matches PyTorch bitwise', () => {
    manualSeed(fx.embedding.seed);
    const e = new Embedding(7, 3, { paddingIdx: 2 });
    expect(e.getParameter('weight')!.toArray()).toEqual(fx.embedding.weight.data);
    e.dispose();
  });

  it('a PyTorch-written checkpoint loads into sdarts and gives PyTorch\'s eval logits', () => {
    manualSeed(1);
    const net = new TinyNet();
    loadStateDictFile(join(FIXTURES, 'nn', fx.checkpoint.file), net);
    net.eval();
    tidy(() => expectTensorClose(noGrad(() => net.forward(fromEnc(fx.checkpoint.x))), fx.checkpoint.evalLogits, 'matmul', 'checkpoint logits'));
    net.dispose();
  });

  it('an sdarts-written checkpoint loads into PyTorch with load_state_dict(strict=True) and gives the same logits', () => {
    manualSeed(3);
    const net = new TinyNet();
    // Change the state away from any init: one forward in train mode updates running stats.
    tidy(() => { net.forward(fromEnc(fx.x)); });
    const dir = mkdtempSync(join(tmpdir(), 'sdarts-ckpt-'));
    saveStateDict(join(dir, 'net.safetensors'), net);
    writeFileSync(join(dir, 'x.json'), JSON.stringify(fx.checkpoint.x));
    net.eval();
    const ours = tidy(() => noGrad(() => net.forward(fromEnc(fx.checkpoint.x))).toArray());
    const out = JSON.parse(runPython('scripts/fixtures/check_sdarts_checkpoint.py', [join(dir, 'net.safetensors'), join(dir, 'x.json')]));
    expect(maxRelError(ours, out.logits)).toBeLessThanOrEqual(tolerance('float32', 'matmul'));
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
