/**
 * SDARTS-ADV (docs/reference-notes.md R1.5): an L∞ PGD attack on the simplex weights. Sign-gradient ascent on the
 * training loss, `steps` steps of 2ε/steps, optional random start, projection onto the ε-ball
 * around the unperturbed point then clip after each step, in eval mode (BN running statistics);
 * the attack is rejected (weights restored) if it did not raise the loss.
 *
 * The loss is a closure over the training batch (`loss(w)`: the model's loss with `w` as the mixing
 * weights), so the recurrent search attacks with its hidden state held fixed (R3.5) through the same code.
 */
import { grad, noGrad, tidy, keep, type Tensor } from '../tensor/index.js';
import type { Supernet } from './supernet.js';
import { clipSimplex_ } from './clip.js';

export interface PgdOptions {
  steps?: number;
  randomStart?: boolean;
  /** Replaces the random-start draw (tests; aligned with archWeights). */
  start?: Tensor[];
}

export interface PgdResult {
  lossBefore: number;
  lossAfter: number;
  accepted: boolean;
}

/** The training loss with the given simplex weights as the mixing weights. */
export type WeightedLoss = (archWeights: Tensor[]) => Tensor;

export function pgdLinf_(model: Supernet, archWeights: Tensor[], loss: WeightedLoss, epsilon: number, o: PgdOptions = {}): PgdResult {
  const wasTraining = model.training;
  if (wasTraining) model.eval();
  const saved = archWeights.map((w) => keep(noGrad(() => w.clone())));
  try {
    // The weights and BN statistics do not change during the attack: the model may fold them (fused kernels).
    const run = () => attack(archWeights, saved, loss, epsilon, o);
    return model.withFrozenWeights ? model.withFrozenWeights(run) : run();
  } finally {
    for (const t of saved) t.dispose();
    if (wasTraining) model.train();
  }
}

/** The attack itself, in eval mode (pgdLinf_ holds the saved point and restores the mode). */
function attack(archWeights: Tensor[], saved: Tensor[], loss: WeightedLoss, epsilon: number, o: PgdOptions): PgdResult {
  const steps = o.steps ?? 7;
  const randomStart = o.randomStart ?? true;
  const lr = (2 * epsilon) / steps;
  const lossBefore = tidy(() => noGrad(() => loss(archWeights).item()));
  if (randomStart || o.start) {
    noGrad(() => {
      archWeights.forEach((w, i) => w.add_(o.start ? o.start[i]! : w.mul(0).uniform_(-epsilon, epsilon)));
      for (const w of archWeights) clipSimplex_(w);
    });
  }
  for (let s = 0; s < steps; s++) {
    tidy(() => {
      // Linf_SGD on −CE: a ← a − lr·sign(∇(−CE)), i.e. ascent on the loss.
      const negLoss = loss(archWeights).neg();
      // A weight the loss does not use (α-normal with only reduction cells) has no gradient: Linf_SGD
      // skips it (the projection and clip below still apply).
      const gs = grad(negLoss, archWeights, { allowUnused: true });
      noGrad(() => {
        archWeights.forEach((w, i) => {
          const g = gs[i] ?? null;
          if (g !== null) w.add_(g.sign(), -lr);
          // Projection onto the ε-ball in place: w ← clamp(w − saved, −ε, ε) + saved (the same sums).
          w.sub_(saved[i]!).clamp_(-epsilon, epsilon).add_(saved[i]!);
        });
        for (const w of archWeights) clipSimplex_(w);
      });
    });
  }
  const lossAfter = tidy(() => noGrad(() => loss(archWeights).item()));
  // Ties keep the perturbation (the reference restores only if strictly worse).
  const accepted = !(lossBefore > lossAfter);
  if (!accepted) noGrad(() => archWeights.forEach((w, i) => w.copy_(saved[i]!)));
  return { lossBefore, lossAfter, accepted };
}
