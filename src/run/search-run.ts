/**
 * A one-shot search as a job, shared by `sdarts search` (DARTS-space CNN cells), `sdarts nasbench search`
 * (NAS-Bench-1Shot1) and `sdarts rnn search` (the recurrent cell on PTB): the search loop
 * (src/search/search-loop.ts) over the job's data and task, with its persistence — log.txt, events.jsonl
 * and TensorBoard, the epoch's architecture saved after every epoch, checkpoints at epoch ends, every
 * `checkpointEvery` steps and on abort (SIGINT/SIGTERM), and resume. What differs between the searches
 * comes in the spec: the data (with its resumable state), the task, the tensors the task carries between
 * steps (the recurrent search's hidden states), the architecture and the log/TensorBoard names.
 */
import { noGrad, type NamedTensors } from '../tensor/index.js';
import type { StateDict } from '../nn/index.js';
import {
  SearchLoop,
  type LoopBatch,
  type LoopEpochEvent,
  type LoopModel,
  type SearchData,
  type SearchLoopConfig,
  type CarriedState,
  type SearchTask,
} from '../search/search-loop.js';
import type { StepMeters } from '../search/metrics.js';
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
import { recordPhase, progressEvent, type JobPhase, type PhaseEvent, type ProgressEvent } from './phase-events.js';

/** The settings every search job has besides the loop's. */
export interface SearchJobConfig extends SearchLoopConfig {
  checkpointEvery: number;
  reportFreq: number;
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

/** The job's data: the loop's batches, how many steps an epoch has (for progress), its resumable state. */
export interface EngineData<B extends LoopBatch, V extends LoopBatch> {
  loop: SearchData<B, V>;
  /** Steps per epoch (exact, or the expected count where the step length is random). */
  stepsPerEpoch: number;
  /** Plain JSON; kept under `loader` in the checkpoint. */
  getState(): unknown;
  setState(state: unknown): void;
}

export interface SearchJobSpec<M extends SupernetModel, B extends LoopBatch, V extends LoopBatch> {
  kind: string;
  runDir: string;
  resumed: boolean;
  config: SearchJobConfig;
  /** Built after manualSeed(seed) so that initial w and α follow the seed. */
  buildModel(): M;
  /** Made once the model exists (it may hold per-model state, as the recurrent task's hidden states). */
  task(model: M): SearchTask<M, B, V>;
  /** Made after the model (so that the seeded construction comes first, as in the reference). */
  data(): EngineData<B, V>;
  warmStartEpochs: number;
  architecture(model: M): EpochArchitecture;
  /** Extra per-epoch fields (e.g. NAS-Bench-101 scores) and their TensorBoard scalars. */
  score?(arch: EpochArchitecture, epoch: number): { fields: Record<string, unknown>; scalars: Record<string, number>; log: string[] };
  /** Persist the per-epoch record (genotype.json/alphas.json, architectures.json …). */
  saveEpochs(epochs: EpochRecord[], last: boolean): void;
  /** The progress line of log.txt every `reportFreq` steps (default: the reference's `train NNN loss top1 top5`). */
  stepLine?(step: number, meters: StepMeters): string;
  /** The epoch's TensorBoard scalars and log lines (default: Acc/Obj train/valid, accuracies). */
  epochSummary?(ev: LoopEpochEvent): { scalars: Record<string, number>; log: string[]; fields: Record<string, unknown> };
  echo?: (line: string) => void;
  header: string;
  /** What the architecture is called in log.txt ('genotype' for cells). */
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
  | PhaseEvent
  | ProgressEvent
  | { type: 'end'; reason: 'completed' | 'interrupted'; runDir: string; architecture: string; architectureJSON: unknown; epoch: number; step: number }
  | ErrorEvent;

interface CheckpointState extends JobCheckpointState {
  loader: unknown;
  wOpt: unknown;
  archOpt: unknown;
  epochs: EpochRecord[];
}

export async function* runSearchJob<M extends SupernetModel, B extends LoopBatch, V extends LoopBatch>(
  spec: SearchJobSpec<M, B, V>,
  signal?: AbortSignal,
): AsyncGenerator<EngineEvent> {
  const c = spec.config,
    runDir = spec.runDir;
  let loop: SearchLoop<M, B, V> | undefined;
  let taskState: CarriedState | undefined;
  let data: EngineData<B, V> | undefined;
  let epochs: EpochRecord[] = [];
  let truncate: LogSizes | undefined;
  try {
    const made: { task?: SearchTask<M, B, V> } = {};
    loop = new SearchLoop<M, B, V>({
      config: c,
      buildModel: () => spec.buildModel(),
      // The loop builds the model first; the task is made from it on first use.
      task: {
        step: (ctx, b, cfg) => made.task!.step(ctx, b, cfg),
        evaluate: (m, b) => made.task!.evaluate(m, b),
        analyze: (m, b) => made.task!.analyze(m, b),
      },
      warmStartEpochs: spec.warmStartEpochs,
    });
    made.task = spec.task(loop.model);
    taskState = made.task.state;
    data = spec.data();
    if (spec.resumed) {
      const model = loop.model,
        arch = model.archParameters(),
        l = loop;
      const expect = (state: CheckpointState) => {
        const rng = rngTensorNames(c.device);
        const tensors: Record<string, readonly number[]> = { ...modelTensorShapes(model), ...rng.tensors };
        arch.forEach((a, i) => (tensors[`arch.${i}`] = a.shape));
        for (const [n, shape] of Object.entries(taskState?.shapes() ?? {})) tensors[`task.${n}`] = shape;
        for (const n of [...optimizerTensorNames(state.wOpt), ...optimizerTensorNames(state.archOpt)]) tensors[n] ??= [];
        return { tensors, optional: rng.optional, fields: [...JOB_STATE_FIELDS, 'loader', 'wOpt', 'archOpt', 'epochs'] };
      };
      const st = readJobCheckpoint<CheckpointState>(runDir, spec.kind, c.device, expect, (T, state) => {
        modelFromCheckpoint(model, T);
        noGrad(() => arch.forEach((a, i) => a.copy_(T[`arch.${i}`]!)));
        optimizerFromCheckpoint(l.wOptimizer, state.wOpt, T);
        optimizerFromCheckpoint(l.architect.optimizer, state.archOpt, T);
        rngFromCheckpoint(c.device, T);
        taskState?.restore(taskTensors(T));
      });
      data.setState(st.loader);
      loop.resumeAt(st, st.meters);
      epochs = st.epochs;
      truncate = st.logs;
    }
  } catch (err) {
    taskState?.dispose();
    loop?.dispose();
    yield recordRunError(runDir, err, null);
    throw err;
  }
  const l = loop!,
    model = l.model,
    arch = model.archParameters();
  const d = data!;
  const stepsPerEpoch = d.stepsPerEpoch;
  const logs = new RunLogs(runDir, spec.echo, truncate);
  const log = (m: string): void => logs.line(m);

  const checkpoint = (atEpoch: number, atStep: number): EngineEvent =>
    writeJobCheckpoint<CheckpointState>(runDir, spec.kind, logs, { epoch: atEpoch, step: atStep }, (T, sizes) => {
      modelToCheckpoint(model, T);
      arch.forEach((a, i) => {
        T[`arch.${i}`] = a;
      });
      const wj = optimizerToCheckpoint(l.wOptimizer, 'wopt', T);
      const aj = optimizerToCheckpoint(l.architect.optimizer, 'aopt', T);
      rngToCheckpoint(c.device, T);
      if (taskState) {
        const own: NamedTensors = {};
        taskState.save(own);
        for (const [n, t] of Object.entries(own)) T[`task.${n}`] = t;
      }
      const { globalStep } = l.position;
      return { epoch: atEpoch, step: atStep, globalStep, meters: l.meters.toJSON(), loader: d.getState(), wOpt: wj, archOpt: aj, logs: sizes, epochs };
    });
  /** A phase begins: in events.jsonl too (src/run/phase-events.ts). */
  const phase = (p: JobPhase, epoch: number, total?: number | null): PhaseEvent => recordPhase(logs, p, epoch, total);
  const endEvent = (reason: 'completed' | 'interrupted', e: number, s: number): EngineEvent => {
    const a = spec.architecture(model);
    return { type: 'end', reason, runDir, architecture: a.summary, architectureJSON: a.json, epoch: e, step: s };
  };

  try {
    const at = l.position;
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
    if (at.epoch < c.epochs) yield phase('first-step', at.epoch);
    for (const ev of l.run(d.loop)) {
      if (ev.type === 'valid-progress') {
        if (ev.done === 0) yield phase('validation', ev.epoch, ev.total);
        yield progressEvent('validation', ev.epoch, ev.done, ev.total);
      } else if (ev.type === 'analysis-start') {
        yield phase('analysis', ev.epoch);
      } else if (ev.type === 'epoch-start') {
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
          const m = l.meters;
          log(
            spec.stepLine
              ? spec.stepLine(step, m)
              : `train ${String(step).padStart(3, '0')} ${m.loss.avg.toExponential(6)} ${m.top1.avg.toFixed(6)} ${m.top5.avg.toFixed(6)}`,
          );
          logs.tb.addScalar('Obj/train_step', r.loss, ev.globalStep);
        }
        yield out;
        await new Promise((res) => setImmediate(res)); // let signals and the consumer run
        if (signal?.aborted) {
          yield phase('checkpoint', epoch);
          yield checkpoint(epoch, step);
          log(`interrupted at epoch ${epoch} step ${step}; checkpoint written`);
          const end = endEvent('interrupted', epoch, step);
          logs.event(end);
          yield end;
          return;
        }
        if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0 && step < stepsPerEpoch) {
          yield phase('checkpoint', epoch);
          yield checkpoint(epoch, step);
        }
      } else {
        const { epoch, lr, epsilon, analysis } = ev;
        const eigenvalue = analysis?.eigenvalue ?? null;
        const a = spec.architecture(model);
        const scored = spec.score?.(a, epoch);
        const own = spec.epochSummary?.(ev);
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
          ...(own?.fields ?? {}),
          ...(scored?.fields ?? {}),
          seconds: ev.seconds,
        };
        if (own) for (const line of own.log) log(line);
        else {
          log(`train_acc ${ev.trainAcc.toFixed(6)}`);
          log(`valid_acc ${ev.validAcc.toFixed(6)}`);
        }
        if (analysis)
          log(
            `eigenvalue ${analysis.eigenvalue.toExponential(6)} (${analysis.method}, +${analysis.diagonal}·I, n=${analysis.n}${analysis.iterations !== undefined ? `, ${analysis.iterations} iterations` : ''}${analysis.converged ? '' : ', NOT converged'}; validation batch ${analysis.batch.batch + 1}/${analysis.batch.of}, ${analysis.batch.size} samples, train mode)`,
          );
        for (const line of scored?.log ?? []) log(line);
        log(`${spec.label} after epoch ${epoch} = ${a.summary}`);
        const scalars = own?.scalars ?? { 'Acc/train': ev.trainAcc, 'Obj/train': ev.trainLoss, 'Acc/valid': ev.validAcc, 'Obj/valid': ev.validLoss };
        logs.tb.addScalars({ ...scalars, lr, epsilon, ...(scored?.scalars ?? {}) }, epoch);
        if (eigenvalue !== null) logs.tb.addScalar('Analysis/eigenvalue', eigenvalue, epoch);
        logs.event(out as unknown as Record<string, unknown>);
        epochs.push({
          epoch,
          architecture: a.json,
          alphas: a.alphas,
          trainAcc: ev.trainAcc,
          validAcc: ev.validAcc,
          eigenvalue,
          ...(own?.fields ?? {}),
          ...(scored?.fields ?? {}),
        });
        const last = epoch === c.epochs - 1;
        spec.saveEpochs(epochs, last);
        yield out;
        yield phase('checkpoint', epoch + 1);
        yield checkpoint(epoch + 1, 0);
        if (signal?.aborted && !last) {
          const end = endEvent('interrupted', epoch + 1, 0);
          logs.event(end);
          yield end;
          return;
        }
      }
    }
    const end = endEvent('completed', l.position.epoch, l.position.step);
    log(`final ${spec.label} = ${(end as { architecture: string }).architecture}`);
    logs.event(end);
    yield end;
  } catch (err) {
    yield recordRunError(runDir, err, l.position, logs);
    throw err;
  } finally {
    logs.close();
    taskState?.dispose();
    l.dispose();
  }
}

/** The task-owned tensors of a checkpoint (`task.<name>`), under their own names. */
function taskTensors(T: NamedTensors): NamedTensors {
  const out: NamedTensors = {};
  for (const [k, t] of Object.entries(T)) if (k.startsWith('task.')) out[k.slice(5)] = t;
  return out;
}
