/** dtype names (PyTorch's, lower-case) and their LibTorch ScalarType codes. */
import { rangeError, typeError } from '../util/errors.js';

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

export const DTYPE_CODE: Record<DType, number> = {
  uint8: 0,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};

const CODE_DTYPE = new Map<number, DType>(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as DType]));

export const DTYPES = Object.keys(DTYPE_CODE) as DType[];

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  uint8: 1,
  int32: 4,
  int64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
  bool: 1,
  bfloat16: 2,
};

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export function dtypeCode(fn: string, d: unknown, arg = 'dtype'): number {
  if (typeof d !== 'string') throw typeError(fn, arg, `one of ${DTYPES.join(', ')}`, d);
  const c = DTYPE_CODE[d as DType];
  if (c === undefined) throw rangeError(fn, arg, `one of ${DTYPES.join(', ')}`, d);
  return c;
}

export function dtypeFromCode(code: number): DType {
  const d = CODE_DTYPE.get(code);
  if (!d) throw new Error(`unknown dtype code ${code} from LibTorch`);
  return d;
}
