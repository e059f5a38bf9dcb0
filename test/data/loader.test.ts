/**
 * SearchDataLoader and DataLoader: split and batch counts from the reference's formulas (floor(p·N),
 * ceil(n/b); docs/reference-notes.md R2.6–R2.7, R4.3), coverage, the documented draw order (replayed
 * with a second Rng + the transform, which transforms.test.ts checks on its own), determinism, bitwise
 * resume, tensors and memory.
 */
import { describe, expect, it } from 'vitest';
import { memory, tidy } from '../../src/index.js';
import { SearchDataLoader, type SearchLoaderOptions, type SearchLoaderState } from '../../src/data/loader.js';
import { DataLoader } from '../../src/data/data-loader.js';
import { BatchTransform, evalTransform, trainTransform } from '../../src/data/transforms.js';
import { NORMALIZATION, normalizationLut } from '../../src/data/normalization.js';
import { Rng } from '../../src/data/rng.js';
import { loadEmbeddedFashionMnist } from '../../src/data/embedded.js';
import type { SearchBatch } from '../../src/data/batch.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { expectArgError, expectDataError } from './fixture-helpers.js';

/** n synthetic C×H×H images (seeded bytes) with labels i mod 10. */
function synthetic(n: number, C = 3, H = 8): ImageDataset {
  const r = new Rng(123);
  return {
    name: 'synthetic', n, channels: C, height: H, width: H, classes: 10,
    images: Uint8Array.from({ length: n * C * H * H }, () => r.nextInt(256)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  };
}

const CUT = trainTransform(NORMALIZATION.cifar10, { cutout: { length: 4, prob: 0.5 } });
const opts = (o: Partial<SearchLoaderOptions> = {}): SearchLoaderOptions => ({ batchSize: 64, seed: 2, transform: CUT, ...o });
const epoch = (l: SearchDataLoader, e: number): SearchBatch[] => [...l.epochBatches(e)];
const sizes = (bs: SearchBatch[]): number[] => bs.map((b) => b.train.size);
/** Bitwise equality of two typed arrays (fast; vitest's deep equality walks element by element). */
const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function expectSameBits(a: ArrayBufferView, b: ArrayBufferView): void {
  expect(a.constructor).toBe(b.constructor);
  expect(bytes(a).equals(bytes(b)), 'bitwise equal').toBe(true);
}

describe('SearchDataLoader', () => {
  const ds = synthetic(1000);

  it('splits in dataset order (train = first floor(0.5·1000) = 500) and makes ceil(500/64) = 8 steps, the last of 52', () => {
    const l = new SearchDataLoader(ds, opts());
    expect({ numTrain: l.numTrain, numValid: l.numValid, steps: l.stepsPerEpoch }).toEqual({ numTrain: 500, numValid: 500, steps: 8 });
    const bs = epoch(l, 0);
    expect(sizes(bs)).toEqual([64, 64, 64, 64, 64, 64, 64, 52]);
    expect(bs.map((b) => b.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('the reference step counts (docs/reference-notes.md R2.6, R4.3): CIFAR 50 000/64 → 391 (last 40), SVHN 73 257 → 36 628/36 629 and 573 (last 20), 1Shot1 batch 96 → 261 (last 40)', () => {
    const tiny = (n: number): ImageDataset => ({ ...synthetic(1, 1, 2), n, images: new Uint8Array(n * 4), labels: new Int32Array(n) });
    const c10 = new SearchDataLoader(tiny(50_000), opts({ transform: evalTransform({ mean: [0], std: [1] }) }));
    expect([c10.numTrain, c10.stepsPerEpoch, sizes(epoch(c10, 0)).at(-1)]).toEqual([25_000, 391, 40]);
    const svhn = new SearchDataLoader(tiny(73_257), opts({ transform: evalTransform({ mean: [0], std: [1] }) }));
    expect([svhn.numTrain, svhn.numValid, svhn.stepsPerEpoch, 36_628 - 572 * 64]).toEqual([36_628, 36_629, 573, 20]);
    const oneShot = new SearchDataLoader(tiny(50_000), opts({ batchSize: 96, transform: evalTransform({ mean: [0], std: [1] }) }));
    expect([oneShot.stepsPerEpoch, 25_000 - 260 * 96]).toEqual([261, 40]);
  });

  it('each epoch visits every train index exactly once, in a new order; valid batches are 64 distinct valid-half indices', () => {
    const l = new SearchDataLoader(ds, opts());
    const orders: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const bs = epoch(l, e);
      const seen = bs.flatMap((b) => Array.from(b.train.indices));
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      orders.push(seen);
      for (const b of bs) {
        const v = Array.from(b.valid.indices);
        expect(v.length).toBe(64);
        expect(new Set(v).size).toBe(64);
        expect(v.every((i) => i >= 500 && i < 1000)).toBe(true);
        expect(Array.from(b.valid.labels)).toEqual(v.map((i) => i % 10));
      }
    }
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[1]).not.toEqual(orders[2]);
  });

  it('draws in the documented order: permutation, then per step train transform, valid sample, valid transform', () => {
    const l = new SearchDataLoader(ds, opts());
    const bs = epoch(l, 0).slice(0, 3);
    const ref = new Rng(2);
    const t = new BatchTransform(CUT, ds);
    const perm = ref.permutation(500);
    bs.forEach((b, s) => {
      const ti = perm.slice(s * 64, s * 64 + 64);
      expectSameBits(b.train.images, t.apply(ds, ti, ref));
      expect(b.train.indices).toEqual(ti);
      const vi = ref.sample(500, 64).map((i) => i + 500);
      expect(b.valid.indices).toEqual(vi);
      expectSameBits(b.valid.images, t.apply(ds, vi, ref));
    });
  });

  it("'cycling' validation: one pass over the shuffled valid half (short last batch), reshuffled when used up, restarted each epoch", () => {
    // 1000 images, portion 0.6 → 600/400; batch 64 → 10 steps; a valid pass is 6×64 + 16.
    const l = new SearchDataLoader(ds, opts({ trainPortion: 0.6, validMode: 'cycling' }));
    for (let e = 0; e < 2; e++) {
      const bs = epoch(l, e);
      expect(bs.map((b) => b.valid.size)).toEqual([64, 64, 64, 64, 64, 64, 16, 64, 64, 64]);
      const pass = bs.slice(0, 7).flatMap((b) => Array.from(b.valid.indices));
      expect(pass.sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => 600 + i));
      const second = bs.slice(7).flatMap((b) => Array.from(b.valid.indices));
      expect(new Set(second).size).toBe(192);
    }
  });

  it('validPass() covers the valid half once in ceil(500/64) = 8 augmented batches, then the epochs continue', () => {
    const l = new SearchDataLoader(ds, opts());
    epoch(l, 0);
    const ref = new Rng(0);
    ref.setState(l.getState().rng);
    const pass = [...l.validPass()];
    expect(pass.map((b) => b.size)).toEqual([64, 64, 64, 64, 64, 64, 64, 52]);
    const perm = ref.permutation(500);
    expect(pass.flatMap((b) => Array.from(b.indices))).toEqual(Array.from(perm, (i) => i + 500));
    expectSameBits(pass[0]!.images, new BatchTransform(CUT, ds).apply(ds, perm.slice(0, 64).map((i) => i + 500), ref));
    expect(sizes(epoch(l, 1))).toEqual([64, 64, 64, 64, 64, 64, 64, 52]);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = epoch(new SearchDataLoader(ds, opts()), 0);
    const b = epoch(new SearchDataLoader(ds, opts()), 0);
    const c = epoch(new SearchDataLoader(ds, opts({ seed: 3 })), 0);
    a.forEach((x, i) => {
      expectSameBits(x.train.images, b[i]!.train.images);
      expect(x.valid.indices).toEqual(b[i]!.valid.indices);
    });
    expect(a[0]!.train.indices).not.toEqual(c[0]!.train.indices);
  });

  for (const validMode of ['fresh', 'cycling'] as const) {
    it(`${validMode}: resuming mid-epoch from JSON getState() continues with bitwise the same batches`, () => {
      const o = opts({ validMode, trainPortion: 0.6 });
      const a = new SearchDataLoader(ds, o);
      epoch(a, 0);
      a.setCutoutProb(0.25);
      const it1 = a.epochBatches(1);
      for (let i = 0; i < 8; i++) it1.next(); // into the second valid pass when cycling
      const saved = JSON.parse(JSON.stringify(a.getState())) as SearchLoaderState;
      expect(saved).toMatchObject({ kind: 'search', epoch: 1, step: 8, cutoutProb: 0.25, validMode });
      const rest = [...it1, ...epoch(a, 2)];
      const b = new SearchDataLoader(ds, o);
      b.setState(saved);
      expect(b.cutoutProb).toBe(0.25);
      const resumed = [...b.epochBatches(1), ...epoch(b, 2)];
      expect(resumed.map((x) => [x.epoch, x.step])).toEqual(rest.map((x) => [x.epoch, x.step]));
      resumed.forEach((x, i) => {
        const y = rest[i]!;
        expectSameBits(x.train.images, y.train.images);
        expectSameBits(x.valid.images, y.valid.images);
        expect(x.train.indices).toEqual(y.train.indices);
        expect(x.valid.indices).toEqual(y.valid.indices);
      });
      expect(b.getState()).toEqual(a.getState());
    });
  }

  it('x is float32 [N, C, H, W], y is int64 labels; tensors made inside tidy are freed with it and remade on later access', () => {
    const l = new SearchDataLoader(ds, opts());
    const live0 = memory().liveTensors;
    let last!: SearchBatch;
    for (const b of l.epochBatches(0)) {
      tidy(() => {
        expect({ s: b.x.shape, d: b.x.dtype, ys: b.y.shape, yd: b.y.dtype }).toEqual({ s: [b.train.size, 3, 8, 8], d: 'float32', ys: [b.train.size], yd: 'int64' });
        expect(b.y.toArray()).toEqual(Array.from(b.train.indices, (i) => i % 10));
        expect(b.xValid.shape).toEqual([64, 3, 8, 8]);
        expect(b.yValid.dtype).toBe('int64');
      });
      last = b;
    }
    expect(memory().liveTensors).toBe(live0);
    const x = last.xValid; // the end-of-epoch Hessian reuses the last valid batch
    expectSameBits(x.toTypedArray(), last.valid.images);
    last.dispose();
    expect(memory().liveTensors).toBe(live0);
  });

  it('runs over the embedded Fashion-MNIST subset: 2 000 → 1 000/1 000, 16 steps of [64, 1, 28, 28] (last 40)', () => {
    const fm = loadEmbeddedFashionMnist('train');
    const l = new SearchDataLoader(fm, opts({ transform: trainTransform(NORMALIZATION['fashion-mnist'], { cutout: { length: 16, prob: 1 } }) }));
    const bs = epoch(l, 0);
    expect(sizes(bs)).toEqual([...new Array(15).fill(64), 40]);
    expect(bs[0]!.train.shape).toEqual([64, 1, 28, 28]);
  });

  it('enforces the epoch protocol and rejects bad options and foreign states', () => {
    const l = new SearchDataLoader(ds, opts());
    epoch(l, 0);
    expectDataError(() => l.epochBatches(0), 'ERR_SDARTS_DATA_LOADER_EPOCH', 'epoch 0 was asked for but epoch 0 was already completed', 'Ask for epoch 1');
    const old = l.epochBatches(1);
    old.next();
    l.setState(l.getState());
    expectDataError(() => old.next(), 'ERR_SDARTS_DATA_LOADER_STALE', 'superseded by a later epochBatches() or setState() call');
    const other = new SearchDataLoader(ds, opts({ batchSize: 32 }));
    expectDataError(() => other.setState(l.getState()), 'ERR_SDARTS_DATA_LOADER_STATE', 'the saved loader had a 500/500 split, batch 64, fresh validation but this one has a 500/500 split, batch 32', 'Resume with the same dataset');
    expectArgError(() => new SearchDataLoader(ds, opts({ trainPortion: 1 })), RangeError, "Expected a number in (0, 1) for 'options.trainPortion' in SearchDataLoader() but received 1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new SearchDataLoader(ds, opts({ batchSize: 0 })), RangeError, "Expected a positive integer for 'options.batchSize' in SearchDataLoader() but received 0 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new SearchDataLoader(ds, opts({ seed: 1.5 })), RangeError, "Expected an integer in [0, 9007199254740991] for 'options.seed' in SearchDataLoader() but received 1.5 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => l.epochBatches(-1), RangeError, "Expected a non-negative integer for 'epoch' in SearchDataLoader.epochBatches() but received -1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
  });
});

describe('DataLoader', () => {
  const ds = synthetic(1000, 3, 8);

  it('test split: dataset order, ceil(1000/96) = 11 batches (last 40), eval transform = table[byte], no RNG use', () => {
    const l = new DataLoader(ds, { batchSize: 96, shuffle: false, transform: evalTransform(NORMALIZATION.cifar10) });
    const rng0 = l.getState().rng;
    const bs = [...l.epochBatches(0)];
    expect(bs.map((b) => b.size)).toEqual([...new Array(10).fill(96), 40]);
    expect(bs.flatMap((b) => Array.from(b.indices))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const lut = normalizationLut(NORMALIZATION.cifar10, 3);
    expect(Array.from(bs[0]!.images.subarray(0, 192))).toEqual(Array.from(ds.images.subarray(0, 192), (v, i) => lut[Math.floor(i / 64) * 256 + v]));
    expect(l.getState().rng).toEqual(rng0);
  });

  it('train split: shuffled each epoch, every index once; resume mid-epoch is bitwise identical', () => {
    const o = { batchSize: 96, shuffle: true, seed: 0, transform: trainTransform(NORMALIZATION.cifar10, { cutout: { length: 4, prob: 1 } }) };
    const a = new DataLoader(ds, o);
    const e0 = [...a.epochBatches(0)];
    expect(e0.flatMap((b) => Array.from(b.indices)).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const it1 = a.epochBatches(1);
    for (let i = 0; i < 4; i++) it1.next();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const rest = [...it1];
    const b = new DataLoader(ds, o);
    b.setState(saved);
    const resumed = [...b.epochBatches(1)];
    expect(resumed.map((x) => x.step)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    resumed.forEach((x, i) => {
      expectSameBits(x.images, rest[i]!.images);
      expect(x.indices).toEqual(rest[i]!.indices);
    });
    expectDataError(() => new DataLoader(ds, { ...o, shuffle: false }).setState(saved), 'ERR_SDARTS_DATA_LOADER_STATE', 'the saved loader had 1000 images, batch 96, shuffle true');
  });
});
