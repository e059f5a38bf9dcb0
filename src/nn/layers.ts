/** Parameter-free layers: ReLU, Identity, pools, Dropout; and Embedding. */
import { F, empty, noGrad, type DType, type Device, type Tensor } from '../tensor/index.js';
import { Layer } from './module.js';
import { rangeError } from '../util/errors.js';

type Pair = number | [number, number];

export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class Identity extends Layer {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class MaxPool2d extends Layer {
  constructor(
    readonly kernelSize: Pair,
    readonly o: { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean } = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.o);
  }
}

export class AvgPool2d extends Layer {
  constructor(
    readonly kernelSize: Pair,
    readonly o: { stride?: Pair | null; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null } = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.o);
  }
}

export class AdaptiveAvgPool2d extends Layer {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}

export class Dropout extends Layer {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw rangeError('Dropout', 'p', 'a probability in [0, 1]', p);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** Embedding(num, dim): weight ~ N(0, 1), the padding row zeroed (PyTorch's reset_parameters). */
export class Embedding extends Layer {
  readonly paddingIdx: number | null;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    o: { paddingIdx?: number | null; device?: Device; dtype?: DType } = {},
  ) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings < 1) throw rangeError('Embedding', 'numEmbeddings', 'a positive integer', numEmbeddings);
    if (!Number.isInteger(embeddingDim) || embeddingDim < 1) throw rangeError('Embedding', 'embeddingDim', 'a positive integer', embeddingDim);
    let pad = o.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings)
        throw rangeError('Embedding', 'paddingIdx', `an index in [${-numEmbeddings}, ${numEmbeddings - 1}]`, pad);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    const w = this.registerParameter('weight', empty([numEmbeddings, embeddingDim], { device: o.device ?? 'cpu', dtype: o.dtype ?? 'float32' }));
    noGrad(() => {
      w.normal_(0, 1);
      if (pad !== null) w.select(0, pad).fill_(0);
    });
  }
  forward(idx: Tensor): Tensor {
    return F.embedding(idx, this.getParameter('weight')!, this.paddingIdx);
  }
}
