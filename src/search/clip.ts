/**
 * The reference's projection after every perturbation (docs/reference-notes.md R1.2), per row of each arch tensor:
 * argmax taken BEFORE clamping; clamp to [0, 1]; a row that became all zero gets 1 at that argmax;
 * divide by the row sum. Clamp-and-renormalise, not a Euclidean simplex projection. All rows at once.
 */
import { noGrad, type Tensor } from '../tensor/index.js';

export function clipSimplex_(w: Tensor): Tensor {
  return noGrad(() => {
    const rows = w.ndim === 1 ? w.unsqueeze(0) : w;
    const argmax = rows.argmax(-1, true);
    rows.clamp_(0, 1);
    // The all-zero rows get 1 at their argmax: each row's argmax entry plus its zero-row flag (0 or 1) is
    // written back, so every other entry is untouched and x + 0 = x exactly (9 ops for all rows).
    const zeroRow = rows.sum(-1, true).eq(0);
    rows.scatter_(-1, argmax, rows.gather(-1, argmax).add(zeroRow));
    rows.div_(rows.sum(-1, true));
    return w;
  });
}
