/**
 * Normalisation constants and the batched transform, checked three ways:
 *   - against torch (test/fixtures/data/transforms.json from scripts/fixtures/make_transform_fixtures.py):
 *     the per-byte Normalize table, and whole transforms (pad → crop → flip → ToTensor → Normalize →
 *     DARTS Cutout) for given draws, replayed here through a scripted RNG;
 *   - against a plain-loop reference written below (explicit padded copy, float32 formula, box loop)
 *     fed by a second Rng in the same state, so draw order and placement must match exactly;
 *   - against formulas for the cutout area and the crop placement.
 * Cutout zeros are compared with ===, so torch's −0 (negative value × mask 0) equals our +0.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NORMALIZATION, normalizationFor, normalizationLut } from '../../src/data/normalization.js';
import { BatchTransform, evalTransform, trainTransform, type TransformConfig } from '../../src/data/transforms.js';
import { Rng } from '../../src/data/rng.js';
import { FIXTURES, expectArgError, expectDataError } from './fixture-helpers.js';

const fx = JSON.parse(readFileSync(`${FIXTURES}/transforms.json`, 'utf8'));
const f32 = Math.fround;

/** Same values with +0 and −0 treated as equal; reports the first mismatch. */
function expectSameFloats(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) expect({ i, got: got[i] }).toEqual({ i, got: want[i] });
}

/** An Rng stand-in that hands out scripted draws and checks each call's argument. */
class ScriptedRng {
  private q: { n?: number; p?: number; v: number | boolean }[] = [];
  int(n: number, v: number): this { this.q.push({ n, v }); return this; }
  bool(p: number, v: boolean): this { this.q.push({ p, v }); return this; }
  nextInt(n: number): number {
    const d = this.q.shift()!;
    expect(d.n, 'next draw is nextInt with this n').toBe(n);
    return d.v as number;
  }
  bernoulli(p: number): boolean {
    const d = this.q.shift()!;
    expect(d.p, 'next draw is bernoulli with this p').toBe(p);
    return d.v as boolean;
  }
  get left(): number { return this.q.length; }
}
const asRng = (s: ScriptedRng): Rng => s as unknown as Rng;

/** Plain-loop reference of the documented transform, drawing from `rng` in the documented order. */
function reference(images: Uint8Array, C: number, H: number, idx: number[], rng: Rng | null, cfg: TransformConfig): Float32Array {
  const p = cfg.crop ? cfg.crop.padding : 0;
  const S = cfg.crop?.size ?? H;
  const P = H + 2 * p;
  const out = new Float32Array(idx.length * C * S * S);
  idx.forEach((id, b) => {
    const top = cfg.crop ? rng!.nextInt(P - S + 1) : 0;
    const left = cfg.crop ? rng!.nextInt(P - S + 1) : 0;
    const flip = cfg.flipProb > 0 ? rng!.bernoulli(cfg.flipProb) : false;
    const cut = cfg.cutout ? rng!.bernoulli(cfg.cutout.prob) : false;
    const cy = cut ? rng!.nextInt(S) : 0;
    const cx = cut ? rng!.nextInt(S) : 0;
    const padded = new Uint8Array(C * P * P); // zero fill
    for (let c = 0; c < C; c++) for (let r = 0; r < H; r++) for (let x = 0; x < H; x++) padded[(c * P + r + p) * P + x + p] = images[((id * C + c) * H + r) * H + x]!;
    for (let c = 0; c < C; c++) {
      for (let r = 0; r < S; r++) {
        for (let k = 0; k < S; k++) {
          const v = padded[(c * P + top + r) * P + left + (flip ? S - 1 - k : k)]!;
          let y = f32(f32(f32(v / 255) - f32(cfg.mean[c]!)) / f32(cfg.std[c]!));
          const L = Math.floor((cfg.cutout?.length ?? 0) / 2);
          if (cut && r >= Math.max(cy - L, 0) && r < Math.min(cy + L, S) && k >= Math.max(cx - L, 0) && k < Math.min(cx + L, S)) y = 0;
          out[((b * C + c) * S + r) * S + k] = y;
        }
      }
    }
  });
  return out;
}

function randomImages(n: number, C: number, H: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n * C * H * H }, () => r.nextInt(256));
}

describe('normalisation constants', () => {
  it('CIFAR-10, CIFAR-100, SVHN are the reference code values (docs/reference-notes.md R2.7)', () => {
    expect(NORMALIZATION.cifar10).toEqual({ mean: [0.49139968, 0.48215827, 0.44653124], std: [0.24703233, 0.24348505, 0.26158768] });
    expect(NORMALIZATION.cifar100).toEqual({ mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] });
    expect(NORMALIZATION.svhn).toEqual({ mean: [0.4377, 0.4438, 0.4728], std: [0.198, 0.201, 0.197] });
    expect(normalizationFor('mnist')).toEqual({ mean: [0.1307], std: [0.3081] });
  });

  it('Fashion-MNIST = mean/std of the 60 000 Debian training images (recomputed by the fixture script), to 8 digits', () => {
    const s = fx.fashion_mnist_stats;
    expect(s.images).toBe(60000);
    expect(Math.abs(NORMALIZATION['fashion-mnist'].mean[0]! - s.mean)).toBeLessThan(5e-9);
    expect(Math.abs(NORMALIZATION['fashion-mnist'].std[0]! - s.std)).toBeLessThan(5e-9);
  });

  for (const name of Object.keys(NORMALIZATION) as (keyof typeof NORMALIZATION)[]) {
    it(`${name}: the byte → float table equals torch's ToTensor + Normalize bitwise, and the exact formula within 1e-6`, () => {
      const norm = NORMALIZATION[name];
      const C = norm.mean.length;
      const lut = normalizationLut(norm, C);
      expect(Array.from(lut)).toEqual((fx.normalize_lut[name] as number[][]).flat());
      for (let c = 0; c < C; c++) for (let v = 0; v < 256; v++) expect(Math.abs(lut[c * 256 + v]! - (v / 255 - norm.mean[c]!) / norm.std[c]!)).toBeLessThanOrEqual(1e-6);
    });
  }

  it('rejects unknown names and mismatched tables', () => {
    expectArgError(() => normalizationFor('imagenet'), RangeError, "Expected one of cifar10, cifar100, svhn, fashion-mnist, mnist for 'name' in normalizationFor() but received \"imagenet\" (string)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => normalizationLut(NORMALIZATION.cifar10, 1), RangeError, "Expected 1 values (one per image channel) for 'normalization.mean' in normalizationLut() but received array of length 3", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => normalizationLut({ mean: [0.5], std: [0] }, 1), RangeError, "Expected positive finite numbers for 'normalization.std' in normalizationLut() but received 0 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
  });
});

describe('BatchTransform', () => {
  for (const [k, label] of [[0, '3×8×8, padding 4, cutout 5 (odd)'], [1, '1×6×6, padding 2, cutout 4']] as const) {
    it(`equals torch pad → crop → flip → ToTensor → Normalize → Cutout for given draws (${label})`, () => {
      const c = fx.transform_cases[k];
      const t = new BatchTransform(trainTransform(c, { padding: c.padding, cutout: { length: c.cutout_length, prob: 1 } }), { channels: c.channels, height: c.size, width: c.size });
      const rng = new ScriptedRng();
      for (const d of c.draws) {
        rng.int(2 * c.padding + 1, d.top).int(2 * c.padding + 1, d.left).bool(0.5, d.flip).bool(1, d.cut);
        if (d.cut) rng.int(c.size, d.cy).int(c.size, d.cx);
      }
      const src = { images: Uint8Array.from(c.images), channels: c.channels, height: c.size, width: c.size };
      const out = t.apply(src, Array.from({ length: c.n }, (_, i) => i), asRng(rng));
      expect(rng.left).toBe(0);
      expectSameFloats(out, c.expected);
    });
  }

  for (const [C, H, label] of [[3, 32, 'CIFAR 3×32×32'], [1, 28, 'Fashion-MNIST 1×28×28']] as const) {
    it(`${label}: crop(4) + flip + normalise + cutout(16, 0.5) equals the plain-loop reference with the same seeded draws`, () => {
      const norm = C === 3 ? NORMALIZATION.cifar10 : NORMALIZATION['fashion-mnist'];
      const cfg = trainTransform(norm, { cutout: { length: 16, prob: 0.5 } });
      const images = randomImages(40, C, H, 1);
      const idx = [39, 0, 5, 5, 17, 22, 8, 31, 2, 11, 12, 13, 30, 1, 3, 4];
      const rng = new Rng(21);
      const ref = new Rng(21);
      const out = new BatchTransform(cfg, { channels: C, height: H, width: H }).apply({ images, channels: C, height: H, width: H }, idx, rng);
      expectSameFloats(out, reference(images, C, H, idx, ref, cfg));
      expect(rng.getState()).toEqual(ref.getState());
    });
  }

  it('a crop smaller than the image (24 of 32, no padding) and no flip matches the reference', () => {
    const cfg: TransformConfig = { ...NORMALIZATION.svhn, crop: { size: 24, padding: 0 }, flipProb: 0, cutout: null };
    const images = randomImages(5, 3, 32, 2);
    const out = new BatchTransform(cfg, { channels: 3, height: 32, width: 32 }).apply({ images, channels: 3, height: 32, width: 32 }, [4, 3, 2, 1, 0], new Rng(8));
    expect(out.length).toBe(5 * 3 * 24 * 24);
    expectSameFloats(out, reference(images, 3, 32, [4, 3, 2, 1, 0], new Rng(8), cfg));
  });

  it('places the crop pixel-exactly: top/left 0 shifts the image by +padding, 2·padding by −padding; flip mirrors columns', () => {
    const H = 8;
    const images = Uint8Array.from({ length: H * H }, (_, i) => 100 + i); // pixel (r, c) = 100 + 8r + c
    const norm = { mean: [0], std: [1] }; // Normalize(0, 1): output = v / 255
    const t = new BatchTransform({ ...norm, crop: { padding: 4 }, flipProb: 0.5, cutout: null }, { channels: 1, height: H, width: H });
    const src = { images, channels: 1, height: H, width: H };
    const px = (v: number): number => f32(v / 255);
    const rng = new ScriptedRng().int(9, 0).int(9, 0).bool(0.5, false).int(9, 8).int(9, 8).bool(0.5, false).int(9, 4).int(9, 1).bool(0.5, true);
    const out = t.apply(src, [0, 0, 0], asRng(rng));
    const at = (b: number, r: number, c: number): number => out[b * 64 + r * 8 + c]!;
    expect(at(0, 3, 7)).toBe(0); // padding (byte 0 → 0 under mean 0)
    expect(at(0, 4, 4)).toBe(px(100)); // image (0,0) moved down-right by 4
    expect(at(0, 7, 7)).toBe(px(100 + 3 * 8 + 3));
    expect(at(1, 0, 0)).toBe(px(100 + 4 * 8 + 4)); // image (4,4) at the top-left
    expect(at(1, 4, 3)).toBe(0);
    // top 4 (rows unshifted), left 1 (columns shifted right by 3), then mirrored: out col k = crop col 7−k.
    for (let k = 0; k < 8; k++) {
      const sx = 1 + (7 - k) - 4;
      expect(at(2, 2, k)).toBe(sx < 0 ? 0 : px(100 + 2 * 8 + sx));
    }
  });

  it('cutout clips its square at the borders: centre (0,0) → 8×8, (31,31) → 9×9, (16,16) → 16×16 zeros per channel', () => {
    const t = new BatchTransform({ ...evalTransform(NORMALIZATION.cifar10), cutout: { length: 16, prob: 1 } }, { channels: 3, height: 32, width: 32 });
    const images = randomImages(3, 3, 32, 3);
    const rng = new ScriptedRng().bool(1, true).int(32, 0).int(32, 0).bool(1, true).int(32, 31).int(32, 31).bool(1, true).int(32, 16).int(32, 16);
    const out = t.apply({ images, channels: 3, height: 32, width: 32 }, [0, 1, 2], asRng(rng));
    const boxes = [[0, 8, 0, 8], [23, 32, 23, 32], [8, 24, 8, 24]];
    boxes.forEach(([y1, y2, x1, x2], b) => {
      for (let c = 0; c < 3; c++) {
        for (let r = 0; r < 32; r++) {
          for (let k = 0; k < 32; k++) {
            const inside = r >= y1! && r < y2! && k >= x1! && k < x2!;
            expect(out[((b * 3 + c) * 32 + r) * 32 + k] === 0, `image ${b} c${c} (${r},${k})`).toBe(inside);
          }
        }
      }
    });
  });

  it('cutout p = 0 zeroes nothing but still draws its bernoulli; p = 1 zeroes C × clipped area in every image', () => {
    const images = randomImages(20, 3, 32, 4);
    const idx = Array.from({ length: 20 }, (_, i) => i);
    const src = { images, channels: 3, height: 32, width: 32 };
    const t = new BatchTransform(trainTransform(NORMALIZATION.cifar10, { cutout: { length: 16, prob: 0 } }), src);
    const rng = new Rng(5);
    const ref = new Rng(5);
    const out0 = t.apply(src, idx, rng);
    expect(out0.some((v) => v === 0)).toBe(false); // no byte normalises to exactly 0 with these means
    for (let i = 0; i < 20; i++) { ref.nextInt(9); ref.nextInt(9); ref.nextFloat(); ref.nextFloat(); }
    expect(rng.getState()).toEqual(ref.getState());
    t.setCutoutProb(1);
    expect(t.cutoutProb).toBe(1);
    const replay = new Rng(6);
    const out1 = t.apply(src, idx, new Rng(6));
    for (let b = 0; b < 20; b++) {
      replay.nextInt(9); replay.nextInt(9); replay.nextFloat(); replay.nextFloat();
      const cy = replay.nextInt(32);
      const cx = replay.nextInt(32);
      const area = (Math.min(cy + 8, 32) - Math.max(cy - 8, 0)) * (Math.min(cx + 8, 32) - Math.max(cx - 8, 0));
      expect(out1.subarray(b * 3072, (b + 1) * 3072).filter((v) => v === 0).length).toBe(3 * area);
    }
  });

  it('the eval transform is ToTensor + Normalize only: no RNG needed, output = table[byte]', () => {
    const images = randomImages(4, 3, 32, 7);
    const t = new BatchTransform(evalTransform(NORMALIZATION.cifar100), { channels: 3, height: 32, width: 32 });
    expect(t.isRandom).toBe(false);
    const out = t.apply({ images, channels: 3, height: 32, width: 32 }, [2, 0], null);
    const lut = fx.normalize_lut.cifar100 as number[][];
    const want = [...images.subarray(2 * 3072, 3 * 3072), ...images.subarray(0, 3072)].map((v, i) => lut[Math.floor((i % 3072) / 1024)]![v]!);
    expectSameFloats(out, want);
  });

  it('toTensor makes one float32 N×C×H×W tensor on the device with the same values', () => {
    const images = randomImages(3, 1, 28, 8);
    const t = new BatchTransform(evalTransform(NORMALIZATION.mnist), { channels: 1, height: 28, width: 28 });
    const src = { images, channels: 1, height: 28, width: 28 };
    const x = t.toTensor(src, [1, 2], null, 'cpu');
    expect({ shape: x.shape, dtype: x.dtype, device: x.device }).toEqual({ shape: [2, 1, 28, 28], dtype: 'float32', device: 'cpu' });
    expect(Array.from(x.toTypedArray() as Float32Array)).toEqual(Array.from(t.apply(src, [1, 2], null)));
    x.dispose();
  });

  it('rejects bad configs, sources, indices and RNGs with named messages', () => {
    const g = { channels: 3, height: 32, width: 32 };
    expectArgError(() => new BatchTransform(trainTransform(NORMALIZATION['fashion-mnist']), g), RangeError, "Expected 3 values (one per image channel) for 'config.mean' in BatchTransform() but received array of length 1", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new BatchTransform({ ...evalTransform(NORMALIZATION.cifar10), flipProb: 2 }, g), RangeError, "Expected a probability in [0, 1] for 'config.flipProb' in BatchTransform() but received 2 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new BatchTransform({ ...evalTransform(NORMALIZATION.cifar10), crop: { size: 41, padding: 4 } }, g), RangeError, "Expected an integer in [1, 40] for 'config.crop.size' in BatchTransform() but received 41 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    const t = new BatchTransform(trainTransform(NORMALIZATION.cifar10), g);
    const src = { images: new Uint8Array(2 * 3072), ...g };
    expectArgError(() => t.apply(src, [0], null), TypeError, "Expected an Rng (this transform is random) for 'rng' in BatchTransform.apply() but received null", 'ERR_SDARTS_INVALID_ARG_TYPE');
    expectArgError(() => t.apply(src, [0, 2], new Rng(1)), RangeError, "Expected an image index in [0, 2) for 'indices[1]' in BatchTransform.apply() but received 2 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => t.apply({ ...src, channels: 1 }, [0], new Rng(1)), RangeError, "Expected images of 3×32×32 (the transform's geometry) for 'source' in BatchTransform.apply() but received \"1×32×32 images\" (string)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => t.apply(src, [0], new Rng(1), new Float32Array(5)), RangeError, "Expected a Float32Array of length 3072 for 'out' in BatchTransform.apply() but received Float32Array object", 'ERR_SDARTS_OUT_OF_RANGE');
    expectDataError(() => t.setCutoutProb(0.5), 'ERR_SDARTS_DATA_NO_CUTOUT', 'BatchTransform.setCutoutProb(): this transform has no cutout');
  });
});
