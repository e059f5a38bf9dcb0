/**
 * Sweep plans without running anything: grid expansion, chained stages and deterministic names; every
 * refusal names the cell (or stage) and the reason; a cell's command line (new run, --resume, nothing
 * when done); shell quoting; SLURM array ranges and the sbatch script.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/plan.js';
import { cellCommand, optionArgs, shellQuote } from '../../src/sweep/cell-command.js';
import { arrayRanges, sbatchScript } from '../../src/sweep/slurm-backend.js';
import type { SlurmSettings, Sweep } from '../../src/sweep/sweep-dir.js';
import { GRID_PLAN, SEARCH_CELLS, TRAIN_CELL } from './sweep-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-plan-'));

function refused(plan: unknown): string {
  try {
    planSweep(plan);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('ERR_SDARTS_SWEEP_PLAN');
    return (err as Error).message;
  }
  throw new Error('the plan was accepted');
}

const SLURM: SlurmSettings = {
  backend: 'slurm',
  partition: 'gpu',
  time: '24:00:00',
  gres: 'gpu:1',
  account: 'nas lab',
  cpusPerTask: 8,
  mem: '32G',
  maxParallel: 4,
  signalBefore: 120,
  sbatch: ['--constraint=a100', '--qos=long'],
};

describe('planSweep', () => {
  it('expands the grid (last key fastest) and chains the train stage to the matching search cell', () => {
    const p = planSweep(GRID_PLAN);
    expect(p.name).toBe('tiny');
    expect(p.stages).toEqual([
      { name: 'search', command: 'search', after: null, input: null },
      { name: 'train', command: 'train', after: 'search', input: 'arch' },
    ]);
    expect(p.cells.map((c) => c.id)).toEqual([...SEARCH_CELLS, TRAIN_CELL]);
    expect(p.cells.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 0]);
    const train = p.cells[8]!;
    expect(train).toMatchObject({ stage: 'train', after: SEARCH_CELLS[6], values: { space: 's3', perturb: 'random', seed: 0 } });
    expect(train.options['arch']).toBe(SEARCH_CELLS[6]);
    expect(p.cells[5]!.options).toMatchObject({ space: 's3', perturb: 'none', seed: 1, initChannels: 2, limitTrain: 256 });
  });

  it('accepts one stage object, and names a gridless stage "default"', () => {
    expect(planSweep({ command: 'nasbench search', options: { epochs: 1 } }).cells.map((c) => c.id)).toEqual(['nasbench-search/default']);
  });

  it('names a chained cell after its upstream and its own grid', () => {
    const p = planSweep({
      stages: [
        { command: 'search', grid: { seed: [0, 1] } },
        { command: 'train', after: 'search', input: 'arch', grid: { seed: [0, 1], cutout: [true] } },
      ],
    });
    expect(p.cells.slice(2).map((c) => c.id)).toEqual([
      'train/seed-0__seed-0_cutout-true',
      'train/seed-0__seed-1_cutout-true',
      'train/seed-1__seed-0_cutout-true',
      'train/seed-1__seed-1_cutout-true',
    ]);
  });

  it('refuses bad plans with every problem, naming the cell or stage', () => {
    const msg = refused({
      stages: [{ command: 'search', options: { save: 'x', 'learning-rate': -1 }, grid: { space: ['s9', 's1'], seed: 3 } }],
    });
    expect(msg).toContain("stage 1: 'save' is set by the sweep");
    expect(msg).toContain("stage 1: grid 'seed' must be a list of values, got 3");
    expect(refused({ command: 'search', options: { 'learning-rate': -1 }, grid: { space: ['s9', 's1'] } })).toMatch(
      /cell search\/space-s9 \(search\): --learning-rate must be ≥ 0, got -1\n {2}- cell search\/space-s9 \(search\): --space must be one of s1, s2, s3, s4, s5; got "s9"\n {2}- cell search\/space-s1 \(search\): --learning-rate must be ≥ 0, got -1/,
    );
    expect(refused({ command: 'test' })).toContain("stage 1: 'test' is not a job command; a sweep runs 'search', 'train', 'nasbench search'");
    expect(refused({ stages: [] })).toContain('the plan has no stages');
    expect(refused([1])).toContain('the plan must be a JSON object');
    expect(refused({ command: 'search', grids: {} })).toContain("stage 1: unknown field 'grids'");
    expect(refused({ command: 'search', options: { seed: 1 }, grid: { seed: [1, 2] } })).toContain('stage 1: \'seed\' is both in "options" and in "grid"');
    const chain = (o: object) => ({
      stages: [
        { command: 'search', grid: { seed: [0] } },
        { command: 'train', after: 'search', ...o },
      ],
    });
    expect(refused(chain({}))).toContain('stage 2: a chained stage needs "input", the option of \'train\' that gets the upstream run directory');
    expect(refused(chain({ input: 'arh' }))).toContain("; 'arh' is not one");
    expect(refused(chain({ input: 'arch', where: { seed: 5 } }))).toContain(
      'stage 2: "where" {"seed":5} matches no cell of stage \'search\', so the stage is empty',
    );
    expect(refused(chain({ input: 'arch', after: 'serch' }))).toContain('stage 2: "after": \'serch\' is not an earlier stage (stages: search)');
    expect(refused({ stages: [{ command: 'search' }, { command: 'search' }] })).toContain("stage 2: two stages are named 'search'");
  });
});

describe('a cell command line', () => {
  const sweep = (): Sweep => ({ format: 1, dir: join(tmp, 'sw'), created: '', backend: SLURM, ...planSweep(GRID_PLAN) });

  it('writes switches as commander reads them back, defaults left out', () => {
    expect(optionArgs('search', { cutout: true, pgdRandomStart: false, unrolled: false, seed: 3, data: null })).toEqual([
      '--cutout',
      '--no-pgd-random-start',
      '--seed',
      '3',
    ]);
  });

  it('is a new run with --save, then --resume once there is a checkpoint, then nothing once done', () => {
    const s = sweep();
    const cell = s.cells[0]!;
    const dir = join(s.dir, cell.id);
    expect(cellCommand(s, cell, { threads: 4 })!.args).toEqual([
      'search',
      ...['--space', 's2', '--dataset', 'fashion-mnist', '--batch-size', '8', '--epochs', '2', '--init-channels', '2', '--layers', '1'],
      ...['--perturb', 'none', '--limit-train', '256', '--threads', '1', '--seed', '0', '--checkpoint-every', '4', '--save', dir],
    ]);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'checkpoint.safetensors'), '');
    expect(cellCommand(s, cell, { threads: 4 })).toEqual({ args: ['search', '--resume', dir], resume: true });
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'events.jsonl'), '{"type":"start"}\n{"type":"end","reason":"completed","epoch":2,"step":0}\n');
    expect(cellCommand(s, cell)).toBeNull();
  });

  it('passes the upstream run directory to a chained cell, and refuses to run it before the upstream is done', () => {
    const s = sweep();
    const train = s.cells[8]!;
    expect(() => cellCommand(s, train)).toThrow(
      /cell train\/space-s3_perturb-random_seed-0 trains the result of search\/space-s3_perturb-random_seed-0, which is not done \(not-started\)/,
    );
    const up = join(s.dir, SEARCH_CELLS[6]!);
    mkdirSync(up, { recursive: true });
    writeFileSync(join(up, 'config.json'), '{}');
    writeFileSync(join(up, 'events.jsonl'), '{"type":"end","reason":"completed"}\n');
    const args = cellCommand(s, train, { threads: 8 })!.args;
    expect(args.slice(0, 3)).toEqual(['train', '--arch', up]);
    expect(args.filter((a) => a === '--threads')).toHaveLength(1); // the plan sets --threads 1: the session's 8 is not added
    expect(args[args.indexOf('--threads') + 1]).toBe('1');
  });

  it('quotes arguments for a POSIX shell', () => {
    const args = ['plain', "it's", 'a b', '$HOME', '"q"', '', 'x;y'];
    expect(execFileSync('bash', ['-c', `printf '%s\\n' ${args.map(shellQuote).join(' ')}`], { encoding: 'utf8' })).toBe(args.join('\n') + '\n');
  });
});

describe('SLURM submission', () => {
  it('writes array task lists as ranges', () => {
    expect(arrayRanges([7, 0, 1, 2, 3, 5, 8])).toBe('0-3,5,7-8');
    expect(arrayRanges([4])).toBe('4');
  });

  it("puts the sweep's resources and signal in the sbatch script, which bash accepts", () => {
    const s: Sweep = { format: 1, dir: join(tmp, 'sw2'), created: '', backend: SLURM, ...planSweep(GRID_PLAN) };
    const script = sbatchScript(s, 'search', SLURM, { node: '/usr/bin/node', cli: '/opt/sdarts/dist/cli/main.js' });
    for (const line of [
      '#SBATCH --signal=B:TERM@120',
      '#SBATCH --requeue',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=24:00:00',
      '#SBATCH --gres=gpu:1',
      "#SBATCH --account='nas lab'",
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --mem=32G',
      '#SBATCH --constraint=a100',
      '#SBATCH --qos=long',
      `#SBATCH --output=${join(s.dir, 'slurm', 'search-%A_%a.out')}`,
      `args=$("\${SDARTS[@]}" sweep cell ${s.dir} "$cell" --shell --threads 8)`,
    ])
      expect(script.split('\n')).toContain(line);
    const file = join(tmp, 'search.sbatch');
    writeFileSync(file, script);
    execFileSync('bash', ['-n', file]);
  });
});
