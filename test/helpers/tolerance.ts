/**
 * The one place tolerances live, and the two ways the suite compares numbers.
 *
 * 1. Algorithmic parity, float64 (`expectParity`). sdarts and its PyTorch twin both run in float64 and
 *    must agree per tensor: max|a − b| ≤ ALGORITHM_RTOL · max|b| + ALGORITHM_ATOL. float64
 *    carries ~16 digits, so kernel differences between CPUs (another summation order, another SIMD
 *    width) stay near 1e-15 even after several search steps, while a real slip (a wrong sign, a missed
 *    term, a different order of operations in the unrolled step) moves results by far more than 1e-10.
 *
 * 2. float32 closeness as `torch.testing.assert_close` defines it (`expectClose`): every element must
 *    satisfy |a − b| ≤ atol + rtol · |b|. There is no elementwise-relative metric without an absolute
 *    term (it explodes near zero and turns a 1e-7-of-the-largest-value kernel difference into 1e-4).
 *    float32 checks are only one step deep: a second step amplifies rounding that differs by CPU.
 */
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Tensor } from '../../src/index.js';

export type FloatDtype = 'float32' | 'float64' | 'float16' | 'bfloat16';

/**
 * Op classes for `expectClose`:
 * - elementwise: one pointwise op or a short chain (activations, softmax, a fixed-order update such as
 *   an optimizer step);
 * - reduction: convolutions, matmuls, batch-norm statistics, losses: a sum whose order depends on the
 *   kernel the CPU picks (oneDNN / ATen's AVX2 vs AVX-512 vs default paths);
 * - step: the outputs of one whole training or search step in float32 (a network forward + backward +
 *   optimizer update, or a perturbation on top of it).
 */
export type OpClass = 'elementwise' | 'reduction' | 'step';

export interface Tol {
  rtol: number;
  atol: number;
}

/**
 * Sources:
 * - elementwise: torch.testing.assert_close's defaults per dtype (PyTorch 2.13,
 *   torch/testing/_comparison.py `_DTYPE_PRECISIONS`): float32 rtol 1.3e-6 atol 1e-5, float64 1e-7/1e-7,
 *   float16 1e-3/1e-5, bfloat16 1.6e-2/1e-5.
 * - reduction (float32): rtol 1e-5 and atol 1e-5. Measured: PyTorch 2.13 run under
 *   ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 moves conv outputs by ≤ 2.4e-6 absolute /
 *   ~1e-6 relative against its AVX-512 run; 1e-5 relative keeps a 10× margin, the absolute term is the
 *   default's.
 * - step (float32): rtol 1e-4, atol 1e-4 — the outputs of one forward + backward + optimizer update.
 *   Measured, one step deep, fixtures written on an AVX-512 CPU and checked under
 *   ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41: the evaluation network's stem-weight gradient
 *   moves by 1.7e-5 on a value of 0.015 (PyTorch itself, run under those variables against its own
 *   fixture, moves it by the same amount), i.e. ~1.5e-5 of the tensor's largest value (~1.4); the
 *   atol of 1e-4 keeps a 6× margin there (worst ratio 0.17); search steps stay below 0.01.
 * float64 rows only serve float64 fixtures compared with expectClose (formula checks, not twins).
 */
export const ASSERT_CLOSE: Record<FloatDtype, Record<OpClass, Tol>> = {
  float32: { elementwise: { rtol: 1.3e-6, atol: 1e-5 }, reduction: { rtol: 1e-5, atol: 1e-5 }, step: { rtol: 1e-4, atol: 1e-4 } },
  float64: { elementwise: { rtol: 1e-7, atol: 1e-7 }, reduction: { rtol: 1e-7, atol: 1e-7 }, step: { rtol: 1e-7, atol: 1e-7 } },
  float16: { elementwise: { rtol: 1e-3, atol: 1e-5 }, reduction: { rtol: 1e-2, atol: 1e-3 }, step: { rtol: 1e-2, atol: 1e-3 } },
  bfloat16: { elementwise: { rtol: 1.6e-2, atol: 1e-5 }, reduction: { rtol: 5e-2, atol: 1e-2 }, step: { rtol: 5e-2, atol: 1e-2 } },
};

/**
 * On CUDA (SDARTS_TEST_DEVICE=cuda on a GPU machine) kernels differ from the CPU fixtures:
 * transcendental functions by a few ulps, and cuDNN convolutions use TF32 by default in LibTorch and
 * PyTorch alike (10 mantissa bits: ~1e-3 relative).
 */
export const ASSERT_CLOSE_CUDA: Record<FloatDtype, Record<OpClass, Tol>> = {
  float32: { elementwise: { rtol: 1e-5, atol: 1e-5 }, reduction: { rtol: 3e-3, atol: 1e-3 }, step: { rtol: 3e-3, atol: 1e-3 } },
  float64: ASSERT_CLOSE.float64,
  float16: ASSERT_CLOSE.float16,
  bfloat16: ASSERT_CLOSE.bfloat16,
};

/**
 * float64 algorithmic parity: per-tensor relative error bound. Measured worst across the float64 parity
 * suites under ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 against fixtures written with
 * AVX-512 kernels: 8e-14 relative (ratio to this bound ≤ 1e-3); bitwise on the CPU that wrote them.
 * Deliberate slips: a flipped finite-difference sign in the unrolled step moves the next loss by
 * ~6e-5; a dropped α weight decay moves α by only 1e-10 … 5e-7 after the first architect step (Adam's
 * first update is close to lr·sign(g)) and by 1e-6 … 3e-5 after the second — every float64 case still
 * fails, while the float32 one-step cases cannot see it. A bound much looser than 1e-10 would miss it.
 */
export const ALGORITHM_RTOL = 1e-10;
/**
 * The absolute term of the float64 bound: a tensor whose exact value is 0 holds only rounding noise
 * (e.g. the running mean of a BatchNorm without affine fed by another one's zero-mean output: values
 * ~1e-17 that differ in every digit between kernels). 1e-13 is ~450 ulps of 1.0, far below any
 * quantity the suites compare (α ~1e-3, its Adam update ~3e-4 per step).
 */
export const ALGORITHM_ATOL = 1e-13;

/**
 * SDARTS_TOL_REPORT=<file>: every comparison appends one JSON line {kind, label, value} there, so the
 * margins behind the numbers above can be re-measured on any machine (scripts/tolerance-report.mjs).
 */
function record(kind: string, label: string, value: number): void {
  const file = process.env['SDARTS_TOL_REPORT'];
  if (file) appendFileSync(file, JSON.stringify({ kind, label, value, test: expect.getState().currentTestName }) + '\n');
}

/** The device the tensor tests put fixture tensors on (default cpu). */
export const TEST_DEVICE = (process.env['SDARTS_TEST_DEVICE'] ?? 'cpu') as 'cpu' | 'cuda';

export function closeTolerance(dtype: FloatDtype, op: OpClass, device: string = TEST_DEVICE): Tol {
  return (device.startsWith('cuda') ? ASSERT_CLOSE_CUDA : ASSERT_CLOSE)[dtype][op];
}

type Values = ArrayLike<number> | number | Tensor;

function values(v: Values): ArrayLike<number> {
  if (typeof v === 'number') return [v];
  if (typeof (v as Tensor).toArray === 'function') return (v as Tensor).toArray() as number[];
  return v as ArrayLike<number>;
}

export interface CloseReport {
  /** max over elements of |a − b| / (atol + rtol·|b|): ≤ 1 passes. */
  ratio: number;
  /** Index of the worst element, its values and the absolute difference. */
  index: number;
  actual: number;
  expected: number;
  absDiff: number;
}

/** assert_close's criterion, reported: NaN matches NaN, ±∞ must match exactly. */
export function closeReport(actual: Values, expected: Values, tol: Tol): CloseReport {
  const a = values(actual),
    b = values(expected);
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  const rep: CloseReport = { ratio: 0, index: -1, actual: NaN, expected: NaN, absDiff: 0 };
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]),
      y = Number(b[i]);
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    const d = Math.abs(x - y);
    const r = Number.isFinite(d) ? d / (tol.atol + tol.rtol * Math.abs(y)) : Infinity;
    if (!(r <= rep.ratio)) Object.assign(rep, { ratio: Number.isNaN(r) ? Infinity : r, index: i, actual: x, expected: y, absDiff: d });
  }
  return rep;
}

/**
 * Assert `actual` is close to `expected` as torch.testing.assert_close(rtol, atol) would, with the
 * tolerance of `dtype` × `op` (or an explicit one). Returns the worst ratio (≤ 1).
 */
export function expectClose(actual: Values, expected: Values, dtype: FloatDtype, op: OpClass, label = '', tol: Tol = closeTolerance(dtype, op)): number {
  const r = closeReport(actual, expected, tol);
  record(`close:${dtype}:${op}`, label, r.ratio);
  const where =
    r.index < 0
      ? ''
      : ` — worst element ${r.index}: ${r.actual} vs ${r.expected} (|diff| ${r.absDiff.toExponential(2)} > atol ${tol.atol} + rtol ${tol.rtol}·|expected|)`;
  expect(r.ratio, `${label}: ${dtype} ${op} closeness${where}`).toBeLessThanOrEqual(1);
  return r.ratio;
}

/** max|a − b| and max|b| over a tensor (NaN matches NaN; diff = ∞ on a NaN mismatch). */
function diffAndScale(actual: Values, expected: Values): { diff: number; scale: number } {
  const a = values(actual),
    b = values(expected);
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    const x = Number(a[i]),
      y = Number(b[i]);
    if (Number.isNaN(x) !== Number.isNaN(y)) return { diff: Infinity, scale };
    if (Number.isNaN(y)) continue;
    scale = Math.max(scale, Math.abs(y));
    if (x !== y) diff = Math.max(diff, Math.abs(x - y));
  }
  return { diff, scale };
}

/** Per-tensor error relative to the float64 bound: max|a − b| / (rtol · max|b| + atol), ≤ 1 passes. */
export function parityRatio(actual: Values, expected: Values, rtol = ALGORITHM_RTOL, atol = ALGORITHM_ATOL): number {
  const { diff, scale } = diffAndScale(actual, expected);
  return diff === 0 ? 0 : diff / (rtol * scale + atol);
}

/** Per-tensor relative error max|a − b| / max|b| (0 when equal; ∞ on a NaN mismatch or an all-zero reference). */
export function relativeError(actual: Values, expected: Values): number {
  const { diff, scale } = diffAndScale(actual, expected);
  return diff === 0 ? 0 : scale === 0 ? Infinity : diff / scale;
}

/**
 * float64 algorithmic parity of one tensor (or number) with its twin's:
 * max|a − b| ≤ ALGORITHM_RTOL · max|b| + ALGORITHM_ATOL. Returns the ratio (≤ 1).
 */
export function expectParity(actual: Values, expected: Values, label = ''): number {
  const r = parityRatio(actual, expected);
  record('parity:float64', label, r);
  expect(
    r,
    `${label}: float64 parity, max|a − b| / (${ALGORITHM_RTOL}·max|b| + ${ALGORITHM_ATOL}) (relative error ${relativeError(actual, expected).toExponential(2)})`,
  ).toBeLessThanOrEqual(1);
  return r;
}
