import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import {
  formatRnnGenotype,
  getRnnGenotype,
  parseRnnGenotype,
  RNN_GENOTYPE_DATA,
  RNN_GENOTYPE_NAMES,
  RNN_PRIMITIVES,
  rnnGenotypeFromJSON,
  rnnGenotypeToJSON,
  validateRnnGenotype,
} from '../../src/space/genotype/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'space');
/** Python's repr() of every published RNN genotype (scripts/fixtures/genotype_repr.py). */
const REPR = JSON.parse(readFileSync(join(FIXTURES, 'genotype-repr.json'), 'utf8')) as { rnn: Record<string, { range: string; list: string }> };
/** The published table (its single copy, src/space/genotype/rnn-genotypes.json). */
const PUBLISHED = RNN_GENOTYPE_DATA as unknown as Record<string, Record<string, unknown>>;

function thrown(fn: () => unknown): SdartsError {
  try {
    fn();
  } catch (err) {
    return err as SdartsError;
  }
  throw new Error('expected the call to throw');
}

describe('RNN genotype', () => {
  it('has the DARTS RNN primitives (docs/reference-notes.md R3.2)', () => {
    expect(RNN_PRIMITIVES).toEqual(['none', 'tanh', 'relu', 'sigmoid', 'identity']);
  });

  it("formats every published cell exactly as Python's repr and parses both forms back", () => {
    expect(Object.keys(REPR.rnn)).toEqual([...RNN_GENOTYPE_NAMES]);
    for (const name of RNN_GENOTYPE_NAMES) {
      const g = getRnnGenotype(name);
      expect({ name, text: formatRnnGenotype(g) }).toEqual({ name, text: REPR.rnn[name]!.range });
      expect(parseRnnGenotype(REPR.rnn[name]!.range)).toEqual(g);
      expect(parseRnnGenotype(REPR.rnn[name]!.list)).toEqual(g);
    }
    expect(formatRnnGenotype(getRnnGenotype('penn_random'))).toBe(
      "Genotype(recurrent=[('sigmoid', 0), ('sigmoid', 1), ('identity', 2), ('sigmoid', 1), ('tanh', 2), ('tanh', 2), ('sigmoid', 0), ('sigmoid', 3)], concat=range(1, 9))",
    );
  });

  it('round-trips every published cell through JSON', () => {
    for (const [name, published] of Object.entries(PUBLISHED)) {
      const g = getRnnGenotype(name);
      const { source: _s, ...expected } = published;
      expect(rnnGenotypeToJSON(g)).toEqual(expected);
      expect(rnnGenotypeFromJSON(JSON.stringify(rnnGenotypeToJSON(g)))).toEqual(g);
    }
  });

  it('rejects bad predecessors, activations and concat with the position', () => {
    const text = "Genotype(recurrent=[('relu', 0), ('tanh', 2)], concat=range(1, 3))";
    const err = thrown(() => parseRnnGenotype(text));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
    expect(err.message.split('\n')[0]).toBe(
      `parseRnnGenotype(): recurrent[1][1]: predecessor 2 (number) is not valid for node 2; it may use states 0..1 at line 1, column ${text.indexOf('2)') + 1}`,
    );
    const none = thrown(() => rnnGenotypeFromJSON({ recurrent: [['none', 0]], concat: [1] }));
    expect(none.message).toBe('rnnGenotypeFromJSON(): recurrent[0][0]: unknown activation "none" (string); expected one of tanh, relu, sigmoid, identity');
    const concat = thrown(() => validateRnnGenotype({ recurrent: [['relu', 0]], concat: [1, 2] }));
    expect(concat.message).toBe('validateRnnGenotype(): concat[1]: state index 2 (number) is out of range; a cell with 1 node has states 0..1');
    const missing = thrown(() => rnnGenotypeFromJSON({ recurrent: [['relu', 0]] }, 'rnn.json'));
    expect(missing.message).toBe("rnnGenotypeFromJSON(): rnn.json: missing 'concat'");
    const field = thrown(() => parseRnnGenotype("Genotype(recurrent=[('relu', 0)], concat=[1], normal=[])"));
    expect(field.code).toBe('ERR_SDARTS_GENOTYPE_PARSE');
    expect(field.message.split('\n')[0]).toBe("parseRnnGenotype(): unknown field 'normal'; Genotype has fields recurrent, concat at line 1, column 47");
  });
});
