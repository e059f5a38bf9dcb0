import { SdartsError, typeError } from '../util/errors.js';
import { hashModule } from './graph-hash.js';

/**
 * NAS-Bench-101's ModelSpec (`lib/model_spec.py`) with the API's domain check (`api._check_spec`).
 *
 * Two distinct failure kinds, as in the reference:
 *  - ERR_SDARTS_BENCHMARK_INVALID_SPEC: the matrix/ops cannot form a spec at all (the reference's
 *    constructor ValueError). We are stricter than the reference in one place: entries must be 0 or
 *    1 (the reference accepts any integer and sums it into degrees, which silently changes the hash).
 *  - ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN: a well-formed spec outside the space (disconnected, more
 *    than 7 vertices or 9 edges, wrong first/last op, unsupported op). The reference raises
 *    TypeError instead of OutOfDomainError for > 7 vertices (it formats the message with the config
 *    module); we report it as out of domain, as intended.
 */

/** Label order used by the hash (`config['available_ops']`); NOT the one-shot PRIMITIVES order. */
export const AVAILABLE_OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'] as const;
export type NasbenchOp = (typeof AVAILABLE_OPS)[number];
export const INPUT = 'input';
export const OUTPUT = 'output';
export const MAX_VERTICES = 7;
export const MAX_EDGES = 9;

export interface SpecJson {
  matrix: number[][];
  ops: string[];
}

/** The OutOfDomainError equivalent; `reason` is the reference's message text. */
export interface OutOfDomainError extends SdartsError {
  readonly reason: string;
}

export function outOfDomainError(fn: string, reason: string): OutOfDomainError {
  const err = new SdartsError(
    'ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN',
    `${fn}(): the spec is outside the NAS-Bench-101 space: ${reason}. ` +
      `A spec needs input first, output last, middle ops from [${AVAILABLE_OPS.join(', ')}], ` +
      `input connected to output, <= ${MAX_VERTICES} vertices and <= ${MAX_EDGES} edges after pruning.`,
  );
  return Object.assign(err, { reason });
}

function invalidSpec(fn: string, what: string): SdartsError {
  return new SdartsError(
    'ERR_SDARTS_BENCHMARK_INVALID_SPEC',
    `${fn}(): invalid spec: ${what}. Pass {matrix: V×V array of 0/1 (upper triangular), ops: V op names}.`,
  );
}

function copyMatrix(fn: string, matrix: unknown): number[][] {
  if (!Array.isArray(matrix)) throw typeError(fn, 'matrix', 'an array of arrays of 0/1', matrix);
  if (matrix.length === 0) throw invalidSpec(fn, 'matrix must have at least one row');
  const n = matrix.length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: unknown = matrix[i];
    if (!Array.isArray(row)) throw typeError(fn, `matrix[${i}]`, 'an array of 0/1', row);
    if (row.length !== n) throw invalidSpec(fn, `matrix must be square: it has ${n} rows but row ${i} has ${row.length} entries`);
    const copy: number[] = [];
    for (let j = 0; j < n; j++) {
      const x: unknown = row[j];
      if (typeof x !== 'number' && typeof x !== 'boolean') throw typeError(fn, `matrix[${i}][${j}]`, '0 or 1', x);
      const value = Number(x);
      if (value !== 0 && value !== 1) throw invalidSpec(fn, `matrix entries must be 0 or 1, got ${String(x)} at [${i}][${j}]`);
      copy.push(value);
    }
    out.push(copy);
  }
  return out;
}

function copyOps(fn: string, ops: unknown, n: number): string[] {
  if (!Array.isArray(ops)) throw typeError(fn, 'ops', 'an array of op names', ops);
  if (ops.length !== n) throw invalidSpec(fn, `length of ops must match matrix dimensions: ${ops.length} ops for a ${n}×${n} matrix`);
  return ops.map((op: unknown, i) => {
    if (typeof op !== 'string') throw typeError(fn, `ops[${i}]`, 'a string', op);
    return op;
  });
}

/** Forward/backward reachability pruning (model_spec._prune); null when output is unreachable. */
function prune(matrix: number[][], ops: string[]): { matrix: number[][]; ops: string[] } | null {
  const n = matrix.length;
  const fromInput = new Set<number>([0]);
  const frontier = [0];
  while (frontier.length > 0) {
    const u = frontier.pop()!;
    for (let v = u + 1; v < n; v++) {
      if (matrix[u]![v] !== 0 && !fromInput.has(v)) {
        fromInput.add(v);
        frontier.push(v);
      }
    }
  }
  const toOutput = new Set<number>([n - 1]);
  frontier.push(n - 1);
  while (frontier.length > 0) {
    const v = frontier.pop()!;
    for (let u = 0; u < v; u++) {
      if (matrix[u]![v] !== 0 && !toOutput.has(u)) {
        toOutput.add(u);
        frontier.push(u);
      }
    }
  }
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (fromInput.has(i) && toOutput.has(i)) keep.push(i);
  if (keep.length < 2) return null;
  return { matrix: keep.map((i) => keep.map((j) => matrix[i]![j]!)), ops: keep.map((i) => ops[i]!) };
}

export class ModelSpec {
  /** The matrix/ops as given (copied). */
  readonly originalMatrix: number[][];
  readonly originalOps: string[];
  /** Pruned matrix/ops; null when the spec is invalid (output not reachable from input). */
  readonly matrix: number[][] | null;
  readonly ops: string[] | null;
  /** The reference's `valid_spec`: false exactly when pruning leaves fewer than 2 vertices. */
  readonly validSpec: boolean;

  constructor(matrix: unknown, ops: unknown, fn = 'ModelSpec') {
    this.originalMatrix = copyMatrix(fn, matrix);
    const n = this.originalMatrix.length;
    this.originalOps = copyOps(fn, ops, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        if (this.originalMatrix[i]![j] !== 0) {
          throw invalidSpec(fn, `matrix must be upper triangular (no self-loops or backward edges), got 1 at [${i}][${j}]`);
        }
      }
    }
    const pruned = prune(this.originalMatrix, this.originalOps);
    this.validSpec = pruned !== null;
    this.matrix = pruned?.matrix ?? null;
    this.ops = pruned?.ops ?? null;
  }

  /** Accept a ModelSpec or a plain `{matrix, ops}` object (e.g. parsed JSON). */
  static from(value: unknown, fn = 'ModelSpec.from'): ModelSpec {
    if (value instanceof ModelSpec) return value;
    if (typeof value !== 'object' || value === null) throw typeError(fn, 'spec', 'a ModelSpec or {matrix, ops}', value);
    const { matrix, ops } = value as { matrix?: unknown; ops?: unknown };
    return new ModelSpec(matrix, ops, fn);
  }

  get numVertices(): number {
    return this.matrix?.length ?? 0;
  }

  /** Edge count of the pruned spec (the sum of its entries). */
  get numEdges(): number {
    let e = 0;
    for (const row of this.matrix ?? []) for (const x of row) e += x;
    return e;
  }

  /** The reference's OutOfDomainError message for this spec, or null if it is in the space. */
  domainViolation(): string | null {
    if (!this.validSpec || this.matrix === null || this.ops === null) return 'invalid spec, provided graph is disconnected.';
    const v = this.matrix.length;
    if (v > MAX_VERTICES) return `too many vertices, got ${v} (max vertices = ${MAX_VERTICES})`;
    const e = this.numEdges;
    if (e > MAX_EDGES) return `too many edges, got ${e} (max edges = ${MAX_EDGES})`;
    if (this.ops[0] !== INPUT) return "first operation should be 'input'";
    if (this.ops[v - 1] !== OUTPUT) return "last operation should be 'output'";
    for (const op of this.ops.slice(1, -1)) {
      if (!(AVAILABLE_OPS as readonly string[]).includes(op)) {
        return `unsupported op ${op} (available ops = [${AVAILABLE_OPS.map((o) => `'${o}'`).join(', ')}])`;
      }
    }
    return null;
  }

  /** `api._check_spec`: throw ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN if outside the space. */
  checkDomain(fn = 'ModelSpec.checkDomain'): void {
    const reason = this.domainViolation();
    if (reason !== null) throw outOfDomainError(fn, reason);
  }

  /** `api.is_valid`: in the space or not (never throws for a constructed spec). */
  isValid(): boolean {
    return this.domainViolation() === null;
  }

  /**
   * `model_spec.hash_spec(available_ops)`: the graph hash of the pruned spec. Like the reference
   * it does not require the spec to be in the domain (first/last labels are fixed to -1/-2), but
   * every middle op must be one of AVAILABLE_OPS and the spec must be connected.
   */
  hashSpec(fn = 'ModelSpec.hashSpec'): string {
    if (this.matrix === null || this.ops === null) throw outOfDomainError(fn, 'invalid spec, provided graph is disconnected.');
    const v = this.ops.length;
    const labels = this.ops.map((op, i) => {
      if (i === 0) return -1;
      if (i === v - 1) return -2;
      const k = (AVAILABLE_OPS as readonly string[]).indexOf(op);
      if (k < 0) throw outOfDomainError(fn, `unsupported op ${op} (available ops = [${AVAILABLE_OPS.map((o) => `'${o}'`).join(', ')}])`);
      return k;
    });
    return hashModule(this.matrix, labels);
  }

  /** The pruned spec as plain JSON (null fields when invalid). */
  toJSON(): { matrix: number[][] | null; ops: string[] | null } {
    return { matrix: this.matrix, ops: this.ops };
  }
}
