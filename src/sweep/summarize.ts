/**
 * `sdarts summarize`: the paper's numbers from run directories alone (config.json and events.jsonl),
 * so it works on runs made with or without `sweep`. Completed runs are grouped by config keys
 * (default space, dataset, perturb; a train run takes the keys of the search run its --arch names), and
 * each group gets mean, sample standard deviation (n − 1; null for n = 1) and n of:
 *   - validAcc: search valid accuracy (%) of the last epoch (search, nasbench search);
 *   - eigenvalue: the last dominant Hessian eigenvalue logged (λ_max, --analyze-every);
 *   - paramFreeOps: parameter-free ops in the final genotype's normal cell (search);
 *   - nb101TestError: NAS-Bench-101 mean test error of the final architecture (nasbench search, scored);
 *   - testError: 100 − the final test accuracy (%) after training (train);
 *   - params: the trained network's parameter count (train; auxiliary head excluded).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readEvents } from '../run/events-log.js';
import { CONFIG_FILE, readRunConfig } from '../run/run-dir.js';
import { SdartsError } from '../util/errors.js';
import { optionKey } from '../run/commands.js';
import { cellDir, jobCommands } from './plan.js';
import { SWEEP_FILE, readSweep } from './sweep-dir.js';

export const METRICS = ['validAcc', 'eigenvalue', 'paramFreeOps', 'nb101TestError', 'testError', 'params'] as const;
export type MetricName = (typeof METRICS)[number];

/** Ops without parameters in a normal cell (a reduce cell's skip_connect is a FactorizedReduce, with parameters). */
export const PARAMETER_FREE_OPS: readonly string[] = ['none', 'noise', 'skip_connect', 'max_pool_3x3', 'avg_pool_3x3'];

export interface RunMetrics {
  dir: string;
  command: string;
  /** The run's config merged over its upstream search's (a train run of a search run dir). */
  keys: Record<string, unknown>;
  metrics: Partial<Record<MetricName, number>>;
}

export interface MetricStats {
  mean: number;
  /** Sample standard deviation (n − 1); null when n = 1. */
  std: number | null;
  n: number;
}

export interface SummaryGroup {
  key: Record<string, unknown>;
  metrics: Partial<Record<MetricName, MetricStats>>;
  runs: string[];
}

export interface Summary {
  by: string[];
  groups: SummaryGroup[];
  /** Run directories left out: not completed (or not readable), with why. */
  skipped: { dir: string; reason: string }[];
}

/** A job run's command (its config.json's) and validated config; null for a run of no job command. */
function readConfigDoc(dir: string): { command: string; config: Record<string, unknown> } | null {
  let command: unknown;
  try {
    command = (JSON.parse(readFileSync(join(dir, CONFIG_FILE), 'utf8')) as { command?: unknown }).command;
  } catch {
    command = undefined; // readRunConfig below says what is wrong with the file
  }
  const kind = jobCommands().find((c) => c.runKind === command)?.runKind;
  if (command !== undefined && !kind) return null;
  return { command: kind ?? 'search', config: readRunConfig<Record<string, unknown>>(dir, kind ?? 'search') };
}

/** The metrics of one completed run, or why it has none. */
export function runMetrics(dir: string): RunMetrics | string {
  const doc = readConfigDoc(dir);
  if (!doc) return 'not a run of a job command';
  const events = readEvents(dir);
  const end = events.filter((e) => e['type'] === 'end').pop();
  if (!end || end['reason'] !== 'completed') return 'not completed';
  const epochs = events.filter((e) => e['type'] === 'epoch');
  const last = epochs[epochs.length - 1];
  const m: Partial<Record<MetricName, number>> = {};
  let keys = { ...doc.config };
  if (doc.command === 'train') {
    const start = events.find((e) => e['type'] === 'start');
    if (typeof end['testAcc'] === 'number') m.testError = 100 - end['testAcc'];
    if (typeof start?.['params'] === 'number') m.params = start['params'];
    const arch = doc.config['arch'];
    if (typeof arch === 'string' && existsSync(join(arch, CONFIG_FILE))) {
      const up = readConfigDoc(arch);
      if (up) keys = { ...up.config, ...doc.config };
    }
  } else {
    if (typeof last?.['validAcc'] === 'number') m.validAcc = last['validAcc'];
    const eig = epochs.filter((e) => typeof e['eigenvalue'] === 'number').pop();
    if (eig) m.eigenvalue = eig['eigenvalue'] as number;
    const g = end['architectureJSON'] as { normal?: [string, number][] } | undefined;
    if (doc.command === 'search' && Array.isArray(g?.normal)) m.paramFreeOps = g.normal.filter(([op]) => PARAMETER_FREE_OPS.includes(op)).length;
    if (typeof last?.['testError'] === 'number') m.nb101TestError = last['testError'];
  }
  return { dir, command: doc.command, keys, metrics: m };
}

/** Run directories under the given paths: a sweep's cells, a run directory itself, or the runs found below a folder. */
export function collectRunDirs(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (existsSync(join(dir, SWEEP_FILE))) {
      const sweep = readSweep(dir);
      for (const c of sweep.cells) if (existsSync(join(cellDir(sweep.dir, c), CONFIG_FILE))) out.push(cellDir(sweep.dir, c));
      return;
    }
    if (existsSync(join(dir, CONFIG_FILE))) return void out.push(dir);
    if (depth === 0) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (!f.startsWith('.') && !f.startsWith('previous-') && statSync(p).isDirectory()) walk(p, depth - 1);
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs) || !statSync(abs).isDirectory())
      throw new SdartsError('ERR_SDARTS_RUN_NOT_FOUND', `${p} is not a directory; pass sweep directories, run directories or folders holding runs`);
    walk(abs, 4);
  }
  return [...new Set(out)];
}

/** Mean, sample standard deviation (n − 1) and n, summed in the given order. */
export function stats(values: readonly number[]): MetricStats {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { mean, std: null, n };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/** Group the completed runs under `paths` by `by` (config keys, kebab- or camelCase) and aggregate each metric. */
export function summarize(paths: readonly string[], opts: { by?: readonly string[] } = {}): Summary {
  const by = (opts.by ?? ['space', 'dataset', 'perturb']).map(optionKey);
  const skipped: Summary['skipped'] = [];
  const groups = new Map<string, SummaryGroup & { values: Partial<Record<MetricName, number[]>> }>();
  for (const dir of collectRunDirs(paths)) {
    let r: RunMetrics | string;
    try {
      r = runMetrics(dir);
    } catch (err) {
      r = (err as Error).message; // a damaged run among many: say which, summarize the rest
    }
    if (typeof r === 'string') {
      skipped.push({ dir, reason: r });
      continue;
    }
    const key = Object.fromEntries(by.map((k) => [k, r.keys[k] ?? null]));
    const id = JSON.stringify(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, metrics: {}, runs: [], values: {} }));
    g.runs.push(dir);
    for (const [name, v] of Object.entries(r.metrics) as [MetricName, number][]) (g.values[name] ??= []).push(v);
  }
  const out: SummaryGroup[] = [...groups.values()].map(({ key, runs, values }) => ({
    key,
    runs,
    metrics: Object.fromEntries(METRICS.filter((k) => values[k]).map((k) => [k, stats(values[k]!)])),
  }));
  return { by, groups: out, skipped };
}
