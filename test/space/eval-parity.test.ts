/**
 * NetworkCIFAR against its PyTorch twin (scripts/fixtures/eval_twin.py, written from spec §2.10) for
 * DARTS_V2 (3 input channels, 10 classes) and c10_s3_pgd (1 channel, 100 classes), C=8, 6 cells, 32×32,
 * batch 4, auxiliary head on, drop-path 0.2:
 *   - same seed ⇒ bitwise the same initial state dict (sha256 of every tensor's bytes);
 *   - with the twin's weights loaded: eval logits; train logits, auxiliary logits and
 *     CE(logits) + 0.4·CE(aux) with the twin's drop-path masks replayed in order; the gradient of that
 *     loss for every parameter; BN running stats after the train forward; eval logits after it;
 *   - the default mask path (Bernoulli draws from the global generator) reproduces the twin's masks
 *     from the same seed.
 * All within the float32 'step' tolerance (1e-5 relative).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, loadSafetensors, manualSeed, noGrad, type NamedTensors, type Tensor } from '../../src/index.js';
import { NetworkCIFAR } from '../../src/space/eval-network.js';
import { sequentialMasks } from '../../src/space/drop-path.js';
import { FIXTURES } from '../helpers/fixture.js';
import { maxRelError, tolerance } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'eval');
const TOL = tolerance('float32', 'step');

interface Meta {
  arch: string; C: number; layers: number; classes: number; inChannels: number; batch: number; dropPathProb: number;
  seed: number; maskSeed: number; auxiliaryWeight: number; numMasks: number; ce: number; ceAux: number; loss: number;
  bigGradNorms: Record<string, number>; initSha256: Record<string, string>; modelSize: number;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
function close(actual: Tensor, expected: Tensor, label: string): number {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const err = maxRelError(actual.toArray(), expected.toArray());
  expect(err, label).toBeLessThanOrEqual(TOL);
  return err;
}
function sha256(t: Tensor): string {
  const a = t.toTypedArray();
  return createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

function load(name: string): { meta: Meta; T: NamedTensors } {
  const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Meta;
  return { meta, T: loadSafetensors(join(DIR, `${name}.safetensors`)).tensors };
}
function build(meta: Meta): NetworkCIFAR {
  return new NetworkCIFAR({ genotype: meta.arch, C: meta.C, layers: meta.layers, numClasses: meta.classes, inChannels: meta.inChannels, auxiliary: true });
}
function loadTwinWeights(net: NetworkCIFAR, T: NamedTensors): void {
  const sd = Object.fromEntries(Object.entries(T).filter(([k]) => k.startsWith('w.')).map(([k, v]) => [k.slice(2), v]));
  const r = net.loadStateDict(sd);
  expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
}
function totalLoss(net: NetworkCIFAR, x: Tensor, y: Tensor, auxWeight: number): { logits: Tensor; logitsAux: Tensor; ce: Tensor; ceAux: Tensor; loss: Tensor } {
  const { logits, logitsAux } = net.forward(x);
  expect(logitsAux).not.toBeNull();
  const ce = F.crossEntropy(logits, y), ceAux = F.crossEntropy(logitsAux!, y);
  return { logits, logitsAux: logitsAux!, ce, ceAux, loss: ce.add(ceAux.mul(auxWeight)) };
}

describe('NetworkCIFAR parity with the PyTorch twin', () => {
  for (const name of ['DARTS_V2', 'c10_s3_pgd']) {
    it(`${name}: same seed ⇒ bitwise the same initial state dict (keys in order, sha256 of every tensor)`, () => {
      const { meta, T } = load(name);
      manualSeed(meta.seed);
      const net = build(meta);
      const sd = net.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(meta.initSha256));
      for (const [k, t] of Object.entries(sd)) expect(sha256(t), k).toBe(meta.initSha256[k]);
      expect(net.countParameters()).toBe(meta.modelSize);
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
    });

    it(`${name}: eval logits, train logits / aux logits / loss with replayed drop-path masks, all gradients, BN stats`, () => {
      const { meta, T } = load(name);
      const net = build(meta);
      loadTwinWeights(net, T);
      const x = T['x']!, y = T['y']!;

      net.eval();
      const ev = noGrad(() => net.forward(x));
      expect(ev.logitsAux).toBeNull();
      const errs: Record<string, number> = { evalLogits: close(ev.logits, T['logitsEval']!, 'eval logits') };

      net.train();
      net.dropPathProb = meta.dropPathProb;
      const masks = Array.from({ length: meta.numMasks }, (_, i) => T[`mask.${i}`]!);
      const seq = sequentialMasks(masks);
      net.dropPathMask = seq.provider;
      const out = totalLoss(net, x, y, meta.auxiliaryWeight);
      expect(seq.remaining(), 'every recorded mask used, none missing').toBe(0);
      errs.logits = close(out.logits, T['logits']!, 'train logits');
      errs.logitsAux = close(out.logitsAux, T['logitsAux']!, 'auxiliary logits');
      for (const [label, got, want] of [['CE', out.ce, meta.ce], ['aux CE', out.ceAux, meta.ceAux], ['loss', out.loss, meta.loss]] as const) {
        expect(rel(got.item(), want), label).toBeLessThanOrEqual(TOL);
      }
      errs.loss = rel(out.loss.item(), meta.loss);

      out.loss.backward();
      let worstGrad = 0;
      for (const [n, p] of net.namedParameters()) {
        const g = p.grad!;
        if (T[`grad.${n}`]) {
          worstGrad = Math.max(worstGrad, close(g, T[`grad.${n}`]!, `grad ${n}`));
        } else {
          // Large tensors: the first 16 output channels element-wise, and the whole tensor's norm.
          const head = T[`gradHead.${n}`]!;
          worstGrad = Math.max(worstGrad, close(g.narrow(0, 0, 16), head, `grad ${n}[:16]`));
          expect(rel(g.double().norm().item(), meta.bigGradNorms[n]!), `‖grad ${n}‖`).toBeLessThanOrEqual(TOL);
        }
      }
      errs.grads = worstGrad;
      for (const [n, b] of net.namedBuffers()) close(b, T[`after.${n}`]!, `buffer ${n} after the train forward`);

      net.eval();
      errs.evalLogitsAfter = close(noGrad(() => net.forward(x)).logits, T['logitsEvalAfter']!, 'eval logits after the train forward');
      console.log(`${name} parity (max rel. error):`, JSON.stringify(errs));
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
    });

    it(`${name}: default masks drawn with the same seed equal the twin's (same logits without a mask provider)`, () => {
      const { meta, T } = load(name);
      const net = build(meta);
      loadTwinWeights(net, T);
      net.train();
      net.dropPathProb = meta.dropPathProb;
      manualSeed(meta.maskSeed);
      const { logits, logitsAux } = noGrad(() => net.forward(T['x']!));
      close(logits, T['logits']!, 'train logits with generator masks');
      close(logitsAux!, T['logitsAux']!, 'auxiliary logits with generator masks');
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
    });
  }
});
