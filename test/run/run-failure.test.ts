/**
 * A failed run leaves a trace (an `error` event in events.jsonl and a line in log.txt), stays
 * resumable when it has a checkpoint and reusable by a new run with the same --save when it has none;
 * a write removes the temp files an interrupted write left; checkpoints of an older sdarts (no
 * checksums) still load.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tensor } from '../../src/tensor/index.js';
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint } from '../../src/run/checkpoint.js';
import { readEvents } from '../../src/run/events-log.js';
import { runTrain, type TrainEvent } from '../../src/run/train-job.js';
import { FIXTURES } from '../helpers/fixture.js';

const crash = vi.hoisted(() => ({ atGlobalStep: -1, seen: 0 }));
vi.mock('../../src/search/metrics.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/search/metrics.js')>();
  return {
    ...m,
    topkAccuracy: (...a: Parameters<typeof m.topkAccuracy>) => {
      // Only the training step counts (evaluation calls it in eval mode, under no_grad, too).
      if (crash.atGlobalStep >= 0 && a[0].requiresGrad && ++crash.seen === crash.atGlobalStep) throw new Error('boom inside a step');
      return m.topkAccuracy(...a);
    },
  };
});

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-failure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TINY = {
  dataset: 'fashion-mnist',
  layers: 3,
  initChannels: 4,
  batchSize: 16,
  limitTrain: 32,
  limitTest: 16,
  threads: 1,
  arch: 'DARTS_V2',
  checkpointEvery: 0,
} as const;

async function collect(gen: AsyncGenerator<TrainEvent>): Promise<{ events: TrainEvent[]; error: unknown }> {
  const events: TrainEvent[] = [];
  try {
    for await (const ev of gen) events.push(ev);
    return { events, error: null };
  } catch (error) {
    return { events, error };
  }
}

describe('a failed run leaves a trace', () => {
  it('a crash before the first checkpoint: error event + log line; the same --save can be reused', async () => {
    const save = join(tmp, 'early');
    crash.atGlobalStep = 1;
    crash.seen = 0;
    const r = await collect(runTrain({ ...TINY, epochs: 1, save }));
    expect((r.error as Error).message).toBe('boom inside a step');
    const last = r.events[r.events.length - 1]!;
    expect(last).toMatchObject({ type: 'error', message: 'boom inside a step', code: null, epoch: 0, step: 0, resumable: false });
    expect(readEvents(save).at(-1)).toMatchObject({ type: 'error', message: 'boom inside a step', resumable: false });
    expect(readFileSync(join(save, 'log.txt'), 'utf8')).toMatch(/error at epoch 0 step 0: boom inside a step \(no checkpoint yet/);
    crash.atGlobalStep = -1;
    const again = await collect(runTrain({ ...TINY, epochs: 1, save }));
    expect(again.error).toBeNull();
    expect(again.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
    // The failed attempt is kept aside.
    const prev = readdirSync(save).filter((f) => f.startsWith('previous-'));
    expect(prev).toHaveLength(1);
    expect(readEvents(join(save, prev[0]!)).at(-1)).toMatchObject({ type: 'error' });
  }, 120_000);

  it('a crash after a checkpoint: the error is recorded as resumable and --resume completes', async () => {
    const save = join(tmp, 'late');
    crash.atGlobalStep = 3; // epoch 1, step 1 (2 steps per epoch)
    crash.seen = 0;
    const r = await collect(runTrain({ ...TINY, epochs: 2, save }));
    expect((r.error as Error).message).toBe('boom inside a step');
    expect(r.events.at(-1)).toMatchObject({ type: 'error', epoch: 1, step: 0, globalStep: 2, resumable: true });
    crash.atGlobalStep = -1;
    const resumed = await collect(runTrain({ resume: save }));
    expect(resumed.error).toBeNull();
    expect(resumed.events[0]).toMatchObject({ type: 'start', resumed: true, epoch: 1 });
    expect(resumed.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed' });
  }, 120_000);
});

describe('checkpoint files', () => {
  it('a write removes the temp files an interrupted write left behind', () => {
    const dir = join(tmp, 'stale');
    cpSync(join(FIXTURES, 'run', 'legacy', 'train'), dir, { recursive: true });
    const stale = [`${CHECKPOINT_FILE}.tmp`, `.${CHECKPOINT_FILE}.4242.1700000000000.tmp`];
    for (const f of stale) writeFileSync(join(dir, f), 'partial');
    const t = tensor([1, 2, 3]);
    saveCheckpoint(dir, 'unit', { x: t }, { epoch: 0 });
    t.dispose();
    for (const f of stale) expect(existsSync(join(dir, f)), f).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const ck = loadCheckpoint<{ epoch: number }>(dir, 'unit');
    expect(ck.verified).toBe(true);
    expect(ck.state).toEqual({ epoch: 0 });
    Object.values(ck.tensors).forEach((x) => x.dispose());
  });

  it('a checkpoint without checksums (an older sdarts) is accepted as it is', () => {
    const ck = loadCheckpoint(join(FIXTURES, 'run', 'legacy', 'train'), 'train');
    expect(ck.verified).toBe(false);
    Object.values(ck.tensors).forEach((x) => x.dispose());
  });
});
