/**
 * `sdarts rnn train` and `sdarts rnn test`: train a recurrent cell from scratch on Penn Treebank with NT-ASGD
 * (docs/reference-notes.md R3.7, R3.8; `sota/rnn/train.py`, `sota/rnn/test.py`) on the shared runner (run dir,
 * events, TensorBoard, atomic checkpoints, bit-exact resume, signals, progress). Per epoch: one chunk stream
 * over the batchified training split with random lengths; each step scales the lr by seqLen / bptt, carries
 * the hidden state (detached; zeros at the epoch's start), minimises NLL + AR + TAR, clips ‖∇w‖ and steps SGD
 * — or, after NT-ASGD switched, ASGD(t0 0, λ 0). After each epoch the validation perplexity (with the
 * averaged weights under ASGD) keeps the best model in best.safetensors; at the end the best model's test
 * perplexity is reported. A non-finite training loss rolls the run back to its last checkpoint (R3.7).
 */
import { keep, manualSeed, noGrad, setNumThreads, type Tensor } from '../tensor/index.js';
import { ASGD, SGD } from '../optim/index.js';
import { rnnTrainStep } from './rnn-train-step.js';
import { ntAsgdShouldSwitch, withAveragedParams } from '../optim/nt-asgd.js';
import type { RnnModel } from '../space/rnn/index.js';
import { formatRnnGenotype, resolveRnnGenotype, rnnGenotypeToJSON } from '../space/genotype/index.js';
import { StepMeters } from '../search/metrics.js';
import { Rng } from '../data/rng.js';
import { PtbChunkStream, type PtbChunk, type PtbChunkStreamState } from '../data/ptb-chunks.js';
import { trainSeqLen } from '../data/seq-len.js';
import { SdartsError } from '../util/errors.js';
import { ConfigError, checkDevice, runJob } from './config.js';
import { RNN_TRAIN_COMMAND } from './commands.js';
import { RunLogs, recordRunError, type ErrorEvent, type LogSizes } from './run-logs.js';
import {
  JOB_STATE_FIELDS,
  modelFromCheckpoint,
  modelTensorShapes,
  modelToCheckpoint,
  optimizerFromCheckpoint,
  optimizerTensorNames,
  optimizerToCheckpoint,
  readJobCheckpoint,
  rngFromCheckpoint,
  rngTensorNames,
  rngToCheckpoint,
  writeJobCheckpoint,
} from './checkpoint.js';
import type { RnnOptimizerName, RnnTrainCheckpoint, RnnTrainConfig, RnnTrainEvent } from './rnn-train-events.js';
import { recordPhase } from './phase-events.js';
import { evalChunkCount } from '../data/ptb-eval.js';
import {
  batchifyRnnData,
  checkRnnBatches,
  evaluateRnnModel,
  loadBestModel,
  loadRnnCorpus,
  paramsFinite,
  rnnModelFor,
  saveBestModel,
  type RnnCorpus,
} from './rnn-eval.js';

export type { RnnOptimizerName, RnnTrainConfig, RnnTrainEvent } from './rnn-train-events.js';

/** Rolling back to the same checkpoint this many times in a row without a new one gives up (ERR_SDARTS_RUN_DIVERGED). */
export const MAX_ROLLBACKS = 3;

export interface RnnTrainOptions {
  signal?: AbortSignal;
  echo?: (line: string) => void;
  /** Test hook: called after each optimizer step (before the step's checks), e.g. to poison a weight. */
  afterStep?: (model: RnnModel, at: { epoch: number; step: number; globalStep: number }) => void;
}

export function runRnnTrain(raw: Partial<RnnTrainConfig>, opts: RnnTrainOptions = {}): AsyncGenerator<RnnTrainEvent | ErrorEvent> {
  let corpus: RnnCorpus | undefined;
  return runJob(
    RNN_TRAIN_COMMAND,
    raw,
    (c) => `rnn-train-${c.arch.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(-40)}-seed${c.seed}`,
    (c) => {
      // Everything that can be checked is, before the run directory is made: cell, sizes, device, data.
      resolveRnnGenotype(c.arch);
      checkDevice(c.device);
      if (c.emsize !== c.nhid || c.nhid !== c.nhidlast)
        throw new ConfigError([
          `--emsize ${c.emsize}, --nhid ${c.nhid} and --nhidlast ${c.nhidlast} must be equal (the DARTS recurrent model has one layer of one size)`,
        ]);
      corpus = loadRnnCorpus(c.data, c.limitTokens);
      checkRnnBatches(corpus, c);
    },
    ({ config: c, runDir, resumed }) => rnnTrainEvents(c, runDir, resumed, corpus!, opts),
  );
}

async function* rnnTrainEvents(c: RnnTrainConfig, runDir: string, resumed: boolean, corpus: RnnCorpus, opts: RnnTrainOptions): AsyncGenerator<RnnTrainEvent> {
  if (c.threads > 0) setNumThreads(c.threads);
  const d = batchifyRnnData(corpus, c, c.device);
  const genotype = resolveRnnGenotype(c.arch);
  manualSeed(c.seed);
  const model = rnnModelFor(c, d.ntoken, genotype, c.device);
  const params = model.parameters();
  const makeOptimizer = (name: RnnOptimizerName): SGD | ASGD =>
    name === 'sgd' ? new SGD(params, { lr: c.lr, weightDecay: c.wdecay }) : new ASGD(params, { lr: c.lr, t0: 0, lambd: 0, weightDecay: c.wdecay });
  let optName = 'sgd' as RnnOptimizerName;
  let opt = makeOptimizer(optName);
  const sampler = trainSeqLen({ bptt: c.bptt, maxSeqLenDelta: c.maxSeqLenDelta });
  const lengths = new Rng(c.seed);
  const B = c.batchSize;
  const zeroHidden = (): Tensor => keep(noGrad(() => model.initHidden(B)));
  let hidden = zeroHidden();
  const hiddenShape = hidden.shape;

  // The run's position and bookkeeping (one object: closures below update it).
  const run = {
    epoch: 0,
    step: 0,
    globalStep: 0,
    rollbacks: 0,
    /** Rollbacks since the last checkpoint was written. */
    rollbacksHere: 0,
    meters: new StepMeters(),
    history: [] as number[],
    best: null as RnnTrainCheckpoint['best'],
    pendingStream: null as PtbChunkStreamState | null,
  };
  let truncate: LogSizes | undefined;

  const expect = (state: RnnTrainCheckpoint) => {
    const rng = rngTensorNames(c.device);
    const tensors: Record<string, readonly number[]> = { ...modelTensorShapes(model), ...rng.tensors, hidden: hiddenShape };
    for (const n of optimizerTensorNames(state.opt)) tensors[n] ??= [];
    return { tensors, optional: rng.optional, fields: [...JOB_STATE_FIELDS, 'optimizer', 'opt', 'lengths', 'history', 'genotype'] };
  };
  /** Load the run's checkpoint into the live objects; `generators`: also the RNG states (a resume, not a rollback). */
  const restore = (generators: boolean): RnnTrainCheckpoint =>
    readJobCheckpoint<RnnTrainCheckpoint>(runDir, RNN_TRAIN_COMMAND.runKind, c.device, expect, (T, st) => {
      modelFromCheckpoint(model, T);
      opt.dispose();
      optName = st.optimizer === 'asgd' ? 'asgd' : 'sgd';
      opt = makeOptimizer(optName);
      if (opt instanceof ASGD) optimizerFromCheckpoint(opt, st.opt, T);
      else optimizerFromCheckpoint(opt, st.opt, T);
      hidden.dispose();
      hidden = keep(noGrad(() => T['hidden']!.clone()));
      if (generators) {
        rngFromCheckpoint(c.device, T);
        lengths.setState(st.lengths);
      }
      Object.assign(run, { epoch: st.epoch, step: st.step, globalStep: st.globalStep, history: st.history, best: st.best, meters: new StepMeters(st.meters) });
      // A rollback keeps drawing from where the generators are, so the retry sees other lengths and masks.
      run.pendingStream = st.stream && (generators ? st.stream : { ...st.stream, rng: lengths.getState() });
    });

  const dispose = (): void => {
    model.dispose();
    opt.dispose();
    hidden.dispose();
    d.dispose();
  };
  try {
    if (resumed) {
      const st = restore(true);
      run.rollbacks = st.rollbacks;
      truncate = st.logs;
    }
  } catch (err) {
    dispose();
    yield recordRunError(runDir, err, null);
    throw err;
  }
  const logs = new RunLogs(runDir, opts.echo, truncate);
  const log = (m: string): void => logs.line(m);
  const ppl = (loss: number): number => Math.exp(loss);

  /** Checkpoint unless the weights are no longer finite (a rollback's target must be a good state). */
  const checkpoint = (stream: PtbChunkStream | null): RnnTrainEvent | null => {
    if (!paramsFinite(params)) {
      log(`weights are not finite at epoch ${run.epoch} step ${run.step}: checkpoint skipped (the last good one is kept)`);
      return null;
    }
    run.rollbacksHere = 0;
    const at = { epoch: run.epoch, step: run.step };
    return writeJobCheckpoint<RnnTrainCheckpoint>(runDir, RNN_TRAIN_COMMAND.runKind, logs, at, (T, sizes) => {
      modelToCheckpoint(model, T);
      const oj = opt instanceof ASGD ? optimizerToCheckpoint(opt, 'opt', T) : optimizerToCheckpoint(opt, 'opt', T);
      rngToCheckpoint(c.device, T);
      T['hidden'] = hidden;
      return {
        ...at,
        globalStep: run.globalStep,
        meters: run.meters.toJSON(),
        logs: sizes,
        optimizer: optName,
        opt: oj,
        lengths: lengths.getState(),
        stream: stream?.getState() ?? null,
        history: run.history,
        best: run.best,
        genotype: rnnGenotypeToJSON(genotype),
        rollbacks: run.rollbacks,
      };
    });
  };
  /** The epoch's chunk stream: where a checkpoint left it, or a fresh one (hidden state back to zeros). */
  const newStream = (): PtbChunkStream => {
    const s = new PtbChunkStream(d.train, { sampler, rng: lengths });
    if (run.pendingStream) s.setState(run.pendingStream);
    else {
      hidden.dispose();
      hidden = zeroHidden();
    }
    run.pendingStream = null;
    return s;
  };
  const endEvent = (reason: 'completed' | 'interrupted', test: { loss: number } | null): RnnTrainEvent => ({
    type: 'end',
    reason,
    runDir,
    epoch: run.epoch,
    step: run.step,
    bestEpoch: run.best?.epoch ?? null,
    bestValidLoss: run.best?.validLoss ?? null,
    bestValidPpl: run.best ? ppl(run.best.validLoss) : null,
    testLoss: test?.loss ?? null,
    testPpl: test ? ppl(test.loss) : null,
  });

  /** One training step on `chunk` (lr scaled by seqLen / bptt for it); the hidden state moves on. */
  const trainStep = (chunk: PtbChunk): { loss: number; lr: number } => {
    try {
      const r = rnnTrainStep(model, opt, params, hidden, chunk.x, chunk.y, chunk.seqLen, c);
      hidden = r.hidden;
      return { loss: r.loss, lr: r.lr };
    } finally {
      chunk.dispose();
    }
  };

  /** Validation (with the averaged weights under ASGD), the best model, then NT-ASGD's rule (R3.7). */
  const endOfEpoch = (): { validLoss: number; isBest: boolean; switched: boolean } => {
    let isBest = false;
    const validate = (): number => {
      const v = evaluateRnnModel(model, d.valid, c.bptt).loss;
      if (run.best === null || v < run.best.validLoss) {
        run.best = { epoch: run.epoch, validLoss: v };
        saveBestModel(runDir, model, { epoch: run.epoch, validLoss: v, optimizer: optName, genotype: rnnGenotypeToJSON(genotype) });
        isBest = true;
      }
      return v;
    };
    const validLoss = opt instanceof ASGD ? withAveragedParams(opt, params, validate) : validate();
    let switched = false;
    if (optName === 'sgd') {
      if (ntAsgdShouldSwitch(run.history, validLoss, c.nonmono)) {
        opt.dispose();
        optName = 'asgd';
        opt = makeOptimizer(optName);
        switched = true;
      }
      run.history = [...run.history, validLoss];
    }
    return { validLoss, isBest, switched };
  };

  /**
   * A non-finite training loss: back to the last checkpoint (the reference reloads its last saved state, R3.7;
   * docs/decisions.md), or give up after MAX_ROLLBACKS in a row.
   */
  const rollBack = (loss: number): RnnTrainEvent => {
    const at = { epoch: run.epoch, step: run.step, globalStep: run.globalStep };
    run.rollbacks++;
    if (++run.rollbacksHere > MAX_ROLLBACKS)
      throw new SdartsError(
        'ERR_SDARTS_RUN_DIVERGED',
        `the training loss is ${loss} at epoch ${at.epoch} step ${at.step + 1} after ${MAX_ROLLBACKS} rollbacks to the same checkpoint: the run diverges. Lower --lr (now ${c.lr}) or --clip (now ${c.clip}) and start a new run.`,
      );
    restore(false);
    const ev: RnnTrainEvent = { type: 'rollback', ...at, loss, toEpoch: run.epoch, toStep: run.step, rollbacks: run.rollbacks };
    log(
      `loss ${loss} at epoch ${at.epoch} step ${at.step + 1}: rolled back to the checkpoint at epoch ${run.epoch} step ${run.step} (${run.rollbacksHere} in a row)`,
    );
    logs.event(ev);
    return ev;
  };

  try {
    let stream = run.epoch < c.epochs ? newStream() : null;
    const numParams = model.numParameters();
    const start: RnnTrainEvent = {
      type: 'start',
      runDir,
      resumed,
      epoch: run.epoch,
      step: run.step,
      stepsPerEpoch: stream?.totalSteps() ?? 0,
      epochs: c.epochs,
      params: numParams,
      ntoken: d.ntoken,
      genotype: formatRnnGenotype(genotype),
      optimizer: optName,
      config: c,
    };
    logs.event({ ...start, config: undefined });
    if (!resumed) {
      log(`genotype = ${formatRnnGenotype(genotype)}`);
      log(`param size: ${numParams} (vocabulary ${d.ntoken}; train ${d.train.size(0)} rows × ${B}, valid ${d.valid.size(0)} × ${c.evalBatchSize})`);
    } else log(`resumed at epoch ${run.epoch} step ${run.step} (${optName})`);
    yield start;
    if (!resumed) {
      // A fresh run checkpoints its initial state: there is always a good state to roll back to.
      yield recordPhase(logs, 'checkpoint', run.epoch);
      const first = checkpoint(null);
      if (first) yield first;
    }
    if (run.epoch < c.epochs) yield recordPhase(logs, 'first-step', run.epoch);
    epochs: while (run.epoch < c.epochs) {
      stream ??= newStream();
      const t0 = Date.now();
      const stepsPerEpoch = stream.totalSteps();
      model.train();
      for (const chunk of stream) {
        const ts = Date.now();
        const targets = chunk.length * B;
        const seqLen = chunk.seqLen;
        const r = trainStep(chunk);
        opts.afterStep?.(model, { epoch: run.epoch, step: run.step, globalStep: run.globalStep });
        if (!Number.isFinite(r.loss)) {
          yield rollBack(r.loss);
          stream = null;
          continue epochs;
        }
        run.meters.update(r, targets);
        run.step++;
        run.globalStep++;
        const ev: RnnTrainEvent = {
          type: 'step',
          epoch: run.epoch,
          step: run.step,
          stepsPerEpoch,
          globalStep: run.globalStep,
          loss: r.loss,
          lr: r.lr,
          seqLen,
          optimizer: optName,
          seconds: (Date.now() - ts) / 1000,
        };
        logs.event(ev);
        const avg = run.meters.loss.avg;
        if (run.step % c.reportFreq === 0 || run.step === stepsPerEpoch)
          log(`| epoch ${run.epoch} | ${run.step}/${stepsPerEpoch} batches | lr ${r.lr.toFixed(5)} | loss ${avg.toFixed(4)} | ppl ${ppl(avg).toFixed(2)}`);
        yield ev;
        await new Promise((res) => setImmediate(res));
        if (opts.signal?.aborted) {
          yield recordPhase(logs, 'checkpoint', run.epoch);
          const ck = checkpoint(stream);
          if (ck) yield ck;
          log(`interrupted at epoch ${run.epoch} step ${run.step}${ck ? '; checkpoint written' : ''}`);
          yield endEvent('interrupted', null);
          return;
        }
        if (c.checkpointEvery > 0 && run.step % c.checkpointEvery === 0 && run.step < stepsPerEpoch) {
          yield recordPhase(logs, 'checkpoint', run.epoch);
          const ck = checkpoint(stream);
          if (ck) yield ck;
        }
      }
      const trained = optName;
      yield recordPhase(logs, 'validation', run.epoch, evalChunkCount(d.valid.size(0), c.bptt));
      const { validLoss, isBest, switched } = endOfEpoch();
      const trainLoss = run.meters.loss.avg;
      const averaged = trained === 'asgd' ? ' (averaged weights)' : '';
      log(
        `| end of epoch ${run.epoch} | valid loss ${validLoss.toFixed(4)} | valid ppl ${ppl(validLoss).toFixed(2)}${averaged}${isBest ? ' | best so far: saved' : ''}`,
      );
      if (switched) log(`switching to ASGD (no improvement on the best of all but the last ${c.nonmono} epochs)`);
      logs.tb.addScalars({ 'ppl/train': ppl(trainLoss), 'ppl/valid': ppl(validLoss), lr: c.lr }, run.epoch);
      const ev: RnnTrainEvent = {
        type: 'epoch',
        epoch: run.epoch,
        epochs: c.epochs,
        lr: c.lr,
        optimizer: trained,
        switched,
        trainLoss,
        trainPpl: ppl(trainLoss),
        validLoss,
        validPpl: ppl(validLoss),
        best: isBest,
        bestValidPpl: run.best ? ppl(run.best.validLoss) : null,
        seconds: (Date.now() - t0) / 1000,
      };
      logs.event(ev);
      yield ev;
      run.meters = new StepMeters();
      run.step = 0;
      run.epoch++;
      stream = null;
      yield recordPhase(logs, 'checkpoint', run.epoch);
      const ck = checkpoint(null);
      if (ck) yield ck;
      if (opts.signal?.aborted && run.epoch < c.epochs) {
        yield endEvent('interrupted', null);
        return;
      }
    }
    // The best model's test perplexity at --test-batch-size (the reference: 1).
    let test: { loss: number } | null = null;
    if (run.best) {
      const b = run.best;
      yield recordPhase(logs, 'test', c.epochs, evalChunkCount(d.test.size(0), c.bptt));
      loadBestModel(runDir, model, c.device);
      test = evaluateRnnModel(model, d.test, c.bptt);
      log(
        `| end of training | best epoch ${b.epoch} valid ppl ${ppl(b.validLoss).toFixed(2)} | test loss ${test.loss.toFixed(4)} | test ppl ${ppl(test.loss).toFixed(2)}`,
      );
      logs.tb.addScalars({ 'ppl/test': ppl(test.loss) }, c.epochs);
    } else log('| end of training | no finite validation loss: no best model, no test perplexity');
    const end = endEvent('completed', test);
    logs.event(end);
    yield end;
  } catch (err) {
    yield recordRunError(runDir, err, { epoch: run.epoch, step: run.step, globalStep: run.globalStep }, logs);
    throw err;
  } finally {
    logs.close();
    dispose();
  }
}
