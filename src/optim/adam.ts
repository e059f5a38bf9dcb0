/**
 * Adam (Kingma & Ba, 2015) with optional AMSGrad and L2 weight decay added to the gradient: PyTorch's
 * `torch.optim.Adam` single-tensor, non-capturable path, operation for operation:
 *
 *   t = t + 1;  g = grad + weight_decay · p
 *   m = lerp(m, g, 1 − β1)                      (= β1·m + (1 − β1)·g)
 *   v = β2 · v + (1 − β2) · g²
 *   v̂max = max(v̂max, v)                         (AMSGrad: the denominator uses the running max)
 *   denom = sqrt(v) / sqrt(1 − β2^t) + eps
 *   p = p − lr / (1 − β1^t) · m / denom
 *
 * The bias corrections are computed in double precision on the host, as PyTorch does with a
 * CPU `step` counter. (V8's `**` and glibc's `pow` can differ in a double's last bit.) The same
 * operations as PyTorch's on the same machine; across CPUs the vectorised kernels (FMA or not) may
 * round the float32 update differently in its last bit, which is why the parity suite checks this
 * algorithm in float64 (test/optim/optimizer-parity.test.ts).
 */
import { Tensor, keep, tidy, zerosLike } from '../tensor/index.js';
import { Optimizer, type OptimizerSpec, type ParamGroup, type ParamsArg } from './optimizer.js';
import { betaPair, bool, nonNegative } from './validate.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

const SPEC: OptimizerSpec<AdamOptions> = {
  name: 'Adam',
  hyper: {
    lr: { torchKey: 'lr', check: nonNegative },
    betas: { torchKey: 'betas', check: betaPair },
    eps: { torchKey: 'eps', check: nonNegative },
    weightDecay: { torchKey: 'weight_decay', check: nonNegative },
    amsgrad: { torchKey: 'amsgrad', check: bool },
  },
  state: {
    step: { kind: 'number', required: true },
    exp_avg: { kind: 'param', required: true },
    exp_avg_sq: { kind: 'param', required: true },
    // Only AMSGrad keeps it; created on the next step if amsgrad is switched on later.
    max_exp_avg_sq: { kind: 'param', required: false },
  },
};

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(SPEC, params, options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      tidy(() => {
        let g = p.grad;
        if (g === null) return;
        const state = this.stateOf(p);
        if (state['step'] === undefined) {
          state['step'] = 0;
          state['exp_avg'] = keep(zerosLike(p));
          state['exp_avg_sq'] = keep(zerosLike(p));
          if (amsgrad) state['max_exp_avg_sq'] = keep(zerosLike(p));
        }
        const step = (state['step'] as number) + 1;
        state['step'] = step;
        const expAvg = state['exp_avg'] as Tensor;
        const expAvgSq = state['exp_avg_sq'] as Tensor;
        if (weightDecay !== 0) g = g.add(p, weightDecay);
        expAvg.lerp_(g, 1 - beta1);
        expAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
        const biasCorrection1 = 1 - beta1 ** step;
        const biasCorrection2 = 1 - beta2 ** step;
        const stepSize = lr / biasCorrection1;
        // PyTorch writes bias_correction2 ** 0.5; both are the correctly rounded square root.
        const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        let second = expAvgSq;
        if (amsgrad) {
          let maxSq = state['max_exp_avg_sq'] as Tensor | undefined;
          if (maxSq === undefined) state['max_exp_avg_sq'] = maxSq = keep(zerosLike(p));
          maxSq.copy_(maxSq.maximum(expAvgSq));
          second = maxSq;
        }
        const denom = second.sqrt().div(biasCorrection2Sqrt).add_(eps);
        p.addcdiv_(expAvg, denom, -stepSize);
      });
    }
  }
}
