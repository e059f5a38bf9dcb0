/** BatchNorm2d: affine on/off, momentum (or cumulative average when null), eps, running stats, num_batches_tracked. */
import { F, ones, zeros, noGrad, type DType, type Device, type Tensor } from '../tensor/index.js';
import { Layer } from './module.js';
import { rangeError } from '../util/errors.js';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  device?: Device;
  dtype?: DType;
}

export class BatchNorm2d extends Layer {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /**
   * Whether a train-mode forward adds 1 to num_batches_tracked itself (the default). An owner that counts the
   * batches of many BNs in one multi-tensor call per forward (src/nn/batch-counter.ts) turns it off; only with a
   * fixed momentum, since the cumulative average (momentum null) needs the count inside the forward.
   */
  countsOwnBatches = true;

  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw rangeError('BatchNorm2d', 'numFeatures', 'a positive integer', numFeatures);
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const opts = { device: o.device ?? 'cpu', dtype: o.dtype ?? 'float32' } as const;
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures], opts));
      this.registerParameter('bias', zeros([numFeatures], opts));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], opts));
      this.registerBuffer('running_var', ones([numFeatures], opts));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64', device: opts.device }));
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw rangeError('BatchNorm2d.forward', 'input', 'a 4-d tensor (N, C, H, W)', `shape [${x.shape.join(', ')}]`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && (this.countsOwnBatches || this.momentum === null)) {
      const nbt = this.getBuffer('num_batches_tracked')!;
      noGrad(() => nbt.add_(1));
      // momentum=None → cumulative moving average 1/num_batches_tracked (as PyTorch).
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    return F.batchNorm(x, this.getBuffer('running_mean'), this.getBuffer('running_var'), {
      weight: this.getParameter('weight'),
      bias: this.getParameter('bias'),
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }
}
