/**
 * A search cell: two preprocessed inputs, `steps` intermediate nodes, each the sum of MixedOps on
 * all earlier states; output = channel concat of the last `multiplier` states.
 */
import { cat, type Tensor } from '../tensor/index.js';
import { Layer, Module, ModuleList } from '../nn/index.js';
import { FactorizedReduce, ReLUConvBN } from './operations.js';
import { MixedOp } from './mixed-op.js';
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
}
