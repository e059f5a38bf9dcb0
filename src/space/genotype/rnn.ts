/**
 * The recurrent-cell genotype of the PTB search (docs/reference-notes.md R3.2): `Genotype(recurrent=[('sigmoid', 0),
 * ...], concat=range(1, 9))`. Gene i builds node i+1 from the state of node `predecessor`
 * (0 = the cell's input state, so node i+1 may use 0..i) through the named activation; the cell's
 * output averages the states listed in `concat`.
 */
import { SdartsError, describe, typeError } from '../../util/errors.js';
import { formatPath, parseNamedTuple, type ValuePath } from './py-literal.js';
import { genotypeJsonObject } from './json-object.js';

/** Search-time candidates, DARTS RNN order. */
export const RNN_PRIMITIVES = ['none', 'tanh', 'relu', 'sigmoid', 'identity'] as const;
export type RnnPrimitiveName = (typeof RNN_PRIMITIVES)[number];
/** 'none' is a search-time candidate only: a derived cell never contains it. */
export type RnnActivation = Exclude<RnnPrimitiveName, 'none'>;
const ACTIVATIONS: readonly string[] = RNN_PRIMITIVES.filter((p) => p !== 'none');

/** Nodes of the searched recurrent cell. */
export const RNN_STEPS = 8;

export type RnnGene = readonly [activation: RnnActivation, predecessor: number];

export interface RnnGenotype {
  readonly recurrent: readonly RnnGene[];
  readonly concat: readonly number[];
}

export interface RnnGenotypeJSON {
  recurrent: [string, number][];
  concat: number[];
}

const FIELDS = ['recurrent', 'concat'] as const;

interface Issue {
  readonly path: ValuePath;
  readonly message: string;
}

function check(recurrent: unknown, concat: unknown): Issue | RnnGenotype {
  if (!Array.isArray(recurrent) || recurrent.length === 0) {
    return { path: ['recurrent'], message: `expected a non-empty list of (activation, predecessor) genes but received ${describe(recurrent)}` };
  }
  for (let i = 0; i < recurrent.length; i++) {
    const gene: unknown = recurrent[i];
    if (!Array.isArray(gene) || gene.length !== 2)
      return { path: ['recurrent', i], message: `expected an (activation, predecessor) pair but received ${describe(gene)}` };
    const [act, pred] = gene as unknown[];
    if (typeof act !== 'string' || !ACTIVATIONS.includes(act)) {
      return { path: ['recurrent', i, 0], message: `unknown activation ${describe(act)}; expected one of ${ACTIVATIONS.join(', ')}` };
    }
    if (typeof pred !== 'number' || !Number.isInteger(pred) || pred < 0 || pred > i) {
      return { path: ['recurrent', i, 1], message: `predecessor ${describe(pred)} is not valid for node ${i + 1}; it may use states 0..${i}` };
    }
  }
  const n = recurrent.length;
  if (!Array.isArray(concat) || concat.length === 0)
    return { path: ['concat'], message: `expected a non-empty list of state indices but received ${describe(concat)}` };
  const seen = new Set<number>();
  for (let i = 0; i < concat.length; i++) {
    const s: unknown = concat[i];
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > n) {
      return { path: ['concat', i], message: `state index ${describe(s)} is out of range; a cell with ${n} node${n === 1 ? '' : 's'} has states 0..${n}` };
    }
    if (seen.has(s)) return { path: ['concat', i], message: `state index ${s} appears twice` };
    seen.add(s);
  }
  return Object.freeze({
    recurrent: Object.freeze((recurrent as [RnnActivation, number][]).map(([a, p]) => Object.freeze([a, p] as const))),
    concat: Object.freeze([...(concat as number[])]),
  });
}

function isIssue(v: Issue | RnnGenotype): v is Issue {
  return 'message' in v;
}

export function validateRnnGenotype(g: unknown, fn = 'validateRnnGenotype'): RnnGenotype {
  if (typeof g !== 'object' || g === null || Array.isArray(g)) throw typeError(fn, 'genotype', 'an RnnGenotype object', g);
  const o = g as Record<string, unknown>;
  const res = check(o.recurrent, o.concat);
  if (isIssue(res)) throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${formatPath(res.path)}: ${res.message}`);
  return res;
}

export function rnnGenotypeToJSON(g: RnnGenotype): RnnGenotypeJSON {
  const v = validateRnnGenotype(g, 'rnnGenotypeToJSON');
  return { recurrent: v.recurrent.map(([a, p]) => [a, p]), concat: [...v.concat] };
}

/** Read `{recurrent, concat}` (an object or JSON text); `source`/`name` keys are ignored. */
export function rnnGenotypeFromJSON(value: unknown, where?: string): RnnGenotype {
  const fn = 'rnnGenotypeFromJSON';
  const at = where ? `${where}: ` : '';
  const o = genotypeJsonObject(fn, value, where, { shape: '{recurrent, concat}', keys: new Set<string>(FIELDS), fields: FIELDS });
  for (const f of FIELDS) if (!(f in o)) throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${at}missing '${f}'`);
  const res = check(o.recurrent, o.concat);
  if (isIssue(res)) throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${at}${formatPath(res.path)}: ${res.message}`);
  return res;
}

/** DARTS's text: `Genotype(recurrent=[('sigmoid', 0), ...], concat=range(1, 9))`. */
export function formatRnnGenotype(g: RnnGenotype): string {
  const v = validateRnnGenotype(g, 'formatRnnGenotype');
  const c = v.concat;
  const contiguous = c.every((s, i) => i === 0 || s === c[i - 1]! + 1);
  const concat = contiguous ? `range(${c[0]}, ${c[c.length - 1]! + 1})` : `[${c.join(', ')}]`;
  return `Genotype(recurrent=[${v.recurrent.map(([a, p]) => `('${a}', ${p})`).join(', ')}], concat=${concat})`;
}

/** Parse the text form; same leniency and error positions as `parseGenotype`. */
export function parseRnnGenotype(text: string): RnnGenotype {
  if (typeof text !== 'string') throw typeError('parseRnnGenotype', 'text', 'a genotype string', text);
  const parsed = parseNamedTuple(text, 'parseRnnGenotype', 'Genotype', FIELDS, 'ERR_SDARTS_GENOTYPE_PARSE');
  const res = check(parsed.values.recurrent, parsed.values.concat);
  if (isIssue(res)) {
    return parsed.reader.fail(parsed.positionOf(res.path), `${formatPath(res.path)}: ${res.message}`, 'ERR_SDARTS_GENOTYPE_INVALID');
  }
  return res;
}

/**
 * The recurrent genotype of search probabilities (the reference's RNNModelSearch.genotype `_parse`,
 * docs/reference-notes.md R3.4): rows `start..start+i` are the edges into node i+1 (from states 0..i). Node i+1
 * takes the one predecessor whose best non-'none' probability is largest (ties: the lowest index, as Python's
 * stable sort), then that edge's best non-'none' activation (ties: the first); concat = 1..steps.
 */
export function deriveRnnGenotype(probs: ReadonlyArray<ArrayLike<number>>, steps = RNN_STEPS): RnnGenotype {
  const fn = 'deriveRnnGenotype';
  const edges = (steps * (steps + 1)) / 2;
  if (!Array.isArray(probs) || probs.length !== edges) throw typeError(fn, 'probs', `${edges} rows (one per edge of a ${steps}-node cell)`, probs);
  const none = RNN_PRIMITIVES.indexOf('none');
  const recurrent: [RnnActivation, number][] = [];
  let start = 0;
  for (let i = 0; i < steps; i++) {
    let bestJ = -1,
      bestJValue = -Infinity;
    for (let j = 0; j <= i; j++) {
      const row = probs[start + j]!;
      if (row.length !== RNN_PRIMITIVES.length) throw typeError(fn, `probs[${start + j}]`, `${RNN_PRIMITIVES.length} probabilities`, row);
      let m = -Infinity;
      for (let k = 0; k < row.length; k++) if (k !== none && row[k]! > m) m = row[k]!;
      if (m > bestJValue) [bestJ, bestJValue] = [j, m];
    }
    const row = probs[start + bestJ]!;
    let kBest = -1;
    for (let k = 0; k < row.length; k++) if (k !== none && (kBest < 0 || row[k]! > row[kBest]!)) kBest = k;
    recurrent.push([RNN_PRIMITIVES[kBest] as RnnActivation, bestJ]);
    start += i + 1;
  }
  return validateRnnGenotype({ recurrent, concat: Array.from({ length: steps }, (_, i) => i + 1) }, fn);
}
