/** Cosine annealing in closed form: η(t) = η_min + ½(η₀ − η_min)(1 + cos(π t / T)). */
export function cosineLr(t: number, T: number, lr0: number, lrMin: number): number {
  return lrMin + ((lr0 - lrMin) * (1 + Math.cos((Math.PI * t) / T))) / 2;
}
