/**
 * One step of the recurrent-cell search on a language-model batch (docs/reference-notes.md R3.5–R3.6), in
 * the reference's order:
 *   1. the learning rate is scaled by seqLen / bptt for this step (and put back afterwards), so the
 *      unrolled architect's η is the scaled one, as in the reference;
 *   2. architect step on the validation chunk from the carried validation hidden state (softmax(α) mixing,
 *      train mode: dropout active); its final hidden state becomes the next validation hidden state;
 *   3. simplex weights := softmax(α) (detached copies), perturbed on the training chunk with the training
 *      hidden state held fixed (none / random / pgd_linf, the CNN's code over a loss closure);
 *   4. weight step: NLL + α_AR·mean(dropped²) (if α_AR > 0) + β_TAR·mean((h_{t+1} − h_t)²) on the raw
 *      outputs, backward into w, clip ‖∇w‖ to `gradClip`, SGD step; its final hidden state (detached)
 *      becomes the next training hidden state.
 * The metrics are of the raw NLL (perplexity = exp) and the next-word top-1 / top-5 accuracy.
 */
import { keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { SGD } from '../optim/index.js';
import type { Supernet } from './supernet.js';
import type { Architect } from './architect.js';
import { perturbedWeights } from './perturbation.js';
import { weightStep, type SearchStepConfig, type SearchStepResult, type StepHooks } from './search-step.js';
import { topkAccuracy } from './metrics.js';

/** The recurrent search model's loss on one chunk (as the reference's `_loss`, with the outputs TAR needs). */
export interface RnnLoss {
  /** Mean NLL over the chunk's T·B targets. */
  loss: Tensor;
  /** The final hidden state [1, B, nhid] (attached to the graph). */
  hidden: Tensor;
  /** The cell's outputs before the output dropout [T, B, nhid]. */
  rawOutput: Tensor;
  /** After it. */
  droppedOutput: Tensor;
  /** [T, B, ntoken]. */
  logProb: Tensor;
}

/** What the recurrent search needs from its model (structural: space/ does not import search/). */
export interface RecurrentSupernet extends Supernet {
  /** archWeights (the one arch tensor's simplex weights) given: the mixing weights as they are; absent: softmax(α). */
  loss(hidden: Tensor, x: Tensor, y: Tensor, archWeights?: Tensor): RnnLoss;
  initHidden(batch: number): Tensor;
  /** The embedding, whose weight the decoder shares. */
  readonly encoder: { getParameter(name: 'weight'): Tensor | null };
}

/** A search step's chunks: the training chunk (seqLen rows) and the validation chunk drawn with it. */
export interface RnnSearchBatch {
  xTrain: Tensor;
  yTrain: Tensor;
  xValid: Tensor;
  yValid: Tensor;
  seqLen: number;
}

/** The hidden states carried from step to step (detached; owned by the caller). */
export interface RnnHidden {
  train: Tensor;
  valid: Tensor;
}

export interface RnnStepConfig extends SearchStepConfig {
  /** The nominal sequence length the learning rate is scaled by (the reference's 35). */
  bptt: number;
  /** Activation regularisation weight (the reference's --alpha; 0 = off). */
  arAlpha: number;
  /** Temporal activation regularisation weight (--beta). */
  tarBeta: number;
}

export interface RnnStepResult extends SearchStepResult {
  /** The next hidden states (detached, kept: the caller disposes the previous ones). */
  hidden: RnnHidden;
}

/** NLL + AR + TAR, as the reference's search and training loops add them. */
export function regularizedLoss(r: RnnLoss, arAlpha: number, tarBeta: number): Tensor {
  let loss = r.loss;
  if (arAlpha > 0) loss = loss.add(r.droppedOutput.pow(2).mean().mul(arAlpha));
  const T = r.rawOutput.size(0);
  if (tarBeta > 0 && T > 1)
    loss = loss.add(
      r.rawOutput
        .slice(0, 1, T)
        .sub(r.rawOutput.slice(0, 0, T - 1))
        .pow(2)
        .mean()
        .mul(tarBeta),
    );
  return loss;
}

export function rnnSearchStep(
  model: RecurrentSupernet,
  architect: Architect,
  wOptimizer: SGD,
  batch: RnnSearchBatch,
  hidden: RnnHidden,
  cfg: RnnStepConfig,
  hooks: StepHooks = {},
): RnnStepResult {
  const group = wOptimizer.paramGroups[0]!;
  const lr0 = group.lr;
  group.lr = (lr0 * batch.seqLen) / cfg.bptt;
  try {
    return tidy(() => {
      model.train();
      let nextValid: Tensor | null = null;
      const validLoss = () => {
        const r = model.loss(hidden.valid, batch.xValid, batch.yValid);
        nextValid?.dispose();
        nextValid = keep(r.hidden.detach());
        return r.loss;
      };
      const trainLoss = () => model.loss(hidden.train, batch.xTrain, batch.yTrain).loss;
      const archLoss = cfg.updateArch
        ? architect.step(
            validLoss,
            cfg.unrolled ? { trainLoss, eta: group.lr, wOptimizer, gradClip: cfg.gradClip, keepAtW: [model.encoder.getParameter('weight')!] } : undefined,
          )
        : null;
      wOptimizer.zeroGrad();

      const { weights, perturb } = perturbedWeights(model, (w) => model.loss(hidden.train, batch.xTrain, batch.yTrain, w[0]).loss, cfg, hooks);

      const r = model.loss(hidden.train, batch.xTrain, batch.yTrain, weights[0]);
      const loss = regularizedLoss(r, cfg.arAlpha, cfg.tarBeta);
      const gradNorm = weightStep(model.parameters(), loss, wOptimizer, cfg.gradClip);
      const ntoken = r.logProb.size(-1);
      const [top1, top5] = topkAccuracy(r.logProb.reshape([-1, ntoken]), batch.yTrain.reshape([-1]), [1, 5]);
      const next: RnnHidden = { train: keep(r.hidden.detach()), valid: (nextValid as Tensor | null) ?? keep(hidden.valid.clone()) };
      return { loss: r.loss.item(), top1: top1!, top5: top5!, archLoss, gradNorm, perturb, hidden: next };
    });
  } finally {
    group.lr = lr0;
  }
}

/** Mean NLL and next-word top-1 accuracy (percent) of one chunk, and the final hidden state (detached). */
export function rnnEvaluate(model: RecurrentSupernet, hidden: Tensor, x: Tensor, y: Tensor): { loss: number; acc: number; hidden: Tensor } {
  return noGrad(() => {
    const r = model.loss(hidden, x, y);
    const ntoken = r.logProb.size(-1);
    const [acc] = topkAccuracy(r.logProb.reshape([-1, ntoken]), y.reshape([-1]), [1]);
    return { loss: r.loss.item(), acc: acc!, hidden: r.hidden.detach() };
  });
}
