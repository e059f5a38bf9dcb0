/**
 * `sdarts sweep status`: per cell pending / running / done / failed / interrupted, from the cells' run
 * directories (src/sweep/run-state.ts) and, for a SLURM sweep, the state of each cell's latest array
 * task (squeue, and sacct where accounting is on). A failed cell carries the error from its run's log,
 * or SLURM's word and its task's output file when the run never logged one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellDir } from './plan.js';
import { runState, type RunState } from './run-state.js';
import { isActive, slurmTasks, type SlurmTask } from './slurm-backend.js';
import { LOCAL_RUNNER_FILE, localLogFile } from './local-backend.js';
import { readSweep, type Sweep } from './sweep-dir.js';

export type CellState = 'pending' | 'running' | 'done' | 'failed' | 'interrupted';
export const CELL_STATES: readonly CellState[] = ['pending', 'running', 'done', 'failed', 'interrupted'];

export interface CellStatus {
  id: string;
  stage: string;
  index: number;
  state: CellState;
  /** One line: where the run stands or why it stopped. */
  detail: string;
  /** `--resume` can continue it (it has a checkpoint). */
  resumable: boolean;
  run: RunState;
  /** Its latest SLURM array task (SLURM sweeps). */
  job: SlurmTask | null;
}

export interface SweepStatus {
  dir: string;
  backend: 'local' | 'slurm';
  cells: CellStatus[];
  counts: Record<CellState, number>;
  /** Why SLURM's view is missing (squeue not reachable here): the states come from the run directories alone. */
  warning: string | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last non-empty line of a file (a task's output when the run never started). */
function lastLine(file: string): string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  return lines.length ? lines[lines.length - 1]!.trim() : null;
}

function at(run: RunState): string {
  return run.epoch !== null ? `epoch ${run.epoch} step ${run.step ?? 0}` : 'its start';
}

function checkpointAt(run: RunState): string {
  return run.checkpointAt ? `epoch ${run.checkpointAt.epoch} step ${run.checkpointAt.step}` : 'its last step';
}

/** The status of every cell; `scheduler: false` skips squeue/sacct (run directories only). */
export function sweepStatus(source: Sweep | string, opts: { scheduler?: boolean } = {}): SweepStatus {
  const sweep = typeof source === 'string' ? readSweep(source) : source;
  const slurm = sweep.backend.backend === 'slurm';
  let tasks = new Map<string, SlurmTask>();
  let warning: string | null = null;
  if (slurm && opts.scheduler !== false) {
    try {
      tasks = slurmTasks(sweep);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_SDARTS_SWEEP_SLURM') throw err;
      warning = `${(err as Error).message}; the states below come from the run directories alone (queued and running cells show as pending or stopped)`;
    }
  }
  const runnerFile = join(sweep.dir, LOCAL_RUNNER_FILE);
  const localAlive = !slurm && existsSync(runnerFile) && alive(Number(readFileSync(runnerFile, 'utf8').trim()));
  const cells = sweep.cells.map((c): CellStatus => {
    const run = runState(cellDir(sweep.dir, c));
    const job = tasks.get(c.id) ?? null;
    const sched = job ? ` (SLURM ${job.id}: ${job.state}${job.reason ? `, ${job.reason}` : ''})` : '';
    const base = { id: c.id, stage: c.stage, index: c.index, run, job, resumable: run.checkpoint && run.phase !== 'done' };
    const st = (state: CellState, detail: string): CellStatus => ({ ...base, state, detail });
    if (run.phase === 'done') return st('done', `completed at ${at(run)}`);
    if (job && isActive(job.state))
      return job.state === 'PENDING' || job.state.startsWith('REQUEUE')
        ? st('pending', `queued${sched}`)
        : st('running', `${run.phase === 'started' ? `at ${at(run)}` : 'starting'}${sched}`);
    if (!slurm && localAlive && run.phase === 'started') return st('running', `at ${at(run)} (local)`);
    if (run.phase === 'failed') return st('failed', `${run.code ? `${run.code}: ` : ''}${run.message ?? 'failed'}${sched}`);
    if (run.phase === 'interrupted') return st('interrupted', `stopped at ${at(run)}; resumes from its checkpoint at ${checkpointAt(run)}${sched}`);
    if (run.phase === 'started')
      return run.checkpoint
        ? st('interrupted', `stopped at ${at(run)}; resumes from its checkpoint at ${checkpointAt(run)}${sched}`)
        : st('failed', `stopped before its first checkpoint${sched}`);
    // Not started.
    if (job && job.reason && /Dependency/i.test(job.reason)) return st('pending', `not started: its upstream ${c.after ?? ''} is not done${sched}`);
    if (job && job.state !== 'UNKNOWN' && job.state !== 'CANCELLED') {
      const why = lastLine(job.out);
      return st('failed', `its task ended ${job.state} before the run started${why ? `: ${why}` : ''} (output: ${job.out})`);
    }
    if (!slurm) {
      const why = lastLine(localLogFile(sweep, c));
      if (why) return st('failed', `the run did not start: ${why}`);
    }
    return st('pending', c.after ? `not started (after ${c.after})` : 'not started');
  });
  const counts = Object.fromEntries(CELL_STATES.map((s) => [s, cells.filter((c) => c.state === s).length])) as Record<CellState, number>;
  return { dir: sweep.dir, backend: sweep.backend.backend, cells, counts, warning };
}
