/**
 * DataLoader: batches over a whole split for training an evaluation network and for testing
 * (docs/reference-notes.md R2.10): train split shuffled each epoch with the training transform (batch 96 →
 * 521 CIFAR steps, the last of 80), test split in dataset order with the eval transform. drop_last is
 * false: ceil(N / batch) batches.
 *
 * Random draws, from the loader's own Rng: the permutation at each epoch start (only when shuffling),
 * then per batch the transform's draws (only for a random transform). A loader with shuffle off and the
 * eval transform draws nothing, so its seed does not matter (default 0).
 *
 *   const train = new DataLoader(ds, { batchSize: 96, shuffle: true, seed, transform: trainTransform(norm, { cutout }) });
 *   for (const b of train.epochBatches(e)) tidy(() => trainStep(b.x, b.y));
 *
 * Checkpoint: `getState()` / `setState()` exactly as SearchDataLoader (see epoch-loader.ts).
 */
import { rangeError, typeError } from '../util/errors.js';
import type { Device } from '../tensor/index.js';
import { BatchTransform, type TransformConfig } from './transforms.js';
import { HostBatch, LoaderBatch, type LabelledImages } from './batch.js';
import { EpochLoader, positiveInt, stateError, type EpochState } from './epoch-loader.js';
import type { Rng } from './rng.js';

export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle the order every epoch (train) or keep the dataset order (test). */
  shuffle: boolean;
  transform: TransformConfig;
  /** Seed of the loader's Rng (default 0; needed when shuffling or with a random transform). */
  seed?: number;
  /** Where `x`/`y` tensors are made (default 'cpu'). */
  device?: Device;
}

/** `getState()` of a DataLoader: plain JSON. */
export interface DataLoaderState extends EpochState {
  kind: 'plain';
  n: number;
  batchSize: number;
  shuffle: boolean;
  cutoutProb: number | null;
}

export class DataLoader extends EpochLoader<LoaderBatch> {
  readonly n: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly stepsPerEpoch: number;
  readonly device: Device;
  private readonly data: LabelledImages;
  private readonly transform: BatchTransform;

  constructor(dataset: LabelledImages, options: DataLoaderOptions) {
    const fn = 'DataLoader';
    if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an options object { batchSize, shuffle, transform, ... }', options);
    super(fn, options.seed ?? 0);
    if (dataset === null || typeof dataset !== 'object' || !(dataset.labels instanceof Int32Array)) {
      throw typeError(fn, 'dataset', 'an ImageDataset { images, labels, n, channels, height, width }', dataset);
    }
    this.batchSize = positiveInt(fn, 'options.batchSize', options.batchSize);
    if (typeof options.shuffle !== 'boolean') throw typeError(fn, 'options.shuffle', 'a boolean', options.shuffle);
    this.shuffle = options.shuffle;
    this.n = positiveInt(fn, 'dataset.n', dataset.n);
    this.device = options.device ?? 'cpu';
    this.transform = new BatchTransform(options.transform, dataset);
    this.data = dataset;
    this.stepsPerEpoch = Math.ceil(this.n / this.batchSize);
  }

  setCutoutProb(p: number): void {
    this.transform.setCutoutProb(p);
  }

  get cutoutProb(): number | null {
    return this.transform.cutoutProb;
  }

  protected drawOrder(rng: Rng): Int32Array {
    if (this.shuffle) return rng.permutation(this.n);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    return order;
  }

  protected makeBatch(step: number): LoaderBatch {
    const b = this.batchSize;
    const idx = this.order!.slice(step * b, Math.min((step + 1) * b, this.n));
    return new LoaderBatch(this.epoch, step, HostBatch.create(this.data, idx, this.transform, this.transform.isRandom ? this.rng : null, this.device));
  }

  getState(): DataLoaderState {
    return { kind: 'plain', ...this.cursorState(), n: this.n, batchSize: this.batchSize, shuffle: this.shuffle, cutoutProb: this.transform.cutoutProb };
  }

  setState(state: DataLoaderState): void {
    const fn = 'DataLoader.setState';
    if (state === null || typeof state !== 'object' || state.kind !== 'plain') {
      throw typeError(fn, 'state', "a state from DataLoader.getState() (kind 'plain')", state);
    }
    const mine = `${this.n} images, batch ${this.batchSize}, shuffle ${this.shuffle}, cutout ${this.transform.cutoutProb !== null}`;
    const theirs = `${state.n} images, batch ${state.batchSize}, shuffle ${state.shuffle}, cutout ${state.cutoutProb !== null}`;
    if (mine !== theirs) throw stateError(fn, `the saved loader had ${theirs} but this one has ${mine}`);
    if (state.cutoutProb !== null && !(state.cutoutProb >= 0 && state.cutoutProb <= 1)) {
      throw rangeError(fn, 'state.cutoutProb', 'a probability in [0, 1]', state.cutoutProb);
    }
    this.restoreCursor(fn, state);
    if (state.cutoutProb !== null) this.transform.setCutoutProb(state.cutoutProb);
  }
}
