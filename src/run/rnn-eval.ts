/**
 * Evaluating a recurrent language model (docs/reference-notes.md R3.7, R3.8): the corpus a run reads (its
 * splits cut to --limit-tokens and batchified), the perplexity pass over a split, the best model of an
 * `rnn train` run (best.safetensors, written atomically with checksums) and `sdarts rnn test`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { keep, noGrad, tidy, type Device, type NamedTensors, type Tensor } from '../tensor/index.js';
import { RnnModel } from '../space/rnn/index.js';
import { rnnGenotypeFromJSON, type RnnGenotype, type RnnGenotypeJSON } from '../space/genotype/index.js';
import { resolvePtbCorpus } from '../data/embedded.js';
import { batchify } from '../data/ptb-batches.js';
import { evalChunks } from '../data/ptb-eval.js';
import { SdartsError } from '../util/errors.js';
import { ConfigError } from './config.js';
import { RNN_TRAIN_COMMAND, type CommandConfig } from './commands.js';
import { readRunConfig } from './run-dir.js';
import {
  checkCheckpointContents,
  loadCheckpoint,
  type Checkpoint,
  modelFromCheckpoint,
  modelTensorShapes,
  modelToCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';

type RnnTrainSettings = CommandConfig<'rnn train'>;

/** The best model of a run, beside its checkpoint. */
export const BEST_FILE = 'best.safetensors';
const BEST_KIND = 'rnn-train-best';

/** The splits of the corpus a run reads, as token ids (cut to `limitTokens` when > 0). */
export interface RnnCorpus {
  ntoken: number;
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

export function loadRnnCorpus(data: string | null, limitTokens: number): RnnCorpus {
  const corpus = resolvePtbCorpus(data);
  const cut = (a: Int32Array): Int32Array => (limitTokens > 0 ? a.subarray(0, limitTokens) : a);
  return { ntoken: corpus.vocab.length, train: cut(corpus.train), valid: cut(corpus.valid), test: cut(corpus.test) };
}

type BatchSizes = Pick<RnnTrainSettings, 'batchSize' | 'evalBatchSize' | 'testBatchSize'>;
const SPLIT_NEEDS = [
  // split, its batch-size flag and key, the rows per column it needs (train: one step; valid, test: one chunk)
  ['train', '--batch-size', 'batchSize', 3],
  ['valid', '--eval-batch-size', 'evalBatchSize', 2],
  ['test', '--test-batch-size', 'testBatchSize', 2],
] as const;

/** The splits batchify into enough rows at their batch sizes (only the splits of `sizes` are checked). */
export function checkRnnBatches(corpus: RnnCorpus, sizes: Partial<BatchSizes>): void {
  const problems: string[] = [];
  for (const [split, flag, key, min] of SPLIT_NEEDS) {
    const bsz = sizes[key];
    if (bsz === undefined) continue;
    const n = corpus[split].length;
    const rows = Math.floor(n / bsz);
    if (rows < min)
      problems.push(
        `${flag} ${bsz} cuts the ${n}-token ${split} split into ${rows} row${rows === 1 ? '' : 's'} per column, fewer than the ${min} it needs: lower ${flag}, or raise --limit-tokens`,
      );
  }
  if (problems.length) throw new ConfigError(problems);
}

/** The evaluation model of a run's settings (drawn from LibTorch's generator in the reference's order). */
export function rnnModelFor(c: RnnTrainSettings, ntoken: number, genotype: RnnGenotype, device: Device): RnnModel {
  const { emsize: ninp, nhid, nhidlast, dropout, dropouth, dropoutx, dropouti, dropoute } = c;
  return new RnnModel({ ntoken, ninp, nhid, nhidlast, dropout, dropouth, dropoutx, dropouti, dropoute, genotype, device });
}

/** The batchified splits of a training run (on `device`; `dispose()` frees them). */
export interface RnnData {
  ntoken: number;
  train: Tensor;
  valid: Tensor;
  test: Tensor;
  dispose(): void;
}

export function batchifyRnnData(corpus: RnnCorpus, c: BatchSizes, device: Device): RnnData {
  checkRnnBatches(corpus, c);
  const train = batchify(corpus.train, c.batchSize, device);
  const valid = batchify(corpus.valid, c.evalBatchSize, device);
  const test = batchify(corpus.test, c.testBatchSize, device);
  return {
    ntoken: corpus.ntoken,
    train,
    valid,
    test,
    dispose: () => [train, valid, test].forEach((t) => t.dispose()),
  };
}

/**
 * The mean NLL over the targets of one pass over a batchified split (eval mode, chunks of `bptt` rows, the
 * hidden state carried from chunk to chunk from zeros): Σ L·B·NLL / Σ L·B — the reference divides by the
 * split's rows instead (docs/decisions.md). Perplexity = exp(loss).
 */
export function evaluateRnnModel(model: RnnModel, source: Tensor, bptt: number): { loss: number; targets: number } {
  const was = model.training;
  model.eval();
  const B = source.size(1);
  let hidden = keep(noGrad(() => model.initHidden(B)));
  let total = 0,
    targets = 0;
  try {
    for (const chunk of evalChunks(source, bptt)) {
      const r = tidy(() =>
        noGrad(() => {
          const out = model.loss(hidden, chunk.x, chunk.y);
          return { loss: out.loss.item(), next: keep(out.hidden) };
        }),
      );
      chunk.dispose();
      hidden.dispose();
      hidden = r.next;
      total += r.loss * chunk.length * B;
      targets += chunk.length * B;
    }
  } finally {
    hidden.dispose();
    model.train(was);
  }
  return { loss: total / targets, targets };
}

/** Every parameter is finite (no NaN, no ±Inf). */
export function paramsFinite(params: readonly Tensor[]): boolean {
  return tidy(() => noGrad(() => params.every((p) => p.isfinite().all().item() === 1)));
}

/** What best.safetensors records besides the weights. */
export interface BestModelInfo {
  /** The epoch (0-based) whose validation chose it. */
  epoch: number;
  validLoss: number;
  /** 'asgd': the weights are ASGD's averages (validated with them, as the reference saves them). */
  optimizer: 'sgd' | 'asgd';
  genotype: RnnGenotypeJSON;
}

export function saveBestModel(runDir: string, model: RnnModel, info: BestModelInfo): void {
  const T: NamedTensors = {};
  modelToCheckpoint(model, T);
  saveCheckpoint(runDir, BEST_KIND, T, info, BEST_FILE);
}

/** best.safetensors, its checksums and kind verified (the caller disposes the tensors). */
function readBest(runDir: string, device: Device): Checkpoint<BestModelInfo> & { path: string } {
  if (!existsSync(join(runDir, BEST_FILE)))
    throw new SdartsError(
      'ERR_SDARTS_RUN_NOT_FOUND',
      `${runDir} has no ${BEST_FILE}: the run has not finished an epoch with a finite validation loss yet. Let \`sdarts rnn train\` run (or --resume it) for at least one epoch.`,
    );
  return loadCheckpoint<BestModelInfo>(runDir, BEST_KIND, device, BEST_FILE);
}

/** Copy a read best.safetensors into `model` (tensor names and shapes checked first). */
function applyBest(ck: Checkpoint<BestModelInfo> & { path: string }, model: RnnModel): BestModelInfo {
  checkCheckpointContents(ck.path, ck.tensors, ck.state, { tensors: modelTensorShapes(model), fields: ['epoch', 'validLoss', 'optimizer', 'genotype'] });
  modelFromCheckpoint(model, ck.tensors);
  return ck.state;
}

/** Load a run's best.safetensors into `model`; returns its record. */
export function loadBestModel(runDir: string, model: RnnModel, device: Device): BestModelInfo {
  const ck = readBest(runDir, device);
  try {
    return applyBest(ck, model);
  } finally {
    for (const t of Object.values(ck.tensors)) t.dispose();
  }
}

export interface RnnTestResult {
  loss: number;
  ppl: number;
  /** Targets predicted (rows − 1 per column × batch size). */
  targets: number;
  batchSize: number;
  /** The epoch of the best model, its validation loss and perplexity. */
  epoch: number;
  validLoss: number;
  validPpl: number;
}

/**
 * `sdarts rnn test`: the test perplexity of an `rnn train` run's best model, at batch size `batchSize`
 * (default 1, the reference's), on the run's corpus (or `data`) cut as the run's.
 */
export function testRnnCheckpoint(runDir: string, o: { data?: string | null; device?: Device; batchSize?: number } = {}): RnnTestResult {
  const c = readRunConfig<RnnTrainSettings>(runDir, RNN_TRAIN_COMMAND.runKind);
  const device = o.device ?? c.device;
  const batchSize = o.batchSize ?? 1;
  const corpus = loadRnnCorpus(o.data !== undefined ? o.data : c.data, c.limitTokens);
  checkRnnBatches(corpus, { testBatchSize: batchSize });
  const ck = readBest(runDir, device);
  let model: RnnModel | null = null;
  let test: Tensor | null = null;
  try {
    const genotype = rnnGenotypeFromJSON(ck.state.genotype, `${ck.path} genotype`);
    model = rnnModelFor(c, corpus.ntoken, genotype, device);
    const info = applyBest(ck, model);
    test = batchify(corpus.test, batchSize, device);
    const r = evaluateRnnModel(model, test, c.bptt);
    return {
      loss: r.loss,
      ppl: Math.exp(r.loss),
      targets: r.targets,
      batchSize,
      epoch: info.epoch,
      validLoss: info.validLoss,
      validPpl: Math.exp(info.validLoss),
    };
  } finally {
    for (const t of Object.values(ck.tensors)) t.dispose();
    test?.dispose();
    model?.dispose();
  }
}
