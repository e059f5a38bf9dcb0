import { RUN_STATS, type RunStatKey } from './model-metrics.js';

/**
 * The compact, typed-array form of NAS-Bench-101's tables (`fixed_statistics`,
 * `computed_statistics`). One JS object per record would not fit 1.27 M (or 5.1 M) records in the
 * memory budget, so everything is a column:
 *
 *  per module m (sorted by hash, so lookup is a binary search and the arrays can be written to and
 *  read from the cache file as-is):
 *    hashWords[4m..4m+4)   the 128-bit hash as 4 big-endian u32 words (numeric order = hex order)
 *    vertexCount[m]        V of the stored matrix
 *    adjacencyRows[8m+i]   row i of the stored matrix as a bitmask (bit j = edge i→j)
 *    opLabels[8m+i]        index of op i in `labels`
 *    params[m]             trainable_parameters of the first record seen for the hash
 *    runStart[m]           runs of m are [runStart[m], runStart[m+1])
 *  per run r (grouped by module, in file order within a module):
 *    runEpochCode[r]       index of the run's epochs in `epochs`
 *    runStats[8r..8r+8)    RUN_STAT_KEYS (halfway then final: time, train, valid, test accuracy)
 *
 * Repeat index of a run = its rank among the module's runs with the same epochs, i.e. file order.
 */
export interface NasbenchIndexData {
  numModules: number;
  numRuns: number;
  labels: string[];
  epochs: number[];
  hashWords: Uint32Array;
  vertexCount: Uint8Array;
  adjacencyRows: Uint8Array;
  opLabels: Uint8Array;
  params: Int32Array;
  runStart: Uint32Array;
  runEpochCode: Uint8Array;
  /** Float32Array when every value is exactly a float32 (true for the real data), else Float64Array. */
  runStats: Float32Array | Float64Array;
}

export const ROW_SLOTS = 8;

export type RunStats = Record<RunStatKey, number>;

export interface FixedStats {
  module_adjacency: number[][];
  module_operations: string[];
  trainable_parameters: number;
}

/** `computed_statistics[hash]`: epochs (as a string key, like JSON) → one entry per repeat. */
export type ComputedStats = Record<string, RunStats[]>;

const HEX_RE = /^[0-9a-f]{32}$/;

export function isModuleHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_RE.test(value);
}

/** Parse a 32-hex hash into 4 u32 words (caller has validated the format). */
export function hashToWords(hash: string, out: Uint32Array, offset: number): void {
  out[offset] = parseInt(hash.slice(0, 8), 16);
  out[offset + 1] = parseInt(hash.slice(8, 16), 16);
  out[offset + 2] = parseInt(hash.slice(16, 24), 16);
  out[offset + 3] = parseInt(hash.slice(24, 32), 16);
}

export function wordsToHash(words: Uint32Array, offset: number): string {
  let s = '';
  for (let k = 0; k < 4; k++) s += words[offset + k]!.toString(16).padStart(8, '0');
  return s;
}

export class NasbenchIndex {
  readonly data: NasbenchIndexData;
  private readonly epochCodeOf: Map<number, number>;

  constructor(data: NasbenchIndexData) {
    this.data = data;
    this.epochCodeOf = new Map(data.epochs.map((e, i) => [e, i]));
  }

  get numModules(): number {
    return this.data.numModules;
  }

  get numRuns(): number {
    return this.data.numRuns;
  }

  /** Distinct epoch budgets present, ascending (the reference's `valid_epochs`). */
  get validEpochs(): number[] {
    return [...this.data.epochs].sort((a, b) => a - b);
  }

  /** Module id of a validated 32-hex hash, or -1. Binary search over the sorted hash words. */
  findModule(hash: string): number {
    const w0 = parseInt(hash.slice(0, 8), 16);
    const w1 = parseInt(hash.slice(8, 16), 16);
    const w2 = parseInt(hash.slice(16, 24), 16);
    const w3 = parseInt(hash.slice(24, 32), 16);
    const words = this.data.hashWords;
    let lo = 0;
    let hi = this.data.numModules - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = mid * 4;
      let c = words[b]! - w0;
      if (c === 0) c = words[b + 1]! - w1;
      if (c === 0) c = words[b + 2]! - w2;
      if (c === 0) c = words[b + 3]! - w3;
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  moduleHash(m: number): string {
    return wordsToHash(this.data.hashWords, m * 4);
  }

  fixedStats(m: number): FixedStats {
    const d = this.data;
    const v = d.vertexCount[m]!;
    const matrix: number[][] = [];
    const ops: string[] = [];
    for (let i = 0; i < v; i++) {
      const bits = d.adjacencyRows[m * ROW_SLOTS + i]!;
      const row: number[] = new Array<number>(v);
      for (let j = 0; j < v; j++) row[j] = (bits >>> j) & 1;
      matrix.push(row);
      ops.push(d.labels[d.opLabels[m * ROW_SLOTS + i]!]!);
    }
    return { module_adjacency: matrix, module_operations: ops, trainable_parameters: d.params[m]! };
  }

  runStats(r: number): RunStats {
    const s = this.data.runStats;
    const b = r * RUN_STATS;
    return {
      halfway_training_time: s[b]!,
      halfway_train_accuracy: s[b + 1]!,
      halfway_validation_accuracy: s[b + 2]!,
      halfway_test_accuracy: s[b + 3]!,
      final_training_time: s[b + 4]!,
      final_train_accuracy: s[b + 5]!,
      final_validation_accuracy: s[b + 6]!,
      final_test_accuracy: s[b + 7]!,
    };
  }

  /** All runs of a module, grouped by epochs (ascending keys), file order within a group. */
  computedStats(m: number): ComputedStats {
    const d = this.data;
    const byCode: RunStats[][] = [];
    for (let r = d.runStart[m]!; r < d.runStart[m + 1]!; r++) {
      const code = d.runEpochCode[r]!;
      (byCode[code] ??= []).push(this.runStats(r));
    }
    const out: ComputedStats = {};
    // byCode is sparse when the module lacks some budgets: collect the codes present explicitly
    const codes: number[] = [];
    byCode.forEach((_, code) => codes.push(code));
    codes.sort((a, b) => d.epochs[a]! - d.epochs[b]!);
    for (const code of codes) out[String(d.epochs[code])] = byCode[code]!;
    return out;
  }

  /** Runs of module m at `epochs`, in repeat (file) order. */
  runsAt(m: number, epochs: number): RunStats[] {
    const code = this.epochCodeOf.get(epochs);
    const out: RunStats[] = [];
    if (code === undefined) return out;
    const d = this.data;
    for (let r = d.runStart[m]!; r < d.runStart[m + 1]!; r++) if (d.runEpochCode[r] === code) out.push(this.runStats(r));
    return out;
  }

  *hashes(): Generator<string> {
    for (let m = 0; m < this.data.numModules; m++) yield this.moduleHash(m);
  }
}
