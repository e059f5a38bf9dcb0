/**
 * A run directory serves one process at a time: run.lock (pid, host, token) is linked into place
 * complete, so of two processes one gets it; a live holder on this host, or any holder on another
 * host, is refused with ERR_SDARTS_RUN_IN_USE; a lock whose process is gone is taken over. A failed
 * run's directory is then resumable (checkpoint) or reusable (none) — but not while it still runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, acquireRunLock, createRunDir, writeRunConfig, type RunLockInfo } from '../../src/run/run-dir.js';
import { readEvents } from '../../src/run/events-log.js';
import { runTrain } from '../../src/run/train-job.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-lock-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function dir(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
}
const lockOf = (d: string): RunLockInfo => JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')) as RunLockInfo;
function writeLock(d: string, pid: number, host = hostname()): void {
  writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid, host, started: '2026-01-01T00:00:00.000Z', token: 'theirs' }));
}
/** The pid of a process that has exited (so no live process has it, until the kernel reuses it). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}
/** A live process of this host (killed after the tests). */
function livePid(): number {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}
/** `fn` throws ERR_SDARTS_RUN_IN_USE (or `code`) with a message containing each of `parts`. */
function expectRefused(fn: () => unknown, parts: string[], code = 'ERR_SDARTS_RUN_IN_USE'): void {
  expect(fn).toThrow(
    expect.objectContaining({ code, message: expect.stringMatching(new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'), 's')) }),
  );
}

describe('run.lock', () => {
  it('is written complete with this process, refused to a second holder, and removed on release', () => {
    const d = dir('basic');
    const lock = acquireRunLock(d, '--resume d');
    expect(lockOf(d)).toEqual({ pid: process.pid, host: hostname(), started: lock.info.started, token: lock.info.token });
    expectRefused(() => acquireRunLock(d, '--resume d'), [`${d} is in use by a running sdarts job (process ${process.pid} on this host`, join(d, LOCK_FILE)]);
    lock.release();
    lock.release();
    expect(readdirSync(d)).toEqual([]);
  });

  it('a lock of a process that is gone is taken over', () => {
    const d = dir('stale');
    writeLock(d, deadPid());
    const lock = acquireRunLock(d, '--resume d');
    expect(lockOf(d).pid).toBe(process.pid);
    expect(lockOf(d).token).toBe(lock.info.token);
    lock.release();
    expect(readdirSync(d)).toEqual([]);
  });

  it('a damaged lock (not JSON, no valid pid) is taken over', () => {
    const d = dir('garbage');
    writeFileSync(join(d, LOCK_FILE), '\0\0\0');
    acquireRunLock(d, '--resume d').release();
    expect(readdirSync(d)).toEqual([]);
    // pid 0 would signal this process group: not a lock either.
    writeLock(d, 0);
    acquireRunLock(d, '--resume d').release();
    expect(readdirSync(d)).toEqual([]);
  });

  it("a live process's lock is refused; a lock of another host is refused with how to clear it", () => {
    const d = dir('live');
    const pid = livePid();
    writeLock(d, pid);
    expectRefused(() => acquireRunLock(d, '--save d'), [`--save d: ${d} is in use by a running sdarts job (process ${pid} on this host`]);
    writeLock(d, deadPid(), 'some-other-host');
    expectRefused(
      () => acquireRunLock(d, '--save d'),
      ['on host some-other-host', `if it does not (its job ended or the host went down), delete ${join(d, LOCK_FILE)} and retry`],
    );
    expect(lockOf(d).host).toBe('some-other-host');
  });

  it('release leaves a lock that is no longer ours', () => {
    const d = dir('taken');
    const lock = acquireRunLock(d, '--resume d');
    writeLock(d, livePid());
    lock.release();
    expect(lockOf(d).token).toBe('theirs');
  });
});

describe('--save of a run that stopped before its first checkpoint', () => {
  it('is refused while its process still runs, and reused once it is gone', () => {
    const save = dir('abandoned');
    writeRunConfig(save, 'train', { epochs: 1 });
    const pid = livePid();
    writeLock(save, pid);
    expectRefused(() => createRunDir('x', save), [`--save ${save}: ${save} is in use`]);
    expect(readdirSync(save).sort()).toEqual(['config.json', LOCK_FILE]);
    writeLock(save, deadPid());
    const { dir: d, lock } = createRunDir('x', save);
    expect(d).toBe(save);
    const files = readdirSync(save).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^previous-/);
    expect(files[1]).toBe(LOCK_FILE);
    expect(readdirSync(join(save, files[0]!))).toEqual(['config.json']);
    lock.release();
  });

  it('a run with a checkpoint is refused as before (resume it), and its lock is not kept', () => {
    const save = dir('has-checkpoint');
    writeRunConfig(save, 'train', { epochs: 1 });
    writeFileSync(join(save, 'checkpoint.safetensors'), '');
    expectRefused(() => createRunDir('x', save), [`--save ${save} already holds a run`, `--resume ${save}`], 'ERR_SDARTS_RUN_EXISTS');
    expect(existsSync(join(save, LOCK_FILE))).toBe(false);
  });
});

describe('jobs hold the lock while they run', () => {
  const TINY = { dataset: 'fashion-mnist', layers: 3, initChannels: 4, batchSize: 16, limitTrain: 32, limitTest: 16, threads: 1, arch: 'DARTS_V2' } as const;

  it('while a train job runs, its directory is locked; --resume of a live run is refused and nothing is written into it', async () => {
    const save = join(tmp, 'job');
    const seen: (RunLockInfo | null)[] = [];
    for await (const ev of runTrain({ ...TINY, epochs: 1, save })) {
      seen.push(existsSync(join(save, LOCK_FILE)) ? lockOf(save) : null);
      if (ev.type === 'start') {
        const events = readFileSync(join(save, 'events.jsonl'), 'utf8');
        const other = runTrain({ resume: save });
        await expect(other.next()).rejects.toMatchObject({ code: 'ERR_SDARTS_RUN_IN_USE' });
        expect(readFileSync(join(save, 'events.jsonl'), 'utf8')).toBe(events);
      }
    }
    expect(seen.every((l) => l?.pid === process.pid)).toBe(true);
    expect(existsSync(join(save, LOCK_FILE))).toBe(false);
    expect(readEvents(save).at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
  }, 120_000);

  it('an interrupted job and a failed resume release the lock (the run resumes next)', async () => {
    const save = join(tmp, 'released');
    const abort = new AbortController();
    let last: { type: string } | undefined;
    for await (const ev of runTrain({ ...TINY, epochs: 1, save, checkpointEvery: 0 }, { signal: abort.signal })) {
      if (ev.type === 'step') abort.abort();
      last = ev;
    }
    expect(last).toMatchObject({ type: 'end', reason: 'interrupted' });
    expect(existsSync(join(save, LOCK_FILE))).toBe(false);
    // Fails after taking the lock (the flag check), which it releases.
    const failed = runTrain({ resume: save, epochs: 3 });
    await expect(failed.next()).resolves.toMatchObject({ value: { type: 'error', code: 'ERR_SDARTS_RESUME_FLAGS' } });
    await expect(failed.next()).rejects.toMatchObject({ code: 'ERR_SDARTS_RESUME_FLAGS' });
    expect(existsSync(join(save, LOCK_FILE))).toBe(false);
    for await (const ev of runTrain({ resume: save })) last = ev;
    expect(last).toMatchObject({ type: 'end', reason: 'completed' });
  }, 120_000);
});
