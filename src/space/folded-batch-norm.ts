/**
 * Eval-mode batch norm folded into the convolution before it. With running statistics (μ, σ²), BN(conv(x, W))
 * is conv(x, W·s) + b per output channel, s = γ/√(σ² + ε) and b = β − μ·s (γ = 1, β = 0 without affine). The
 * 'fused' kernels (src/space/kernel-mode.ts) use it while the weights and statistics are held fixed — PGD's
 * attack, whose nine eval-mode forwards and seven backwards then make one convolution where they made a
 * convolution and a batch norm. It rounds differently (W is scaled before the convolution's sum, not the sum
 * after it); the folded weights are constants (no weight gradient flows through them).
 */
import { F, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { BatchNorm2d, Conv2d, type Sequential } from '../nn/index.js';

export interface FoldedConv {
  readonly conv: Conv2d;
  readonly weight: Tensor;
  readonly bias: Tensor;
}

/** The conv → BN pairs of a Sequential, by the conv's index (BN with running statistics; the conv bias-free or not). */
export function foldablePairs(seq: Sequential): number[] {
  const at: number[] = [];
  for (let i = 0; i + 1 < seq.length; i++) {
    const conv = seq.at(i),
      bn = seq.at(i + 1);
    if (conv instanceof Conv2d && bn instanceof BatchNorm2d && bn.trackRunningStats) at.push(i);
  }
  return at;
}

/** Folds every conv → BN pair of `seq` (kept tensors: dispose them with `releaseFolded`). */
export function foldSequential(seq: Sequential): Map<number, FoldedConv> {
  const out = new Map<number, FoldedConv>();
  // The intermediates (s, the shift) are freed at once; the folded weight and bias are kept until released.
  tidy(() =>
    noGrad(() => {
      for (const i of foldablePairs(seq)) {
        const conv = seq.at(i) as Conv2d,
          bn = seq.at(i + 1) as BatchNorm2d;
        const gamma = bn.getParameter('weight'),
          beta = bn.getParameter('bias'),
          convBias = conv.getParameter('bias');
        let s = bn.getBuffer('running_var')!.add(bn.eps).rsqrt();
        if (gamma !== null) s = s.mul(gamma);
        const w = conv.getParameter('weight')!;
        const weight = w.mul(s.view([-1, 1, 1, 1]));
        let shift = convBias === null ? bn.getBuffer('running_mean')!.neg() : convBias.sub(bn.getBuffer('running_mean')!);
        shift = shift.mul(s);
        const bias = beta === null ? shift : shift.add(beta);
        out.set(i, { conv, weight: keep(weight), bias: keep(bias) });
      }
    }),
  );
  return out;
}

export function releaseFolded(folded: Map<number, FoldedConv>): void {
  for (const f of folded.values()) {
    f.weight.dispose();
    f.bias.dispose();
  }
  folded.clear();
}

/** `seq` from layer `start` on, each folded conv → BN pair as one convolution. */
export function runFolded(seq: Sequential, start: number, x: Tensor, folded: ReadonlyMap<number, FoldedConv>): Tensor {
  let y = x;
  for (let i = start; i < seq.length; i++) {
    const f = folded.get(i);
    if (f === undefined) {
      y = seq.at(i).forward(y);
      continue;
    }
    const c = f.conv;
    y = F.conv2d(y, f.weight, f.bias, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
    i++; // the BN is in the convolution now
  }
  return y;
}
