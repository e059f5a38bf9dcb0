/**
 * The reference's projection after every perturbation (docs/reference-notes.md R1.2), per row of each arch tensor:
 * argmax taken BEFORE clamping; clamp to [0, 1]; a row that became all zero gets 1 at that argmax;
 * divide by the row sum. Clamp-and-renormalise, not a Euclidean simplex projection.
 */
import { noGrad, where, type Tensor } from '../tensor/index.js';

export function clipSimplex_(w: Tensor): Tensor {
  return noGrad(() => {
    const rows = w.ndim === 1 ? w.unsqueeze(0) : w;
    const argmax = rows.argmax(-1, true);
    rows.clamp_(0, 1);
    const zeroRow = rows.sum(-1, true).eq(0);
    const isArgmax = rows.mul(0).scatter(-1, argmax, 1).gt(0);
    rows.copy_(where(isArgmax.logicalAnd(zeroRow), rows.add(1), rows));
    rows.div_(rows.sum(-1, true));
    return w;
  });
}
