/**
 * The sweep directory: `sweep.json` (the expanded plan and the backend's settings, frozen when the
 * sweep starts, so that `sweep status|resume` never depend on the original flags), one run directory
 * per cell under `<stage>/<cell>/`, and the backend's own files (`slurm/`, `local/`).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SdartsError } from '../util/errors.js';
import type { FrozenPlan } from './plan.js';

export const SWEEP_FILE = 'sweep.json';

export interface LocalSettings {
  backend: 'local';
  /** Runs at a time. */
  workers: number;
  /** GPU ids, one per worker slot (CUDA_VISIBLE_DEVICES), or null (CPU). */
  gpus: string[] | null;
}

export interface SlurmSettings {
  backend: 'slurm';
  partition: string | null;
  /** sbatch --time (e.g. 24:00:00). */
  time: string | null;
  gres: string | null;
  account: string | null;
  cpusPerTask: number | null;
  mem: string | null;
  /** Array tasks at a time (--array=…%N); null = no limit. */
  maxParallel: number | null;
  /** Seconds before the time limit at which SLURM sends SIGTERM (the run checkpoints and exits 143); 0 = no early signal. */
  signalBefore: number;
  /** Extra `#SBATCH` lines, verbatim (e.g. "--constraint=a100"). */
  sbatch: string[];
}

export type BackendSettings = LocalSettings | SlurmSettings;

export interface Sweep extends FrozenPlan {
  /** Absolute sweep directory. */
  dir: string;
  backend: BackendSettings;
  created: string;
  format: 1;
}

/** Freeze a planned sweep into `dir` (refusing a directory that already holds a different sweep). */
export function writeSweep(dir: string, plan: FrozenPlan, backend: BackendSettings): Sweep {
  const abs = resolve(dir);
  const path = join(abs, SWEEP_FILE);
  if (existsSync(path)) {
    const old = readSweep(abs);
    if (JSON.stringify(old.cells) !== JSON.stringify(plan.cells))
      throw new SdartsError(
        'ERR_SDARTS_SWEEP_EXISTS',
        `${abs} already holds another sweep (${SWEEP_FILE}, ${old.cells.length} cells). Continue it with \`sdarts sweep resume ${abs}\`, or choose another --dir.`,
      );
    // Local workers and GPUs are per session (resume takes --workers); the rest of the settings are frozen.
    if (old.backend.backend !== backend.backend || (backend.backend === 'slurm' && JSON.stringify(old.backend) !== JSON.stringify(backend)))
      throw new SdartsError(
        'ERR_SDARTS_SWEEP_EXISTS',
        `${abs} already holds this sweep with other backend settings (${JSON.stringify(old.backend)}); they are frozen in ${SWEEP_FILE}: continue it with \`sdarts sweep resume ${abs}\`, or choose another --dir.`,
      );
    return old;
  }
  mkdirSync(abs, { recursive: true });
  const sweep: Sweep = { format: 1, dir: abs, created: new Date().toISOString(), backend, ...plan };
  writeFileAtomic(path, JSON.stringify(sweep, null, 1) + '\n');
  return sweep;
}

/** Read `<dir>/sweep.json`, checked enough that status and resume cannot trip over it. */
export function readSweep(dir: string): Sweep {
  const abs = resolve(dir);
  const path = join(abs, SWEEP_FILE);
  if (!existsSync(path))
    throw new SdartsError('ERR_SDARTS_SWEEP_NOT_FOUND', `${abs} is not a sweep directory (no ${SWEEP_FILE}). Pass the --dir of \`sdarts sweep run\`.`);
  let doc: Partial<Sweep>;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as Partial<Sweep>;
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_SWEEP_CORRUPT', `${path} is not valid JSON (${(err as Error).message}); restore it from the sweep's start.`, {
      cause: err,
    });
  }
  if (doc.format !== 1 || !Array.isArray(doc.cells) || !Array.isArray(doc.stages) || typeof doc.backend !== 'object' || doc.backend === null)
    throw new SdartsError('ERR_SDARTS_SWEEP_CORRUPT', `${path} is not a sweep file of format 1 (it lacks "cells", "stages" or "backend"); restore it.`);
  // The directory may have moved since: its cells live beside sweep.json.
  return { ...(doc as Sweep), dir: abs };
}

/** A cell of the sweep by id (`search/space-s2_seed-0`) or by `stage:index`. */
export function findCell(sweep: Sweep, ref: string): Sweep['cells'][number] {
  const m = /^(.+):(\d+)$/.exec(ref);
  const cell = m ? sweep.cells.find((c) => c.stage === m[1] && c.index === Number(m[2])) : sweep.cells.find((c) => c.id === ref);
  if (!cell)
    throw new SdartsError(
      'ERR_SDARTS_SWEEP_CELL',
      `${sweep.dir} has no cell '${ref}'; name one as <stage>/<cell> (e.g. ${sweep.cells[0]?.id ?? '…'}) or <stage>:<index> (\`sdarts sweep status\` lists them).`,
    );
  return cell;
}
