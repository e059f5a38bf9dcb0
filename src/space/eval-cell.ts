/**
 * The evaluation cell (DARTS `model.Cell`): a fixed genotype instead of mixed ops. Two preprocessed
 * inputs, `genes.length / 2` nodes, node i = op(2i)(states[in(2i)]) + op(2i+1)(states[in(2i+1)]),
 * output = channel concat of states[concat]. Everything is affine (evaluation trains BN scales).
 *
 * Drop-path (training, p > 0) hits every branch whose op is not an Identity — a stride-2
 * skip_connect is a FactorizedReduce and is dropped; pools, 'none' and 'noise' are dropped too.
 * The two ops of a node run before either mask is drawn, as in the reference, so a seeded run
 * draws noise and masks from the generator in the same order.
 */
import { cat, type Tensor } from '../tensor/index.js';
import { Identity, Layer, Module, ModuleList } from '../nn/index.js';
import { FactorizedReduce, OPS, ReLUConvBN } from './operations.js';
import { validateGenotype, type Gene, type Genotype } from './genotype/index.js';
import { dropPath, drawDropPathMask, type DropPathMaskFn } from './drop-path.js';
import { SdartsError, rangeError } from '../util/errors.js';

export interface EvalCellOptions {
  genotype: Genotype;
  /** Channels of c_{k-2}, of c_{k-1}, and of every node of this cell. */
  cPP: number;
  cP: number;
  C: number;
  reduction: boolean;
  /** The previous cell halved H and W, so c_{k-2} is twice as large and is factor-reduced. */
  reductionPrev: boolean;
}

export class EvalCell extends Module {
  readonly reduction: boolean;
  readonly steps: number;
  readonly concat: readonly number[];
  /** Output channels: len(concat) · C. */
  readonly multiplier: number;
  readonly genes: readonly Gene[];
  readonly preprocess0: Layer;
  readonly preprocess1: Layer;
  readonly ops: ModuleList<Layer>;

  constructor(o: EvalCellOptions) {
    super();
    const g = validateGenotype(o.genotype, 'EvalCell');
    for (const [n, v] of [
      ['cPP', o.cPP],
      ['cP', o.cP],
      ['C', o.C],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw rangeError('EvalCell', n, 'a positive integer channel count', v);
    }
    this.reduction = o.reduction;
    this.genes = o.reduction ? g.reduce : g.normal;
    this.concat = o.reduction ? g.reduceConcat : g.normalConcat;
    this.steps = this.genes.length / 2;
    this.multiplier = this.concat.length;
    // c_{k-2} and c_{k-1} keep the input resolution, every node of a reduction cell has half of it.
    if (o.reduction && this.concat.some((k) => k < 2)) {
      throw new SdartsError(
        'ERR_SDARTS_SPACE_CONCAT',
        `EvalCell(): the reduction concat [${this.concat.join(', ')}] contains an input state (0 or 1), whose resolution is twice that of the cell's nodes. Concatenate only nodes (indices >= 2) in a reduction cell.`,
      );
    }
    const needsEven = o.reductionPrev || (o.reduction && this.genes.some(([op, j]) => op === 'skip_connect' && j < 2));
    if (needsEven && o.C % 2 !== 0) {
      throw rangeError('EvalCell', 'C', 'an even channel count (FactorizedReduce splits C into two halves)', o.C);
    }
    // Registration order = PyTorch's: preprocess0, preprocess1, _ops (same seed ⇒ same init draws).
    this.preprocess0 = this.registerModule('preprocess0', o.reductionPrev ? new FactorizedReduce(o.cPP, o.C, true) : new ReLUConvBN(o.cPP, o.C, 1, 1, 0, true));
    this.preprocess1 = this.registerModule('preprocess1', new ReLUConvBN(o.cP, o.C, 1, 1, 0, true));
    this.ops = this.registerModule('_ops', new ModuleList<Layer>());
    for (const [name, input] of this.genes) {
      const stride = o.reduction && input < 2 ? 2 : 1;
      this.ops.append(OPS[name]({ C: o.C, stride, affine: true }));
    }
  }

  /**
   * `dropProb` is applied only in training mode. `maskFn` (optional) supplies the masks; `cellIndex`
   * labels the request so a provider can tell sites apart.
   */
  forward(s0: Tensor, s1: Tensor, dropProb = 0, maskFn: DropPathMaskFn | null = null, cellIndex = 0): Tensor {
    const states: Tensor[] = [this.preprocess0.forward(s0), this.preprocess1.forward(s1)];
    const drop = this.training && dropProb > 0;
    for (let i = 0; i < this.steps; i++) {
      const h: Tensor[] = [];
      for (const b of [0, 1] as const) {
        const [, input] = this.genes[2 * i + b]!;
        h.push(this.ops.at(2 * i + b).forward(states[input]!));
      }
      if (drop) {
        for (const b of [0, 1] as const) {
          if (this.ops.at(2 * i + b) instanceof Identity) continue;
          const mask = maskFn ? maskFn({ cell: cellIndex, node: i, branch: b }, 1 - dropProb, h[b]!) : drawDropPathMask(h[b]!, 1 - dropProb);
          h[b] = dropPath(h[b]!, dropProb, mask);
        }
      }
      states.push(h[0]!.add(h[1]!));
    }
    return cat(
      this.concat.map((k) => states[k]!),
      1,
    );
  }
}
