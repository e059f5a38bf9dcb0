/**
 * `Genotype`: the discrete CNN cell a search hands to evaluation (docs/reference-notes.md R2.4, R2.12). Three forms:
 * the TS object (camelCase), the DARTS text `Genotype(normal=[('sep_conv_3x3', 0), ...], ...)`
 * that papers and logs print, and JSON with DARTS's snake_case field names (the form shared with
 * the Python reference and written into run directories).
 *
 * A cell has `genes.length / 2` intermediate nodes; genes 2i and 2i+1 are node i's two inputs, and
 * an input index j means c_{k-2} (0), c_{k-1} (1) or node j-2 (j ≥ 2), so node i accepts 0..i+1.
 * Searched cells have 4 nodes; NASNet/AmoebaNet have 5 and use eval-only ops.
 */
import { SdartsError, describe, typeError } from '../../util/errors.js';
import { CNN_OP_NAMES, isCnnOpName, type CnnOpName } from '../primitives.js';
import { formatPath, parseNamedTuple, type ValuePath } from './py-literal.js';
import { genotypeJsonObject } from './json-object.js';

export type Gene = readonly [op: CnnOpName, input: number];

export interface Genotype {
  readonly normal: readonly Gene[];
  readonly normalConcat: readonly number[];
  readonly reduce: readonly Gene[];
  readonly reduceConcat: readonly number[];
}

/** The JSON form: DARTS's field names, genes as `[op, input]` pairs. */
export interface GenotypeJSON {
  normal: [string, number][];
  normal_concat: number[];
  reduce: [string, number][];
  reduce_concat: number[];
}

const FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
type Field = (typeof FIELDS)[number];
const CAMEL: Record<Field, string> = { normal: 'normal', normal_concat: 'normalConcat', reduce: 'reduce', reduce_concat: 'reduceConcat' };

interface Issue {
  readonly path: ValuePath;
  readonly message: string;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function checkGenes(field: 'normal' | 'reduce', genes: unknown): Issue | null {
  if (!Array.isArray(genes)) return { path: [field], message: `expected a list of [op, input] genes but received ${describe(genes)}` };
  if (genes.length === 0 || genes.length % 2 !== 0) {
    return { path: [field], message: `expected an even, non-zero number of genes (two per node) but received ${genes.length}` };
  }
  for (let g = 0; g < genes.length; g++) {
    const gene: unknown = genes[g];
    if (!Array.isArray(gene) || gene.length !== 2) {
      return { path: [field, g], message: `expected an (op, input) pair but received ${describe(gene)}` };
    }
    const [op, input] = gene as unknown[];
    if (!isCnnOpName(op)) {
      return { path: [field, g, 0], message: `unknown op ${describe(op)}; expected one of ${CNN_OP_NAMES.join(', ')}` };
    }
    const node = Math.floor(g / 2);
    if (!isIndex(input) || input < 0 || input > node + 1) {
      return {
        path: [field, g, 1],
        message: `input ${describe(input)} is not valid for node ${node} (gene ${g}); node i takes inputs 0..i+1 (0 = c_{k-2}, 1 = c_{k-1}, j ≥ 2 = node j-2)`,
      };
    }
  }
  return null;
}

function checkConcat(field: 'normal_concat' | 'reduce_concat', concat: unknown, steps: number): Issue | null {
  if (!Array.isArray(concat) || concat.length === 0) {
    return { path: [field], message: `expected a non-empty list of state indices but received ${describe(concat)}` };
  }
  const seen = new Set<number>();
  for (let i = 0; i < concat.length; i++) {
    const s: unknown = concat[i];
    if (!isIndex(s) || s < 0 || s > steps + 1) {
      return {
        path: [field, i],
        message: `state index ${describe(s)} is out of range; a cell with ${steps} node${steps === 1 ? '' : 's'} has states 0..${steps + 1}`,
      };
    }
    if (seen.has(s)) return { path: [field, i], message: `state index ${s} appears twice` };
    seen.add(s);
  }
  return null;
}

/** Check a record with snake_case fields; return the first problem or the frozen genotype. */
function check(rec: Readonly<Record<Field, unknown>>): Issue | Genotype {
  const issue =
    checkGenes('normal', rec.normal) ??
    checkGenes('reduce', rec.reduce) ??
    checkConcat('normal_concat', rec.normal_concat, (rec.normal as unknown[]).length / 2) ??
    checkConcat('reduce_concat', rec.reduce_concat, (rec.reduce as unknown[]).length / 2);
  if (issue) return issue;
  const genes = (v: unknown): readonly Gene[] => Object.freeze((v as [CnnOpName, number][]).map(([op, i]) => Object.freeze([op, i] as const)));
  return Object.freeze({
    normal: genes(rec.normal),
    normalConcat: Object.freeze([...(rec.normal_concat as number[])]),
    reduce: genes(rec.reduce),
    reduceConcat: Object.freeze([...(rec.reduce_concat as number[])]),
  });
}

function isIssue(v: Issue | Genotype): v is Issue {
  return 'message' in v;
}

function invalid(fn: string, issue: Issue, where = ''): never {
  throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${where}${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * Check a TS genotype object (camelCase fields) and return a frozen copy. Use it on genotypes built
 * by hand or received from outside the library.
 */
export function validateGenotype(g: unknown, fn = 'validateGenotype'): Genotype {
  if (typeof g !== 'object' || g === null || Array.isArray(g)) throw typeError(fn, 'genotype', 'a Genotype object', g);
  const o = g as Record<string, unknown>;
  const res = check({ normal: o.normal, normal_concat: o.normalConcat, reduce: o.reduce, reduce_concat: o.reduceConcat });
  if (isIssue(res)) {
    // Report the camelCase name the caller used.
    const [head, ...rest] = res.path;
    invalid(fn, { path: [CAMEL[head as Field] ?? String(head), ...rest], message: res.message });
  }
  return res;
}

/** The JSON form (snake_case, as DARTS and the published genotype tables spell the fields). */
export function genotypeToJSON(g: Genotype): GenotypeJSON {
  const v = validateGenotype(g, 'genotypeToJSON');
  return {
    normal: v.normal.map(([op, i]) => [op, i]),
    normal_concat: [...v.normalConcat],
    reduce: v.reduce.map(([op, i]) => [op, i]),
    reduce_concat: [...v.reduceConcat],
  };
}

/**
 * Read the JSON form: an object, or JSON text of one. Field names may be snake_case (canonical) or
 * camelCase; `source` and `name` keys are ignored. `where` prefixes messages (e.g. a file path).
 */
export function genotypeFromJSON(value: unknown, where?: string): Genotype {
  const fn = 'genotypeFromJSON';
  const at = where ? `${where}: ` : '';
  const o = genotypeJsonObject(fn, value, where, {
    shape: 'a genotype object {normal, normal_concat, reduce, reduce_concat}',
    keys: new Set<string>([...FIELDS, ...Object.values(CAMEL)]),
    fields: FIELDS,
  });
  const rec = {} as Record<Field, unknown>;
  for (const f of FIELDS) {
    const hasSnake = f in o;
    const hasCamel = CAMEL[f] !== f && CAMEL[f] in o;
    if (hasSnake && hasCamel) {
      throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${at}both '${f}' and '${CAMEL[f]}' are present; keep one`);
    }
    if (!hasSnake && !hasCamel) throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${at}missing '${f}'`);
    rec[f] = hasSnake ? o[f] : o[CAMEL[f]];
  }
  const res = check(rec);
  if (isIssue(res)) invalid(fn, res, at);
  return res;
}

function formatGenes(genes: readonly Gene[]): string {
  return `[${genes.map(([op, i]) => `('${op}', ${i})`).join(', ')}]`;
}

/** `range(a, b)` when the indices are consecutive and ascending (as DARTS writes them), else a list. */
function formatConcat(c: readonly number[]): string {
  const contiguous = c.every((s, i) => i === 0 || s === c[i - 1]! + 1);
  return contiguous ? `range(${c[0]}, ${c[c.length - 1]! + 1})` : `[${c.join(', ')}]`;
}

/** The exact text DARTS prints: `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)`. */
export function formatGenotype(g: Genotype): string {
  const v = validateGenotype(g, 'formatGenotype');
  return (
    `Genotype(normal=${formatGenes(v.normal)}, normal_concat=${formatConcat(v.normalConcat)}, ` +
    `reduce=${formatGenes(v.reduce)}, reduce_concat=${formatConcat(v.reduceConcat)})`
  );
}

/**
 * Parse the DARTS text form. Accepts `Genotype(...)`, `(...)` or a bare argument list; keyword or
 * positional fields; tuples or lists for genes; `range(a, b)` or lists for concat; either quote
 * style; any whitespace, newlines and `#` comments. Errors give the line and column of the problem.
 */
export function parseGenotype(text: string): Genotype {
  if (typeof text !== 'string') throw typeError('parseGenotype', 'text', 'a genotype string', text);
  const parsed = parseNamedTuple(text, 'parseGenotype', 'Genotype', FIELDS, 'ERR_SDARTS_GENOTYPE_PARSE');
  const res = check(parsed.values as Record<Field, unknown>);
  if (isIssue(res)) {
    return parsed.reader.fail(parsed.positionOf(res.path), `${formatPath(res.path)}: ${res.message}`, 'ERR_SDARTS_GENOTYPE_INVALID');
  }
  return res;
}

/** Same genes in the same order and the same concat lists. */
export function genotypesEqual(a: Genotype, b: Genotype): boolean {
  const genesEq = (x: readonly Gene[], y: readonly Gene[]) => x.length === y.length && x.every((g, i) => g[0] === y[i]![0] && g[1] === y[i]![1]);
  const listEq = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((s, i) => s === y[i]);
  return genesEq(a.normal, b.normal) && genesEq(a.reduce, b.reduce) && listEq(a.normalConcat, b.normalConcat) && listEq(a.reduceConcat, b.reduceConcat);
}
