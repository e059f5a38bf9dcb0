import { SdartsError } from '../util/errors.js';
import { RUN_STATS } from './model-metrics.js';
import { ROW_SLOTS } from './nasbench-index.js';

/**
 * Growable columns for the table builder, in first-seen module order and file run order, plus
 * an open-addressing hash table from the 128-bit module hash to its module id. The hash is an
 * MD5, so its bits are uniform and a word of it is a good slot index; keys are compared as 4
 * u32 words, so no string is created per record (a Map<string, number> of 423k keys was the
 * largest per-record cost and a large share of the GC work).
 */

function grow<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(arr: T, needed: number): T {
  if (needed <= arr.length) return arr;
  const bigger = new (arr.constructor as new (n: number) => T)(Math.max(needed, Math.ceil(arr.length * 1.5)));
  bigger.set(arr);
  return bigger;
}

export class TableColumns {
  numModules = 0;
  numRuns = 0;
  hashWords: Uint32Array;
  vertexCount: Uint8Array;
  adjacencyRows: Uint8Array;
  opLabels: Uint8Array;
  params: Int32Array;
  runModule: Uint32Array;
  runEpochCode: Uint8Array;
  runStats: Float64Array;
  readonly labels: string[] = [];
  private readonly labelBytes: Uint8Array[] = [];
  readonly epochs: number[] = [];
  private readonly epochCodes = new Map<number, number>();
  private slots: Int32Array; // module id + 1, 0 = empty
  private mask: number;

  constructor(expectedRuns: number) {
    const runCap = Math.max(16, expectedRuns);
    const modCap = Math.max(16, Math.ceil(runCap / 3));
    this.hashWords = new Uint32Array(modCap * 4);
    this.vertexCount = new Uint8Array(modCap);
    this.adjacencyRows = new Uint8Array(modCap * ROW_SLOTS);
    this.opLabels = new Uint8Array(modCap * ROW_SLOTS);
    this.params = new Int32Array(modCap);
    this.runModule = new Uint32Array(runCap);
    this.runEpochCode = new Uint8Array(runCap);
    this.runStats = new Float64Array(runCap * RUN_STATS);
    let size = 1024;
    while (size < modCap * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Module id of a hash, or -1. */
  find(w0: number, w1: number, w2: number, w3: number): number {
    const hw = this.hashWords;
    for (let s = w3 & this.mask; ; s = (s + 1) & this.mask) {
      const id = this.slots[s]! - 1;
      if (id < 0) return -1;
      const b = id * 4;
      if (hw[b] === w0 && hw[b + 1] === w1 && hw[b + 2] === w2 && hw[b + 3] === w3) return id;
    }
  }

  /**
   * Add a module first seen now. `adjRows`/`opIds` hold its V rows and op label ids. The caller
   * has checked that the hash is not present.
   */
  addModule(w0: number, w1: number, w2: number, w3: number, v: number, adjRows: Uint8Array, opIds: Uint8Array, params: number): number {
    const m = this.numModules;
    if (m >= this.params.length) {
      const cap = Math.ceil(this.params.length * 1.5);
      this.hashWords = grow(this.hashWords, cap * 4);
      this.vertexCount = grow(this.vertexCount, cap);
      this.adjacencyRows = grow(this.adjacencyRows, cap * ROW_SLOTS);
      this.opLabels = grow(this.opLabels, cap * ROW_SLOTS);
      this.params = grow(this.params, cap);
    }
    const b = m * 4;
    this.hashWords[b] = w0;
    this.hashWords[b + 1] = w1;
    this.hashWords[b + 2] = w2;
    this.hashWords[b + 3] = w3;
    this.vertexCount[m] = v;
    for (let i = 0; i < v; i++) {
      this.adjacencyRows[m * ROW_SLOTS + i] = adjRows[i]!;
      this.opLabels[m * ROW_SLOTS + i] = opIds[i]!;
    }
    this.params[m] = params;
    this.numModules = m + 1;
    if (this.numModules * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(m);
    return m;
  }

  private place(id: number): void {
    for (let s = this.hashWords[id * 4 + 3]! & this.mask; ; s = (s + 1) & this.mask) {
      if (this.slots[s] === 0) {
        this.slots[s] = id + 1;
        return;
      }
    }
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let id = 0; id < this.numModules; id++) this.place(id);
  }

  /** Reserve run slot `numRuns` (stats are decoded into it by the caller, then `commitRun`). */
  reserveRun(): number {
    const r = this.numRuns;
    if (r >= this.runModule.length) {
      const cap = Math.ceil(this.runModule.length * 1.5);
      this.runModule = grow(this.runModule, cap);
      this.runEpochCode = grow(this.runEpochCode, cap);
      this.runStats = grow(this.runStats, cap * RUN_STATS);
    }
    return r;
  }

  commitRun(module: number, epochs: number): void {
    let code = this.epochCodes.get(epochs);
    if (code === undefined) {
      if (this.epochs.length >= 256) throw new SdartsError('ERR_SDARTS_BENCHMARK_BAD_RECORD', 'more than 256 distinct epoch budgets');
      code = this.epochs.length;
      this.epochs.push(epochs);
      this.epochCodes.set(epochs, code);
    }
    this.runModule[this.numRuns] = module;
    this.runEpochCode[this.numRuns] = code;
    this.numRuns++;
  }

  /** Id of the op label spelled by the UTF-8 bytes `b[start, end)`, interned without a string per call. */
  labelIdOfBytes(b: Uint8Array, start: number, end: number): number {
    const n = end - start;
    for (let id = 0; id < this.labelBytes.length; id++) {
      const l = this.labelBytes[id]!;
      if (l.length !== n) continue;
      let k = 0;
      while (k < n && l[k] === b[start + k]) k++;
      if (k === n) return id;
    }
    return this.addLabel(Buffer.from(b.buffer, b.byteOffset + start, n).toString('utf8'));
  }

  labelId(op: string): number {
    const i = this.labels.indexOf(op);
    return i >= 0 ? i : this.addLabel(op);
  }

  private addLabel(op: string): number {
    const i = this.labels.indexOf(op); // a non-UTF-8 byte sequence may decode to an existing label
    if (i >= 0) return i;
    if (this.labels.length >= 256)
      throw new SdartsError('ERR_SDARTS_BENCHMARK_BAD_RECORD', `more than 256 distinct op labels (new one: ${JSON.stringify(op)})`);
    this.labels.push(op);
    this.labelBytes.push(Buffer.from(op, 'utf8'));
    return this.labels.length - 1;
  }
}
