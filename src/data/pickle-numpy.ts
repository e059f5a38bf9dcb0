/**
 * The numpy objects a dataset pickle may hold, rebuilt from data only. numpy pickles an array as
 * "call `_reconstruct(ndarray, (0,), b'b')`, then `__setstate__((version, shape, dtype, fortran, raw))`"
 * (protocol ≤ 4) or as "call `_frombuffer(buffer, dtype, shape, order)`" (protocol 5); a dtype as
 * "call `dtype('u1', False, True)`, then `__setstate__((3, '|', ...))`". We recognise exactly these
 * shapes of data and copy bytes; no Python callable is ever looked up or run.
 */

/** A value built by the unpickler that is not a plain JS value. */
export abstract class PyInternal {
  abstract describe(): string;
}

/** A reference to an allow-listed global (`numpy.dtype`, `_codecs.encode`, ...). */
export class PyGlobal extends PyInternal {
  constructor(readonly module: string, readonly name: string) {
    super();
  }
  describe(): string {
    return `${this.module}.${this.name}`;
  }
}

/** numpy dtype: a kind+size code such as `u1`, `i8`, `f4`, and a byte order. */
export class PyDtype extends PyInternal {
  byteorder = '=';
  constructor(readonly code: string) {
    super();
  }
  describe(): string {
    return `numpy.dtype('${this.code}')`;
  }
  get itemsize(): number {
    return Number(this.code.slice(1));
  }
  /** numpy name of the type, e.g. `uint8`, `float64`; unsupported kinds give null. */
  get name(): string | null {
    const kinds: Record<string, string> = { u: 'uint', i: 'int', f: 'float' };
    const size = this.itemsize;
    if (this.code === 'b1') return 'bool';
    const base = kinds[this.code[0] ?? ''];
    if (base === undefined || ![1, 2, 4, 8].includes(size) || (base === 'float' && size === 1)) return null;
    return `${base}${size * 8}`;
  }
  setState(state: unknown, fail: (detail: string) => Error): void {
    // dtype state: (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
    const order = Array.isArray(state) ? textOf(state[1]) : null;
    if (order === null) throw fail(`unexpected numpy dtype state for ${this.describe()}`);
    this.byteorder = order;
  }
}

/** A plain numeric numpy array as raw little-endian bytes. */
export interface NdArray {
  readonly kind: 'ndarray';
  /** numpy type name: `uint8`, `int64`, `float64`, `bool`, ... */
  readonly dtype: string;
  readonly itemsize: number;
  readonly shape: number[];
  /** True when the bytes are in column-major (Fortran) order. */
  readonly fortranOrder: boolean;
  /** itemsize·prod(shape) bytes, little-endian. */
  readonly data: Uint8Array;
}

/** An array between `_reconstruct(...)` and its `__setstate__`. */
export class PendingArray extends PyInternal {
  result: NdArray | null = null;
  describe(): string {
    return 'numpy.ndarray';
  }
  setState(state: unknown, fail: (detail: string) => Error): void {
    if (!Array.isArray(state) || (state.length !== 4 && state.length !== 5)) throw fail('unexpected numpy.ndarray state (expected a 4- or 5-tuple)');
    const [shape, dtype, fortran, raw] = state.length === 5 ? state.slice(1) : state;
    this.result = makeArray(shape, dtype, fortran === true, raw, fail);
  }
}

/** Text from a pickled `str`, or from a Python-2 `str` (raw bytes, read as latin-1 like encoding='latin1'). */
export function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) {
    let s = '';
    for (const b of v) s += String.fromCharCode(b);
    return s;
  }
  return null;
}

/** Bytes from a pickled bytes-like value; Python-2 `str` payloads arrive as latin-1 text. */
export function bytesOf(raw: unknown): Uint8Array | null {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw === 'string') {
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c > 255) return null;
      out[i] = c;
    }
    return out;
  }
  return null;
}

function makeArray(shape: unknown, dtype: unknown, fortran: boolean, raw: unknown, fail: (d: string) => Error): NdArray {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw fail('numpy array shape is not a tuple of non-negative integers');
  }
  if (!(dtype instanceof PyDtype)) throw fail('numpy array without a dtype');
  const name = dtype.name;
  if (name === null) throw fail(`numpy dtype '${dtype.code}' is not a plain numeric type (object, string and record arrays are not supported)`);
  const data = bytesOf(raw);
  if (data === null) throw fail(`numpy ${name} array data is not a byte string (object arrays are not supported)`);
  const size = dtype.itemsize;
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (data.length !== count * size) {
    throw fail(`numpy array of shape (${shape.join(', ')}) and dtype ${name} needs ${count * size} bytes but holds ${data.length}`);
  }
  return { kind: 'ndarray', dtype: name, itemsize: size, shape: [...(shape as number[])], fortranOrder: fortran && shape.length > 1, data: toLittleEndian(data, size, dtype.byteorder) };
}

function toLittleEndian(data: Uint8Array, size: number, byteorder: string): Uint8Array {
  if (byteorder !== '>' || size === 1) return data;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += size) for (let j = 0; j < size; j++) out[i + j] = data[i + size - 1 - j]!;
  return out;
}

/** `numpy.core.numeric._frombuffer(buf, dtype, shape, order)` — protocol-5 arrays. */
export function fromBuffer(args: unknown[], fail: (d: string) => Error): NdArray {
  const [buf, dtype, shape, order] = args;
  return makeArray(shape, dtype, textOf(order) === 'F', buf, fail);
}

/** `numpy.core.multiarray.scalar(dtype, raw)` — a numpy scalar such as `np.int64(3)`. */
export function scalarOf(args: unknown[], fail: (d: string) => Error): number | boolean {
  const arr = makeArray([], args[0], false, args[1], fail);
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  switch (arr.dtype) {
    case 'bool': return arr.data[0] !== 0;
    case 'uint8': return view.getUint8(0);
    case 'int8': return view.getInt8(0);
    case 'uint16': return view.getUint16(0, true);
    case 'int16': return view.getInt16(0, true);
    case 'uint32': return view.getUint32(0, true);
    case 'int32': return view.getInt32(0, true);
    case 'uint64': return Number(view.getBigUint64(0, true));
    case 'int64': return Number(view.getBigInt64(0, true));
    case 'float32': return view.getFloat32(0, true);
    case 'float64': return view.getFloat64(0, true);
    default: throw fail(`numpy scalar of dtype ${arr.dtype} is not supported`);
  }
}

/** Integer values of a 1-D numeric array or a list of ints, e.g. labels. Null when not integers. */
export function integersOf(value: unknown): number[] | null {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'number' && Number.isInteger(v)) ? (value as number[]) : null;
  if (typeof value !== 'object' || value === null || (value as NdArray).kind !== 'ndarray') return null;
  const arr = value as NdArray;
  if (arr.shape.length !== 1 || arr.dtype === 'bool' || arr.dtype.startsWith('float')) return null;
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out: number[] = new Array(arr.shape[0]);
  const signed = arr.dtype.startsWith('int');
  for (let i = 0; i < out.length; i++) {
    const o = i * arr.itemsize;
    switch (arr.itemsize) {
      case 1: out[i] = signed ? view.getInt8(o) : view.getUint8(o); break;
      case 2: out[i] = signed ? view.getInt16(o, true) : view.getUint16(o, true); break;
      case 4: out[i] = signed ? view.getInt32(o, true) : view.getUint32(o, true); break;
      default: out[i] = Number(signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
    }
  }
  return out;
}
