/**
 * Config validation: raw values (from the CLI or an API caller) → a frozen, fully defaulted config,
 * or one error naming every problem and what to do; and the config of a job run (new, or resumed from
 * its run directory).
 */
import { SdartsError } from '../util/errors.js';
import { optionKey, type ConfigOf, type JobCommand, type OptionSpec } from './commands.js';
import { createRunDir, readRunConfig, writeRunConfig } from './run-dir.js';

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
 * The config of a job run: with `resume`, the config saved in that run directory (only `json` may
 * change); otherwise `raw` validated, checked by `check` (before anything is written), and frozen
 * into a new run directory named `runName(config)` (or --save).
 */
export function resolveJobConfig<J extends JobCommand>(
  job: J,
  raw: Partial<JobConfig<J>>,
  runName: (c: JobConfig<J>) => string,
  check?: (c: JobConfig<J>) => void,
): { config: JobConfig<J>; runDir: string; resumed: boolean } {
  const r = raw as Partial<{ resume: string | null; json: boolean }>;
  if (r.resume) {
    const saved = readRunConfig<JobConfig<J>>(r.resume, job.runKind);
    const config = validateConfig<JobConfig<J>>(job.options, { ...saved, resume: r.resume, json: r.json ?? (saved as { json?: boolean }).json });
    return { config, runDir: r.resume, resumed: true };
  }
  const config = validateConfig<JobConfig<J>>(job.options, raw as Record<string, unknown>);
  check?.(config);
  const c = config as JobConfig<J> & { save: string | null };
  const runDir = createRunDir(runName(config), c.save);
  writeRunConfig(runDir, job.runKind, { ...config, save: runDir });
  return { config, runDir, resumed: false };
}
