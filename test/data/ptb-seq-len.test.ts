/**
 * The chunk-length samplers: each draw replayed by its formula from a second generator in the same
 * state; their probabilities against Python's math.erf, and the expected steps per epoch against the
 * reference's own loop run with numpy (scripts/fixtures/ptb_reference.py `seqlen`, run live).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/data/rng.js';
import { meanSeqLen, normalCdf, searchSeqLen, trainSeqLen, type SeqLenSampler } from '../../src/data/seq-len.js';
import { expectedStepsPerEpoch } from '../../src/data/ptb-chunks.js';
import { runPython } from '../helpers/python.js';
import { expectParity } from '../helpers/tolerance.js';
import { expectArgError } from './fixture-helpers.js';

// 3 and 40 rows: one and two-or-three steps; 2721: the embedded corpus's train split at batch 256.
const ROWS = [3, 40, 600, 2721];
const EPOCHS = 2000;

interface Reference {
  pmf: { search: number[]; train: number[] };
  expected: { search: number[]; train: number[] };
  reference: { search: { mean: number; std: number }[]; train: { mean: number; std: number }[] };
}
let ref: Reference | undefined;
function reference(): Reference {
  if (ref === undefined) {
    const file = join(mkdtempSync(join(tmpdir(), 'sdarts-seqlen-')), 'request.json');
    writeFileSync(file, JSON.stringify({ bptt: 35, delta: 20, rows: ROWS, epochs: EPOCHS, seed: 3 }));
    ref = JSON.parse(runPython('scripts/fixtures/ptb_reference.py', ['seqlen', file])) as Reference;
    rmSync(dirname(file), { recursive: true, force: true });
  }
  return ref;
}

const SAMPLERS: Record<'search' | 'train', () => SeqLenSampler> = { search: () => searchSeqLen(), train: () => trainSeqLen() };

describe('sequence-length samplers (sota/rnn/train_search.py, sota/rnn/train.py)', () => {
  it('search: 35 if nextFloat() < 0.95 else int(17.5) = 17 — one float per draw', () => {
    const s = searchSeqLen();
    const r = new Rng(4);
    const replay = new Rng(4);
    const seen = new Set<number>();
    for (let k = 0; k < 2000; k++) {
      const len = s.draw(r);
      expect(len).toBe(replay.nextFloat() < 0.95 ? 35 : 17);
      expect(r.getState()).toEqual(replay.getState());
      seen.add(len);
    }
    expect([...seen].sort()).toEqual([17, 35]);
    expect(s.spec).toEqual({ kind: 'search', bptt: 35 });
  });

  it('training: bptt′ = 35 or 17.5, seqLen = min(max(5, trunc(N(bptt′, 5))), 35 + 20) — one float, then one normal()', () => {
    const s = trainSeqLen();
    const r = new Rng(6);
    const replay = new Rng(6);
    for (let k = 0; k < 2000; k++) {
      const mean = replay.nextFloat() < 0.95 ? 35 : 17.5;
      expect(s.draw(r)).toBe(Math.min(Math.max(5, Math.trunc(replay.normal(mean, 5))), 55));
      expect(r.getState()).toEqual(replay.getState());
    }
    expect(s.spec).toEqual({ kind: 'train', bptt: 35, maxSeqLenDelta: 20 });
    // the cap binds: delta 0 → never above 35; truncation toward zero: N(35, 5) draws in [35, 36) give 35
    const capped = trainSeqLen({ maxSeqLenDelta: 0 });
    const r2 = new Rng(1);
    for (let k = 0; k < 500; k++) expect(capped.draw(r2)).toBeLessThanOrEqual(35);
  });

  it('the same seed gives the same lengths; another seed others', () => {
    for (const make of Object.values(SAMPLERS)) {
      const a = new Rng(11);
      const b = new Rng(11);
      const c = new Rng(12);
      const s = make();
      const run = (r: Rng): number[] => Array.from({ length: 200 }, () => s.draw(r));
      const seqA = run(a);
      expect(run(b)).toEqual(seqA);
      expect(run(c)).not.toEqual(seqA);
    }
  });

  it('pmf() equals the probabilities computed with Python’s math.erf, sums to 1, and has the documented support', () => {
    const want = reference().pmf;
    for (const kind of ['search', 'train'] as const) {
      const p = Array.from(SAMPLERS[kind]().pmf());
      expectParity(p, want[kind], `${kind} pmf`);
      expectParity(
        p.reduce((a, b) => a + b, 0),
        1,
        `${kind} pmf sum`,
      );
    }
    const train = trainSeqLen().pmf();
    expect(train.length).toBe(56);
    expect(Array.from(train.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    // P(5) = 0.95·Φ((6 − 35)/5) + 0.05·Φ((6 − 17.5)/5); P(55) = 0.95·(1 − Φ(4)) + 0.05·(1 − Φ(7.5))
    expectParity(train[5]!, 0.95 * normalCdf(-29 / 5) + 0.05 * normalCdf(-11.5 / 5), 'P(5)');
    expectParity(train[55]!, 0.95 * (1 - normalCdf(4)) + 0.05 * (1 - normalCdf(7.5)), 'P(55)');
    expect(meanSeqLen(searchSeqLen())).toBeCloseTo(0.95 * 35 + 0.05 * 17, 12);
  });

  for (const kind of ['search', 'train'] as const) {
    it(`${kind}: frequencies of 200 000 draws lie within 5 standard errors of pmf() at every length, none outside its support`, () => {
      const s = SAMPLERS[kind]();
      const p = s.pmf();
      const n = 200_000;
      const counts = new Float64Array(p.length);
      const r = new Rng(2024);
      for (let k = 0; k < n; k++) counts[s.draw(r)]!++;
      for (let k = 0; k < p.length; k++) {
        if (p[k] === 0) expect(counts[k], `length ${k}`).toBe(0);
        else expect(Math.abs(counts[k]! / n - p[k]!), `length ${k}`).toBeLessThanOrEqual(5 * Math.sqrt((p[k]! * (1 - p[k]!)) / n));
      }
    });
  }
});

describe('expectedStepsPerEpoch (E[chunks] of the loop `while i < rows − 2`)', () => {
  it('small cases by hand: 2 rows → 0, 3 rows → 1, search over 40 rows → 1 + 1 + 0.05² (17 then 17 is the only third step)', () => {
    expect(expectedStepsPerEpoch(2, searchSeqLen())).toBe(0);
    expect(expectedStepsPerEpoch(3, trainSeqLen())).toBe(1);
    expectParity(expectedStepsPerEpoch(40, searchSeqLen()), 2 + 0.05 * 0.05, 'search, 40 rows');
  });

  for (const kind of ['search', 'train'] as const) {
    it(`${kind}: equals Python’s renewal sum, and the reference loop’s mean over ${EPOCHS} numpy epochs and sdarts’ over ${EPOCHS} Rng epochs within 5 standard errors`, () => {
      const want = reference();
      const s = SAMPLERS[kind]();
      const r = new Rng(99);
      ROWS.forEach((rows, k) => {
        const e = expectedStepsPerEpoch(rows, s);
        expectParity(e, want.expected[kind][k]!, `${kind}, ${rows} rows`);
        const numpy = want.reference[kind][k]!;
        const steps = Array.from({ length: EPOCHS }, () => {
          let n = 0;
          for (let i = 0; i < rows - 2; n++) i += s.draw(r);
          return n;
        });
        const mean = steps.reduce((a, b) => a + b, 0) / EPOCHS;
        const sd = Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / EPOCHS);
        // a count with no spread (3 rows: always one step) must be the expectation itself
        for (const [m, dev] of [
          [numpy.mean, numpy.std],
          [mean, sd],
        ] as const) {
          if (dev === 0) expect(m, `${kind}, ${rows} rows`).toBe(e);
          else expect(Math.abs(m - e), `${kind}, ${rows} rows: mean ${m}`).toBeLessThanOrEqual((5 * dev) / Math.sqrt(EPOCHS));
        }
      });
    });
  }

  it('rejects bad sampler options and row counts', () => {
    expectArgError(() => searchSeqLen(1), RangeError, "Expected an integer in [2, 1000000] (bptt/2 must still be ≥ 1 row) for 'bptt' in searchSeqLen() but received 1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => trainSeqLen({ maxSeqLenDelta: -1 }), RangeError, "Expected an integer in [0, 1000000] for 'options.maxSeqLenDelta' in trainSeqLen() but received -1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => trainSeqLen({ bptt: '35' as unknown as number }), TypeError, "Expected an integer ≥ 2 for 'bptt' in trainSeqLen() but received \"35\" (string)", 'ERR_SDARTS_INVALID_ARG_TYPE');
    expectArgError(() => expectedStepsPerEpoch(1, searchSeqLen()), RangeError, "Expected an integer ≥ 2 (rows of a batchified source) for 'rows' in expectedStepsPerEpoch() but received 1 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
  });
});
