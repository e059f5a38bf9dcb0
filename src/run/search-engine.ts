/**
 * The search engine shared by `sdarts search` (DARTS-space CNN cells) and `sdarts nasbench search`
 * (NAS-Bench-1Shot1): epochs of `searchStep`s over a SearchDataLoader, then a validation pass, optional
 * Hessian analysis, the epoch's architecture (logged and saved, including after the last epoch), and
 * a checkpoint; plus checkpoints every `checkpointEvery` steps and on abort (SIGINT/SIGTERM).
 */
import { F, getRngState, manualSeed, noGrad, setRngState, tidy, type Device, type Tensor } from '../tensor/index.js';
import { SGD } from '../optim/index.js';
import type { StateDict } from '../nn/index.js';
import { Architect } from '../search/architect.js';
import { searchStep } from '../search/search-step.js';
import { epsilonAt } from '../search/epsilon-schedule.js';
import { topkAccuracy } from '../search/metrics.js';
import type { Supernet } from '../search/supernet.js';
import type { PerturbationName } from '../search/perturbation.js';
import { SearchDataLoader, type BatchOrder, type SearchLoaderState, type ValidMode } from '../data/loader.js';
import type { HostBatch } from '../data/batch.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { evalTransform, trainTransform } from '../data/transforms.js';
import { ConfigError } from './config.js';
import { datasetNormalization, type SearchDatasetName } from './datasets.js';
import { AverageMeter, RunLogs, optimizerFromCheckpoint, optimizerToCheckpoint, rngFromCheckpoint, rngToCheckpoint, type LogSizes } from './run-state.js';
import { StepMeters, modelFromCheckpoint, modelToCheckpoint, readJobCheckpoint, writeJobCheckpoint, type JobCheckpointState } from './job-checkpoint.js';
import { cosineLr } from './schedule.js';

/** The optimisation settings both searches share (reference flags, camelCase). */
export interface EngineConfig {
  dataset: SearchDatasetName;
  batchSize: number;
  learningRate: number;
  learningRateMin: number;
  momentum: number;
  weightDecay: number;
  epochs: number;
  cutout: boolean;
  cutoutLength: number;
  cutoutProb: number;
  gradClip: number;
  trainPortion: number;
  unrolled: boolean;
  archLearningRate: number;
  archWeightDecay: number;
  perturb: PerturbationName;
  epsilonAlpha: number;
  pgdSteps: number;
  pgdRandomStart: boolean;
  analyzeEvery: number;
  device: Device;
  seed: number;
  checkpointEvery: number;
  reportFreq: number;
  batchOrder: BatchOrder;
}

/**
 * Combinations of engine flags that cannot work together, checked before a run directory is made.
 * `--batch-order reference` draws the reference's order with augmentation off (its augmentation runs in
 * DataLoader workers on their own generators, which are not replayed): cutout would be silently dropped.
 */
export function checkEngineConfig(c: EngineConfig): void {
  if (c.batchOrder === 'reference' && c.cutout)
    throw new ConfigError(['--batch-order reference runs without augmentation, so --cutout cannot apply: drop --cutout, or use --batch-order sdarts']);
}

export interface SupernetModel extends Supernet {
  numParameters(): number;
  stateDict(): StateDict;
  loadStateDict(sd: StateDict): unknown;
  dispose(): void;
}

export interface EpochArchitecture {
  summary: string;
  json: unknown;
  alphas: number[][][];
}

export interface EngineSpec<M extends SupernetModel> {
  kind: string;
  runDir: string;
  resumed: boolean;
  config: EngineConfig;
  data: ImageDataset;
  /** Built after manualSeed(seed) so that initial w and α follow the seed. */
  buildModel(): M;
  validMode: ValidMode;
  warmStartEpochs: number;
  architecture(model: M): EpochArchitecture;
  /**
   * The curvature analysis on one batch: λ_max of ∇²_α L + diagonal·I (the engine restores BN buffers
   * and every RNG state afterwards, so it cannot change the run).
   */
  analyze(model: M, batch: HostBatch): Analysis;
  /** Extra per-epoch fields (e.g. NAS-Bench-101 scores) and their TensorBoard scalars. */
  score?(arch: EpochArchitecture, epoch: number): { fields: Record<string, unknown>; scalars: Record<string, number>; log: string[] };
  /** Persist the per-epoch record (genotype.json/alphas.json, architectures.json …). */
  saveEpochs(epochs: EpochRecord[], last: boolean): void;
  echo?: (line: string) => void;
  header: string;
  /** What the architecture is called in log.txt ('genotype' for CNN cells). */
  label: string;
}

/** What an analysis reports: the eigenvalue and how it was obtained. */
export interface Analysis {
  eigenvalue: number;
  /** 'lanczos' (CNN spaces: exact HVPs) or 'exact' (1Shot1: the full Hessian, Jacobi). */
  method: 'lanczos' | 'exact';
  /** Multiple of I added to the Hessian (the reference's 1e-3 from the α weight decay). */
  diagonal: number;
  /** Number of α scalars (the Hessian is n × n). */
  n: number;
  iterations?: number;
  residual?: number;
  converged: boolean;
}

/** Where the analysis was measured: which batch of which pass, its size, the model's mode. */
export interface AnalysisBatch {
  pass: 'validation';
  batch: number;
  of: number;
  size: number;
  mode: 'train';
}

export interface EpochRecord {
  epoch: number;
  architecture: unknown;
  alphas: number[][][];
  trainAcc: number;
  validAcc: number;
  eigenvalue: number | null;
  [k: string]: unknown;
}

export type EngineEvent =
  | { type: 'start'; runDir: string; resumed: boolean; epoch: number; step: number; stepsPerEpoch: number; epochs: number; params: number }
  | {
      type: 'step';
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      globalStep: number;
      loss: number;
      top1: number;
      top5: number;
      archLoss: number | null;
      lr: number;
      epsilon: number;
      perturbAccepted?: boolean;
      seconds: number;
    }
  | ({
      type: 'epoch';
      epoch: number;
      epochs: number;
      lr: number;
      epsilon: number;
      trainLoss: number;
      trainAcc: number;
      validLoss: number;
      validAcc: number;
      eigenvalue: number | null;
      analysis: (Analysis & { batch: AnalysisBatch }) | null;
      architecture: string;
      alphas: number[][][];
      seconds: number;
    } & Record<string, unknown>)
  | { type: 'checkpoint'; epoch: number; step: number; path: string }
  | { type: 'end'; reason: 'completed' | 'interrupted'; runDir: string; architecture: string; architectureJSON: unknown; epoch: number; step: number };

interface CheckpointState extends JobCheckpointState {
  loader: SearchLoaderState;
  wOpt: unknown;
  archOpt: unknown;
  epochs: EpochRecord[];
}

/**
 * Run `fn` (a measurement) and put back everything it could have changed: BN running statistics and
 * the CPU (and CUDA) random-generator states. Gradients are untouched by construction (autograd.grad
 * does not accumulate into .grad).
 */
function untouched<T>(model: SupernetModel, device: Device, fn: () => T): T {
  const saved = noGrad(() => model.buffers().map((t) => t.clone()));
  const rngCpu = getRngState('cpu');
  const rngDev = device !== 'cpu' ? getRngState(device) : null;
  try {
    return fn();
  } finally {
    noGrad(() => model.buffers().forEach((t, i) => t.copy_(saved[i]!)));
    saved.forEach((t) => t.dispose());
    setRngState(rngCpu, 'cpu');
    if (rngDev) setRngState(rngDev, device);
  }
}

export function tensorRows(t: Tensor): number[][] {
  const flat = t.toArray(),
    n = t.ndim === 1 ? t.size(0) : t.size(-1);
  return Array.from({ length: flat.length / n }, (_, i) => flat.slice(i * n, (i + 1) * n));
}

export async function* runEngine<M extends SupernetModel>(spec: EngineSpec<M>, signal?: AbortSignal): AsyncGenerator<EngineEvent> {
  const c = spec.config,
    runDir = spec.runDir;
  manualSeed(c.seed);
  const model = spec.buildModel();
  const wOpt = new SGD(model.parameters(), { lr: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay });
  const architect = new Architect(model, { archLearningRate: c.archLearningRate, archWeightDecay: c.archWeightDecay });
  const cutout = c.cutout ? { length: c.cutoutLength, prob: 0 } : null;
  checkEngineConfig(c);
  // --batch-order reference: the reference's sample order from LibTorch's generator, augmentation off.
  const reference = c.batchOrder === 'reference';
  const norm = datasetNormalization(c.dataset);
  const loader = new SearchDataLoader(spec.data, {
    batchSize: c.batchSize,
    seed: c.seed,
    trainPortion: c.trainPortion,
    device: c.device,
    validMode: spec.validMode,
    batchOrder: c.batchOrder,
    transform: reference ? evalTransform(norm) : trainTransform(norm, { cutout }),
  });
  const arch = model.archParameters();

  let epoch = 0,
    step = 0,
    globalStep = 0;
  let meters = new StepMeters();
  let epochs: EpochRecord[] = [];
  let truncate: LogSizes | undefined;
  if (spec.resumed) {
    const st = readJobCheckpoint<CheckpointState>(runDir, spec.kind, c.device, (T, state) => {
      modelFromCheckpoint(model, T);
      noGrad(() => arch.forEach((a, i) => a.copy_(T[`arch.${i}`]!)));
      optimizerFromCheckpoint(wOpt, state.wOpt, T);
      optimizerFromCheckpoint(architect.optimizer, state.archOpt, T);
      rngFromCheckpoint(c.device, T);
    });
    loader.setState(st.loader);
    ({ epoch, step, globalStep, epochs } = st);
    meters = new StepMeters(st.meters);
    truncate = st.logs;
  }
  const logs = new RunLogs(runDir, spec.echo, truncate);
  const log = (m: string): void => logs.text.line(m);
  const stepsPerEpoch = Math.ceil(Math.floor(spec.data.n * c.trainPortion) / c.batchSize);

  const checkpoint = (atEpoch: number, atStep: number): EngineEvent =>
    writeJobCheckpoint<CheckpointState>(runDir, spec.kind, logs, { epoch: atEpoch, step: atStep }, (T, sizes) => {
      modelToCheckpoint(model, T);
      arch.forEach((a, i) => {
        T[`arch.${i}`] = a;
      });
      const wj = optimizerToCheckpoint(wOpt, 'wopt', T);
      const aj = optimizerToCheckpoint(architect.optimizer, 'aopt', T);
      rngToCheckpoint(c.device, T);
      return { epoch: atEpoch, step: atStep, globalStep, meters: meters.toJSON(), loader: loader.getState(), wOpt: wj, archOpt: aj, logs: sizes, epochs };
    });
  const endEvent = (reason: 'completed' | 'interrupted', e: number, s: number): EngineEvent => {
    const a = spec.architecture(model);
    return { type: 'end', reason, runDir, architecture: a.summary, architectureJSON: a.json, epoch: e, step: s };
  };

  try {
    const start: EngineEvent = { type: 'start', runDir, resumed: spec.resumed, epoch, step, stepsPerEpoch, epochs: c.epochs, params: model.numParameters() };
    logs.event(start);
    log(
      spec.resumed
        ? `resumed at epoch ${epoch} step ${step}`
        : `${spec.header}: ${model.numParameters()} params, ${stepsPerEpoch} steps/epoch; run dir ${runDir}`,
    );
    yield start;
    for (; epoch < c.epochs; epoch++) {
      const t0 = Date.now();
      // Epoch e trains with η(e) (from the initial rate); the reference's one-epoch shift is not reproduced (README).
      const lr = cosineLr(epoch, c.epochs, c.learningRate, c.learningRateMin);
      wOpt.paramGroups[0]!.lr = lr;
      if (cutout) loader.setCutoutProb(c.epochs > 1 ? (c.cutoutProb * epoch) / (c.epochs - 1) : 0);
      const epsilon = epsilonAt(epoch, c.epochs, c.epsilonAlpha);
      const updateArch = epoch >= spec.warmStartEpochs;
      if (step === 0) {
        log(`epoch ${epoch} lr ${lr.toExponential(6)}${cutout ? ` cutout_prob ${loader.cutoutProb?.toExponential(6)}` : ''}`);
        log(`epoch ${epoch} epsilon_alpha ${epsilon.toExponential(6)}`);
        log(`${spec.label} = ${spec.architecture(model).summary}`);
      }
      for (const batch of loader.epochBatches(epoch)) {
        const ts = Date.now();
        const r = tidy(() =>
          searchStep(
            model,
            architect,
            wOpt,
            { xTrain: batch.x, yTrain: batch.y, xValid: batch.xValid, yValid: batch.yValid },
            {
              perturbation: c.perturb,
              epsilon,
              pgdSteps: c.pgdSteps,
              pgdRandomStart: c.pgdRandomStart,
              gradClip: c.gradClip,
              unrolled: c.unrolled,
              updateArch,
            },
          ),
        );
        const n = batch.train.size;
        batch.dispose();
        meters.update(r, n);
        step++;
        globalStep++;
        const ev: EngineEvent = {
          type: 'step',
          epoch,
          step,
          stepsPerEpoch,
          globalStep,
          loss: r.loss,
          top1: r.top1,
          top5: r.top5,
          archLoss: r.archLoss,
          lr,
          epsilon,
          ...(r.perturb.accepted !== undefined ? { perturbAccepted: r.perturb.accepted } : {}),
          seconds: (Date.now() - ts) / 1000,
        };
        logs.event(ev);
        if (step % c.reportFreq === 0 || step === stepsPerEpoch) {
          log(`train ${String(step).padStart(3, '0')} ${meters.loss.avg.toExponential(6)} ${meters.top1.avg.toFixed(6)} ${meters.top5.avg.toFixed(6)}`);
          logs.tb.addScalar('Obj/train_step', r.loss, globalStep);
        }
        yield ev;
        await new Promise((res) => setImmediate(res)); // let signals and the consumer run
        if (signal?.aborted) {
          yield checkpoint(epoch, step);
          log(`interrupted at epoch ${epoch} step ${step}; checkpoint written`);
          yield endEvent('interrupted', epoch, step);
          return;
        }
        if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0 && step < stepsPerEpoch) yield checkpoint(epoch, step);
      }

      // ---- end of epoch: validation on the valid half (softmax mixing, eval mode) ----
      model.eval();
      const vLoss = new AverageMeter(),
        vAcc = new AverageMeter();
      let lastValid: HostBatch | null = null,
        validBatches = 0;
      for (const b of loader.validPass()) {
        validBatches++;
        tidy(() =>
          noGrad(() => {
            const logits = model.forward(b.x);
            vLoss.update(F.crossEntropy(logits, b.y).item(), b.size);
            vAcc.update(topkAccuracy(logits, b.y, [1])[0]!, b.size);
          }),
        );
        lastValid?.dispose();
        lastValid = b;
      }
      model.train();
      const analysisBatch: HostBatch | null = lastValid;
      let analysis: (Analysis & { batch: AnalysisBatch }) | null = null;
      if (c.analyzeEvery > 0 && (epoch + 1) % c.analyzeEvery === 0 && analysisBatch) {
        // The last validation batch of the epoch (as the reference's analysis), model in train mode.
        analysis = {
          ...untouched(model, c.device, () => tidy(() => spec.analyze(model, analysisBatch))),
          batch: { pass: 'validation', batch: validBatches - 1, of: validBatches, size: analysisBatch.size, mode: 'train' },
        };
      }
      analysisBatch?.dispose();
      const eigenvalue = analysis?.eigenvalue ?? null;

      const a = spec.architecture(model);
      const scored = spec.score?.(a, epoch);
      const ev: EngineEvent = {
        type: 'epoch',
        epoch,
        epochs: c.epochs,
        lr,
        epsilon,
        trainLoss: meters.loss.avg,
        trainAcc: meters.top1.avg,
        validLoss: vLoss.avg,
        validAcc: vAcc.avg,
        eigenvalue,
        analysis,
        architecture: a.summary,
        architectureJSON: a.json,
        alphas: a.alphas,
        ...(scored?.fields ?? {}),
        seconds: (Date.now() - t0) / 1000,
      };
      log(`train_acc ${meters.top1.avg.toFixed(6)}`);
      log(`valid_acc ${vAcc.avg.toFixed(6)}`);
      if (analysis)
        log(
          `eigenvalue ${analysis.eigenvalue.toExponential(6)} (${analysis.method}, +${analysis.diagonal}·I, n=${analysis.n}${analysis.iterations !== undefined ? `, ${analysis.iterations} iterations` : ''}${analysis.converged ? '' : ', NOT converged'}; validation batch ${analysis.batch.batch + 1}/${analysis.batch.of}, ${analysis.batch.size} samples, train mode)`,
        );
      for (const l of scored?.log ?? []) log(l);
      log(`${spec.label} after epoch ${epoch} = ${a.summary}`);
      logs.tb.addScalars(
        { 'Acc/train': meters.top1.avg, 'Obj/train': meters.loss.avg, 'Acc/valid': vAcc.avg, 'Obj/valid': vLoss.avg, lr, epsilon, ...(scored?.scalars ?? {}) },
        epoch,
      );
      if (eigenvalue !== null) logs.tb.addScalar('Analysis/eigenvalue', eigenvalue, epoch);
      logs.event(ev as unknown as Record<string, unknown>);
      epochs.push({ epoch, architecture: a.json, alphas: a.alphas, trainAcc: meters.top1.avg, validAcc: vAcc.avg, eigenvalue, ...(scored?.fields ?? {}) });
      const last = epoch === c.epochs - 1;
      spec.saveEpochs(epochs, last);
      meters = new StepMeters();
      step = 0;
      yield ev;
      yield checkpoint(epoch + 1, 0);
      if (signal?.aborted && !last) {
        yield endEvent('interrupted', epoch + 1, 0);
        return;
      }
    }
    const end = endEvent('completed', epoch, step);
    log(`final ${spec.label} = ${(end as { architecture: string }).architecture}`);
    logs.event(end);
    yield end;
  } finally {
    logs.close();
    model.dispose();
    wOpt.dispose?.();
    architect.optimizer.dispose?.();
  }
}
