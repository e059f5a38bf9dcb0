/**
 * MixedOp: the weighted sum Σ_k w_k · op_k(x) over one edge's candidate ops. In search every op is
 * affine-free and pools are followed by BN(affine=False). 'none' contributes exactly zero, so it is
 * not computed at all (w·0 added to a sum changes neither the value nor any gradient).
 *
 * `forward` is the reference's kernel sequence (a select, a product and a sum per op); in the 'fused'
 * kernel mode SearchCell takes the op outputs (`outputs`) of all edges into a node and sums them in one
 * product (src/space/kernel-mode.ts).
 */
import { cat, type Tensor } from '../tensor/index.js';
import { BatchNorm2d, Layer, Module, ModuleList, Sequential } from '../nn/index.js';
import { OPS, isReluFirst } from './operations.js';
import type { PrimitiveName } from './primitives.js';

export class MixedOp extends Module {
  readonly ops: ModuleList<Layer>;
  readonly names: readonly PrimitiveName[];
  /** The runs [start, length) of consecutive ops that are not 'none', in order. */
  readonly activeRuns: readonly (readonly [number, number])[];

  constructor(C: number, stride: number, names: readonly PrimitiveName[]) {
    super();
    this.names = names;
    this.ops = this.registerModule('_ops', new ModuleList<Layer>());
    for (const name of names) {
      let op = OPS[name]({ C, stride, affine: false });
      if (name.includes('pool')) op = new Sequential(op, new BatchNorm2d(C, { affine: false }));
      this.ops.append(op);
    }
    const runs: [number, number][] = [];
    names.forEach((n, k) => {
      if (n === 'none') return;
      const last = runs[runs.length - 1];
      if (last !== undefined && last[0] + last[1] === k) last[1]++;
      else runs.push([k, 1]);
    });
    this.activeRuns = runs;
  }

  /** True when every op is 'none' (the edge is exactly zero). */
  get allNone(): boolean {
    return this.activeRuns.length === 0;
  }

  /** True when no op is 'none' (the edge's whole weight row pairs with `outputs`). */
  get allActive(): boolean {
    return this.activeRuns.length === 1 && this.activeRuns[0]![1] === this.names.length;
  }

  /**
   * The outputs of the ops that are not 'none', in op order (the terms `activeWeights` weighs). An op that
   * begins with a ReLU takes `activated()`, the one ReLU of x that every such op on the edges from x shares.
   */
  outputs(x: Tensor, activated: () => Tensor): Tensor[] {
    const outs: Tensor[] = [];
    for (const [start, length] of this.activeRuns) {
      for (let k = start; k < start + length; k++) {
        const op = this.ops.at(k);
        outs.push(isReluFirst(op) ? op.forwardActivated(activated()) : op.forward(x));
      }
    }
    return outs;
  }

  /** The entries of this edge's weight row (shape [numOps]) that `outputs` pairs with, as pieces to concatenate. */
  activeWeights(weights: Tensor): Tensor[] {
    if (this.allActive) return [weights];
    return this.activeRuns.map(([start, length]) => weights.narrow(0, start, length));
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

/** The weight entries of several edges' active ops (rows offset… of `rows`), in edge then op order, as one vector. */
export function activeWeightsOf(edges: readonly MixedOp[], rows: Tensor, offset: number): Tensor {
  const pieces = edges.flatMap((e, j) => e.activeWeights(rows.select(0, offset + j)));
  return pieces.length === 1 ? pieces[0]! : cat(pieces, 0);
}
