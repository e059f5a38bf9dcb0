/**
 * The first step of reading any genotype's JSON form (CNN or RNN cell): JSON text or an object,
 * which must be a plain object whose keys are all known (`source` and `name` are always allowed and
 * ignored). `where` prefixes messages (e.g. a file path).
 */
import { SdartsError, describe } from '../../util/errors.js';
import { MAX_GENOTYPE_NESTING } from './py-literal.js';

const IGNORED_KEYS: ReadonlySet<string> = new Set(['source', 'name']);

export function genotypeJsonObject(
  fn: string,
  value: unknown,
  where: string | undefined,
  o: { shape: string; keys: ReadonlySet<string>; fields: readonly string[] },
): Record<string, unknown> {
  const at = where ? `${where}: ` : '';
  let v = value;
  if (typeof v === 'string') {
    const deep = jsonTextTooDeep(v);
    if (deep >= 0)
      throw new SdartsError('ERR_SDARTS_GENOTYPE_PARSE', `${fn}(): ${at}JSON nests deeper than ${MAX_GENOTYPE_NESTING} levels (at offset ${deep})`);
    try {
      v = JSON.parse(v);
    } catch (err) {
      throw new SdartsError('ERR_SDARTS_GENOTYPE_PARSE', `${fn}(): ${at}not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${at}expected ${o.shape} but received ${describe(v)}`);
  }
  const obj = v as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!o.keys.has(key) && !IGNORED_KEYS.has(key)) {
      throw new SdartsError('ERR_SDARTS_GENOTYPE_INVALID', `${fn}(): ${at}unknown key '${key}'; expected ${o.fields.join(', ')}`);
    }
  }
  return obj;
}

/** Offset of the first bracket nested deeper than the limit in JSON text, or -1 (strings skipped). */
function jsonTextTooDeep(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_GENOTYPE_NESTING) return i;
    } else if (c === ']' || c === '}') depth--;
  }
  return -1;
}
