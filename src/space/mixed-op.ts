/**
 * MixedOp: the weighted sum Σ_k w_k · op_k(x) over one edge's candidate ops. In search every op is
 * affine-free and pools are followed by BN(affine=False). 'none' contributes exactly zero, so it is
 * not computed at all (w·0 added to a sum changes neither the value nor any gradient).
 */
import type { Tensor } from '../tensor/index.js';
import { BatchNorm2d, Layer, Module, ModuleList, Sequential } from '../nn/index.js';
import { OPS } from './operations.js';
import type { PrimitiveName } from './primitives.js';

export class MixedOp extends Module {
  readonly ops: ModuleList<Layer>;
  readonly names: readonly PrimitiveName[];

  constructor(C: number, stride: number, names: readonly PrimitiveName[]) {
    super();
    this.names = names;
    this.ops = this.registerModule('_ops', new ModuleList<Layer>());
    for (const name of names) {
      let op = OPS[name]({ C, stride, affine: false });
      if (name.includes('pool')) op = new Sequential(op, new BatchNorm2d(C, { affine: false }));
      this.ops.append(op);
    }
  }

  /** `weights` is this edge's row of simplex weights (shape [numOps]). */
  forward(x: Tensor, weights: Tensor): Tensor {
    let sum: Tensor | null = null;
    for (let k = 0; k < this.names.length; k++) {
      if (this.names[k] === 'none') continue;
      const term = weights.select(0, k).mul(this.ops.at(k).forward(x));
      sum = sum === null ? term : sum.add(term);
    }
    // An edge whose only op is 'none' would be all zeros: keep the reference's shape semantics.
    return sum ?? this.ops.at(0).forward(x).mul(weights.select(0, 0));
  }
}
