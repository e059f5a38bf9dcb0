/** The perturbation radius ramps linearly (docs/reference-notes.md R1.6): ε_e = ε₀ + (ε_max − ε₀)·e/E for e = 0..E−1. */
export function epsilonAt(epoch: number, epochs: number, epsilonMax: number, epsilonStart = 0.03): number {
  return epsilonStart + ((epsilonMax - epsilonStart) * epoch) / epochs;
}
