/**
 * A run directory read for a report: config.json, events.jsonl and the architecture files, as plain
 * series. It reads what is there and tolerates what is not, so it works on a run still going, on a
 * failed one, and on every job kind (`search`, `train`, `nasbench search`, the recurrent jobs): an
 * architecture is recognised by its shape (CNN normal/reduce, RNN recurrent/concat, NAS-Bench-101 spec),
 * a series by its field name, and a missing series is simply not drawn.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CONFIG_FILE } from '../run/run-dir.js';
import { readEvents, type JsonObject } from '../run/events-log.js';
import {
  genotypeFromJSON,
  parseGenotype,
  parseRnnGenotype,
  rnnGenotypeFromJSON,
  softmaxRows,
  type Genotype,
  type RnnGenotype,
} from '../space/genotype/index.js';
import { getSpace, isSpaceName, NUM_EDGES } from '../space/spaces.js';
import { ONESHOT_PRIMITIVES } from '../space/oneshot/index.js';
import { RNN_PRIMITIVES } from '../space/genotype/index.js';
import type { SpecJson } from '../benchmark/model-spec.js';
import { PARAMETER_FREE_OPS } from '../space/draw/index.js';
import { SdartsError } from '../util/errors.js';

export type Architecture =
  { kind: 'cnn'; genotype: Genotype } | { kind: 'rnn'; genotype: RnnGenotype } | { kind: 'nasbench'; spec: SpecJson; hash: string | null };

/** One epoch's numbers (whichever the job logs) and its architecture. */
export interface EpochPoint {
  epoch: number;
  values: Record<string, number>;
  architecture: Architecture | null;
}

/** One architecture-weight matrix of an epoch, as softmax rows, with what its rows and columns are. */
export interface AlphaMatrix {
  name: string;
  rows: number[][];
  rowLabels: string[];
  /** Column names when every row has the same ops; else per-cell names in `cellOps`. */
  colLabels: string[] | null;
  cellOps: string[][] | null;
}

export type RunStatus = 'completed' | 'interrupted' | 'failed' | 'in progress';

export interface RunData {
  dir: string;
  name: string;
  command: string;
  config: Record<string, unknown>;
  environment: Record<string, unknown>;
  created: string | null;
  status: RunStatus;
  error: { message: string; code: string | null } | null;
  /** When events.jsonl last changed (ISO time). */
  updated: string | null;
  stepsPerEpoch: number | null;
  totalEpochs: number | null;
  params: number | null;
  epochs: EpochPoint[];
  /** Per step: train loss and top-1 (what a run that has not finished an epoch has to show). */
  steps: { globalStep: number; loss: number; top1: number | null }[];
  final: Architecture | null;
  alphas: { epoch: number; matrices: AlphaMatrix[] }[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SdartsError(
      'ERR_SDARTS_REPORT_RUN_FILE',
      `${path} is not valid JSON (${(err as Error).message}); the file is damaged: restore it or remove it.`,
      {
        cause: err,
      },
    );
  }
}

/** An architecture from whatever form a run file or event holds it in; null when it is none of them. */
export function architectureOf(v: unknown): Architecture | null {
  try {
    if (typeof v === 'string') {
      if (/recurrent\s*=/.test(v)) return { kind: 'rnn', genotype: parseRnnGenotype(v) };
      if (/normal\s*=/.test(v)) return { kind: 'cnn', genotype: parseGenotype(v) };
      return null;
    }
    if (!isObject(v)) return null;
    if ('recurrent' in v) return { kind: 'rnn', genotype: rnnGenotypeFromJSON(v) };
    if ('normal' in v) return { kind: 'cnn', genotype: genotypeFromJSON(v) };
    const spec = isObject(v['spec']) ? v['spec'] : v;
    if (Array.isArray(spec['matrix']) && Array.isArray(spec['ops'])) {
      return {
        kind: 'nasbench',
        spec: { matrix: spec['matrix'] as number[][], ops: spec['ops'] as string[] },
        hash: typeof v['hash'] === 'string' ? v['hash'] : null,
      };
    }
  } catch {
    // A half-written or foreign architecture: the report goes on without it.
  }
  return null;
}

/** Parameter-free ops (skip_connect, pooling) of an architecture, per cell: the collapse symptom. */
export function parameterFreeCounts(a: Architecture): Record<string, number> {
  const count = (ops: readonly string[]): number => ops.filter((op) => PARAMETER_FREE_OPS.has(op)).length;
  if (a.kind === 'cnn') return { normal: count(a.genotype.normal.map(([op]) => op)), reduce: count(a.genotype.reduce.map(([op]) => op)) };
  if (a.kind === 'rnn') return { recurrent: count(a.genotype.recurrent.map(([op]) => op)) };
  return { cell: count(a.spec.ops) };
}

/** Numbers of an epoch event worth a curve (everything numeric but the counters). */
const NOT_SERIES = new Set(['epoch', 'epochs', 'step', 'globalStep', 'stepsPerEpoch']);

function numericFields(e: JsonObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(e)) if (!NOT_SERIES.has(k) && typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** `node i ← c_{k-2}` style names of the 14 mixed edges of a 4-node search cell. */
function edgeLabels(): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < NUM_EDGES; i++) for (let j = 0; j < i + 2; j++) out.push(`${j === 0 ? 'c_{k-2}' : j === 1 ? 'c_{k-1}' : j - 2} → ${i}`);
  return out;
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === 'number'));
}

/** A named matrix of raw α with no known meaning: rows by index, columns named when their count says which ops. */
function genericMatrix(name: string, raw: number[][]): AlphaMatrix {
  const cols = raw[0]!.length;
  const colLabels =
    cols === ONESHOT_PRIMITIVES.length && /mixed/i.test(name)
      ? [...ONESHOT_PRIMITIVES]
      : cols === RNN_PRIMITIVES.length && !/input|output/i.test(name)
        ? [...RNN_PRIMITIVES]
        : raw[0]!.map((_, i) => String(i));
  return { name, rows: softmaxRows(raw), rowLabels: raw.map((_, i) => String(i)), colLabels, cellOps: null };
}

function cnnMatrices(space: unknown, alphas: Record<string, unknown>): AlphaMatrix[] {
  const out: AlphaMatrix[] = [];
  const s = typeof space === 'string' && isSpaceName(space) ? getSpace(space) : null;
  for (const cell of ['normal', 'reduce'] as const) {
    const raw = alphas[cell];
    if (!isMatrix(raw)) continue;
    const ops = s && raw.length === NUM_EDGES ? s[cell].map((e) => [...e]) : null;
    const uniform = ops !== null && ops.every((e) => e.join() === ops[0]!.join());
    out.push({
      name: `${cell} cell`,
      rows: softmaxRows(raw),
      rowLabels: raw.length === NUM_EDGES ? edgeLabels() : raw.map((_, i) => String(i)),
      colLabels: uniform ? ops[0]! : ops ? null : raw[0]!.map((_, i) => String(i)),
      cellOps: uniform ? null : ops,
    });
  }
  return out;
}

/** α per epoch: alphas.json (CNN and recurrent searches) or architectures.json (NAS-Bench-1Shot1). */
function readAlphas(dir: string): { epoch: number; matrices: AlphaMatrix[] }[] {
  const doc = readJson(join(dir, 'alphas.json')) ?? readJson(join(dir, 'architectures.json'));
  if (!isObject(doc) || !Array.isArray(doc['epochs'])) return [];
  const out: { epoch: number; matrices: AlphaMatrix[] }[] = [];
  for (const e of doc['epochs'] as unknown[]) {
    if (!isObject(e) || typeof e['epoch'] !== 'number') continue;
    const a = e['alphas'];
    let matrices: AlphaMatrix[] = [];
    if (isObject(a) && ('normal' in a || 'reduce' in a)) matrices = cnnMatrices(doc['space'], a);
    else if (isObject(a)) {
      for (const [k, v] of Object.entries(a)) {
        if (isMatrix(v)) matrices.push(genericMatrix(k, v));
        else if (Array.isArray(v) && v.every(isMatrix)) v.forEach((m, i) => matrices.push(genericMatrix(`${k} ${i}`, m as number[][])));
      }
    } else if (isMatrix(a)) matrices = [genericMatrix('alphas', a)];
    if (matrices.length) out.push({ epoch: e['epoch'], matrices });
  }
  return out;
}

/** The genotypes a run file lists per epoch (genotype.json of a search): epoch → architecture. */
function fileArchitectures(dir: string): { epochs: Map<number, Architecture>; final: Architecture | null } {
  const epochs = new Map<number, Architecture>();
  const doc = readJson(join(dir, 'genotype.json'));
  if (!isObject(doc)) return { epochs, final: architectureOf(doc) };
  if (!('epochs' in doc) && !('final' in doc)) return { epochs, final: architectureOf(doc) };
  for (const e of Array.isArray(doc['epochs']) ? (doc['epochs'] as unknown[]) : []) {
    if (!isObject(e) || typeof e['epoch'] !== 'number') continue;
    const a = architectureOf(e['genotype'] ?? e['architecture']);
    if (a) epochs.set(e['epoch'], a);
  }
  return { epochs, final: architectureOf(doc['final']) ?? architectureOf(doc['latest']) };
}

/** Read a run directory. Throws only when `dir` is not a run directory at all. */
export function readRun(dirArg: string): RunData {
  const dir = resolve(dirArg);
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(configPath)) {
    throw new SdartsError(
      'ERR_SDARTS_REPORT_NOT_A_RUN',
      `${dirArg} is not a run directory (no ${CONFIG_FILE}). Pass the directory a \`sdarts search\`, \`train\` or \`nasbench search\` printed as its run dir.`,
    );
  }
  const cfg = readJson(configPath);
  if (!isObject(cfg)) throw new SdartsError('ERR_SDARTS_REPORT_RUN_FILE', `${configPath} is not a JSON object; restore the run's config.json.`);
  const eventsPath = join(dir, 'events.jsonl');
  const events = existsSync(eventsPath) ? readEvents(eventsPath) : [];
  const files = fileArchitectures(dir);
  const byEpoch = new Map<number, EpochPoint>();
  const steps: RunData['steps'] = [];
  let start: JsonObject | undefined, end: JsonObject | undefined, error: JsonObject | undefined;
  for (const e of events) {
    if (e['type'] === 'start') {
      start = e;
      end = error = undefined; // a resumed run starts again
    } else if (e['type'] === 'end') end = e;
    else if (e['type'] === 'error') error = e;
    else if (e['type'] === 'step' && typeof e['globalStep'] === 'number' && typeof e['loss'] === 'number') {
      while (steps.length && steps[steps.length - 1]!.globalStep >= e['globalStep']) steps.pop(); // replayed after a resume
      steps.push({ globalStep: e['globalStep'], loss: e['loss'], top1: typeof e['top1'] === 'number' ? e['top1'] : null });
    } else if (e['type'] === 'epoch' && typeof e['epoch'] === 'number') {
      const epoch = e['epoch'];
      const architecture = architectureOf(e['architectureJSON']) ?? architectureOf(e['architecture']) ?? files.epochs.get(epoch) ?? null;
      byEpoch.set(epoch, { epoch, values: numericFields(e), architecture });
    }
  }
  const epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  for (const p of epochs)
    if (p.architecture) for (const [cell, n] of Object.entries(parameterFreeCounts(p.architecture))) p.values[`parameterFree.${cell}`] = n;
  const final =
    architectureOf(end?.['architectureJSON']) ??
    files.final ??
    architectureOf(start?.['genotype']) ??
    (epochs.length ? epochs[epochs.length - 1]!.architecture : null);
  const status: RunStatus = error ? 'failed' : end ? (end['reason'] === 'interrupted' ? 'interrupted' : 'completed') : 'in progress';
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    dir,
    name: basename(dir),
    command: typeof cfg['command'] === 'string' ? cfg['command'] : 'unknown',
    config: isObject(cfg['config']) ? cfg['config'] : {},
    environment: isObject(cfg['environment']) ? cfg['environment'] : {},
    created: typeof cfg['created'] === 'string' ? cfg['created'] : null,
    status,
    error: error ? { message: String(error['message']), code: typeof error['code'] === 'string' ? error['code'] : null } : null,
    updated: existsSync(eventsPath) ? statSync(eventsPath).mtime.toISOString() : null,
    stepsPerEpoch: num(start?.['stepsPerEpoch']),
    totalEpochs: num(start?.['epochs']) ?? num((isObject(cfg['config']) ? cfg['config'] : {})['epochs']),
    params: num(start?.['params']),
    epochs,
    steps,
    final,
    alphas: readAlphas(dir),
  };
}
