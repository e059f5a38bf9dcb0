import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import {
  CNN_GENOTYPE_DATA,
  CNN_GENOTYPE_NAMES,
  formatGenotype,
  genotypeFromJSON,
  genotypesEqual,
  genotypeToJSON,
  getGenotype,
  parseGenotype,
  validateGenotype,
  type Genotype,
} from '../../src/space/genotype/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'space');
/** Python's repr() of every published genotype (scripts/fixtures/genotype_repr.py). */
const REPR = JSON.parse(readFileSync(join(FIXTURES, 'genotype-repr.json'), 'utf8')) as {
  cnn: Record<string, { range: string; list: string }>;
};
/** The published table (its single copy, src/space/genotype/cnn-genotypes.json). */
const PUBLISHED = CNN_GENOTYPE_DATA as unknown as Record<string, Record<string, unknown>>;

function thrown(fn: () => unknown): SdartsError {
  try {
    fn();
  } catch (err) {
    return err as SdartsError;
  }
  throw new Error('expected the call to throw');
}

/** The caret line of a parse error must sit under `token` in the excerpt line above it. */
function caretTarget(err: Error): string {
  const lines = err.message.split('\n');
  const excerpt = lines[1]!.slice(2);
  const col = lines[2]!.indexOf('^') - 2;
  return excerpt.slice(col);
}

const DARTS_V2_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), " +
  "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), " +
  "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), " +
  "('max_pool_3x3', 1)], reduce_concat=range(2, 6))";

describe('formatGenotype', () => {
  it("prints exactly Python's repr of the namedtuple (range for contiguous concat) for all 42 published genotypes", () => {
    expect(Object.keys(REPR.cnn)).toHaveLength(42);
    for (const [name, repr] of Object.entries(REPR.cnn)) {
      expect({ name, text: formatGenotype(getGenotype(name)) }).toEqual({ name, text: repr.range });
    }
    expect(formatGenotype(getGenotype('DARTS_V2'))).toBe(DARTS_V2_TEXT);
  });

  it('prints a list when concat is not a contiguous range (AmoebaNet reduce_concat)', () => {
    expect(formatGenotype(getGenotype('AmoebaNet'))).toContain('normal_concat=range(4, 7)');
    expect(formatGenotype(getGenotype('AmoebaNet'))).toMatch(/reduce_concat=\[3, 4, 6\]\)$/);
  });

  it('rejects an invalid genotype object with the camelCase field path', () => {
    const bad = { ...getGenotype('DARTS_V2'), normalConcat: [2, 3, 9] };
    const err = thrown(() => formatGenotype(bad));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
    expect(err.message).toBe('formatGenotype(): normalConcat[2]: state index 9 (number) is out of range; a cell with 4 nodes has states 0..5');
  });
});

describe('parseGenotype', () => {
  it('parses both Python forms of every published genotype back to the same genotype', () => {
    for (const [name, repr] of Object.entries(REPR.cnn)) {
      const g = getGenotype(name);
      expect(genotypesEqual(parseGenotype(repr.range), g)).toBe(true);
      expect(genotypesEqual(parseGenotype(repr.list), g)).toBe(true);
      expect(formatGenotype(parseGenotype(formatGenotype(g)))).toBe(formatGenotype(g));
    }
  });

  it('accepts double quotes, newlines, comments, trailing commas, list genes and no prefix', () => {
    const expected = getGenotype('DARTS_V2');
    const variants = [
      DARTS_V2_TEXT.replace(/'/g, '"'),
      DARTS_V2_TEXT.replace(/, /g, ',\n    ').replace('Genotype(', 'Genotype(\n  # DARTS_V2 from the paper\n  '),
      DARTS_V2_TEXT.replace(/\('([a-z_0-9]+)', (\d)\)/g, "['$1', $2]").replace(/\)$/, ',)'),
      DARTS_V2_TEXT.slice('Genotype'.length),
      DARTS_V2_TEXT.slice('Genotype('.length, -1),
      `  ${DARTS_V2_TEXT}\n`,
      DARTS_V2_TEXT.replace('Genotype (', 'Genotype('),
    ];
    for (const text of variants) expect(genotypesEqual(parseGenotype(text), expected)).toBe(true);
  });

  it('accepts positional fields in namedtuple order and range(stop)', () => {
    const text = "Genotype([('skip_connect', 0), ('sep_conv_3x3', 1)], range(2, 3), [('max_pool_3x3', 1), ('max_pool_3x3', 0)], reduce_concat=range(3))";
    const g = parseGenotype(text);
    expect(g.normal).toEqual([
      ['skip_connect', 0],
      ['sep_conv_3x3', 1],
    ]);
    expect(g.normalConcat).toEqual([2]);
    expect(g.reduce).toEqual([
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
    ]);
    expect(g.reduceConcat).toEqual([0, 1, 2]);
  });

  it('points a syntax error at the offending token (missing comma between genes)', () => {
    const text = "Genotype(normal=[('sep_conv_3x3', 0) ('sep_conv_3x3', 1)])";
    const err = thrown(() => parseGenotype(text));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_PARSE');
    expect(err.message.split('\n')[0]).toBe("parseGenotype(): expected ',' or ']' but found '(' at line 1, column 38");
    expect(text[37]).toBe('(');
    expect(caretTarget(err).startsWith("('sep_conv_3x3', 1)")).toBe(true);
  });

  it('reports line and column on multi-line input', () => {
    const text =
      "Genotype(\n  normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)],\n  normal_concat=range(2, 3),\n  reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 2)],\n  reduce_concat=range(2, 3))";
    const err = thrown(() => parseGenotype(text));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
    expect(err.message.split('\n')[0]).toBe(
      'parseGenotype(): reduce[1][1]: input 2 (number) is not valid for node 0 (gene 1); node i takes inputs 0..i+1 (0 = c_{k-2}, 1 = c_{k-1}, j ≥ 2 = node j-2) at line 4, column 49',
    );
    expect(text.split('\n')[3]!.indexOf('2)],')).toBe(48);
    expect(caretTarget(err)).toBe('2)],');
  });

  it('names unknown ops with the accepted list, at the op string', () => {
    const text = DARTS_V2_TEXT.replace("('dil_conv_3x3', 2)", "('dil_conv_7x7', 2)");
    const err = thrown(() => parseGenotype(text));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
    expect(err.message.split('\n')[0]).toBe(
      `parseGenotype(): normal[7][0]: unknown op "dil_conv_7x7" (string); expected one of none, noise, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5, sep_conv_7x7, conv_7x1_1x7 at line 1, column ${text.indexOf("'dil_conv_7x7'") + 1}`,
    );
    expect(caretTarget(err).startsWith("'dil_conv_7x7', 2)")).toBe(true);
  });

  it('reports missing, unknown, repeated fields and other structural problems at the right token', () => {
    // [text, code, message before " at line", token the error points at (its last occurrence when `last`)]
    const cases: [string, string, string, string, boolean?][] = [
      [
        "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=range(2, 3), reduce=[('skip_connect', 0), ('skip_connect', 1)])",
        'ERR_SDARTS_GENOTYPE_PARSE',
        "missing field 'reduce_concat' (Genotype needs normal, normal_concat, reduce, reduce_concat)",
        ')',
        true,
      ],
      [
        'Genotype(normal=[], normal_concat=[2], reduce=[], reduce_concat=[2], extra=1)',
        'ERR_SDARTS_GENOTYPE_PARSE',
        "unknown field 'extra'; Genotype has fields normal, normal_concat, reduce, reduce_concat",
        'extra',
      ],
      ['Genotype(normal=[], normal=[])', 'ERR_SDARTS_GENOTYPE_PARSE', "field 'normal' given more than once", 'normal', true],
      ['Genome(normal=[])', 'ERR_SDARTS_GENOTYPE_PARSE', "expected 'Genotype(' but found 'Genome('", 'Genome'],
      [
        "Genotype(normal=[('skip_connect', 0)], normal_concat=[2], reduce=[], reduce_concat=[2])",
        'ERR_SDARTS_GENOTYPE_INVALID',
        'normal: expected an even, non-zero number of genes (two per node) but received 1',
        '[',
      ],
      [
        "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=list(range(2, 3)), reduce=[], reduce_concat=[])",
        'ERR_SDARTS_GENOTYPE_PARSE',
        'unsupported call list(); only range(start, stop) or a list is accepted here',
        'list(',
      ],
      [
        "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=range(2, 3), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=range(3, 4))",
        'ERR_SDARTS_GENOTYPE_INVALID',
        'reduce_concat[0]: state index 3 (number) is out of range; a cell with 1 node has states 0..2',
        'range(3',
      ],
      ["Genotype(normal=[('skip_connect, 0)])", 'ERR_SDARTS_GENOTYPE_PARSE', 'unterminated string literal', "'skip"],
      [
        'Genotype(normal=[(skip_connect, 0)])',
        'ERR_SDARTS_GENOTYPE_PARSE',
        "unexpected name 'skip_connect'; expected a number, a quoted string, a list or range()",
        'skip',
      ],
      ["Genotype(normal=[('skip_connect', 0.5)])", 'ERR_SDARTS_GENOTYPE_PARSE', "expected an integer but found '0.'", '0.5'],
      [`${DARTS_V2_TEXT} trailing`, 'ERR_SDARTS_GENOTYPE_PARSE', "expected end of input after Genotype(...) but found 'trailing'", 'trailing'],
      ["Genotype(normal=[('a', 0)] ; )", 'ERR_SDARTS_GENOTYPE_PARSE', "unexpected character ';'", ';'],
      [
        "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], range(2, 3))",
        'ERR_SDARTS_GENOTYPE_PARSE',
        'positional argument follows keyword argument',
        'range',
      ],
    ];
    for (const [text, code, message, token, last] of cases) {
      const err = thrown(() => parseGenotype(text));
      expect(err).toBeInstanceOf(SdartsError);
      const column = (last ? text.lastIndexOf(token) : text.indexOf(token)) + 1;
      expect({ text, code: err.code, message: err.message.split('\n')[0] }).toEqual({
        text,
        code,
        message: `parseGenotype(): ${message} at line 1, column ${column}`,
      });
      expect(caretTarget(err).startsWith(token)).toBe(true);
    }
    const empty = thrown(() => parseGenotype(''));
    expect(empty.message.split('\n')[0]).toBe(
      "parseGenotype(): missing field 'normal' (Genotype needs normal, normal_concat, reduce, reduce_concat) at line 1, column 1",
    );
  });

  it('rejects a non-string argument with a TypeError', () => {
    const err = thrown(() => parseGenotype(42 as unknown as string));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("Expected a genotype string for 'text' in parseGenotype() but received 42 (number)");
  });
});

describe('genotype JSON form', () => {
  it('round-trips every published genotype, and the JSON equals the published table minus its source note', () => {
    expect(CNN_GENOTYPE_NAMES).toHaveLength(43); // 42 + the DARTS alias
    for (const [name, published] of Object.entries(PUBLISHED)) {
      const g = getGenotype(name);
      const json = genotypeToJSON(g);
      const { source: _source, ...expected } = published;
      expect(json).toEqual(expected);
      const back = genotypeFromJSON(JSON.parse(JSON.stringify(json)));
      expect(genotypesEqual(back, g)).toBe(true);
      expect(genotypesEqual(genotypeFromJSON(JSON.stringify(json)), g)).toBe(true);
    }
  });

  it('accepts the camelCase TS object as well', () => {
    const g = getGenotype('c10_s5_pgd');
    expect(genotypesEqual(genotypeFromJSON({ ...g }), g)).toBe(true);
  });

  it('rejects unknown keys, ambiguous keys, missing keys and invalid content with the path', () => {
    const json = genotypeToJSON(getGenotype('DARTS_V2'));
    const cases: [unknown, string, string][] = [
      [
        { ...json, normal_conact: [2] },
        'ERR_SDARTS_GENOTYPE_INVALID',
        "genotypeFromJSON(): unknown key 'normal_conact'; expected normal, normal_concat, reduce, reduce_concat",
      ],
      [{ ...json, normalConcat: [2] }, 'ERR_SDARTS_GENOTYPE_INVALID', "genotypeFromJSON(): both 'normal_concat' and 'normalConcat' are present; keep one"],
      [{ normal: json.normal, reduce: json.reduce, reduce_concat: [2] }, 'ERR_SDARTS_GENOTYPE_INVALID', "genotypeFromJSON(): missing 'normal_concat'"],
      [
        { ...json, reduce: [...json.reduce.slice(0, 7), ['max_pool_3x3', 6]] },
        'ERR_SDARTS_GENOTYPE_INVALID',
        'genotypeFromJSON(): reduce[7][1]: input 6 (number) is not valid for node 3 (gene 7); node i takes inputs 0..i+1 (0 = c_{k-2}, 1 = c_{k-1}, j ≥ 2 = node j-2)',
      ],
      [
        { ...json, normal: [['sep_conv_3x3', 0, 1], ...json.normal.slice(1)] },
        'ERR_SDARTS_GENOTYPE_INVALID',
        'genotypeFromJSON(): normal[0]: expected an (op, input) pair but received array of length 3',
      ],
      [
        { ...json, normal: [['sep_conv_3x3', 1.5], ...json.normal.slice(1)] },
        'ERR_SDARTS_GENOTYPE_INVALID',
        'genotypeFromJSON(): normal[0][1]: input 1.5 (number) is not valid for node 0 (gene 0); node i takes inputs 0..i+1 (0 = c_{k-2}, 1 = c_{k-1}, j ≥ 2 = node j-2)',
      ],
      [{ ...json, normal_concat: [2, 3, 3] }, 'ERR_SDARTS_GENOTYPE_INVALID', 'genotypeFromJSON(): normal_concat[2]: state index 3 appears twice'],
      [
        [1, 2],
        'ERR_SDARTS_GENOTYPE_INVALID',
        'genotypeFromJSON(): expected a genotype object {normal, normal_concat, reduce, reduce_concat} but received array of length 2',
      ],
    ];
    for (const [value, code, message] of cases) {
      const err = thrown(() => genotypeFromJSON(value));
      expect(err).toBeInstanceOf(SdartsError);
      expect({ code: err.code, message: err.message }).toEqual({ code, message });
    }
    const err = thrown(() => genotypeFromJSON('{"normal": [', 'run/genotype.json'));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_PARSE');
    expect(err.message).toMatch(/^genotypeFromJSON\(\): run\/genotype\.json: not valid JSON \(/);
  });

  it('returns frozen genotypes', () => {
    const g = genotypeFromJSON(genotypeToJSON(getGenotype('DARTS_V1')));
    expect(Object.isFrozen(g)).toBe(true);
    expect(Object.isFrozen(g.normal)).toBe(true);
    expect(Object.isFrozen(g.normal[0])).toBe(true);
  });
});

describe('validateGenotype / genotypesEqual', () => {
  it('validates a hand-built genotype and compares genes and concat', () => {
    const a: Genotype = {
      normal: [
        ['skip_connect', 0],
        ['sep_conv_3x3', 1],
      ],
      normalConcat: [2],
      reduce: [
        ['max_pool_3x3', 0],
        ['max_pool_3x3', 1],
      ],
      reduceConcat: [2],
    };
    expect(validateGenotype(a)).toEqual(a);
    expect(genotypesEqual(a, { ...a })).toBe(true);
    expect(genotypesEqual(a, { ...a, reduceConcat: [1] })).toBe(false);
    expect(
      genotypesEqual(a, {
        ...a,
        normal: [
          ['skip_connect', 0],
          ['sep_conv_3x3', 0],
        ],
      }),
    ).toBe(false);
    const err = thrown(() => validateGenotype(null));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("Expected a Genotype object for 'genotype' in validateGenotype() but received null");
  });
});
