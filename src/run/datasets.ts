/** Resolving `--dataset/--data` to an in-memory dataset (the embedded Fashion-MNIST subset by default). */
import { IMAGE_DATASET_NAMES, loadDataset, type ImageDatasetName } from '../data/dataset.js';
import { loadEmbeddedFashionMnist } from '../data/embedded.js';
import type { ImageDataset } from '../data/image-dataset.js';
import { normalizationFor, type Normalization } from '../data/normalization.js';
import { SdartsError } from '../util/errors.js';

/** The datasets the jobs take: the registry's image datasets but MNIST (not among the reference's). */
export type SearchDatasetName = Exclude<ImageDatasetName, 'mnist'>;
export const SEARCH_DATASETS = IMAGE_DATASET_NAMES.filter((n): n is SearchDatasetName => n !== 'mnist');

export function loadImageDataset(name: SearchDatasetName, dir: string | null, split: 'train' | 'test', limit = 0): ImageDataset {
  let ds: ImageDataset;
  if (dir === null) {
    if (name !== 'fashion-mnist') {
      throw new SdartsError(
        'ERR_SDARTS_CONFIG',
        `--data is required for --dataset ${name}: pass the folder torchvision downloaded into (or run \`sdarts data download ${name} --dir DIR\`).`,
      );
    }
    ds = loadEmbeddedFashionMnist(split);
  } else {
    ds = loadDataset(name, dir, split);
  }
  return limit > 0 && limit < ds.n ? sliceDataset(ds, limit) : ds;
}

/** The first `n` images of a dataset (views, no copy). */
export function sliceDataset(ds: ImageDataset, n: number): ImageDataset {
  const per = ds.channels * ds.height * ds.width;
  return { ...ds, n, images: ds.images.subarray(0, n * per), labels: ds.labels.subarray(0, n) };
}

export function datasetNormalization(name: SearchDatasetName): Normalization {
  return normalizationFor(name);
}
