/**
 * Batched image transforms: RandomCrop(size, padding, zero fill) → RandomHorizontalFlip(p) →
 * ToTensor (/255) → Normalize(mean, std) → Cutout(length, prob), as torchvision + DARTS's Cutout
 * (docs/reference-notes.md R2.7), for a batch of uint8 N×C×H×W images picked by index from a dataset.
 *
 * Where the work happens: on the host, in one pass over the uint8 bytes, writing the final float32
 * batch; then ONE host→device copy (`toTensor`). Crop and flip are pure index arithmetic, ToTensor +
 * Normalize is a 256-entry table per channel (bitwise torch's float32 result, see normalization.ts),
 * and Cutout writes zeros. `npm run bench:data` measured ≈ 0.6 ms per CIFAR batch of 64 (one CPU
 * thread, copy included), 1.4× faster than the alternative it also times (uint8 crop/flip on the
 * host, uint8 copy, cast/scale/normalise/cutout-mask as device ops); on a GPU the bytes that
 * alternative saves on the copy are ~600 kB per batch, small next to a search step.
 *
 * Random draws, all from the caller's `Rng`, per image in batch order (an op that is off draws nothing):
 *   1. crop (if `crop`):      top = nextInt(Hp − size + 1), then left = nextInt(Wp − size + 1),
 *                             where Hp = H + 2·padding, Wp = W + 2·padding (torchvision: i, then j);
 *   2. flip (if flipProb > 0): bernoulli(flipProb)  (one nextFloat);
 *   3. cutout (if `cutout`):   bernoulli(prob) — drawn even at prob 0, so the stream does not depend
 *                             on the ramped probability; if it fires, centre y = nextInt(size), then
 *                             x = nextInt(size) (DARTS: binomial, then randint(h), randint(w)).
 * The cutout square covers rows [clip(y − ⌊L/2⌋), clip(y + ⌊L/2⌋)) and the same for columns, clipped to
 * the image, on every channel, set to 0 AFTER normalisation (0 = the channel mean). Padding pixels are
 * byte 0 BEFORE normalisation (torchvision pads the PIL image), so they become −mean/std.
 */
import { tensor, type Device, type Tensor } from '../tensor/index.js';
import { SdartsError, rangeError, typeError } from '../util/errors.js';
import { checkNormalization, normalizationLut, type Normalization } from './normalization.js';
import type { Rng } from './rng.js';

export interface CropConfig {
  /** Output height = width (default: the image size, as RandomCrop(32, padding=4) on 32×32 CIFAR). */
  size?: number;
  /** Zero padding added on every side before cropping. */
  padding: number;
}

export interface CutoutConfig {
  /** Side of the square cut out (DARTS default 16). */
  length: number;
  /** Probability per image (ramped per epoch during search; 1 in evaluation). */
  prob: number;
}

export interface TransformConfig extends Normalization {
  crop: CropConfig | null;
  /** RandomHorizontalFlip probability; 0 turns the flip off. */
  flipProb: number;
  cutout: CutoutConfig | null;
}

/** The training transform of search and evaluation: crop (padding 4) + flip 0.5 + normalise + optional cutout. */
export function trainTransform(norm: Normalization, options: { padding?: number; cutout?: CutoutConfig | null } = {}): TransformConfig {
  return { mean: norm.mean, std: norm.std, crop: { padding: options.padding ?? 4 }, flipProb: 0.5, cutout: options.cutout ?? null };
}

/** The evaluation transform: ToTensor + Normalize only (no randomness). */
export function evalTransform(norm: Normalization): TransformConfig {
  return { mean: norm.mean, std: norm.std, crop: null, flipProb: 0, cutout: null };
}

/** The pixel layout a transform reads: a dataset or anything shaped like one. */
export interface ImageSource {
  images: Uint8Array;
  channels: number;
  height: number;
  width: number;
}

function intIn(fn: string, arg: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number') throw typeError(fn, arg, `an integer in [${lo}, ${hi}]`, v);
  if (!Number.isInteger(v) || v < lo || v > hi) throw rangeError(fn, arg, `an integer in [${lo}, ${hi}]`, v);
  return v;
}

function probIn(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a probability in [0, 1]', v);
  if (!(v >= 0 && v <= 1)) throw rangeError(fn, arg, 'a probability in [0, 1]', v);
  return v;
}

/** A transform bound to one image geometry (C×H×W), ready to turn index batches into float batches. */
export class BatchTransform {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Output side (crop size, or the image size without a crop). */
  readonly outHeight: number;
  readonly outWidth: number;
  private readonly padding: number;
  private readonly crop: boolean;
  private readonly flipProb: number;
  private readonly cutoutLength: number;
  private cutoutProbValue: number;
  private readonly cutout: boolean;
  private readonly lut: Float32Array;

  constructor(config: TransformConfig, geometry: { channels: number; height: number; width: number }) {
    const fn = 'BatchTransform';
    if (config === null || typeof config !== 'object') throw typeError(fn, 'config', 'a TransformConfig (see trainTransform/evalTransform)', config);
    if (geometry === null || typeof geometry !== 'object') throw typeError(fn, 'geometry', 'an object { channels, height, width }', geometry);
    this.channels = intIn(fn, 'geometry.channels', geometry.channels, 1, 4096);
    this.height = intIn(fn, 'geometry.height', geometry.height, 1, 65536);
    this.width = intIn(fn, 'geometry.width', geometry.width, 1, 65536);
    checkNormalization(fn, config, this.channels, 'config');
    this.lut = normalizationLut(config, this.channels);
    this.crop = config.crop !== null && config.crop !== undefined;
    if (this.crop) {
      const c = config.crop!;
      this.padding = intIn(fn, 'config.crop.padding', c.padding, 0, 65536);
      const maxSize = Math.min(this.height, this.width) + 2 * this.padding;
      const size = c.size === undefined ? null : intIn(fn, 'config.crop.size', c.size, 1, maxSize);
      if (size === null && this.height !== this.width) {
        throw rangeError(fn, 'config.crop.size', `an explicit crop size for non-square ${this.height}×${this.width} images`, c.size);
      }
      this.outHeight = this.outWidth = size ?? this.height;
    } else {
      this.padding = 0;
      this.outHeight = this.height;
      this.outWidth = this.width;
    }
    this.flipProb = probIn(fn, 'config.flipProb', config.flipProb);
    this.cutout = config.cutout !== null && config.cutout !== undefined;
    this.cutoutLength = this.cutout ? intIn(fn, 'config.cutout.length', config.cutout!.length, 0, 65536) : 0;
    this.cutoutProbValue = this.cutout ? probIn(fn, 'config.cutout.prob', config.cutout!.prob) : 0;
  }

  /** Whether this transform draws from the RNG at all (the eval transform does not). */
  get isRandom(): boolean {
    return this.crop || this.flipProb > 0 || this.cutout;
  }

  /** Floats per output image. */
  get outSize(): number {
    return this.channels * this.outHeight * this.outWidth;
  }

  /** The current cutout probability (null when cutout is off). */
  get cutoutProb(): number | null {
    return this.cutout ? this.cutoutProbValue : null;
  }

  /** Change the cutout probability (the search ramps it `prob·e/(E−1)` each epoch). */
  setCutoutProb(p: number): void {
    if (!this.cutout) {
      throw new SdartsError('ERR_SDARTS_DATA_NO_CUTOUT', 'BatchTransform.setCutoutProb(): this transform has no cutout (config.cutout is null). Configure cutout: { length, prob } to change its probability.');
    }
    this.cutoutProbValue = probIn('BatchTransform.setCutoutProb', 'p', p);
  }

  /**
   * Transform the images `indices` of `source` into `out` (length indices.length × outSize,
   * N×C×outHeight×outWidth float32), drawing from `rng` in the order documented above.
   */
  apply(source: ImageSource, indices: ArrayLike<number>, rng: Rng | null, out?: Float32Array): Float32Array {
    const fn = 'BatchTransform.apply';
    const { channels: C, height: H, width: W } = this;
    if (source === null || typeof source !== 'object' || !(source.images instanceof Uint8Array)) {
      throw typeError(fn, 'source', 'an image dataset { images: Uint8Array, channels, height, width }', source);
    }
    if (source.channels !== C || source.height !== H || source.width !== W) {
      throw rangeError(fn, 'source', `images of ${C}×${H}×${W} (the transform's geometry)`, `${source.channels}×${source.height}×${source.width} images`);
    }
    if (this.isRandom && (rng === null || typeof rng !== 'object' || typeof rng.nextInt !== 'function')) {
      throw typeError(fn, 'rng', 'an Rng (this transform is random)', rng);
    }
    const n = indices.length;
    const perIn = C * H * W;
    const available = Math.floor(source.images.length / perIn);
    const S = this.outHeight;
    const T = this.outWidth;
    const perOut = C * S * T;
    if (out === undefined) out = new Float32Array(n * perOut);
    else if (!(out instanceof Float32Array) || out.length !== n * perOut) {
      throw rangeError(fn, 'out', `a Float32Array of length ${n * perOut}`, out);
    }
    const { images } = source;
    const lut = this.lut;
    const p = this.padding;
    const half = Math.floor(this.cutoutLength / 2);
    for (let b = 0; b < n; b++) {
      const idx = indices[b]!;
      if (!Number.isInteger(idx) || idx < 0 || idx >= available) throw rangeError(fn, `indices[${b}]`, `an image index in [0, ${available})`, idx);
      // --- draws, in the documented order ---
      let top = 0;
      let left = 0;
      if (this.crop) {
        top = rng!.nextInt(H + 2 * p - S + 1);
        left = rng!.nextInt(W + 2 * p - T + 1);
      }
      const flip = this.flipProb > 0 && rng!.bernoulli(this.flipProb);
      let cut = false;
      let cy = 0;
      let cx = 0;
      if (this.cutout && rng!.bernoulli(this.cutoutProbValue)) {
        cut = true;
        cy = rng!.nextInt(S);
        cx = rng!.nextInt(T);
      }
      // --- pixels: output (r, col) reads padded-crop pixel (top + r, left + col'), col' = flipped col ---
      const inBase = idx * perIn;
      const outBase = b * perOut;
      // Columns of the output whose source column lies inside the image (the rest is padding).
      const x0 = left - p; // source column of crop column 0
      const lo = Math.min(T, Math.max(0, -x0));
      const hi = Math.max(lo, Math.min(T, W - x0));
      for (let c = 0; c < C; c++) {
        const l = c * 256;
        const pad = lut[l]!;
        for (let r = 0; r < S; r++) {
          const sy = top + r - p;
          const o = outBase + (c * S + r) * T;
          if (sy < 0 || sy >= H) {
            out.fill(pad, o, o + T);
            continue;
          }
          const src = inBase + (c * H + sy) * W + x0;
          if (!flip) {
            for (let k = 0; k < lo; k++) out[o + k] = pad;
            for (let k = lo; k < hi; k++) out[o + k] = lut[l + images[src + k]!]!;
            for (let k = hi; k < T; k++) out[o + k] = pad;
          } else {
            // Flipped output column k shows crop column T−1−k.
            for (let k = 0; k < T; k++) {
              const cc = T - 1 - k;
              out[o + k] = cc >= lo && cc < hi ? lut[l + images[src + cc]!]! : pad;
            }
          }
        }
      }
      if (cut) {
        const y1 = Math.min(Math.max(cy - half, 0), S);
        const y2 = Math.min(Math.max(cy + half, 0), S);
        const xa = Math.min(Math.max(cx - half, 0), T);
        const xb = Math.min(Math.max(cx + half, 0), T);
        for (let c = 0; c < C; c++) {
          for (let r = y1; r < y2; r++) {
            const o = outBase + (c * S + r) * T;
            out.fill(0, o + xa, o + xb);
          }
        }
      }
    }
    return out;
  }

  /** `apply`, then one host→device copy: a float32 N×C×outHeight×outWidth tensor on `device`. */
  toTensor(source: ImageSource, indices: ArrayLike<number>, rng: Rng | null, device: Device = 'cpu'): Tensor {
    const data = this.apply(source, indices, rng);
    return tensor(data, { shape: [indices.length, this.channels, this.outHeight, this.outWidth], device });
  }
}
