/**
 * A failure once the run directory is known is recorded there, also before the job's own handler is in
 * place: a resumed run whose data was removed or damaged after it ran, a flag that differs from its
 * config, a model that cannot be built. Each leaves an `error` event (message, code, position) in
 * events.jsonl, a line in log.txt, and is yielded as the job's last event — for search, train and
 * nasbench search.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readEvents } from '../../src/run/events-log.js';
import type { ErrorEvent } from '../../src/run/run-logs.js';
import { runSearch } from '../../src/run/search-job.js';
import { runTrain } from '../../src/run/train-job.js';
import { runNasbenchSearch } from '../../src/run/nasbench-search-job.js';
import { FIXTURES } from '../helpers/fixture.js';

const build = vi.hoisted(() => ({ fail: false }));
vi.mock('../../src/space/eval-network.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/space/eval-network.js')>();
  class NetworkCIFAR extends m.NetworkCIFAR {
    constructor(...a: ConstructorParameters<typeof m.NetworkCIFAR>) {
      if (build.fail) throw new Error('cannot build the network');
      super(...a);
    }
  }
  return { ...m, NetworkCIFAR };
});

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-resume-failure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type AnyEvent = { type: string; [k: string]: unknown };
type Job = (raw: Record<string, unknown>, opts: { signal?: AbortSignal }) => AsyncGenerator<AnyEvent>;

/** Run a job to its end or its error; with `abort`, interrupt it after its first step. */
async function collect(gen: AsyncGenerator<AnyEvent>, abort?: AbortController): Promise<{ events: AnyEvent[]; error: unknown }> {
  const events: AnyEvent[] = [];
  try {
    for await (const ev of gen) {
      events.push(ev);
      if (ev.type === 'step') abort?.abort();
    }
    return { events, error: null };
  } catch (error) {
    return { events, error };
  }
}

/** A copy of the Fashion-MNIST fixture in torchvision's layout (the job's --data). */
function dataCopy(name: string): string {
  const d = join(tmp, `data-${name}`);
  cpSync(join(FIXTURES, 'data', 'fashion-mnist'), d, { recursive: true });
  return d;
}

const SEARCH = { dataset: 'fashion-mnist', layers: 3, initChannels: 4, batchSize: 16, limitTrain: 32, threads: 1, epochs: 2, space: 's3' };
const JOBS: { name: string; job: Job; flags: Record<string, unknown> }[] = [
  { name: 'search', job: runSearch as unknown as Job, flags: SEARCH },
  { name: 'nasbench search', job: runNasbenchSearch as unknown as Job, flags: { ...SEARCH, space: '1', layers: 3, analyzeEvery: 0 } },
  {
    name: 'train',
    job: runTrain as unknown as Job,
    flags: { dataset: 'fashion-mnist', layers: 3, initChannels: 4, batchSize: 16, limitTrain: 32, limitTest: 16, threads: 1, epochs: 2, arch: 'DARTS_V2' },
  },
];

/** A run of `job` interrupted after its first step, with a checkpoint at epoch 0 step 1. */
async function interruptedRun(job: Job, flags: Record<string, unknown>, save: string): Promise<void> {
  const abort = new AbortController();
  const r = await collect(job({ ...flags, save, checkpointEvery: 0 }, { signal: abort.signal }), abort);
  expect(r.error).toBeNull();
  expect(r.events.at(-1)).toMatchObject({ type: 'end', reason: 'interrupted', epoch: 0, step: 1 });
}

/** The error is the job's last event, the last event of events.jsonl and the last line of log.txt. */
function expectRecorded(dir: string, r: { events: AnyEvent[]; error: unknown }, want: Partial<ErrorEvent> & { code: string }): void {
  const err = r.error as Error & { code?: string };
  expect(err.code).toBe(want.code);
  const ev = { type: 'error', message: err.message, ...want };
  expect(r.events.at(-1)).toMatchObject(ev);
  expect(readEvents(dir).at(-1)).toMatchObject(ev);
  // The last message of log.txt (a multi-line message continues on indented lines).
  const messages = readFileSync(join(dir, 'log.txt'), 'utf8')
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith(' '));
  expect(messages.at(-1)).toContain(`error ${want.code}: ${err.message.split('\n')[0]}`);
}

describe('a resumed run whose data went away or was damaged records the failure', () => {
  for (const { name, job, flags } of JOBS) {
    it(`${name}: the dataset folder removed, then damaged, between the run and --resume`, async () => {
      const data = dataCopy(name.replace(/\W/g, '-'));
      const save = join(tmp, `resume-${name.replace(/\W/g, '-')}`);
      await interruptedRun(job, { ...flags, data }, save);
      rmSync(data, { recursive: true });
      let r = await collect(job({ resume: save }, {}));
      expectRecorded(save, r, { code: 'ERR_SDARTS_DATA_MISSING', epoch: null, step: null, globalStep: null, resumable: true });
      // Damaged: a training-image file cut short.
      cpSync(join(FIXTURES, 'data', 'fashion-mnist'), data, { recursive: true });
      const images = join(data, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte.gz');
      writeFileSync(images, readFileSync(images).subarray(0, 200));
      r = await collect(job({ resume: save }, {}));
      expect((r.error as { code?: string }).code).toMatch(/^ERR_SDARTS_DATA_(CORRUPT|FORMAT)$/);
      expectRecorded(save, r, { code: (r.error as { code: string }).code, resumable: true });
      // Repaired, the run resumes where it was interrupted (the failed attempts' records are cut off with the replayed part).
      cpSync(join(FIXTURES, 'data', 'fashion-mnist'), data, { recursive: true });
      r = await collect(job({ resume: save }, {}));
      expect(r.error).toBeNull();
      expect(r.events[0]).toMatchObject({ type: 'start', resumed: true, epoch: 0, step: 1 });
      expect(r.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
    }, 300_000);
  }
});

describe('other failures before the checkpoint is restored, or before the run starts', () => {
  it('--resume with a flag that differs from the run is recorded in the run', async () => {
    const save = join(tmp, 'flags');
    const { job, flags } = JOBS[2]!;
    await interruptedRun(job, flags, save);
    const r = await collect(job({ resume: save, epochs: 5 }, {}));
    expectRecorded(save, r, { code: 'ERR_SDARTS_RESUME_FLAGS', resumable: true });
    expect((r.error as Error).message).toContain("--epochs 5 differs from the run's 2");
  }, 300_000);

  it('an edited config.json (invalid setting) is recorded in the run', async () => {
    const save = join(tmp, 'config');
    const { job, flags } = JOBS[2]!;
    await interruptedRun(job, flags, save);
    const path = join(save, 'config.json');
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
    doc.config['batchSize'] = -3;
    writeFileSync(path, JSON.stringify(doc));
    const r = await collect(job({ resume: save }, {}));
    expectRecorded(save, r, { code: 'ERR_SDARTS_RUN_CONFIG_INVALID', resumable: true });
  }, 300_000);

  it('a new run whose model cannot be built records it in its directory (no checkpoint: reusable)', async () => {
    const save = join(tmp, 'build');
    const { job, flags } = JOBS[2]!;
    build.fail = true;
    let r: Awaited<ReturnType<typeof collect>>;
    try {
      r = await collect(job({ ...flags, save }, {}));
    } finally {
      build.fail = false;
    }
    expect((r.error as Error).message).toBe('cannot build the network');
    expect(r.events).toEqual([expect.objectContaining({ type: 'error', message: 'cannot build the network', code: null, step: null, resumable: false })]);
    expect(readEvents(save)).toEqual([expect.objectContaining({ type: 'error', message: 'cannot build the network', resumable: false })]);
    expect(readFileSync(join(save, 'log.txt'), 'utf8')).toMatch(/ error: cannot build the network \(no checkpoint yet/);
    // The same --save is taken by the next run.
    const again = await collect(job({ ...flags, epochs: 1, save }, {}));
    expect(again.error).toBeNull();
    expect(again.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
  }, 300_000);

  it('a --resume directory that is not a run gets no files', async () => {
    const dir = join(tmp, 'not-a-run');
    cpSync(join(FIXTURES, 'data', 'fashion-mnist'), dir, { recursive: true });
    const r = await collect(runTrain({ resume: dir }));
    expect((r.error as { code?: string }).code).toBe('ERR_SDARTS_RUN_NOT_FOUND');
    expect(r.events).toEqual([]);
    expect(() => readFileSync(join(dir, 'events.jsonl'))).toThrow(/ENOENT/);
    expect(() => readFileSync(join(dir, 'log.txt'))).toThrow(/ENOENT/);
    await expect(runTrain({ resume: 5 as unknown as string }).next()).rejects.toThrow(/--resume must be a non-empty string, got 5/);
  });
});
