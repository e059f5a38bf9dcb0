import { fileURLToPath } from 'node:url';
import type { ImageDataset, Split } from './image-dataset.js';
import { SPLITS } from './image-dataset.js';
import { loadIdxDataset } from './idx.js';
import { rangeError } from '../util/errors.js';

/**
 * A small, class-balanced slice of real Fashion-MNIST shipped inside the package (see
 * data/fashion-mnist-subset/README.md), so the demo and end-to-end tests run with no download.
 * The path is resolved from this module's own URL: src/data/ under vitest and dist/data/ once
 * compiled are both two levels below the package root.
 */
export const EMBEDDED_FASHION_MNIST_DIR = fileURLToPath(new URL('../../data/fashion-mnist-subset/', import.meta.url));

export function loadEmbeddedFashionMnist(split: Split): ImageDataset {
  if (!SPLITS.includes(split)) throw rangeError('loadEmbeddedFashionMnist', 'split', `'train' or 'test'`, split);
  return loadIdxDataset(
    EMBEDDED_FASHION_MNIST_DIR,
    split,
    'FashionMNIST',
    'fashion-mnist',
    'reinstall the sdarts package, or regenerate the subset with `python3 scripts/make-embedded-fashion-mnist.py` (needs the Debian package dataset-fashion-mnist)',
  );
}
