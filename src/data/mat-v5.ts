import { inflateSync } from 'node:zlib';
import { SdartsError } from '../util/errors.js';
import { dataCorrupt, dataFormat } from './data-errors.js';

/**
 * A reader for MATLAB Level-5 MAT-files (what `save -v6/-v7` and scipy.io.savemat write): a 128-byte
 * header, then data elements, each an 8-byte tag (type, byte count) — or a 4-byte "small element"
 * tag when the data fits in 4 bytes — padded to 8 bytes. Variables are miMATRIX elements, optionally
 * wrapped in zlib-deflated miCOMPRESSED elements. Only numeric, real, full arrays are decoded (what
 * SVHN holds); other classes are listed so a caller can say what it found.
 */

export type MatClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';
export type MatData = Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface MatArray {
  name: string;
  className: MatClass;
  /** MATLAB dimensions; data is column-major (first index fastest). */
  dims: number[];
  /** Values in the array's class; int64/uint64 arrive as Float64Array. */
  data: MatData;
}

/** A variable we do not decode (cell, struct, char, sparse, complex, ...). */
export interface MatUnsupported {
  name: string;
  className: string;
  dims: number[];
  data: null;
}

export interface MatReadOptions {
  source: string;
  hint: string;
}

const MX_CLASSES: Record<number, MatClass | string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8',
  10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const NUMERIC = new Set(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

// Storage types (miINT8 ...): element size and how to read one value.
interface MiType { size: number; read: (v: DataView, o: number, le: boolean) => number }
const MI_TYPES: Record<number, MiType> = {
  1: { size: 1, read: (v, o) => v.getInt8(o) },
  2: { size: 1, read: (v, o) => v.getUint8(o) },
  3: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  4: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  5: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  6: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  7: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  9: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  12: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  13: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

const CTORS: Record<MatClass, new (n: number) => MatData> = {
  double: Float64Array, single: Float32Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: Float64Array, uint64: Float64Array,
};
// The storage type that maps 1:1 onto each class, for the zero-conversion fast path.
const NATIVE_MI: Partial<Record<MatClass, number>> = { int8: 1, uint8: 2, int16: 3, uint16: 4, int32: 5, uint32: 6, single: 7, double: 9 };

interface Tag { type: number; nbytes: number; start: number; next: number }

/** Parse a whole MAT v5 file; variables by name. */
export function readMatV5(bytes: Uint8Array, opts: MatReadOptions): Map<string, MatArray | MatUnsupported> {
  try {
    return parse(bytes, opts);
  } catch (err) {
    if (err instanceof SdartsError) throw err;
    throw dataCorrupt(opts.source, `unreadable MAT-file (${(err as Error).message})`, opts.hint);
  }
}

function parse(bytes: Uint8Array, opts: MatReadOptions): Map<string, MatArray | MatUnsupported> {
  const { source, hint } = opts;
  const corrupt = (d: string) => dataCorrupt(source, d, hint);
  if (bytes.length < 128) throw corrupt(`only ${bytes.length} bytes, shorter than the 128-byte MAT-file header; the file is truncated`);
  const text = String.fromCharCode(...bytes.subarray(0, 116)).replace(/[\0 ]+$/, '');
  const version = (bytes[124]! << 8) | bytes[125]!;
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (!text.startsWith('MATLAB')) throw dataFormat(source, 'not a MATLAB MAT-file (no "MATLAB 5.0 MAT-file" header text; MAT v4 files are not supported)', hint);
  if (text.startsWith('MATLAB 7.3') || bytes[125] === 0x02 || bytes[124] === 0x02) {
    throw dataFormat(source, 'a MAT v7.3 (HDF5) file; only MAT v5/v6/v7 files are supported (in MATLAB: save(..., \'-v7\'))', hint);
  }
  if (endian !== 'IM' && endian !== 'MI') throw dataFormat(source, `unknown byte-order mark "${endian}" in the MAT-file header (version 0x${version.toString(16)})`, hint);
  const le = endian === 'IM';

  const out = new Map<string, MatArray | MatUnsupported>();
  const parseTop = (buf: Uint8Array, from: number, inflated: boolean): void => {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let p = from;
    while (p < buf.length) {
      if (p + 8 > buf.length) {
        if (!inflated && buf.subarray(p).every((b) => b === 0)) break; // trailing zero padding
        throw corrupt(`the file ends inside a data-element tag at offset ${p}; the file is truncated`);
      }
      const type = view.getUint32(p, le);
      const nbytes = view.getUint32(p + 4, le);
      const start = p + 8;
      if (start + nbytes > buf.length) throw corrupt(`a data element at offset ${p} claims ${nbytes} bytes but only ${buf.length - start} remain; the file is truncated`);
      const body = buf.subarray(start, start + nbytes);
      if (type === MI_COMPRESSED) {
        let inner: Buffer;
        try {
          inner = inflateSync(body);
        } catch (err) {
          throw corrupt(`a compressed variable at offset ${p} cannot be inflated (${(err as Error).message})`);
        }
        parseTop(inner, 0, true);
      } else if (type === MI_MATRIX) {
        const v = readMatrix(body, le, corrupt);
        out.set(v.name, v);
      }
      // Other top-level element types carry no variables; skip them. A miMATRIX byte count already
      // includes its sub-elements' padding and miCOMPRESSED is unpadded, so the next tag follows at once.
      p = start + nbytes;
    }
  };
  parseTop(bytes, 128, false);
  return out;
}

function readTag(view: DataView, p: number, le: boolean, corrupt: (d: string) => Error): Tag {
  if (p + 8 > view.byteLength) throw corrupt(`a matrix ends inside a sub-element tag at offset ${p}`);
  const first = view.getUint32(p, le);
  if (first >>> 16 !== 0) {
    // Small data element: type and count share the first word, data sits in the next 4 bytes.
    return { type: first & 0xffff, nbytes: first >>> 16, start: p + 4, next: p + 8 };
  }
  const nbytes = view.getUint32(p + 4, le);
  if (p + 8 + nbytes > view.byteLength) throw corrupt(`a matrix sub-element at offset ${p} claims ${nbytes} bytes, past the end of its matrix`);
  return { type: first, nbytes, start: p + 8, next: p + 8 + ((nbytes + 7) & ~7) };
}

function readMatrix(body: Uint8Array, le: boolean, corrupt: (d: string) => Error): MatArray | MatUnsupported {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length === 0) return { name: '', className: 'empty', dims: [0, 0], data: null };
  const flagsTag = readTag(view, 0, le, corrupt);
  if (flagsTag.type !== 6 || flagsTag.nbytes !== 8) throw corrupt('a matrix does not start with its array-flags sub-element');
  const flags = view.getUint32(flagsTag.start, le);
  const cls = MX_CLASSES[flags & 0xff] ?? `class ${flags & 0xff}`;
  const complex = (flags & 0x0800) !== 0;

  const dimsTag = readTag(view, flagsTag.next, le, corrupt);
  if (dimsTag.type !== 5 || dimsTag.nbytes % 4 !== 0) throw corrupt('a matrix has no int32 dimensions sub-element');
  const dims: number[] = [];
  for (let i = 0; i < dimsTag.nbytes / 4; i++) dims.push(view.getInt32(dimsTag.start + 4 * i, le));
  if (dims.some((d) => d < 0)) throw corrupt(`a matrix has negative dimensions [${dims.join(', ')}]`);

  const nameTag = readTag(view, dimsTag.next, le, corrupt);
  const name = String.fromCharCode(...body.subarray(nameTag.start, nameTag.start + nameTag.nbytes));
  if (!NUMERIC.has(cls) || complex) return { name, className: complex ? `complex ${cls}` : cls, dims, data: null };

  const className = cls as MatClass;
  const count = dims.reduce((a, b) => a * b, 1);
  const realTag = readTag(view, nameTag.next, le, corrupt);
  const mi = MI_TYPES[realTag.type];
  if (!mi) throw corrupt(`variable "${name}" stores its values with unknown data type ${realTag.type}`);
  if (realTag.nbytes !== count * mi.size) {
    throw corrupt(`variable "${name}" of size [${dims.join('×')}] needs ${count * mi.size} bytes but holds ${realTag.nbytes}`);
  }
  const raw = body.subarray(realTag.start, realTag.start + realTag.nbytes);
  if (NATIVE_MI[className] === realTag.type && (le || mi.size === 1)) {
    // Same type on disk as in memory: a view (or one aligned copy), no per-element conversion —
    // SVHN's training pixels alone are 225 MB.
    const src = raw.byteOffset % mi.size === 0 ? raw : new Uint8Array(raw);
    const Ctor = CTORS[className] as unknown as new (b: ArrayBufferLike, offset: number, length: number) => MatData;
    return { name, className, dims, data: new Ctor(src.buffer, src.byteOffset, count) };
  }
  // MATLAB stores values in the smallest type that holds them (e.g. a double array as miUINT8).
  const data = new CTORS[className](count);
  const rv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < count; i++) data[i] = mi.read(rv, i * mi.size, le);
  return { name, className, dims, data };
}
