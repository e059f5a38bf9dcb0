/**
 * Config validation: raw values (from the CLI or an API caller) → a frozen, fully defaulted config,
 * or one error naming every problem and what to do; and the config of a job run (new, or resumed from
 * its run directory).
 */
import { cuda, type Device } from '../tensor/index.js';
import { SdartsError } from '../util/errors.js';
import { optionKey, type ConfigOf, type JobCommand, type OptionSpec } from './commands.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE, acquireRunLock, createRunDir, readRunConfig, writeRunConfig, type RunLock } from './run-dir.js';
import { recordRunError, type ErrorEvent } from './run-logs.js';

export class ConfigError extends SdartsError {
  constructor(readonly problems: string[]) {
    super('ERR_SDARTS_CONFIG', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Defaults for every option of the tables (camelCase keys). */
export function defaultsOf(specs: readonly OptionSpec[]): Record<string, unknown> {
  return Object.fromEntries(specs.map((s) => [optionKey(s.flag), s.default ?? null]));
}

/**
 * Validate `raw` (camelCase keys; strings are accepted for numbers, as the CLI gives them, and numbers
 * for choices such as NAS-Bench-1Shot1's space '1') against the tables. Unknown keys are errors (typos
 * must not be silently ignored).
 */
export function validateConfig<T>(specs: readonly OptionSpec[], raw: Record<string, unknown>, extraKeys: string[] = []): T {
  const problems: string[] = [];
  const out: Record<string, unknown> = defaultsOf(specs);
  const byKey = new Map(specs.map((s) => [optionKey(s.flag), s]));
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const spec = byKey.get(k);
    if (!spec) {
      if (extraKeys.includes(k)) {
        out[k] = v;
        continue;
      }
      const near = [...byKey.keys()].filter((n) => n.toLowerCase().includes(k.toLowerCase().slice(0, 4)));
      problems.push(
        `unknown option '${k}'${
          near.length
            ? ` (did you mean ${near
                .slice(0, 3)
                .map((n) => `'${n}'`)
                .join(', ')}?)`
            : ''
        }`,
      );
      continue;
    }
    const flag = `--${spec.flag}`;
    if (v === null) {
      out[k] = null;
      continue;
    }
    switch (spec.kind) {
      case 'int':
      case 'float': {
        const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isFinite(n)) {
          problems.push(`${flag} must be a ${spec.kind === 'int' ? 'whole number' : 'number'}, got ${JSON.stringify(v)}`);
          break;
        }
        if (spec.kind === 'int' && !Number.isInteger(n)) {
          problems.push(`${flag} must be a whole number, got ${n}`);
          break;
        }
        if (spec.min !== undefined && n < spec.min) {
          problems.push(`${flag} must be ≥ ${spec.min}, got ${n}`);
          break;
        }
        if (spec.max !== undefined && n > spec.max) {
          problems.push(`${flag} must be ≤ ${spec.max}, got ${n}`);
          break;
        }
        out[k] = n;
        break;
      }
      case 'bool':
        if (typeof v === 'boolean') out[k] = v;
        else if (v === 'true' || v === 'false') out[k] = v === 'true';
        else problems.push(`${flag} is a switch (true/false), got ${JSON.stringify(v)}`);
        break;
      case 'choice': {
        const c = typeof v === 'number' ? String(v) : v;
        if (typeof c !== 'string' || !spec.choices!.includes(c)) problems.push(`${flag} must be one of ${spec.choices!.join(', ')}; got ${JSON.stringify(v)}`);
        else out[k] = c;
        break;
      }
      case 'device':
        if (typeof v !== 'string' || !/^(cpu|cuda|cuda:\d+)$/.test(v))
          problems.push(
            `${flag} ${JSON.stringify(v)} is not a device sdarts can run on: use 'cpu', 'cuda' (= cuda:0) or 'cuda:N' (GPU N, as the reference's --gpu N)`,
          );
        else out[k] = v;
        break;
      default:
        if (typeof v !== 'string' || v.length === 0) problems.push(`${flag} must be a non-empty string, got ${JSON.stringify(v)}`);
        else out[k] = v;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out) as T;
}

export type JobConfig<J extends JobCommand> = ConfigOf<J['options']>;

/**
 * The flags `--resume` accepts besides the run directory: they cannot change the run's result (output
 * format, threads, checkpoint and report frequency) and apply to the resumed session only.
 */
export const RESUME_FREE_KEYS: readonly string[] = ['resume', 'json', 'threads', 'checkpointEvery', 'reportFreq'];

function showValue(v: unknown): string {
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : v === null ? 'unset' : String(v);
}

/** How a job runs: `signal` stops it at the next step with a checkpoint; `echo` receives log.txt's lines. */
export interface JobRunOptions {
  signal?: AbortSignal;
  echo?: (line: string) => void;
}

/** A job's run, opened: its frozen config, its directory (locked for this process) and whether it resumes. */
export interface OpenedJob<J extends JobCommand> {
  config: JobConfig<J>;
  runDir: string;
  resumed: boolean;
}

/**
 * A job's run from open to end, as its events: the config (`resolveJobConfig`), the run directory,
 * locked while the job runs (run.lock: no second process may resume or reuse it meanwhile), and
 * `run`'s events. Once the run directory is known every failure is recorded there (recordRunError: an
 * `error` event in events.jsonl, a line in log.txt) and yielded as an `error` event before it is
 * rethrown — also one before `run` records failures itself: a resumed run's data gone or damaged, its
 * config.json edited, a flag that differs, the model not built. Failures found before a new run's
 * directory is made leave no directory.
 */
export async function* runJob<J extends JobCommand, E extends { type: string }>(
  job: J,
  raw: Partial<JobConfig<J>>,
  runName: (c: JobConfig<J>) => string,
  check: ((c: JobConfig<J>) => void) | undefined,
  run: (opened: OpenedJob<J>) => AsyncIterable<E>,
): AsyncGenerator<E | ErrorEvent> {
  const resume = (raw as { resume?: unknown }).resume;
  if (resume !== undefined && resume !== null && typeof resume !== 'string') validateConfig(job.options, { resume }); // throws: not a path
  let lock: RunLock | null = null;
  try {
    let opened: OpenedJob<J>;
    if (typeof resume === 'string' && resume !== '') {
      // Only a run directory is locked and written to (a mistyped --resume gets no files).
      lock = existsSync(join(resume, CONFIG_FILE)) ? acquireRunLock(resume, `--resume ${resume}`) : null;
      try {
        opened = resolveJobConfig(job, raw, runName, check).opened;
      } catch (err) {
        if (lock) yield recordRunError(resume, err, null);
        throw err;
      }
    } else ({ opened, lock } = resolveJobConfig(job, raw, runName, check));
    let recorded = false;
    try {
      for await (const ev of run(opened)) {
        if (ev.type === 'error') recorded = true;
        yield ev;
      }
    } catch (err) {
      if (!recorded) yield recordRunError(opened.runDir, err, null);
      throw err;
    }
  } finally {
    lock?.release();
  }
}

/**
 * The config of a job run: with `resume`, the config saved in that run directory — any other flag in
 * `raw` that differs from it is refused, but those of RESUME_FREE_KEYS, which apply — otherwise `raw`
 * validated and frozen into a new run directory named `runName(config)` (or --save), locked for this
 * process (`lock`; null on resume: runJob locks it first). `check` runs before anything is written
 * (and before a resumed run starts).
 */
export function resolveJobConfig<J extends JobCommand>(
  job: J,
  raw: Partial<JobConfig<J>>,
  runName: (c: JobConfig<J>) => string,
  check?: (c: JobConfig<J>) => void,
): { opened: OpenedJob<J>; lock: RunLock | null } {
  const r = raw as Partial<{ resume: string | null; json: boolean }>;
  if (r.resume) {
    const dir = r.resume;
    const specs: readonly OptionSpec[] = job.options;
    const keys = specs
      .filter((o) => o.legacyDefault === undefined)
      .map((o) => optionKey(o.flag))
      .filter((k) => k !== 'resume');
    const saved = readRunConfig<Record<string, unknown>>(dir, job.runKind, keys);
    // A run written before a flag existed ran with its legacyDefault.
    for (const o of specs) if (o.legacyDefault !== undefined && !Object.hasOwn(saved, optionKey(o.flag))) saved[optionKey(o.flag)] = o.legacyDefault;
    let frozen: Record<string, unknown>;
    try {
      frozen = validateConfig<Record<string, unknown>>(job.options, { ...saved, resume: dir });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new SdartsError(
        'ERR_SDARTS_RUN_CONFIG_INVALID',
        `${join(dir, CONFIG_FILE)} holds invalid settings:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\nIt was edited or damaged: restore it, or start a new run.`,
        { cause: err },
      );
    }
    const given = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== undefined));
    const asked = validateConfig<Record<string, unknown>>(job.options, given);
    const differs: string[] = [];
    for (const spec of job.options) {
      const k = optionKey(spec.flag);
      if (!Object.hasOwn(given, k) || RESUME_FREE_KEYS.includes(k)) continue;
      const now = asked[k],
        was = frozen[k];
      const same = k === 'save' ? resolve(String(now)) === resolve(String(was ?? dir)) : JSON.stringify(now) === JSON.stringify(was);
      if (!same) differs.push(`--${spec.flag} ${showValue(now)} differs from the run's ${showValue(was)}`);
    }
    if (differs.length)
      throw new SdartsError(
        'ERR_SDARTS_RESUME_FLAGS',
        `--resume ${dir} continues the run with the configuration it was started with; ${differs.join('; ')}. ` +
          `Drop ${differs.length > 1 ? 'these flags' : 'this flag'} to resume, or start a new run (without --resume) to use ${differs.length > 1 ? 'them' : 'it'}. ` +
          `Only --json, --threads, --checkpoint-every and --report-freq may change on resume.`,
      );
    const session = Object.fromEntries(RESUME_FREE_KEYS.filter((k) => k !== 'resume' && Object.hasOwn(given, k)).map((k) => [k, asked[k]]));
    const config = Object.freeze({ ...frozen, ...session }) as JobConfig<J>;
    check?.(config);
    return { opened: { config, runDir: dir, resumed: true }, lock: null };
  }
  const config = validateConfig<JobConfig<J>>(job.options, raw as Record<string, unknown>);
  check?.(config);
  const c = config as JobConfig<J> & { save: string | null };
  const { dir: runDir, lock } = createRunDir(runName(config), c.save);
  try {
    writeRunConfig(runDir, job.runKind, { ...config, save: runDir });
  } catch (err) {
    lock.release();
    throw err;
  }
  return { opened: { config, runDir, resumed: false }, lock };
}

/** --device names a device this machine has (checked before a run directory is made). */
export function checkDevice(device: Device): void {
  if (device === 'cpu') return;
  if (!cuda.isAvailable()) throw new ConfigError([`--device ${device}: CUDA is not available here (no GPU, or a CPU-only LibTorch build); use --device cpu`]);
  const index = device === 'cuda' ? 0 : Number(device.slice(5));
  const count = cuda.deviceCount();
  if (index >= count)
    throw new ConfigError([
      `--device ${device}: this machine has ${count} CUDA device${count === 1 ? '' : 's'} (cuda:0${count > 1 ? `–cuda:${count - 1}` : ''})`,
    ]);
}
