/** Linear (y = x Wᵀ + b) with PyTorch's default initialisation. */
import { F, empty, type DType, type Device, type Tensor } from '../tensor/index.js';
import { Layer } from './module.js';
import { resetLinearLike } from './init.js';
import { rangeError } from '../util/errors.js';

export class Linear extends Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, o: { bias?: boolean; device?: Device; dtype?: DType } = {}) {
    super();
    for (const [n, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw rangeError('Linear', n, 'a non-negative integer', v);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const opts = { device: o.device ?? 'cpu', dtype: o.dtype ?? 'float32' } as const;
    const w = this.registerParameter('weight', empty([outFeatures, inFeatures], opts));
    const b = (o.bias ?? true) ? this.registerParameter('bias', empty([outFeatures], opts)) : this.registerParameter('bias', null);
    resetLinearLike(w, b);
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.getParameter('weight')!, this.getParameter('bias'));
  }
}
