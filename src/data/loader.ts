/**
 * SearchDataLoader: the data side of one architecture-search epoch (docs/reference-notes.md R2.6–R2.7, R4.3).
 *
 * Split: the dataset's own order, train half = the first floor(trainPortion·N) images, valid half =
 * the rest (not shuffled before splitting, as the reference). Both halves get the TRAINING transform
 * (augmented validation, inherited from DARTS).
 *
 * Per epoch: the train half in a fresh random order, cut into ceil(nTrain / batch) batches (the last
 * one smaller: drop_last = false; CIFAR 25 000 / 64 → 391 steps, the last of 40). Each step also gets
 * a validation batch:
 *   - 'fresh' (DARTS-space search, R2.6): the reference takes the first batch of a newly shuffled valid
 *     loader every step, i.e. `batch` indices drawn without replacement from the valid half, anew
 *     each step — which is what this draws;
 *   - 'cycling' (NAS-Bench-1Shot1 search, R4.3): one iterator over the shuffled valid half, reshuffled
 *     when exhausted (its last batch may be short), and restarted at each epoch's first step.
 *
 * Random draws, all from one Rng seeded with `seed`, in this order:
 *   epoch start: the train permutation (Rng.permutation(nTrain));
 *   each step:   1. the train batch's transform draws (per image, see transforms.ts);
 *                2. the valid indices: 'fresh' → Rng.sample(nValid, min(batch, nValid));
 *                   'cycling' → a new Rng.permutation(nValid) when none is current or it is used up;
 *                3. the valid batch's transform draws.
 *
 * Usage (tensors are made on first access inside the consumer's tidy — see batch.ts):
 *
 *   const loader = new SearchDataLoader(train, { batchSize: 64, seed: 2, transform: trainTransform(norm, { cutout }) });
 *   for (let e = 0; e < E; e++) {
 *     if (cutout) loader.setCutoutProb(cutout.prob * e / (E - 1));
 *     for (const b of loader.epochBatches(e)) tidy(() => searchStep(b.x, b.y, b.xValid, b.yValid));
 *   }
 *
 * Checkpoint: `getState()` is plain JSON of a few numbers; `setState()` on a loader built with the
 * same options and dataset, then `epochBatches(savedEpoch)` continues with bitwise the same batches.
 */
import { rangeError, typeError } from '../util/errors.js';
import type { Device } from '../tensor/index.js';
import { BatchTransform, type TransformConfig } from './transforms.js';
import { HostBatch, SearchBatch, type LabelledImages } from './batch.js';
import { EpochLoader, positiveInt, stateError, type EpochState } from './epoch-loader.js';
import { Rng, checkRngState, type RngState } from './rng.js';
import { generatorSnapshot, redrawReferenceOrder, referenceIteratorOrder } from './reference-order.js';

export type ValidMode = 'fresh' | 'cycling';

export interface SearchLoaderOptions {
  batchSize: number;
  /** Seed of the loader's own Rng (all data randomness). */
  seed: number;
  /** The training transform, applied to both halves. */
  transform: TransformConfig;
  /** Fraction of the dataset in the train half (default 0.5). */
  trainPortion?: number;
  /** Where `x`/`y` tensors are made (default 'cpu'). */
  device?: Device;
  /** How validation batches are drawn (default 'fresh'). */
  validMode?: ValidMode;
  /**
   * Where the sample order comes from (default 'sdarts'): the loader's own seeded Rng, or 'reference':
   * LibTorch's global generator exactly as the reference's DataLoader + SubsetRandomSampler draws it
   * (reference-order.ts). The transform's own draws (if any) stay on the loader's Rng.
   */
  batchOrder?: BatchOrder;
}

export type BatchOrder = 'sdarts' | 'reference';

/** `getState()` of a SearchDataLoader: plain JSON. */
export interface SearchLoaderState extends EpochState {
  kind: 'search';
  numTrain: number;
  numValid: number;
  batchSize: number;
  validMode: ValidMode;
  /** Cutout probability in force (null without cutout). */
  cutoutProb: number | null;
  /** 'cycling': RNG state before the current valid permutation was drawn (null: none current). */
  validRng: RngState | null;
  /** 'cycling': position of the next valid batch in that permutation. */
  validPos: number;
  /** Where the order comes from (absent in states written before this option: 'sdarts'). */
  batchOrder?: BatchOrder;
  /** 'reference': LibTorch generator snapshots (base64) taken before the epoch's / the current valid order was drawn. */
  torchEpoch?: string | null;
  torchValid?: string | null;
}

export class SearchDataLoader extends EpochLoader<SearchBatch> {
  readonly numTrain: number;
  readonly numValid: number;
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly validMode: ValidMode;
  readonly device: Device;
  private readonly data: LabelledImages;
  private readonly transform: BatchTransform;
  private validRng: RngState | null = null;
  private validPerm: Int32Array | null = null;
  private validPos = 0;
  readonly batchOrder: BatchOrder;
  private torchEpoch: string | null = null;
  private torchValid: string | null = null;

  constructor(dataset: LabelledImages, options: SearchLoaderOptions) {
    const fn = 'SearchDataLoader';
    if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an options object { batchSize, seed, transform, ... }', options);
    super(fn, options.seed);
    if (dataset === null || typeof dataset !== 'object' || !(dataset.labels instanceof Int32Array)) {
      throw typeError(fn, 'dataset', 'an ImageDataset { images, labels, n, channels, height, width }', dataset);
    }
    this.batchSize = positiveInt(fn, 'options.batchSize', options.batchSize);
    const portion = options.trainPortion ?? 0.5;
    if (typeof portion !== 'number' || !(portion > 0 && portion < 1)) throw rangeError(fn, 'options.trainPortion', 'a number in (0, 1)', portion);
    const n = dataset.n;
    if (!Number.isInteger(n) || n < 2 || dataset.labels.length !== n) {
      throw rangeError(fn, 'dataset.n', `an image count ≥ 2 equal to labels.length (${dataset.labels.length})`, n);
    }
    // split = int(np.floor(train_portion * num_train)), the reference's double-precision product.
    this.numTrain = Math.floor(portion * n);
    this.numValid = n - this.numTrain;
    if (this.numTrain < 1 || this.numValid < 1) {
      throw rangeError(fn, 'options.trainPortion', `a portion leaving both halves non-empty for ${n} images`, portion);
    }
    this.validMode = options.validMode ?? 'fresh';
    if (this.validMode !== 'fresh' && this.validMode !== 'cycling') throw rangeError(fn, 'options.validMode', "'fresh' or 'cycling'", this.validMode);
    this.batchOrder = options.batchOrder ?? 'sdarts';
    if (this.batchOrder !== 'sdarts' && this.batchOrder !== 'reference') throw rangeError(fn, 'options.batchOrder', "'sdarts' or 'reference'", this.batchOrder);
    this.device = options.device ?? 'cpu';
    this.transform = new BatchTransform(options.transform, dataset);
    this.data = dataset;
    this.stepsPerEpoch = Math.ceil(this.numTrain / this.batchSize);
  }

  /** Set the cutout probability for the coming batches (the search ramps it per epoch). */
  setCutoutProb(p: number): void {
    this.transform.setCutoutProb(p);
  }

  get cutoutProb(): number | null {
    return this.transform.cutoutProb;
  }

  protected drawOrder(rng: Rng): Int32Array {
    if (this.batchOrder === 'sdarts') return rng.permutation(this.numTrain);
    // 'reference': at an epoch's start (EpochLoader passes the live Rng) draw from the global generator;
    // when resuming mid-epoch (it passes a copy) redraw from the snapshot taken at that epoch's start.
    if (rng !== this.rng) return redrawReferenceOrder(this.torchEpoch!, this.numTrain);
    this.torchEpoch = generatorSnapshot();
    return referenceIteratorOrder(this.numTrain);
  }

  protected override onEpochStart(): void {
    // 'cycling': a new valid iterator on each epoch's first step.
    this.validRng = null;
    this.torchValid = null;
    this.validPerm = null;
    this.validPos = 0;
  }

  protected makeBatch(step: number): SearchBatch {
    const b = this.batchSize;
    const trainIdx = this.order!.slice(step * b, Math.min((step + 1) * b, this.numTrain));
    const train = HostBatch.create(this.data, trainIdx, this.transform, this.rng, this.device);
    const validIdx = this.drawValidPositions();
    for (let i = 0; i < validIdx.length; i++) validIdx[i] += this.numTrain;
    const valid = HostBatch.create(this.data, validIdx, this.transform, this.rng, this.device);
    return new SearchBatch(this.epoch, step, train, valid);
  }

  /** Positions (0-based within the valid half) of this step's validation batch. */
  private drawValidPositions(): Int32Array {
    const b = this.batchSize;
    const ref = this.batchOrder === 'reference';
    // 'fresh' with the reference's order: next(iter(valid_queue)), the first batch of a new permutation.
    if (this.validMode === 'fresh') return ref ? referenceIteratorOrder(this.numValid).slice(0, Math.min(b, this.numValid)) : this.rng.sample(this.numValid, Math.min(b, this.numValid));
    if (this.validPerm === null || this.validPos >= this.numValid) {
      if (ref) {
        this.torchValid = generatorSnapshot();
        this.validPerm = referenceIteratorOrder(this.numValid);
      } else {
        this.validRng = this.rng.getState();
        this.validPerm = this.rng.permutation(this.numValid);
      }
      this.validPos = 0;
    }
    const out = this.validPerm.slice(this.validPos, Math.min(this.validPos + b, this.numValid));
    this.validPos += out.length;
    return out;
  }

  /**
   * One pass over the whole valid half for the end-of-epoch `infer` (docs/reference-notes.md R2.6: the
   * reference iterates its valid loader — shuffled, training transform — in eval mode): a new
   * Rng.permutation(nValid), then ceil(nValid / batch) batches (the last short), each with its transform draws. It draws from
   * the loader's Rng, so take checkpoints before or after a pass, not during one.
   */
  *validPass(): IterableIterator<HostBatch> {
    const perm = this.batchOrder === 'reference' ? referenceIteratorOrder(this.numValid) : this.rng.permutation(this.numValid);
    for (let start = 0; start < this.numValid; start += this.batchSize) {
      const idx = perm.slice(start, Math.min(start + this.batchSize, this.numValid));
      for (let i = 0; i < idx.length; i++) idx[i] += this.numTrain;
      yield HostBatch.create(this.data, idx, this.transform, this.rng, this.device);
    }
  }

  getState(): SearchLoaderState {
    return {
      kind: 'search',
      ...this.cursorState(),
      numTrain: this.numTrain,
      numValid: this.numValid,
      batchSize: this.batchSize,
      validMode: this.validMode,
      cutoutProb: this.transform.cutoutProb,
      validRng: this.validRng,
      validPos: this.validPos,
      batchOrder: this.batchOrder,
      torchEpoch: this.torchEpoch,
      torchValid: this.torchValid,
    };
  }

  setState(state: SearchLoaderState): void {
    const fn = 'SearchDataLoader.setState';
    if (state === null || typeof state !== 'object' || state.kind !== 'search') {
      throw typeError(fn, 'state', "a state from SearchDataLoader.getState() (kind 'search')", state);
    }
    const mine = `${this.numTrain}/${this.numValid} split, batch ${this.batchSize}, ${this.validMode} validation`;
    const theirs = `${state.numTrain}/${state.numValid} split, batch ${state.batchSize}, ${state.validMode} validation`;
    if (mine !== theirs) throw stateError(fn, `the saved loader had a ${theirs} but this one has a ${mine}`);
    if ((state.cutoutProb === null) !== (this.transform.cutoutProb === null)) {
      throw stateError(fn, `the saved loader ${state.cutoutProb === null ? 'had no cutout' : 'used cutout'} but this one ${this.transform.cutoutProb === null ? 'has none' : 'does'}`);
    }
    const savedOrder = state.batchOrder ?? 'sdarts';
    if (savedOrder !== this.batchOrder) throw stateError(fn, `the saved loader drew its batches in the ${savedOrder} order but this one uses the ${this.batchOrder} order (--batch-order)`);
    for (const k of ['torchEpoch', 'torchValid'] as const) {
      const v = state[k];
      if (v !== undefined && v !== null && (typeof v !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(v))) throw rangeError(fn, `state.${k}`, 'a base64 generator snapshot or null', v);
    }
    if (this.batchOrder === 'reference' && state.epoch >= 0 && !state.torchEpoch) throw stateError(fn, 'a reference-order state after the first epoch must carry the generator snapshot of its epoch start (torchEpoch)');
    if (state.validRng !== null) checkRngState(fn, state.validRng, 'state.validRng');
    if (!Number.isInteger(state.validPos) || state.validPos < 0 || state.validPos > this.numValid) {
      throw rangeError(fn, 'state.validPos', `an integer in [0, ${this.numValid}]`, state.validPos);
    }
    if (state.cutoutProb !== null && !(state.cutoutProb >= 0 && state.cutoutProb <= 1)) {
      throw rangeError(fn, 'state.cutoutProb', 'a probability in [0, 1]', state.cutoutProb);
    }
    this.restoreCursor(fn, state);
    if (state.cutoutProb !== null) this.transform.setCutoutProb(state.cutoutProb);
    this.validRng = state.validRng === null ? null : { algorithm: state.validRng.algorithm, s: [...state.validRng.s] };
    this.torchEpoch = state.torchEpoch ?? null;
    this.torchValid = state.torchValid ?? null;
    this.validPerm = this.batchOrder === 'reference'
      ? (this.torchValid === null ? null : redrawReferenceOrder(this.torchValid, this.numValid))
      : (this.validRng === null ? null : Rng.fromState(this.validRng).permutation(this.numValid));
    this.validPos = state.validPos;
  }
}
