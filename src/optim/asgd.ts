/**
 * Averaged SGD (Polyak & Juditsky, 1992), PyTorch's `torch.optim.ASGD` single-tensor path. Each
 * parameter keeps a step count t, a step size η, an averaging rate μ and the running average ax:
 *
 *   g = grad + weight_decay · p
 *   p = p · (1 − λ·η) − η · g
 *   ax = ax + μ · (p − ax)          (ax = p while μ = 1, i.e. until t0 steps have passed)
 *   η = lr / (1 + λ·lr·t)^α;   μ = 1 / max(1, t − t0)
 *
 * PyTorch stores t, η and μ as float32 0-d tensors; here they are numbers rounded to float32
 * (Math.fround) at the same points, so the arithmetic sees the same values.
 * `ax(p)` gives the averaged parameters that NT-ASGD evaluates with (AWD-LSTM swaps them in).
 */
import { Tensor, keep, tidy, zerosLike } from '../tensor/index.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type ParamsArg } from './optimizer.js';
import { finite, nonNegative } from './validate.js';

export interface ASGDOptions {
  lr: number;
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
}

const SPEC: OptimizerSpec<ASGDOptions> = {
  name: 'ASGD',
  hyper: {
    lr: { torchKey: 'lr', check: nonNegative },
    lambd: { torchKey: 'lambd', check: nonNegative },
    alpha: { torchKey: 'alpha', check: finite },
    t0: { torchKey: 't0', check: nonNegative },
    weightDecay: { torchKey: 'weight_decay', check: nonNegative },
  },
  state: {
    step: { kind: 'number', required: true },
    eta: { kind: 'number', required: true },
    mu: { kind: 'number', required: true },
    ax: { kind: 'param', required: true },
  },
};

export class ASGD extends Optimizer<ASGDOptions> {
  constructor(params: ParamsArg<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super(SPEC, params, options, { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 });
  }

  /** The running average of a parameter (null before its first step). Owned by the optimizer. */
  ax(p: Tensor): Tensor | null {
    const ax = this.state.get(p)?.['ax'];
    return ax instanceof Tensor ? ax : null;
  }

  protected updateGroup(group: ParamGroup<ASGDOptions>): void {
    const { lr, lambd, alpha, t0, weightDecay } = group;
    for (const p of group.params) {
      tidy(() => {
        let g = p.grad;
        if (g === null) return;
        const state = this.stateOf(p);
        if (state['step'] === undefined) {
          state['step'] = 0;
          state['eta'] = Math.fround(lr);
          state['mu'] = 1;
          state['ax'] = keep(zerosLike(p));
        }
        const step = (state['step'] as number) + 1;
        state['step'] = step;
        const eta = state['eta'] as number;
        const mu = state['mu'] as number;
        const ax = state['ax'] as Tensor;
        if (weightDecay !== 0) g = g.add(p, weightDecay);
        p.mul_(1 - lambd * eta);
        p.add_(g, -eta);
        if (mu !== 1) ax.add_(p.sub(ax).mul_(mu));
        else ax.copy_(p);
        state['eta'] = Math.fround(lr / (1 + lambd * lr * step) ** alpha);
        state['mu'] = Math.fround(1 / Math.max(1, step - t0));
      });
    }
  }
}
