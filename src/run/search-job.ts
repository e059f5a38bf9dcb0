/**
 * `sdarts search`: the SDARTS / DARTS CNN cell search (docs/reference-notes.md R1, R2.6) on S1–S5, as an async iterable of
 * events. The CLI is a thin shell over `runSearch`; notebooks and scripted ablations call it directly:
 *
 *   for await (const ev of runSearch({ space: 's3', perturb: 'random', epochs: 2 }, { signal })) { … }
 */
import { join } from 'node:path';
import { F, setNumThreads } from '../tensor/index.js';
import { SearchNetwork } from '../space/search-network.js';
import { formatGenotype, genotypeToJSON, type GenotypeJSON } from '../space/genotype/index.js';
import { lanczosAnalysis } from '../search/hessian.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { checkDevice, runJob, type JobConfig, type JobRunOptions } from './config.js';
import { SEARCH_COMMAND } from './commands.js';
import { loadImageDataset } from './datasets.js';
import { checkEngineConfig, runEngine, type EngineEvent } from './image-search-run.js';

export type SearchConfig = JobConfig<typeof SEARCH_COMMAND>;

/** Engine events, with the CNN genotype under `genotype`/`genotypeJSON` on epoch and end events. */
export type SearchEvent = EngineEvent & { genotype?: string; genotypeJSON?: GenotypeJSON };

export function runSearch(raw: Partial<SearchConfig>, opts: JobRunOptions = {}): AsyncGenerator<SearchEvent> {
  let loaded: ImageDataset | undefined;
  return runJob(
    SEARCH_COMMAND,
    raw,
    (c) => `search-${c.space}-${c.perturb}-seed${c.seed}`,
    // Everything that can be checked is, before the run directory is made: flags, device, data.
    (c) => {
      checkEngineConfig(c);
      checkDevice(c.device);
      loaded = loadImageDataset(c.dataset, c.data, 'train', c.limitTrain);
    },
    ({ config: c, runDir, resumed }) => searchEvents(c, runDir, resumed, loaded!, opts),
  );
}

async function* searchEvents(c: SearchConfig, runDir: string, resumed: boolean, train: ImageDataset, opts: JobRunOptions): AsyncGenerator<SearchEvent> {
  if (c.threads > 0) setNumThreads(c.threads);
  const engine = runEngine<SearchNetwork>(
    {
      kind: SEARCH_COMMAND.runKind,
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
        new SearchNetwork({
          space: c.space,
          C: c.initChannels,
          numClasses: train.classes,
          layers: c.layers,
          inChannels: train.channels,
          device: c.device,
          kernels: c.kernels,
        }),
      architecture: (m) => {
        const g = m.genotype();
        return { summary: formatGenotype(g), json: genotypeToJSON(g), alphas: [m.alphas.normal.toRows(), m.alphas.reduce.toRows()] };
      },
      analyze: (m, b) => {
        // λ_max of ∇²_α L_valid + 1e-3·I (the reference's Analyzer adds the α weight decay's diagonal).
        return lanczosAnalysis(() => F.crossEntropy(m.forward(b.x), b.y), m.archParameters());
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
