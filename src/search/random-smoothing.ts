/**
 * SDARTS-RS (docs/reference-notes.md R1.3): add i.i.d. U(−ε, ε) noise to the simplex weights of every arch tensor, then
 * clip. One fresh draw per training step, in archParameters() order. `noise` replaces the draw (tests).
 */
import { noGrad, type Tensor } from '../tensor/index.js';
import { clipSimplex_ } from './clip.js';

export function randomSmoothing_(archWeights: Tensor[], epsilon: number, noise?: Tensor[]): void {
  noGrad(() => {
    archWeights.forEach((w, i) => {
      const n = noise ? noise[i]! : w.mul(0).uniform_(-epsilon, epsilon);
      w.add_(n);
    });
    for (const w of archWeights) clipSimplex_(w);
  });
}
