/**
 * safetensors read/write: 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. The format PyTorch users share
 * checkpoints in; files written here load with `safetensors.torch.load_file`.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { native } from './native.js';
import { Tensor, copyOut } from './tensor.js';
import { BYTES_PER_ELEMENT, DTYPE_CODE, type DType } from './dtype.js';
import { deviceCode, type Device } from './device.js';
import { tensorArg } from './check.js';
import { SdartsError, typeError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

const TO_ST: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_ST = new Map<string, DType>(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

export type NamedTensors = Record<string, Tensor>;

/** Serialise named tensors (any device; data is copied to the CPU) to safetensors bytes. */
export function encodeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') throw typeError('encodeSafetensors', 'tensors', 'an object of name → Tensor', tensors);
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw typeError('encodeSafetensors', 'metadata', 'an object of name → string', metadata);
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw typeError('encodeSafetensors', `metadata.${k}`, 'a string', v);
    header['__metadata__'] = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const h = tensorArg('encodeSafetensors', `tensors['${name}']`, t);
    const bytes = new Uint8Array(copyOut('encodeSafetensors', h, t!.numel * BYTES_PER_ELEMENT[t!.dtype]));
    header[name] = { dtype: TO_ST[t!.dtype], shape: t!.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const hbytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let pos = 8 + hbytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function corrupt(source: string, what: string): SdartsError {
  return new SdartsError(
    'ERR_SDARTS_SAFETENSORS_FORMAT',
    `${source} is not a valid safetensors file: ${what}. Re-save it, or check that it is the file you meant.`,
  );
}

/** Deepest JSON nesting a header may have (it needs three: header → entry → shape). */
const MAX_HEADER_DEPTH = 8;
/** Most dimensions a tensor may have (PyTorch kernels support 25). */
const MAX_RANK = 64;

/**
 * Walk already-valid JSON text and refuse what JSON.parse would hide: a key given twice in one
 * object (JSON.parse keeps the last one silently) and nesting deeper than a header ever needs.
 */
function checkJsonKeys(text: string, source: string): void {
  const frames: Array<{ keys: Set<string> | null; expectKey: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      if (frames.length >= MAX_HEADER_DEPTH) throw corrupt(source, `the header nests deeper than ${MAX_HEADER_DEPTH} levels`);
      frames.push({ keys: c === '{' ? new Set() : null, expectKey: c === '{' });
    } else if (c === '}' || c === ']') frames.pop();
    else if (c === ',') {
      const f = frames[frames.length - 1];
      if (f?.keys) f.expectKey = true;
    } else if (c === '"') {
      const from = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const f = frames[frames.length - 1];
      if (f?.keys && f.expectKey) {
        const key = JSON.parse(text.slice(from, i + 1)) as string;
        if (f.keys.has(key))
          throw corrupt(source, `the header names ${JSON.stringify(key)} twice${frames.length === 1 ? ' (two tensors of one name)' : ` (inside an entry)`}`);
        f.keys.add(key);
        f.expectKey = false;
      }
    }
  }
}

/** Parse safetensors bytes into tensors on `device`. Validates the header fully before allocating. */
export function decodeSafetensors(bytes: Uint8Array, device: Device = 'cpu', source = 'input'): { tensors: NamedTensors; metadata: Record<string, string> } {
  const dev = deviceCode('decodeSafetensors', device);
  if (!(bytes instanceof Uint8Array)) throw typeError('decodeSafetensors', 'bytes', 'a Uint8Array (or Buffer) holding a safetensors file', bytes);
  if (bytes.length < 8) throw corrupt(source, `only ${bytes.length} bytes (truncated)`);
  const hlen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (hlen64 > BigInt(bytes.length - 8) || hlen64 > 100_000_000n)
    throw corrupt(source, `header length ${hlen64} exceeds the file size ${bytes.length} (truncated or not safetensors)`);
  const hlen = Number(hlen64);
  let header: Record<string, unknown>;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen));
    header = JSON.parse(text);
  } catch {
    throw corrupt(source, 'the header is not UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt(source, 'the header is not a JSON object');
  checkJsonKeys(text, source);
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const entries: [string, DType, number[], number, number][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const t = `tensor ${JSON.stringify(name)}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw corrupt(source, `${t} is not an object of dtype, shape and data_offsets`);
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e.dtype === 'string' ? FROM_ST.get(e.dtype) : undefined;
    if (!dtype) throw corrupt(source, `${t} has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((s) => Number.isSafeInteger(s) && s >= 0))
      throw corrupt(source, `${t} has an invalid shape (expected at most ${MAX_RANK} non-negative integers)`);
    // The element count, and every stride on the way, must stay exact (a zero does not excuse the rest).
    let span = 1;
    for (const s of shape as number[]) {
      span *= Math.max(s, 1);
      if (span > Number.MAX_SAFE_INTEGER) throw corrupt(source, `${t} has shape [${shape.join(', ')}], whose element count overflows`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0))
      throw corrupt(source, `${t} has invalid data_offsets (expected two non-negative integers)`);
    const [b, en] = offs as [number, number];
    const numel = (shape as number[]).reduce((a, s) => a * s, 1);
    if (en < b || en > dataLen) throw corrupt(source, `${t} data [${b}, ${en}) lies outside the ${dataLen} data bytes (truncated?)`);
    if (en - b !== numel * BYTES_PER_ELEMENT[dtype])
      throw corrupt(source, `${t} has ${en - b} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * BYTES_PER_ELEMENT[dtype]}`);
    if (dtype === 'bool') {
      const data = bytes.subarray(dataStart + b, dataStart + en);
      const bad = data.findIndex((v) => v > 1);
      if (bad >= 0) throw corrupt(source, `${t} is bool but its byte ${bad} is ${data[bad]} (only 0 and 1 are booleans)`);
    }
    entries.push([name, dtype, shape as number[], b, en]);
  }
  // Like the reference reader: the byte ranges, in order, tile the data exactly (no overlap, gap or tail).
  const order = [...entries].sort((x, y) => x[3] - y[3] || x[4] - y[4]);
  let at = 0;
  let prev = '';
  for (const [name, , , b, en] of order) {
    if (b < at) throw corrupt(source, `tensor ${JSON.stringify(name)} data [${b}, ${en}) overlaps tensor ${JSON.stringify(prev)} (ending at ${at})`);
    if (b > at) throw corrupt(source, `tensor ${JSON.stringify(name)} data starts at ${b}, leaving bytes [${at}, ${b}) that no tensor covers`);
    at = en;
    prev = name;
  }
  if (at !== dataLen) throw corrupt(source, `the tensors cover ${at} of ${dataLen} data bytes (trailing data)`);
  const meta: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawMeta = header['__metadata__'];
  if (rawMeta !== undefined) {
    if (rawMeta === null || typeof rawMeta !== 'object' || Array.isArray(rawMeta)) throw corrupt(source, '__metadata__ is not an object of strings');
    for (const [k, v] of Object.entries(rawMeta)) {
      if (typeof v !== 'string') throw corrupt(source, `__metadata__ ${JSON.stringify(k)} is ${v === null ? 'null' : typeof v}, not a string`);
      meta[k] = v;
    }
  }
  // A null-prototype object: a tensor named "__proto__" (or "constructor") is kept like any other.
  const tensors: NamedTensors = Object.create(null) as NamedTensors;
  try {
    for (const [name, dtype, shape, b, en] of entries) {
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + b, en - b);
      tensors[name] = new Tensor(native().fromData(view, shape, DTYPE_CODE[dtype], dev));
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata: meta };
}

/** Write named tensors to a safetensors file atomically. */
export function saveSafetensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>): void {
  if (typeof path !== 'string') throw typeError('saveSafetensors', 'path', 'a file path string', path);
  const bytes = encodeSafetensors(tensors, metadata);
  try {
    writeFileAtomic(path, bytes);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? `its folder ${dirname(path)} does not exist` : (e.code ?? e.message);
    throw new SdartsError('ERR_SDARTS_FILE_WRITE', `Cannot write safetensors file ${path}: ${why}. Create the folder, or choose another path.`, { cause: err });
  }
}

/** Read a safetensors file. */
export function loadSafetensors(path: string, device: Device = 'cpu'): { tensors: NamedTensors; metadata: Record<string, string> } {
  if (typeof path !== 'string') throw typeError('loadSafetensors', 'path', 'a file path string', path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_FILE_NOT_FOUND', `Cannot read safetensors file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeSafetensors(bytes, device, path);
}
