/**
 * How a supernet computes its mixing (docs/performance.md "Kernel modes", docs/decisions.md):
 *
 * - 'fused' (the default): the same function with fewer kernels — a node's Σ_j Σ_k w_jk · op_jk(s_j) is one
 *   concat and one matrix product, every ReLU-led op on every edge from a state shares one ReLU of it, and the
 *   simplex weights are one softmax per forward. Equal to the reference's computation up to rounding (the float64
 *   parity suites hold it to the same tolerances); not bit for bit in float32.
 * - 'reference': the reference's own sequence of kernels (a select, a product and a sum per term, one ReLU per op,
 *   one softmax per cell), so a float32 step rounds exactly as the original code's does. Run directories written
 *   before the modes existed resume in it.
 */
import { rangeError } from '../util/errors.js';

export const KERNEL_MODES = ['fused', 'reference'] as const;
export type KernelMode = (typeof KERNEL_MODES)[number];

/** Validates a constructor's `kernels` option (undefined → 'fused'). */
export function kernelMode(fn: string, value: unknown): KernelMode {
  if (value === undefined) return 'fused';
  if (value === 'fused' || value === 'reference') return value;
  throw rangeError(fn, 'kernels', "'fused' or 'reference'", value);
}
