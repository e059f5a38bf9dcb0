/**
 * The command line of one cell: `sdarts <command> <its options> --save <run dir>` for a new run, or
 * `sdarts <command> --resume <run dir>` once the run has a checkpoint (the options are then the run's
 * frozen config.json), or nothing once it is done: a finished cell never runs twice. Both backends run
 * exactly this (local: as a child process; SLURM: the array task execs it), so a cell behaves the
 * same wherever it runs.
 */
import { jobCommands, cellDir, type SweepCell } from './plan.js';
import { runState } from './run-state.js';
import type { Sweep } from './sweep-dir.js';
import { optionKey } from '../run/commands.js';
import { SdartsError } from '../util/errors.js';

/** `--flag value` pairs of an option set, as commander reads them back (switches: `--x` / `--no-x`). */
export function optionArgs(command: string, options: Record<string, unknown>): string[] {
  const spec = jobCommands().find((c) => c.name === command)!;
  const args: string[] = [];
  for (const o of spec.options) {
    const k = optionKey(o.flag);
    if (!Object.hasOwn(options, k)) continue;
    const v = options[k];
    if (o.kind === 'bool') {
      const on = v === true || v === 'true';
      if (on !== (o.default === true)) args.push(on ? `--${o.flag}` : `--no-${o.flag}`);
    } else if (v !== null && v !== undefined) args.push(`--${o.flag}`, String(v));
  }
  return args;
}

export interface CellCommand {
  /** The arguments after `sdarts`. */
  args: string[];
  resume: boolean;
}

/**
 * What to run for `cell` now: null when it is done. `threads` is added when the plan leaves
 * --threads at its default (it may change on resume). A chained cell whose upstream run is not done
 * is an error: the backends order the stages, so reaching it means the upstream failed.
 */
export function cellCommand(sweep: Sweep, cell: SweepCell, session: { threads?: number } = {}): CellCommand | null {
  const dir = cellDir(sweep.dir, cell);
  const state = runState(dir);
  if (state.phase === 'done') return null;
  const words = cell.command.split(' ');
  const threads = session.threads && !Object.hasOwn(cell.options, 'threads') ? ['--threads', String(session.threads)] : [];
  if (state.checkpoint) return { args: [...words, '--resume', dir, ...threads], resume: true };
  if (cell.after) {
    const up = runState(cellDir(sweep.dir, cell.after));
    if (up.phase !== 'done')
      throw new SdartsError(
        'ERR_SDARTS_SWEEP_UPSTREAM',
        `cell ${cell.id} trains the result of ${cell.after}, which is not done (${up.phase}); \`sdarts sweep resume ${sweep.dir}\` runs it first.`,
      );
  }
  const stage = sweep.stages.find((s) => s.name === cell.stage);
  const options = { ...cell.options };
  if (stage?.input && cell.after) options[stage.input] = cellDir(sweep.dir, cell.after);
  return { args: [...words, ...optionArgs(cell.command, options), ...threads, '--save', dir], resume: false };
}

/** One argument for a POSIX shell: single-quoted unless plainly safe. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
