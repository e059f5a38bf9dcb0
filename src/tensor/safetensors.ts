/**
 * safetensors read/write: 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. The format PyTorch users share
 * checkpoints in; files written here load with `safetensors.torch.load_file`.
 */
import { readFileSync } from 'node:fs';
import { native } from './native.js';
import { Tensor } from './tensor.js';
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
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw typeError('encodeSafetensors', `metadata.${k}`, 'a string', v);
    header['__metadata__'] = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const h = tensorArg('encodeSafetensors', `tensors['${name}']`, t);
    const bytes = new Uint8Array(native().toData(h));
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

/** Parse safetensors bytes into tensors on `device`. Validates the header fully before allocating. */
export function decodeSafetensors(bytes: Uint8Array, device: Device = 'cpu', source = 'input'): { tensors: NamedTensors; metadata: Record<string, string> } {
  const dev = deviceCode('decodeSafetensors', device);
  if (bytes.length < 8) throw corrupt(source, `only ${bytes.length} bytes (truncated)`);
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (hlen > bytes.length - 8 || hlen > 100_000_000)
    throw corrupt(source, `header length ${hlen} exceeds the file size ${bytes.length} (truncated or not safetensors)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, hlen).toString('utf8'));
  } catch {
    throw corrupt(source, 'the header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt(source, 'the header is not a JSON object');
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const entries: [string, DType, number[], number, number][] = [];
  let covered = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = FROM_ST.get(String(e?.dtype));
    if (!dtype) throw corrupt(source, `tensor '${name}' has unsupported dtype ${JSON.stringify(e?.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) throw corrupt(source, `tensor '${name}' has an invalid shape`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0))
      throw corrupt(source, `tensor '${name}' has invalid data_offsets`);
    const [b, en] = offs as [number, number];
    const numel = (shape as number[]).reduce((a, s) => a * s, 1);
    if (en < b || en > dataLen) throw corrupt(source, `tensor '${name}' data [${b}, ${en}) lies outside the ${dataLen} data bytes (truncated?)`);
    if (en - b !== numel * BYTES_PER_ELEMENT[dtype])
      throw corrupt(
        source,
        `tensor '${name}' has ${en - b} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * BYTES_PER_ELEMENT[dtype]}`,
      );
    covered += en - b;
    entries.push([name, dtype, shape as number[], b, en]);
  }
  if (covered !== dataLen) throw corrupt(source, `the tensors cover ${covered} of ${dataLen} data bytes (overlapping or trailing data)`);
  const tensors: NamedTensors = {};
  for (const [name, dtype, shape, b, en] of entries) {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + b, en - b);
    tensors[name] = new Tensor(native().fromData(view, shape, DTYPE_CODE[dtype], dev));
  }
  const meta = (header['__metadata__'] ?? {}) as Record<string, string>;
  return { tensors, metadata: meta };
}

/** Write named tensors to a safetensors file atomically. */
export function saveSafetensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>): void {
  if (typeof path !== 'string') throw typeError('saveSafetensors', 'path', 'a file path string', path);
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
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
