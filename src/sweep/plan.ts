/**
 * A sweep plan: stages of one job command each (any command of the table with a `runKind`: search,
 * train, nasbench search, and those added later), a grid over its options, and chained stages (train
 * the genotype a search found: `--arch <that run dir>`). `planSweep` expands the grid into cells, names
 * each cell's run directory deterministically under the sweep directory, and validates every cell's
 * options with the command table's own validator, so that a bad plan is refused — naming the cell and
 * the reason — before anything runs or is submitted.
 */
import { resolve } from 'node:path';
import { COMMANDS, optionKey, type CommandSpec } from '../run/commands.js';
import { ConfigError, validateConfig } from '../run/config.js';
import { SdartsError } from '../util/errors.js';

/** One stage as written in a plan file (option names in kebab-case, as the flags, or camelCase). */
export interface StagePlan {
  /** Folder of its run directories and its name in `after` (default: the command, `nasbench search` → `nasbench-search`). */
  name?: string;
  /** A job command of the table: 'search', 'train', 'nasbench search', … */
  command: string;
  /** Options every cell of the stage gets. */
  options?: Record<string, unknown>;
  /** Options to vary: the cells are the product of these lists (in key order, the last key fastest). */
  grid?: Record<string, readonly unknown[]>;
  /** Chain: one group of cells per cell of this earlier stage, its run directory passed as `input`. */
  after?: string;
  /** The option that receives the upstream run directory (train: 'arch'). */
  input?: string;
  /** Chain only from the upstream cells whose grid values match (a value or a list of values per key). */
  where?: Record<string, unknown>;
}

/** A plan file: a list of stages, or one stage object. */
export interface SweepPlan {
  name?: string;
  stages: readonly StagePlan[];
}

/** One run of a sweep. */
export interface SweepCell {
  /** `<stage>/<name>`: also the run directory's path relative to the sweep directory. */
  id: string;
  stage: string;
  /** Position in its stage: the SLURM array task id. */
  index: number;
  command: string;
  /** The grid values that make the cell (camelCase keys; a chained cell's include its upstream's). */
  values: Record<string, unknown>;
  /** The options the cell's job is given (camelCase; everything but --save/--resume, which the sweep owns). */
  options: Record<string, unknown>;
  /** The upstream cell's id (chained stages), else null. */
  after: string | null;
}

export interface SweepStage {
  name: string;
  command: string;
  after: string | null;
  input: string | null;
}

/** The expanded plan, frozen in the sweep directory (sweep.json): status and resume read only this. */
export interface FrozenPlan {
  name: string;
  stages: SweepStage[];
  cells: SweepCell[];
}

/** Options the sweep sets itself for each cell. */
const SWEEP_OWNED = ['save', 'resume'];

/** The commands a sweep can run: every job of the command table. */
export function jobCommands(): readonly CommandSpec[] {
  return (COMMANDS as readonly CommandSpec[]).filter((c) => c.runKind !== undefined);
}

function planError(problems: string[]): SdartsError {
  const shown = problems.length > 20 ? [...problems.slice(0, 20), `… and ${problems.length - 20} more`] : problems;
  return new SdartsError(
    'ERR_SDARTS_SWEEP_PLAN',
    `Invalid sweep plan (nothing was run or submitted):\n${shown.map((p) => `  - ${p}`).join('\n')}\nFix the plan and run the sweep again.`,
  );
}

/** A grid value as part of a directory name: letters, digits and `.+-` kept, anything else `_`. */
export function nameValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/[^A-Za-z0-9.+-]/g, '_') || '_';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A plan as read from JSON (or built by a script): checked field by field, a single stage accepted. */
export function normalizePlan(raw: unknown, problems: string[]): SweepPlan {
  if (!isRecord(raw)) {
    problems.push('the plan must be a JSON object: {"stages": [{"command": "search", "options": {…}, "grid": {…}}, …]} or one such stage');
    return { stages: [] };
  }
  const stages = raw['stages'] === undefined && raw['command'] !== undefined ? [raw] : raw['stages'];
  if (!Array.isArray(stages) || stages.length === 0) {
    problems.push('the plan has no stages: give "stages": [{"command": …}, …] (or one stage object with "command")');
    return { stages: [] };
  }
  const known = ['name', 'command', 'options', 'grid', 'after', 'input', 'where'];
  stages.forEach((s: unknown, i) => {
    if (!isRecord(s)) return void problems.push(`stage ${i + 1} is not an object`);
    for (const k of Object.keys(s)) if (!known.includes(k)) problems.push(`stage ${i + 1}: unknown field '${k}' (a stage has ${known.join(', ')})`);
    for (const k of ['options', 'grid', 'where'] as const)
      if (s[k] !== undefined && !isRecord(s[k])) problems.push(`stage ${i + 1}: "${k}" must be an object of option names, got ${JSON.stringify(s[k])}`);
    for (const k of ['name', 'command', 'after', 'input'] as const)
      if (s[k] !== undefined && typeof s[k] !== 'string') problems.push(`stage ${i + 1}: "${k}" must be a string, got ${JSON.stringify(s[k])}`);
  });
  if (raw['name'] !== undefined && typeof raw['name'] !== 'string') problems.push(`"name" must be a string, got ${JSON.stringify(raw['name'])}`);
  return { ...(typeof raw['name'] === 'string' ? { name: raw['name'] } : {}), stages: stages.filter(isRecord) as unknown as StagePlan[] };
}

/** Option keys in camelCase (plans may use the flags' kebab-case). */
function camel(o: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [optionKey(k), v]));
}

/** The product of the grid's lists, in key order (the last key varies fastest). */
function product(grid: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [k, vs] of Object.entries(grid)) out = out.flatMap((o) => vs.map((v) => ({ ...o, [k]: v })));
  return out;
}

function matches(values: Record<string, unknown>, where: Record<string, unknown>): boolean {
  return Object.entries(where).every(([k, w]) => (Array.isArray(w) ? w : [w]).some((x) => JSON.stringify(x) === JSON.stringify(values[k])));
}

/**
 * Expand and validate a plan. Every problem of every cell is collected and thrown as one
 * ERR_SDARTS_SWEEP_PLAN error (unknown options, values the job would refuse, empty grids, two cells in
 * one directory, a chain to a missing stage …); nothing is written.
 */
export function planSweep(plan: SweepPlan | StagePlan | unknown, opts: { name?: string } = {}): FrozenPlan {
  const problems: string[] = [];
  const p = normalizePlan(plan, problems);
  if (problems.length) throw planError(problems);
  const jobs = new Map(jobCommands().map((c) => [c.name, c]));
  const stages: SweepStage[] = [];
  const cells: SweepCell[] = [];
  const byStage = new Map<string, SweepCell[]>();
  p.stages.forEach((s, si) => {
    const where = `stage ${si + 1}${s.name ? ` '${s.name}'` : ''}`;
    const spec = jobs.get(s.command);
    if (!spec) return void problems.push(`${where}: '${s.command}' is not a job command; a sweep runs ${[...jobs.keys()].map((n) => `'${n}'`).join(', ')}`);
    const name = s.name ?? s.command.replace(/ /g, '-');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      return void problems.push(`${where}: the stage name '${name}' must be letters, digits and ._- (it names a folder)`);
    if (byStage.has(name)) return void problems.push(`${where}: two stages are named '${name}'; give each a distinct "name"`);
    const options = camel(s.options);
    const grid = camel(s.grid) as Record<string, unknown>;
    const keys = new Set(spec.options.map((o) => optionKey(o.flag)));
    for (const k of [...Object.keys(options), ...Object.keys(grid)])
      if (SWEEP_OWNED.includes(k))
        problems.push(`${where}: '${k}' is set by the sweep (each cell's run directory is <sweep dir>/<stage>/<cell>); remove it from the plan`);
    for (const [k, vs] of Object.entries(grid)) {
      if (!Array.isArray(vs)) problems.push(`${where}: grid '${k}' must be a list of values, got ${JSON.stringify(vs)}`);
      else if (vs.length === 0) problems.push(`${where}: grid '${k}' has no values, so the grid is empty; give it at least one value or remove it`);
      if (Object.hasOwn(options, k)) problems.push(`${where}: '${k}' is both in "options" and in "grid"; keep one`);
    }
    let upstream: (SweepCell | null)[] = [null];
    let input: string | null = null;
    if (s.after !== undefined) {
      const up = byStage.get(s.after);
      if (!up) return void problems.push(`${where}: "after": '${s.after}' is not an earlier stage (stages: ${[...byStage.keys()].join(', ') || 'none'})`);
      input = s.input === undefined ? null : optionKey(s.input);
      if (input === null || !keys.has(input))
        return void problems.push(
          `${where}: a chained stage needs "input", the option of '${s.command}' that gets the upstream run directory (e.g. "arch" for train)${input ? `; '${s.input}' is not one` : ''}`,
        );
      upstream = s.where ? up.filter((c) => matches(c.values, camel(s.where))) : up;
      if (upstream.length === 0)
        return void problems.push(`${where}: "where" ${JSON.stringify(s.where)} matches no cell of stage '${s.after}', so the stage is empty`);
    } else if (s.input !== undefined || s.where !== undefined) problems.push(`${where}: "input" and "where" need "after" (the stage to chain from)`);
    if (problems.length) return;
    const mine: SweepCell[] = [];
    for (const parent of upstream) {
      for (const values of product(grid as Record<string, unknown[]>)) {
        const own = Object.entries(values).map(([k, v]) => `${spec.options.find((o) => optionKey(o.flag) === k)?.flag ?? k}-${nameValue(v)}`);
        const parentName = parent ? parent.id.slice(parent.stage.length + 1) : null;
        const cellName = [parentName, own.join('_')].filter((x) => x).join('__') || 'default';
        const cell: SweepCell = {
          id: `${name}/${cellName}`,
          stage: name,
          index: mine.length,
          command: s.command,
          values: { ...(parent?.values ?? {}), ...values },
          options: { ...options, ...values, ...(parent && input ? { [input]: parent.id } : {}) },
          after: parent?.id ?? null,
        };
        const clash = mine.find((c) => c.id === cell.id);
        if (clash)
          problems.push(
            `cells ${clash.index} and ${cell.index} of stage '${name}' both map to the run directory ${cell.id} (grid values ${JSON.stringify(clash.values)} and ${JSON.stringify(cell.values)}): make the grid's values distinct`,
          );
        try {
          // The table's validator, as the job itself runs it (the run directory stands in for --save).
          validateConfig(spec.options, { ...cell.options, save: cell.id });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          for (const why of err.problems) problems.push(`cell ${cell.id} (${s.command}): ${why}`);
        }
        mine.push(cell);
      }
    }
    stages.push({ name, command: s.command, after: s.after ?? null, input });
    byStage.set(name, mine);
    cells.push(...mine);
  });
  if (problems.length) throw planError(problems);
  return { name: opts.name ?? p.name ?? 'sweep', stages, cells };
}

/** The absolute run directory of a cell. */
export function cellDir(sweepDir: string, cell: SweepCell | string): string {
  return resolve(sweepDir, typeof cell === 'string' ? cell : cell.id);
}
