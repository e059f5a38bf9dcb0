import { SdartsError } from '../util/errors.js';
import { decodeModelMetrics, type ModelMetrics } from './model-metrics.js';

/**
 * One NAS-Bench-101 record payload: the UTF-8 JSON array
 *   [module_hash, epochs, raw_adjacency, raw_operations, raw_metrics(base64 ModelMetrics)]
 * One record is one training run.
 */

export interface RowFields {
  moduleHash: string;
  epochs: number;
  rawAdjacency: string;
  rawOperations: string;
  rawMetrics: string;
}

export interface NasbenchRow {
  module_hash: string;
  epochs: number;
  module_adjacency: number[][];
  module_operations: string[];
  metrics: ModelMetrics;
}

/**
 * The compact index stores a vertex's adjacency row as one byte, so rows are limited to 8
 * vertices. NAS-Bench-101 stores at most 7.
 */
export const MAX_STORED_VERTICES = 8;

const HASH_RE = /^[0-9a-f]{32}$/;

function bad(what: string): SdartsError {
  return new SdartsError('ERR_SDARTS_BENCHMARK_BAD_RECORD', `parseNasbenchRow(): ${what}`);
}

/** Check the shape of an already JSON-parsed row and name its fields. */
export function rowFields(value: unknown): RowFields {
  if (!Array.isArray(value) || value.length !== 5) {
    throw bad(
      `expected a JSON array of 5 elements [hash, epochs, adjacency, operations, metrics] but got ${Array.isArray(value) ? `an array of ${value.length}` : typeof value}`,
    );
  }
  const [moduleHash, epochs, rawAdjacency, rawOperations, rawMetrics] = value as unknown[];
  if (typeof moduleHash !== 'string' || !HASH_RE.test(moduleHash)) {
    throw bad(`module_hash must be 32 lowercase hex characters, got ${JSON.stringify(moduleHash)}`);
  }
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1 || epochs > 65535) {
    throw bad(`epochs must be an integer in [1, 65535], got ${JSON.stringify(epochs)}`);
  }
  if (typeof rawAdjacency !== 'string') throw bad(`raw_adjacency must be a string, got ${typeof rawAdjacency}`);
  if (typeof rawOperations !== 'string') throw bad(`raw_operations must be a string, got ${typeof rawOperations}`);
  if (typeof rawMetrics !== 'string') throw bad(`raw_metrics must be a base64 string, got ${typeof rawMetrics}`);
  return { moduleHash, epochs, rawAdjacency, rawOperations, rawMetrics };
}

/**
 * Vertex count of a raw adjacency string: `V = int(sqrt(len))` as the reference computes it,
 * but the string must be exactly V*V characters of '0'/'1' and V in [1, MAX_STORED_VERTICES].
 */
export function adjacencyDimension(raw: string): number {
  const v = Math.floor(Math.sqrt(raw.length));
  if (v * v !== raw.length || v < 1 || v > MAX_STORED_VERTICES) {
    throw bad(`raw_adjacency must have V*V characters with 1 <= V <= ${MAX_STORED_VERTICES}, got ${raw.length} characters`);
  }
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 48 && c !== 49) throw bad(`raw_adjacency must contain only '0' and '1', got ${JSON.stringify(raw[i])} at position ${i}`);
  }
  return v;
}

/** Split raw operations and check there is one label per vertex. */
export function splitOperations(raw: string, v: number): string[] {
  const ops = raw.split(',');
  if (ops.length !== v) throw bad(`raw_operations has ${ops.length} labels but the matrix has ${v} vertices`);
  return ops;
}

export function adjacencyToMatrix(raw: string, v: number): number[][] {
  const m: number[][] = [];
  for (let i = 0; i < v; i++) {
    const row: number[] = [];
    for (let j = 0; j < v; j++) row.push(raw.charCodeAt(i * v + j) - 48);
    m.push(row);
  }
  return m;
}

/** Parse one record payload (UTF-8 JSON text) into a full row, protobuf decoded. */
export function parseNasbenchRow(text: string): NasbenchRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(`payload is not valid JSON (${(err as Error).message})`);
  }
  const f = rowFields(value);
  const v = adjacencyDimension(f.rawAdjacency);
  const metricsBytes = Buffer.from(f.rawMetrics, 'base64');
  return {
    module_hash: f.moduleHash,
    epochs: f.epochs,
    module_adjacency: adjacencyToMatrix(f.rawAdjacency, v),
    module_operations: splitOperations(f.rawOperations, v),
    metrics: decodeModelMetrics(metricsBytes),
  };
}

/**
 * Serialize a row the way the synthetic files do (Python's default `", "` separators). Inputs
 * are trusted: this is for generators and tests.
 */
export function encodeNasbenchRow(
  moduleHash: string,
  epochs: number,
  matrix: readonly (readonly number[])[],
  ops: readonly string[],
  metrics: Uint8Array,
): string {
  const adj = matrix.map((row) => row.join('')).join('');
  return `["${moduleHash}", ${epochs}, "${adj}", "${ops.join(',')}", "${Buffer.from(metrics.buffer, metrics.byteOffset, metrics.byteLength).toString('base64')}"]`;
}
