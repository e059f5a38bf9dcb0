import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import {
  closeNames,
  CNN_GENOTYPE_DATA,
  CNN_GENOTYPE_NAMES,
  formatGenotype,
  genotypesEqual,
  genotypeToJSON,
  getGenotype,
  getRnnGenotype,
  hasGenotype,
  resolveGenotype,
  RNN_GENOTYPE_DATA,
  RNN_GENOTYPE_NAMES,
} from '../../src/space/genotype/index.js';

/** The single copy of the published tables, next to the module that reads them. */
const DATA = join(import.meta.dirname, '..', '..', 'src', 'space', 'genotype');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'space');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-genotype-lib-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function thrown(fn: () => unknown): SdartsError {
  try {
    fn();
  } catch (err) {
    return err as SdartsError;
  }
  throw new Error('expected the call to throw');
}

describe('genotype data', () => {
  it('the tables are byte for byte the reference tables they were copied from (sha256 taken at the copy)', () => {
    // The project's reference cnn-genotypes.json / rnn-genotypes.json, extracted from SmoothDARTS
    // sota/cnn/genotypes.py, optimizers/darts/genotypes.py and sota/rnn/genotypes.py.
    const sha256 = (file: string): string =>
      createHash('sha256')
        .update(readFileSync(join(DATA, file)))
        .digest('hex');
    expect(sha256('cnn-genotypes.json')).toBe('496b5ac6e8038c05981c0a44102849e26d0e8952edf75ddc14eca61d56ac738a');
    expect(sha256('rnn-genotypes.json')).toBe('8ee4d862019b12a3d2b7fd1ba7df3d6fc05d36538175563e4f669f34176d54a6');
  });

  it('the library serves those files as they are, in their order', () => {
    const cnn = JSON.parse(readFileSync(join(DATA, 'cnn-genotypes.json'), 'utf8'));
    const rnn = JSON.parse(readFileSync(join(DATA, 'rnn-genotypes.json'), 'utf8'));
    expect(CNN_GENOTYPE_DATA).toEqual(cnn);
    expect(RNN_GENOTYPE_DATA).toEqual(rnn);
    expect(Object.keys(CNN_GENOTYPE_DATA)).toEqual(Object.keys(cnn)); // same order
    expect(Object.keys(RNN_GENOTYPE_DATA)).toEqual(Object.keys(rnn));
  });

  it("Python's repr fixture (scripts/fixtures/genotype_repr.py) covers exactly the published names", () => {
    const repr = JSON.parse(readFileSync(join(FIXTURES, 'genotype-repr.json'), 'utf8')) as { cnn: object; rnn: object };
    expect(Object.keys(repr.cnn)).toEqual(Object.keys(CNN_GENOTYPE_DATA));
    expect(Object.keys(repr.rnn)).toEqual(Object.keys(RNN_GENOTYPE_DATA));
  });
});

describe('getGenotype', () => {
  it('returns every published name, and DARTS is DARTS_V2', () => {
    expect(CNN_GENOTYPE_NAMES.length).toBe(43);
    for (const name of CNN_GENOTYPE_NAMES) expect(hasGenotype(name)).toBe(true);
    expect(genotypesEqual(getGenotype('DARTS'), getGenotype('DARTS_V2'))).toBe(true);
    expect(getGenotype('c10_s1_pgd')).toBe(getGenotype('c10_s1_pgd')); // cached, frozen
  });

  it('c10_s5_pgd is the headline SDARTS-ADV cell listed in docs/reference-notes.md R2.12', () => {
    const g = getGenotype('c10_s5_pgd');
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 1],
      ['skip_connect', 0],
      ['sep_conv_5x5', 0],
      ['dil_conv_3x3', 3],
      ['dil_conv_3x3', 4],
      ['skip_connect', 0],
    ]);
    expect(g.reduce).toEqual([
      ['max_pool_3x3', 0],
      ['sep_conv_5x5', 1],
      ['skip_connect', 2],
      ['max_pool_3x3', 0],
      ['skip_connect', 3],
      ['skip_connect', 2],
      ['skip_connect', 2],
      ['sep_conv_5x5', 4],
    ]);
    // c10_s4_pcdarts contains ('noise', 3) (docs/reference-notes.md R2.12).
    expect(getGenotype('c10_s4_pcdarts').normal.concat(getGenotype('c10_s4_pcdarts').reduce)).toContainEqual(['noise', 3]);
  });

  it('suggests close names for a typo', () => {
    const err = thrown(() => getGenotype('c10_s5_rs'));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_UNKNOWN');
    expect(err.message).toMatch(/^getGenotype\(\): unknown genotype "c10_s5_rs" \(string\)\. Did you mean c10_s5_pgd\? Known names: c10_s1_random, /);
    expect(closeNames('darts_v2', CNN_GENOTYPE_NAMES)).toEqual(['DARTS_V2', 'DARTS_V1', 'DARTS']);
    expect(closeNames('c10_s5', CNN_GENOTYPE_NAMES)).toEqual(['c10_s5_pgd', 'c10_s5_random']);
    expect(closeNames('resnet', CNN_GENOTYPE_NAMES)).toEqual(['NASNet']); // edit distance 2
    expect(closeNames('vgg16', CNN_GENOTYPE_NAMES)).toEqual([]);
    const te = thrown(() => getGenotype(undefined as unknown as string));
    expect(te).toBeInstanceOf(TypeError);
    expect(te.message).toBe("Expected a genotype name string for 'name' in getGenotype() but received undefined");
  });

  it('getRnnGenotype returns the PTB cells', () => {
    expect(RNN_GENOTYPE_NAMES).toEqual(['ENAS', 'DARTS_V1', 'DARTS_V2', 'DARTS', 'penn_random', 'penn_pgd']);
    // docs/reference-notes.md R3.2
    expect(getRnnGenotype('penn_pgd').recurrent).toEqual([
      ['relu', 0],
      ['relu', 1],
      ['tanh', 2],
      ['relu', 3],
      ['identity', 2],
      ['relu', 1],
      ['tanh', 2],
      ['relu', 7],
    ]);
    expect(getRnnGenotype('penn_random').concat).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(thrown(() => getRnnGenotype('penn')).message).toMatch(
      /^getRnnGenotype\(\): unknown genotype "penn" \(string\)\. Did you mean penn_pgd, penn_random\?/,
    );
  });
});

describe('resolveGenotype', () => {
  const v2 = getGenotype('DARTS_V2');

  it('accepts a library name, DARTS text and inline JSON', () => {
    expect(resolveGenotype('DARTS_V2')).toBe(v2);
    expect(genotypesEqual(resolveGenotype(`  ${formatGenotype(v2)}\n`), v2)).toBe(true);
    expect(genotypesEqual(resolveGenotype(JSON.stringify(genotypeToJSON(v2))), v2)).toBe(true);
  });

  it('reads a genotype JSON file, a DARTS text file and a run directory', () => {
    const file = join(tmp, 'arch.json');
    writeFileSync(file, JSON.stringify(genotypeToJSON(v2), null, 2));
    expect(genotypesEqual(resolveGenotype(file), v2)).toBe(true);

    const txt = join(tmp, 'arch.txt');
    writeFileSync(txt, formatGenotype(getGenotype('c10_s3_pgd')) + '\n');
    expect(genotypesEqual(resolveGenotype(txt), getGenotype('c10_s3_pgd'))).toBe(true);

    const run = join(tmp, 'run-1');
    mkdirSync(run);
    const epochs = [{ epoch: 0, genotype: genotypeToJSON(getGenotype('c10_s5_random')) }];
    writeFileSync(join(run, 'genotype.json'), JSON.stringify({ final: genotypeToJSON(getGenotype('c10_s5_pgd')), epochs }));
    expect(genotypesEqual(resolveGenotype(run), getGenotype('c10_s5_pgd'))).toBe(true);

    const bare = join(tmp, 'run-bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'genotype.json'), JSON.stringify(genotypeToJSON(v2)));
    expect(genotypesEqual(resolveGenotype(bare), v2)).toBe(true);
  });

  it('explains what is wrong with each kind of bad argument', () => {
    const empty = join(tmp, 'run-empty');
    mkdirSync(empty);
    let err = thrown(() => resolveGenotype(empty));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_NOT_FOUND');
    expect(err.message).toBe(
      `resolveGenotype(): directory '${empty}' has no genotype.json; a search run writes it after each epoch. Check the run directory path`,
    );

    const pending = join(tmp, 'run-pending');
    mkdirSync(pending);
    writeFileSync(join(pending, 'genotype.json'), JSON.stringify({ final: null, epochs: [] }));
    err = thrown(() => resolveGenotype(pending));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_NOT_FOUND');
    expect(err.message).toBe(
      `resolveGenotype(): '${join(pending, 'genotype.json')}' has no "final" genotype; the search has not finished an epoch. Pass a genotype name, DARTS text or a genotype JSON file instead`,
    );

    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"normal": [');
    err = thrown(() => resolveGenotype(broken));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_PARSE');
    expect(err.message).toMatch(new RegExp(`^resolveGenotype\\(\\): '${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is not valid JSON \\(`));

    const badOp = join(tmp, 'bad-op.json');
    writeFileSync(badOp, JSON.stringify({ ...genotypeToJSON(v2), normal: [['conv_3x3', 0], ...genotypeToJSON(v2).normal.slice(1)] }));
    err = thrown(() => resolveGenotype(badOp));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_INVALID');
    expect(err.message).toMatch(/^genotypeFromJSON\(\): '.*bad-op\.json': normal\[0\]\[0\]: unknown op "conv_3x3" \(string\); expected one of /);

    const badText = join(tmp, 'bad.txt');
    writeFileSync(badText, "Genotype(normal=[('skip_connect', 0)");
    err = thrown(() => resolveGenotype(badText));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_PARSE');
    expect(err.message.split('\n')[0]).toBe(`'${badText}': parseGenotype(): expected ',' or ']' but found end of input at line 1, column 37`);

    err = thrown(() => resolveGenotype('DARTS_V3'));
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_UNKNOWN');
    expect(err.message).toMatch(
      /^resolveGenotype\(\): unknown genotype "DARTS_V3" \(string\): not a library name, not DARTS genotype text \(Genotype\(normal=\[\.\.\.\], \.\.\.\)\), not JSON, and no file or directory of that name exists\. Did you mean DARTS_V1, DARTS_V2, DARTS\?/,
    );

    err = thrown(() => resolveGenotype('  '));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      'Expected a genotype name, DARTS genotype text, a JSON file or a run directory for \'arg\' in resolveGenotype() but received "  " (string)',
    );
  });
});
