import { typeError, rangeError } from '../util/errors.js';
import type { ImageDataset, Split } from './image-dataset.js';
import { SPLITS } from './image-dataset.js';
import { loadCifar10, loadCifar100 } from './cifar.js';
import { loadSvhn } from './svhn.js';
import { loadIdxDataset } from './idx.js';
import { downloadHint } from './data-errors.js';

export type { ImageDataset, Split } from './image-dataset.js';

export type ImageDatasetName = 'cifar10' | 'cifar100' | 'svhn' | 'fashion-mnist' | 'mnist';

/** One reader per dataset, each reading torchvision's download layout under `dir`. */
export const IMAGE_DATASETS: Record<ImageDatasetName, (dir: string, split: Split) => ImageDataset> = {
  cifar10: loadCifar10,
  cifar100: loadCifar100,
  svhn: loadSvhn,
  'fashion-mnist': (dir, split) => loadIdxDataset(dir, split, 'FashionMNIST', 'fashion-mnist', downloadHint('fashion-mnist', dir)),
  mnist: (dir, split) => loadIdxDataset(dir, split, 'MNIST', 'mnist', downloadHint('mnist', dir)),
};

export const IMAGE_DATASET_NAMES = Object.keys(IMAGE_DATASETS) as ImageDatasetName[];

/** Load one split of an image dataset from a torchvision-style root directory. */
export function loadDataset(name: ImageDatasetName, dir: string, split: Split): ImageDataset {
  if (typeof name !== 'string') throw typeError('loadDataset', 'name', `one of ${IMAGE_DATASET_NAMES.join(', ')}`, name);
  if (!(name in IMAGE_DATASETS)) throw rangeError('loadDataset', 'name', `one of ${IMAGE_DATASET_NAMES.join(', ')}`, name);
  if (typeof dir !== 'string' || dir === '') throw typeError('loadDataset', 'dir', 'a non-empty directory path string', dir);
  if (!SPLITS.includes(split)) throw rangeError('loadDataset', 'split', `'train' or 'test'`, split);
  return IMAGE_DATASETS[name](dir, split);
}
