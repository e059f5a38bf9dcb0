/**
 * The loader's PRNG against an independent Python xoshiro128** (test/fixtures/data/transforms.json,
 * scripts/fixtures/make_transform_fixtures.py) and against the formulas each derived draw documents,
 * replayed from a second generator in the same state.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng, type RngState } from '../../src/data/rng.js';
import { FIXTURES, expectArgError, expectDataError } from './fixture-helpers.js';

const fx = JSON.parse(readFileSync(`${FIXTURES}/transforms.json`, 'utf8'));
const TWO32 = 2 ** 32;

const draws = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

describe('Rng (xoshiro128**)', () => {
  it('from state [1, 2, 3, 4] outputs the reference sequence (11520, 0, 5927040, …)', () => {
    const r = Rng.fromState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4] });
    expect(draws(r, 12)).toEqual(fx.xoshiro128ss.state_1234);
    expect(fx.xoshiro128ss.state_1234.slice(0, 4)).toEqual([11520, 0, 5927040, 70819200]);
  });

  for (const seed of ['0', '2', '12345678901']) {
    it(`seed ${seed}: SplitMix64 seeding gives the Python state and stream`, () => {
      const r = new Rng(Number(seed));
      expect(r.getState()).toEqual({ algorithm: 'xoshiro128**', s: fx.xoshiro128ss.seeded[seed].state });
      expect(draws(r, 12)).toEqual(fx.xoshiro128ss.seeded[seed].u32);
    });
  }

  it('nextFloat = (hi >>> 5 · 2^26 + lo >>> 6) / 2^53 from two draws, always in [0, 1)', () => {
    const r = new Rng(7);
    const ref = new Rng(7);
    for (let i = 0; i < 1000; i++) {
      const f = r.nextFloat();
      const hi = ref.nextU32() >>> 5;
      const lo = ref.nextU32() >>> 6;
      expect(f).toBe((hi * 2 ** 26 + lo) / 2 ** 53);
      expect(f >= 0 && f < 1).toBe(true);
    }
  });

  it('nextInt(n) rejects draws ≥ 2^32 − (2^32 mod n) and returns u mod n (unbiased)', () => {
    for (const n of [1, 2, 3, 7, 1000, 3 * 2 ** 30, TWO32]) {
      const r = new Rng(11);
      const ref = new Rng(11);
      const limit = TWO32 - (TWO32 % n);
      let rejected = 0;
      for (let i = 0; i < 2000; i++) {
        const got = r.nextInt(n);
        if (n === 1) {
          expect(got).toBe(0);
          continue;
        }
        let u = ref.nextU32();
        while (u >= limit) {
          u = ref.nextU32();
          rejected++;
        }
        expect(got).toBe(u % n);
      }
      // With n = 3·2^30 a quarter of the draws fall in the rejected top block.
      if (n === 3 * 2 ** 30) expect(rejected).toBeGreaterThan(300);
    }
  });

  it('nextInt(7) frequencies pass a chi-square test (70 000 draws, 6 d.o.f., 0.1 % critical value 22.46)', () => {
    const r = new Rng(2);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.nextInt(7)]++;
    const chi2 = counts.reduce((a, c) => a + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(22.46);
  });

  it('bernoulli(p) is nextFloat() < p: p = 0 never, p = 1 always, and it always consumes one float', () => {
    const r = new Rng(3);
    const ref = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const p = [0, 1, 0.5, 0.25][i % 4]!;
      expect(r.bernoulli(p)).toBe(ref.nextFloat() < p);
    }
    const z = new Rng(4);
    for (let i = 0; i < 500; i++) expect(z.bernoulli(0)).toBe(false);
    for (let i = 0; i < 500; i++) expect(z.bernoulli(1)).toBe(true);
  });

  it('permutation(n) is Fisher–Yates from the end with j = nextInt(i + 1)', () => {
    const r = new Rng(5);
    const ref = new Rng(5);
    const p = r.permutation(100);
    const want = Array.from({ length: 100 }, (_, i) => i);
    for (let i = 99; i > 0; i--) {
      const j = ref.nextInt(i + 1);
      [want[i], want[j]] = [want[j]!, want[i]!];
    }
    expect(Array.from(p)).toEqual(want);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(r.permutation(0).length).toBe(0);
  });

  it('sample(n, k) = the first k steps of a forward Fisher–Yates: k distinct values of [0, n)', () => {
    const r = new Rng(6);
    const ref = new Rng(6);
    const s = r.sample(50, 20);
    const a = Array.from({ length: 50 }, (_, i) => i);
    for (let i = 0; i < 20; i++) {
      const j = i + ref.nextInt(50 - i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    expect(Array.from(s)).toEqual(a.slice(0, 20));
    expect(new Set(s).size).toBe(20);
    // The generator is left exactly where the replay is.
    expect(r.getState()).toEqual(ref.getState());
    expect([...r.sample(9, 9)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('getState is plain JSON; setState continues the exact stream', () => {
    const r = new Rng(99);
    draws(r, 17);
    const saved = JSON.parse(JSON.stringify(r.getState())) as RngState;
    const next = draws(r, 20);
    const b = new Rng(0);
    b.setState(saved);
    expect(draws(b, 20)).toEqual(next);
    expect(saved.s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO32)).toBe(true);
  });

  it('normal(mean, std) is Box–Muller from two nextFloat()s (cosine branch, nothing cached): mean + std·√(−2 ln(1 − u1))·cos(2π u2)', () => {
    const r = new Rng(21);
    const ref = new Rng(21);
    for (let k = 0; k < 500; k++) {
      const [mean, std] = k % 2 ? [35, 5] : [0, 1];
      const got = r.normal(mean, std);
      const u1 = ref.nextFloat();
      const u2 = ref.nextFloat();
      expect(got).toBe(mean + std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
      expect(r.getState()).toEqual(ref.getState()); // four 32-bit words per draw, the state is all there is
    }
    expect(new Rng(3).normal(7, 0)).toBe(7);
  });

  it('normal() over 100 000 draws: mean, variance and P(z < 1) within 5 standard errors of N(0, 1)', () => {
    const n = 100_000;
    const r = new Rng(8);
    let s = 0;
    let s2 = 0;
    let below1 = 0;
    for (let k = 0; k < n; k++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      if (z < 1) below1++;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    const phi1 = 0.8413447460685429; // Φ(1) = (1 + erf(1/√2)) / 2
    expect(Math.abs(mean)).toBeLessThanOrEqual(5 / Math.sqrt(n)); // se of the mean: 1/√n
    expect(Math.abs(variance - 1)).toBeLessThanOrEqual(5 * Math.sqrt(2 / n)); // se of the variance: √(2/n)
    expect(Math.abs(below1 / n - phi1)).toBeLessThanOrEqual(5 * Math.sqrt((phi1 * (1 - phi1)) / n));
  });

  it('rejects bad seeds, bad n and bad states with named messages', () => {
    expectArgError(() => new Rng(-1), RangeError, "Expected an integer in [0, 9007199254740991] for 'seed' in Rng() but received -1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new Rng('2' as unknown as number), TypeError, "Expected a non-negative integer for 'seed' in Rng() but received \"2\" (string)", 'ERR_SDARTS_INVALID_ARG_TYPE');
    expectArgError(() => new Rng(1).nextInt(0), RangeError, "Expected an integer in [1, 4294967296] for 'n' in Rng.nextInt() but received 0 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new Rng(1).sample(5, 6), RangeError, "Expected an integer in [0, n=5] for 'k' in Rng.sample() but received 6 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new Rng(1).bernoulli(1.5), RangeError, "Expected a probability in [0, 1] for 'p' in Rng.bernoulli() but received 1.5 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new Rng(1).normal(0, -1), RangeError, "Expected a finite number ≥ 0 for 'std' in Rng.normal() but received -1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new Rng(1).normal(NaN), RangeError, "Expected a finite number for 'mean' in Rng.normal() but received NaN (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectDataError(() => new Rng(1).setState({ algorithm: 'mt19937', s: [1, 2, 3, 4] } as unknown as RngState), 'ERR_SDARTS_DATA_RNG_STATE', "'state.algorithm' is \"mt19937\"", "uses 'xoshiro128**'", 'start the run afresh');
    expectArgError(() => new Rng(1).setState({ algorithm: 'xoshiro128**', s: [1, 2, 3] } as unknown as RngState), RangeError, "Expected an array of four unsigned 32-bit integers for 'state.s' in Rng.setState() but received array of length 3", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => new Rng(1).setState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0] }), RangeError, "Expected a state that is not all zero (xoshiro128** would output only zeros) for 'state.s' in Rng.setState() but received array of length 4", 'ERR_SDARTS_OUT_OF_RANGE');
  });
});
