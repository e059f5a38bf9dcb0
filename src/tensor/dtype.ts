/**
 * dtype names (PyTorch's, lower-case). Their LibTorch ScalarType codes come from the addon's contract
 * (native/op_list.h SDARTS_DTYPES) when it loads.
 */
import { rangeError, typeError } from '../util/errors.js';
import { codeTable, fillCodes, native, onContract } from './native.js';

export const DTYPES = ['uint8', 'int32', 'int64', 'float16', 'float32', 'float64', 'bool', 'bfloat16'] as const;
export type DType = (typeof DTYPES)[number];

/** dtype → ScalarType code, filled when the addon loads (read it after a `native()` call). */
export const DTYPE_CODE = codeTable(DTYPES);
const CODE_DTYPE = new Map<number, DType>();
onContract((c) => {
  fillCodes('dtype', DTYPE_CODE, c.dtypes);
  for (const d of DTYPES) CODE_DTYPE.set(DTYPE_CODE[d], d);
});

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
  if (!(DTYPES as readonly string[]).includes(d)) throw rangeError(fn, arg, `one of ${DTYPES.join(', ')}`, d);
  native();
  return DTYPE_CODE[d as DType];
}

export function dtypeFromCode(code: number): DType {
  const d = CODE_DTYPE.get(code);
  if (!d) throw new Error(`unknown dtype code ${code} from LibTorch`);
  return d;
}
