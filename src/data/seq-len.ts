/**
 * The random chunk lengths of the recurrent search and training loops (docs/reference-notes.md R3.8).
 * The reference draws them from numpy's global generator; sdarts from its own seeded `Rng`
 * (docs/decisions.md), so a chunk stream is reproducible and resumable from a few numbers.
 *
 *   search   (`sota/rnn/train_search.py`): bptt' = bptt w.p. 0.95, else bptt/2; seqLen = int(bptt')
 *            → 35 or 17 for bptt 35 (no Gaussian jitter). One `nextFloat()` per draw.
 *   training (`sota/rnn/train.py`): bptt' as above; seqLen = min(max(5, int(N(bptt', 5²))), bptt + maxSeqLenDelta)
 *            → 5 … 55 for the defaults. One `nextFloat()` and one `Rng.normal` (two more) per draw.
 * `int()` truncates toward zero (Math.trunc).
 */
import { SdartsError, rangeError, typeError } from '../util/errors.js';
import type { Rng } from './rng.js';

/** What identifies a sampler in a saved stream state (plain JSON). */
export type SeqLenSpec = { kind: 'search'; bptt: number } | { kind: 'train'; bptt: number; maxSeqLenDelta: number };

export interface SeqLenSampler {
  readonly spec: SeqLenSpec;
  /** The nominal length (the validation chunks' length, and the denominator of the lr scaling). */
  readonly bptt: number;
  /** One length, drawn from `rng`. */
  draw(rng: Rng): number;
  /** P(seqLen = k) at index k (model probabilities: the generator's 2^-53 granularity is ignored). */
  pmf(): Float64Array;
}

/** P(full length) in both loops. */
export const FULL_BPTT_PROB = 0.95;
/** Standard deviation of the training loop's Gaussian jitter, and its floor. */
export const TRAIN_SEQ_STD = 5;
export const TRAIN_SEQ_MIN = 5;

function bpttArg(fn: string, bptt: unknown): number {
  if (typeof bptt !== 'number') throw typeError(fn, 'bptt', 'an integer ≥ 2', bptt);
  if (!Number.isInteger(bptt) || bptt < 2 || bptt > 1e6) throw rangeError(fn, 'bptt', 'an integer in [2, 1000000] (bptt/2 must still be ≥ 1 row)', bptt);
  return bptt;
}

export function searchSeqLen(bptt = 35): SeqLenSampler {
  bpttArg('searchSeqLen', bptt);
  const short = Math.trunc(bptt / 2);
  return {
    spec: { kind: 'search', bptt },
    bptt,
    draw: (rng) => (rng.bernoulli(FULL_BPTT_PROB) ? bptt : short),
    pmf: () => {
      const p = new Float64Array(bptt + 1);
      p[bptt] = FULL_BPTT_PROB;
      p[short] = 1 - FULL_BPTT_PROB;
      return p;
    },
  };
}

export function trainSeqLen(options: { bptt?: number; maxSeqLenDelta?: number } = {}): SeqLenSampler {
  const fn = 'trainSeqLen';
  const bptt = bpttArg(fn, options.bptt ?? 35);
  const delta = options.maxSeqLenDelta ?? 20;
  if (typeof delta !== 'number') throw typeError(fn, 'options.maxSeqLenDelta', 'a non-negative integer', delta);
  if (!Number.isInteger(delta) || delta < 0 || delta > 1e6) throw rangeError(fn, 'options.maxSeqLenDelta', 'an integer in [0, 1000000]', delta);
  const cap = bptt + delta;
  return {
    spec: { kind: 'train', bptt, maxSeqLenDelta: delta },
    bptt,
    draw: (rng) => {
      const mean = rng.bernoulli(FULL_BPTT_PROB) ? bptt : bptt / 2;
      return Math.min(Math.max(TRAIN_SEQ_MIN, Math.trunc(rng.normal(mean, TRAIN_SEQ_STD))), cap);
    },
    pmf: () => {
      // For k ≥ 5: max(5, trunc(x)) ≤ k ⇔ x < k + 1; the cap takes the whole upper tail.
      const p = new Float64Array(cap + 1);
      for (const [mean, w] of [
        [bptt, FULL_BPTT_PROB],
        [bptt / 2, 1 - FULL_BPTT_PROB],
      ] as const) {
        if (cap <= TRAIN_SEQ_MIN) {
          p[cap] = p[cap]! + w;
          continue;
        }
        let below = 0;
        for (let k = TRAIN_SEQ_MIN; k <= cap; k++) {
          const cdf = k === cap ? 1 : normalCdf((k + 1 - mean) / TRAIN_SEQ_STD);
          p[k] = p[k]! + w * (cdf - below);
          below = cdf;
        }
      }
      return p;
    },
  };
}

/** The sampler a saved state names (checked). */
export function samplerFromSpec(fn: string, spec: unknown): SeqLenSampler {
  const s = spec as Partial<{ kind: string; bptt: number; maxSeqLenDelta: number }> | null;
  if (s === null || typeof s !== 'object') throw typeError(fn, 'state.sampler', 'a sequence-length sampler spec object', spec);
  if (s.kind === 'search') return searchSeqLen(s.bptt);
  if (s.kind === 'train') return trainSeqLen({ bptt: s.bptt, maxSeqLenDelta: s.maxSeqLenDelta });
  throw new SdartsError('ERR_SDARTS_DATA_LOADER_STATE', `${fn}(): 'state.sampler.kind' is ${JSON.stringify(s.kind)}, not 'search' or 'train'. Resume from a checkpoint written by the same sdarts version, or start afresh.`);
}

/** E[seqLen] = Σ k·P(k). */
export function meanSeqLen(sampler: SeqLenSampler): number {
  const p = sampler.pmf();
  let m = 0;
  for (let k = 0; k < p.length; k++) m += k * p[k]!;
  return m;
}

/**
 * Standard normal CDF Φ(z) = (1 + erf(z/√2)) / 2, with erf(x) = (2/√π)·e^(−x²)·Σ_{n≥0} 2ⁿ x^(2n+1) / (1·3·…·(2n+1))
 * (Abramowitz & Stegun 7.1.6): all terms positive, so no cancellation; summed until a term no longer
 * changes the sum. |x| > 6 gives ±1 (erfc(6) ≈ 2e-17). Absolute error ~1e-16 where it is used.
 */
export function normalCdf(z: number): number {
  const x = z / Math.SQRT2;
  const ax = Math.abs(x);
  if (ax > 6) return x > 0 ? 1 : 0;
  let term = ax;
  let sum = ax;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
  }
  const erf = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  return (1 + (x < 0 ? -erf : erf)) / 2;
}
