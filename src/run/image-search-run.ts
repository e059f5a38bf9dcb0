/**
 * The searches over images (`sdarts search`: DARTS-space CNN cells; `sdarts nasbench search`:
 * NAS-Bench-1Shot1) as search jobs (src/run/search-run.ts): data/'s SearchDataLoader (the training half
 * for w, the other half for α) as the loop's data, and the image task (cross-entropy, top-1/top-5).
 */
import { imageSearchTask, type Analysis, type ImageBatch, type ImageSearchBatch, type LoopModel, type SearchData } from '../search/search-loop.js';
import type { ImageSupernet } from '../search/supernet.js';
import { SearchDataLoader, type BatchOrder, type SearchLoaderState, type ValidMode } from '../data/loader.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { evalTransform, trainTransform } from '../data/transforms.js';
import { ConfigError } from './config.js';
import { datasetNormalization, type SearchDatasetName } from './datasets.js';
import { runSearchJob, type EngineEvent, type SearchJobConfig, type SearchJobSpec, type SupernetModel } from './search-run.js';

export type { EngineEvent, EpochRecord, EpochArchitecture, SupernetModel } from './search-run.js';

/** The settings both image searches share (reference flags, camelCase): the loop's, the data's and the run's. */
export interface EngineConfig extends SearchJobConfig {
  dataset: SearchDatasetName;
  batchSize: number;
  cutoutLength: number;
  trainPortion: number;
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

export type ImageSearchModel = SupernetModel & ImageSupernet & LoopModel;

export interface EngineSpec<M extends ImageSearchModel> extends Omit<
  SearchJobSpec<M, ImageSearchBatch, ImageBatch>,
  'config' | 'task' | 'data' | 'stepLine' | 'epochSummary'
> {
  config: EngineConfig;
  data: ImageDataset;
  validMode: ValidMode;
  /**
   * The curvature analysis on one batch: λ_max of ∇²_α L + diagonal·I (the loop restores BN buffers
   * and every RNG state afterwards, so it cannot change the run).
   */
  analyze(model: M, batch: ImageBatch): Analysis;
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
    validBatches: () => Math.ceil(loader.numValid / loader.batchSize),
    setCutoutProb: (p) => loader.setCutoutProb(p),
  };
}

export function runEngine<M extends ImageSearchModel>(spec: EngineSpec<M>, signal?: AbortSignal): AsyncGenerator<EngineEvent> {
  const c = spec.config;
  checkEngineConfig(c);
  const images = spec.data;
  return runSearchJob<M, ImageSearchBatch, ImageBatch>(
    {
      ...spec,
      task: () => imageSearchTask<M>((m, b) => spec.analyze(m, b)),
      data: () => {
        // --batch-order reference: the reference's sample order from LibTorch's generator, augmentation off.
        const reference = c.batchOrder === 'reference';
        const norm = datasetNormalization(c.dataset);
        const loader = new SearchDataLoader(images, {
          batchSize: c.batchSize,
          seed: c.seed,
          trainPortion: c.trainPortion,
          device: c.device,
          validMode: spec.validMode,
          batchOrder: c.batchOrder,
          transform: reference ? evalTransform(norm) : trainTransform(norm, { cutout: c.cutout ? { length: c.cutoutLength, prob: 0 } : null }),
        });
        return {
          loop: loopData(loader),
          stepsPerEpoch: Math.ceil(Math.floor(images.n * c.trainPortion) / c.batchSize),
          getState: () => loader.getState(),
          setState: (s) => loader.setState(s as SearchLoaderState),
        };
      },
    },
    signal,
  );
}
