/**
 * A search cell: two preprocessed inputs, `steps` intermediate nodes, each the sum of MixedOps on
 * all earlier states; output = channel concat of the last `multiplier` states.
 *
 * A node's value Σ_j Σ_k w_jk · op_jk(s_j) is one weighted sum over the op outputs of all its edges (all
 * have the node's shape): one concat and one matrix product instead of a select, a product and a sum
 * per term (docs/performance.md "Fewer kernels"; it rounds as the BLAS dot product does).
 */
import { cat, type Tensor } from '../tensor/index.js';
import { Layer, Module, ModuleList } from '../nn/index.js';
import { FactorizedReduce, ReLUConvBN } from './operations.js';
import { MixedOp } from './mixed-op.js';
import { releaseTerms, weightedSum } from './weighted-sum.js';
import type { EdgeOps } from './spaces.js';

export class SearchCell extends Module {
  readonly reduction: boolean;
  readonly steps: number;
  readonly multiplier: number;
  readonly preprocess0: Layer;
  readonly preprocess1: Layer;
  readonly ops: ModuleList<MixedOp>;

  constructor(o: {
    steps: number;
    multiplier: number;
    cPP: number;
    cP: number;
    C: number;
    reduction: boolean;
    reductionPrev: boolean;
    edges: readonly EdgeOps[];
  }) {
    super();
    this.reduction = o.reduction;
    this.steps = o.steps;
    this.multiplier = o.multiplier;
    this.preprocess0 = this.registerModule(
      'preprocess0',
      o.reductionPrev ? new FactorizedReduce(o.cPP, o.C, false) : new ReLUConvBN(o.cPP, o.C, 1, 1, 0, false),
    );
    this.preprocess1 = this.registerModule('preprocess1', new ReLUConvBN(o.cP, o.C, 1, 1, 0, false));
    this.ops = this.registerModule('_ops', new ModuleList<MixedOp>());
    let e = 0;
    for (let i = 0; i < o.steps; i++) {
      for (let j = 0; j < 2 + i; j++) {
        const stride = o.reduction && j < 2 ? 2 : 1;
        this.ops.append(new MixedOp(o.C, stride, o.edges[e++]!));
      }
    }
  }

  /** `weights`: [numEdges, numOps] simplex weights for this cell type. */
  forward(s0: Tensor, s1: Tensor, weights: Tensor): Tensor {
    const states = [this.preprocess0.forward(s0), this.preprocess1.forward(s1)];
    let offset = 0;
    for (let i = 0; i < this.steps; i++) {
      const edges = states.map((_, j) => this.ops.at(offset + j));
      states.push(edges.some((e) => e.allNone) ? this.nodeBySum(edges, states, weights, offset) : this.node(edges, states, weights, offset));
      offset += edges.length;
    }
    return cat(states.slice(-this.multiplier), 1);
  }

  /** One node as one weighted sum over every op output of its edges (no edge is all 'none'). */
  private node(edges: MixedOp[], states: Tensor[], weights: Tensor, offset: number): Tensor {
    const outs = edges.flatMap((e, j) => e.outputs(states[j]!));
    // Every op of every edge: the edges' rows, flattened in order. Otherwise the rows' active pieces.
    const full = edges.every((e) => e.activeRuns.length === 1 && e.activeRuns[0]![1] === e.names.length);
    const w = full
      ? weights.narrow(0, offset, edges.length).reshape([-1])
      : cat(
          edges.flatMap((e, j) => e.activeWeights(weights.select(0, offset + j))),
          0,
        );
    const sum = weightedSum(outs, w);
    releaseTerms(outs, states);
    return sum;
  }

  /** A node with an all-'none' edge: the edges' own sums, added (the reference's zeros keep their shape). */
  private nodeBySum(edges: MixedOp[], states: Tensor[], weights: Tensor, offset: number): Tensor {
    let s: Tensor | null = null;
    for (let j = 0; j < edges.length; j++) {
      const h = edges[j]!.forward(states[j]!, weights.select(0, offset + j));
      s = s === null ? h : s.add(h);
    }
    return s!;
  }
}
