/**
 * One SDARTS search step, in the reference's order (docs/reference-notes.md R1.1):
 *   1. architect step on a validation batch (softmax(α) mixing), unless warming up;
 *   2. simplex weights := softmax(α) (detached copies — α itself is never overwritten);
 *   3. perturb them (none / random / pgd_linf) on the training batch;
 *   4. weight step: forward the training batch with the (perturbed) weights, CE, backward into w,
 *      clip ‖∇w‖ to `gradClip`, SGD step.
 * The perturbation is scoped: it lives in the step's own tensors, so nothing needs restoring.
 */
import { F, grad, tidy, type Tensor } from '../tensor/index.js';
import { clipGradNorm_, type SGD } from '../optim/index.js';
import type { ImageSupernet } from './supernet.js';
import type { Architect } from './architect.js';
import { perturbedWeights, type PerturbationName, type PerturbOutcome } from './perturbation.js';
import { topkAccuracy } from './metrics.js';

export interface SearchBatch {
  xTrain: Tensor;
  yTrain: Tensor;
  xValid: Tensor;
  yValid: Tensor;
}

export interface SearchStepConfig {
  perturbation: PerturbationName;
  epsilon: number;
  pgdSteps: number;
  pgdRandomStart: boolean;
  gradClip: number;
  unrolled: boolean;
  /** false during warm-start epochs (1Shot1's --warm-start-epochs): no architect step. */
  updateArch: boolean;
}

export interface SearchStepResult {
  loss: number;
  top1: number;
  top5: number;
  archLoss: number | null;
  gradNorm: number;
  perturb: PerturbOutcome;
}

export interface StepHooks {
  /** RS noise / PGD random-start values in place of fresh draws (parity tests). */
  noise?: Tensor[];
  pgdStart?: Tensor[];
  /** Called with the (perturbed) simplex weights the weight step uses. */
  inspect?: (archWeights: Tensor[]) => void;
}

/**
 * The weight step of a search step: ∇w of `loss`, clipped to `gradClip`, one SGD step; returns the norm before
 * clipping. A weight the loss does not use keeps .grad null, as after the reference's backward(): clipping and
 * SGD skip it.
 */
export function weightStep(params: Tensor[], loss: Tensor, wOptimizer: SGD, gradClip: number): number {
  const gs = grad(loss, params, { allowUnused: true });
  params.forEach((p, i) => {
    p.grad = gs[i] ?? null;
  });
  const gradNorm = clipGradNorm_(params, gradClip);
  wOptimizer.step();
  wOptimizer.zeroGrad();
  return gradNorm;
}

export function searchStep(
  model: ImageSupernet,
  architect: Architect,
  wOptimizer: SGD,
  batch: SearchBatch,
  cfg: SearchStepConfig,
  hooks: StepHooks = {},
): SearchStepResult {
  return tidy(() => {
    model.train();
    const archLoss = cfg.updateArch
      ? architect.step(
          () => F.crossEntropy(model.forward(batch.xValid), batch.yValid),
          cfg.unrolled
            ? { trainLoss: () => F.crossEntropy(model.forward(batch.xTrain), batch.yTrain), eta: wOptimizer.paramGroups[0]!.lr, wOptimizer }
            : undefined,
        )
      : null;
    wOptimizer.zeroGrad();

    const { weights, perturb } = perturbedWeights(model, (w) => F.crossEntropy(model.forward(batch.xTrain, w), batch.yTrain), cfg, hooks);

    const logits = model.forward(batch.xTrain, weights);
    const loss = F.crossEntropy(logits, batch.yTrain);
    const gradNorm = weightStep(model.parameters(), loss, wOptimizer, cfg.gradClip);
    const [top1, top5] = topkAccuracy(logits, batch.yTrain, [1, 5]);
    return { loss: loss.item(), top1: top1!, top5: top5!, archLoss, gradNorm, perturb };
  });
}
