/**
 * A supernet search as a job, shared by `sdarts search` (DARTS-space CNN cells) and `sdarts nasbench
 * search` (NAS-Bench-1Shot1): the search loop (src/search/search-loop.ts) over the image data, with its
 * persistence — log.txt, events.jsonl and TensorBoard, the epoch's architecture saved after every epoch,
 * checkpoints at epoch ends, every `checkpointEvery` steps and on abort (SIGINT/SIGTERM), and resume.
 */
import { noGrad } from '../tensor/index.js';
import type { StateDict } from '../nn/index.js';
import {
  SearchLoop,
  imageSearchTask,
  type Analysis,
  type ImageBatch,
  type ImageSearchBatch,
  type LoopEpochEvent,
  type LoopModel,
  type SearchData,
  type SearchLoopConfig,
} from '../search/search-loop.js';
import { SearchDataLoader, type BatchOrder, type SearchLoaderState, type ValidMode } from '../data/loader.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { evalTransform, trainTransform } from '../data/transforms.js';
import { ConfigError } from './config.js';
import { datasetNormalization, type SearchDatasetName } from './datasets.js';
import type { StepEventFields } from './events-log.js';
import { RunLogs, recordRunError, type ErrorEvent, type LogSizes } from './run-logs.js';
import {
  JOB_STATE_FIELDS,
  modelFromCheckpoint,
  modelTensorShapes,
  optimizerTensorNames,
  rngTensorNames,
  modelToCheckpoint,
  optimizerFromCheckpoint,
  optimizerToCheckpoint,
  readJobCheckpoint,
  rngFromCheckpoint,
  rngToCheckpoint,
  writeJobCheckpoint,
  type CheckpointEvent,
  type JobCheckpointState,
} from './checkpoint.js';

/** The settings both searches share (reference flags, camelCase): the loop's, the data's and the run's. */
export interface EngineConfig extends SearchLoopConfig {
  dataset: SearchDatasetName;
  batchSize: number;
  cutoutLength: number;
  trainPortion: number;
  batchOrder: BatchOrder;
  checkpointEvery: number;
  reportFreq: number;
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

export interface SupernetModel extends LoopModel {
  numParameters(): number;
  stateDict(): StateDict;
  loadStateDict(sd: StateDict): unknown;
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
   * The curvature analysis on one batch: λ_max of ∇²_α L + diagonal·I (the loop restores BN buffers
   * and every RNG state afterwards, so it cannot change the run).
   */
  analyze(model: M, batch: ImageBatch): Analysis;
  /** Extra per-epoch fields (e.g. NAS-Bench-101 scores) and their TensorBoard scalars. */
  score?(arch: EpochArchitecture, epoch: number): { fields: Record<string, unknown>; scalars: Record<string, number>; log: string[] };
  /** Persist the per-epoch record (genotype.json/alphas.json, architectures.json …). */
  saveEpochs(epochs: EpochRecord[], last: boolean): void;
  echo?: (line: string) => void;
  header: string;
  /** What the architecture is called in log.txt ('genotype' for CNN cells). */
  label: string;
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
  | (StepEventFields & { archLoss: number | null; epsilon: number; perturbAccepted?: boolean })
  | (LoopEpochEvent & { epochs: number; eigenvalue: number | null; architecture: string; alphas: number[][][] } & Record<string, unknown>)
  | CheckpointEvent
  | { type: 'end'; reason: 'completed' | 'interrupted'; runDir: string; architecture: string; architectureJSON: unknown; epoch: number; step: number }
  | ErrorEvent;

interface CheckpointState extends JobCheckpointState {
  loader: SearchLoaderState;
  wOpt: unknown;
  archOpt: unknown;
  epochs: EpochRecord[];
}

/** data/'s SearchDataLoader as the loop's data: each search batch weighs its training half's size. */
function loopData(loader: SearchDataLoader): SearchData<ImageSearchBatch, ImageBatch> {
  return {
    *epochBatches(epoch) {
      for (const b of loader.epochBatches(epoch)) {
        yield {
          get x() {
            return b.x;
          },
          get y() {
            return b.y;
          },
          get xValid() {
            return b.xValid;
          },
          get yValid() {
            return b.yValid;
          },
          size: b.train.size,
          dispose: () => b.dispose(),
        };
      }
    },
    validPass: () => loader.validPass(),
    setCutoutProb: (p) => loader.setCutoutProb(p),
  };
}

export async function* runEngine<M extends SupernetModel>(spec: EngineSpec<M>, signal?: AbortSignal): AsyncGenerator<EngineEvent> {
  const c = spec.config,
    runDir = spec.runDir;
  const loop = new SearchLoop<M, ImageSearchBatch, ImageBatch>({
    config: c,
    buildModel: () => spec.buildModel(),
    task: imageSearchTask<M>((m, b) => spec.analyze(m, b)),
    warmStartEpochs: spec.warmStartEpochs,
  });
  const model = loop.model;
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
    transform: reference ? evalTransform(norm) : trainTransform(norm, { cutout: c.cutout ? { length: c.cutoutLength, prob: 0 } : null }),
  });
  const arch = model.archParameters();

  let epochs: EpochRecord[] = [];
  let truncate: LogSizes | undefined;
  try {
    if (spec.resumed) {
      const expect = (state: CheckpointState) => {
        const rng = rngTensorNames(c.device);
        const tensors: Record<string, readonly number[]> = { ...modelTensorShapes(model), ...rng.tensors };
        arch.forEach((a, i) => (tensors[`arch.${i}`] = a.shape));
        for (const n of [...optimizerTensorNames(state.wOpt), ...optimizerTensorNames(state.archOpt)]) tensors[n] ??= [];
        return { tensors, optional: rng.optional, fields: [...JOB_STATE_FIELDS, 'loader', 'wOpt', 'archOpt', 'epochs'] };
      };
      const st = readJobCheckpoint<CheckpointState>(runDir, spec.kind, c.device, expect, (T, state) => {
        modelFromCheckpoint(model, T);
        noGrad(() => arch.forEach((a, i) => a.copy_(T[`arch.${i}`]!)));
        optimizerFromCheckpoint(loop.wOptimizer, state.wOpt, T);
        optimizerFromCheckpoint(loop.architect.optimizer, state.archOpt, T);
        rngFromCheckpoint(c.device, T);
      });
      loader.setState(st.loader);
      loop.resumeAt(st, st.meters);
      epochs = st.epochs;
      truncate = st.logs;
    }
  } catch (err) {
    loop.dispose();
    yield recordRunError(runDir, err, null);
    throw err;
  }
  const logs = new RunLogs(runDir, spec.echo, truncate);
  const log = (m: string): void => logs.line(m);
  const stepsPerEpoch = Math.ceil(Math.floor(spec.data.n * c.trainPortion) / c.batchSize);

  const checkpoint = (atEpoch: number, atStep: number): EngineEvent =>
    writeJobCheckpoint<CheckpointState>(runDir, spec.kind, logs, { epoch: atEpoch, step: atStep }, (T, sizes) => {
      modelToCheckpoint(model, T);
      arch.forEach((a, i) => {
        T[`arch.${i}`] = a;
      });
      const wj = optimizerToCheckpoint(loop.wOptimizer, 'wopt', T);
      const aj = optimizerToCheckpoint(loop.architect.optimizer, 'aopt', T);
      rngToCheckpoint(c.device, T);
      const { globalStep } = loop.position;
      return { epoch: atEpoch, step: atStep, globalStep, meters: loop.meters.toJSON(), loader: loader.getState(), wOpt: wj, archOpt: aj, logs: sizes, epochs };
    });
  const endEvent = (reason: 'completed' | 'interrupted', e: number, s: number): EngineEvent => {
    const a = spec.architecture(model);
    return { type: 'end', reason, runDir, architecture: a.summary, architectureJSON: a.json, epoch: e, step: s };
  };

  try {
    const at = loop.position;
    const start: EngineEvent = {
      type: 'start',
      runDir,
      resumed: spec.resumed,
      epoch: at.epoch,
      step: at.step,
      stepsPerEpoch,
      epochs: c.epochs,
      params: model.numParameters(),
    };
    logs.event(start);
    log(
      spec.resumed
        ? `resumed at epoch ${at.epoch} step ${at.step}`
        : `${spec.header}: ${model.numParameters()} params, ${stepsPerEpoch} steps/epoch; run dir ${runDir}`,
    );
    yield start;
    for (const ev of loop.run(loopData(loader))) {
      if (ev.type === 'epoch-start') {
        if (ev.step === 0) {
          log(`epoch ${ev.epoch} lr ${ev.lr.toExponential(6)}${ev.cutoutProb !== null ? ` cutout_prob ${ev.cutoutProb.toExponential(6)}` : ''}`);
          log(`epoch ${ev.epoch} epsilon_alpha ${ev.epsilon.toExponential(6)}`);
          log(`${spec.label} = ${spec.architecture(model).summary}`);
        }
      } else if (ev.type === 'step') {
        const r = ev.result,
          { epoch, step } = ev;
        const out: EngineEvent = {
          type: 'step',
          epoch,
          step,
          stepsPerEpoch,
          globalStep: ev.globalStep,
          loss: r.loss,
          top1: r.top1,
          top5: r.top5,
          archLoss: r.archLoss,
          lr: ev.lr,
          epsilon: ev.epsilon,
          ...(r.perturb.accepted !== undefined ? { perturbAccepted: r.perturb.accepted } : {}),
          seconds: ev.seconds,
        };
        logs.event(out);
        if (step % c.reportFreq === 0 || step === stepsPerEpoch) {
          const m = loop.meters;
          log(`train ${String(step).padStart(3, '0')} ${m.loss.avg.toExponential(6)} ${m.top1.avg.toFixed(6)} ${m.top5.avg.toFixed(6)}`);
          logs.tb.addScalar('Obj/train_step', r.loss, ev.globalStep);
        }
        yield out;
        await new Promise((res) => setImmediate(res)); // let signals and the consumer run
        if (signal?.aborted) {
          yield checkpoint(epoch, step);
          log(`interrupted at epoch ${epoch} step ${step}; checkpoint written`);
          yield endEvent('interrupted', epoch, step);
          return;
        }
        if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0 && step < stepsPerEpoch) yield checkpoint(epoch, step);
      } else {
        const { epoch, lr, epsilon, analysis } = ev;
        const eigenvalue = analysis?.eigenvalue ?? null;
        const a = spec.architecture(model);
        const scored = spec.score?.(a, epoch);
        const out: EngineEvent = {
          type: 'epoch',
          epoch,
          epochs: c.epochs,
          lr,
          epsilon,
          trainLoss: ev.trainLoss,
          trainAcc: ev.trainAcc,
          validLoss: ev.validLoss,
          validAcc: ev.validAcc,
          eigenvalue,
          analysis,
          architecture: a.summary,
          architectureJSON: a.json,
          alphas: a.alphas,
          ...(scored?.fields ?? {}),
          seconds: ev.seconds,
        };
        log(`train_acc ${ev.trainAcc.toFixed(6)}`);
        log(`valid_acc ${ev.validAcc.toFixed(6)}`);
        if (analysis)
          log(
            `eigenvalue ${analysis.eigenvalue.toExponential(6)} (${analysis.method}, +${analysis.diagonal}·I, n=${analysis.n}${analysis.iterations !== undefined ? `, ${analysis.iterations} iterations` : ''}${analysis.converged ? '' : ', NOT converged'}; validation batch ${analysis.batch.batch + 1}/${analysis.batch.of}, ${analysis.batch.size} samples, train mode)`,
          );
        for (const l of scored?.log ?? []) log(l);
        log(`${spec.label} after epoch ${epoch} = ${a.summary}`);
        logs.tb.addScalars(
          { 'Acc/train': ev.trainAcc, 'Obj/train': ev.trainLoss, 'Acc/valid': ev.validAcc, 'Obj/valid': ev.validLoss, lr, epsilon, ...(scored?.scalars ?? {}) },
          epoch,
        );
        if (eigenvalue !== null) logs.tb.addScalar('Analysis/eigenvalue', eigenvalue, epoch);
        logs.event(out as unknown as Record<string, unknown>);
        epochs.push({ epoch, architecture: a.json, alphas: a.alphas, trainAcc: ev.trainAcc, validAcc: ev.validAcc, eigenvalue, ...(scored?.fields ?? {}) });
        const last = epoch === c.epochs - 1;
        spec.saveEpochs(epochs, last);
        yield out;
        yield checkpoint(epoch + 1, 0);
        if (signal?.aborted && !last) {
          yield endEvent('interrupted', epoch + 1, 0);
          return;
        }
      }
    }
    const end = endEvent('completed', loop.position.epoch, loop.position.step);
    log(`final ${spec.label} = ${(end as { architecture: string }).architecture}`);
    logs.event(end);
    yield end;
  } catch (err) {
    yield recordRunError(runDir, err, loop.position, logs);
    throw err;
  } finally {
    logs.close();
    loop.dispose();
  }
}
