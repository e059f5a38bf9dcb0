/**
 * `runRnnTrain` / `testRnnCheckpoint` through the API on the embedded corpus at small sizes (16 units,
 * --limit-tokens): one epoch beats the untrained model, NT-ASGD switches by its rule and validates with the
 * averaged weights, a run aborted mid-epoch (in its ASGD phase) resumes to bitwise the same run, a NaN loss
 * rolls back to the last checkpoint, and a diverging run stops with ERR_SDARTS_RUN_DIVERGED.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, manualSeed, memory, noGrad, type Tensor } from '../../src/index.js';
import { RnnModel } from '../../src/space/rnn/index.js';
import { resolveRnnGenotype } from '../../src/space/genotype/index.js';
import { batchify } from '../../src/data/ptb-batches.js';
import { ntAsgdSwitchEpoch } from '../../src/optim/nt-asgd.js';
import { readEvents } from '../../src/run/events-log.js';
import { runRnnTrain, type RnnTrainConfig, type RnnTrainEvent, type RnnTrainOptions } from '../../src/run/rnn-train-job.js';
import { BEST_FILE, evaluateRnnModel, loadRnnCorpus, testRnnCheckpoint } from '../../src/run/rnn-eval.js';
import { tensorboardFiles } from '../../src/run/run-dir.js';
import { readEventFile } from './tfevents-reader.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-rnn-train-'));
const SMALL = { emsize: 16, nhid: 16, nhidlast: 16, batchSize: 4, evalBatchSize: 10, bptt: 10, limitTokens: 1000, threads: 1 } as const;

async function run(raw: Partial<RnnTrainConfig>, opts: RnnTrainOptions = {}): Promise<RnnTrainEvent[]> {
  const events: RnnTrainEvent[] = [];
  for await (const ev of runRnnTrain(raw, opts)) events.push(ev);
  return events;
}

function tensorsOf(file: string, prefix = ''): Record<string, number[]> {
  const { tensors } = loadSafetensors(file);
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith(prefix)) out[k] = t.toArray();
    t.dispose();
  }
  return out;
}

/** A model of the run's sizes holding `file`'s tensors under `prefix` (e.g. the averages `opt.<i>.ax`). */
function modelWith(file: string, pick: (sd: Record<string, Tensor>) => Record<string, Tensor>, ntoken: number): RnnModel {
  const model = new RnnModel({ ntoken, ninp: 16, nhid: 16, nhidlast: 16, genotype: resolveRnnGenotype('DARTS') });
  const { tensors } = loadSafetensors(file);
  try {
    model.loadStateDict(pick(tensors));
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return model;
}

const fromPrefix = (prefix: string) => (T: Record<string, Tensor>) =>
  Object.fromEntries(
    Object.entries(T)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );

describe('rnn train (API)', () => {
  it('one epoch lowers the validation perplexity below the untrained model’s; rnn test reports the best model’s test perplexity', async () => {
    const cfg = { ...SMALL, batchSize: 8, limitTokens: 4000, epochs: 1, seed: 11 };
    const corpus = loadRnnCorpus(null, cfg.limitTokens);
    const valid = batchify(corpus.valid, cfg.evalBatchSize);
    // The untrained model: the same seed and construction as the run's.
    manualSeed(cfg.seed);
    const untrained = new RnnModel({ ntoken: corpus.ntoken, ninp: 16, nhid: 16, nhidlast: 16, genotype: resolveRnnGenotype('DARTS') });
    const before = evaluateRnnModel(untrained, valid, cfg.bptt);
    untrained.dispose();
    // U(±0.04) weights give nearly uniform predictions: perplexity close to the vocabulary size.
    expect(Math.exp(before.loss) / corpus.ntoken).toBeGreaterThan(0.9);
    expect(Math.exp(before.loss) / corpus.ntoken).toBeLessThan(1.1);

    const live = memory().liveTensors;
    const dir = join(tmp, 'one-epoch');
    const events = await run({ ...cfg, save: dir });
    expect(memory().liveTensors).toBe(live);
    const epoch = events.find((e) => e.type === 'epoch')!;
    const end = events.at(-1)!;
    if (epoch.type !== 'epoch' || end.type !== 'end') throw new Error('expected epoch and end events');
    expect(epoch.validPpl).toBeLessThan(Math.exp(before.loss) / 2);
    expect(epoch.validPpl).toBe(Math.exp(epoch.validLoss));
    expect(epoch).toMatchObject({ optimizer: 'sgd', switched: false, best: true });
    expect(end).toMatchObject({ reason: 'completed', bestEpoch: 0, bestValidLoss: epoch.validLoss });
    // best.safetensors holds the weights that were validated: evaluating them again gives the same loss.
    const best = modelWith(join(dir, BEST_FILE), fromPrefix('model.'), corpus.ntoken);
    expect(evaluateRnnModel(best, valid, cfg.bptt).loss).toBe(epoch.validLoss);
    best.dispose();
    valid.dispose();
    // rnn test: the best model's test loss at batch size 1, as the run's end reported it.
    const t = testRnnCheckpoint(dir);
    expect(t).toMatchObject({ batchSize: 1, targets: cfg.limitTokens - 1, epoch: 0, validLoss: epoch.validLoss, loss: end.testLoss });
    expect(t.ppl).toBe(Math.exp(t.loss));
    expect(end.testPpl).toBe(t.ppl);
    const at10 = testRnnCheckpoint(dir, { batchSize: 10 });
    expect(at10.targets).toBe((cfg.limitTokens / 10 - 1) * 10);
    // TensorBoard: per epoch ppl/train, ppl/valid and lr; the test perplexity at the end (float32 values).
    const scalars = readEventFile(join(dir, tensorboardFiles(dir)[0]!))
      .flatMap((e) => e.values.map((v) => [v.tag, e.step, v.simpleValue] as const))
      .sort();
    expect(scalars).toEqual(
      [
        ['lr', 0, 20],
        ['ppl/test', 1, Math.fround(end.testPpl!)],
        ['ppl/train', 0, Math.fround(epoch.trainPpl)],
        ['ppl/valid', 0, Math.fround(epoch.validPpl)],
      ].sort(),
    );
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/\| end of training \| best epoch 0 valid ppl [0-9.]+ \| test loss [0-9.]+ \| test ppl [0-9.]+/);
  });

  const ASGD_RUN = { ...SMALL, lr: 40, nonmono: 1, epochs: 5, seed: 1267, checkpointEvery: 0 };

  it('NT-ASGD switches by the rule, validates with the averaged weights, and an aborted run resumes bitwise', async () => {
    const ref = join(tmp, 'asgd-ref');
    const events = await run({ ...ASGD_RUN, save: ref });
    const epochs = events.filter((e) => e.type === 'epoch');
    // The switch follows the rule on the run's own validation losses (1-based epoch of the rule = index + 1).
    const switchedAt = epochs.findIndex((e) => e.switched);
    expect(switchedAt).toBeGreaterThanOrEqual(1);
    expect(switchedAt).toBeLessThan(epochs.length - 1);
    expect(
      ntAsgdSwitchEpoch(
        epochs.map((e) => e.validLoss),
        1,
      ),
    ).toBe(switchedAt + 1);
    expect(epochs.map((e) => e.optimizer)).toEqual(epochs.map((_, i) => (i <= switchedAt ? 'sgd' : 'asgd')));
    // The last epoch was validated with ASGD's averages (in the checkpoint as opt.<i>.ax), not the weights.
    const ck = join(ref, 'checkpoint.safetensors');
    const corpus = loadRnnCorpus(null, SMALL.limitTokens);
    const valid = batchify(corpus.valid, SMALL.evalBatchSize);
    const current = modelWith(ck, fromPrefix('model.'), corpus.ntoken);
    const names = Object.keys(current.stateDict());
    const params = current.namedParameters().map(([n]) => n);
    const averaged = modelWith(
      ck,
      (T) => Object.fromEntries(names.map((k) => [k, T[`opt.${params.indexOf(k === 'decoder.weight' ? 'encoder.weight' : k)}.ax`]!])),
      corpus.ntoken,
    );
    const last = epochs.at(-1)!;
    expect(evaluateRnnModel(averaged, valid, SMALL.bptt).loss).toBe(last.validLoss);
    expect(evaluateRnnModel(current, valid, SMALL.bptt).loss).not.toBe(last.validLoss);
    [current, averaged, valid].forEach((x) => x.dispose());

    // Abort in the ASGD phase, mid-epoch; resume.
    const killed = join(tmp, 'asgd-killed');
    const controller = new AbortController();
    const first = await run(
      { ...ASGD_RUN, save: killed },
      {
        signal: controller.signal,
        afterStep: (_m, at) => {
          if (at.epoch === switchedAt + 1 && at.step === 4) controller.abort();
        },
      },
    );
    expect(first.at(-1)).toMatchObject({ type: 'end', reason: 'interrupted', epoch: switchedAt + 1, step: 5 });
    const resumed = await run({ resume: killed });
    expect(resumed[0]).toMatchObject({ type: 'start', resumed: true, epoch: switchedAt + 1, step: 5, optimizer: 'asgd' });
    expect(tensorsOf(join(killed, 'checkpoint.safetensors'))).toEqual(tensorsOf(ck));
    expect(tensorsOf(join(killed, BEST_FILE))).toEqual(tensorsOf(join(ref, BEST_FILE)));
    const stepLosses = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'step')
        .map((e) => [e['globalStep'], e['loss'], e['seqLen'], e['lr']]);
    expect(stepLosses(killed)).toEqual(stepLosses(ref));
    expect(resumed.at(-1)).toMatchObject({ type: 'end', reason: 'completed', testLoss: (events.at(-1) as { testLoss: number }).testLoss });
  });

  it('a NaN loss rolls back to the last checkpoint and the run goes on', async () => {
    const dir = join(tmp, 'nan');
    let poisoned = false;
    const events = await run(
      { ...SMALL, epochs: 1, seed: 3, checkpointEvery: 5, save: dir },
      {
        afterStep: (m, at) => {
          if (at.globalStep === 6 && !poisoned) {
            poisoned = true;
            noGrad(() => m.encoder.getParameter('weight')!.fill_(NaN));
          }
        },
      },
    );
    const rollbacks = events.filter((e) => e.type === 'rollback');
    // Step 7 made NaN weights (not checkpointed: none is due), step 8's loss is NaN → back to step 5.
    expect(rollbacks).toEqual([{ type: 'rollback', epoch: 0, step: 7, globalStep: 7, loss: NaN, toEpoch: 0, toStep: 5, rollbacks: 1 }]);
    const steps = events.filter((e) => e.type === 'step').map((e) => e.globalStep);
    expect(steps.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 6, 7, 8]);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: 'end', reason: 'completed' });
    expect(Number.isFinite((end as { testLoss: number }).testLoss)).toBe(true);
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/loss NaN at epoch 0 step 8: rolled back to the checkpoint at epoch 0 step 5 \(1 in a row\)/);
  });

  it('a run that keeps diverging stops with ERR_SDARTS_RUN_DIVERGED after three rollbacks', async () => {
    const dir = join(tmp, 'diverge');
    const events: RnnTrainEvent[] = [];
    let err: unknown;
    try {
      for await (const ev of runRnnTrain({ ...SMALL, epochs: 1, lr: 1e6, save: dir })) events.push(ev);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'ERR_SDARTS_RUN_DIVERGED',
      message: expect.stringMatching(/after 3 rollbacks to the same checkpoint: the run diverges\. Lower --lr/),
    });
    expect(events.filter((e) => e.type === 'rollback').map((e) => (e as { rollbacks: number }).rollbacks)).toEqual([1, 2, 3]);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'ERR_SDARTS_RUN_DIVERGED', resumable: true });
    expect(existsSync(join(dir, BEST_FILE))).toBe(false);
  });
});
