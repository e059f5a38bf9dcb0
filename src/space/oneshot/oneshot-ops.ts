/**
 * The NAS-Bench-101 operations of the NAS-Bench-1Shot1 one-shot model (docs/reference-notes.md R4.2), with the
 * reference's module trees so state-dict keys match (`op.0.weight` for ConvBnRelu; the conv ops wrap
 * one ConvBnRelu, hence `op.op.1.running_mean`). Every op maps C channels to C channels at stride 1.
 */
import type { Tensor } from '../../tensor/index.js';
import { BatchNorm2d, Conv2d, Layer, MaxPool2d, Module, ModuleList, ReLU, Sequential } from '../../nn/index.js';
import { ONE_SHOT_PRIMITIVES, type OneShotPrimitive } from '../../benchmark/one-shot-spaces.js';
import type { KernelMode } from '../kernel-mode.js';
import { FoldableSequential } from '../folded-batch-norm.js';
import { releaseTerms, weightedSum } from '../weighted-sum.js';

/**
 * NAS-Bench-101's batch norm constants, copied by the reference verbatim from TensorFlow: 0.997 is a
 * TF *decay*, but PyTorch reads it as the weight of the NEW batch (running ≈ last batch's statistics).
 * Kept for parity (docs/reference-notes.md R7 Q7).
 */
export const BN_MOMENTUM = 0.997;
export const BN_EPSILON = 1e-5;

/** Conv k×k (no bias) → BN(affine, momentum 0.997, eps 1e-5) → ReLU; in eval mode foldable (src/space/folded-batch-norm.ts). */
export class ConvBnRelu extends FoldableSequential {
  constructor(cIn: number, cOut: number, k: number, stride = 1, padding = 1) {
    super(
      new Sequential(
        new Conv2d(cIn, cOut, k, { stride, padding, bias: false }),
        new BatchNorm2d(cOut, { affine: true, momentum: BN_MOMENTUM, eps: BN_EPSILON }),
        new ReLU(),
      ),
    );
  }
}

/** A named op holding one ConvBnRelu under `op` (the reference's Conv3x3BnRelu / Conv1x1BnRelu). */
class WrappedConvBnRelu extends Layer {
  readonly op: ConvBnRelu;
  constructor(C: number, k: 1 | 3) {
    super();
    this.op = this.registerModule('op', new ConvBnRelu(C, C, k, 1, k === 3 ? 1 : 0));
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/** Stride-1 factories. The max pool has no BN after it (unlike the DARTS-space MixedOp). */
export const ONESHOT_OPS: Record<OneShotPrimitive, (C: number) => Layer> = {
  maxpool3x3: () => new MaxPool2d(3, { stride: 1, padding: 1 }),
  'conv3x3-bn-relu': (C) => new WrappedConvBnRelu(C, 3),
  'conv1x1-bn-relu': (C) => new WrappedConvBnRelu(C, 1),
};

/**
 * Σ_k w_k · op_k(x) over the three primitives, in ONE_SHOT_PRIMITIVES order: a select, a product and a sum per
 * op ('reference' kernels) or one matrix product over the op outputs ('fused': src/space/kernel-mode.ts).
 */
export class OneShotMixedOp extends Module {
  readonly ops: ModuleList<Layer>;
  readonly kernels: KernelMode;
  constructor(C: number, kernels: KernelMode = 'fused') {
    super();
    this.kernels = kernels;
    this.ops = this.registerModule('_ops', new ModuleList<Layer>());
    for (const name of ONE_SHOT_PRIMITIVES) this.ops.append(ONESHOT_OPS[name](C));
  }

  /** `weights`: this block's row of simplex weights, shape [3]. */
  forward(x: Tensor, weights: Tensor): Tensor {
    if (this.kernels === 'fused') {
      const outs = ONE_SHOT_PRIMITIVES.map((_, k) => this.ops.at(k).forward(x));
      const sum = weightedSum(outs, weights);
      releaseTerms(outs, [x]);
      return sum;
    }
    let sum: Tensor | null = null;
    for (let k = 0; k < ONE_SHOT_PRIMITIVES.length; k++) {
      const term = weights.select(0, k).mul(this.ops.at(k).forward(x));
      sum = sum === null ? term : sum.add(term);
    }
    return sum!;
  }
}
