/**
 * Batches as the loaders yield them: transformed pixels and labels on the host, turned into tensors
 * on first access.
 *
 * Why lazy: a generator's `next()` runs outside the consumer's `tidy()`, so tensors made there would
 * belong to no scope and live until GC (which a synchronous training loop never reaches). Making them
 * when `x`/`y` is first read puts them in the consumer's current scope:
 *
 *   for (const b of loader.epochBatches(epoch)) tidy(() => step(b.x, b.y, b.xValid, b.yValid));
 *
 * frees them with the step. A tensor freed by its scope is made again from the host copy if read
 * later (e.g. the last valid batch reused for the end-of-epoch Hessian). Outside any `tidy`, call
 * `dispose()` when done.
 */
import { tensor, type Device, type Tensor } from '../tensor/index.js';
import type { BatchTransform, ImageSource } from './transforms.js';
import type { Rng } from './rng.js';

/** The dataset fields a loader needs: pixels, labels, geometry. */
export interface LabelledImages extends ImageSource {
  labels: Int32Array;
  n: number;
}

/** One transformed batch: float32 N×C×H×W pixels and int labels on the host, tensors on demand. */
export class HostBatch {
  private xTensor: Tensor | null = null;
  private yTensor: Tensor | null = null;

  constructor(
    /** Dataset index of each sample (its position in the dataset's own order). */
    readonly indices: Int32Array,
    /** Transformed pixels, N×C×H×W row-major. */
    readonly images: Float32Array,
    readonly labels: Int32Array,
    readonly shape: readonly [number, number, number, number],
    readonly device: Device,
  ) {}

  /** Transform the samples `indices` of `data` (drawing from `rng`) into a new batch. */
  static create(data: LabelledImages, indices: Int32Array, transform: BatchTransform, rng: Rng | null, device: Device): HostBatch {
    const images = transform.apply(data, indices, rng);
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) labels[i] = data.labels[indices[i]!]!;
    return new HostBatch(indices, images, labels, [indices.length, transform.channels, transform.outHeight, transform.outWidth], device);
  }

  get size(): number {
    return this.indices.length;
  }

  /** float32 [N, C, H, W] on the loader's device (made on first access, in the caller's scope). */
  get x(): Tensor {
    if (this.xTensor === null || this.xTensor.isDisposed) {
      this.xTensor = tensor(this.images, { shape: [...this.shape], device: this.device });
    }
    return this.xTensor;
  }

  /** int64 [N] class indices on the loader's device (what crossEntropy expects). */
  get y(): Tensor {
    if (this.yTensor === null || this.yTensor.isDisposed) {
      const l = new BigInt64Array(this.labels.length);
      for (let i = 0; i < l.length; i++) l[i] = BigInt(this.labels[i]!);
      this.yTensor = tensor(l, { device: this.device });
    }
    return this.yTensor;
  }

  /** Free the tensors made so far (idempotent; the host data stays). */
  dispose(): void {
    this.xTensor?.dispose();
    this.yTensor?.dispose();
    this.xTensor = this.yTensor = null;
  }
}

/** One search step's data: a train batch and a validation batch (both with the training transform). */
export class SearchBatch {
  constructor(
    readonly epoch: number,
    /** Step index within the epoch, 0-based. */
    readonly step: number,
    readonly train: HostBatch,
    readonly valid: HostBatch,
  ) {}

  get x(): Tensor {
    return this.train.x;
  }
  get y(): Tensor {
    return this.train.y;
  }
  get xValid(): Tensor {
    return this.valid.x;
  }
  get yValid(): Tensor {
    return this.valid.y;
  }

  dispose(): void {
    this.train.dispose();
    this.valid.dispose();
  }
}

/** One batch of the plain DataLoader, with its position. */
export class LoaderBatch extends HostBatch {
  constructor(
    readonly epoch: number,
    /** Step index within the epoch, 0-based. */
    readonly step: number,
    b: HostBatch,
  ) {
    super(b.indices, b.images, b.labels, b.shape, b.device);
  }
}
