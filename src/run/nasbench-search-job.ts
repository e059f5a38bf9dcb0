/**
 * `sdarts nasbench search`: NAS-Bench-1Shot1 one-shot search in spaces 1–3 (docs/reference-notes.md R4.3) on the shared
 * engine (cycling validation iterator, warm start), scored every epoch AFTER training (the reference
 * queries the architecture from before the epoch — a one-epoch lag we fix) against NAS-Bench-101 read
 * straight from its tfrecord: mean test/valid error, runtime and params over the 3 repeats at 108
 * epochs, regret against the space's best, and the dominant Hessian eigenvalue (exact, with the
 * reference's 1e-3 diagonal term).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SdartsError } from '../util/errors.js';
import { setNumThreads } from '../tensor/index.js';
import { OneShotNetwork, oneShotAlphas } from '../space/oneshot/index.js';
import { oneShotEigenvalue } from '../search/oneshot-eigenvalue.js';
import { ANALYSIS_DIAGONAL } from '../search/hessian.js';
import { NasBench } from '../benchmark/nasbench.js';
import { oneShotToSpec, type OneShotAlphas } from '../benchmark/one-shot-conversion.js';
import { ONE_SHOT_PRIMITIVES, type SearchSpaceId } from '../benchmark/one-shot-spaces.js';
import { scoreOneShotSpec, type OneShotScore } from '../benchmark/one-shot-eval.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { checkDevice, runJob, type JobConfig, type JobRunOptions } from './config.js';
import { NASBENCH_SEARCH_COMMAND } from './commands.js';
import { readRunConfig } from './run-dir.js';
import { loadImageDataset } from './datasets.js';
import { checkEngineConfig, runEngine, type EngineEvent } from './image-search-run.js';

export type NasbenchSearchConfig = JobConfig<typeof NASBENCH_SEARCH_COMMAND>;

/** A NAS-Bench-101 score, or why there is none. */
export type EpochScore = { status: 'scored'; score: OneShotScore } | { status: 'not-in-benchmark'; hash: string } | { status: 'scoring-off' };

export function scoreAlphas(nb: NasBench | null, space: `${SearchSpaceId}`, alphas: OneShotAlphas): EpochScore {
  if (!nb) return { status: 'scoring-off' };
  const arch = oneShotToSpec(space, alphas);
  const found = nb.lookup({ hash: arch.hash });
  if (found.status !== 'found') return { status: 'not-in-benchmark', hash: arch.hash };
  return { status: 'scored', score: scoreOneShotSpec(nb, space, arch.spec) };
}

export function scoreLine(s: EpochScore): string {
  if (s.status === 'scoring-off') return 'NAS-Bench-101 scoring is off (no --nasbench file)';
  if (s.status === 'not-in-benchmark') return `architecture ${s.hash} is not in the benchmark file`;
  const m = s.score.means;
  return `TEST ERROR: ${m.test.toFixed(3)} | VALID ERROR: ${m.valid.toFixed(3)} | RUNTIME: ${m.runtime} | PARAMS: ${Math.round(m.params)} | TEST REGRET: ${s.score.regret.test.toFixed(4)} | VALID REGRET: ${s.score.regret.valid.toFixed(4)}`;
}

function toAlphas(rows: number[][][]): OneShotAlphas {
  return { alphasMixedOp: rows[0]!, alphasOutput: rows[1]!, alphasInputs: rows.slice(2) };
}

export function runNasbenchSearch(raw: Partial<NasbenchSearchConfig>, opts: JobRunOptions = {}): AsyncGenerator<EngineEvent> {
  let nbOpened: NasBench | null | undefined;
  let loaded: ImageDataset | undefined;
  return runJob(
    NASBENCH_SEARCH_COMMAND,
    raw,
    (c) => `nasbench-search-space${c.space}-${c.perturb}-seed${c.seed}`,
    (c) => {
      // Everything that can be checked is, before the run directory is made: flags, device, benchmark, data.
      checkEngineConfig(c);
      checkDevice(c.device);
      // Open (and index) the benchmark first: a bad file fails before any training.
      nbOpened = c.nasbench ? NasBench.open(c.nasbench, c.cacheDir ? { cacheDir: c.cacheDir } : {}) : null;
      loaded = loadImageDataset(c.dataset, c.data, 'train', c.limitTrain);
    },
    ({ config: c, runDir, resumed }) => nasbenchSearchEvents(c, runDir, resumed, nbOpened ?? null, loaded!, opts),
  );
}

function nasbenchSearchEvents(
  c: NasbenchSearchConfig,
  runDir: string,
  resumed: boolean,
  nb: NasBench | null,
  train: ImageDataset,
  opts: JobRunOptions,
): AsyncGenerator<EngineEvent> {
  if (c.threads > 0) setNumThreads(c.threads);
  const space = c.space;
  return runEngine<OneShotNetwork>(
    {
      kind: NASBENCH_SEARCH_COMMAND.runKind,
      label: 'architecture',
      runDir,
      resumed,
      config: c,
      data: train,
      validMode: 'cycling',
      warmStartEpochs: c.warmStartEpochs,
      echo: opts.echo,
      header: `nasbench search space ${space} ${c.dataset} perturb=${c.perturb}${c.unrolled ? ' (2nd order)' : ''} seed=${c.seed}${nb ? '' : ' — no --nasbench file: scoring is off'}`,
      buildModel: () =>
        new OneShotNetwork({
          space: Number(space) as SearchSpaceId,
          C: c.initChannels,
          numClasses: train.classes,
          layers: c.layers,
          inChannels: train.channels,
          device: c.device,
          kernels: c.kernels,
        }),
      architecture: (m) => {
        const a = oneShotAlphas(m);
        const arch = oneShotToSpec(space, a);
        return {
          summary: `ops=[${arch.chosenOps.map((k) => ONE_SHOT_PRIMITIVES[k]).join(', ')}] parents=${JSON.stringify(arch.parents)} hash=${arch.hash}`,
          json: { hash: arch.hash, spec: { matrix: arch.spec.matrix, ops: arch.spec.ops }, matrix: arch.matrix, ops: arch.ops },
          alphas: [a.alphasMixedOp, a.alphasOutput, ...a.alphasInputs],
        };
      },
      analyze: (m, b) => ({
        method: 'exact',
        eigenvalue: oneShotEigenvalue(m, b.x, b.y, ANALYSIS_DIAGONAL),
        diagonal: ANALYSIS_DIAGONAL,
        n: m.archParameters().reduce((s, a) => s + a.numel, 0),
        converged: true,
      }),
      score: (arch) => {
        const s = scoreAlphas(nb, space, toAlphas(arch.alphas));
        const scalars: Record<string, number> =
          s.status === 'scored'
            ? {
                'Analysis/test': s.score.means.test,
                'Analysis/valid': s.score.means.valid,
                'Analysis/runtime': s.score.means.runtime,
                'Analysis/params': s.score.means.params,
                'Analysis/test_regret': s.score.regret.test,
                'Analysis/valid_regret': s.score.regret.valid,
              }
            : {};
        const fields =
          s.status === 'scored'
            ? {
                benchmark: 'scored',
                testError: s.score.means.test,
                validError: s.score.means.valid,
                runtime: s.score.means.runtime,
                benchmarkParams: s.score.means.params,
                testRegret: s.score.regret.test,
                validRegret: s.score.regret.valid,
              }
            : { benchmark: s.status };
        return { fields, scalars, log: [scoreLine(s)] };
      },
      saveEpochs: (epochs) => {
        writeFileAtomic(
          join(runDir, 'architectures.json'),
          JSON.stringify(
            {
              space: Number(space),
              epochs: epochs.map((e) => ({
                epoch: e.epoch,
                alphas: toAlphas(e.alphas),
                architecture: e.architecture,
                benchmark: e['benchmark'],
                testError: e['testError'],
                validError: e['validError'],
                eigenvalue: e.eigenvalue,
              })),
            },
            null,
            1,
          ) + '\n',
        );
      },
    },
    opts.signal,
  );
}

/** `sdarts nasbench score RUN_DIR --nasbench FILE`: re-score every saved epoch of a finished run. */
export function scoreRun(runDir: string, nasbench: string, cacheDir?: string): { space: number; epochs: { epoch: number; hash: string; score: EpochScore }[] } {
  const c = readRunConfig<NasbenchSearchConfig>(runDir, NASBENCH_SEARCH_COMMAND.runKind);
  const doc = readArchitectures(runDir);
  const nb = NasBench.open(nasbench, cacheDir ? { cacheDir } : {});
  return {
    space: Number(c.space),
    epochs: doc.epochs.map((e) => {
      const s = scoreAlphas(nb, c.space, e.alphas);
      return { epoch: e.epoch, hash: oneShotToSpec(c.space, e.alphas).hash, score: s };
    }),
  };
}

function readArchitectures(runDir: string): { epochs: { epoch: number; alphas: OneShotAlphas }[] } {
  const path = join(runDir, 'architectures.json');
  if (!existsSync(path)) throw new SdartsError('ERR_SDARTS_RUN_NOT_FOUND', `${runDir} has no architectures.json: no epoch of this run has finished yet.`);
  return JSON.parse(readFileSync(path, 'utf8'));
}
