/**
 * `sdarts search`: the SDARTS / DARTS CNN cell search (spec §1, §2.6) as an async iterable of events.
 * The CLI is a thin shell over `runSearch`; notebooks and scripted ablations call it directly:
 *
 *   for await (const ev of runSearch({ space: 's3', perturb: 'random', epochs: 2 }, { signal })) { … }
 *
 * Each epoch: lr from the cosine schedule, cutout ramp, ε ramp; every step is one `searchStep`; then
 * a validation pass, optional Hessian analysis, the genotype and α (logged AND saved, including after
 * the last epoch), TensorBoard scalars, and a checkpoint. A checkpoint is also written every
 * `checkpointEvery` steps and when the signal aborts (SIGINT/SIGTERM in the CLI).
 */
import { join } from 'node:path';
import { F, manualSeed, noGrad, setNumThreads, tidy, type Device, type NamedTensors } from '../tensor/index.js';
import { SGD } from '../optim/index.js';
import { SearchNetwork } from '../space/search-network.js';
import { formatGenotype, genotypeToJSON, type Genotype, type GenotypeJSON } from '../space/genotype.js';
import { Architect } from '../search/architect.js';
import { searchStep } from '../search/search-step.js';
import { epsilonAt } from '../search/epsilon-schedule.js';
import { dominantEigenvalue } from '../search/hessian.js';
import { topkAccuracy } from '../search/metrics.js';
import type { PerturbationName } from '../search/perturbation.js';
import { SearchDataLoader, type SearchLoaderState } from '../data/loader.js';
import type { HostBatch } from '../data/batch.js';
import { trainTransform } from '../data/transforms.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { validateConfig } from './config.js';
import { DEVICE_OPTIONS, RUN_OPTIONS, SEARCH_OPTIONS } from './options.js';
import { createRunDir, readRunConfig, writeRunConfig } from './run-dir.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { datasetNormalization, loadImageDataset, type SearchDatasetName } from './datasets.js';
import { AverageMeter, RunLogs, optimizerFromCheckpoint, optimizerToCheckpoint, rngFromCheckpoint, rngToCheckpoint, type LogSizes } from './run-state.js';
import { cosineLr } from './schedule.js';

export interface SearchConfig {
  space: 's1' | 's2' | 's3' | 's4' | 's5'; dataset: SearchDatasetName; data: string | null; batchSize: number;
  learningRate: number; learningRateMin: number; momentum: number; weightDecay: number; epochs: number;
  initChannels: number; layers: number; cutout: boolean; cutoutLength: number; cutoutProb: number; gradClip: number;
  trainPortion: number; unrolled: boolean; archLearningRate: number; archWeightDecay: number; perturb: PerturbationName;
  epsilonAlpha: number; pgdSteps: number; pgdRandomStart: boolean; analyzeEvery: number; limitTrain: number;
  device: Device; threads: number; seed: number; save: string | null; resume: string | null; checkpointEvery: number;
  reportFreq: number; json: boolean;
}

export const SEARCH_CONFIG_OPTIONS = [...SEARCH_OPTIONS, ...DEVICE_OPTIONS, ...RUN_OPTIONS];

export type SearchEvent =
  | { type: 'start'; runDir: string; resumed: boolean; epoch: number; step: number; stepsPerEpoch: number; epochs: number; params: number; config: SearchConfig }
  | { type: 'step'; epoch: number; step: number; stepsPerEpoch: number; globalStep: number; loss: number; top1: number; top5: number; archLoss: number | null; lr: number; epsilon: number; perturbAccepted?: boolean; seconds: number }
  | { type: 'epoch'; epoch: number; epochs: number; lr: number; epsilon: number; trainLoss: number; trainAcc: number; validLoss: number; validAcc: number; eigenvalue: number | null; genotype: string; genotypeJSON: GenotypeJSON; alphas: { normal: number[][]; reduce: number[][] }; seconds: number }
  | { type: 'checkpoint'; epoch: number; step: number; path: string }
  | { type: 'end'; reason: 'completed' | 'interrupted'; runDir: string; genotype: string; genotypeJSON: GenotypeJSON; epoch: number; step: number };

interface CheckpointState {
  epoch: number; step: number; globalStep: number;
  meters: { loss: { sum: number; count: number }; top1: { sum: number; count: number }; top5: { sum: number; count: number } };
  loader: SearchLoaderState; wOpt: unknown; archOpt: unknown; logs: LogSizes; epochsLog: unknown[];
}

function rows(t: { toArray(): number[]; size(d: number): number }): number[][] {
  const flat = t.toArray(), n = t.size(1);
  return Array.from({ length: t.size(0) }, (_, i) => flat.slice(i * n, (i + 1) * n));
}

export function resolveSearchConfig(raw: Partial<SearchConfig>): { config: SearchConfig; runDir: string; resumed: boolean } {
  if (raw.resume) {
    const saved = readRunConfig<SearchConfig>(raw.resume, 'search');
    const config = validateConfig<SearchConfig>(SEARCH_CONFIG_OPTIONS, { ...saved, resume: raw.resume, json: raw.json ?? saved.json });
    return { config, runDir: raw.resume, resumed: true };
  }
  const config = validateConfig<SearchConfig>(SEARCH_CONFIG_OPTIONS, raw as Record<string, unknown>);
  const name = `search-${config.space}-${config.perturb}-seed${config.seed}`;
  const runDir = createRunDir(name, config.save);
  writeRunConfig(runDir, 'search', { ...config, save: runDir });
  return { config, runDir, resumed: false };
}

export async function* runSearch(raw: Partial<SearchConfig>, opts: { signal?: AbortSignal; echo?: (line: string) => void } = {}): AsyncGenerator<SearchEvent> {
  const { config: c, runDir, resumed } = resolveSearchConfig(raw);
  if (c.threads > 0) setNumThreads(c.threads);
  const train = loadImageDataset(c.dataset, c.data, 'train', c.limitTrain);

  manualSeed(c.seed);
  const model = new SearchNetwork({ space: c.space, C: c.initChannels, numClasses: train.classes, layers: c.layers, inChannels: train.channels, device: c.device });
  const wOpt = new SGD(model.parameters(), { lr: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay });
  const architect = new Architect(model, { archLearningRate: c.archLearningRate, archWeightDecay: c.archWeightDecay });
  const cutout = c.cutout ? { length: c.cutoutLength, prob: 0 } : null;
  const loader = new SearchDataLoader(train, { batchSize: c.batchSize, seed: c.seed, trainPortion: c.trainPortion, device: c.device, transform: trainTransform(datasetNormalization(c.dataset), { cutout }) });

  let epoch = 0, step = 0, globalStep = 0;
  let meters = { loss: new AverageMeter(), top1: new AverageMeter(), top5: new AverageMeter() };
  let epochsLog: unknown[] = [];
  let truncate: LogSizes | undefined;
  if (resumed) {
    const ck = loadCheckpoint<CheckpointState>(runDir, 'search', c.device);
    try {
      const T = ck.tensors;
      const modelSd = Object.fromEntries(Object.entries(T).filter(([k]) => k.startsWith('model.')).map(([k, v]) => [k.slice(6), v]));
      model.loadStateDict(modelSd);
      noGrad(() => { model.alphas.normal.copy_(T['alpha.normal']!); model.alphas.reduce.copy_(T['alpha.reduce']!); });
      optimizerFromCheckpoint(wOpt, ck.state.wOpt, T);
      optimizerFromCheckpoint(architect.optimizer, ck.state.archOpt, T);
      rngFromCheckpoint(c.device, T);
    } finally {
      for (const t of Object.values(ck.tensors)) t.dispose();
    }
    loader.setState(ck.state.loader);
    ({ epoch, step, globalStep, epochsLog } = ck.state);
    meters = { loss: AverageMeter.from(ck.state.meters.loss), top1: AverageMeter.from(ck.state.meters.top1), top5: AverageMeter.from(ck.state.meters.top5) };
    truncate = ck.state.logs;
  }
  const logs = new RunLogs(runDir, opts.echo, truncate);
  const stepsPerEpoch = Math.ceil(Math.floor(train.n * c.trainPortion) / c.batchSize);
  const log = (m: string): void => logs.text.line(m);

  const checkpoint = (atEpoch: number, atStep: number): SearchEvent => {
    const sizes = logs.sync();
    const path = tidy(() => {
      const T: NamedTensors = {};
      for (const [k, v] of Object.entries(model.stateDict())) T[`model.${k}`] = v;
      T['alpha.normal'] = model.alphas.normal;
      T['alpha.reduce'] = model.alphas.reduce;
      const wj = optimizerToCheckpoint(wOpt, 'wopt', T);
      const aj = optimizerToCheckpoint(architect.optimizer, 'aopt', T);
      rngToCheckpoint(c.device, T);
      const state: CheckpointState = { epoch: atEpoch, step: atStep, globalStep, meters: { loss: meters.loss.toJSON(), top1: meters.top1.toJSON(), top5: meters.top5.toJSON() }, loader: loader.getState(), wOpt: wj, archOpt: aj, logs: sizes, epochsLog };
      return saveCheckpoint(runDir, 'search', T, state);
    });
    const ev = { type: 'checkpoint' as const, epoch: atEpoch, step: atStep, path };
    logs.event(ev);
    return ev;
  };
  const finalGenotype = (): Genotype => model.genotype();

  try {
    const start: SearchEvent = { type: 'start', runDir, resumed, epoch, step, stepsPerEpoch, epochs: c.epochs, params: model.numParameters(), config: c };
    logs.event({ ...start, config: undefined });
    if (!resumed) log(`search ${c.space} ${c.dataset} perturb=${c.perturb}${c.unrolled ? ' (2nd order)' : ''} seed=${c.seed}: ${model.numParameters()} params, ${stepsPerEpoch} steps/epoch; run dir ${runDir}`);
    else log(`resumed at epoch ${epoch} step ${step}`);
    yield start;

    for (; epoch < c.epochs; epoch++) {
      const t0 = Date.now();
      // Epoch e trains with η(e) (starts at the initial rate); the reference's scheduler-before-epoch
      // shift to η(e+1) is deliberately not reproduced (see README, "Decisions").
      const lr = cosineLr(epoch, c.epochs, c.learningRate, c.learningRateMin);
      wOpt.paramGroups[0]!.lr = lr;
      if (cutout) loader.setCutoutProb(c.epochs > 1 ? (c.cutoutProb * epoch) / (c.epochs - 1) : 0);
      const epsilon = epsilonAt(epoch, c.epochs, c.epsilonAlpha);
      if (step === 0) {
        log(`epoch ${epoch} lr ${lr.toExponential(6)}${cutout ? ` cutout_prob ${loader.cutoutProb?.toExponential(6)}` : ''}`);
        log(`epoch ${epoch} epsilon_alpha ${epsilon.toExponential(6)}`);
        log(`genotype = ${formatGenotype(model.genotype())}`);
      }
      for (const batch of loader.epochBatches(epoch)) {
        const ts = Date.now();
        const r = tidy(() => searchStep(model, architect, wOpt, { xTrain: batch.x, yTrain: batch.y, xValid: batch.xValid, yValid: batch.yValid }, {
          perturbation: c.perturb, epsilon, pgdSteps: c.pgdSteps, pgdRandomStart: c.pgdRandomStart, gradClip: c.gradClip, unrolled: c.unrolled, updateArch: true,
        }));
        const n = batch.train.size;
        batch.dispose();
        meters.loss.update(r.loss, n); meters.top1.update(r.top1, n); meters.top5.update(r.top5, n);
        step++;
        globalStep++;
        const ev: SearchEvent = { type: 'step', epoch, step, stepsPerEpoch, globalStep, loss: r.loss, top1: r.top1, top5: r.top5, archLoss: r.archLoss, lr, epsilon, ...(r.perturb.accepted !== undefined ? { perturbAccepted: r.perturb.accepted } : {}), seconds: (Date.now() - ts) / 1000 };
        logs.event(ev);
        if (step % c.reportFreq === 0 || step === stepsPerEpoch) {
          log(`train ${String(step).padStart(3, '0')} ${meters.loss.avg.toExponential(6)} ${meters.top1.avg.toFixed(6)} ${meters.top5.avg.toFixed(6)}`);
          logs.tb.addScalar('Obj/train_step', r.loss, globalStep);
        }
        yield ev;
        await new Promise((res) => setImmediate(res)); // let signals and the consumer run
        if (opts.signal?.aborted) {
          yield checkpoint(epoch, step);
          log(`interrupted at epoch ${epoch} step ${step}; checkpoint written`);
          const g = finalGenotype();
          yield { type: 'end', reason: 'interrupted', runDir, genotype: formatGenotype(g), genotypeJSON: genotypeToJSON(g), epoch, step };
          return;
        }
        if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0 && step < stepsPerEpoch) yield checkpoint(epoch, step);
      }

      // ---- end of epoch: validation on the valid half (softmax mixing, eval mode) ----
      model.eval();
      const vLoss = new AverageMeter(), vAcc = new AverageMeter();
      let lastValid: HostBatch | null = null;
      for (const b of loader.validPass()) {
        tidy(() => noGrad(() => {
          const logits = model.forward(b.x);
          vLoss.update(F.crossEntropy(logits, b.y).item(), b.size);
          vAcc.update(topkAccuracy(logits, b.y, [1])[0]!, b.size);
        }));
        lastValid?.dispose();
        lastValid = b;
      }
      model.train();
      let eigenvalue: number | null = null;
      const analysisBatch: HostBatch | null = lastValid;
      if (c.analyzeEvery > 0 && (epoch + 1) % c.analyzeEvery === 0 && analysisBatch) {
        // The last validation batch of the epoch (as the reference's analysis), in train mode.
        // BN running statistics are restored afterwards: the analysis must not change training.
        const saved = noGrad(() => model.buffers().map((t) => t.clone()));
        eigenvalue = tidy(() => dominantEigenvalue(() => F.crossEntropy(model.forward(analysisBatch.x), analysisBatch.y), model.archParameters()).eigenvalue);
        noGrad(() => model.buffers().forEach((t, i) => t.copy_(saved[i]!)));
        saved.forEach((t) => t.dispose());
      }
      analysisBatch?.dispose();

      const g = model.genotype();
      const alphas = { normal: rows(model.alphas.normal), reduce: rows(model.alphas.reduce) };
      const ev: SearchEvent = {
        type: 'epoch', epoch, epochs: c.epochs, lr, epsilon, trainLoss: meters.loss.avg, trainAcc: meters.top1.avg, validLoss: vLoss.avg, validAcc: vAcc.avg,
        eigenvalue, genotype: formatGenotype(g), genotypeJSON: genotypeToJSON(g), alphas, seconds: (Date.now() - t0) / 1000,
      };
      log(`train_acc ${meters.top1.avg.toFixed(6)}`);
      log(`valid_acc ${vAcc.avg.toFixed(6)}`);
      if (eigenvalue !== null) log(`eigenvalue ${eigenvalue.toExponential(6)}`);
      log(`genotype after epoch ${epoch} = ${ev.genotype}`);
      logs.tb.addScalars({ 'Acc/train': meters.top1.avg, 'Obj/train': meters.loss.avg, 'Acc/valid': vAcc.avg, 'Obj/valid': vLoss.avg, lr, epsilon }, epoch);
      if (eigenvalue !== null) logs.tb.addScalar('Analysis/eigenvalue', eigenvalue, epoch);
      logs.event(ev);
      epochsLog.push({ epoch, genotype: ev.genotypeJSON, alphas, validAcc: vAcc.avg, trainAcc: meters.top1.avg, eigenvalue });
      const last = epoch === c.epochs - 1;
      writeFileAtomic(join(runDir, 'genotype.json'), JSON.stringify({ final: last ? ev.genotypeJSON : null, latest: ev.genotypeJSON, epochs: epochsLog.map((e) => ({ epoch: (e as { epoch: number }).epoch, genotype: (e as { genotype: unknown }).genotype })) }, null, 1) + '\n');
      writeFileAtomic(join(runDir, 'alphas.json'), JSON.stringify({ space: c.space, epochs: epochsLog.map((e) => ({ epoch: (e as { epoch: number }).epoch, alphas: (e as { alphas: unknown }).alphas })) }) + '\n');
      meters = { loss: new AverageMeter(), top1: new AverageMeter(), top5: new AverageMeter() };
      step = 0;
      yield ev;
      yield checkpoint(epoch + 1, 0);
      if (opts.signal?.aborted && !last) {
        const gi = finalGenotype();
        yield { type: 'end', reason: 'interrupted', runDir, genotype: formatGenotype(gi), genotypeJSON: genotypeToJSON(gi), epoch: epoch + 1, step: 0 };
        return;
      }
    }
    const g = finalGenotype();
    log(`final genotype = ${formatGenotype(g)}`);
    const end: SearchEvent = { type: 'end', reason: 'completed', runDir, genotype: formatGenotype(g), genotypeJSON: genotypeToJSON(g), epoch, step };
    logs.event(end);
    yield end;
  } finally {
    logs.close();
    model.dispose();
    wOpt.dispose?.();
    architect.optimizer.dispose?.();
  }
}

