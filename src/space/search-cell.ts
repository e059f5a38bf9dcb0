/**
 * A search cell: two preprocessed inputs, `steps` intermediate nodes, each the sum of MixedOps on
 * all earlier states; output = channel concat of the last `multiplier` states.
 *
 * In the 'fused' kernel mode (src/space/kernel-mode.ts) a node's value Σ_j Σ_k w_jk · op_jk(s_j) is one
 * weighted sum over the op outputs of all its edges (one concat and one matrix product instead of a select,
 * a product and a sum per term), and the ReLU-led ops on all edges from a state share one ReLU of it.
 */
import { cat, type Tensor } from '../tensor/index.js';
import { Layer, Module, ModuleList } from '../nn/index.js';
import { FactorizedReduce, ReLUConvBN } from './operations.js';
import { MixedOp, activeWeightsOf } from './mixed-op.js';
import { releaseTerms, weightedSum } from './weighted-sum.js';
import type { KernelMode } from './kernel-mode.js';
import type { EdgeOps } from './spaces.js';

export class SearchCell extends Module {
  readonly reduction: boolean;
  readonly steps: number;
  readonly multiplier: number;
  readonly preprocess0: Layer;
  readonly preprocess1: Layer;
  readonly ops: ModuleList<MixedOp>;
  readonly kernels: KernelMode;

  constructor(o: {
    steps: number;
    multiplier: number;
    cPP: number;
    cP: number;
    C: number;
    reduction: boolean;
    reductionPrev: boolean;
    edges: readonly EdgeOps[];
    kernels?: KernelMode;
  }) {
    super();
    this.kernels = o.kernels ?? 'fused';
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

  /**
   * `weights`: [numEdges, numOps] simplex weights for this cell type; `nodeWeights`: what `nodeWeights(weights)`
   * returns, when the caller shares it between the cells of one type (the 'fused' kernels).
   */
  forward(s0: Tensor, s1: Tensor, weights: Tensor, nodeWeights?: readonly (Tensor | null)[]): Tensor {
    return this.kernels === 'fused' ? this.forwardFused(s0, s1, weights, nodeWeights ?? this.nodeWeights(weights)) : this.forwardReference(s0, s1, weights);
  }

  /**
   * Per node, the [1, K] weights of its edges' active ops in edge then op order, which the fused node sum
   * multiplies with the op outputs (null for a node with an all-'none' edge); the same for every cell of a type.
   * Without 'none', a node's weights are its edges' rows, a contiguous slice of the flattened [numEdges, numOps].
   */
  nodeWeights(weights: Tensor): (Tensor | null)[] {
    const out: (Tensor | null)[] = [];
    const nOps = weights.shape[1]!;
    let flat: Tensor | null = null;
    for (let i = 0, offset = 0; i < this.steps; offset += 2 + i, i++) {
      const edges = Array.from({ length: 2 + i }, (_, j) => this.ops.at(offset + j));
      if (edges.some((e) => e.allNone)) out.push(null);
      else if (edges.every((e) => e.allActive)) out.push((flat ??= weights.reshape([1, -1])).narrow(1, offset * nOps, edges.length * nOps));
      else out.push(activeWeightsOf(edges, weights, offset).unsqueeze(0));
    }
    return out;
  }

  private forwardReference(s0: Tensor, s1: Tensor, weights: Tensor): Tensor {
    const states = [this.preprocess0.forward(s0), this.preprocess1.forward(s1)];
    let offset = 0;
    for (let i = 0; i < this.steps; i++) {
      let s: Tensor | null = null;
      for (let j = 0; j < states.length; j++) {
        const h = this.ops.at(offset + j).forward(states[j]!, weights.select(0, offset + j));
        s = s === null ? h : s.add(h);
      }
      offset += states.length;
      states.push(s!);
    }
    return cat(states.slice(-this.multiplier), 1);
  }

  private forwardFused(s0: Tensor, s1: Tensor, weights: Tensor, nodeWeights: readonly (Tensor | null)[]): Tensor {
    const states = [this.preprocess0.forward(s0), this.preprocess1.forward(s1)];
    const activated: (Tensor | null)[] = [];
    const reluOf = (j: number) => () => (activated[j] ??= states[j]!.relu());
    let offset = 0;
    for (let i = 0; i < this.steps; i++) {
      const edges = states.map((_, j) => this.ops.at(offset + j));
      let node: Tensor;
      const w = nodeWeights[i]!;
      if (w === null) {
        // An all-'none' edge: the edges' own sums, added (the reference's zeros keep their shape).
        node = edges.map((e, j) => e.forward(states[j]!, weights.select(0, offset + j))).reduce((a, b) => a.add(b));
      } else {
        const outs = edges.flatMap((e, j) => e.outputs(states[j]!, reluOf(j)));
        node = weightedSum(outs, w);
        releaseTerms(outs, states);
      }
      offset += edges.length;
      states.push(node);
    }
    return cat(states.slice(-this.multiplier), 1);
  }
}
