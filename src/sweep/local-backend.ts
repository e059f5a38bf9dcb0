/**
 * The local backend: N cells at a time on this machine, each its own `sdarts` process (the cell's
 * command line, src/sweep/cell-command.ts), one GPU each when GPUs are given (CUDA_VISIBLE_DEVICES),
 * LibTorch's threads split between the workers. A chained cell starts once its upstream is done (and is
 * skipped if the upstream failed). Aborting (SIGINT/SIGTERM in the CLI) sends each running cell one
 * SIGTERM: it finishes its step, checkpoints and exits 143, and `sweep resume` continues it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellDir, type FrozenPlan, type SweepCell } from './plan.js';
import { cellCommand } from './cell-command.js';
import { runState, type RunPhase } from './run-state.js';
import { readSweep, writeSweep, type LocalSettings, type Sweep } from './sweep-dir.js';
import { SdartsError } from '../util/errors.js';

export type SweepEvent =
  | { type: 'sweep-start'; dir: string; cells: number; todo: number; workers: number }
  | { type: 'cell-start'; cell: string; args: string[]; resume: boolean; slot: number; gpu: string | null; log: string }
  | { type: 'cell-end'; cell: string; exitCode: number | null; signal: string | null; phase: RunPhase }
  | { type: 'cell-skip'; cell: string; reason: string }
  | { type: 'sweep-end'; reason: 'completed' | 'interrupted'; dir: string; counts: Record<RunPhase, number> };

export interface LocalRunOptions {
  /** Runs at a time (default: the frozen sweep's, else 1). */
  workers?: number;
  /** GPU ids, one per worker slot. */
  gpus?: string[] | null;
  signal?: AbortSignal;
  /** The sweep directory when `source` is a plan (not yet frozen). */
  dir?: string;
  /** The CLI to run cells with (default: this package's dist/cli/main.js). */
  cli?: string;
}

/** This package's compiled CLI (from src/sweep or dist/sweep alike). */
export function defaultCli(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');
}

/** The file a local cell's stdout and stderr go to. */
export function localLogFile(sweep: Sweep, cell: SweepCell): string {
  return join(sweep.dir, 'local', `${cell.id}.out`);
}

/** The runner's pid while a local sweep runs (`sweep status` tells running from stopped with it). */
export const LOCAL_RUNNER_FILE = join('local', 'runner.pid');

function openSweep(source: FrozenPlan | Sweep | string, o: LocalRunOptions, workers: number): Sweep {
  if (typeof source === 'string') return readSweep(source);
  if ('dir' in source && 'backend' in source) return source;
  if (!o.dir) throw new SdartsError('ERR_SDARTS_SWEEP_OPTIONS', 'runSweep(plan): give options.dir, the sweep directory to run the plan in');
  return writeSweep(o.dir, source, { backend: 'local', workers, gpus: o.gpus ?? null });
}

/**
 * Run a sweep's cells that are not done, `workers` at a time, as an async iterable of events. `source`
 * is a plan from planSweep (frozen into `options.dir`), a frozen sweep, or a sweep directory.
 */
export async function* runSweep(source: FrozenPlan | Sweep | string, options: LocalRunOptions = {}): AsyncGenerator<SweepEvent> {
  const frozenWorkers = typeof source === 'object' && 'backend' in source && source.backend.backend === 'local' ? source.backend.workers : undefined;
  const workers = options.workers ?? frozenWorkers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new SdartsError('ERR_SDARTS_SWEEP_OPTIONS', `--workers must be a whole number ≥ 1, got ${String(workers)}`);
  const sweep = openSweep(source, options, workers);
  const settings = sweep.backend as LocalSettings;
  const gpus = options.gpus ?? (settings.backend === 'local' ? settings.gpus : null);
  const cli = options.cli ?? defaultCli();
  if (!existsSync(cli)) throw new SdartsError('ERR_SDARTS_SWEEP_OPTIONS', `the sdarts CLI ${cli} does not exist: build it (npm run build:ts)`);
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const todo = sweep.cells.filter((c) => runState(cellDir(sweep.dir, c)).phase !== 'done');
  yield { type: 'sweep-start', dir: sweep.dir, cells: sweep.cells.length, todo: todo.length, workers };

  mkdirSync(join(sweep.dir, 'local'), { recursive: true });
  writeFileSync(join(sweep.dir, LOCAL_RUNNER_FILE), `${process.pid}\n`);
  const queue: SweepEvent[] = [];
  let wake: (() => void) | null = null;
  const emit = (e: SweepEvent): void => {
    queue.push(e);
    wake?.();
  };
  const failed = new Set<string>();
  const finished = new Set(sweep.cells.filter((c) => !todo.includes(c)).map((c) => c.id));
  const running = new Map<number, { cell: SweepCell; kill: () => void }>();
  const waiting = [...todo];
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
    for (const r of running.values()) r.kill();
    wake?.();
  };
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) onAbort();

  const start = (cell: SweepCell, slot: number): void => {
    const cmd = cellCommand(sweep, cell, { threads });
    if (!cmd) {
      finished.add(cell.id);
      return void emit({ type: 'cell-end', cell: cell.id, exitCode: 0, signal: null, phase: 'done' });
    }
    const log = localLogFile(sweep, cell);
    mkdirSync(dirname(log), { recursive: true });
    const fd = openSync(log, 'a');
    const gpu = gpus && gpus.length ? gpus[slot % gpus.length]! : null;
    const env = { ...process.env, ...(gpu !== null ? { CUDA_VISIBLE_DEVICES: gpu } : {}) };
    // Its own process group: a terminal's Ctrl-C reaches the runner, which sends each cell one SIGTERM.
    const child = spawn(process.execPath, [cli, ...cmd.args], { env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    running.set(slot, { cell, kill: () => child.kill('SIGTERM') });
    emit({ type: 'cell-start', cell: cell.id, args: cmd.args, resume: cmd.resume, slot, gpu, log });
    child.on('exit', (code, sig) => {
      running.delete(slot);
      const phase = runState(cellDir(sweep.dir, cell)).phase;
      if (phase === 'done') finished.add(cell.id);
      else failed.add(cell.id);
      emit({ type: 'cell-end', cell: cell.id, exitCode: code, signal: sig, phase });
    });
    child.on('error', (err) => {
      running.delete(slot);
      failed.add(cell.id);
      emit({ type: 'cell-skip', cell: cell.id, reason: `could not start: ${err.message}` });
    });
  };

  /** The next cell that may start: its upstream is done, or failed (then it is skipped). */
  const next = (): SweepCell | undefined => {
    for (;;) {
      const i = waiting.findIndex((c) => !c.after || finished.has(c.after) || failed.has(c.after));
      if (i < 0) return undefined;
      const [cell] = waiting.splice(i, 1);
      if (!cell!.after || !failed.has(cell!.after)) return cell;
      failed.add(cell!.id);
      emit({ type: 'cell-skip', cell: cell!.id, reason: `its upstream ${cell!.after} did not finish` });
    }
  };
  /** Give every free slot a cell. */
  const fill = (): void => {
    for (let slot = 0; slot < workers && !interrupted; slot++) {
      if (running.has(slot)) continue;
      const cell = next();
      if (!cell) return;
      start(cell, slot);
    }
  };

  try {
    for (;;) {
      fill();
      if (queue.length) {
        yield queue.shift()!;
        continue;
      }
      if (running.size === 0 && (interrupted || waiting.length === 0)) break;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const r of running.values()) r.kill();
    rmSync(join(sweep.dir, LOCAL_RUNNER_FILE), { force: true });
  }
  const counts: Record<RunPhase, number> = { 'not-started': 0, started: 0, interrupted: 0, failed: 0, done: 0 };
  for (const c of sweep.cells) counts[runState(cellDir(sweep.dir, c)).phase]++;
  yield { type: 'sweep-end', reason: interrupted ? 'interrupted' : 'completed', dir: sweep.dir, counts };
}
