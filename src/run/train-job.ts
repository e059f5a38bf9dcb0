/**
 * `sdarts train`: train a cell from scratch (docs/reference-notes.md R2.10) — NetworkCIFAR, auxiliary head (weight 0.4),
 * drop-path 0.2·e/E, cutout, SGD 0.025/0.9/3e-4, cosine to 0, grad clip 5 — on the shared runner
 * (run dir, events, TensorBoard, atomic checkpoints, bit-exact resume, signals, progress). Test
 * accuracy (top-1, top-5) is reported every epoch, as the reference does (it calls it "valid").
 */
import { F, manualSeed, noGrad, setNumThreads, tidy, type Device } from '../tensor/index.js';
import { CosineAnnealingLR, SGD, clipGradNorm_ } from '../optim/index.js';
import { NetworkCIFAR } from '../space/eval-network.js';
import { formatGenotype, genotypeToJSON, resolveGenotype, type Genotype } from '../space/genotype/index.js';
import { AverageMeter, StepMeters, topkAccuracy } from '../search/metrics.js';
import { DataLoader, type DataLoaderState } from '../data/data-loader.js';
import { evalTransform, trainTransform } from '../data/transforms.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { ConfigError, checkDevice, runJob, type JobConfig, type JobRunOptions } from './config.js';
import { TRAIN_COMMAND } from './commands.js';
import { readRunConfig } from './run-dir.js';
import { datasetNormalization, loadImageDataset, type SearchDatasetName } from './datasets.js';
import type { StepEventFields } from './events-log.js';
import { RunLogs, recordRunError, type ErrorEvent, type LogSizes } from './run-logs.js';
import {
  JOB_STATE_FIELDS,
  checkCheckpointContents,
  loadCheckpoint,
  modelTensorShapes,
  optimizerTensorNames,
  rngTensorNames,
  modelFromCheckpoint,
  modelToCheckpoint,
  optimizerFromCheckpoint,
  optimizerToCheckpoint,
  readJobCheckpoint,
  rngFromCheckpoint,
  rngToCheckpoint,
  writeJobCheckpoint,
  type JobCheckpointState,
} from './checkpoint.js';
import { progressEvent, recordPhase, type PhaseEvent, type ProgressEvent } from './phase-events.js';

export type TrainConfig = JobConfig<typeof TRAIN_COMMAND>;

export type TrainEvent =
  | {
      type: 'start';
      runDir: string;
      resumed: boolean;
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      epochs: number;
      params: number;
      genotype: string;
      config: TrainConfig;
    }
  | StepEventFields
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      lr: number;
      dropPathProb: number;
      trainLoss: number;
      trainAcc: number;
      testLoss: number;
      testAcc: number;
      testTop5: number;
      seconds: number;
    }
  | { type: 'checkpoint'; epoch: number; step: number; path: string }
  | PhaseEvent
  | ProgressEvent
  | { type: 'end'; reason: 'completed' | 'interrupted'; runDir: string; epoch: number; step: number; testAcc: number | null; testTop5: number | null }
  | ErrorEvent;

interface TrainCheckpoint extends JobCheckpointState {
  loader: DataLoaderState;
  opt: unknown;
  genotype: unknown;
  lastTest: { acc: number; top5: number } | null;
}

type Evaluation = { loss: number; top1: number; top5: number };

/** Top-1/top-5 (percent) and mean CE of `model` over a dataset, eval mode, no grad. */
export function evaluate(model: NetworkCIFAR, data: ImageDataset, dataset: SearchDatasetName, batchSize: number, device: Device): Evaluation {
  const pass = evaluation(model, data, dataset, batchSize, device);
  for (;;) {
    const r = pass.next();
    if (r.done) return r.value;
  }
}

/** `evaluate` batch by batch: yields the batches done (of how many) for progress, returns the result. */
function* evaluation(
  model: NetworkCIFAR,
  data: ImageDataset,
  dataset: SearchDatasetName,
  batchSize: number,
  device: Device,
): Generator<{ done: number; total: number }, Evaluation, undefined> {
  const total = Math.ceil(data.n / batchSize);
  let done = 0;
  const loader = new DataLoader(data, { batchSize, shuffle: false, transform: evalTransform(datasetNormalization(dataset)), device });
  const loss = new AverageMeter(),
    t1 = new AverageMeter(),
    t5 = new AverageMeter();
  const was = model.training;
  model.eval();
  for (const b of loader.epochBatches(0)) {
    tidy(() =>
      noGrad(() => {
        const { logits } = model.forward(b.x);
        const [a1, a5] = topkAccuracy(logits, b.y, [1, 5]);
        loss.update(F.crossEntropy(logits, b.y).item(), b.size);
        t1.update(a1!, b.size);
        t5.update(a5!, b.size);
      }),
    );
    b.dispose();
    yield { done: ++done, total };
  }
  model.train(was);
  return { loss: loss.avg, top1: t1.avg, top5: t5.avg };
}

/**
 * The auxiliary head sits after the second reduction cell and needs an 8–10 pixel input there (32×32
 * images: 8): refuse --auxiliary for other image sizes before the run starts, not at its first step.
 */
function checkAuxiliaryInput(data: ImageDataset, dataset: string): void {
  const reduced = (n: number): number => Math.ceil(Math.ceil(n / 2) / 2);
  const ok = (n: number): boolean => reduced(n) >= 8 && reduced(n) <= 10;
  if (!ok(data.height) || !ok(data.width))
    throw new ConfigError([
      `--auxiliary needs 32×32 images as CIFAR's (the head after the second reduction cell takes 8×8), but --dataset ${dataset} has ${data.height}×${data.width}: drop --auxiliary`,
    ]);
}

export function runTrain(raw: Partial<TrainConfig>, opts: JobRunOptions = {}): AsyncGenerator<TrainEvent> {
  let loaded: [ImageDataset, ImageDataset] | undefined;
  return runJob(
    TRAIN_COMMAND,
    raw,
    (c) => `train-${c.arch.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(-40)}-seed${c.seed}`,
    (c) => {
      // Everything that can be checked is, before the run directory is made: cell, device, data, head.
      resolveGenotype(c.arch);
      checkDevice(c.device);
      loaded = [loadImageDataset(c.dataset, c.data, 'train', c.limitTrain), loadImageDataset(c.dataset, c.data, 'test', c.limitTest)];
      if (c.auxiliary) checkAuxiliaryInput(loaded[0], c.dataset);
    },
    ({ config: c, runDir, resumed }) => trainEvents(c, runDir, resumed, loaded!, opts),
  );
}

async function* trainEvents(
  c: TrainConfig,
  runDir: string,
  resumed: boolean,
  [train, test]: [ImageDataset, ImageDataset],
  opts: JobRunOptions,
): AsyncGenerator<TrainEvent> {
  if (c.threads > 0) setNumThreads(c.threads);
  const genotype: Genotype = resolveGenotype(c.arch);

  manualSeed(c.seed);
  const model = new NetworkCIFAR({
    genotype,
    C: c.initChannels,
    numClasses: train.classes,
    layers: c.layers,
    auxiliary: c.auxiliary,
    inChannels: train.channels,
    device: c.device,
  });
  const opt = new SGD(model.parameters(), { lr: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay });
  // η(e) in closed form, cosine to η_min = 0, from the initial rate (so a resumed run reproduces it exactly).
  const schedule = new CosineAnnealingLR(opt, c.epochs, 0);
  const loader = new DataLoader(train, {
    batchSize: c.batchSize,
    shuffle: true,
    seed: c.seed,
    device: c.device,
    transform: trainTransform(datasetNormalization(c.dataset), { cutout: c.cutout ? { length: c.cutoutLength, prob: c.cutoutProb } : null }),
  });

  let epoch = 0,
    step = 0,
    globalStep = 0;
  let meters = new StepMeters();
  let lastTest: { acc: number; top5: number } | null = null;
  let truncate: LogSizes | undefined;
  try {
    if (resumed) {
      const expect = (state: TrainCheckpoint) => {
        const rng = rngTensorNames(c.device);
        const tensors: Record<string, readonly number[]> = { ...modelTensorShapes(model), ...rng.tensors };
        for (const n of optimizerTensorNames(state.opt)) tensors[n] ??= [];
        return { tensors, optional: rng.optional, fields: [...JOB_STATE_FIELDS, 'loader', 'opt', 'genotype'] };
      };
      const st = readJobCheckpoint<TrainCheckpoint>(runDir, TRAIN_COMMAND.runKind, c.device, expect, (T, state) => {
        modelFromCheckpoint(model, T);
        optimizerFromCheckpoint(opt, state.opt, T);
        rngFromCheckpoint(c.device, T);
      });
      loader.setState(st.loader);
      ({ epoch, step, globalStep, lastTest } = st);
      meters = new StepMeters(st.meters);
      truncate = st.logs;
    }
  } catch (err) {
    model.dispose();
    opt.dispose();
    yield recordRunError(runDir, err, null);
    throw err;
  }
  const logs = new RunLogs(runDir, opts.echo, truncate);
  const log = (m: string): void => logs.line(m);
  const stepsPerEpoch = Math.ceil(train.n / c.batchSize);
  const params = model.countParameters();

  const checkpoint = (atEpoch: number, atStep: number): TrainEvent =>
    writeJobCheckpoint<TrainCheckpoint>(runDir, TRAIN_COMMAND.runKind, logs, { epoch: atEpoch, step: atStep }, (T, sizes) => {
      modelToCheckpoint(model, T);
      const oj = optimizerToCheckpoint(opt, 'opt', T);
      rngToCheckpoint(c.device, T);
      return {
        epoch: atEpoch,
        step: atStep,
        globalStep,
        meters: meters.toJSON(),
        loader: loader.getState(),
        opt: oj,
        logs: sizes,
        genotype: genotypeToJSON(genotype),
        lastTest,
      };
    });

  try {
    const start: TrainEvent = {
      type: 'start',
      runDir,
      resumed,
      epoch,
      step,
      stepsPerEpoch,
      epochs: c.epochs,
      params,
      genotype: formatGenotype(genotype),
      config: c,
    };
    logs.event({ ...start, config: undefined });
    if (!resumed) {
      log(`genotype = ${formatGenotype(genotype)}`);
      log(`param size = ${(params / 1e6).toFixed(6)}MB (${params} parameters, auxiliary head excluded)`);
    } else log(`resumed at epoch ${epoch} step ${step}`);
    yield start;
    if (epoch < c.epochs) yield recordPhase(logs, 'first-step', epoch);
    for (; epoch < c.epochs; epoch++) {
      const t0 = Date.now();
      // Epoch e trains with η(e) (the reference's one-epoch shift is not reproduced; README).
      schedule.step(epoch);
      const lr = schedule.getLastLr()[0]!;
      const dropPathProb = (c.dropPathProb * epoch) / c.epochs;
      model.dropPathProb = dropPathProb;
      if (step === 0) log(`epoch ${epoch} lr ${lr.toExponential(6)} drop_path_prob ${dropPathProb.toExponential(6)}`);
      model.train();
      for (const b of loader.epochBatches(epoch)) {
        const ts = Date.now();
        const r = tidy(() => {
          const { logits, logitsAux } = model.forward(b.x);
          let loss = F.crossEntropy(logits, b.y);
          if (logitsAux) loss = loss.add(F.crossEntropy(logitsAux, b.y).mul(c.auxiliaryWeight));
          opt.zeroGrad();
          loss.backward();
          clipGradNorm_(model.parameters(), c.gradClip);
          opt.step();
          const [t1, t5] = topkAccuracy(logits, b.y, [1, 5]);
          return { loss: loss.item(), top1: t1!, top5: t5! };
        });
        const n = b.size;
        b.dispose();
        opt.zeroGrad();
        meters.update(r, n);
        step++;
        globalStep++;
        const ev: TrainEvent = { type: 'step', epoch, step, stepsPerEpoch, globalStep, ...r, lr, seconds: (Date.now() - ts) / 1000 };
        logs.event(ev);
        if (step % c.reportFreq === 0 || step === stepsPerEpoch)
          log(`train ${String(step).padStart(3, '0')} ${meters.loss.avg.toExponential(6)} ${meters.top1.avg.toFixed(6)} ${meters.top5.avg.toFixed(6)}`);
        yield ev;
        await new Promise((res) => setImmediate(res));
        if (opts.signal?.aborted) {
          yield recordPhase(logs, 'checkpoint', epoch);
          yield checkpoint(epoch, step);
          log(`interrupted at epoch ${epoch} step ${step}; checkpoint written`);
          yield { type: 'end', reason: 'interrupted', runDir, epoch, step, testAcc: lastTest?.acc ?? null, testTop5: lastTest?.top5 ?? null };
          return;
        }
        if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0 && step < stepsPerEpoch) {
          yield recordPhase(logs, 'checkpoint', epoch);
          yield checkpoint(epoch, step);
        }
      }
      const pass = evaluation(model, test, c.dataset, c.batchSize, c.device);
      yield recordPhase(logs, 'test', epoch, Math.ceil(test.n / c.batchSize));
      let t: Evaluation;
      for (;;) {
        const r = pass.next();
        if (r.done) {
          t = r.value;
          break;
        }
        yield progressEvent('test', epoch, r.value.done, r.value.total);
      }
      lastTest = { acc: t.top1, top5: t.top5 };
      log(`train_acc ${meters.top1.avg.toFixed(6)}`);
      log(`test_acc ${t.top1.toFixed(6)} top5 ${t.top5.toFixed(6)}`);
      logs.tb.addScalars(
        {
          'Acc/train': meters.top1.avg,
          'Obj/train': meters.loss.avg,
          'Acc/test': t.top1,
          'Acc/test_top5': t.top5,
          'Obj/test': t.loss,
          lr,
          drop_path_prob: dropPathProb,
        },
        epoch,
      );
      const ev: TrainEvent = {
        type: 'epoch',
        epoch,
        epochs: c.epochs,
        lr,
        dropPathProb,
        trainLoss: meters.loss.avg,
        trainAcc: meters.top1.avg,
        testLoss: t.loss,
        testAcc: t.top1,
        testTop5: t.top5,
        seconds: (Date.now() - t0) / 1000,
      };
      logs.event(ev);
      meters = new StepMeters();
      step = 0;
      yield ev;
      yield recordPhase(logs, 'checkpoint', epoch + 1);
      yield checkpoint(epoch + 1, 0);
      if (opts.signal?.aborted && epoch < c.epochs - 1) {
        yield { type: 'end', reason: 'interrupted', runDir, epoch: epoch + 1, step: 0, testAcc: lastTest.acc, testTop5: lastTest.top5 };
        return;
      }
    }
    const end: TrainEvent = { type: 'end', reason: 'completed', runDir, epoch, step, testAcc: lastTest?.acc ?? null, testTop5: lastTest?.top5 ?? null };
    log(`final test_acc ${lastTest?.acc.toFixed(6)} top5 ${lastTest?.top5.toFixed(6)}`);
    logs.event(end);
    yield end;
  } catch (err) {
    yield recordRunError(runDir, err, { epoch, step, globalStep }, logs);
    throw err;
  } finally {
    logs.close();
    model.dispose();
    opt.dispose();
  }
}

/** `sdarts test`: evaluate a trained model (a train run directory) on the test split. */
export function testCheckpoint(
  runDir: string,
  o: { data?: string | null; device?: Device; limitTest?: number } = {},
): { top1: number; top5: number; loss: number; n: number; epoch: number } {
  const c = readRunConfig<TrainConfig>(runDir, TRAIN_COMMAND.runKind);
  const device = o.device ?? c.device;
  const ck = loadCheckpoint<TrainCheckpoint>(runDir, TRAIN_COMMAND.runKind, device);
  const test = loadImageDataset(c.dataset, o.data !== undefined ? o.data : c.data, 'test', o.limitTest ?? c.limitTest);
  const model = new NetworkCIFAR({
    genotype: resolveGenotype(JSON.stringify(ck.state.genotype)),
    C: c.initChannels,
    numClasses: test.classes,
    layers: c.layers,
    auxiliary: c.auxiliary,
    inChannels: test.channels,
    device,
  });
  try {
    const tensors: Record<string, readonly number[]> = { ...modelTensorShapes(model), ...rngTensorNames(c.device).tensors };
    for (const n of optimizerTensorNames(ck.state.opt)) tensors[n] ??= [];
    checkCheckpointContents(ck.path, ck.tensors, ck.state, { tensors, optional: rngTensorNames(c.device).optional, fields: [...JOB_STATE_FIELDS, 'genotype'] });
    modelFromCheckpoint(model, ck.tensors);
    const r = evaluate(model, test, c.dataset, c.batchSize, device);
    return { ...r, n: test.n, epoch: ck.state.epoch };
  } finally {
    for (const t of Object.values(ck.tensors)) t.dispose();
    model.dispose();
  }
}
