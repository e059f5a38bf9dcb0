/**
 * The run directory: config.json (frozen config + library/LibTorch/machine versions), events.jsonl,
 * log.txt, TensorBoard event files, genotype.json / alphas.json, checkpoint.safetensors, and run.lock
 * while a process runs the job in it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A new, unique run directory `runs/<name>-<time>[-n]` (or `save` as given), locked for this process.
 * A `save` that holds a run is refused while another process runs it (run.lock) or when it has a
 * checkpoint (resume it instead); one whose run stopped before its first checkpoint is reused.
 */
export function createRunDir(name: string, save: string | null): { dir: string; lock: RunLock } {
  let dir = save ? resolve(save) : resolve('runs', `${name}-${stamp()}`);
  if (!save) for (let n = 2; existsSync(dir); n++) dir = resolve('runs', `${name}-${stamp()}-${n}`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (save && (code === 'EEXIST' || code === 'ENOTDIR'))
      throw new SdartsError(
        'ERR_SDARTS_CONFIG',
        `--save ${save}: ${code === 'EEXIST' ? 'a file' : 'a file on its path'} is in the way — a run directory is a folder. Remove or rename the file, or choose another --save path.`,
      );
    throw err;
  }
  // Locked before its contents are looked at: two runs started with the same --save cannot both take it.
  const lock = acquireRunLock(dir, `--save ${save}`);
  try {
    if (save && existsSync(join(dir, CONFIG_FILE))) {
      if (existsSync(join(dir, 'checkpoint.safetensors')))
        throw new SdartsError(
          'ERR_SDARTS_RUN_EXISTS',
          `--save ${save} already holds a run (config.json). Use --resume ${save} to continue it, or choose another --save directory.`,
        );
      archiveAbandonedRun(dir);
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  return { dir, lock };
}

/**
 * A run that stopped before its first checkpoint cannot be resumed: a new run may take its directory.
 * Its files move to `previous-<time>/` (its error event and log stay readable), then the new run starts clean.
 */
function archiveAbandonedRun(dir: string): void {
  let to = join(dir, `previous-${stamp()}`);
  for (let n = 2; existsSync(to); n++) to = join(dir, `previous-${stamp()}-${n}`);
  mkdirSync(to);
  for (const f of readdirSync(dir)) if (!f.startsWith('previous-') && f !== LOCK_FILE) renameSync(join(dir, f), join(to, f));
}

// ---- the lock of a running job ----

export const LOCK_FILE = 'run.lock';

/** What run.lock holds: the process running the job, and a token that tells this lock from a later one. */
export interface RunLockInfo {
  pid: number;
  host: string;
  started: string;
  token: string;
}

/** The lock a job holds on its run directory while it runs; `release()` (idempotent) removes it if it is still ours. */
export interface RunLock {
  readonly dir: string;
  readonly info: RunLockInfo;
  release(): void;
}

function readLock(path: string): { text: string; info: RunLockInfo | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null; // released meanwhile
  }
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo> | null;
    const ok = v !== null && typeof v === 'object' && Number.isSafeInteger(v.pid) && v.pid! > 0 && typeof v.host === 'string' && typeof v.token === 'string';
    return { text, info: ok ? (v as RunLockInfo) : null };
  } catch {
    return { text, info: null };
  }
}

/** Whether process `pid` of this host exists (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Lock `dir` for this process: run.lock is made complete under a temporary name, then linked into
 * place (link fails if run.lock exists, so of two processes exactly one gets it). A lock whose process
 * on this host is gone (killed, crashed) is stale and taken over; a lock held by a live process, or by
 * one on another host (whose liveness cannot be checked from here), is refused with ERR_SDARTS_RUN_IN_USE.
 * A lock that is not a lock (unreadable JSON) is stale too. `what` names the flag in the message.
 */
export function acquireRunLock(dir: string, what: string): RunLock {
  const path = join(dir, LOCK_FILE);
  const info: RunLockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), token: randomUUID() };
  const tmp = join(dir, `.${LOCK_FILE}.${info.pid}.${info.token}.tmp`);
  writeFileSync(tmp, JSON.stringify(info) + '\n');
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        placeLock(tmp, path, info);
        return lockHandle(dir, info);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readLock(path);
      if (!held) continue;
      const h = held.info;
      if (h && (h.host !== info.host || processAlive(h.pid))) throw inUse(dir, what, path, h, h.host !== info.host);
      takeOverStale(dir, path, held.text, info.token);
    }
    throw new SdartsError('ERR_SDARTS_RUN_IN_USE', `${what}: ${dir} is being locked by other processes at the same time (${path}); retry.`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Put the lock in place, failing with EEXIST if one is there: a hard link, or an exclusive create where the file system has no links. */
function placeLock(tmp: string, path: string, info: RunLockInfo): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    writeFileSync(path, JSON.stringify(info) + '\n', { flag: 'wx' });
  }
}

/**
 * Move a stale run.lock aside, unless another process replaced it meanwhile (then put theirs back).
 * Only the content read as stale is ever removed.
 */
function takeOverStale(dir: string, path: string, staleText: string, token: string): void {
  const aside = join(dir, `.${LOCK_FILE}.${token}.stale`);
  try {
    renameSync(path, aside);
  } catch {
    return; // gone meanwhile: retry
  }
  const moved = readLock(aside);
  if (moved && moved.text !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process linked its lock meanwhile: the next attempt sees it (three processes on one stale lock at once).
    }
  }
  rmSync(aside, { force: true });
}

function lockHandle(dir: string, info: RunLockInfo): RunLock {
  let held = true;
  return {
    dir,
    info,
    release() {
      if (!held) return;
      held = false;
      const path = join(dir, LOCK_FILE);
      if (readLock(path)?.info?.token === info.token) rmSync(path, { force: true });
    },
  };
}

function inUse(dir: string, what: string, path: string, h: RunLockInfo, otherHost: boolean): SdartsError {
  const who = `process ${h.pid} on ${otherHost ? `host ${h.host}` : 'this host'}, since ${h.started}`;
  const gone = otherHost
    ? ` sdarts cannot tell from ${hostname()} whether that process still runs: if it does not (its job ended or the host went down), delete ${path} and retry.`
    : '';
  return new SdartsError(
    'ERR_SDARTS_RUN_IN_USE',
    `${what}: ${dir} is in use by a running sdarts job (${who}; lock file ${path}). A run directory serves one process at a time: wait for that job to end (or stop it), or choose another --save directory.${gone}`,
  );
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
