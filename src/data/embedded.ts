import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageDataset, Split } from './image-dataset.js';
import { SPLITS } from './image-dataset.js';
import { loadIdxDataset } from './idx.js';
import { loadPtb, findPtbFile, PTB_SPLITS, type PtbCorpus } from './ptb.js';
import { dataMissing } from './data-errors.js';
import { rangeError, typeError } from '../util/errors.js';

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

/**
 * A Penn-Treebank-format corpus made from the King James Bible (data/ptb-kjv/README.md: source,
 * licence, normalisation; 10,000-word vocabulary with `<unk>` and `<eos>`), so the recurrent search
 * runs with no download. Resolved like EMBEDDED_FASHION_MNIST_DIR.
 */
export const EMBEDDED_PTB_DIR = fileURLToPath(new URL('../../data/ptb-kjv/', import.meta.url));

const EMBEDDED_PTB_HINT = 'reinstall the sdarts package, or regenerate the corpus with `python3 scripts/make-embedded-ptb.py` (needs the Debian package bible-kjv-text)';

/** The embedded corpus (`dir`: another copy of data/ptb-kjv/, for tests). */
export function loadEmbeddedPtb(dir: string = EMBEDDED_PTB_DIR): PtbCorpus {
  for (const split of PTB_SPLITS) {
    if (findPtbFile(dir, split) === null) throw dataMissing(join(dir, `${split}.txt`), `embedded PTB-format corpus, ${split} split`, EMBEDDED_PTB_HINT);
  }
  return loadPtb(dir);
}

/** The corpus a recurrent command reads: `--data` null → the embedded corpus, else `loadPtb(dir)`. */
export function resolvePtbCorpus(data: string | null): PtbCorpus {
  if (data === null) return loadEmbeddedPtb();
  if (typeof data !== 'string' || data === '') throw typeError('resolvePtbCorpus', 'data', 'a corpus directory or null (the embedded corpus)', data);
  return loadPtb(data);
}
