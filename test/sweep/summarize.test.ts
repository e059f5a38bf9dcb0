/**
 * summarize on hand-written run directories (config.json + events.jsonl as the jobs write them):
 * grouping, a train run joining its search run's group through --arch, mean and sample std, incomplete
 * runs left out, and the four output formats.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize, stats } from '../../src/sweep/summarize.js';
import { formatSummary } from '../../src/sweep/summary-format.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-summary-'));

function run(dir: string, command: string, config: object, events: object[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ command, config }));
  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join(''));
  return dir;
}
const normal = (ops: string[]): [string, number][] => ops.map((op, i) => [op, i % 2]);
function search(name: string, config: object, validAccs: number[], eigen: (number | null)[], ops: string[], done = true): string {
  return run(join(tmp, 'runs', name), 'search', { dataset: 'cifar10', ...config }, [
    { type: 'start', epoch: 0, step: 0 },
    ...validAccs.map((v, epoch) => ({ type: 'epoch', epoch, validAcc: v, eigenvalue: eigen[epoch] ?? null })),
    ...(done ? [{ type: 'end', reason: 'completed', architectureJSON: { normal: normal(ops), reduce: normal(['skip_connect']) } }] : []),
  ]);
}

describe('summarize', () => {
  const a = search('a', { space: 's1', perturb: 'random', seed: 0 }, [50, 60], [null, 0.5], ['skip_connect', 'sep_conv_3x3', 'max_pool_3x3', 'none']);
  search('b', { space: 's1', perturb: 'random', seed: 1 }, [40, 70], [0.25, null], ['skip_connect', 'sep_conv_3x3', 'dil_conv_3x3', 'sep_conv_5x5']);
  search('c', { space: 's1', perturb: 'none', seed: 0 }, [30], [], ['avg_pool_3x3', 'noise']);
  search('d', { space: 's2', perturb: 'none', seed: 0 }, [99], [], [], false);
  run(join(tmp, 'runs', 't'), 'train', { arch: a, dataset: 'cifar10', seed: 0 }, [
    { type: 'start', params: 3_300_000 },
    { type: 'end', reason: 'completed', testAcc: 97.25 },
  ]);

  it('groups completed runs, a train run with the search run it trained', () => {
    const s = summarize([join(tmp, 'runs')]);
    expect(s.by).toEqual(['space', 'dataset', 'perturb']);
    expect(s.skipped).toEqual([{ dir: join(tmp, 'runs', 'd'), reason: 'not completed' }]);
    expect(s.groups.map((g) => g.key)).toEqual([
      { space: 's1', dataset: 'cifar10', perturb: 'random' },
      { space: 's1', dataset: 'cifar10', perturb: 'none' },
    ]);
    const [rs, darts] = s.groups;
    // validAcc: the last epochs, 60 and 70: mean 65, sample std √((25 + 25)/1).
    expect(rs!.metrics.validAcc).toEqual({ mean: 65, std: Math.sqrt(50), n: 2 });
    // λ_max: the last one logged by each run (0.5 at epoch 1, 0.25 at epoch 0).
    expect(rs!.metrics.eigenvalue).toEqual({ mean: 0.375, std: Math.sqrt(2 * 0.125 ** 2), n: 2 });
    // parameter-free ops of the normal cell: 3 (skip, max pool, none) and 1 (skip).
    expect(rs!.metrics.paramFreeOps).toEqual({ mean: 2, std: Math.SQRT2, n: 2 });
    expect(rs!.metrics.testError).toEqual({ mean: 100 - 97.25, std: null, n: 1 });
    expect(rs!.metrics.params).toEqual({ mean: 3_300_000, std: null, n: 1 });
    expect(darts!.metrics).toEqual({ validAcc: { mean: 30, std: null, n: 1 }, paramFreeOps: { mean: 2, std: null, n: 1 } });
  });

  it('takes the NAS-Bench-101 test error of the last epoch of a 1Shot1 search', () => {
    const nb = (seed: number, errs: number[]): string =>
      run(join(tmp, 'nb', `s${seed}`), 'nasbench-search', { space: '1', dataset: 'cifar10', perturb: 'pgd_linf', seed }, [
        ...errs.map((testError, epoch) => ({ type: 'epoch', epoch, validAcc: 50 + epoch, testError, eigenvalue: null })),
        { type: 'end', reason: 'completed', architectureJSON: { matrix: [] } },
      ]);
    nb(0, [0.1, 0.06]);
    nb(1, [0.2, 0.08]);
    const [g] = summarize([join(tmp, 'nb')]).groups;
    expect(g!.key).toEqual({ space: '1', dataset: 'cifar10', perturb: 'pgd_linf' });
    expect(g!.metrics.nb101TestError!.mean).toBeCloseTo(0.07, 15);
    expect(g!.metrics.nb101TestError!.std).toBeCloseTo(Math.sqrt(2 * 0.01 ** 2), 15);
    expect(g!.metrics.paramFreeOps).toBeUndefined(); // not a CNN genotype
    expect(formatSummary(summarize([join(tmp, 'nb')]), 'md')).toContain('| SDARTS-ADV | 0.0700 ± 0.0141 (2) |');
  });

  it('computes the sample standard deviation', () => {
    expect(stats([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  });

  it("lays out md and html as the paper's tables, csv and json one row per group", () => {
    const s = summarize([join(tmp, 'runs')], { by: ['space', 'perturb'] });
    const md = formatSummary(s, 'md');
    expect(md).toContain(
      ['**search valid accuracy (%)** — mean ± std (n)', '', '| method | s1 |', '|---|---|', '| SDARTS-RS | 65.00 ± 7.07 (2) |', '| DARTS | 30.00 (1) |'].join(
        '\n',
      ),
    );
    expect(md).toContain('| SDARTS-RS | 3.30M (1) |');
    expect(formatSummary(s, 'html')).toContain('<tr><td>SDARTS-RS</td><td>65.00 ± 7.07 (2)</td></tr>');
    const csv = formatSummary(s, 'csv').trim().split('\n');
    expect(csv[0]).toBe(
      'space,perturb,validAcc_mean,validAcc_std,validAcc_n,eigenvalue_mean,eigenvalue_std,eigenvalue_n,paramFreeOps_mean,paramFreeOps_std,paramFreeOps_n,nb101TestError_mean,nb101TestError_std,nb101TestError_n,testError_mean,testError_std,testError_n,params_mean,params_std,params_n',
    );
    expect(csv[2]).toBe('s1,none,30,,1,,,,2,,1,,,,,,,,,');
    expect(JSON.parse(formatSummary(s, 'json'))).toEqual(JSON.parse(JSON.stringify(s)));
  });
});
