/**
 * Every op's forward and input gradients against PyTorch (fixture: scripts/fixtures/make_tensor_fixtures.py,
 * torch 2.13, float32). Compared as torch.testing.assert_close (|a − b| ≤ atol + rtol·|b|) with the
 * tolerance of the case's op class (test/helpers/tolerance.ts): 'elementwise' for pointwise ops,
 * 'reduction' for sums, norms, matmuls, convolutions, batch norm and losses, whose summation order
 * depends on the kernel the CPU picks.
 */
import { describe, expect, it } from 'vitest';
import { F, grad, tidy, where, cat, stack, addmm, type Tensor } from '../../src/index.js';
import { expectTensorClose, fromEnc, loadFixture, type EncodedTensor } from '../helpers/fixture.js';

interface Case {
  name: string;
  op: string;
  kwargs: Record<string, any>;
  tol: 'elementwise' | 'reduction';
  inputs: Record<string, EncodedTensor>;
  outputs: EncodedTensor[];
  after?: Record<string, EncodedTensor>;
  gradOutputs?: EncodedTensor[];
  grads?: Record<string, EncodedTensor>;
}
const fx = loadFixture<{ torch: string; cases: Case[] }>('tensor/ops.json');

type Run = (I: Record<string, Tensor>, k: Record<string, any>) => Tensor | Tensor[] | { values: Tensor; indices: Tensor };
const OPS: Record<string, Run> = {
  binary: (I, k) => {
    const other = I['b'] ?? k['scalar'];
    const a = I['a']!;
    switch (k['fn']) {
      case 'add':
        return a.add(other, k['alpha'] ?? 1);
      case 'sub':
        return a.sub(other, k['alpha'] ?? 1);
      case 'rsub':
        return a.rsub(other);
      default:
        return (a as any)[k['fn']](other);
    }
  },
  unary: (I, k) => (I['a'] as any)[k['fn']](),
  clamp: (I, k) => I['a']!.clamp(k['min'] ?? null, k['max'] ?? null),
  where: (I) => where(I['a']!.gt(0), I['a']!, I['b']!),
  sum: (I, k) => ('dim' in k ? I['a']!.sum(k['dim'], k['keepdim']) : I['a']!.sum()),
  mean: (I, k) => ('dim' in k ? I['a']!.mean(k['dim'], k['keepdim']) : I['a']!.mean()),
  max: (I, k) => ('dim' in k ? I['a']!.max(k['dim'], k['keepdim']) : I['a']!.max()),
  min: (I, k) => ('dim' in k ? I['a']!.min(k['dim'], k['keepdim']) : I['a']!.min()),
  argmax: (I, k) => I['a']!.argmax(k['dim'], k['keepdim']),
  topk: (I, k) => I['a']!.topk(k['k'], k['dim'], k['largest']),
  norm: (I, k) => I['a']!.norm(k['p'], k['dim'] ?? null, k['keepdim'] ?? false),
  matmul: (I) => I['a']!.matmul(I['b']!),
  mm: (I) => I['a']!.mm(I['b']!),
  bmm: (I) => I['a']!.bmm(I['b']!),
  addmm: (I, k) => addmm(I['c']!, I['a']!, I['b']!, k['beta'], k['alpha']),
  view: (I, k) => I['a']!.view(k['shape']),
  reshape: (I, k) => I['a']!.reshape(k['shape']),
  permute: (I, k) => I['a']!.permute(k['dims']),
  transpose: (I, k) => I['a']!.transpose(k['d0'], k['d1']).contiguous(),
  narrow: (I, k) => I['a']!.narrow(k['dim'], k['start'], k['length']),
  slice: (I, k) => I['a']!.slice(k['dim'], k['start'], k['end'], k['step']),
  select: (I, k) => I['a']!.select(k['dim'], k['index']),
  squeeze: (I, k) => ('dim' in k ? I['a']!.squeeze(k['dim']) : I['a']!.squeeze()),
  unsqueeze: (I, k) => I['a']!.unsqueeze(k['dim']),
  expand: (I, k) => I['a']!.expand(k['shape']),
  flatten: (I, k) => I['a']!.flatten(k['start'], k['end']),
  flip: (I, k) => I['a']!.flip(k['dims']),
  cat: (I, k) => cat([I['a']!, I['b']!], k['dim']),
  stack: (I, k) => stack([I['a']!, I['b']!], k['dim']),
  split: (I, k) => I['a']!.split(k['size'], k['dim']),
  chunk: (I, k) => I['a']!.chunk(k['chunks'], k['dim']),
  indexSelect: (I, k) => I['a']!.indexSelect(k['dim'], I['idx']!),
  gather: (I, k) => I['a']!.gather(k['dim'], I['idx']!),
  scatter: (I, k) => I['a']!.scatter(k['dim'], I['idx']!, I['b']!),
  maskedFill: (I, k) => I['a']!.maskedFill(I['a']!.gt(0.5), k['value']),
  indexBool: (I) => I['a']!.index(I['a']!.gt(0)),
  indexInt: (I) => I['a']!.index(I['idx']!),
  pad: (I, k) => F.pad(I['a']!, k['pad'], k['mode'], k['value'] ?? 0),
  conv2d: (I, k) => F.conv2d(I['x']!, I['w']!, I['b'] ?? null, { stride: k['stride'], padding: k['padding'], dilation: k['dilation'], groups: k['groups'] }),
  batchNorm: (I, k) =>
    F.batchNorm(I['x']!, I['rm'] ?? null, I['rv'] ?? null, {
      weight: I['w'] ?? null,
      bias: I['b'] ?? null,
      training: k['training'],
      momentum: k['momentum'],
      eps: k['eps'],
    }),
  maxPool2d: (I, k) => F.maxPool2d(I['x']!, k['k'], { stride: k['s'], padding: k['p'] }),
  avgPool2d: (I, k) => F.avgPool2d(I['x']!, k['k'], { stride: k['s'], padding: k['p'], countIncludePad: k['cip'] }),
  adaptiveAvgPool2d: (I, k) => F.adaptiveAvgPool2d(I['x']!, k['out']),
  linear: (I) => F.linear(I['x']!, I['w']!, I['b'] ?? null),
  softmax: (I, k) => F.softmax(I['a']!, k['dim']),
  logSoftmax: (I, k) => F.logSoftmax(I['a']!, k['dim']),
  crossEntropy: (I, k) => F.crossEntropy(I['x']!, I['t']!, { reduction: k['reduction'], labelSmoothing: k['ls'] ?? 0 }),
  nllLoss: (I, k) => F.nllLoss(I['x']!, I['t']!, { reduction: k['reduction'] }),
  embedding: (I, k) => F.embedding(I['idx']!, I['w']!, k['pad'] ?? null),
};

describe(`op parity with PyTorch ${fx.torch}`, () => {
  it('the fixture covers every op the interpreter knows', () => {
    expect(new Set(fx.cases.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
  });
  for (const c of fx.cases) {
    it(c.name, () => {
      tidy(() => {
        const diff = Object.keys(c.grads ?? {});
        const I: Record<string, Tensor> = {};
        for (const [k, e] of Object.entries(c.inputs)) I[k] = fromEnc(e, diff.includes(k));
        const raw = OPS[c.op]!(I, c.kwargs);
        const outs = Array.isArray(raw) ? raw : 'values' in (raw as object) ? [(raw as any).values, (raw as any).indices] : [raw as Tensor];
        expect(outs.length).toBe(c.outputs.length);
        outs.forEach((o, i) => expectTensorClose(o, c.outputs[i]!, c.tol, `${c.name} output ${i}`));
        for (const [k, e] of Object.entries(c.after ?? {})) expectTensorClose(I[k]!, e, c.tol, `${c.name} ${k} after`);
        if (c.grads && c.gradOutputs) {
          const fouts = outs.filter((o) => o.dtype.startsWith('float') && o.requiresGrad);
          const gos = c.gradOutputs.map((g) => fromEnc(g));
          const gs = grad(
            fouts,
            diff.map((k) => I[k]!),
            { gradOutputs: gos, allowUnused: true },
          );
          diff.forEach((k, i) => {
            // Gradients go through one more accumulation (a sum over the broadcast or reduced dims, a
            // transposed matmul or convolution): compared at the reduction tolerance.
            expectTensorClose(gs[i]!, c.grads![k]!, 'reduction', `${c.name} grad ${k}`);
          });
        }
      });
    });
  }
});
