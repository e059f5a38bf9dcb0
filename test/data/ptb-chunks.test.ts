/**
 * The resumable chunk stream over the embedded corpus at the search's batch size (256): the chunk
 * starts and lengths follow the reference loop replayed from a second generator, the tensors are the
 * right rows of the id stream, a stream restored from JSON mid-epoch continues bitwise, and a whole
 * epoch leaves no tensor alive.
 */
import { describe, expect, it } from 'vitest';
import { memory, tidy, type Tensor } from '../../src/tensor/index.js';
import { loadEmbeddedPtb } from '../../src/data/embedded.js';
import { batchify } from '../../src/data/ptb-batches.js';
import { PtbChunkStream, expectedStepsPerEpoch, type PtbChunk, type PtbChunkStreamState } from '../../src/data/ptb-chunks.js';
import { Rng } from '../../src/data/rng.js';
import { searchSeqLen, trainSeqLen, type SeqLenSampler } from '../../src/data/seq-len.js';
import { expectArgError, expectDataError } from './fixture-helpers.js';

const corpus = loadEmbeddedPtb();
const BSZ = 256;
const train = batchify(corpus.train, BSZ);
const valid = batchify(corpus.valid, BSZ);
const ROWS = Math.floor(corpus.train.length / BSZ);
const VALID_ROWS = Math.floor(corpus.valid.length / BSZ);

/** Rows r0 … r0+len−1 of a batchified split, computed from the id stream itself (column b = slice b). */
function hostRows(ids: Int32Array, rows: number, r0: number, len: number): number[][] {
  return Array.from({ length: len }, (_, r) => Array.from({ length: BSZ }, (_, b) => ids[b * rows + r0 + r]!));
}
const asNumbers = (t: Tensor): number[][] => (t.tolist() as (number | bigint)[][]).map((r) => r.map(Number));
const summary = (c: PtbChunk): [number, number, number, number] => [c.i, c.batch, c.seqLen, c.length];

function stream(sampler: SeqLenSampler, rng: Rng, withValid = true): PtbChunkStream {
  return new PtbChunkStream(train, { sampler, rng, ...(withValid ? { valid } : {}) });
}

describe('PtbChunkStream over the embedded corpus, batch 256', () => {
  it(`search epoch: i = 0, i += seqLen while i < rows − 2 = ${ROWS - 2}; length = min(seqLen, rows − 1 − i); x, y, xValid, yValid are the right rows`, () => {
    const rng = new Rng(3);
    const replay = new Rng(3);
    const s = stream(searchSeqLen(), rng);
    expect({ rows: s.rows, validRows: s.validRows, bound: s.bound }).toEqual({ rows: ROWS, validRows: VALID_ROWS, bound: ROWS - 2 });
    const total = s.totalSteps();
    const want: [number, number, number, number][] = [];
    for (let i = 0, batch = 0; i < ROWS - 2; batch++) {
      const seqLen = replay.nextFloat() < 0.95 ? 35 : 17;
      want.push([i, batch, seqLen, Math.min(seqLen, ROWS - 1 - i)]);
      i += seqLen;
    }
    const chunks = [...s];
    expect(chunks.map(summary)).toEqual(want);
    expect(chunks.length).toBe(total);
    expect(s.done).toBe(true);
    expect(s.next()).toEqual({ done: true, value: undefined });
    expect(rng.getState()).toEqual(replay.getState()); // one draw per chunk, none after the last
    for (const c of [chunks[0]!, chunks[1]!, chunks[chunks.length - 1]!]) {
      tidy(() => {
        expect(asNumbers(c.x)).toEqual(hostRows(corpus.train, ROWS, c.i, c.length));
        expect(asNumbers(c.y)).toEqual(hostRows(corpus.train, ROWS, c.i + 1, c.length));
        // the architecture step's batch: rows j = i mod (validRows − 1), length min(35, validRows − 1 − j)
        const j = c.i % (VALID_ROWS - 1);
        expect(c.validAt).toEqual({ i: j, length: Math.min(35, VALID_ROWS - 1 - j) });
        expect(asNumbers(c.xValid)).toEqual(hostRows(corpus.valid, VALID_ROWS, j, c.validAt!.length));
        expect(asNumbers(c.yValid)).toEqual(hostRows(corpus.valid, VALID_ROWS, j + 1, c.validAt!.length));
      });
    }
    // the last chunk of the epoch is cut at the end of the source
    const last = chunks[chunks.length - 1]!;
    expect(last.i + last.length).toBeLessThanOrEqual(ROWS - 1);
  });

  it('the expected steps per epoch are within a few chunks of the counted ones', () => {
    const rng = new Rng(1);
    for (const sampler of [searchSeqLen(), trainSeqLen()]) {
      const e = expectedStepsPerEpoch(ROWS, sampler);
      for (let epoch = 0; epoch < 5; epoch++) {
        const s = stream(sampler, rng, false);
        const n = s.totalSteps();
        expect([...s].length).toBe(n);
        // σ of the count: √80 · sd(seqLen) / E[seqLen] ≈ 1.1 chunks (search), 1.7 (training); 6 is over 3σ
        expect(Math.abs(n - e)).toBeLessThanOrEqual(6);
      }
    }
  });

  for (const [name, sampler] of [
    ['search', searchSeqLen()],
    ['training', trainSeqLen()],
  ] as const) {
    it(`${name}: a stream restored from JSON after k chunks (k = 0, 1, middle, last, end) continues bitwise — also into the next epoch`, () => {
      const seed = 12;
      // uninterrupted: two epochs on one generator
      const rng = new Rng(seed);
      const epoch0 = [...stream(sampler, rng)];
      const endState = rng.getState();
      const epoch1 = [...stream(sampler, rng)];
      const n = epoch0.length;
      for (const k of [0, 1, Math.floor(n / 2), n - 1, n]) {
        const first = stream(sampler, new Rng(seed));
        for (let c = 0; c < k; c++) first.next();
        const saved = JSON.parse(JSON.stringify(first.getState())) as PtbChunkStreamState;
        expect(saved.batch).toBe(k);
        const resumedRng = new Rng(777); // overwritten by setState
        const resumed = stream(sampler, resumedRng);
        resumed.setState(saved);
        expect(resumed.totalSteps()).toBe(n);
        const rest = [...resumed];
        expect(rest.map(summary)).toEqual(epoch0.slice(k).map(summary));
        expect(resumedRng.getState()).toEqual(endState);
        if (rest.length > 0) tidy(() => expect(asNumbers(rest[0]!.x)).toEqual(asNumbers(epoch0[k]!.x)));
        // the next epoch from the restored generator is the uninterrupted run's second epoch
        expect([...stream(sampler, resumedRng)].map(summary)).toEqual(epoch1.map(summary));
      }
    });
  }

  it('live tensors stay flat over 400 chunks (5 epochs) read inside tidy, and after dispose() outside it', () => {
    const rng = new Rng(5);
    const live0 = memory().liveTensors;
    let seen = 0;
    for (let epoch = 0; epoch < 5; epoch++) {
      for (const c of stream(trainSeqLen(), rng)) {
        tidy(() => c.x.add(c.y).sum().item() + c.xValid.sum().item() + c.yValid.reshape(-1).sum().item());
        seen++;
      }
      expect(memory().liveTensors).toBe(live0);
    }
    expect(seen).toBeGreaterThanOrEqual(400);
    const s = stream(searchSeqLen(), rng);
    const c = s.next().value as PtbChunk;
    expect(c.x.shape).toEqual([c.length, BSZ]);
    expect(c.y.dtype).toBe('int64');
    expect(memory().liveTensors).toBe(live0 + 2);
    c.dispose();
    c.dispose();
    expect(memory().liveTensors).toBe(live0);
  });

  it('setState rejects a state from another sampler, corpus or generator; xValid needs a valid source', () => {
    const s = stream(searchSeqLen(), new Rng(1));
    s.next();
    const good = s.getState();
    const other = stream(trainSeqLen(), new Rng(1));
    expectDataError(() => other.setState(good), 'ERR_SDARTS_DATA_LOADER_STATE', `the saved stream drew lengths with {"kind":"search","bptt":35} but this one uses {"kind":"train","bptt":35,"maxSeqLenDelta":20}`);
    const noValid = stream(searchSeqLen(), new Rng(1), false);
    expectDataError(() => noValid.setState(good), 'ERR_SDARTS_DATA_LOADER_STATE', `read ${ROWS} train rows and ${VALID_ROWS} valid rows but this one reads ${ROWS} and 0`);
    expectDataError(() => s.setState({ ...good, kind: 'search' } as unknown as PtbChunkStreamState), 'ERR_SDARTS_DATA_LOADER_STATE', "kind 'ptb-chunks'");
    expectDataError(() => s.setState({ ...good, sampler: { kind: 'gauss' } } as unknown as PtbChunkStreamState), 'ERR_SDARTS_DATA_LOADER_STATE', `'state.sampler.kind' is "gauss"`);
    expectDataError(() => s.setState({ ...good, rng: { algorithm: 'mt19937', s: [1, 2, 3, 4] } } as unknown as PtbChunkStreamState), 'ERR_SDARTS_DATA_RNG_STATE', "'state.rng.algorithm'");
    expectArgError(() => s.setState({ ...good, i: -1 }), RangeError, `Expected a row index in [0, ${ROWS - 2 + ROWS}] for 'state.i' in PtbChunkStream.setState() but received -1 (number)`, 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => s.setState({ ...good, batch: 99 }), RangeError, `Expected an integer in [0, state.i = ${good.i}] for 'state.batch' in PtbChunkStream.setState() but received 99 (number)`, 'ERR_SDARTS_OUT_OF_RANGE');
    expect(s.getState()).toEqual(good); // a rejected state changes nothing
    const c = noValid.next().value as PtbChunk;
    expectArgError(() => c.xValid, RangeError, "Expected a stream built with a valid source (options.valid) for 'xValid' in PtbChunk() but received null", 'ERR_SDARTS_OUT_OF_RANGE');
    const narrow = batchify(corpus.valid, 10);
    expectArgError(() => new PtbChunkStream(train, { sampler: searchSeqLen(), rng: new Rng(1), valid: narrow }), RangeError, `Expected a source with the train source's ${BSZ} columns for 'options.valid' in PtbChunkStream() but received "10 columns" (string)`, 'ERR_SDARTS_OUT_OF_RANGE');
    narrow.dispose();
  });
});
