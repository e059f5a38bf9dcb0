/**
 * NetworkCIFAR structure and behaviour (docs/reference-notes.md R2.10, R2.12):
 *   - the state-dict keys and shapes of NetworkCIFAR(DARTS_V2, C=36, 20 cells, auxiliary) equal those of the
 *     PyTorch twin (test/fixtures/eval/keys-*.json, scripts/fixtures/eval_twin.py), in order;
 *   - model size (auxiliary excluded) of every genotype of docs/reference-notes.md R2.12 at C=36, 20 cells equals its table to its
 *     printed 4 decimals (in M) and the twin's exact count; DARTS_V2 = 3 349 342 exactly; the auxiliary head
 *     adds 0.4764M (10 classes) / 0.5456M (100 classes);
 *   - shapes through the cells (32 → 16 → 8, channels len(concat)·C), the auxiliary head on the 8×8 output of
 *     cell 2·layers//3 in training only, 5-node genotypes with non-contiguous concat (NASNet, AmoebaNet);
 *   - drop-path: the formula x / keep · mask, out of place; masks requested only for non-Identity branches,
 *     only in training with p > 0; Bernoulli(keep) statistics;
 *   - argument errors (class, code and message) and a flat live-tensor count across training steps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, manualSeed, memory, ones, randint, randn, tensor, tidy, type Tensor } from '../../src/index.js';
import { NetworkCIFAR } from '../../src/space/eval-network.js';
import { EvalCell } from '../../src/space/eval-cell.js';
import { dropPath, drawDropPathMask, sequentialMasks, type DropPathSite } from '../../src/space/drop-path.js';
import { formatGenotype, getGenotype, type Genotype } from '../../src/space/genotype/index.js';
import { FIXTURES } from '../helpers/fixture.js';
import { expectClose } from '../helpers/tolerance.js';

/** docs/reference-notes.md R2.12 table: evaluation-net size in M (C=36, 20 cells, auxiliary excluded; c100 rows with 100 classes). */
const TABLE: Record<string, string> = {
  c10_s1_random: '3.4055',
  c100_s1_random: '3.0168',
  svhn_s1_random: '1.7579',
  c10_s1_pgd: '3.3772',
  c100_s1_pgd: '3.6374',
  svhn_s1_pgd: '3.2215',
  c10_s2_random: '3.6221',
  c100_s2_random: '4.7234',
  svhn_s2_random: '3.5919',
  c10_s2_pgd: '4.2814',
  c100_s2_pgd: '4.3938',
  svhn_s2_pgd: '3.2057',
  c10_s3_random: '4.3116',
  c100_s3_random: '4.7536',
  svhn_s3_random: '4.6715',
  c10_s3_pgd: '4.3419',
  c100_s3_pgd: '4.7234',
  svhn_s3_pgd: '3.6221',
  c10_s4_random: '4.7017',
  c100_s4_random: '4.7536',
  svhn_s4_random: '4.7017',
  c10_s4_pgd: '4.7017',
  c100_s4_pgd: '4.7536',
  svhn_s4_pgd: '4.7017',
  c10_s5_random: '3.6062',
  c10_s5_pgd: '3.3448',
  DARTS_V2: '3.3493',
};
const twinCounts = JSON.parse(readFileSync(join(FIXTURES, 'eval', 'param-counts.json'), 'utf8')) as {
  counts: Record<string, { classes: number; size: number; auxiliary: number }>;
};

function expectError(fn: () => unknown, cls: new (...a: never[]) => Error, code: string, text: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as { code?: string }).code).toBe(code);
  expect((caught as Error).message).toContain(text);
}

/** Branches that get drop-path in one forward: every gene except a stride-1 skip_connect (an Identity). */
function expectedMaskCount(g: Genotype, layers: number): number {
  let n = 0;
  for (let i = 0; i < layers; i++) {
    const red = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
    for (const [op, j] of red ? g.reduce : g.normal) if (!(op === 'skip_connect' && !(red && j < 2))) n++;
  }
  return n;
}

describe('NetworkCIFAR structure', () => {
  it('DARTS_V2 (C=36, 20 cells, auxiliary): state-dict keys and shapes equal the PyTorch twin, in order', () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'eval', 'keys-DARTS_V2-C36-L20-aux.json'), 'utf8')) as { keys: [string, number[]][] };
    const net = new NetworkCIFAR({ genotype: 'DARTS_V2', auxiliary: true });
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(ref.keys.map(([k]) => k));
    for (const [k, shape] of ref.keys) expect(sd[k]!.shape, k).toEqual(shape);
    // Spot checks of the DARTS naming the checkpoints rely on.
    for (const k of [
      'cells.0._ops.0.op.1.weight',
      'cells.0.preprocess0.op.1.weight',
      'cells.7.preprocess0.conv_1.weight',
      'auxiliary_head.features.2.weight',
      'auxiliary_head.features.6.running_var',
      'auxiliary_head.classifier.bias',
      'classifier.weight',
    ]) {
      expect(k in sd, k).toBe(true);
    }
    net.dispose();
  });

  for (const [name, size] of Object.entries(TABLE)) {
    it(`${name}: model size ${size}M at C=36, 20 cells (docs/reference-notes.md R2.12), equal to the twin's count`, () => {
      const classes = name.startsWith('c100') ? 100 : 10;
      const net = new NetworkCIFAR({ genotype: name, numClasses: classes, auxiliary: true });
      const n = net.countParameters();
      expect((n / 1e6).toFixed(4)).toBe(size);
      expect(n).toBe(twinCounts.counts[name]!.size);
      if (name === 'DARTS_V2') expect(n).toBe(3349342);
      const aux = net.numParameters() - n;
      expect(aux).toBe(twinCounts.counts[name]!.auxiliary);
      expect((aux / 1e6).toFixed(4)).toBe(classes === 100 ? '0.5456' : '0.4764');
      net.dispose();
    });
  }

  for (const name of ['DARTS_V1', 'NASNet', 'AmoebaNet']) {
    it(`${name}: model size equals the twin's (5-node cells, non-contiguous concat where present)`, () => {
      const net = new NetworkCIFAR({ genotype: name, auxiliary: true });
      expect(net.countParameters()).toBe(twinCounts.counts[name]!.size);
      expect(net.numParameters() - net.countParameters()).toBe(twinCounts.counts[name]!.auxiliary);
      net.dispose();
    });
  }

  it('accepts DARTS genotype text as well as a library name (same state dict)', () => {
    const a = new NetworkCIFAR({ genotype: 'c10_s5_pgd', C: 4, layers: 3 });
    const b = new NetworkCIFAR({ genotype: formatGenotype(getGenotype('c10_s5_pgd')), C: 4, layers: 3 });
    expect(Object.keys(b.stateDict())).toEqual(Object.keys(a.stateDict()));
    a.dispose();
    b.dispose();
  });
});

describe('NetworkCIFAR forward', () => {
  it('DARTS_V2, C=8, 6 cells, 32×32: cell shapes 32→16→8, channels 4·C_curr; aux on the 8×8 output of cell 4 in training only', () => {
    manualSeed(0);
    const net = new NetworkCIFAR({ genotype: 'DARTS_V2', C: 8, layers: 6, auxiliary: true });
    expect(net.auxCellIndex).toBe(4);
    const x = randn([2, 3, 32, 32]);
    tidy(() => {
      let s0 = net.stem.forward(x);
      let s1 = s0;
      const shapes: number[][] = [];
      for (const cell of net.cells) {
        [s0, s1] = [s1, cell.forward(s0, s1)];
        shapes.push(s1.shape);
      }
      expect(shapes).toEqual([
        [2, 32, 32, 32],
        [2, 32, 32, 32],
        [2, 64, 16, 16],
        [2, 64, 16, 16],
        [2, 128, 8, 8],
        [2, 128, 8, 8],
      ]);
      const tr = net.forward(x);
      expect(tr.logits.shape).toEqual([2, 10]);
      expect(tr.logitsAux!.shape).toEqual([2, 10]);
      net.eval();
      expect(net.forward(x).logitsAux).toBeNull();
    });
    const plain = new NetworkCIFAR({ genotype: 'DARTS_V2', C: 8, layers: 6 });
    expect(plain.auxiliaryHead).toBeNull();
    expect(tidy(() => plain.forward(x).logitsAux)).toBeNull();
    x.dispose();
    net.dispose();
    plain.dispose();
  });

  it('any input channels and classes: 1-channel input, 100 classes', () => {
    const net = new NetworkCIFAR({ genotype: 'c10_s3_pgd', C: 4, layers: 3, inChannels: 1, numClasses: 100, auxiliary: true });
    tidy(() => {
      const out = net.forward(randn([3, 1, 32, 32]));
      expect(out.logits.shape).toEqual([3, 100]);
      expect(out.logitsAux!.shape).toEqual([3, 100]);
    });
    net.dispose();
  });

  for (const name of ['NASNet', 'AmoebaNet']) {
    it(`${name}: 5 nodes, concat ${JSON.stringify(getGenotype(name).normalConcat)} / ${JSON.stringify(getGenotype(name).reduceConcat)} → channels len(concat)·C_curr`, () => {
      const g = getGenotype(name);
      const net = new NetworkCIFAR({ genotype: name, C: 4, layers: 3, auxiliary: true });
      // layers=3: reductions at cells 1 and 2 (C_curr 4 → 8 → 16).
      expect(net.cells.at(0).steps).toBe(5);
      expect([...net.cells].map((c) => c.multiplier)).toEqual([g.normalConcat.length, g.reduceConcat.length, g.reduceConcat.length]);
      expect(net.classifier.inFeatures).toBe(g.reduceConcat.length * 16);
      net.dropPathProb = 0.3;
      tidy(() => {
        const out = net.forward(randn([2, 3, 32, 32]));
        expect(out.logits.shape).toEqual([2, 10]);
        expect(out.logitsAux!.shape).toEqual([2, 10]);
      });
      net.dispose();
    });
  }
});

describe('drop-path', () => {
  it('dropPath(x, p, mask) = x / (1 − p) · mask, out of place (formula, float32)', () => {
    const vals = [0.5, -1.25, 2, 3.5, -0.75, 1, 4, -2];
    const x = tensor(new Float32Array(vals), { shape: [2, 1, 2, 2] });
    const mask = tensor(new Float32Array([1, 0]), { shape: [2, 1, 1, 1] });
    const y = dropPath(x, 0.25, mask);
    const want = vals.map((v, i) => Math.fround(Math.fround(v / 0.75) * (i < 4 ? 1 : 0)));
    expectClose(y, want, 'float32', 'elementwise', 'dropPath(x, 0.25, mask)');
    expect(x.toArray()).toEqual(Array.from(new Float32Array(vals)));
    expect(dropPath(x, 0)).toBe(x);
    [x, mask, y].forEach((t) => t.dispose());
  });

  it('generator masks: shape [N,1,1,1], values 0/1, mean ≈ keep (binomial, 5σ)', () => {
    manualSeed(3);
    const x = randn([20000, 2, 1, 1]);
    const m = drawDropPathMask(x, 0.8);
    expect(m.shape).toEqual([20000, 1, 1, 1]);
    const a = m.toArray();
    expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean - 0.8)).toBeLessThanOrEqual(5 * Math.sqrt((0.8 * 0.2) / 20000));
    x.dispose();
    m.dispose();
  });

  it('masks are requested for every non-Identity branch, in cell/node/branch order, only in training with p > 0', () => {
    const g = getGenotype('DARTS_V2');
    const net = new NetworkCIFAR({ genotype: g, C: 4, layers: 6 });
    const sites: DropPathSite[] = [];
    net.dropPathMask = (site, keep, like) => {
      sites.push(site);
      expect(keep).toBeCloseTo(0.8, 12);
      return ones([like.size(0), 1, 1, 1]);
    };
    const x = randn([2, 3, 32, 32]);
    tidy(() => net.forward(x));
    expect(sites.length, 'p = 0: no masks').toBe(0);
    net.dropPathProb = 0.2;
    tidy(() => net.forward(x));
    expect(sites.length).toBe(expectedMaskCount(g, 6));
    expect(sites.length).toBe(34); // the twin's DARTS_V2 case recorded 34 masks for 6 cells
    const order = sites.map((s) => s.cell * 100 + s.node * 2 + s.branch);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    sites.length = 0;
    net.eval();
    tidy(() => net.forward(x));
    expect(sites.length, 'eval mode: no masks').toBe(0);
    x.dispose();
    net.dispose();
  });
});

describe('NetworkCIFAR errors', () => {
  it('rejects bad configuration, inputs and drop probabilities with a clear message', () => {
    expectError(() => new NetworkCIFAR({ genotype: 'DARTS_V3' }), Error, 'ERR_SDARTS_GENOTYPE_UNKNOWN', 'unknown genotype "DARTS_V3"');
    expectError(
      () => new NetworkCIFAR({ genotype: 'DARTS_V2', layers: 0 }),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected an integer >= 1 for 'layers' in NetworkCIFAR() but received 0 (number)",
    );
    const badInput: Genotype = {
      normal: [
        ['sep_conv_3x3', 0],
        ['sep_conv_3x3', 3],
      ],
      normalConcat: [2],
      reduce: [
        ['sep_conv_3x3', 0],
        ['sep_conv_3x3', 1],
      ],
      reduceConcat: [2],
    };
    expectError(
      () => new NetworkCIFAR({ genotype: badInput }),
      Error,
      'ERR_SDARTS_GENOTYPE_INVALID',
      'NetworkCIFAR(): normal[1][1]: input 3 (number) is not valid for node 0',
    );
    const inputConcat: Genotype = {
      normal: [
        ['sep_conv_3x3', 0],
        ['sep_conv_3x3', 1],
      ],
      normalConcat: [2],
      reduce: [
        ['sep_conv_3x3', 0],
        ['sep_conv_3x3', 1],
      ],
      reduceConcat: [1, 2],
    };
    expectError(
      () => new NetworkCIFAR({ genotype: inputConcat, C: 4, layers: 3 }),
      Error,
      'ERR_SDARTS_SPACE_CONCAT',
      'the reduction concat [1, 2] contains an input state',
    );

    const net = new NetworkCIFAR({ genotype: 'DARTS_V2', C: 4, layers: 3, auxiliary: true });
    expectError(
      () => {
        net.dropPathProb = 1;
      },
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a probability in [0, 1) for 'dropPathProb' in NetworkCIFAR() but received 1 (number)",
    );
    tidy(() => {
      expectError(
        () => net.forward(randn([2, 1, 32, 32])),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected an [N, 3, H, W] image batch for 'x' in NetworkCIFAR.forward() but received a Tensor of shape [2, 1, 32, 32]",
      );
      expectError(
        () => net.forward(randn([2, 3, 16, 16])),
        Error,
        'ERR_SDARTS_SPACE_AUX_INPUT',
        "AuxiliaryHead.forward(): expected an [N, C, 8, 8] input (the second reduction cell's output for 32×32 images; 8–10 pixels work) but received shape [2, 64, 4, 4]",
      );
      const x = randn([2, 3, 4, 4]);
      expectError(() => dropPath(x, 1), RangeError, 'ERR_SDARTS_OUT_OF_RANGE', "for 'p' in dropPath() but received 1 (number)");
      expectError(
        () => dropPath(x, 0.2, ones([3, 1, 1, 1])),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected a mask of shape [2, 1, 1, 1] (one value per sample) for 'mask' in dropPath() but received a Tensor of shape [3, 1, 1, 1]",
      );
      const seq = sequentialMasks([ones([2, 1, 1, 1])]);
      net.dropPathMask = seq.provider;
      net.dropPathProb = 0.1;
      expectError(
        () => net.forward(randn([2, 3, 32, 32])),
        Error,
        'ERR_SDARTS_SPACE_DROP_PATH_MASKS',
        'sequentialMasks(): mask 2 requested (cell 0, node 0, branch 1) but only 1 were given',
      );
    });
    expectError(
      () => new EvalCell({ genotype: getGenotype('DARTS_V2'), cPP: 4, cP: 4, C: 3, reduction: false, reductionPrev: true }),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected an even channel count (FactorizedReduce splits C into two halves) for 'C' in EvalCell() but received 3 (number)",
    );
    net.dispose();
  });
});

describe('NetworkCIFAR memory', () => {
  it('training steps (drop-path, aux loss, backward) leave the live-tensor count unchanged', () => {
    const net = new NetworkCIFAR({ genotype: 'DARTS_V2', C: 4, layers: 3, auxiliary: true, dropPathProb: 0.2 });
    const x = randn([2, 3, 32, 32]);
    const y = randint(0, 10, [2]);
    const step = (): void =>
      tidy(() => {
        net.zeroGrad();
        const { logits, logitsAux } = net.forward(x);
        F.crossEntropy(logits, y).add(F.crossEntropy(logitsAux!, y).mul(0.4)).backward();
      });
    step(); // the first step allocates every .grad
    const before = memory().liveTensors;
    for (let i = 0; i < 3; i++) step();
    expect(memory().liveTensors).toBe(before);
    [x, y].forEach((t: Tensor) => t.dispose());
    net.dispose();
  });
});
