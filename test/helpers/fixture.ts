/** Loading PyTorch fixtures (JSON written by scripts/fixtures/*.py) and comparing against them. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { tensor, type Tensor, type DType } from '../../src/index.js';
import { TEST_DEVICE, expectClose, expectParity, type FloatDtype, type OpClass } from './tolerance.js';

export interface EncodedTensor {
  shape: number[];
  dtype: string;
  data: number[];
}

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function loadFixture<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, rel), 'utf8')) as T;
}

export function fromEnc(e: EncodedTensor, requiresGrad = false): Tensor {
  const dtype = e.dtype as DType;
  const data =
    dtype === 'float64'
      ? new Float64Array(e.data)
      : dtype === 'float32'
        ? new Float32Array(e.data)
        : dtype === 'int64'
          ? BigInt64Array.from(e.data.map((v) => BigInt(v)))
          : dtype === 'int32'
            ? new Int32Array(e.data)
            : new Uint8Array(e.data);
  let t = tensor(data, { shape: e.shape, dtype });
  if (TEST_DEVICE !== 'cpu') {
    const moved = t.to(TEST_DEVICE);
    t.dispose();
    t = moved;
  }
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Assert a tensor equals a fixture tensor: same shape; integers exactly; float64 fixtures with the
 * float64 algorithmic-parity bound (expectParity); other float dtypes as torch.testing.assert_close
 * with the tolerance of that dtype × op class (expectClose). Returns the error measure used.
 */
export function expectTensorClose(actual: Tensor, expected: EncodedTensor, kind: OpClass, label = ''): number {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const isFloat = expected.dtype.startsWith('float') || expected.dtype === 'bfloat16';
  if (!isFloat) {
    expect(actual.toArray(), `${label} values`).toEqual(expected.data);
    return 0;
  }
  if (expected.dtype === 'float64') return expectParity(actual.toArray(), expected.data, label);
  return expectClose(actual.toArray(), expected.data, expected.dtype as FloatDtype, kind, label);
}

/** One search step as the PyTorch twins record it (search_twin.py, oneshot_twin.py). */
export interface TwinStep {
  archLoss: number;
  loss: number;
  gradNorm: number;
  lossBefore?: number;
  lossAfter?: number;
  accepted?: boolean;
}
