/** Genotype readers bound nesting: deep input is a parse error with a position, never a stack overflow. */
import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { genotypeFromJSON, parseGenotype, parseRnnGenotype, rnnGenotypeFromJSON } from '../../src/space/genotype/index.js';

function expectParse(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SdartsError);
  expect((caught as SdartsError).code).toBe('ERR_SDARTS_GENOTYPE_PARSE');
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

const N = 200_000;
const nest = (open: string, close: string, n = N) => open.repeat(n) + close.repeat(n);

describe('genotype parsers refuse deep nesting', () => {
  it('CNN text: 200 000 nested lists or tuples', () => {
    expectParse(
      () => parseGenotype(`Genotype(normal=${nest('[', ']')}, normal_concat=[2], reduce=[], reduce_concat=[2])`),
      'parseGenotype()',
      'nesting deeper than 32 levels',
      'column 48',
    );
    expectParse(() => parseGenotype(`Genotype(normal=${nest('(', ')')})`), 'nesting deeper than 32 levels');
  });

  it('CNN text: nested calls', () => {
    expectParse(() => parseGenotype(`Genotype(normal=${nest('f(', ')')})`), 'nesting deeper than 32 levels');
  });

  it('RNN text', () => {
    expectParse(() => parseRnnGenotype(`Genotype(recurrent=${nest('[', ']')}, concat=range(1, 9))`), 'parseRnnGenotype()', 'nesting deeper than 32 levels');
  });

  it('CNN and RNN JSON text', () => {
    expectParse(() => genotypeFromJSON(`{"normal": ${nest('[', ']')}}`, 'g.json'), 'genotypeFromJSON()', 'g.json', 'deeper than 32 levels');
    expectParse(() => rnnGenotypeFromJSON(`{"recurrent": ${nest('{"a":', '}')}}`), 'rnnGenotypeFromJSON()', 'deeper than 32 levels');
  });

  it('brackets inside JSON strings do not count, and 32 levels still parse (then fail validation)', () => {
    let err: unknown;
    try {
      genotypeFromJSON(`{"name": "${'['.repeat(100)}", "normal": ${nest('[', ']', 31)}, "normal_concat": [2], "reduce": [], "reduce_concat": [2]}`);
    } catch (e) {
      err = e;
    }
    expect((err as SdartsError).code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
    try {
      parseGenotype(`Genotype(normal=${nest('[', ']', 30)}, normal_concat=[2], reduce=[], reduce_concat=[2])`);
    } catch (e) {
      err = e;
    }
    expect((err as SdartsError).code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
  });
});
