/**
 * One epoch of the recurrent search or training loop as a resumable stream of chunks
 * (docs/reference-notes.md R3.8):
 *
 *   i = 0; while i < rows − 2: seqLen = sampler.draw(rng); chunk = getBatch(train, i, seqLen); i += seqLen
 *
 * — the bound of both `sota/rnn/train_search.py` and `sota/rnn/train.py` (`i < train_data.size(0) − 1 − 1`).
 * With a `valid` source (the search's `search_data`), chunk i also carries the architecture step's
 * batch, `get_batch(search_data, i mod (validRows − 1))` of length bptt.
 *
 * The stream draws only from the `rng` it is given, one draw per chunk, when the chunk is handed out;
 * nothing else may draw from that generator during the epoch (pass the same `Rng` to the next epoch's
 * stream, as the reference's numpy stream runs on across epochs). `getState()` between two chunks is
 * plain JSON (i, chunks handed out, the generator's four words); `setState()` on a stream over the
 * same source continues with bitwise the same chunks.
 *
 * Tensors are made on first access of `x`/`y`/`xValid`/`yValid`, in the caller's scope (see batch.ts):
 *
 *   for (const c of stream) tidy(() => step(c.x, c.y, c.seqLen));
 */
import type { Tensor } from '../tensor/index.js';
import { rangeError } from '../util/errors.js';
import { Rng, checkRngState, type RngState } from './rng.js';
import { chunkLength, sourceRows } from './ptb-batches.js';
import { samplerFromSpec, type SeqLenSampler, type SeqLenSpec } from './seq-len.js';
import { stateError } from './epoch-loader.js';

export interface PtbChunkStreamOptions {
  sampler: SeqLenSampler;
  /** The generator of the lengths (used by this stream only while the epoch runs). */
  rng: Rng;
  /** The batchified validation split whose rows the architecture step reads (search only). */
  valid?: Tensor;
}

/** `getState()` of a PtbChunkStream: plain JSON. */
export interface PtbChunkStreamState {
  kind: 'ptb-chunks';
  sampler: SeqLenSpec;
  /** Rows of the train source and of the valid source (0: none), checked on restore. */
  rows: number;
  validRows: number;
  /** Row where the next chunk starts. */
  i: number;
  /** Chunks handed out so far this epoch. */
  batch: number;
  /** The generator after the last draw. */
  rng: RngState;
}

/** One chunk: rows i … i+length−1 of the train source (x) and the next rows (y), tensors on demand. */
export class PtbChunk {
  private t: { x?: Tensor; y?: Tensor; xValid?: Tensor; yValid?: Tensor } = {};

  constructor(
    /** Start row in the train source. */
    readonly i: number,
    /** Index of the chunk in its epoch, 0-based (the reference's `batch`). */
    readonly batch: number,
    /** The drawn length (the lr is scaled by seqLen / bptt with it, as the reference does). */
    readonly seqLen: number,
    /** Rows actually read: min(seqLen, rows − 1 − i). */
    readonly length: number,
    private readonly train: Tensor,
    /** Start row and length in the valid source, or null without one. */
    readonly validAt: { i: number; length: number } | null,
    private readonly valid: Tensor | null,
  ) {}

  private view(key: 'x' | 'y' | 'xValid' | 'yValid', src: Tensor | null, at: number, len: number): Tensor {
    const have = this.t[key];
    if (have !== undefined && !have.isDisposed) return have;
    if (src === null) throw rangeError('PtbChunk', key, 'a stream built with a valid source (options.valid)', null);
    return (this.t[key] = src.narrow(0, at, len));
  }

  /** int64 [length, B]: the input tokens. */
  get x(): Tensor {
    return this.view('x', this.train, this.i, this.length);
  }
  /** int64 [length, B]: the next token of each x entry. */
  get y(): Tensor {
    return this.view('y', this.train, this.i + 1, this.length);
  }
  get xValid(): Tensor {
    return this.view('xValid', this.valid, this.validAt?.i ?? 0, this.validAt?.length ?? 0);
  }
  get yValid(): Tensor {
    return this.view('yValid', this.valid, (this.validAt?.i ?? 0) + 1, this.validAt?.length ?? 0);
  }

  /** Free the views made so far (idempotent). */
  dispose(): void {
    for (const v of Object.values(this.t)) v?.dispose();
    this.t = {};
  }
}

export class PtbChunkStream implements IterableIterator<PtbChunk> {
  readonly rows: number;
  readonly validRows: number;
  /** The loop runs while i < bound = rows − 2. */
  readonly bound: number;
  readonly sampler: SeqLenSampler;
  private readonly rng: Rng;
  private readonly train: Tensor;
  private readonly valid: Tensor | null;
  private pos = 0;
  private count = 0;

  constructor(train: Tensor, options: PtbChunkStreamOptions) {
    const fn = 'PtbChunkStream';
    this.rows = sourceRows(fn, train, 'train');
    this.valid = options.valid ?? null;
    this.validRows = this.valid === null ? 0 : sourceRows(fn, this.valid, 'options.valid');
    if (this.valid !== null && this.valid.shape[1] !== train.shape[1]) {
      throw rangeError(fn, 'options.valid', `a source with the train source's ${train.shape[1]} columns`, `${this.valid.shape[1]} columns`);
    }
    this.bound = this.rows - 2;
    this.sampler = options.sampler;
    this.rng = options.rng;
    this.train = train;
  }

  /** Row where the next chunk starts, and chunks handed out so far. */
  get position(): { i: number; batch: number } {
    return { i: this.pos, batch: this.count };
  }

  get done(): boolean {
    return this.pos >= this.bound;
  }

  next(): IteratorResult<PtbChunk> {
    if (this.done) return { done: true, value: undefined };
    const seqLen = this.sampler.draw(this.rng);
    const i = this.pos;
    let validAt: { i: number; length: number } | null = null;
    if (this.valid !== null) {
      const j = i % (this.validRows - 1);
      validAt = { i: j, length: chunkLength(this.validRows, j, this.sampler.bptt) };
    }
    const chunk = new PtbChunk(i, this.count, seqLen, chunkLength(this.rows, i, seqLen), this.train, validAt, this.valid);
    this.pos += seqLen;
    this.count++;
    return { done: false, value: chunk };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /**
   * Chunks this epoch will hand out in all: those so far plus a dry run of the rest on a copy of the
   * generator. Exact as long as nothing else draws from the generator during the epoch.
   */
  totalSteps(): number {
    const r = Rng.fromState(this.rng.getState());
    let n = this.count;
    for (let i = this.pos; i < this.bound; n++) i += this.sampler.draw(r);
    return n;
  }

  getState(): PtbChunkStreamState {
    return { kind: 'ptb-chunks', sampler: { ...this.sampler.spec }, rows: this.rows, validRows: this.validRows, i: this.pos, batch: this.count, rng: this.rng.getState() };
  }

  /** Continue from `getState()` of a stream over the same sources with the same sampler. */
  setState(state: PtbChunkStreamState): void {
    const fn = 'PtbChunkStream.setState';
    if (state === null || typeof state !== 'object' || state.kind !== 'ptb-chunks') throw stateError(fn, "the state is not a PTB chunk-stream state (kind 'ptb-chunks')");
    const theirs = samplerFromSpec(fn, state.sampler).spec;
    if (JSON.stringify(theirs) !== JSON.stringify(this.sampler.spec)) {
      throw stateError(fn, `the saved stream drew lengths with ${JSON.stringify(theirs)} but this one uses ${JSON.stringify(this.sampler.spec)} (--bptt, --max-seq-len-delta)`);
    }
    if (state.rows !== this.rows || state.validRows !== this.validRows) {
      throw stateError(fn, `the saved stream read ${state.rows} train rows and ${state.validRows} valid rows but this one reads ${this.rows} and ${this.validRows} (same corpus and --batch-size?)`);
    }
    if (!Number.isInteger(state.i) || state.i < 0 || state.i > this.bound + this.rows) throw rangeError(fn, 'state.i', `a row index in [0, ${this.bound + this.rows}]`, state.i);
    if (!Number.isInteger(state.batch) || state.batch < 0 || state.batch > state.i) throw rangeError(fn, 'state.batch', `an integer in [0, state.i = ${state.i}]`, state.batch);
    checkRngState(fn, state.rng, 'state.rng');
    this.rng.setState(state.rng);
    this.pos = state.i;
    this.count = state.batch;
  }
}

/**
 * E[chunks per epoch] over the sampler's randomness, exactly: with u(t) = P(some chunk starts at row t),
 * u(0) = 1 and u(t) = Σ_k P(seqLen = k)·u(t − k), the expected count is Σ_{t < rows−2} u(t). For a
 * progress bar before the epoch's draws exist (`PtbChunkStream.totalSteps()` gives the count itself).
 */
export function expectedStepsPerEpoch(rows: number, sampler: SeqLenSampler): number {
  if (!Number.isInteger(rows) || rows < 2) throw rangeError('expectedStepsPerEpoch', 'rows', 'an integer ≥ 2 (rows of a batchified source)', rows);
  const bound = rows - 2;
  const p = sampler.pmf();
  const u = new Float64Array(Math.max(bound, 1));
  let total = 0;
  for (let t = 0; t < bound; t++) {
    let v = t === 0 ? 1 : 0;
    for (let k = 1; k < p.length && k <= t; k++) v += p[k]! * u[t - k]!;
    u[t] = v;
    total += v;
  }
  return total;
}
