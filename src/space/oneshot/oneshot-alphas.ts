/**
 * The one-shot model's "genotype": its raw architecture logits as plain number arrays, in the shapes
 * src/benchmark/one-shot-conversion.ts takes (the reference pickles exactly these each epoch, §4.3),
 * so the search loop can convert to a NAS-Bench-101 spec and query it without tensors crossing over.
 */
import type { Tensor } from '../../tensor/index.js';
import type { OneShotAlphas } from '../../benchmark/one-shot-conversion.js';
import type { OneShotNetwork } from './oneshot-network.js';

function rows(t: Tensor): number[][] {
  const flat = t.toArray();
  const n = t.size(1);
  return Array.from({ length: t.size(0) }, (_, i) => flat.slice(i * n, (i + 1) * n));
}

/** Raw α (not softmax; the conversion ranks raw values) as { alphasMixedOp, alphasOutput, alphasInputs }. */
export function oneShotAlphas(model: OneShotNetwork): OneShotAlphas {
  return {
    alphasMixedOp: rows(model.alphas.mixedOp),
    alphasOutput: rows(model.alphas.output),
    alphasInputs: model.alphas.inputs.map(rows),
  };
}
