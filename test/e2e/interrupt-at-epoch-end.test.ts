/**
 * An interruption that lands on the last step of an epoch checkpoints at (epoch, last step); resuming
 * that checkpoint does the epoch's end-of-epoch work (validation, architecture, checkpoint) and ends
 * bitwise equal to an uninterrupted run — for `search` and `train`. The abort is raised from the event
 * consumer (as the CLI's signal handler does), synchronously, so the point of interruption is exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../src/index.js';
import { runSearch } from '../../src/run/search-job.js';
import { runTrain } from '../../src/run/train-job.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-epoch-end-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function weights(dir: string): Record<string, number[]> {
  const { tensors } = loadSafetensors(join(dir, 'checkpoint.safetensors'));
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.') || k.startsWith('arch.')) out[k] = t.toArray() as number[];
  Object.values(tensors).forEach((t) => t.dispose());
  return out;
}

type Job = (cfg: Record<string, unknown>, o: { signal?: AbortSignal }) => AsyncGenerator<{ type: string; [k: string]: unknown }>;
const COMMON = { dataset: 'fashion-mnist', batchSize: 32, threads: 1, layers: 3, initChannels: 4, epochs: 2 };
const JOBS: Record<string, [Job, Record<string, unknown>]> = {
  search: [runSearch as unknown as Job, { ...COMMON, space: 's3', perturb: 'random', limitTrain: 128, seed: 3 }],
  train: [runTrain as unknown as Job, { ...COMMON, arch: 'c10_s3_pgd', limitTrain: 64, limitTest: 32, seed: 0 }],
};

async function drain(job: Job, cfg: Record<string, unknown>, abortAtEpochEnd = false): Promise<{ type: string; [k: string]: unknown }[]> {
  const ac = new AbortController();
  const events = [];
  for await (const ev of job(cfg, { signal: ac.signal })) {
    events.push(ev);
    if (abortAtEpochEnd && ev.type === 'step' && ev['epoch'] === 0 && ev['step'] === ev['stepsPerEpoch']) ac.abort('SIGINT');
  }
  return events;
}

describe('interrupted on the last step of an epoch', () => {
  for (const [name, [job, cfg]] of Object.entries(JOBS)) {
    it(`${name}: checkpoint at (0, last step), then resume: bitwise equal to an uninterrupted run`, async () => {
      const ref = join(tmp, `${name}-ref`),
        cut = join(tmp, `${name}-cut`);
      await drain(job, { ...cfg, save: ref });
      const events = await drain(job, { ...cfg, save: cut }, true);
      const ckpt = events.filter((e) => e.type === 'checkpoint').pop()!;
      const steps = events.find((e) => e.type === 'step')!['stepsPerEpoch'];
      expect(events[events.length - 1]).toMatchObject({ type: 'end', reason: 'interrupted' });
      expect([ckpt['epoch'], ckpt['step']]).toEqual([0, steps]);
      const resumed = await drain(job, { resume: cut });
      expect(resumed[0]).toMatchObject({ type: 'start', resumed: true });
      expect(resumed[resumed.length - 1]).toMatchObject({ type: 'end', reason: 'completed' });
      const a = weights(cut),
        b = weights(ref);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(b)) expect(a[k], k).toEqual(b[k]);
    });
  }
});
