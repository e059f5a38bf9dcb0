/**
 * `rnn train --arch`: a library name, DARTS text, inline JSON, a JSON or text file, or an `rnn search` run
 * directory (its genotype.json's `final`, else `latest`), through `resolveRnnGenotype` and a run; what is
 * wrong with an --arch or the sizes is refused with a coded error before a run directory is made.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatRnnGenotype,
  getRnnGenotype,
  resolveRnnGenotype,
  rnnGenotypeToJSON,
  RNN_GENOTYPE_DATA,
  RNN_GENOTYPE_NAMES,
  getGenotype,
  genotypeToJSON,
} from '../../src/space/genotype/index.js';
import { runRnnTrain, type RnnTrainConfig, type RnnTrainEvent } from '../../src/run/rnn-train-job.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-rnn-arch-'));
const pgd = getRnnGenotype('penn_pgd');
const random = getRnnGenotype('penn_random');

/** A well-formed `rnn search` run directory: genotype.json as the search writes it ({final, latest, epochs}). */
function fakeSearchRun(name: string, doc: object): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'genotype.json'), JSON.stringify(doc, null, 2));
  return dir;
}

async function failure(raw: Partial<RnnTrainConfig>): Promise<{ code?: string; message: string }> {
  try {
    for await (const _ of runRnnTrain(raw)) void _;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected the run to fail');
}

describe('resolveRnnGenotype', () => {
  it('takes every library name; DARTS is DARTS_V2', () => {
    expect(RNN_GENOTYPE_NAMES).toEqual(['ENAS', 'DARTS_V1', 'DARTS_V2', 'DARTS', 'penn_random', 'penn_pgd']);
    for (const n of RNN_GENOTYPE_NAMES)
      expect(rnnGenotypeToJSON(resolveRnnGenotype(n))).toEqual({ recurrent: RNN_GENOTYPE_DATA[n]!.recurrent, concat: RNN_GENOTYPE_DATA[n]!.concat });
    expect(resolveRnnGenotype('DARTS')).toEqual(getRnnGenotype('DARTS_V2'));
  });

  it('takes DARTS text (also bare keyword arguments) and inline JSON', () => {
    expect(resolveRnnGenotype(formatRnnGenotype(pgd))).toEqual(pgd);
    expect(formatRnnGenotype(pgd)).toBe(
      "Genotype(recurrent=[('relu', 0), ('relu', 1), ('tanh', 2), ('relu', 3), ('identity', 2), ('relu', 1), ('tanh', 2), ('relu', 7)], concat=range(1, 9))",
    );
    expect(
      resolveRnnGenotype(
        formatRnnGenotype(pgd)
          .replace(/^Genotype\(/, '')
          .replace(/\)$/, ''),
      ),
    ).toEqual(pgd);
    expect(resolveRnnGenotype(JSON.stringify(rnnGenotypeToJSON(random)))).toEqual(random);
  });

  it('reads a JSON file, a text file and an rnn search run directory (final, else latest)', () => {
    const json = join(tmp, 'cell.json');
    writeFileSync(json, JSON.stringify(rnnGenotypeToJSON(pgd)));
    expect(resolveRnnGenotype(json)).toEqual(pgd);
    const text = join(tmp, 'cell.txt');
    writeFileSync(text, formatRnnGenotype(random) + '\n');
    expect(resolveRnnGenotype(text)).toEqual(random);
    const done = fakeSearchRun('search-done', {
      final: rnnGenotypeToJSON(pgd),
      latest: rnnGenotypeToJSON(pgd),
      epochs: [
        { epoch: 0, genotype: rnnGenotypeToJSON(random) },
        { epoch: 1, genotype: rnnGenotypeToJSON(pgd) },
      ],
    });
    expect(resolveRnnGenotype(done)).toEqual(pgd);
    const running = fakeSearchRun('search-running', {
      final: null,
      latest: rnnGenotypeToJSON(random),
      epochs: [{ epoch: 0, genotype: rnnGenotypeToJSON(random) }],
    });
    expect(resolveRnnGenotype(running)).toEqual(random);
    expect(resolveRnnGenotype(join(running, 'genotype.json'))).toEqual(random);
  });

  it('refuses what is not a recurrent cell with a coded error', () => {
    const expectCode = (arg: string, code: string, message: RegExp) => {
      let err: { code?: string; message?: string } | undefined;
      try {
        resolveRnnGenotype(arg);
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.code).toBe(code);
      expect(err?.message).toMatch(message);
    };
    expectCode('DARTS_V3', 'ERR_SDARTS_GENOTYPE_UNKNOWN', /unknown genotype "DARTS_V3" .*Did you mean DARTS_V1, DARTS_V2, DARTS\?/);
    expectCode(
      "Genotype(recurrent=[('relu', 1)], concat=range(1, 2))",
      'ERR_SDARTS_GENOTYPE_INVALID',
      /predecessor 1 .* is not valid for node 1; it may use states 0\.\.0/,
    );
    expectCode("Genotype(recurrent=[('conv', 0)], concat=[1])", 'ERR_SDARTS_GENOTYPE_INVALID', /unknown activation "conv"/);
    const cnn = join(tmp, 'cnn.json');
    writeFileSync(cnn, JSON.stringify(genotypeToJSON(getGenotype('DARTS_V2'))));
    expectCode(cnn, 'ERR_SDARTS_GENOTYPE_INVALID', /unknown key 'normal'; expected recurrent, concat/);
    expectCode(join(tmp, 'cnn-search'), 'ERR_SDARTS_GENOTYPE_UNKNOWN', /no file or directory of that name exists/);
    const empty = join(tmp, 'empty-run');
    mkdirSync(empty);
    expectCode(empty, 'ERR_SDARTS_GENOTYPE_NOT_FOUND', /has no genotype\.json; an `rnn search` run writes it after each epoch/);
    expectCode(
      fakeSearchRun('search-fresh', { final: null, latest: null, epochs: [] }),
      'ERR_SDARTS_GENOTYPE_NOT_FOUND',
      /has no "final" or "latest" genotype/,
    );
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"recurrent": [');
    expectCode(bad, 'ERR_SDARTS_GENOTYPE_PARSE', /is not valid JSON/);
  });
});

describe('rnn train --arch and sizes', () => {
  const SMALL = { emsize: 16, nhid: 16, nhidlast: 16, batchSize: 4, bptt: 10, limitTokens: 600, threads: 1, epochs: 1 } as const;

  it('trains the cell of an rnn search run directory', async () => {
    const search = fakeSearchRun('search-for-train', { final: rnnGenotypeToJSON(random), latest: rnnGenotypeToJSON(random), epochs: [] });
    const dir = join(tmp, 'train-from-search');
    const events: RnnTrainEvent[] = [];
    for await (const ev of runRnnTrain({ ...SMALL, arch: search, save: dir })) events.push(ev);
    expect(events[0]).toMatchObject({ type: 'start', genotype: formatRnnGenotype(random) });
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).config.arch).toBe(search);
  });

  it('refuses a bad --arch, unequal sizes and too large batches before making a run directory', async () => {
    const dir = join(tmp, 'never');
    expect(await failure({ ...SMALL, arch: 'penn_pdg', save: dir })).toMatchObject({
      code: 'ERR_SDARTS_GENOTYPE_UNKNOWN',
      message: expect.stringMatching(/Did you mean penn_pgd/),
    });
    expect(await failure({ ...SMALL, nhid: 8, save: dir })).toMatchObject({
      code: 'ERR_SDARTS_CONFIG',
      message: expect.stringContaining('--emsize 16, --nhid 8 and --nhidlast 16 must be equal'),
    });
    expect(await failure({ ...SMALL, batchSize: 300, testBatchSize: 400, save: dir })).toMatchObject({
      code: 'ERR_SDARTS_CONFIG',
      message: expect.stringMatching(
        /--batch-size 300 cuts the 600-token train split into 2 rows per column, fewer than the 3 it needs[^]*--test-batch-size 400 cuts the 600-token test split into 1 row per column/,
      ),
    });
    expect(existsSync(dir)).toBe(false);
  });
});
