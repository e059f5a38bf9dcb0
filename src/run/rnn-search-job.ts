/**
 * `sdarts rnn search`: the SDARTS / DARTS recurrent-cell search on Penn Treebank (docs/reference-notes.md
 * R3.4–R3.6, R3.8) as a search job on the shared loop (src/run/search-run.ts): PTB batchified at the batch size
 * (training stream for w, the validation split at the same batch size for α, at the eval batch size for the
 * end-of-epoch pass), chunk lengths 35 or 17 from sdarts' seeded generator, the hidden states carried across
 * steps (and checkpointed), a constant learning rate scaled by seqLen/bptt each step, Adam (3e-3, betas
 * (0.9, 0.999), wd 1e-3) on α, perplexities in the events, log and TensorBoard. As the CLI:
 *
 *   for await (const ev of runRnnSearch({ perturb: 'random', epochs: 2 })) { … }
 */
import { join } from 'node:path';
import { setNumThreads, type Tensor } from '../tensor/index.js';
import { RnnSearchModel } from '../space/rnn/index.js';
import { formatRnnGenotype, rnnGenotypeToJSON, type RnnGenotypeJSON } from '../space/genotype/index.js';
import type { LoopEpochEvent, SearchData } from '../search/search-loop.js';
import { rnnSearchTask, type RnnEvalBatch, type RnnLoopBatch } from '../search/rnn-search-task.js';
import { resolvePtbCorpus } from '../data/embedded.js';
import type { PtbCorpus } from '../data/ptb.js';
import { batchify } from '../data/ptb-batches.js';
import { PtbChunkStream, expectedStepsPerEpoch, type PtbChunkStreamState } from '../data/ptb-chunks.js';
import { evalChunkCount, evalChunks } from '../data/ptb-eval.js';
import { searchSeqLen } from '../data/seq-len.js';
import { Rng, checkRngState, type RngState } from '../data/rng.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SdartsError } from '../util/errors.js';
import { ConfigError, checkDevice, runJob, type JobConfig, type JobRunOptions } from './config.js';
import { RNN_SEARCH_COMMAND } from './commands.js';
import { runSearchJob, type EngineEvent, type SearchJobConfig } from './search-run.js';

export type RnnSearchConfig = JobConfig<typeof RNN_SEARCH_COMMAND>;

/** Engine events; epoch and end events carry the recurrent genotype under `genotype` / `genotypeJSON`, epochs the perplexities. */
export type RnnSearchEvent = EngineEvent & { genotype?: string; genotypeJSON?: RnnGenotypeJSON; trainPpl?: number; validPpl?: number };

/** The first `limit` tokens of each split (0: all). */
function limited(corpus: PtbCorpus, limit: number): PtbCorpus {
  if (limit <= 0) return corpus;
  return { ...corpus, train: corpus.train.subarray(0, limit), valid: corpus.valid.subarray(0, limit), test: corpus.test.subarray(0, limit) };
}

/** The model-size and data checks of the recurrent commands, before a run directory is made. */
export function checkRnnSizes(
  c: { emsize: number; nhid: number; nhidlast: number; batchSize: number; evalBatchSize: number },
  corpus: PtbCorpus,
  splits: readonly ('train' | 'valid' | 'test')[],
): void {
  const problems: string[] = [];
  if (c.emsize !== c.nhid || c.nhid !== c.nhidlast)
    problems.push(
      `--emsize ${c.emsize}, --nhid ${c.nhid} and --nhidlast ${c.nhidlast} must be equal (the DARTS recurrent cell has one layer with tied weights)`,
    );
  for (const split of splits) {
    const b = split === 'train' ? c.batchSize : c.evalBatchSize;
    const rows = Math.floor(corpus[split].length / b);
    if (rows < 3)
      problems.push(
        `the ${split} split has ${corpus[split].length} tokens: at batch size ${b} that is ${rows} rows, and a pass needs at least 3 (use a smaller batch size or more tokens)`,
      );
  }
  if (splits.includes('train') && Math.floor(corpus.valid.length / c.batchSize) < 2)
    problems.push(`the valid split has ${corpus.valid.length} tokens: too few for the architecture's stream at --batch-size ${c.batchSize}`);
  if (problems.length) throw new ConfigError(problems);
}

interface RnnDataState {
  kind: 'rnn-search-data';
  rng: RngState;
  /** The epoch's stream when a checkpoint falls inside it; null at an epoch boundary. */
  stream: PtbChunkStreamState | null;
}

/** The search's PTB streams as the loop's data: a resumable chunk stream per epoch over one seeded generator. */
function rnnSearchData(corpus: PtbCorpus, c: RnnSearchConfig) {
  const train = batchify(corpus.train, c.batchSize, c.device);
  const searchValid = batchify(corpus.valid, c.batchSize, c.device);
  const valid = batchify(corpus.valid, c.evalBatchSize, c.device);
  const sampler = searchSeqLen(c.bptt);
  const rng = new Rng(c.seed);
  let pending: PtbChunkStreamState | null = null;
  let current: PtbChunkStream | null = null;
  const loop: SearchData<RnnLoopBatch, RnnEvalBatch> = {
    *epochBatches() {
      const stream = new PtbChunkStream(train, { sampler, rng, valid: searchValid });
      if (pending) stream.setState(pending);
      pending = null;
      current = stream;
      for (const ch of stream) {
        yield {
          get xTrain() {
            return ch.x;
          },
          get yTrain() {
            return ch.y;
          },
          get xValid() {
            return ch.xValid;
          },
          get yValid() {
            return ch.yValid;
          },
          seqLen: ch.seqLen,
          first: ch.batch === 0,
          size: ch.length * c.batchSize,
          dispose: () => ch.dispose(),
        };
      }
      current = null;
    },
    *validPass() {
      let k = 0;
      for (const ch of evalChunks(valid, c.bptt)) {
        yield {
          get x() {
            return ch.x;
          },
          get y() {
            return ch.y;
          },
          first: k++ === 0,
          size: ch.length * c.evalBatchSize,
          dispose: () => ch.dispose(),
        };
      }
    },
    validBatches: () => evalChunkCount(valid.size(0), c.bptt),
  };
  return {
    loop,
    stepsPerEpoch: Math.round(expectedStepsPerEpoch(train.size(0), sampler)),
    getState: (): RnnDataState => {
      const s = current as PtbChunkStream | null;
      return { kind: 'rnn-search-data', rng: rng.getState(), stream: s && !s.done ? s.getState() : null };
    },
    setState: (raw: unknown) => {
      const s = raw as RnnDataState;
      if (s === null || typeof s !== 'object' || s.kind !== 'rnn-search-data')
        throw new SdartsError(
          'ERR_SDARTS_CHECKPOINT_CONTENTS',
          "the checkpoint's data state is not an `rnn search` data state: the run directory is damaged or of another command",
        );
      checkRngState('rnn search data', s.rng, 'loader.rng');
      rng.setState(s.rng);
      pending = s.stream;
    },
    dispose: () => {
      for (const t of [train, searchValid, valid] as Tensor[]) t.dispose();
    },
  };
}

export function runRnnSearch(raw: Partial<RnnSearchConfig>, opts: JobRunOptions = {}): AsyncGenerator<RnnSearchEvent> {
  let loaded: PtbCorpus | undefined;
  return runJob(
    RNN_SEARCH_COMMAND,
    raw,
    (c) => `rnn-search-${c.perturb}-seed${c.seed}`,
    // Everything that can be checked is, before the run directory is made: flags, sizes, device, data.
    (c) => {
      checkDevice(c.device);
      loaded = limited(resolvePtbCorpus(c.data), c.limitTokens);
      checkRnnSizes(c, loaded, ['train', 'valid']);
    },
    ({ config: c, runDir, resumed }) => rnnSearchEvents(c, runDir, resumed, loaded!, opts),
  );
}

async function* rnnSearchEvents(c: RnnSearchConfig, runDir: string, resumed: boolean, corpus: PtbCorpus, opts: JobRunOptions): AsyncGenerator<RnnSearchEvent> {
  if (c.threads > 0) setNumThreads(c.threads);
  const loopConfig: SearchJobConfig = {
    learningRate: c.lr,
    learningRateMin: c.lr,
    lrSchedule: 'constant',
    momentum: 0,
    weightDecay: c.wdecay,
    epochs: c.epochs,
    cutout: false,
    cutoutProb: 0,
    gradClip: c.clip,
    unrolled: c.unrolled,
    archLearningRate: c.archLr,
    archWeightDecay: c.archWdecay,
    archBetas: [0.9, 0.999],
    perturb: c.perturb,
    epsilonAlpha: c.epsilonAlpha,
    pgdSteps: c.pgdSteps,
    pgdRandomStart: c.pgdRandomStart,
    analyzeEvery: c.analyzeEvery,
    device: c.device,
    seed: c.seed,
    checkpointEvery: c.checkpointEvery,
    reportFreq: c.reportFreq,
  };
  let data: ReturnType<typeof rnnSearchData> | null = null;
  const ppl = (loss: number): number => Math.exp(loss);
  const engine = runSearchJob<RnnSearchModel, RnnLoopBatch, RnnEvalBatch>(
    {
      kind: RNN_SEARCH_COMMAND.runKind,
      label: 'genotype',
      runDir,
      resumed,
      config: loopConfig,
      warmStartEpochs: 0,
      echo: opts.echo,
      header: `rnn search ${c.data ?? 'embedded KJV corpus'} (${corpus.vocab.length} words) perturb=${c.perturb}${c.unrolled ? ' (2nd order)' : ''} seed=${c.seed}`,
      buildModel: () =>
        new RnnSearchModel({
          ntoken: corpus.vocab.length,
          ninp: c.emsize,
          nhid: c.nhid,
          nhidlast: c.nhidlast,
          dropout: c.dropout,
          dropouth: c.dropouth,
          dropoutx: c.dropoutx,
          dropouti: c.dropouti,
          dropoute: c.dropoute,
          device: c.device,
        }),
      task: (m) => rnnSearchTask(m, { batchSize: c.batchSize, evalBatchSize: c.evalBatchSize, bptt: c.bptt, arAlpha: c.alpha, tarBeta: c.beta }),
      data: () => (data = rnnSearchData(corpus, c)),
      architecture: (m) => {
        const g = m.genotype();
        return { summary: formatRnnGenotype(g), json: rnnGenotypeToJSON(g), alphas: [m.archParameters()[0]!.toRows()] };
      },
      stepLine: (step, m) =>
        `train ${String(step).padStart(3, '0')} loss ${m.loss.avg.toExponential(6)} ppl ${ppl(m.loss.avg).toFixed(2)} top1 ${m.top1.avg.toFixed(4)}`,
      epochSummary: (ev: LoopEpochEvent) => ({
        scalars: {
          'ppl/train': ppl(ev.trainLoss),
          'ppl/valid': ppl(ev.validLoss),
          'Obj/train': ev.trainLoss,
          'Obj/valid': ev.validLoss,
          'Acc/valid': ev.validAcc,
        },
        log: [
          `train_loss ${ev.trainLoss.toExponential(6)} train_ppl ${ppl(ev.trainLoss).toFixed(2)}`,
          `valid_loss ${ev.validLoss.toExponential(6)} valid_ppl ${ppl(ev.validLoss).toFixed(2)} valid_top1 ${ev.validAcc.toFixed(4)}`,
        ],
        fields: { trainPpl: ppl(ev.trainLoss), validPpl: ppl(ev.validLoss) },
      }),
      saveEpochs: (epochs, last) => {
        const latest = epochs[epochs.length - 1]!;
        writeFileAtomic(
          join(runDir, 'genotype.json'),
          JSON.stringify(
            {
              kind: 'rnn',
              final: last ? latest.architecture : null,
              latest: latest.architecture,
              epochs: epochs.map((e) => ({ epoch: e.epoch, genotype: e.architecture, validPpl: e['validPpl'] })),
            },
            null,
            1,
          ) + '\n',
        );
        writeFileAtomic(
          join(runDir, 'alphas.json'),
          JSON.stringify({ kind: 'rnn', epochs: epochs.map((e) => ({ epoch: e.epoch, alphas: { recurrent: e.alphas[0] } })) }) + '\n',
        );
      },
    },
    opts.signal,
  );
  try {
    for await (const ev of engine) {
      if (ev.type === 'epoch') yield { ...ev, genotype: ev.architecture, genotypeJSON: ev['architectureJSON'] as RnnGenotypeJSON };
      else if (ev.type === 'end') yield { ...ev, genotype: ev.architecture, genotypeJSON: ev.architectureJSON as RnnGenotypeJSON };
      else yield ev;
    }
  } finally {
    (data as ReturnType<typeof rnnSearchData> | null)?.dispose();
  }
}
