import { statSync } from 'node:fs';
import { SdartsError } from '../util/errors.js';
import { badRecordError } from './benchmark-errors.js';
import { decodeRunStatsInto, RUN_STATS } from './model-metrics.js';
import { hashToWords, NasbenchIndex, ROW_SLOTS, type NasbenchIndexData } from './nasbench-index.js';
import { adjacencyDimension, MAX_STORED_VERTICES, rowFields } from './nasbench-row.js';
import { decodeBase64Into, emptyScannedRow, scanRow } from './row-scanner.js';
import { TableColumns } from './table-columns.js';
import { readTfRecords } from './tfrecord-reader.js';

/**
 * One pass over a NAS-Bench-101 tfrecord file into a NasbenchIndex, following `api.NASBench`:
 * the first record of a hash fixes its matrix, ops and params; every record appends one run to
 * (hash, epochs) in file order. Works for both `nasbench_only108` and `nasbench_full` layouts.
 *
 * Columns grow in typed arrays (capacity estimated from the file size, grown by 1.5×), so memory
 * stays near the final size rather than one JS object per record. Rows of the common shape are
 * read straight from the payload bytes (row-scanner.ts); any other row goes through JSON.parse.
 */

export interface BuildResult {
  index: NasbenchIndex;
  records: number;
  bytes: number;
  seconds: number;
}

/** Smallest real record is ~290 bytes; estimating with 300 rarely needs a regrow. */
const EST_BYTES_PER_RECORD = 300;

function bad(what: string): SdartsError {
  return new SdartsError('ERR_SDARTS_BENCHMARK_BAD_RECORD', what);
}

export function buildIndexFromTfRecord(file: string): BuildResult {
  const t0 = performance.now();
  const cols = new TableColumns(Math.ceil(statSync(file).size / EST_BYTES_PER_RECORD));
  const row = emptyScannedRow();
  const adjRows = new Uint8Array(ROW_SLOTS);
  const opIds = new Uint8Array(ROW_SLOTS);
  // protobuf bytes are decoded into one reused buffer: no allocation per record.
  let scratch = Buffer.allocUnsafe(64 * 1024);
  let scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  const ensureScratch = (bytes: number): void => {
    if (bytes <= scratch.length) return;
    scratch = Buffer.allocUnsafe(bytes * 2);
    scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  };

  /** Fast path on the raw bytes; false means "not the common shape, use the slow path". */
  const fastRecord = (buf: Buffer, start: number, end: number): boolean => {
    if (!scanRow(buf, start, end, row)) return false;
    if (row.epochs < 1 || row.epochs > 65535) return false;
    const len = row.adjEnd - row.adjStart;
    const v = Math.floor(Math.sqrt(len));
    if (v * v !== len || v < 1 || v > MAX_STORED_VERTICES) return false;
    for (let i = 0; i < v; i++) {
      let bits = 0;
      for (let j = 0; j < v; j++) {
        const c = buf[row.adjStart + i * v + j];
        if (c === 0x31) bits |= 1 << j;
        else if (c !== 0x30) return false;
      }
      adjRows[i] = bits;
    }
    ensureScratch(((row.b64End - row.b64Start) / 4) * 3);
    const n = decodeBase64Into(buf, row.b64Start, row.b64End, scratch);
    if (n < 0) return false;
    const r = cols.reserveRun();
    const p = decodeRunStatsInto(scratch, 0, n, scratchView, cols.runStats, r * RUN_STATS);
    let m = cols.find(row.w0, row.w1, row.w2, row.w3);
    if (m < 0) {
      // ops are only looked at for a module's first record, like the reference's fixed stats
      let count = 0;
      let segStart = row.opsStart;
      for (let k = row.opsStart; k <= row.opsEnd; k++) {
        if (k === row.opsEnd || buf[k] === 0x2c) {
          if (count >= v) return false;
          opIds[count++] = cols.labelIdOfBytes(buf, segStart, k);
          segStart = k + 1;
        }
      }
      if (count !== v) return false;
      m = cols.addModule(row.w0, row.w1, row.w2, row.w3, v, adjRows, opIds, p);
    }
    cols.commitRun(m, row.epochs);
    return true;
  };

  /** Slow path: JSON.parse and the full checks, with their error messages. */
  const slowRecord = (buf: Buffer, start: number, end: number): void => {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch (err) {
      throw bad(`payload is not valid JSON (${(err as Error).message})`);
    }
    const f = rowFields(value);
    const v = adjacencyDimension(f.rawAdjacency);
    for (let i = 0; i < v; i++) {
      let bits = 0;
      for (let j = 0; j < v; j++) if (f.rawAdjacency.charCodeAt(i * v + j) === 49) bits |= 1 << j;
      adjRows[i] = bits;
    }
    ensureScratch(Math.ceil((f.rawMetrics.length * 3) / 4) + 3);
    const n = scratch.write(f.rawMetrics, 0, 'base64');
    const r = cols.reserveRun();
    const p = decodeRunStatsInto(scratch, 0, n, scratchView, cols.runStats, r * RUN_STATS);
    const words = new Uint32Array(4);
    hashToWords(f.moduleHash, words, 0);
    let m = cols.find(words[0]!, words[1]!, words[2]!, words[3]!);
    if (m < 0) {
      const ops = f.rawOperations.split(',');
      if (ops.length !== v) throw bad(`raw_operations has ${ops.length} labels but the matrix has ${v} vertices`);
      ops.forEach((op, i) => {
        opIds[i] = cols.labelId(op);
      });
      m = cols.addModule(words[0]!, words[1]!, words[2]!, words[3]!, v, adjRows, opIds, p);
    }
    cols.commitRun(m, f.epochs);
  };

  const summary = readTfRecords(file, (buf, start, end, offset, index) => {
    try {
      if (!fastRecord(buf, start, end)) slowRecord(buf, start, end);
    } catch (err) {
      throw badRecordError(file, offset, index, err);
    }
  });
  const data = finish(cols);
  return { index: new NasbenchIndex(data), records: summary.records, bytes: summary.bytes, seconds: (performance.now() - t0) / 1000 };
}

const INDEX_BITS = 21; // 2^32 · 2^21 = 2^53: a first hash word and a module id fit one exact double

/**
 * Module ids ordered by 128-bit hash. A comparator sort over 423k ids costs ~1 s; instead pack
 * (first hash word, id) into one double, use the native numeric sort of a Float64Array, then fix
 * the rare runs that share a first word with a full comparison.
 */
function sortByHash(hw: Uint32Array, M: number): Uint32Array {
  const cmp = (a: number, b: number): number => {
    const x = a * 4;
    const y = b * 4;
    return hw[x]! - hw[y]! || hw[x + 1]! - hw[y + 1]! || hw[x + 2]! - hw[y + 2]! || hw[x + 3]! - hw[y + 3]!;
  };
  if (M > 2 ** INDEX_BITS) return Uint32Array.from({ length: M }, (_, i) => i).sort(cmp);
  const keys = new Float64Array(M);
  for (let i = 0; i < M; i++) keys[i] = hw[i * 4]! * 2 ** INDEX_BITS + i;
  keys.sort();
  const order = new Uint32Array(M);
  for (let k = 0; k < M; k++) order[k] = keys[k]! % 2 ** INDEX_BITS;
  for (let k = 0; k < M;) {
    let end = k + 1;
    while (end < M && hw[order[end]! * 4] === hw[order[k]! * 4]) end++;
    if (end - k > 1) order.subarray(k, end).sort(cmp);
    k = end;
  }
  return order;
}

/** Every value exactly representable as float32 (true for the real data: float32 widened to double). */
function allFloat32(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (Math.fround(values[i]!) !== values[i]!) return false;
  return true;
}

function permuteStats<T extends Float32Array | Float64Array>(src: Float64Array, dest: Uint32Array, out: T): T {
  for (let r = 0; r < dest.length; r++) {
    const d = dest[r]! * RUN_STATS;
    const s = r * RUN_STATS;
    for (let i = 0; i < RUN_STATS; i++) out[d + i] = src[s + i]!;
  }
  return out;
}

/** Sort modules by hash, group runs by module (stable: file order kept), shrink stats if lossless. */
function finish(c: TableColumns): NasbenchIndexData {
  const M = c.numModules;
  const R = c.numRuns;
  // locals, not property reads, in the hot loops
  const hw = c.hashWords;
  const srcAdj = c.adjacencyRows;
  const srcOps = c.opLabels;
  const srcStats = c.runStats;
  const runModule = c.runModule;
  const order = sortByHash(hw, M);
  const newId = new Uint32Array(M);
  const hashWords = new Uint32Array(M * 4);
  const vertexCount = new Uint8Array(M);
  const adjacencyRows = new Uint8Array(M * ROW_SLOTS);
  const opLabels = new Uint8Array(M * ROW_SLOTS);
  const params = new Int32Array(M);
  for (let k = 0; k < M; k++) {
    const old = order[k]!;
    newId[old] = k;
    // explicit loops: a subarray per module would allocate millions of views
    for (let w = 0; w < 4; w++) hashWords[k * 4 + w] = hw[old * 4 + w]!;
    for (let i = 0; i < ROW_SLOTS; i++) {
      adjacencyRows[k * ROW_SLOTS + i] = srcAdj[old * ROW_SLOTS + i]!;
      opLabels[k * ROW_SLOTS + i] = srcOps[old * ROW_SLOTS + i]!;
    }
    vertexCount[k] = c.vertexCount[old]!;
    params[k] = c.params[old]!;
  }

  // Counting sort of runs by (new) module id; iterating runs in file order keeps it stable.
  const runStart = new Uint32Array(M + 1);
  for (let r = 0; r < R; r++) runStart[newId[runModule[r]!]! + 1]!++;
  for (let k = 0; k < M; k++) runStart[k + 1]! += runStart[k]!;
  const dest = new Uint32Array(R);
  const cursor = runStart.slice(0, M);
  const runEpochCode = new Uint8Array(R);
  for (let r = 0; r < R; r++) {
    const dst = cursor[newId[runModule[r]!]!]!++;
    dest[r] = dst;
    runEpochCode[dst] = c.runEpochCode[r]!;
  }
  const runStats = allFloat32(srcStats, R * RUN_STATS)
    ? permuteStats(srcStats, dest, new Float32Array(R * RUN_STATS))
    : permuteStats(srcStats, dest, new Float64Array(R * RUN_STATS));
  return {
    numModules: M,
    numRuns: R,
    labels: [...c.labels],
    epochs: [...c.epochs],
    hashWords,
    vertexCount,
    adjacencyRows,
    opLabels,
    params,
    runStart,
    runEpochCode,
    runStats,
  };
}
