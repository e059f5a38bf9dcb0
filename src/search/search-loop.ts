/**
 * The search loop every one-shot search shares: epochs of search steps under the reference's schedules
 * — cosine learning rate (epoch e trains with η(e); the reference's one-epoch shift is not reproduced,
 * README), the linear ε ramp, the cutout-probability ramp prob·e/(E−1), warm-start epochs without
 * architect steps — then a validation pass in eval mode and, when due, the curvature analysis on the
 * pass's last batch, run with the BN buffers and every RNG state put back so that it cannot change the
 * run.
 *
 * It is generic over the supernet (M) and the batch types (B: a search step's batch, V: a validation
 * batch): the task says what a step and a validation batch do with the model, the data says where the
 * batches come from. It knows nothing of files: iterate `run()` and persist between its events
 * (checkpoints, logs); the generator is paused at each event, with the loop's state readable. The
 * validation-progress and analysis-start events come mid-epoch-end (model in eval mode, pass half done):
 * they are for display only; checkpoint at step and epoch events.
 */
import { F, getRngState, manualSeed, noGrad, setRngState, tidy, type Device, type NamedTensors, type Tensor } from '../tensor/index.js';
import { CosineAnnealingLR, SGD } from '../optim/index.js';
import { Architect } from './architect.js';
import { searchStep, type SearchStepConfig, type SearchStepResult } from './search-step.js';
import { epsilonAt } from './epsilon-schedule.js';
import { AverageMeter, StepMeters, topkAccuracy, type MetersJSON } from './metrics.js';
import type { ImageSupernet, Supernet } from './supernet.js';
import type { PerturbationName } from './perturbation.js';

/** A batch the loop hands to its task: the number of samples it weighs in the meters, and its release. */
export interface LoopBatch {
  readonly size: number;
  dispose(): void;
}

/** Where the batches come from (a data loader, adapted). */
export interface SearchData<B extends LoopBatch, V extends LoopBatch> {
  /** The search batches of `epoch`, in order (a resumed loader continues mid-epoch). */
  epochBatches(epoch: number): Iterable<B>;
  /** One pass over the validation data, at the end of an epoch. */
  validPass(): Iterable<V>;
  /** The number of batches `validPass()` yields, where known (for progress only). */
  validBatches?(): number;
  /** The augmentation's cutout probability for the coming batches (needed with `cutout` only). */
  setCutoutProb?(p: number): void;
}

/** What the loop may use in a step. */
export interface StepContext<M> {
  model: M;
  architect: Architect;
  wOptimizer: SGD;
}

/** What a search does with its batches. */
export interface SearchTask<M extends LoopModel, B extends LoopBatch, V extends LoopBatch> {
  /** One search step (architect step unless warming up, then the perturbed weight step); inside tidy. */
  step(ctx: StepContext<M>, batch: B, cfg: SearchStepConfig): SearchStepResult;
  /** Mean loss and top-1 accuracy (percent) of one validation batch; eval mode, no grad, inside tidy. */
  evaluate(model: M, batch: V): { loss: number; acc: number };
  /** The curvature analysis on one validation batch, model in train mode (restored afterwards by the loop). */
  analyze(model: M, batch: V): Analysis;
  /** Tensors the task carries from step to step (the recurrent search's hidden states): the job checkpoints them. */
  state?: CarriedState;
}

/** A task's carried tensors, by name, for checkpoints. */
export interface CarriedState {
  shapes(): Record<string, readonly number[]>;
  save(tensors: NamedTensors): void;
  restore(tensors: NamedTensors): void;
  dispose(): void;
}

export type LoopModel = Supernet & { dispose(): void };

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

/** The loop's settings (the reference's flags, camelCase). */
export interface SearchLoopConfig {
  learningRate: number;
  learningRateMin: number;
  momentum: number;
  weightDecay: number;
  epochs: number;
  cutout: boolean;
  cutoutProb: number;
  gradClip: number;
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
  /** 'cosine' (CNN, 1Shot1: η(e) from learningRate to learningRateMin) or 'constant' (the recurrent search). Default cosine. */
  lrSchedule?: 'cosine' | 'constant';
  /** Adam's betas for α (default the CNN reference's (0.5, 0.999); the recurrent search uses (0.9, 0.999)). */
  archBetas?: readonly [number, number];
}

export interface SearchLoopSpec<M extends LoopModel, B extends LoopBatch, V extends LoopBatch> {
  config: SearchLoopConfig;
  /** Built after manualSeed(seed) so that initial w and α follow the seed. */
  buildModel(): M;
  task: SearchTask<M, B, V>;
  /** Epochs of weight training before α is updated. */
  warmStartEpochs: number;
}

/** Where the loop stands: the next step is step `step` + 1 of `epoch`. */
export interface LoopPosition {
  epoch: number;
  step: number;
  globalStep: number;
}

export type SearchLoopEvent =
  /** An epoch begins (or, `step` > 0, resumes): its learning rate, ε and cutout probability are in force. */
  | { type: 'epoch-start'; epoch: number; step: number; lr: number; epsilon: number; cutoutProb: number | null }
  /** A step is done; `step` counts from 1. */
  | { type: 'step'; epoch: number; step: number; globalStep: number; lr: number; epsilon: number; result: SearchStepResult; seconds: number }
  /** The validation pass: `done` batches of `total` (null: unknown) evaluated; first with done = 0, before the first batch. */
  | { type: 'valid-progress'; epoch: number; done: number; total: number | null }
  /** The curvature analysis is about to run (after the validation pass). */
  | { type: 'analysis-start'; epoch: number }
  | LoopEpochEvent;

/** An epoch is done: the train meters' means, the validation pass, the analysis if one was due. */
export interface LoopEpochEvent {
  type: 'epoch';
  epoch: number;
  lr: number;
  epsilon: number;
  trainLoss: number;
  trainAcc: number;
  validLoss: number;
  validAcc: number;
  analysis: (Analysis & { batch: AnalysisBatch }) | null;
  /** Since the epoch-start event. */
  seconds: number;
}

/**
 * Run `fn` (a measurement) and put back everything it could have changed: BN running statistics and
 * the CPU (and CUDA) random-generator states. Gradients are untouched by construction (autograd.grad
 * does not accumulate into .grad).
 */
function untouched<T>(model: Supernet, device: Device, fn: () => T): T {
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

export class SearchLoop<M extends LoopModel, B extends LoopBatch, V extends LoopBatch> {
  readonly config: Readonly<SearchLoopConfig>;
  readonly model: M;
  readonly wOptimizer: SGD;
  readonly architect: Architect;
  /** η(e) in closed form, from the initial rate (so a resumed run reproduces it exactly). */
  readonly schedule: CosineAnnealingLR;
  private readonly task: SearchTask<M, B, V>;
  private readonly warmStartEpochs: number;
  private pos: LoopPosition = { epoch: 0, step: 0, globalStep: 0 };
  private stepMeters = new StepMeters();

  /** Seeds LibTorch's generator, then builds the model and its optimizers. */
  constructor(spec: SearchLoopSpec<M, B, V>) {
    const c = spec.config;
    this.config = c;
    this.task = spec.task;
    this.warmStartEpochs = spec.warmStartEpochs;
    manualSeed(c.seed);
    this.model = spec.buildModel();
    this.wOptimizer = new SGD(this.model.parameters(), { lr: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay });
    this.architect = new Architect(this.model, {
      archLearningRate: c.archLearningRate,
      archWeightDecay: c.archWeightDecay,
      ...(c.archBetas ? { betas: [c.archBetas[0], c.archBetas[1]] as [number, number] } : {}),
    });
    this.schedule = new CosineAnnealingLR(this.wOptimizer, c.epochs, c.learningRateMin);
  }

  get position(): Readonly<LoopPosition> {
    return { ...this.pos };
  }

  /** This epoch's step meters so far (fresh after each epoch event). */
  get meters(): StepMeters {
    return this.stepMeters;
  }

  /** Continue from a saved position (with the model, optimizers and data restored by the caller). */
  resumeAt(at: LoopPosition, meters: MetersJSON): void {
    this.pos = { epoch: at.epoch, step: at.step, globalStep: at.globalStep };
    this.stepMeters = new StepMeters(meters);
  }

  /** The remaining epochs, as events; the loop waits at each until the consumer asks for the next. */
  *run(data: SearchData<B, V>): Generator<SearchLoopEvent, void, undefined> {
    const c = this.config,
      model = this.model,
      p = this.pos;
    for (; p.epoch < c.epochs; p.epoch++) {
      const t0 = Date.now();
      const epoch = p.epoch;
      let lr: number;
      if (c.lrSchedule === 'constant') {
        lr = c.learningRate;
        for (const g of this.wOptimizer.paramGroups) g.lr = lr;
      } else {
        this.schedule.step(epoch);
        lr = this.schedule.getLastLr()[0]!;
      }
      let cutoutProb: number | null = null;
      if (c.cutout) {
        cutoutProb = c.epochs > 1 ? (c.cutoutProb * epoch) / (c.epochs - 1) : 0;
        data.setCutoutProb!(cutoutProb);
      }
      const epsilon = epsilonAt(epoch, c.epochs, c.epsilonAlpha);
      const stepConfig: SearchStepConfig = {
        perturbation: c.perturb,
        epsilon,
        pgdSteps: c.pgdSteps,
        pgdRandomStart: c.pgdRandomStart,
        gradClip: c.gradClip,
        unrolled: c.unrolled,
        updateArch: epoch >= this.warmStartEpochs,
      };
      yield { type: 'epoch-start', epoch, step: p.step, lr, epsilon, cutoutProb };
      const ctx: StepContext<M> = { model, architect: this.architect, wOptimizer: this.wOptimizer };
      for (const batch of data.epochBatches(epoch)) {
        const ts = Date.now();
        const result = tidy(() => this.task.step(ctx, batch, stepConfig));
        const n = batch.size;
        batch.dispose();
        this.stepMeters.update(result, n);
        p.step++;
        p.globalStep++;
        yield { type: 'step', epoch, step: p.step, globalStep: p.globalStep, lr, epsilon, result, seconds: (Date.now() - ts) / 1000 };
      }

      // ---- end of epoch: validation (softmax mixing, eval mode) ----
      model.eval();
      const vLoss = new AverageMeter(),
        vAcc = new AverageMeter();
      let lastValid: V | null = null,
        validBatches = 0;
      // Progress events only: the consumer sees each batch done; nothing computed depends on them.
      const validTotal = data.validBatches?.() ?? null;
      yield { type: 'valid-progress', epoch, done: 0, total: validTotal };
      let passed = false;
      try {
        for (const b of data.validPass()) {
          validBatches++;
          tidy(() =>
            noGrad(() => {
              const r = this.task.evaluate(model, b);
              vLoss.update(r.loss, b.size);
              vAcc.update(r.acc, b.size);
            }),
          );
          lastValid?.dispose();
          lastValid = b;
          yield { type: 'valid-progress', epoch, done: validBatches, total: validTotal };
        }
        passed = true;
      } finally {
        if (!passed) lastValid?.dispose(); // the consumer stopped the generator mid-pass
      }
      model.train();
      const analysisBatch: V | null = lastValid;
      let analysis: (Analysis & { batch: AnalysisBatch }) | null = null;
      try {
        if (c.analyzeEvery > 0 && (epoch + 1) % c.analyzeEvery === 0 && analysisBatch) {
          // The last validation batch of the epoch (as the reference's analysis), model in train mode.
          yield { type: 'analysis-start', epoch };
          analysis = {
            ...untouched(model, c.device, () => tidy(() => this.task.analyze(model, analysisBatch))),
            batch: { pass: 'validation', batch: validBatches - 1, of: validBatches, size: analysisBatch.size, mode: 'train' },
          };
        }
      } finally {
        analysisBatch?.dispose();
      }
      const m = this.stepMeters;
      this.stepMeters = new StepMeters();
      p.step = 0;
      yield {
        type: 'epoch',
        epoch,
        lr,
        epsilon,
        trainLoss: m.loss.avg,
        trainAcc: m.top1.avg,
        validLoss: vLoss.avg,
        validAcc: vAcc.avg,
        analysis,
        seconds: (Date.now() - t0) / 1000,
      };
    }
  }

  dispose(): void {
    this.model.dispose();
    this.wOptimizer.dispose();
    this.architect.optimizer.dispose();
  }
}

/** A search step's batch of images: the training half's x/y and the validation batch drawn with it. */
export interface ImageSearchBatch extends LoopBatch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly xValid: Tensor;
  readonly yValid: Tensor;
}

/** A batch of labelled images. */
export interface ImageBatch extends LoopBatch {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** The task of a supernet over images (CNN cells, NAS-Bench-1Shot1): `searchStep`, cross-entropy and top-1. */
export function imageSearchTask<M extends LoopModel & ImageSupernet>(
  analyze: (model: M, batch: ImageBatch) => Analysis,
): SearchTask<M, ImageSearchBatch, ImageBatch> {
  return {
    step: (ctx, b, cfg) => searchStep(ctx.model, ctx.architect, ctx.wOptimizer, { xTrain: b.x, yTrain: b.y, xValid: b.xValid, yValid: b.yValid }, cfg),
    evaluate: (model, b) => {
      const logits = model.forward(b.x);
      return { loss: F.crossEntropy(logits, b.y).item(), acc: topkAccuracy(logits, b.y, [1])[0]! };
    },
    analyze,
  };
}
