/**
 * The run directory: config.json (frozen config + library/LibTorch/machine versions), events.jsonl,
 * log.txt, TensorBoard event files, genotype.json / alphas.json, checkpoint.safetensors.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
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
    throw new SdartsError(
      'ERR_SDARTS_RUN_EXISTS',
      `--save ${save} already holds a run (config.json). Use --resume ${save} to continue it, or choose another --save directory.`,
    );
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeRunConfig(dir: string, command: string, config: unknown): void {
  writeFileAtomic(
    join(dir, CONFIG_FILE),
    JSON.stringify({ command, config, environment: environmentInfo(), created: new Date().toISOString() }, null, 2) + '\n',
  );
}

export function readRunConfig<T>(dir: string, command: string): T {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path))
    throw new SdartsError(
      'ERR_SDARTS_RUN_NOT_FOUND',
      `${dir} is not a run directory (no ${CONFIG_FILE}). Pass the directory a previous \`sdarts ${command}\` printed.`,
    );
  let doc: { command?: string; config?: T };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_RUN_CORRUPT', `${path} is not valid JSON (${(err as Error).message}).`, { cause: err });
  }
  if (doc.command !== command || !doc.config) {
    throw new SdartsError('ERR_SDARTS_RUN_KIND', `${dir} holds a '${doc.command ?? 'unknown'}' run, not a '${command}' run.`);
  }
  return doc.config;
}

export function tensorboardFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.includes('tfevents'))
        .sort()
    : [];
}
