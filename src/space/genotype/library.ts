/**
 * Named genotypes (docs/reference-notes.md R2.12, R3.2) and the one function that turns a user's `--arch` argument
 * into a `Genotype`: a library name, DARTS text, a genotype JSON file, or a search run directory.
 * A lookup table replaces the reference code's `eval("genotypes.%s" % args.arch)` (docs/reference-notes.md R7 Q28).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SdartsError, describe, typeError } from '../../util/errors.js';
import { genotypeFromJSON, parseGenotype, type Genotype } from './cnn.js';
import { parseRnnGenotype, rnnGenotypeFromJSON, type RnnGenotype } from './rnn.js';
// The published tables (the single copy; tsc emits them next to this module in dist/). Plain data in
// the JSON form (snake_case fields, [op, input] pairs, a `source` per entry), validated on lookup.
import CNN_TABLE from './cnn-genotypes.json' with { type: 'json' };
import RNN_TABLE from './rnn-genotypes.json' with { type: 'json' };

/** A published CNN genotype in its JSON form, as the table holds it. */
export interface CnnGenotypeRecord {
  readonly normal: readonly (readonly [string, number])[];
  readonly normal_concat: readonly number[];
  readonly reduce: readonly (readonly [string, number])[];
  readonly reduce_concat: readonly number[];
  readonly source: string;
}

/** A published RNN genotype in its JSON form, as the table holds it. */
export interface RnnGenotypeRecord {
  readonly recurrent: readonly (readonly [string, number])[];
  readonly concat: readonly number[];
  readonly source: string;
}

// JSON arrays type as (string | number)[], not as [op, input] pairs: the records' shape is the tables'
// (a test reads the files), and each is checked by genotypeFromJSON / rnnGenotypeFromJSON on lookup.
export const CNN_GENOTYPE_DATA = CNN_TABLE as unknown as Readonly<Record<string, CnnGenotypeRecord>>;
export const RNN_GENOTYPE_DATA = RNN_TABLE as unknown as Readonly<Record<string, RnnGenotypeRecord>>;

/** DARTS's own alias: `DARTS = DARTS_V2` (the CNN data lists only the versioned names). */
const CNN_ALIASES: Readonly<Record<string, string>> = { DARTS: 'DARTS_V2' };

/** Every CNN genotype name, in the published table's order, then aliases. */
export const CNN_GENOTYPE_NAMES: readonly string[] = Object.freeze([...Object.keys(CNN_GENOTYPE_DATA), ...Object.keys(CNN_ALIASES)]);
export const RNN_GENOTYPE_NAMES: readonly string[] = Object.freeze(Object.keys(RNN_GENOTYPE_DATA));

const cnnCache = new Map<string, Genotype>();
const rnnCache = new Map<string, RnnGenotype>();

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Up to five names close to `query` (case-insensitive): within a small edit distance, or one
 * containing the other. Closest first; equal distances keep the table order.
 */
export function closeNames(query: string, names: readonly string[]): string[] {
  const q = query.toLowerCase();
  const limit = Math.max(2, Math.floor(q.length / 3));
  return names
    .map((n) => {
      const l = n.toLowerCase();
      return { n, d: editDistance(q, l), contains: l.includes(q) || q.includes(l) };
    })
    .filter(({ d, contains }) => d <= limit || contains)
    .sort((a, b) => a.d - b.d)
    .slice(0, 5)
    .map(({ n }) => n);
}

function unknownName(fn: string, name: string, names: readonly string[], extra = ''): never {
  const close = closeNames(name, names);
  const hint = close.length > 0 ? ` Did you mean ${close.join(', ')}?` : '';
  throw new SdartsError('ERR_SDARTS_GENOTYPE_UNKNOWN', `${fn}(): unknown genotype ${describe(name)}${extra}.${hint} Known names: ${names.join(', ')}`);
}

/** A published CNN genotype by name (exact spelling, e.g. `c10_s5_pgd`, `DARTS_V2`). */
export function getGenotype(name: string): Genotype {
  if (typeof name !== 'string') throw typeError('getGenotype', 'name', 'a genotype name string', name);
  const key = CNN_ALIASES[name] ?? name;
  const cached = cnnCache.get(key);
  if (cached) return cached;
  if (!Object.hasOwn(CNN_GENOTYPE_DATA, key)) unknownName('getGenotype', name, CNN_GENOTYPE_NAMES);
  const g = genotypeFromJSON(CNN_GENOTYPE_DATA[key], `genotype '${key}'`);
  cnnCache.set(key, g);
  return g;
}

export function hasGenotype(name: string): boolean {
  return typeof name === 'string' && (Object.hasOwn(CNN_GENOTYPE_DATA, name) || Object.hasOwn(CNN_ALIASES, name));
}

/** A published recurrent-cell genotype by name (`DARTS_V2`, `penn_random`, `penn_pgd`, ...). */
export function getRnnGenotype(name: string): RnnGenotype {
  if (typeof name !== 'string') throw typeError('getRnnGenotype', 'name', 'a genotype name string', name);
  const cached = rnnCache.get(name);
  if (cached) return cached;
  if (!Object.hasOwn(RNN_GENOTYPE_DATA, name)) unknownName('getRnnGenotype', name, RNN_GENOTYPE_NAMES);
  const g = rnnGenotypeFromJSON(RNN_GENOTYPE_DATA[name], `RNN genotype '${name}'`);
  rnnCache.set(name, g);
  return g;
}

/**
 * Genotype JSON as a file holds it: a bare genotype, or a search run's `genotype.json`
 * `{ "final": <genotype>, "latest": <genotype>, "epochs": [...] }` (`final` once the search has finished;
 * `latest` after each epoch — taken only where `acceptLatest`).
 */
function fromDocument<G>(doc: unknown, where: string, fn: string, read: (v: unknown, where: string) => G, acceptLatest = false): G {
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc) && ('final' in doc || 'epochs' in doc || 'latest' in doc)) {
    const d = doc as { final?: unknown; latest?: unknown };
    if (d.final !== undefined && d.final !== null) return read(d.final, `${where} "final"`);
    if (acceptLatest && d.latest !== undefined && d.latest !== null) return read(d.latest, `${where} "latest"`);
    throw new SdartsError(
      'ERR_SDARTS_GENOTYPE_NOT_FOUND',
      `${fn}(): ${where} has no ${acceptLatest ? '"final" or "latest"' : '"final"'} genotype; the search has not finished an epoch. Pass a genotype name, DARTS text or a genotype JSON file instead`,
    );
  }
  return read(doc, where);
}

function parseJsonText(text: string, where: string, fn = 'resolveGenotype'): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_GENOTYPE_PARSE', `${fn}(): ${where} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** Prefix an error from a parser with the file it came from, keeping its code. */
function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SdartsError) throw new SdartsError(err.code, `${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

function looksLikeGenotypeText(s: string): boolean {
  return /^(Genotype\s*)?\(/.test(s) || /^normal\s*=/.test(s);
}

/**
 * Turn a user's architecture argument into a genotype. Tried in this order:
 *   1. a library name (`c10_s5_pgd`, `DARTS_V2`, `DARTS`);
 *   2. DARTS text (`Genotype(normal=[...], ...)`) or inline genotype JSON (`{...}`);
 *   3. a path: a directory is a search run (reads `<dir>/genotype.json`); a file holds genotype JSON
 *      (bare or a run's `{final, epochs}`) or DARTS text.
 */
export function resolveGenotype(arg: string): Genotype {
  if (typeof arg !== 'string' || arg.trim() === '') {
    throw typeError('resolveGenotype', 'arg', 'a genotype name, DARTS genotype text, a JSON file or a run directory', arg);
  }
  const s = arg.trim();
  if (hasGenotype(s)) return getGenotype(s);
  if (looksLikeGenotypeText(s)) return parseGenotype(s);
  if (s.startsWith('{')) return fromDocument(parseJsonText(s, 'inline genotype JSON'), 'inline genotype JSON', 'resolveGenotype', genotypeFromJSON);
  if (existsSync(s)) {
    let file = s;
    if (statSync(s).isDirectory()) {
      file = join(s, 'genotype.json');
      if (!existsSync(file)) {
        throw new SdartsError(
          'ERR_SDARTS_GENOTYPE_NOT_FOUND',
          `resolveGenotype(): directory '${s}' has no genotype.json; a search run writes it after each epoch. Check the run directory path`,
        );
      }
    }
    const text = readFileSync(file, 'utf8');
    const body = text.trim();
    if (body.startsWith('{')) return fromDocument(parseJsonText(body, `'${file}'`), `'${file}'`, 'resolveGenotype', genotypeFromJSON);
    return inFile(`'${file}'`, () => parseGenotype(body));
  }
  return unknownName(
    'resolveGenotype',
    s,
    CNN_GENOTYPE_NAMES,
    ': not a library name, not DARTS genotype text (Genotype(normal=[...], ...)), not JSON, and no file or directory of that name exists',
  );
}

function looksLikeRnnGenotypeText(s: string): boolean {
  return /^(Genotype\s*)?\(/.test(s) || /^recurrent\s*=/.test(s);
}

/**
 * The recurrent-cell counterpart of `resolveGenotype` (`sdarts rnn train --arch`). Tried in this order:
 *   1. a library name (`DARTS` = `DARTS_V2`, `DARTS_V1`, `ENAS`, `penn_random`, `penn_pgd`);
 *   2. DARTS text (`Genotype(recurrent=[...], concat=range(1, 9))`) or inline genotype JSON (`{...}`);
 *   3. a path: a directory is an `rnn search` run (its `genotype.json`: `final`, else `latest`); a file holds
 *      genotype JSON (bare or a run's `{final, latest, epochs}`) or DARTS text.
 */
export function resolveRnnGenotype(arg: string): RnnGenotype {
  const fn = 'resolveRnnGenotype';
  if (typeof arg !== 'string' || arg.trim() === '') {
    throw typeError(fn, 'arg', 'an RNN genotype name, DARTS genotype text, a JSON file or an `rnn search` run directory', arg);
  }
  const s = arg.trim();
  if (Object.hasOwn(RNN_GENOTYPE_DATA, s)) return getRnnGenotype(s);
  if (looksLikeRnnGenotypeText(s)) return parseRnnGenotype(s);
  if (s.startsWith('{')) return fromDocument(parseJsonText(s, 'inline genotype JSON', fn), 'inline genotype JSON', fn, rnnGenotypeFromJSON, true);
  if (existsSync(s)) {
    let file = s;
    if (statSync(s).isDirectory()) {
      file = join(s, 'genotype.json');
      if (!existsSync(file)) {
        throw new SdartsError(
          'ERR_SDARTS_GENOTYPE_NOT_FOUND',
          `${fn}(): directory '${s}' has no genotype.json; an \`rnn search\` run writes it after each epoch. Check the run directory path`,
        );
      }
    }
    const body = readFileSync(file, 'utf8').trim();
    if (body.startsWith('{')) return fromDocument(parseJsonText(body, `'${file}'`, fn), `'${file}'`, fn, rnnGenotypeFromJSON, true);
    return inFile(`'${file}'`, () => parseRnnGenotype(body));
  }
  return unknownName(
    fn,
    s,
    RNN_GENOTYPE_NAMES,
    ': not a library name, not DARTS genotype text (Genotype(recurrent=[...], concat=...)), not JSON, and no file or directory of that name exists',
  );
}
