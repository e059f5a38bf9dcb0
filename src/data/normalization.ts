/**
 * Per-channel Normalize constants for each dataset, and the uint8 → normalised float32 lookup table
 * the transforms use.
 *
 * Why a table: ToTensor + Normalize is `((v / 255) − mean) / std` in float32 for a byte v. There are
 * only 256 inputs per channel, so computing them once with torch's exact float32 rounding sequence
 * (Math.fround after each op) gives values bitwise equal to torchvision's and turns the per-pixel work
 * into one table read.
 */
import { rangeError, typeError } from '../util/errors.js';
import type { ImageDatasetName } from './dataset.js';

export interface Normalization {
  /** Per-channel mean of the [0,1]-scaled training pixels. */
  readonly mean: readonly number[];
  /** Per-channel standard deviation of the [0,1]-scaled training pixels. */
  readonly std: readonly number[];
}

/**
 * CIFAR-10, CIFAR-100 and SVHN: exactly the constants of the reference code (docs/reference-notes.md R2.7).
 * Fashion-MNIST: computed here from the full 60 000-image training set of the Debian package
 *   dataset-fashion-mnist (/usr/share/datasets/fashion-mnist): mean 0.2860405969887955, population
 *   std 0.35302424451492254 over all pixels (scripts/fixtures/make_transform_fixtures.py recomputes
 *   and records them); rounded to 8 digits. The commonly quoted 0.2860 / 0.3530 are these, rounded.
 * MNIST: 0.1307 / 0.3081, the training-set values used by PyTorch's MNIST example (mean and std of
 *   the 60 000 training images); MNIST itself is not installed here to recompute them.
 */
export const NORMALIZATION: Readonly<Record<ImageDatasetName, Normalization>> = Object.freeze({
  cifar10: { mean: [0.49139968, 0.48215827, 0.44653124], std: [0.24703233, 0.24348505, 0.26158768] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  svhn: { mean: [0.4377, 0.4438, 0.4728], std: [0.198, 0.201, 0.197] },
  'fashion-mnist': { mean: [0.2860406], std: [0.35302424] },
  mnist: { mean: [0.1307], std: [0.3081] },
});

/** The Normalize constants of a dataset by name (`cifar10`, `cifar100`, `svhn`, `fashion-mnist`, `mnist`). */
export function normalizationFor(name: string): Normalization {
  if (typeof name !== 'string') throw typeError('normalizationFor', 'name', 'a dataset name string', name);
  if (!Object.hasOwn(NORMALIZATION, name)) {
    throw rangeError('normalizationFor', 'name', `one of ${Object.keys(NORMALIZATION).join(', ')}`, name);
  }
  return NORMALIZATION[name as ImageDatasetName];
}

/** Check mean/std against a channel count: finite means, positive finite stds, one of each per channel. */
export function checkNormalization(fn: string, norm: Normalization, channels: number, arg = 'normalization'): void {
  if (norm === null || typeof norm !== 'object') throw typeError(fn, arg, 'an object { mean: number[], std: number[] }', norm);
  for (const key of ['mean', 'std'] as const) {
    const v = norm[key];
    if (!Array.isArray(v)) throw typeError(fn, `${arg}.${key}`, `an array of ${channels} numbers (one per channel)`, v);
    if (v.length !== channels) throw rangeError(fn, `${arg}.${key}`, `${channels} values (one per image channel)`, v);
    for (const x of v) {
      if (typeof x !== 'number' || !Number.isFinite(x) || (key === 'std' && !(x > 0))) {
        throw rangeError(fn, `${arg}.${key}`, key === 'std' ? 'positive finite numbers' : 'finite numbers', x);
      }
    }
  }
}

/**
 * `lut[c·256 + v]` = Normalize(ToTensor(v)) for channel c, rounded as torch does in float32:
 * fround(fround(fround(v / 255) − fround(mean_c)) / fround(std_c)). (A float32 op computed in double
 * and rounded once equals the float32 op: double has more than 2·24 + 2 bits.)
 */
export function normalizationLut(norm: Normalization, channels: number): Float32Array {
  checkNormalization('normalizationLut', norm, channels);
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const m = Math.fround(norm.mean[c]!);
    const s = Math.fround(norm.std[c]!);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
  }
  return lut;
}
