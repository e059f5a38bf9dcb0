/**
 * The data pipeline's own seedable PRNG: xoshiro128** (Blackman & Vigna, 2018), 32-bit words so
 * every step is exact JS integer arithmetic (Math.imul, >>> 0), seeded through SplitMix64.
 *
 * Why not LibTorch's generator: the loader's draws (shuffles, crop offsets, flips, cutout) must be
 * reproducible and resumable independently of how many random ops the model consumed, and must cost
 * no native call per draw. One `Rng` owned by the loader gives both; its state is four uint32 numbers,
 * so `getState()` is plain JSON for a checkpoint and `setState()` continues the exact stream.
 */
import { SdartsError, rangeError, typeError } from '../util/errors.js';

export const RNG_ALGORITHM = 'xoshiro128**';

/** Serialisable generator state: the four 32-bit words of xoshiro128** as unsigned numbers. */
export interface RngState {
  algorithm: typeof RNG_ALGORITHM;
  s: [number, number, number, number];
}

const TWO32 = 4294967296;
const MASK64 = (1n << 64n) - 1n;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** SplitMix64 step: the seeding generator recommended by the xoshiro authors (spreads a small seed over 128 bits). */
function splitMix64(state: { x: bigint }): bigint {
  state.x = (state.x + 0x9e3779b97f4a7c15n) & MASK64;
  let z = state.x;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** A generator seeded from a non-negative safe integer (the run's `--seed`). */
  constructor(seed: number) {
    if (typeof seed !== 'number') throw typeError('Rng', 'seed', 'a non-negative integer', seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw rangeError('Rng', 'seed', `an integer in [0, ${Number.MAX_SAFE_INTEGER}]`, seed);
    const sm = { x: BigInt(seed) };
    const a = splitMix64(sm);
    const b = splitMix64(sm);
    // Low word first: s = [lo(a), hi(a), lo(b), hi(b)].
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero is xoshiro's one fixed point
  }

  /** A generator continuing exactly from a state returned by `getState()`. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** Next uniform 32-bit unsigned integer (one step of xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (consumes two 32-bit draws: high 27 bits, then 26). */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Unbiased integer in [0, n) for 1 ≤ n ≤ 2^32: rejection of the top partial block of 2^32, so each
   * value is equally likely (a plain `u % n` would favour small values).
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO32) throw rangeError('Rng.nextInt', 'n', `an integer in [1, ${TWO32}]`, n);
    if (n === 1) return 0;
    const limit = TWO32 - (TWO32 % n);
    let u = this.nextU32();
    while (u >= limit) u = this.nextU32();
    return u % n;
  }

  /** True with probability p (one `nextFloat()`, also for p = 0 or 1, so the stream does not depend on p). */
  bernoulli(p: number): boolean {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError('Rng.bernoulli', 'p', 'a probability in [0, 1]', p);
    return this.nextFloat() < p;
  }

  /**
   * One N(mean, std²) draw by the Box–Muller transform, from two `nextFloat()`s u1, u2:
   *   z = √(−2 ln(1 − u1)) · cos(2π u2),   result = mean + std · z
   * (1 − u1 lies in (0, 1], so the log is finite). The transform's second value, √(−2 ln(1 − u1))·sin(2π u2),
   * is discarded rather than cached: every draw costs exactly four 32-bit words and the generator's
   * state stays the four words of `getState()`, so a checkpoint taken between any two draws resumes
   * exactly. Math.log/cos are V8's own fdlibm ports, the same bits on every machine for one Node.
   */
  normal(mean = 0, std = 1): number {
    if (typeof mean !== 'number' || !Number.isFinite(mean)) throw rangeError('Rng.normal', 'mean', 'a finite number', mean);
    if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) throw rangeError('Rng.normal', 'std', 'a finite number ≥ 0', std);
    const u1 = this.nextFloat();
    const u2 = this.nextFloat();
    return mean + std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place, from the last element down (j = nextInt(i + 1) for i = n−1 … 1). */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A uniformly random permutation of 0 … n−1 (`shuffle` of the identity). */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw rangeError('Rng.permutation', 'n', 'a non-negative int32', n);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * k distinct integers from [0, n) in random order: the first k steps of a forward Fisher–Yates
   * (j = i + nextInt(n − i) for i = 0 … k−1) over a virtual identity array, with only the swapped
   * entries stored, so the cost is O(k) and no state outlives the call.
   */
  sample(n: number, k: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw rangeError('Rng.sample', 'n', 'a non-negative int32', n);
    if (!Number.isInteger(k) || k < 0 || k > n) throw rangeError('Rng.sample', 'k', `an integer in [0, n=${n}]`, k);
    const out = new Int32Array(k);
    const swapped = new Map<number, number>();
    for (let i = 0; i < k; i++) {
      const j = i + this.nextInt(n - i);
      const vi = swapped.get(i) ?? i;
      out[i] = swapped.get(j) ?? j;
      swapped.set(j, vi);
    }
    return out;
  }

  /** The current state as plain JSON numbers. */
  getState(): RngState {
    return { algorithm: RNG_ALGORITHM, s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** Continue from a state returned by `getState()` (checked: algorithm name, four uint32 words, not all zero). */
  setState(state: RngState): void {
    checkRngState('Rng.setState', state);
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((w) => w | 0) as [number, number, number, number];
  }
}

/** Validate a deserialised RngState (from a checkpoint) before it is used. */
export function checkRngState(fn: string, state: unknown, arg = 'state'): asserts state is RngState {
  if (state === null || typeof state !== 'object') throw typeError(fn, arg, `an RNG state object from getState()`, state);
  const st = state as Partial<RngState>;
  if (st.algorithm !== RNG_ALGORITHM) {
    throw new SdartsError('ERR_SDARTS_DATA_RNG_STATE', `${fn}(): '${arg}.algorithm' is ${JSON.stringify(st.algorithm)} but this loader uses '${RNG_ALGORITHM}'. Resume from a checkpoint written by the same sdarts version, or start the run afresh.`);
  }
  const s = st.s;
  if (!Array.isArray(s) || s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO32)) {
    throw rangeError(fn, `${arg}.s`, 'an array of four unsigned 32-bit integers', s);
  }
  if (s.every((w) => w === 0)) throw rangeError(fn, `${arg}.s`, 'a state that is not all zero (xoshiro128** would output only zeros)', s);
}
