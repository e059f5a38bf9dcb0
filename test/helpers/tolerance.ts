/**
 * The one place tolerances live. Relative tolerances per dtype and op class, as the project's
 * parity bar states them: float32 elementwise 1e-6, conv/matmul/reductions 1e-5, search steps 1e-5.
 */
export type OpClass = 'elementwise' | 'matmul' | 'step';

export const TOLERANCE = {
  float32: { elementwise: 1e-6, matmul: 1e-5, step: 1e-5 },
  float64: { elementwise: 1e-12, matmul: 1e-10, step: 1e-10 },
  float16: { elementwise: 1e-3, matmul: 1e-2, step: 1e-2 },
  bfloat16: { elementwise: 1e-2, matmul: 5e-2, step: 5e-2 },
} as const;

export type FloatDtype = keyof typeof TOLERANCE;

/**
 * On CUDA (run with SDARTS_TEST_DEVICE=cuda on a GPU machine) kernels differ from the CPU fixtures:
 * transcendental functions by a few ulps, and cuDNN convolutions use TF32 by default (LibTorch and
 * PyTorch alike), about 1e-3 relative.
 */
export const TOLERANCE_CUDA = {
  float32: { elementwise: 1e-5, matmul: 3e-3, step: 3e-3 },
  float64: { elementwise: 1e-12, matmul: 1e-10, step: 1e-10 },
  float16: { elementwise: 1e-3, matmul: 1e-2, step: 1e-2 },
  bfloat16: { elementwise: 1e-2, matmul: 5e-2, step: 5e-2 },
} as const;

/** The device the tensor tests put fixture tensors on (default cpu). */
export const TEST_DEVICE = (process.env['SDARTS_TEST_DEVICE'] ?? 'cpu') as 'cpu' | 'cuda';

/**
 * Max over elements of |a-b| / max(|b|, atolScale) where atolScale keeps near-zero references from
 * exploding the ratio: elements are compared relative to the larger of their own magnitude and the
 * tensor's RMS magnitude * 1e-3.
 */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  let sq = 0;
  for (let i = 0; i < expected.length; i++) sq += expected[i]! * expected[i]!;
  const floor = Math.max(Math.sqrt(sq / Math.max(1, expected.length)) * 1e-3, 1e-30);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const err = Math.abs(a - e) / Math.max(Math.abs(e), floor);
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

export function tolerance(dtype: FloatDtype, kind: OpClass, device: string = TEST_DEVICE): number {
  return (device.startsWith('cuda') ? TOLERANCE_CUDA : TOLERANCE)[dtype][kind];
}
