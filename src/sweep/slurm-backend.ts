/**
 * The SLURM backend: one sbatch script per stage (slurm/<stage>.sbatch) and the stage's cells
 * submitted as one job array (--array=<cells>%<max parallel>), the array task id being the cell's index
 * in its stage. Each task asks `sdarts sweep cell` what to run — a new run, `--resume` from the run's
 * checkpoint, or nothing when the cell is done — and execs it, so the run itself gets SLURM's signals:
 * SIGTERM `signalBefore` seconds before the time limit (--signal=B:TERM@…), on scancel and on
 * preemption; it checkpoints and exits 143. The array is --requeue-able (a preempted task reruns and
 * resumes). A chained stage waits for exactly its upstream tasks (--dependency=afterok:…); the job ids
 * of every submission go to slurm/jobs.jsonl, from which status maps cells to SLURM's job states.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SdartsError } from '../util/errors.js';
import { shellQuote } from './cell-command.js';
import { defaultCli } from './local-backend.js';
import { cellDir, type SweepCell } from './plan.js';
import { runState } from './run-state.js';
import type { SlurmSettings, Sweep } from './sweep-dir.js';

export const JOBS_FILE = join('slurm', 'jobs.jsonl');

export interface Submission {
  stage: string;
  jobId: string;
  indices: number[];
  dependency: string | null;
  submitted: string;
}

/** A cell's array task as SLURM knows it now. */
export interface SlurmTask {
  /** `<array job id>_<index>` */
  id: string;
  state: string;
  reason: string | null;
  /** Its output file (stdout and stderr of the task). */
  out: string;
}

/** SLURM states in which a task will still run or runs now (anything else has ended). */
const ACTIVE = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SUSPENDED',
  'STAGE_OUT',
  'SIGNALING',
];
export const isActive = (state: string): boolean => ACTIVE.includes(state);

function slurm(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; status?: number };
    if (e.code === 'ENOENT')
      throw new SdartsError(
        'ERR_SDARTS_SWEEP_SLURM',
        `${cmd} is not on PATH: run the sweep where SLURM's client commands are installed, or use --backend local`,
        {
          cause: err,
        },
      );
    throw new SdartsError('ERR_SDARTS_SWEEP_SLURM', `${cmd} ${args.join(' ')} failed (exit ${e.status ?? '?'}): ${(e.stderr ?? '').trim() || 'no message'}`, {
      cause: err,
    });
  }
}

/** `0-3,5,7-8` for [0,1,2,3,5,7,8]. */
export function arrayRanges(indices: readonly number[]): string {
  const s = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function taskOutFile(sweep: Sweep, stage: string, jobId: string, index: number): string {
  return join(sweep.dir, 'slurm', `${stage}-${jobId}_${index}.out`);
}

/** The sbatch script of a stage: resources and signals from the sweep's settings, the cell chosen by the task id. */
export function sbatchScript(sweep: Sweep, stage: string, s: SlurmSettings, paths: { node?: string; cli?: string } = {}): string {
  const node = paths.node ?? process.execPath,
    cli = paths.cli ?? defaultCli();
  const q = shellQuote;
  const lines = [
    '#!/bin/bash',
    `# sdarts sweep '${sweep.name}', stage '${stage}': one array task per cell, the task id is the cell's index (see sweep.json).`,
    `#SBATCH --job-name=${q(`sdarts-${sweep.name}-${stage}`)}`,
    `#SBATCH --output=${q(join(sweep.dir, 'slurm', `${stage}-%A_%a.out`))}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    ...(s.signalBefore > 0 ? [`#SBATCH --signal=B:TERM@${s.signalBefore}`] : []),
    ...(s.partition ? [`#SBATCH --partition=${q(s.partition)}`] : []),
    ...(s.time ? [`#SBATCH --time=${q(s.time)}`] : []),
    ...(s.gres ? [`#SBATCH --gres=${q(s.gres)}`] : []),
    ...(s.account ? [`#SBATCH --account=${q(s.account)}`] : []),
    ...(s.cpusPerTask ? [`#SBATCH --cpus-per-task=${s.cpusPerTask}`] : []),
    ...(s.mem ? [`#SBATCH --mem=${q(s.mem)}`] : []),
    ...s.sbatch.map((l) => `#SBATCH ${l}`),
    'set -euo pipefail',
    `SDARTS=(${q(node)} ${q(cli)})`,
    `cell=${q(`${stage}:`)}"$SLURM_ARRAY_TASK_ID"`,
    `args=$("\${SDARTS[@]}" sweep cell ${q(sweep.dir)} "$cell" --shell${s.cpusPerTask ? ` --threads ${s.cpusPerTask}` : ''})`,
    'if [ -z "$args" ]; then echo "sdarts: cell $cell is done; nothing to run"; exit 0; fi',
    'echo "sdarts: $(date -Is) job $SLURM_JOB_ID on $(hostname): sdarts $args"',
    '# exec: the run is the batch shell itself, so SLURM signals reach it directly.',
    'eval "exec \\"\\${SDARTS[@]}\\" $args"',
    '',
  ];
  return lines.join('\n');
}

export function readSubmissions(sweep: Sweep): Submission[] {
  const path = join(sweep.dir, JOBS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Submission];
      } catch {
        return []; // a line cut short by a crash of the submitter
      }
    });
}

/** The latest array task of every submitted cell. */
export function latestTasks(sweep: Sweep, subs = readSubmissions(sweep)): Map<string, { jobId: string; index: number }> {
  const out = new Map<string, { jobId: string; index: number }>();
  for (const s of subs)
    for (const i of s.indices) {
      const cell = sweep.cells.find((c) => c.stage === s.stage && c.index === i);
      if (cell) out.set(cell.id, { jobId: s.jobId, index: i });
    }
  return out;
}

/** SLURM's view of the sweep's latest tasks: squeue (live and recently ended jobs), then sacct where accounting is on. */
export function slurmTasks(sweep: Sweep): Map<string, SlurmTask> {
  const latest = latestTasks(sweep);
  const states = new Map<string, { state: string; reason: string | null }>();
  if (latest.size === 0) return new Map();
  const jobIds = [...new Set([...latest.values()].map((t) => t.jobId))];
  const parse = (text: string): void => {
    for (const line of text.split('\n')) {
      const [id, state, reason] = line.trim().split('|');
      if (!id || !state) continue;
      // sacct: "CANCELLED by 0"; squeue: "None" as the reason of a running task.
      states.set(id, { state: state.split(' ')[0]!, reason: reason && reason !== 'None' && reason !== '0:0' ? reason : null });
    }
  };
  parse(slurm('squeue', ['-h', '-r', '-t', 'all', '-u', userInfo().username, '-o', '%i|%T|%r']));
  const missing = [...latest.entries()].filter(([, t]) => !states.has(`${t.jobId}_${t.index}`));
  if (missing.length) {
    try {
      parse(slurm('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State,ExitCode']));
    } catch {
      // Accounting is off on this cluster: ended tasks are known from their run directories alone.
    }
  }
  const out = new Map<string, SlurmTask>();
  for (const [cellId, t] of latest) {
    const id = `${t.jobId}_${t.index}`;
    const s = states.get(id);
    const stage = sweep.cells.find((c) => c.id === cellId)!.stage;
    out.set(cellId, { id, state: s?.state ?? 'UNKNOWN', reason: s?.reason ?? null, out: taskOutFile(sweep, stage, t.jobId, t.index) });
  }
  return out;
}

/**
 * Submit the sweep's cells that are neither done nor queued or running (all of them on a new sweep),
 * stage by stage; a chained cell depends on its upstream's task when that is not done yet.
 * Returns the submissions (none when every cell is done or already in SLURM's queue).
 */
export function submitSlurm(sweep: Sweep, paths: { node?: string; cli?: string } = {}): Submission[] {
  const s = sweep.backend as SlurmSettings;
  mkdirSync(join(sweep.dir, 'slurm'), { recursive: true });
  const live = slurmTasks(sweep);
  const task = new Map<string, string>(); // cell id → its active task
  for (const [id, t] of live) if (isActive(t.state)) task.set(id, t.id);
  const done = (c: SweepCell | string): boolean => runState(cellDir(sweep.dir, c)).phase === 'done';
  const subs: Submission[] = [];
  for (const stage of sweep.stages) {
    const cells = sweep.cells.filter((c) => c.stage === stage.name && !done(c) && !task.has(c.id));
    if (!cells.length) continue;
    const deps = [...new Set(cells.flatMap((c) => (c.after && !done(c.after) && task.has(c.after) ? [task.get(c.after)!] : [])))];
    const script = join(sweep.dir, 'slurm', `${stage.name}.sbatch`);
    writeFileAtomic(script, sbatchScript(sweep, stage.name, s, paths));
    const indices = cells.map((c) => c.index);
    const array = `--array=${arrayRanges(indices)}${s.maxParallel ? `%${s.maxParallel}` : ''}`;
    const dependency = deps.length ? `afterok:${deps.join(':')}` : null;
    const args = ['--parsable', array, ...(dependency ? [`--dependency=${dependency}`, '--kill-on-invalid-dep=yes'] : []), script];
    const jobId = slurm('sbatch', args).trim().split(';')[0]!;
    if (!/^\d+$/.test(jobId)) throw new SdartsError('ERR_SDARTS_SWEEP_SLURM', `sbatch ${args.join(' ')} printed '${jobId}', not a job id`);
    const sub: Submission = { stage: stage.name, jobId, indices, dependency, submitted: new Date().toISOString() };
    appendFileSync(join(sweep.dir, JOBS_FILE), JSON.stringify(sub) + '\n');
    subs.push(sub);
    for (const c of cells) task.set(c.id, `${jobId}_${c.index}`);
  }
  return subs;
}
