/**
 * The one-shot model's "genotype": its raw architecture logits as plain number arrays, in the shapes
 * src/benchmark/one-shot-conversion.ts takes (the reference pickles exactly these each epoch, docs/reference-notes.md R4.3),
 * so the search loop can convert to a NAS-Bench-101 spec and query it without tensors crossing over.
 */
import type { OneShotAlphas } from '../../benchmark/one-shot-conversion.js';
import type { OneShotNetwork } from './oneshot-network.js';

/** Raw α (not softmax; the conversion ranks raw values) as { alphasMixedOp, alphasOutput, alphasInputs }. */
export function oneShotAlphas(model: OneShotNetwork): OneShotAlphas {
  return {
    alphasMixedOp: model.alphas.mixedOp.toRows(),
    alphasOutput: model.alphas.output.toRows(),
    alphasInputs: model.alphas.inputs.map((t) => t.toRows()),
  };
}
