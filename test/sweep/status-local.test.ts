/**
 * summarize on hand-written run directories (config.json + events.jsonl as the jobs write them):
 * grouping, a train run joining its search run's group through --arch, mean and sample std, incomplete
 * runs left out, and the four output formats; sweep status from run directories; the runSweep API on
 * a plan whose cells fail at once (the failure reported, the chained cell skipped).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../../src/sweep/plan.js';
import { runSweep, type SweepEvent } from '../../src/sweep/local-backend.js';
import { sweepStatus } from '../../src/sweep/status.js';
import { writeSweep, type SlurmSettings } from '../../src/sweep/sweep-dir.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-status-'));
const SLURM_OFF = {
  backend: 'slurm',
  partition: null,
  time: null,
  gres: null,
  account: null,
  cpusPerTask: null,
  mem: null,
  maxParallel: null,
  signalBefore: 120,
  sbatch: [],
} as const satisfies SlurmSettings;

function run(dir: string, command: string, config: object, events: object[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ command, config }));
  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join(''));
  return dir;
}
describe('sweep status and the local backend API', () => {
  it('reports a failed run with the error from its log', () => {
    const plan = planSweep({ command: 'search', grid: { seed: [0, 1] } });
    const sweep = writeSweep(join(tmp, 'status-sweep'), plan, { backend: 'local', workers: 1, gpus: null });
    run(join(sweep.dir, 'search/seed-0'), 'search', {}, [
      { type: 'start', epoch: 0, step: 0 },
      { type: 'checkpoint', epoch: 0, step: 100 },
      { type: 'error', message: 'LibTorch ran out of memory', code: 'ERR_SDARTS_OUT_OF_MEMORY', epoch: 0, step: 120 },
    ]);
    writeFileSync(join(sweep.dir, 'search/seed-0', 'checkpoint.safetensors'), '');
    const st = sweepStatus(sweep.dir);
    expect(st.cells.map((c) => [c.id, c.state, c.detail, c.resumable])).toEqual([
      ['search/seed-0', 'failed', 'ERR_SDARTS_OUT_OF_MEMORY: LibTorch ran out of memory', true],
      ['search/seed-1', 'pending', 'not started', false],
    ]);
    expect(st.counts).toEqual({ pending: 1, running: 0, done: 0, failed: 1, interrupted: 0 });
    expect(st.warning).toBeNull();
  });

  it('falls back to the run directories when squeue is not reachable', () => {
    const plan = planSweep({ command: 'search', grid: { seed: [0] } });
    const sweep = writeSweep(join(tmp, 'no-squeue'), plan, { ...SLURM_OFF });
    mkdirSync(join(sweep.dir, 'slurm'), { recursive: true });
    writeFileSync(
      join(sweep.dir, 'slurm', 'jobs.jsonl'),
      JSON.stringify({ stage: 'search', jobId: '41', indices: [0], dependency: null, submitted: '' }) + '\n',
    );
    const path = process.env['PATH'];
    process.env['PATH'] = join(tmp, 'empty-path');
    try {
      const st = sweepStatus(sweep.dir);
      expect(st.warning).toMatch(/^squeue is not on PATH: .*the states below come from the run directories alone/);
      expect(st.cells.map((c) => [c.id, c.state])).toEqual([['search/seed-0', 'pending']]);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('runs cells as processes, reports those that fail, and skips what was chained to them', async () => {
    const plan = planSweep({
      stages: [
        { command: 'search', options: { dataset: 'fashion-mnist', data: join(tmp, 'no-such-data') }, grid: { seed: [0, 1] } },
        { command: 'train', after: 'search', input: 'arch', where: { seed: 0 } },
      ],
    });
    const events: SweepEvent[] = [];
    for await (const e of runSweep(plan, { dir: join(tmp, 'failing'), workers: 2 })) events.push(e);
    expect(events[0]).toEqual({ type: 'sweep-start', dir: join(tmp, 'failing'), cells: 3, todo: 3, workers: 2 });
    const ends = events.filter((e) => e.type === 'cell-end');
    expect(ends.map((e) => [e.cell, e.exitCode, e.phase]).sort()).toEqual([
      ['search/seed-0', 2, 'not-started'],
      ['search/seed-1', 2, 'not-started'],
    ]);
    expect(events.find((e) => e.type === 'cell-skip')).toEqual({
      type: 'cell-skip',
      cell: 'train/seed-0',
      reason: 'its upstream search/seed-0 did not finish',
    });
    expect(events[events.length - 1]).toMatchObject({ type: 'sweep-end', reason: 'completed', counts: { 'not-started': 3, done: 0 } });
    const st = sweepStatus(join(tmp, 'failing'));
    expect(st.cells[0]!.state).toBe('failed');
    expect(st.cells[0]!.detail).toMatch(/^the run did not start: sdarts: .*no-such-data/);
    expect(st.cells[2]).toMatchObject({ state: 'pending', detail: 'not started (after search/seed-0)' });
  });

  it('gives each worker slot its GPU and an equal share of the cores', async () => {
    // A stand-in CLI that reports what a cell process was given.
    const cli = join(tmp, 'fake-cli.mjs');
    writeFileSync(cli, "console.log(`gpu=${process.env.CUDA_VISIBLE_DEVICES} args=${process.argv.slice(2).join(' ')}`);\n");
    const plan = planSweep({ command: 'search', grid: { seed: [0, 1, 2, 3] } });
    const events: SweepEvent[] = [];
    for await (const e of runSweep(plan, { dir: join(tmp, 'gpus'), workers: 2, gpus: ['3', '5'], cli })) events.push(e);
    const starts = events.filter((e) => e.type === 'cell-start');
    expect(starts).toHaveLength(4);
    const threads = String(Math.max(1, Math.floor(availableParallelism() / 2)));
    for (const s of starts) {
      expect(s.gpu).toBe(['3', '5'][s.slot]);
      expect(readFileSync(s.log, 'utf8')).toBe(`gpu=${s.gpu} args=${s.args.join(' ')}\n`);
      expect(s.args.slice(s.args.indexOf('--threads'), s.args.indexOf('--threads') + 2)).toEqual(['--threads', threads]);
    }
    expect(new Set(starts.slice(0, 2).map((s) => s.gpu))).toEqual(new Set(['3', '5']));
  });
});
