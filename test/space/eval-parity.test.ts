/**
 * NetworkCIFAR against its PyTorch twin (scripts/fixtures/eval_twin.py, written from docs/reference-notes.md R2.10) for
 * DARTS_V2 (3 input channels, 10 classes) and c10_s3_pgd (1 channel, 100 classes), C=8, 6 cells, 32×32,
 * batch 4, auxiliary head on, drop-path 0.2:
 *   - same seed ⇒ bitwise the same initial state dict as PyTorch's (sha256 of every tensor's bytes,
 *     against the twin run now in this environment: kaiming_uniform_ rounds differently where LibTorch
 *     picks other CPU kernels, so stored hashes hold only on like CPUs);
 *   - with the twin's weights loaded: eval logits; train logits, auxiliary logits and
 *     CE(logits) + 0.4·CE(aux) with the twin's drop-path masks replayed in order; the gradient of that
 *     loss for every parameter; BN running stats after the train forward; eval logits after it.
 *     In float64 (net cast with .to('float64') as the twin's .double()) at the algorithmic-parity bound
 *     (expectParity), and in float32 as torch.testing.assert_close at the 'step' tolerance (one forward
 *     + backward deep);
 *   - the default mask path (Bernoulli draws from the global generator) reproduces the twin's masks
 *     from the same seed (float32).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, loadSafetensors, manualSeed, noGrad, tidy, type NamedTensors, type Tensor } from '../../src/index.js';
import { NetworkCIFAR } from '../../src/space/eval-network.js';
import { sequentialMasks } from '../../src/space/drop-path.js';
import { FIXTURES } from '../helpers/fixture.js';
import { runPython } from '../helpers/python.js';
import { expectClose, expectParity } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'eval');

interface Losses {
  ce: number;
  ceAux: number;
  loss: number;
  bigGradNorms: Record<string, number>;
}
interface Meta extends Losses {
  arch: string;
  C: number;
  layers: number;
  classes: number;
  inChannels: number;
  batch: number;
  dropPathProb: number;
  seed: number;
  maskSeed: number;
  auxiliaryWeight: number;
  numMasks: number;
  initSha256: Record<string, string>;
  modelSize: number;
  float64: Losses & { dtype: 'float64' };
}

type Dtype = 'float32' | 'float64';
/** float64: per-tensor parity with the twin; float32: assert_close at the 'step' tolerance. */
function compare(dtype: Dtype, actual: Tensor | number, expected: Tensor | number, label: string): number {
  if (typeof actual !== 'number' && typeof expected !== 'number') {
    expect(actual.shape, `${label} shape`).toEqual(expected.shape);
    expect(actual.dtype, `${label} dtype`).toBe(expected.dtype);
    if (!expected.dtype.startsWith('float')) {
      expect(actual.toArray(), label).toEqual(expected.toArray());
      return 0;
    }
  }
  return dtype === 'float64' ? expectParity(actual, expected, label) : expectClose(actual, expected, 'float32', 'step', label);
}
function sha256(t: Tensor): string {
  const a = t.toTypedArray();
  return createHash('sha256')
    .update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

function load(name: string): { meta: Meta; T: NamedTensors } {
  const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Meta;
  return { meta, T: loadSafetensors(join(DIR, `${name}.safetensors`)).tensors };
}
function build(meta: Meta): NetworkCIFAR {
  return new NetworkCIFAR({ genotype: meta.arch, C: meta.C, layers: meta.layers, numClasses: meta.classes, inChannels: meta.inChannels, auxiliary: true });
}
function loadTwinWeights(net: NetworkCIFAR, T: NamedTensors): void {
  const sd = Object.fromEntries(
    Object.entries(T)
      .filter(([k]) => k.startsWith('w.'))
      .map(([k, v]) => [k.slice(2), v]),
  );
  const r = net.loadStateDict(sd);
  expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
}
function totalLoss(net: NetworkCIFAR, x: Tensor, y: Tensor, auxWeight: number): { logits: Tensor; logitsAux: Tensor; ce: Tensor; ceAux: Tensor; loss: Tensor } {
  const { logits, logitsAux } = net.forward(x);
  expect(logitsAux).not.toBeNull();
  const ce = F.crossEntropy(logits, y),
    ceAux = F.crossEntropy(logitsAux!, y);
  return { logits, logitsAux: logitsAux!, ce, ceAux, loss: ce.add(ceAux.mul(auxWeight)) };
}

describe('NetworkCIFAR parity with the PyTorch twin', () => {
  for (const name of ['DARTS_V2', 'c10_s3_pgd']) {
    it(`${name}: same seed ⇒ bitwise the same initial state dict as PyTorch's (keys in order, sha256 of every tensor)`, () => {
      const { meta, T } = load(name);
      const twin = JSON.parse(runPython('scripts/fixtures/eval_twin.py', ['--print-init-sha', name])) as { initSha256: Record<string, string> };
      expect(Object.keys(twin.initSha256)).toEqual(Object.keys(meta.initSha256));
      manualSeed(meta.seed);
      const net = build(meta);
      const sd = net.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(twin.initSha256));
      for (const [k, t] of Object.entries(sd)) expect(sha256(t), k).toBe(twin.initSha256[k]);
      expect(net.countParameters()).toBe(meta.modelSize);
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
    });

    for (const dtype of ['float64', 'float32'] as const) {
      it(`${name} ${dtype}: eval logits, train logits / aux logits / loss with replayed drop-path masks, all gradients, BN stats`, () => {
        const { meta, T } = load(name);
        // The expected values: the float32 file itself, or the twin's float64 run of the same case.
        const W = dtype === 'float32' ? T : loadSafetensors(join(DIR, `${name}-f64.safetensors`)).tensors;
        const L: Losses = dtype === 'float32' ? meta : meta.float64;
        const net = build(meta);
        loadTwinWeights(net, T);
        if (dtype === 'float64') net.to('float64');
        tidy(() => {
          const cast = (t: Tensor): Tensor => (dtype === 'float64' ? t.to('float64') : t);
          const x = cast(T['x']!),
            y = T['y']!;
          const errs: Record<string, number> = {};

          net.eval();
          const ev = noGrad(() => net.forward(x));
          expect(ev.logitsAux).toBeNull();
          expect(ev.logits.dtype).toBe(dtype);
          errs.evalLogits = compare(dtype, ev.logits, W['logitsEval']!, 'eval logits');

          net.train();
          net.dropPathProb = meta.dropPathProb;
          const masks = Array.from({ length: meta.numMasks }, (_, i) => cast(T[`mask.${i}`]!));
          const seq = sequentialMasks(masks);
          net.dropPathMask = seq.provider;
          const out = totalLoss(net, x, y, meta.auxiliaryWeight);
          expect(seq.remaining(), 'every recorded mask used, none missing').toBe(0);
          errs.logits = compare(dtype, out.logits, W['logits']!, 'train logits');
          errs.logitsAux = compare(dtype, out.logitsAux, W['logitsAux']!, 'auxiliary logits');
          for (const [label, got, want] of [
            ['CE', out.ce, L.ce],
            ['aux CE', out.ceAux, L.ceAux],
            ['loss', out.loss, L.loss],
          ] as const) {
            errs[label] = compare(dtype, got.item(), want, label);
          }

          out.loss.backward();
          let worstGrad = 0,
            grads = 0;
          for (const [n, p] of net.namedParameters()) {
            const g = p.grad!;
            expect(g.dtype, `grad ${n} dtype`).toBe(dtype);
            if (W[`grad.${n}`]) {
              worstGrad = Math.max(worstGrad, compare(dtype, g, W[`grad.${n}`]!, `grad ${n}`));
            } else {
              // Large tensors: the first 16 output channels element-wise, and the whole tensor's norm.
              worstGrad = Math.max(worstGrad, compare(dtype, g.narrow(0, 0, 16), W[`gradHead.${n}`]!, `grad ${n}[:16]`));
              expect(L.bigGradNorms[n], `‖grad ${n}‖ in the fixture`).toBeTypeOf('number');
              worstGrad = Math.max(worstGrad, compare(dtype, g.double().norm().item(), L.bigGradNorms[n]!, `‖grad ${n}‖`));
            }
            grads++;
          }
          expect(grads).toBe(net.namedParameters().length);
          errs.grads = worstGrad;
          let worstBuffer = 0;
          for (const [n, b] of net.namedBuffers())
            worstBuffer = Math.max(worstBuffer, compare(dtype, b, W[`after.${n}`]!, `buffer ${n} after the train forward`));
          errs.buffers = worstBuffer;

          net.eval();
          errs.evalLogitsAfter = compare(dtype, noGrad(() => net.forward(x)).logits, W['logitsEvalAfter']!, 'eval logits after the train forward');
          console.log(`${name} ${dtype} parity (${dtype === 'float64' ? 'parity ratio' : 'assert_close ratio'}):`, JSON.stringify(errs));
        });
        if (W !== T) Object.values(W).forEach((t) => t.dispose());
        Object.values(T).forEach((t) => t.dispose());
        net.dispose();
      });
    }

    it(`${name}: default masks drawn with the same seed equal the twin's (same logits without a mask provider)`, () => {
      const { meta, T } = load(name);
      const net = build(meta);
      loadTwinWeights(net, T);
      net.train();
      net.dropPathProb = meta.dropPathProb;
      manualSeed(meta.maskSeed);
      const { logits, logitsAux } = noGrad(() => net.forward(T['x']!));
      compare('float32', logits, T['logits']!, 'train logits with generator masks');
      compare('float32', logitsAux!, T['logitsAux']!, 'auxiliary logits with generator masks');
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
    });
  }
});
