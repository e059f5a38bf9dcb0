/**
 * PyTorch's default initialisers, computed with the same double-precision formulas so that the same
 * seed and construction order give bitwise the same values (LibTorch's generator is shared).
 */
import { noGrad, type Tensor } from '../tensor/index.js';

/** fan_in and fan_out of a weight (torch.nn.init._calculate_fan_in_and_fan_out). */
export function fans(w: Tensor): { fanIn: number; fanOut: number } {
  const s = w.shape;
  if (s.length < 2) throw new RangeError(`fan in/out need a weight with at least 2 dims, got shape [${s.join(', ')}]`);
  let receptive = 1;
  for (let i = 2; i < s.length; i++) receptive *= s[i]!;
  return { fanIn: s[1]! * receptive, fanOut: s[0]! * receptive };
}

/** kaiming_uniform_(w, a, mode='fan_in', nonlinearity='leaky_relu'). */
export function kaimingUniform_(w: Tensor, a = 0): Tensor {
  const { fanIn } = fans(w);
  const gain = Math.sqrt(2.0 / (1 + a ** 2));
  const std = gain / Math.sqrt(fanIn);
  const bound = Math.sqrt(3.0) * std;
  return noGrad(() => w.uniform_(-bound, bound));
}

/** The default Conv/Linear init: kaiming_uniform_(a=√5) on the weight, U(±1/√fan_in) on the bias. */
export function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, Math.sqrt(5));
  if (bias) {
    const { fanIn } = fans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    noGrad(() => bias.uniform_(-bound, bound));
  }
}
