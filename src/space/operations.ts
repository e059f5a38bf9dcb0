/**
 * The DARTS CNN operations (`OPS`), with the reference's module trees so state-dict keys match
 * (`op.1.weight` for ReLU→Conv→BN, `conv_1`/`conv_2`/`bn` for FactorizedReduce, …).
 * Every op maps C channels to C channels; stride 2 halves H and W. Convolutions are bias-free.
 */
import { cat, randn, type Tensor } from '../tensor/index.js';
import { BatchNorm2d, Conv2d, Identity, Layer, ReLU, Sequential, AvgPool2d, MaxPool2d } from '../nn/index.js';
import type { CnnOpName } from './primitives.js';
import { SdartsError } from '../util/errors.js';
import { FoldableSequential } from './folded-batch-norm.js';

export interface OpContext {
  C: number;
  stride: number;
  affine: boolean;
}
export type OpFactory = (ctx: OpContext) => Layer;

/**
 * An op that begins with a ReLU of its input: `forwardActivated(relu(x))` = `forward(x)`, so the ops on the
 * edges from one state can share one ReLU of it (the 'fused' kernel mode, src/space/kernel-mode.ts).
 */
export interface ReluFirst {
  forwardActivated(h: Tensor): Tensor;
}

export function isReluFirst(op: Layer): op is Layer & ReluFirst {
  return typeof (op as Partial<ReluFirst>).forwardActivated === 'function';
}

/**
 * An op that is one ReLU-led Sequential under `op` (the reference's module tree): it can start after its ReLU
 * (ReluFirst) and, in eval mode, run with its conv → BN pairs folded into single convolutions while the
 * weights are held fixed (`foldBatchNorm`/`unfoldBatchNorm`: src/space/folded-batch-norm.ts).
 */
export abstract class ConvChain extends FoldableSequential implements ReluFirst {
  forwardActivated(h: Tensor): Tensor {
    return this.runFrom(1, h);
  }
}

/** ReLU → Conv k×k → BN. */
export class ReLUConvBN extends ConvChain {
  constructor(cIn: number, cOut: number, k: number, stride: number, padding: number, affine: boolean) {
    super(new Sequential(new ReLU(), new Conv2d(cIn, cOut, k, { stride, padding, bias: false }), new BatchNorm2d(cOut, { affine })));
  }
}

/** ReLU → depthwise k×k (dilated) → pointwise 1×1 → BN. */
export class DilConv extends ConvChain {
  constructor(cIn: number, cOut: number, k: number, stride: number, padding: number, dilation: number, affine: boolean) {
    super(
      new Sequential(
        new ReLU(),
        new Conv2d(cIn, cIn, k, { stride, padding, dilation, groups: cIn, bias: false }),
        new Conv2d(cIn, cOut, 1, { bias: false }),
        new BatchNorm2d(cOut, { affine }),
      ),
    );
  }
}

/** The separable convolution applied twice; only the first is strided. */
export class SepConv extends ConvChain {
  constructor(cIn: number, cOut: number, k: number, stride: number, padding: number, affine: boolean) {
    super(
      new Sequential(
        new ReLU(),
        new Conv2d(cIn, cIn, k, { stride, padding, groups: cIn, bias: false }),
        new Conv2d(cIn, cIn, 1, { bias: false }),
        new BatchNorm2d(cIn, { affine }),
        new ReLU(),
        new Conv2d(cIn, cIn, k, { stride: 1, padding, groups: cIn, bias: false }),
        new Conv2d(cIn, cOut, 1, { bias: false }),
        new BatchNorm2d(cOut, { affine }),
      ),
    );
  }
}

/** ReLU → two 1×1 stride-2 convs (the second on the input shifted by one pixel) → concat → BN. */
export class FactorizedReduce extends Layer implements ReluFirst {
  readonly relu: ReLU;
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(cIn: number, cOut: number, affine: boolean) {
    super();
    if (cOut % 2 !== 0) throw new SdartsError('ERR_SDARTS_SPACE_CHANNELS', `FactorizedReduce needs an even channel count, got ${cOut}`);
    this.relu = this.registerModule('relu', new ReLU());
    this.conv1 = this.registerModule('conv_1', new Conv2d(cIn, cOut / 2, 1, { stride: 2, bias: false }));
    this.conv2 = this.registerModule('conv_2', new Conv2d(cIn, cOut / 2, 1, { stride: 2, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(cOut, { affine }));
  }
  forward(x: Tensor): Tensor {
    return this.forwardActivated(this.relu.forward(x));
  }
  forwardActivated(h: Tensor): Tensor {
    const shifted = h.slice(2, 1).slice(3, 1);
    return this.bn.forward(cat([this.conv1.forward(h), this.conv2.forward(shifted)], 1));
  }
}

/** 'none': exactly zero (subsampled for stride 2). MixedOp skips it; kept for completeness and eval nets. */
export class Zero extends Layer {
  constructor(readonly stride: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    const h = this.stride === 1 ? x : x.slice(2, null, null, this.stride).slice(3, null, null, this.stride);
    return h.mul(0);
  }
}

/** 'noise': fresh N(0, 1) of the (subsampled) input's shape, drawn every forward, independent of x. */
export class NoiseOp extends Layer {
  constructor(readonly stride: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const s = this.stride;
    return randn([n, c, Math.ceil(h / s), Math.ceil(w / s)], { dtype: x.dtype, device: x.device });
  }
}

/** conv_7x1_1x7: ReLU → Conv(1×7) → Conv(7×1) → BN (used by published eval genotypes). */
class Conv7x1x1x7 extends ConvChain {
  constructor(C: number, stride: number, affine: boolean) {
    super(
      new Sequential(
        new ReLU(),
        new Conv2d(C, C, [1, 7], { stride: [1, stride], padding: [0, 3], bias: false }),
        new Conv2d(C, C, [7, 1], { stride: [stride, 1], padding: [3, 0], bias: false }),
        new BatchNorm2d(C, { affine }),
      ),
    );
  }
}

export const OPS: Record<CnnOpName, OpFactory> = {
  none: ({ stride }) => new Zero(stride),
  noise: ({ stride }) => new NoiseOp(stride),
  avg_pool_3x3: ({ stride }) => new AvgPool2d(3, { stride, padding: 1, countIncludePad: false }),
  max_pool_3x3: ({ stride }) => new MaxPool2d(3, { stride, padding: 1 }),
  skip_connect: ({ C, stride, affine }) => (stride === 1 ? new Identity() : new FactorizedReduce(C, C, affine)),
  sep_conv_3x3: ({ C, stride, affine }) => new SepConv(C, C, 3, stride, 1, affine),
  sep_conv_5x5: ({ C, stride, affine }) => new SepConv(C, C, 5, stride, 2, affine),
  sep_conv_7x7: ({ C, stride, affine }) => new SepConv(C, C, 7, stride, 3, affine),
  dil_conv_3x3: ({ C, stride, affine }) => new DilConv(C, C, 3, stride, 2, 2, affine),
  dil_conv_5x5: ({ C, stride, affine }) => new DilConv(C, C, 5, stride, 4, 2, affine),
  conv_7x1_1x7: ({ C, stride, affine }) => new Conv7x1x1x7(C, stride, affine),
};
