/**
 * From architecture weights to a discrete cell (docs/reference-notes.md R2.4, DARTS `Network.genotype()`), plus the
 * row softmax that turns alpha logits read out of a tensor into the probabilities it ranks.
 */
import { SdartsError, describe, typeError } from '../../util/errors.js';
import type { Gene, Genotype } from './cnn.js';
import { getSpace, NUM_EDGES, SEARCH_STEPS, type EdgeOps, type SearchSpace, type SpaceName } from '../spaces.js';

/** The search cell concatenates its last `MULTIPLIER` node outputs. */
export const MULTIPLIER = 4;

/** `range(2 + steps - multiplier, steps + 2)` = [2, 3, 4, 5]. */
export const SEARCH_CONCAT: readonly number[] = Object.freeze(Array.from({ length: MULTIPLIER }, (_, i) => 2 + SEARCH_STEPS - MULTIPLIER + i));

/**
 * Softmax of each row, stable for large logits: subtracting the row max leaves the result unchanged
 * (softmax is shift-invariant) and keeps every `exp` argument ≤ 0, so nothing overflows.
 */
export function softmaxRows(rows: ReadonlyArray<ArrayLike<number>>): number[][] {
  if (!Array.isArray(rows)) throw typeError('softmaxRows', 'rows', 'an array of number rows', rows);
  return rows.map((row, r) => {
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number' || row.length === 0) {
      throw typeError('softmaxRows', `rows[${r}]`, 'a non-empty array of numbers', row);
    }
    let max = -Infinity;
    for (let k = 0; k < row.length; k++) {
      const x = row[k];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw typeError('softmaxRows', `rows[${r}][${k}]`, 'a finite number', x);
      if (x > max) max = x;
    }
    const out = new Array<number>(row.length);
    let sum = 0;
    for (let k = 0; k < row.length; k++) {
      out[k] = Math.exp(row[k]! - max);
      sum += out[k]!;
    }
    for (let k = 0; k < row.length; k++) out[k] = out[k]! / sum;
    return out;
  });
}

function checkProbs(arg: string, probs: unknown, space: SearchSpace): asserts probs is ReadonlyArray<ArrayLike<number>> {
  const fn = 'deriveGenotype';
  if (!Array.isArray(probs) || probs.length !== NUM_EDGES) {
    throw new SdartsError(
      'ERR_SDARTS_GENOTYPE_SHAPE',
      `${fn}(): expected '${arg}' to be ${NUM_EDGES} rows (one per edge) of ${space.numOps} probabilities (space '${space.name}') but received ${describe(probs)}`,
    );
  }
  probs.forEach((row: unknown, e) => {
    const r = row as ArrayLike<unknown> | null;
    if (r === null || typeof r !== 'object' || r.length !== space.numOps) {
      throw new SdartsError(
        'ERR_SDARTS_GENOTYPE_SHAPE',
        `${fn}(): expected ${arg}[${e}] to hold ${space.numOps} probabilities (one per op of space '${space.name}') but received ${describe(row)}`,
      );
    }
    for (let k = 0; k < r.length; k++) {
      const x = r[k];
      if (typeof x !== 'number' || Number.isNaN(x)) throw typeError(fn, `${arg}[${e}][${k}]`, 'a number (not NaN)', x);
    }
  });
}

/** Largest probability on an edge among its ops other than 'none' (−∞ if there are none). */
function edgeStrength(row: ArrayLike<number>, ops: EdgeOps): number {
  let best = -Infinity;
  for (let k = 0; k < ops.length; k++) if (ops[k] !== 'none' && row[k]! > best) best = row[k]!;
  return best;
}

/** Column of the best op other than 'none'; strict `>` so the first of equal maxima wins. */
function bestOp(row: ArrayLike<number>, ops: EdgeOps): number {
  let kBest = -1;
  for (let k = 0; k < ops.length; k++) {
    if (ops[k] === 'none') continue;
    if (kBest === -1 || row[k]! > row[kBest]!) kBest = k;
  }
  return kBest;
}

function parseCell(probs: ReadonlyArray<ArrayLike<number>>, edges: readonly EdgeOps[]): Gene[] {
  const genes: Gene[] = [];
  let start = 0;
  for (let i = 0; i < SEARCH_STEPS; i++) {
    const n = i + 2;
    // 'none' is found in the op list of the *global* edge start+x. DARTS/R-DARTS looked it up in
    // the list of local index x — the same thing only when every edge has the same list (docs/reference-notes.md R2.4, R7 Q10).
    const strength = Array.from({ length: n }, (_, x) => edgeStrength(probs[start + x]!, edges[start + x]!));
    // Array.prototype.sort is stable, so equal strengths keep ascending input order (as Python's sorted).
    const ranked = Array.from({ length: n }, (_, x) => x).sort((a, b) => strength[b]! - strength[a]!);
    for (const j of ranked.slice(0, 2)) {
      const ops = edges[start + j]!;
      genes.push(Object.freeze([ops[bestOp(probs[start + j]!, ops)]!, j] as const));
    }
    start += n;
  }
  return genes;
}

/**
 * The genotype a search model currently encodes. `probsNormal`/`probsReduce` are softmax(alpha) of
 * the normal and reduction cell, [14 edges][numOps] in the space's column order — taken from the
 * raw logits, never from perturbed values. For node i (edges `start..start+i+1`):
 *   1. keep the two incoming edges with the largest max-probability over ops other than 'none'
 *      (ties → lower input index), strongest first;
 *   2. on each, take the op other than 'none' with the largest probability (ties → first column).
 * 'noise' is an ordinary op here (S4 cells can contain it). Concat = [2, 3, 4, 5].
 */
export function deriveGenotype(
  probsNormal: ReadonlyArray<ArrayLike<number>>,
  probsReduce: ReadonlyArray<ArrayLike<number>>,
  space: SearchSpace | SpaceName,
): Genotype {
  const sp = typeof space === 'string' ? getSpace(space) : space;
  if (sp === null || typeof sp !== 'object' || !Array.isArray(sp.normal) || !Array.isArray(sp.reduce)) {
    throw typeError('deriveGenotype', 'space', 'a SearchSpace or a space name', space);
  }
  checkProbs('probsNormal', probsNormal, sp);
  checkProbs('probsReduce', probsReduce, sp);
  return Object.freeze({
    normal: Object.freeze(parseCell(probsNormal, sp.normal)),
    normalConcat: SEARCH_CONCAT,
    reduce: Object.freeze(parseCell(probsReduce, sp.reduce)),
    reduceConcat: SEARCH_CONCAT,
  });
}
