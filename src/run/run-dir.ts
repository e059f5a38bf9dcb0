/**
 * The run directory: config.json (frozen config + library/LibTorch/machine versions), events.jsonl,
 * log.txt, TensorBoard event files, genotype.json / alphas.json, checkpoint.safetensors.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo, getNumThreads } from '../tensor/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SdartsError } from '../util/errors.js';

export const CONFIG_FILE = 'config.json';

function packageVersion(): string {
  try {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

export function environmentInfo(): Record<string, unknown> {
  const b = buildInfo();
  return {
    sdarts: packageVersion(),
    libtorch: b.torchVersion,
    libtorchCuda: b.cudaBuild,
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    threads: getNumThreads(),
  };
}

function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A new, unique run directory `runs/<name>-<time>[-n]` (or `save` as given). */
export function createRunDir(name: string, save: string | null): string {
  let dir = save ? resolve(save) : resolve('runs', `${name}-${stamp()}`);
  if (!save) {
    for (let n = 2; existsSync(dir); n++) dir = resolve('runs', `${name}-${stamp()}-${n}`);
  } else if (existsSync(join(dir, CONFIG_FILE))) {
    if (existsSync(join(dir, 'checkpoint.safetensors')))
      throw new SdartsError(
        'ERR_SDARTS_RUN_EXISTS',
        `--save ${save} already holds a run (config.json). Use --resume ${save} to continue it, or choose another --save directory.`,
      );
    archiveAbandonedRun(dir);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A run that stopped before its first checkpoint cannot be resumed: a new run may take its directory.
 * Its files move to `previous-<time>/` (its error event and log stay readable), then the new run starts clean.
 */
function archiveAbandonedRun(dir: string): void {
  let to = join(dir, `previous-${stamp()}`);
  for (let n = 2; existsSync(to); n++) to = join(dir, `previous-${stamp()}-${n}`);
  mkdirSync(to);
  for (const f of readdirSync(dir)) if (!f.startsWith('previous-')) renameSync(join(dir, f), join(to, f));
}

export function writeRunConfig(dir: string, command: string, config: unknown): void {
  writeFileAtomic(
    join(dir, CONFIG_FILE),
    JSON.stringify({ command, config, environment: environmentInfo(), created: new Date().toISOString() }, null, 2) + '\n',
  );
}

/** The `config` of `<dir>/config.json`, checked to be a `command` run's, with every key of `requiredKeys`. */
export function readRunConfig<T>(dir: string, command: string, requiredKeys?: readonly string[]): T {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path))
    throw new SdartsError(
      'ERR_SDARTS_RUN_NOT_FOUND',
      `${dir} is not a run directory (no ${CONFIG_FILE}). Pass the directory a previous \`sdarts ${command}\` printed.`,
    );
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_RUN_CORRUPT', `${path} is not valid JSON (${(err as Error).message}).`, { cause: err });
  }
  const invalid = (why: string): never => {
    throw new SdartsError(
      'ERR_SDARTS_RUN_CONFIG_INVALID',
      `${path} ${why}: it was edited or damaged. Restore it (config.json holds {"command", "config", …} as \`sdarts ${command}\` wrote it), or start a new run.`,
    );
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return invalid(`is ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : `a ${typeof doc}`}, not a JSON object`);
  const d = doc as { command?: unknown; config?: unknown };
  if (d.command === undefined) invalid('has no "command"');
  if (d.command !== command) {
    throw new SdartsError('ERR_SDARTS_RUN_KIND', `${dir} holds a '${String(d.command)}' run, not a '${command}' run.`);
  }
  if (d.config === null || typeof d.config !== 'object' || Array.isArray(d.config)) invalid('has no "config" object');
  const config = d.config as Record<string, unknown>;
  if (requiredKeys) {
    const missing = requiredKeys.filter((k) => !Object.hasOwn(config, k));
    if (missing.length) invalid(`lacks ${missing.length > 1 ? 'the settings' : 'the setting'} ${missing.join(', ')} of the run's "config"`);
  }
  return config as T;
}

export function tensorboardFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.includes('tfevents'))
        .sort()
    : [];
}
