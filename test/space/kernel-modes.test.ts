/**
 * The two kernel modes of the supernets (src/space/kernel-mode.ts) compute the same function: in float64 the
 * 'fused' network's logits and every gradient (α and w) equal the 'reference' network's (same weights) to the
 * parity tolerance, for every CNN space and every NAS-Bench-1Shot1 space, in train and eval mode; and the fused
 * forward makes the ReLUs the formula says (one per state that feeds a ReLU-led op, plus the ops' inner ones)
 * where the reference makes one per op. BN folding (withFrozenWeights) equals eval-mode BN, frees what it made, and
 * does nothing in the reference mode or in train mode.
 */
import { describe, expect, it } from 'vitest';
import { F, countOps, grad, manualSeed, memory, noGrad, randint, randn, tidy, type Tensor } from '../../src/index.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { OneShotNetwork } from '../../src/space/oneshot/oneshot-network.js';
import { SPACE_NAMES, getSpace } from '../../src/space/spaces.js';
import { ConvChain, DilConv, SepConv, isReluFirst } from '../../src/space/operations.js';
import { COMPOSE_MAX_EXTRA_MACS, convBnPairs } from '../../src/space/folded-batch-norm.js';
import { expectParity } from '../helpers/tolerance.js';

type Net = SearchNetwork | OneShotNetwork;

/** Logits, then ∇α and ∇w of the CE loss, as arrays (S4's noise op draws the same noise on both: one seed). */
function lossAndGrads(net: Net, x: Tensor, y: Tensor, archWeights?: Tensor[]): number[][] {
  manualSeed(7);
  return tidy(() => {
    const logits = archWeights ? (net as SearchNetwork).forward(x, archWeights) : net.forward(x);
    const loss = F.crossEntropy(logits, y);
    const wrt = [...(archWeights ?? net.archParameters()), ...net.parameters()];
    const gs = grad(loss, wrt, { allowUnused: true });
    return [logits.toArray() as number[], ...gs.map((g, i) => (g ?? wrt[i]!.mul(0)).reshape([-1]).toArray() as number[])];
  });
}

function twins<N extends Net>(make: (kernels: 'fused' | 'reference') => N): [N, N] {
  manualSeed(0);
  const fused = make('fused');
  fused.to('float64');
  const ref = make('reference');
  ref.to('float64');
  ref.loadStateDict(fused.stateDict());
  noGrad(() => fused.archParameters().forEach((a, i) => ref.archParameters()[i]!.copy_(a.mul(100))));
  noGrad(() => fused.archParameters().forEach((a, i) => a.copy_(ref.archParameters()[i]!)));
  return [fused, ref];
}

function compare(fused: Net, ref: Net, x: Tensor, y: Tensor, label: string, weights?: () => Tensor[]): void {
  const a = lossAndGrads(fused, x, y, weights?.());
  const b = lossAndGrads(ref, x, y, weights?.());
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expectParity(v, b[i]!, `${label} [${i === 0 ? 'logits' : `grad ${i - 1}`}]`));
}

describe('kernel modes', () => {
  for (const space of SPACE_NAMES) {
    it(`${space}: fused = reference in float64 (logits, ∇α, ∇w), train and eval mode, α mode and weight mode`, () => {
      const [fused, ref] = twins((kernels) => new SearchNetwork({ space, C: 4, layers: 3, numClasses: 5, kernels }));
      manualSeed(1);
      const x = randn([3, 3, 8, 8], { dtype: 'float64' }),
        y = randint(0, 5, [3]);
      for (const mode of ['train', 'eval'] as const) {
        fused[mode]();
        ref[mode]();
        compare(fused, ref, x, y, `${space} ${mode}`);
        // Weight mode with rows that are not softmaxes (a perturbed point; zeros included).
        const w = () => fused.archParameters().map((a) => noGrad(() => F.softmax(a, -1).mul(2).sub(0.1).clamp(0, null)).requiresGrad_(true));
        compare(fused, ref, x, y, `${space} ${mode} weight mode`, w);
      }
      fused.dispose();
      ref.dispose();
      x.dispose();
      y.dispose();
    });
  }

  for (const space of [1, 2, 3] as const) {
    it(`NAS-Bench-1Shot1 space ${space}: fused = reference in float64 (logits, ∇α, ∇w; folded BN in eval mode: logits, ∇α)`, () => {
      const [fused, ref] = twins((kernels) => new OneShotNetwork({ space, C: 2, layers: 3, numClasses: 4, kernels }));
      manualSeed(2);
      const x = randn([2, 3, 8, 8], { dtype: 'float64' }),
        y = randint(0, 4, [2]);
      for (const mode of ['train', 'eval'] as const) {
        fused[mode]();
        ref[mode]();
        compare(fused, ref, x, y, `1Shot1 ${space} ${mode}`);
      }
      // Eval mode with the BNs folded (PGD's scope): the logits and ∇α (no weight gradient flows inside).
      const nAlpha = fused.archParameters().length;
      const folded = fused.withFrozenWeights(() => lossAndGrads(fused, x, y)).slice(0, 1 + nAlpha);
      lossAndGrads(ref, x, y)
        .slice(0, 1 + nAlpha)
        .forEach((v, i) => expectParity(folded[i]!, v, `1Shot1 ${space} folded [${i}]`));
      fused.dispose();
      ref.dispose();
      x.dispose();
      y.dispose();
    });
  }

  it('S5: the fused forward makes 2 + (states feeding ReLU-led ops) + inner ReLUs per cell; the reference one per ReLU-led op', () => {
    const cells = 3;
    const count = (kernels: 'fused' | 'reference'): number => {
      manualSeed(0);
      const net = new SearchNetwork({ space: 's5', C: 4, layers: cells, numClasses: 5, kernels });
      const x = randn([2, 3, 8, 8]);
      const n = countOps(() => tidy(() => void noGrad(() => net.forward(x))), { byName: true }).counts.byName['aten::relu'] ?? 0;
      net.dispose();
      x.dispose();
      return n;
    };
    // Per cell: the two preprocessing ReLUs; per edge the ReLU-led ops of S5 (sep 3×3, sep 5×5, dil 3×3, dil 5×5;
    // a reduction cell's stride-2 skip is a FactorizedReduce, ReLU-led too); each SepConv has a second, inner ReLU.
    const s5 = getSpace('s5');
    const net = new SearchNetwork({ space: 's5', C: 4, layers: cells, numClasses: 5 });
    let fused = 0,
      reference = 0;
    for (const cell of net.cells) {
      fused += 2;
      reference += 2;
      const feeds = new Set<number>();
      let e = 0;
      for (let i = 0; i < cell.steps; i++) {
        for (let j = 0; j < 2 + i; j++, e++) {
          const edge = cell.ops.at(e);
          edge.names.forEach((name, k) => {
            if (name === 'none') return;
            const op = edge.ops.at(k);
            if (isReluFirst(op)) {
              reference++;
              feeds.add(j);
            }
            if (name.startsWith('sep_conv')) {
              reference++;
              fused++;
            }
          });
        }
      }
      fused += feeds.size;
    }
    net.dispose();
    expect(s5.normal.length).toBe(14);
    expect(count('fused')).toBe(fused);
    expect(count('reference')).toBe(reference);
    // 3 cells (normal, reduce, reduce at C 4): the fused forward's ReLUs are fewer than half the reference's.
    expect(fused * 2).toBeLessThan(reference);
  });

  it('withFrozenWeights (fused, eval): BN folded into the convolutions gives the eval-mode logits and ∇ of the simplex weights; frees its tensors', () => {
    const [fused, ref] = twins((kernels) => new SearchNetwork({ space: 's5', C: 4, layers: 3, numClasses: 5, kernels }));
    manualSeed(3);
    const x = randn([3, 3, 8, 8], { dtype: 'float64' }),
      y = randint(0, 5, [3]);
    // Running statistics that are not the initial 0/1: two train-mode forwards.
    noGrad(() => {
      for (const n of [fused, ref]) {
        n.train();
        tidy(() => n.forward(x.mul(2).add(0.5)));
        tidy(() => n.forward(x));
        n.eval();
      }
    });
    const weights = () => ref.archParameters().map((a) => noGrad(() => F.softmax(a, -1)).requiresGrad_(true));
    const alphaGrads = (net: SearchNetwork): number[][] =>
      tidy(() => {
        const w = weights();
        const logits = net.forward(x, w);
        const gs = grad(F.crossEntropy(logits, y), w);
        return [logits.toArray() as number[], ...gs.map((g) => g!.reshape([-1]).toArray() as number[])];
      });
    const expected = alphaGrads(ref);
    const convBns = [...fused.namedModules()].filter(([, m]) => m instanceof ConvChain).length;
    expect(convBns).toBeGreaterThan(0);
    const before = memory().liveTensors;
    let bnCalls = -1;
    const got = fused.withFrozenWeights(() => {
      const r = alphaGrads(fused);
      bnCalls = countOps(() => tidy(() => void noGrad(() => fused.forward(x, weights()))), { byName: true }).counts.byName['aten::batch_norm'] ?? 0;
      return r;
    });
    expect(memory().liveTensors).toBe(before);
    got.forEach((v, i) => expectParity(v, expected[i]!, `folded [${i}]`));
    // Left: the stem's BN and the BNs after the pools and the FactorizedReduces (no convolution right before).
    const unfolded = countOps(() => tidy(() => void noGrad(() => ref.forward(x, weights()))), { byName: true }).counts.byName['aten::batch_norm'] ?? 0;
    const pairs = [...fused.namedModules()].reduce(
      (n, [, m]) => n + (m instanceof ConvChain ? m.op.layers.filter((l) => l.constructor.name === 'BatchNorm2d').length : 0),
      0,
    );
    expect(bnCalls).toBe(unfolded - pairs);
    // The reference mode, and train mode, run fn as it is.
    expect(
      ref.withFrozenWeights(() => countOps(() => tidy(() => void noGrad(() => ref.forward(x, weights()))), { byName: true }).counts.byName['aten::batch_norm']),
    ).toBe(unfolded);
    fused.train();
    const trainCalls = fused.withFrozenWeights(
      () => countOps(() => tidy(() => void noGrad(() => fused.forward(x, weights()))), { byName: true }).counts.byName['aten::batch_norm'],
    );
    expect(trainCalls).toBe(unfolded);
    fused.dispose();
    ref.dispose();
    x.dispose();
    y.dispose();
  });

  it('folding every conv → BN pair of a network takes the same number of calls however many pairs it has', () => {
    const calls = (layers: number): { calls: number; pairs: number } => {
      manualSeed(0);
      const net = new SearchNetwork({ space: 's5', C: 4, layers, numClasses: 5 });
      net.eval();
      const pairs = [...net.namedModules()].reduce((n, [, m]) => n + (m instanceof ConvChain ? convBnPairs(m.op).length : 0), 0);
      const before = memory().liveTensors;
      const n = countOps(() => net.withFrozenWeights(() => 0)).counts.topLevel;
      expect(memory().liveTensors).toBe(before);
      net.dispose();
      return { calls: n, pairs };
    };
    const small = calls(2),
      large = calls(6);
    expect(large.pairs).toBeGreaterThan(2 * small.pairs);
    expect(large.calls).toBe(small.calls);
  });

  for (const kind of ['search', '1shot1'] as const) {
    it(`${kind}: fused BN batch counters advance by one per train-mode forward, in one call, as the reference mode's own adds do`, () => {
      const [fused, ref] =
        kind === 'search'
          ? twins((kernels) => new SearchNetwork({ space: 's3', C: 4, layers: 3, numClasses: 5, kernels }))
          : twins((kernels) => new OneShotNetwork({ space: 2, C: 2, layers: 3, numClasses: 4, kernels }));
      const x = randn([2, 3, 8, 8], { dtype: 'float64' });
      const counters = (n: Net) => n.namedBuffers().filter(([k]) => k.endsWith('num_batches_tracked'));
      const adds = (n: Net) => countOps(() => tidy(() => void noGrad(() => n.forward(x))), { byName: true }).counts.byName;
      for (const n of [fused, ref]) n.train();
      const f = adds(fused),
        r = adds(ref);
      tidy(() => void noGrad(() => fused.forward(x)));
      tidy(() => void noGrad(() => ref.forward(x)));
      fused.eval();
      tidy(() => void noGrad(() => fused.forward(x)));
      const bns = counters(ref).length;
      expect(bns).toBeGreaterThan(10);
      expect(f['aten::_foreach_add_']).toBe(1);
      expect(f['aten::add_'] ?? 0).toBe(0);
      expect(r['aten::add_']).toBe(bns);
      counters(fused).forEach(([k, t], i) => {
        expect(t.item(), k).toBe(2);
        expect(counters(ref)[i]![1].item(), k).toBe(2);
      });
      fused.dispose();
      ref.dispose();
      x.dispose();
    });
  }

  it('a SepConv / DilConv folded: one dense convolution per depthwise → pointwise pair on small inputs, the pair kept on large ones; equal to eval-mode BN', () => {
    manualSeed(4);
    for (const [op, pairs] of [
      [new SepConv(16, 16, 3, 1, 1, false), 2],
      [new DilConv(16, 16, 5, 2, 4, 2, false), 1],
    ] as const) {
      op.to('float64');
      op.train();
      noGrad(() => tidy(() => void op.forward(randn([4, 16, 12, 12], { dtype: 'float64' }).mul(3).add(1))));
      op.eval();
      for (const [hw, composes] of [
        [4, true],
        [32, false],
      ] as const) {
        const x = randn([2, 16, hw, hw], { dtype: 'float64' });
        const convs = (f: () => unknown) => countOps(() => tidy(() => void f()), { byName: true }).counts.byName['aten::conv2d'] ?? 0;
        const plain = noGrad(() => op.forward(x));
        const plainConvs = convs(() => noGrad(() => op.forward(x)));
        op.foldBatchNorm();
        const folded = noGrad(() => op.forward(x));
        const foldedConvs = convs(() => noGrad(() => op.forward(x)));
        op.unfoldBatchNorm();
        // The extra multiply-adds of composing decide: under 2^18 at 4×4, over at 32×32 (k²·C·C − k²·C − C·C per pixel).
        const k = op instanceof SepConv ? 3 : 5;
        const out = op instanceof SepConv ? hw : hw / 2;
        expect((k * k * 256 - (k * k * 16 + 256)) * 2 * out * out <= COMPOSE_MAX_EXTRA_MACS).toBe(composes);
        expect(foldedConvs).toBe(composes ? plainConvs - pairs : plainConvs);
        expectParity(folded.toArray() as number[], plain.toArray() as number[], `${op.constructor.name} ${hw}×${hw} folded`);
        [x, plain, folded].forEach((t) => t.dispose());
      }
      op.dispose();
    }
  });

  it('an unknown kernels option is refused with the values it takes', () => {
    expect(() => new SearchNetwork({ space: 's1', kernels: 'fast' as never })).toThrow(/'fused' or 'reference' for 'kernels'/);
    expect(() => new OneShotNetwork({ space: 1, kernels: 1 as never })).toThrow(/'fused' or 'reference' for 'kernels'/);
  });
});
