import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { RUN_STATS } from './model-metrics.js';
import { NasbenchIndex, ROW_SLOTS, type NasbenchIndexData } from './nasbench-index.js';

/**
 * Binary cache of a NasbenchIndex, so that only the first open of a ~499 MB tfrecord pays for
 * parsing. Layout (little-endian):
 *
 *   header, 128 bytes
 *     0  "SDNB101\0" magic            8  u32 format version       12 u32 header size (128)
 *    16  f64 source size             24  f64 source mtimeMs
 *    32  32 B source fingerprint (sha256 of size + first 64 KiB + last 64 KiB of the source)
 *    64  u32 modules   68 u32 runs   72 u32 bytes per stat (4|8)  76 u32 meta JSON bytes
 *    80  f64 body bytes               88 u32 0x01020304 byte-order mark   92 reserved
 *    96  sha256 over header[0,96) and the body
 *   body: meta JSON {labels, epochs}, then each column of NasbenchIndexData, each 8-byte aligned.
 *
 * The columns are stored in their in-memory form, so loading is one read, one sha256 and typed-array
 * views onto that buffer: no per-module work. Anything that does not match (magic, version,
 * checksum, length, or the source's size / mtime / fingerprint) makes the cache "stale": the caller
 * rebuilds it from the tfrecord and never trusts it.
 */

export const INDEX_MAGIC = 'SDNB101\0';
export const INDEX_FORMAT_VERSION = 1;
export const INDEX_HEADER_BYTES = 128;
export const INDEX_FILE_SUFFIX = '.sdarts-index';
const FINGERPRINT_SPAN = 64 * 1024;
const BOM = 0x01020304;

export interface SourceIdentity {
  size: number;
  mtimeMs: number;
  fingerprint: Buffer;
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** Size, mtime and a head/tail fingerprint of the source file (cheap: reads 128 KiB at most). */
export function sourceIdentity(file: string): SourceIdentity {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    const h = createHash('sha256');
    h.update(`size=${st.size};`);
    h.update(readAt(fd, Math.min(FINGERPRINT_SPAN, st.size), 0));
    h.update(readAt(fd, Math.min(FINGERPRINT_SPAN, st.size), Math.max(0, st.size - FINGERPRINT_SPAN)));
    return { size: st.size, mtimeMs: st.mtimeMs, fingerprint: h.digest() };
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the cache of `file` lives: `FILE.sdarts-index` beside it, or in `cacheDir` under a name
 * that includes a digest of the absolute source path (two sources with the same basename do not
 * overwrite each other's cache).
 */
export function indexCachePath(file: string, cacheDir?: string): string {
  if (cacheDir === undefined) return file + INDEX_FILE_SUFFIX;
  const tag = createHash('sha256').update(resolve(file)).digest('hex').slice(0, 12);
  return join(cacheDir, `${basename(file)}.${tag}${INDEX_FILE_SUFFIX}`);
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

interface Section {
  name: keyof NasbenchIndexData;
  bytes: number;
}

function sections(m: number, r: number, statBytes: number): Section[] {
  return [
    { name: 'hashWords', bytes: m * 16 },
    { name: 'params', bytes: m * 4 },
    { name: 'runStart', bytes: (m + 1) * 4 },
    { name: 'vertexCount', bytes: m },
    { name: 'adjacencyRows', bytes: m * ROW_SLOTS },
    { name: 'opLabels', bytes: m * ROW_SLOTS },
    { name: 'runEpochCode', bytes: r },
    { name: 'runStats', bytes: r * RUN_STATS * statBytes },
  ];
}

function digestOf(file: Uint8Array): Buffer {
  return createHash('sha256').update(file.subarray(0, 96)).update(file.subarray(INDEX_HEADER_BYTES)).digest();
}

export function serializeIndex(data: NasbenchIndexData, source: SourceIdentity): Uint8Array {
  const statBytes = data.runStats instanceof Float32Array ? 4 : 8;
  const meta = Buffer.from(JSON.stringify({ labels: data.labels, epochs: data.epochs }), 'utf8');
  const secs = sections(data.numModules, data.numRuns, statBytes);
  let bodyBytes = align8(meta.length);
  for (const s of secs) bodyBytes += align8(s.bytes);
  const out = new Uint8Array(INDEX_HEADER_BYTES + bodyBytes);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(INDEX_MAGIC, 'latin1'), 0);
  view.setUint32(8, INDEX_FORMAT_VERSION, true);
  view.setUint32(12, INDEX_HEADER_BYTES, true);
  view.setFloat64(16, source.size, true);
  view.setFloat64(24, source.mtimeMs, true);
  out.set(source.fingerprint, 32);
  view.setUint32(64, data.numModules, true);
  view.setUint32(68, data.numRuns, true);
  view.setUint32(72, statBytes, true);
  view.setUint32(76, meta.length, true);
  view.setFloat64(80, bodyBytes, true);
  view.setUint32(88, BOM, true);
  let off = INDEX_HEADER_BYTES;
  out.set(meta, off);
  off += align8(meta.length);
  for (const s of secs) {
    const arr = data[s.name] as Uint8Array | Uint32Array | Int32Array | Float32Array | Float64Array;
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, s.bytes), off);
    off += align8(s.bytes);
  }
  out.set(digestOf(out), 96);
  return out;
}

export function writeIndexCache(path: string, data: NasbenchIndexData, source: SourceIdentity): void {
  writeFileAtomic(path, serializeIndex(data, source));
}

export type CacheLoad = { ok: true; index: NasbenchIndex } | { ok: false; reason: string };

function readWholeFile(path: string): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size); // a fresh ArrayBuffer: 8-byte aligned for Float64Array views
    let got = 0;
    while (got < size) {
      const n = readSync(fd, out, got, Math.min(size - got, 1 << 30), got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? out : out.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Load and verify a cache for `source`; never throws for a bad cache, says why instead. */
export function loadIndexCache(path: string, source: SourceIdentity): CacheLoad {
  if (endianness() !== 'LE') return { ok: false, reason: 'cache files are little-endian only' };
  const file = readWholeFile(path);
  if (file === null) return { ok: false, reason: 'no cache file' };
  if (file.length < INDEX_HEADER_BYTES) return { ok: false, reason: `cache file is truncated (${file.length} bytes)` };
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (Buffer.from(file.subarray(0, 8)).toString('latin1') !== INDEX_MAGIC) return { ok: false, reason: 'not an sdarts NAS-Bench index (bad magic)' };
  const version = view.getUint32(8, true);
  if (version !== INDEX_FORMAT_VERSION) return { ok: false, reason: `cache format version ${version}, this build reads ${INDEX_FORMAT_VERSION}` };
  if (view.getUint32(12, true) !== INDEX_HEADER_BYTES || view.getUint32(88, true) !== BOM) return { ok: false, reason: 'cache header is malformed' };
  if (view.getFloat64(16, true) !== source.size) return { ok: false, reason: 'source file size changed since the cache was written' };
  if (view.getFloat64(24, true) !== source.mtimeMs) return { ok: false, reason: 'source file modification time changed since the cache was written' };
  if (!Buffer.from(file.subarray(32, 64)).equals(source.fingerprint))
    return { ok: false, reason: 'cache belongs to a different source file (fingerprint differs)' };
  const m = view.getUint32(64, true);
  const r = view.getUint32(68, true);
  const statBytes = view.getUint32(72, true);
  const metaBytes = view.getUint32(76, true);
  if (statBytes !== 4 && statBytes !== 8) return { ok: false, reason: 'cache header is malformed' };
  const secs = sections(m, r, statBytes);
  let bodyBytes = align8(metaBytes);
  for (const s of secs) bodyBytes += align8(s.bytes);
  if (view.getFloat64(80, true) !== bodyBytes || file.length !== INDEX_HEADER_BYTES + bodyBytes) {
    return { ok: false, reason: `cache length ${file.length} does not match its header (expected ${INDEX_HEADER_BYTES + bodyBytes})` };
  }
  if (!digestOf(file).equals(Buffer.from(file.subarray(96, 128)))) return { ok: false, reason: 'cache checksum mismatch (corrupt cache)' };

  let meta: { labels: string[]; epochs: number[] };
  try {
    meta = JSON.parse(Buffer.from(file.buffer, file.byteOffset + INDEX_HEADER_BYTES, metaBytes).toString('utf8')) as typeof meta;
  } catch {
    return { ok: false, reason: 'cache metadata is not valid JSON' };
  }
  const buffer = file.buffer;
  let off = file.byteOffset + INDEX_HEADER_BYTES + align8(metaBytes);
  const at = <T>(ctor: new (b: ArrayBufferLike, o: number, n: number) => T, bytes: number, per: number): T => {
    const v = new ctor(buffer, off, bytes / per);
    off += align8(bytes);
    return v;
  };
  const data: NasbenchIndexData = {
    numModules: m,
    numRuns: r,
    labels: meta.labels,
    epochs: meta.epochs,
    hashWords: at(Uint32Array, secs[0]!.bytes, 4),
    params: at(Int32Array, secs[1]!.bytes, 4),
    runStart: at(Uint32Array, secs[2]!.bytes, 4),
    vertexCount: at(Uint8Array, secs[3]!.bytes, 1),
    adjacencyRows: at(Uint8Array, secs[4]!.bytes, 1),
    opLabels: at(Uint8Array, secs[5]!.bytes, 1),
    runEpochCode: at(Uint8Array, secs[6]!.bytes, 1),
    runStats: statBytes === 4 ? at(Float32Array, secs[7]!.bytes, 4) : at(Float64Array, secs[7]!.bytes, 8),
  };
  return { ok: true, index: new NasbenchIndex(data) };
}
