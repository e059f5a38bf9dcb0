/** Top-k accuracy in percent (correct·100/batch), as the reference's utils.accuracy. */
import { noGrad, type Tensor } from '../tensor/index.js';

export function topkAccuracy(logits: Tensor, target: Tensor, ks: number[]): number[] {
  return noGrad(() => {
    const n = logits.size(0);
    const maxk = Math.min(Math.max(...ks), logits.size(1));
    const { indices } = logits.topk(maxk, 1, true, true);
    const correct = indices.eq(target.view(-1, 1).expand(indices.shape));
    return ks.map((k) => (correct.slice(1, 0, Math.min(k, maxk)).sum().item() * 100) / n);
  });
}
