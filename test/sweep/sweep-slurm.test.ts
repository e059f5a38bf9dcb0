/**
 * `sdarts sweep` on a real single-node SLURM cluster (started by the test, test/sweep/slurm-cluster.ts),
 * beside the same grid on the local backend (--workers 2), which is also the uninterrupted reference:
 *   - a 4-task `%2` array runs on the test's cluster;
 *   - the 2 × 2 × 2 grid of tiny searches plus a train stage for one cell is submitted as job arrays;
 *     one running task is cancelled with scancel, another gets a time limit that expires mid-run (SLURM
 *     sends the early SIGTERM of --signal-before); `sdarts sweep resume` completes both from their
 *     checkpoints, and every cell's final α equals the local (uninterrupted) run's bitwise;
 *   - `sdarts summarize` gives the numbers computed here from each run's events.jsonl;
 *   - bad plans are refused before anything is submitted, naming the cell and the reason.
 * A tiny search ends in about a second while SLURM's time limits have minute granularity (checked every
 * 30 s), so the two tasks to interrupt are frozen (SIGSTOP) at their first checkpoint: they are surely
 * mid-run when SLURM's signal comes (SLURM sends SIGCONT with it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../e2e/cli.js';
import { startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';
import {
  GRID_PLAN,
  SEARCH_CELLS,
  TRAIN_CELL,
  eventsOf,
  finalAlphas,
  meanStd,
  pidOfRun,
  sdarts,
  sdartsAsync,
  waitFor,
  type CliResult,
} from './sweep-helpers.js';

let cluster: SlurmCluster;
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-sweep-'));
const planFile = join(tmp, 'plan.json');
const slurmDir = join(tmp, 'slurm-grid');
const localDir = join(tmp, 'local-grid');
let localRun: Promise<CliResult>;

interface Status {
  cells: { id: string; state: string; detail: string; resumable: boolean; job: { id: string; state: string; out: string } | null }[];
  counts: Record<string, number>;
}
const status = (dir: string): Status => {
  const r = sdarts(['sweep', 'status', dir, '--json'], cluster.env);
  if (r.status !== 0) throw new Error(`sweep status failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Status;
};
const slurmCmd = (cmd: string, args: string[]): string => execFileSync(cmd, args, { env: cluster.env, encoding: 'utf8' });
/** The status once no cell has a queued or running SLURM task. */
const settled = (dir: string): Status | false => {
  const s = status(dir);
  return s.cells.every((c) => !c.job || !['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING'].includes(c.job.state)) && s;
};

beforeAll(async () => {
  cluster = await startSlurmCluster();
  writeFileSync(planFile, JSON.stringify(GRID_PLAN));
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('sdarts sweep on SLURM', () => {
  it("a 4-task %2 array runs on the test's cluster", async () => {
    const script = join(tmp, 'array.sh');
    writeFileSync(script, `#!/bin/bash\n#SBATCH --output=${join(tmp, 'array-%a.out')}\necho task $SLURM_ARRAY_TASK_ID\n`);
    const job = slurmCmd('sbatch', ['--parsable', '--array=0-3%2', script]).trim();
    await waitFor(
      'the 4 array tasks to complete',
      () =>
        slurmCmd('squeue', ['-h', '-r', '-j', job, '-t', 'all', '-o', '%T'])
          .trim()
          .split('\n')
          .every((s) => s === 'COMPLETED'),
      60_000,
    );
    for (let i = 0; i < 4; i++) expect(readFileSync(join(tmp, `array-${i}.out`), 'utf8')).toBe(`task ${i}\n`);
  });

  it('runs the grid as job arrays; a cancelled and a timed-out task resume to the uninterrupted α', async () => {
    const sub = sdarts(['sweep', 'run', '--plan', planFile, '--dir', slurmDir, '--backend', 'slurm', '--max-parallel', '2', '--time', '10'], cluster.env);
    expect(sub.stderr).toBe('');
    expect(sub.status).toBe(0);
    expect(sub.stdout).toMatch(/submitted stage search: job array \d+ \(8 cells\)/);
    expect(sub.stdout).toMatch(/submitted stage train: job array \d+ \(1 cells\), after afterok:\d+_6/);
    const script = readFileSync(join(slurmDir, 'slurm', 'search.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --signal=B:TERM@120');
    expect(script).toContain('#SBATCH --time=10');
    // The uninterrupted reference: the same plan on the local backend, 2 at a time, meanwhile.
    localRun = sdartsAsync(['sweep', 'run', '--plan', planFile, '--dir', localDir, '--workers', '2']);

    // Freeze a running task at its first checkpoint (mid-run by construction), then let SLURM stop it.
    const freeze = async (cell: string): Promise<string> => {
      const dir = join(slurmDir, cell);
      await waitFor(`${cell}'s first checkpoint`, () => eventsOf(dir).some((e) => e['type'] === 'checkpoint'), 120_000, 5);
      const pid = await waitFor(`${cell}'s process`, () => pidOfRun(dir), 5_000, 5);
      process.kill(pid, 'SIGSTOP');
      expect(
        eventsOf(dir).some((e) => e['type'] === 'end'),
        `${cell} was caught mid-run`,
      ).toBe(false);
      return status(slurmDir).cells.find((c) => c.id === cell)!.job!.id;
    };
    const cancelled = SEARCH_CELLS[1]!; // s2 none seed 1: among the first two tasks
    const timedOut = SEARCH_CELLS[6]!; // s3 random seed 0: the train stage's upstream
    const cancelTask = await freeze(cancelled);
    slurmCmd('scancel', [cancelTask]);
    const timeTask = await freeze(timedOut);
    slurmCmd('scontrol', ['update', `JobId=${timeTask}`, 'TimeLimit=1']);

    const before = await waitFor('the first submission to settle', () => settled(slurmDir), 180_000, 1000);
    const byId = new Map(before.cells.map((c) => [c.id, c]));
    for (const id of SEARCH_CELLS.filter((c) => c !== cancelled && c !== timedOut)) expect(byId.get(id)!.state, id).toBe('done');
    for (const id of [cancelled, timedOut]) {
      expect(byId.get(id)!.state, id).toBe('interrupted');
      expect(byId.get(id)!.resumable).toBe(true);
      // SLURM's SIGTERM: the run finished its step, wrote a checkpoint there, logged its interrupted end, exited 143.
      const ev = eventsOf(join(slurmDir, id));
      expect(ev.some((e) => e['type'] === 'end' && e['reason'] === 'completed')).toBe(false);
      expect(ev[ev.length - 1]).toMatchObject({ type: 'end', reason: 'interrupted' });
      const last = ev[ev.length - 2]!;
      expect(last['type']).toBe('checkpoint');
      expect(byId.get(id)!.detail).toContain(`resumes from its checkpoint at epoch ${String(last['epoch'])} step ${String(last['step'])}`);
    }
    expect(byId.get(cancelled)!.job!.state).toBe('CANCELLED');
    for (const id of [cancelled, timedOut])
      expect(readFileSync(byId.get(id)!.job!.out, 'utf8')).toContain('SIGTERM received — finishing the current step and writing a checkpoint');
    expect(byId.get(timedOut)!.detail).toMatch(/SLURM \d+_6/);
    // The train task waited for its upstream, which did not finish: it never started.
    expect(byId.get(TRAIN_CELL)!.state).toBe('pending');
    expect(existsSync(join(slurmDir, TRAIN_CELL, 'config.json'))).toBe(false);

    const resume = sdarts(['sweep', 'resume', slurmDir], cluster.env);
    expect(resume.stderr).toBe('');
    expect(resume.status).toBe(0);
    expect(resume.stdout).toMatch(/submitted stage search: job array \d+ \(2 cells\)/);
    expect(resume.stdout).toMatch(/submitted stage train: job array \d+ \(1 cells\), after afterok:\d+_6/);
    const after = await waitFor('the resumed cells to finish', () => settled(slurmDir), 180_000, 1000);
    expect(after.counts).toMatchObject({ done: 9, failed: 0, interrupted: 0 });
    for (const id of [cancelled, timedOut]) {
      const starts = eventsOf(join(slurmDir, id)).filter((e) => e['type'] === 'start');
      expect(starts.map((e) => e['resumed'])).toEqual([false, true]);
    }
    // Never twice: the cells that were done have one start each, and a second resume submits nothing.
    for (const id of SEARCH_CELLS.filter((c) => c !== cancelled && c !== timedOut))
      expect(eventsOf(join(slurmDir, id)).filter((e) => e['type'] === 'start')).toHaveLength(1);
    expect(sdarts(['sweep', 'resume', slurmDir], cluster.env).stdout).toContain('nothing to submit');
    expect(sdarts(['sweep', 'cell', slurmDir, 'search:1', '--shell'], cluster.env).stdout).toBe('');

    const local = await localRun;
    expect(local.stderr).toBe('');
    expect(local.status).toBe(0);
    expect(local.stdout).toContain(`sweep ${localDir}: 9 of 9 cells to run, 2 at a time`);
    for (const id of SEARCH_CELLS) expect(finalAlphas(join(slurmDir, id)), id).toEqual(finalAlphas(join(localDir, id)));
    const testAcc = (dir: string): unknown => eventsOf(join(dir, TRAIN_CELL)).find((e) => e['type'] === 'end')!['testAcc'];
    expect(testAcc(slurmDir)).toBe(testAcc(localDir));
  }, 600_000);

  it('the local backend ran the same grid to completion, 2 at a time', () => {
    const s = status(localDir);
    expect(s.counts).toMatchObject({ done: 9, pending: 0, running: 0, failed: 0, interrupted: 0 });
    const cfg = JSON.parse(readFileSync(join(localDir, TRAIN_CELL, 'config.json'), 'utf8')) as { config: { arch: string } };
    expect(cfg.config.arch).toBe(join(localDir, 'search/space-s3_perturb-random_seed-0'));
  });

  it('a local sweep stopped by SIGTERM checkpoints its running cells and resumes to the same α', async () => {
    const dir = join(tmp, 'local-stopped');
    const cells = [SEARCH_CELLS[6]!, SEARCH_CELLS[7]!]; // s3 random, seeds 0 and 1
    const plan = join(tmp, 'two.json');
    writeFileSync(plan, JSON.stringify({ ...GRID_PLAN.stages[0], grid: { space: ['s3'], perturb: ['random'], seed: [0, 1] } }));
    const child = spawn(process.execPath, [CLI, 'sweep', 'run', '--plan', plan, '--dir', dir, '--workers', '2'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor('both cells to checkpoint', () => cells.every((c) => eventsOf(join(dir, c)).some((e) => e['type'] === 'checkpoint')), 120_000, 5);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const stopped = status(dir);
    expect(stopped.cells.map((c) => [c.id, c.state, c.resumable])).toEqual(cells.map((c) => [c, 'interrupted', true]));
    const resumed = sdarts(['sweep', 'resume', dir]);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    for (const c of cells) {
      expect(resumed.stdout).toContain(`start ${c}: sdarts search --resume ${join(dir, c)}`);
      expect(finalAlphas(join(dir, c)), c).toEqual(finalAlphas(join(localDir, c)));
    }
  });

  it('summarize gives the numbers computed from events.jsonl', () => {
    for (const dir of [slurmDir, localDir]) {
      const r = sdarts(['summarize', dir, '--format', 'json']);
      expect(r.status).toBe(0);
      const summary = JSON.parse(r.stdout) as {
        groups: { key: Record<string, unknown>; metrics: Record<string, { mean: number; std: number | null; n: number }> }[];
      };
      expect(summary.groups).toHaveLength(4);
      for (const space of ['s2', 's3'])
        for (const perturb of ['none', 'random']) {
          const g = summary.groups.find((x) => x.key['space'] === space && x.key['perturb'] === perturb)!;
          expect(g.key['dataset']).toBe('fashion-mnist');
          const runs = [0, 1].map((seed) => eventsOf(join(dir, `search/space-${space}_perturb-${perturb}_seed-${seed}`)));
          const valid = runs.map((ev) => ev.filter((e) => e['type'] === 'epoch').pop()!['validAcc'] as number);
          const freeOps = runs.map(
            (ev) =>
              (ev.find((e) => e['type'] === 'end')!['architectureJSON'] as { normal: [string, number][] }).normal.filter(([op]) =>
                ['none', 'noise', 'skip_connect', 'max_pool_3x3', 'avg_pool_3x3'].includes(op),
              ).length,
          );
          for (const [name, xs] of [
            ['validAcc', valid],
            ['paramFreeOps', freeOps],
          ] as const) {
            const want = meanStd(xs);
            expect(g.metrics[name]!.n).toBe(2);
            expect(g.metrics[name]!.mean).toBeCloseTo(want.mean, 10);
            expect(g.metrics[name]!.std!).toBeCloseTo(want.std!, 10);
          }
          expect(g.metrics['eigenvalue']).toBeUndefined(); // --analyze-every 0: no λ_max logged
          if (space === 's3' && perturb === 'random') {
            const train = eventsOf(join(dir, TRAIN_CELL));
            expect(g.metrics['testError']).toEqual({ mean: 100 - (train.find((e) => e['type'] === 'end')!['testAcc'] as number), std: null, n: 1 });
            expect(g.metrics['params']).toEqual({ mean: train.find((e) => e['type'] === 'start')!['params'], std: null, n: 1 });
          } else expect(g.metrics['testError']).toBeUndefined();
        }
    }
    const md = sdarts(['summarize', slurmDir]).stdout;
    expect(md).toContain('| method | s2 · fashion-mnist | s3 · fashion-mnist |');
    expect(md).toMatch(/\| SDARTS-RS \| [\d.]+ ± [\d.]+ \(2\) \| [\d.]+ ± [\d.]+ \(2\) \|/);
  });

  it('refuses bad plans before anything is submitted, naming the cell and the reason', () => {
    const jobsBefore = slurmCmd('squeue', ['-h', '-r', '-t', 'all', '-o', '%i']);
    const refuse = (name: string, plan: unknown, ...reasons: RegExp[]): void => {
      const file = join(tmp, `${name}.json`);
      writeFileSync(file, JSON.stringify(plan));
      const dir = join(tmp, name);
      const r = sdarts(['sweep', 'run', '--plan', file, '--dir', dir, '--backend', 'slurm'], cluster.env);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain('Invalid sweep plan (nothing was run or submitted)');
      for (const re of reasons) expect(r.stderr).toMatch(re);
      expect(existsSync(join(dir, 'sweep.json'))).toBe(false);
    };
    const stage = (o: object) => ({ stages: [{ command: 'search', options: { dataset: 'fashion-mnist' }, ...o }] });
    refuse(
      'unknown',
      stage({ grid: { seed: [0], 'init-chanels': [4] } }),
      /cell search\/seed-0_initChanels-4 \(search\): unknown option 'initChanels' \(did you mean 'initChannels'\?\)/,
    );
    refuse('refused-value', stage({ grid: { layers: [1, 0] } }), /cell search\/layers-0 \(search\): --layers must be ≥ 1, got 0/);
    refuse('empty', stage({ grid: { seed: [] } }), /stage 1: grid 'seed' has no values, so the grid is empty/);
    refuse('clash', stage({ grid: { seed: [0, '0'] } }), /cells 0 and 1 of stage 'search' both map to the run directory search\/seed-0/);
    expect(slurmCmd('squeue', ['-h', '-r', '-t', 'all', '-o', '%i'])).toBe(jobsBefore);
  });
});
