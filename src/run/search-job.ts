/**
 * `sdarts search`: the SDARTS / DARTS CNN cell search (spec §1, §2.6) on S1–S5, as an async iterable of
 * events. The CLI is a thin shell over `runSearch`; notebooks and scripted ablations call it directly:
 *
 *   for await (const ev of runSearch({ space: 's3', perturb: 'random', epochs: 2 }, { signal })) { … }
 */
import { join } from 'node:path';
import { F, setNumThreads, type Device } from '../tensor/index.js';
import { SearchNetwork } from '../space/search-network.js';
import { formatGenotype, genotypeToJSON, type GenotypeJSON } from '../space/genotype.js';
import { ANALYSIS_DIAGONAL, largestHessianEigenvalue } from '../search/hessian.js';
import type { PerturbationName } from '../search/perturbation.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { validateConfig } from './config.js';
import { DEVICE_OPTIONS, RUN_OPTIONS, SEARCH_OPTIONS } from './options.js';
import { createRunDir, readRunConfig, writeRunConfig } from './run-dir.js';
import { loadImageDataset, type SearchDatasetName } from './datasets.js';
import { checkEngineConfig, runEngine, tensorRows, type EngineEvent } from './search-engine.js';

export interface SearchConfig {
  space: 's1' | 's2' | 's3' | 's4' | 's5';
  dataset: SearchDatasetName;
  data: string | null;
  batchSize: number;
  learningRate: number;
  learningRateMin: number;
  momentum: number;
  weightDecay: number;
  epochs: number;
  initChannels: number;
  layers: number;
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
  limitTrain: number;
  device: Device;
  threads: number;
  seed: number;
  save: string | null;
  resume: string | null;
  checkpointEvery: number;
  reportFreq: number;
  json: boolean;
  batchOrder: 'sdarts' | 'reference';
}

export const SEARCH_CONFIG_OPTIONS = [...SEARCH_OPTIONS, ...DEVICE_OPTIONS, ...RUN_OPTIONS];

/** Engine events, with the CNN genotype under `genotype`/`genotypeJSON` on epoch and end events. */
export type SearchEvent = EngineEvent & { genotype?: string; genotypeJSON?: GenotypeJSON };

export function resolveSearchConfig(raw: Partial<SearchConfig>): { config: SearchConfig; runDir: string; resumed: boolean } {
  if (raw.resume) {
    const saved = readRunConfig<SearchConfig>(raw.resume, 'search');
    const config = validateConfig<SearchConfig>(SEARCH_CONFIG_OPTIONS, { ...saved, resume: raw.resume, json: raw.json ?? saved.json });
    return { config, runDir: raw.resume, resumed: true };
  }
  const config = validateConfig<SearchConfig>(SEARCH_CONFIG_OPTIONS, raw as Record<string, unknown>);
  checkEngineConfig(config);
  const runDir = createRunDir(`search-${config.space}-${config.perturb}-seed${config.seed}`, config.save);
  writeRunConfig(runDir, 'search', { ...config, save: runDir });
  return { config, runDir, resumed: false };
}

export async function* runSearch(raw: Partial<SearchConfig>, opts: { signal?: AbortSignal; echo?: (line: string) => void } = {}): AsyncGenerator<SearchEvent> {
  const { config: c, runDir, resumed } = resolveSearchConfig(raw);
  if (c.threads > 0) setNumThreads(c.threads);
  const train = loadImageDataset(c.dataset, c.data, 'train', c.limitTrain);
  const engine = runEngine<SearchNetwork>(
    {
      kind: 'search',
      label: 'genotype',
      runDir,
      resumed,
      config: c,
      data: train,
      validMode: 'fresh',
      warmStartEpochs: 0,
      echo: opts.echo,
      header: `search ${c.space} ${c.dataset} perturb=${c.perturb}${c.unrolled ? ' (2nd order)' : ''} seed=${c.seed}`,
      buildModel: () =>
        new SearchNetwork({ space: c.space, C: c.initChannels, numClasses: train.classes, layers: c.layers, inChannels: train.channels, device: c.device }),
      architecture: (m) => {
        const g = m.genotype();
        return { summary: formatGenotype(g), json: genotypeToJSON(g), alphas: [tensorRows(m.alphas.normal), tensorRows(m.alphas.reduce)] };
      },
      analyze: (m, b) => {
        // λ_max of ∇²_α L_valid + 1e-3·I (the reference's Analyzer adds the α weight decay's diagonal).
        const r = largestHessianEigenvalue(() => F.crossEntropy(m.forward(b.x), b.y), m.archParameters(), { diagonal: ANALYSIS_DIAGONAL });
        return {
          method: 'lanczos',
          eigenvalue: r.eigenvalue,
          diagonal: r.diagonal,
          n: r.n,
          iterations: r.iterations,
          residual: r.residual,
          converged: r.converged,
        };
      },
      saveEpochs: (epochs, last) => {
        const latest = epochs[epochs.length - 1]!;
        writeFileAtomic(
          join(runDir, 'genotype.json'),
          JSON.stringify(
            {
              final: last ? latest.architecture : null,
              latest: latest.architecture,
              epochs: epochs.map((e) => ({ epoch: e.epoch, genotype: e.architecture })),
            },
            null,
            1,
          ) + '\n',
        );
        writeFileAtomic(
          join(runDir, 'alphas.json'),
          JSON.stringify({ space: c.space, epochs: epochs.map((e) => ({ epoch: e.epoch, alphas: { normal: e.alphas[0], reduce: e.alphas[1] } })) }) + '\n',
        );
      },
    },
    opts.signal,
  );
  for await (const ev of engine) {
    if (ev.type === 'epoch') yield { ...ev, genotype: ev.architecture, genotypeJSON: ev['architectureJSON'] as GenotypeJSON };
    else if (ev.type === 'end') yield { ...ev, genotype: ev.architecture, genotypeJSON: ev.architectureJSON as GenotypeJSON };
    else yield ev;
  }
}
