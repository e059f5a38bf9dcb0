/**
 * batchify / getBatch / the evaluation chunks against PyTorch run live on the same ids
 * (scripts/fixtures/ptb_reference.py `batches`: the reference's batchify and get_batch in torch).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memory, tensor, tidy } from '../../src/tensor/index.js';
import { batchify, getBatch } from '../../src/data/ptb-batches.js';
import { EVAL_BATCH_SIZE, evalChunkCount, evalChunks } from '../../src/data/ptb-eval.js';
import { runPython } from '../helpers/python.js';
import { Rng } from '../../src/data/rng.js';
import { expectArgError } from './fixture-helpers.js';

const asNumbers = (rows: unknown): number[][] => (rows as (number | bigint)[][]).map((r) => r.map(Number));

interface Reference {
  source: number[][];
  shape: number[];
  gets: { x: number[][]; y: number[][] }[];
  eval: [number, number][];
}

// 203 ids with repeats (a corpus's id stream): batch 7 → 29 rows, the tail of 0 dropped; batch 10 → 20 rows, 3 dropped.
const rng = new Rng(5);
const IDS = Array.from({ length: 203 }, () => rng.nextInt(50));
const BATCHES = [7, 10, 1];
const rowsOf = (bsz: number): number => Math.floor(IDS.length / bsz);
const getsOf = (rows: number): [number, number][] => [
  [0, 35],
  [3, 5],
  [rows - 10, 17],
  [rows - 2, 35], // L = 1
  [rows - 6, 5], // exactly to the end
];

let refs: Reference[] | undefined;
/** One Python run for all cases (torch's start-up dominates). */
function reference(k: number): Reference {
  if (refs === undefined) {
    const file = join(mkdtempSync(join(tmpdir(), 'sdarts-ptb-')), 'request.json');
    writeFileSync(file, JSON.stringify(BATCHES.map((bsz) => ({ ids: IDS, bsz, gets: getsOf(rowsOf(bsz)), bptt: 5 }))));
    refs = JSON.parse(runPython('scripts/fixtures/ptb_reference.py', ['batches', file])) as Reference[];
    rmSync(dirname(file), { recursive: true, force: true });
  }
  return refs[k]!;
}

describe('batchify and getBatch (sota/rnn/utils.py) against torch', () => {
  for (const [k, bsz] of BATCHES.entries()) {
    it(`batch ${bsz}: [⌊n/B⌋, B] int64, column b = the b-th contiguous slice; getBatch(i, seqLen) = rows i…i+L−1 and i+1…i+L, L = min(seqLen, rows − 1 − i)`, () => {
      const rows = rowsOf(bsz);
      const gets = getsOf(rows);
      const ref = reference(k);
      const src = batchify(Int32Array.from(IDS), bsz);
      expect({ shape: src.shape, dtype: src.dtype }).toEqual({ shape: ref.shape, dtype: 'int64' });
      expect(asNumbers(src.tolist())).toEqual(ref.source);
      gets.forEach(([i, seqLen], k) => {
        const { x, y } = getBatch(src, i, seqLen);
        expect(asNumbers(x.tolist())).toEqual(ref.gets[k]!.x);
        expect(asNumbers(y.tolist())).toEqual(ref.gets[k]!.y);
        expect(x.shape).toEqual([Math.min(seqLen, rows - 1 - i), bsz]);
        x.dispose();
        y.dispose();
      });
      // evaluate(): chunks at range(0, rows − 1, bptt), each min(bptt, rows − 1 − i) long
      const chunks = [...evalChunks(src, 5)];
      expect(chunks.map((c) => [c.i, c.length])).toEqual(ref.eval);
      expect(chunks.length).toBe(evalChunkCount(rows, 5));
      expect(chunks.reduce((a, c) => a + c.length, 0)).toBe(rows - 1);
      const last = chunks[chunks.length - 1]!;
      tidy(() => expect(asNumbers(last.y.tolist())).toEqual(ref.source.slice(last.i + 1, last.i + 1 + last.length)));
      src.dispose();
    });
  }

  it('eval chunks: validation at batch 10, tensors made in the caller’s scope, nothing left live after a pass', () => {
    const src = batchify(Int32Array.from(IDS), EVAL_BATCH_SIZE);
    const live0 = memory().liveTensors;
    for (let pass = 0; pass < 3; pass++) {
      for (const c of evalChunks(src, 3)) {
        tidy(() => {
          expect(c.x.shape).toEqual([c.length, EVAL_BATCH_SIZE]);
          expect(c.seqLen).toBe(3);
          return c.y.reshape(-1).sum().item();
        });
      }
      expect(memory().liveTensors).toBe(live0);
    }
    src.dispose();
  });

  it('rejects bad arguments with messages naming them', () => {
    expectArgError(() => batchify([1, 2, 3] as unknown as Int32Array, 1), TypeError, "Expected an Int32Array of token ids for 'ids' in batchify() but received array of length 3", 'ERR_SDARTS_INVALID_ARG_TYPE');
    expectArgError(
      () => batchify(Int32Array.from(IDS), 102),
      RangeError,
      "Expected a batch size of at most 101 (the split has 203 tokens; each column needs 2 or more) for 'bsz' in batchify() but received 102 (number)",
      'ERR_SDARTS_OUT_OF_RANGE',
    );
    expectArgError(() => batchify(Int32Array.from(IDS), 0), RangeError, "Expected a positive integer for 'bsz' in batchify() but received 0 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    const src = batchify(Int32Array.from(IDS), 10);
    expectArgError(() => getBatch(src, 19, 5), RangeError, "Expected a row index in [0, 18] (rows − 2) for 'i' in getBatch() but received 19 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => getBatch(src, 0, 0), RangeError, "Expected a positive integer for 'seqLen' in getBatch() but received 0 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    const f = tensor(new Float32Array(20), { shape: [10, 2] });
    expectArgError(() => getBatch(f, 0, 5), RangeError, "Expected 'int64' (a tensor from batchify()) for 'source.dtype' in getBatch() but received \"float32\" (string)", 'ERR_SDARTS_OUT_OF_RANGE');
    const flat = tensor(new BigInt64Array(4));
    expectArgError(() => getBatch(flat, 0, 5), RangeError, "Expected a [rows ≥ 2, batch] tensor from batchify() for 'source' in getBatch() but received a Tensor of shape [4]", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => [...evalChunks(src, 0)], RangeError, "Expected a positive integer for 'bptt' in evalChunks() but received 0 (number)", 'ERR_SDARTS_OUT_OF_RANGE');
    for (const t of [src, f, flat]) t.dispose();
  });
});
