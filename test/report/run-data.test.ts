/**
 * The report's reader on the run directories it must tolerate, written with the run's own writers
 * (EventsLog, the genotype JSON forms): a recurrent search (RNN genotype strings and perplexities in its
 * epoch events), a run still in its first epoch, a resumed run (replayed steps counted once), a failed
 * run, and directories that are not runs. What the search, train and nasbench jobs write for real is
 * read in report-browser.test.ts and report-cli.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventsLog } from '../../src/run/events-log.js';
import { formatRnnGenotype, getGenotype, getRnnGenotype, genotypeToJSON, rnnGenotypeToJSON } from '../../src/space/genotype/index.js';
import { readRun, parameterFreeCounts, architectureOf } from '../../src/report/run-data.js';
import { buildCompare, buildReport } from '../../src/report/report-html.js';
import { writeCompare } from '../../src/report/report.js';

const root = mkdtempSync(join(tmpdir(), 'sdarts-rundata-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeRun(
  name: string,
  command: string,
  config: Record<string, unknown>,
  events: Record<string, unknown>[],
  files: Record<string, unknown> = {},
): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ command, config, environment: { sdarts: '0.1.0', libtorch: '2.13.0', libtorchCuda: false }, created: '2026-01-01T00:00:00.000Z' }),
  );
  const log = new EventsLog(dir);
  for (const e of events) log.append(e);
  log.close();
  for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), JSON.stringify(v));
  return dir;
}

const chartTitles = (html: string): string[] =>
  [...html.matchAll(/<svg [^>]*class="chart" data-title="([^"]*)" data-series-count="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`);

describe('a recurrent search', () => {
  const g = getRnnGenotype('DARTS_V2');
  const text = formatRnnGenotype(g);
  const dir = makeRun(
    'rnn',
    'rnn search',
    { epochs: 3, seed: 3 },
    [
      { type: 'start', epoch: 0, step: 0, stepsPerEpoch: 2, epochs: 3, params: 1000 },
      { type: 'step', epoch: 0, step: 1, globalStep: 1, loss: 6.5, lr: 20 },
      { type: 'epoch', epoch: 0, lr: 20, trainLoss: 6.4, validLoss: 6.3, trainPpl: 601.8, validPpl: 544.6, architecture: text, seconds: 3 },
      { type: 'epoch', epoch: 1, lr: 20, trainLoss: 6.0, validLoss: 5.9, trainPpl: 403.4, validPpl: 365.0, architecture: text, seconds: 3 },
    ],
    { 'genotype.json': { final: null, latest: rnnGenotypeToJSON(g), epochs: [{ epoch: 0, genotype: rnnGenotypeToJSON(g) }] } },
  );

  it('reads the RNN genotype by its shape, per epoch and latest, and the perplexities by name', () => {
    const r = readRun(dir);
    expect(r.status).toBe('in progress');
    expect(r.final).toEqual({ kind: 'rnn', genotype: g });
    expect(r.epochs.map((e) => e.architecture?.kind)).toEqual(['rnn', 'rnn']);
    expect(r.epochs.map((e) => [e.values['trainPpl'], e.values['validPpl'], e.values['validLoss']])).toEqual([
      [601.8, 544.6, 6.3],
      [403.4, 365.0, 5.9],
    ]);
    // identity is the one parameter-free activation of DARTS_V2's recurrent cell (gene 5).
    expect(r.epochs[0]!.values['parameterFree.recurrent']).toBe(g.recurrent.filter(([a]) => a === 'identity').length);
  });

  it('draws the recurrent cell and plots loss (no accuracy), perplexity and lr', () => {
    const html = buildReport(readRun(dir));
    expect(chartTitles(html)).toEqual([
      'loss:2',
      'perplexity:2',
      'learning rate:1',
      'parameter-free ops in the genotype:1',
      'time per epoch:1',
      'train loss per step:1',
    ]);
    expect(html).toContain('data-title="recurrent cell"');
    // x_{t}, h_{t-1}, node 0, one node per gene, h_{t}: in the latest cell and in each epoch's frame.
    expect(html.match(/<g class="node"/g)).toHaveLength(3 * (3 + g.recurrent.length + 1));
    expect(html).toContain(`<div class="genotype">${text}</div>`);
  });
});

describe('runs in progress, resumed, failed', () => {
  it('a run in its first epoch: status, the per-step curve, no cell yet', () => {
    const dir = makeRun('first-epoch', 'search', { epochs: 2, perturb: 'random', seed: 2 }, [
      { type: 'start', epoch: 0, step: 0, stepsPerEpoch: 10, epochs: 2, params: 8422 },
      { type: 'step', epoch: 0, step: 1, globalStep: 1, loss: 2.3, top1: 10 },
      { type: 'step', epoch: 0, step: 2, globalStep: 2, loss: 2.2, top1: 12.5 },
    ]);
    const r = readRun(dir);
    expect([r.status, r.final, r.epochs.length, r.stepsPerEpoch, r.totalEpochs]).toEqual(['in progress', null, 0, 10, 2]);
    const html = buildReport(r);
    expect(chartTitles(html)).toEqual(['train loss per step:1']);
    expect(html).toContain('No architecture yet');
    expect(html).toContain('No epoch has finished yet.');
  });

  it('a resumed run: steps replayed after the resume replace the first ones, the last start wins', () => {
    const dir = makeRun('resumed', 'search', { epochs: 1 }, [
      { type: 'start', epoch: 0, step: 0, stepsPerEpoch: 4, epochs: 1, params: 1 },
      ...[1, 2, 3].map((s) => ({ type: 'step', epoch: 0, step: s, globalStep: s, loss: 10 + s })),
      { type: 'start', epoch: 0, step: 2, stepsPerEpoch: 4, epochs: 1, params: 1, resumed: true },
      ...[3, 4].map((s) => ({ type: 'step', epoch: 0, step: s, globalStep: s, loss: 20 + s })),
      { type: 'epoch', epoch: 0, trainLoss: 1, architectureJSON: genotypeToJSON(getGenotype('DARTS_V2')) },
      { type: 'end', reason: 'completed', epoch: 1, step: 0, architectureJSON: genotypeToJSON(getGenotype('DARTS_V2')) },
    ]);
    const r = readRun(dir);
    expect(r.steps.map((s) => [s.globalStep, s.loss])).toEqual([
      [1, 11],
      [2, 12],
      [3, 23],
      [4, 24],
    ]);
    expect(r.status).toBe('completed');
    expect(r.final).toEqual({ kind: 'cnn', genotype: getGenotype('DARTS_V2') });
    const free = (genes: readonly (readonly [string, number])[]): number => genes.filter(([op]) => op === 'skip_connect' || /_pool_/.test(op)).length;
    const d = getGenotype('DARTS_V2');
    expect(parameterFreeCounts(r.final!)).toEqual({ normal: free(d.normal), reduce: free(d.reduce) });
    expect(free(d.reduce)).toBeGreaterThan(free(d.normal)); // DARTS's reduction cell is mostly pooling
  });

  it('a failed run shows its error', () => {
    const dir = makeRun('failed', 'train', { epochs: 5, arch: 'DARTS_V2' }, [
      {
        type: 'start',
        epoch: 0,
        step: 0,
        stepsPerEpoch: 4,
        epochs: 5,
        params: 1,
        genotype:
          "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=[2], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2])",
      },
      { type: 'error', message: 'out of memory', code: 'ERR_SDARTS_OUT_OF_MEMORY', epoch: 0, step: 1, globalStep: 1, resumable: false },
    ]);
    const r = readRun(dir);
    expect(r.status).toBe('failed');
    expect(r.error).toEqual({ message: 'out of memory', code: 'ERR_SDARTS_OUT_OF_MEMORY' });
    expect(r.final?.kind).toBe('cnn');
    const html = buildReport(r);
    expect(html).toContain('failed: ERR_SDARTS_OUT_OF_MEMORY out of memory');
    expect(html).toContain('A train run keeps one cell');
  });
});

describe('architectures by shape', () => {
  it('NAS-Bench-101 specs, with or without their hash', () => {
    const spec = {
      matrix: [
        [0, 1],
        [0, 0],
      ],
      ops: ['input', 'output'],
    };
    expect(architectureOf({ hash: 'abc', spec })).toEqual({ kind: 'nasbench', spec, hash: 'abc' });
    expect(architectureOf(spec)).toEqual({ kind: 'nasbench', spec, hash: null });
    expect(architectureOf({ normal: 'x' })).toBeNull();
    expect(architectureOf('not a genotype')).toBeNull();
  });
});

describe('what is not a run', () => {
  it('a folder without config.json, a damaged config.json, compare with one run', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => readRun(empty)).toThrow(
      expect.objectContaining({ code: 'ERR_SDARTS_REPORT_NOT_A_RUN', message: expect.stringContaining(`${empty} is not a run directory (no config.json)`) }),
    );
    const bad = join(root, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'config.json'), '{"command": "search", ');
    expect(() => readRun(bad)).toThrow(expect.objectContaining({ code: 'ERR_SDARTS_REPORT_RUN_FILE' }));
    expect(() => writeCompare([join(root, 'rnn')])).toThrow(expect.objectContaining({ code: 'ERR_SDARTS_REPORT_COMPARE_RUNS' }));
  });

  it('compare labels runs by perturbation and seed, and by directory where those repeat', () => {
    const a = readRun(join(root, 'first-epoch'));
    const html = buildCompare([a, a, readRun(join(root, 'rnn'))]);
    expect(html).toContain('<td>search random seed 2 (first-epoch)</td>'); // commands differ: named too
    expect(html).toContain('<td>rnn</td>');
  });
});
