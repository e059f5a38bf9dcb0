/**
 * Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay: PyTorch's
 * `torch.optim.SGD`, with the same operations in the same order, so parameters
 * match PyTorch's given the same gradients (to the last bit on the same machine and kernels; the
 * parity suite checks the algorithm in float64):
 *
 *   g = grad + weight_decay · p                      (L2 term added to the gradient)
 *   buf = clone(g) on the first step, else buf = momentum · buf + (1 − dampening) · g
 *   g = g + momentum · buf (Nesterov)  or  g = buf
 *   p = p − lr · g
 */
import { Tensor, foreachAdd, foreachAdd_, foreachMul_, keep, tidy } from '../tensor/index.js';
import { rangeError } from '../util/errors.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type ParamsArg } from './optimizer.js';
import { bool, nonNegative, finite } from './validate.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

const SPEC: OptimizerSpec<SGDOptions> = {
  name: 'SGD',
  hyper: {
    lr: { torchKey: 'lr', check: nonNegative },
    momentum: { torchKey: 'momentum', check: nonNegative },
    // PyTorch accepts any dampening; values outside [0, 1] are legal if odd (negative amplifies g).
    dampening: { torchKey: 'dampening', check: finite },
    weightDecay: { torchKey: 'weight_decay', check: nonNegative },
    nesterov: { torchKey: 'nesterov', check: bool },
  },
  state: { momentum_buffer: { kind: 'param', required: true } },
  checkGroup(fn, g, at) {
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw rangeError(
        fn,
        `${at}nesterov`,
        `false unless momentum > 0 and dampening = 0 (Nesterov momentum; got momentum=${g.momentum}, dampening=${g.dampening})`,
        g.nesterov,
      );
    }
  },
};

export class SGD extends Optimizer<SGDOptions> {
  /** Defaults follow torch 2.13: lr 1e-3, no momentum, no dampening, no weight decay. */
  constructor(params: ParamsArg<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(SPEC, params, options, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  }

  /**
   * The live momentum buffer of a parameter (null before its first momentum step or without
   * momentum). DARTS' unrolled architect reads it to form w − ξ(momentum·buf + ∇w L + wd·w).
   * Owned by the optimizer: do not dispose it.
   */
  momentumBuffer(p: Tensor): Tensor | null {
    const buf = this.state.get(p)?.['momentum_buffer'];
    return buf instanceof Tensor ? buf : null;
  }

  /**
   * The multi-tensor form of the update (torch's `_multi_tensor_sgd`, torch/optim/sgd.py): over the group's
   * parameters that have a gradient, each line below is one `_foreach_*` call, whose CPU kernel applies the
   * single-tensor op of the formula above to each parameter, so the result is the per-tensor path's bit for
   * bit. The per-tensor part left is a parameter's first momentum step: its buffer is a new tensor,
   * clone(g) (LibTorch has no foreach clone; torch's multi-tensor SGD clones per tensor there too).
   * The .grad tensors are never written: torch's multi-tensor Nesterov step adds into its list of
   * gradients in place; here it makes new tensors (the same values).
   */
  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    tidy(() => {
      const params: Tensor[] = [],
        grads: Tensor[] = [];
      for (const p of group.params) {
        const g = p.grad;
        if (g !== null) {
          params.push(p);
          grads.push(g);
        }
      }
      if (params.length === 0) return;
      let g = weightDecay !== 0 ? foreachAdd(grads, params, weightDecay) : grads;
      if (momentum !== 0) {
        const old: Tensor[] = [],
          gOld: Tensor[] = [];
        const bufs = g.map((gi, i) => {
          const state = this.stateOf(params[i]!);
          let buf = state['momentum_buffer'] as Tensor | undefined;
          if (buf === undefined) {
            buf = keep(gi.clone());
            state['momentum_buffer'] = buf;
          } else {
            old.push(buf);
            gOld.push(gi);
          }
          return buf;
        });
        if (old.length > 0) {
          foreachMul_(old, momentum);
          foreachAdd_(old, gOld, 1 - dampening);
        }
        g = nesterov ? foreachAdd(g, bufs, momentum) : bufs;
      }
      foreachAdd_(params, g, -lr);
    });
  }
}
