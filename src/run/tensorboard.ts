/**
 * TensorBoard scalar logging without TensorFlow: an event file is a TFRecord stream of serialized
 * `tensorboard.Event` protos. Only the fields scalars need are encoded:
 *   Event   { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; } }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; oneof value { float simple_value = 2; } }
 * Encoding follows proto3 exactly as protobuf's serializer does (fields in number order; plain
 * scalar fields equal to 0 are omitted, oneof members are always written), so the bytes equal
 * what Python's protobuf produces for the same Event — the test fixture checks this.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from '../util/crc32c.js';
import { SdartsError, rangeError, typeError } from '../util/errors.js';

/** The first record of every event file; TensorBoard checks this version string. */
export const FILE_VERSION = 'brain.Event:2';

const WIRE_VARINT = 0;
const WIRE_64BIT = 1;
const WIRE_LEN = 2;
const WIRE_32BIT = 5;

/** Minimal protobuf writer: append-only bytes. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  /** Unsigned varint of a non-negative safe integer (7 bits per byte, low group first). */
  varint(n: number): this {
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
    return this;
  }

  private key(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  uint64(field: number, n: number): this {
    return this.key(field, WIRE_VARINT).varint(n);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.key(field, WIRE_64BIT).bytes.push(...b);
    return this;
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.key(field, WIRE_32BIT).bytes.push(...b);
    return this;
  }

  lengthDelimited(field: number, payload: Uint8Array): this {
    this.key(field, WIRE_LEN).varint(payload.length);
    for (const x of payload) this.bytes.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.lengthDelimited(field, Buffer.from(s, 'utf8'));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function eventHeader(wallTime: number, step: number): ProtoWriter {
  const w = new ProtoWriter();
  // proto3: a non-oneof scalar equal to its default (0) is not written.
  if (wallTime !== 0) w.double(1, wallTime);
  if (step !== 0) w.uint64(2, step);
  return w;
}

/** Serialized `Event{wall_time, file_version}`. */
export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return eventHeader(wallTime, 0).string(3, FILE_VERSION).finish();
}

/** Serialized `Event{wall_time, step, summary{value{tag, simple_value}}}`; `value` is stored as float32. */
export function encodeScalarEvent(tag: string, value: number, step: number, wallTime: number): Uint8Array {
  const summaryValue = new ProtoWriter().string(1, tag).float(2, value).finish();
  const summary = new ProtoWriter().lengthDelimited(1, summaryValue).finish();
  return eventHeader(wallTime, step).lengthDelimited(5, summary).finish();
}

/**
 * TFRecord framing: uint64 LE length, masked CRC-32C of those 8 bytes, the payload, masked
 * CRC-32C of the payload. The CRCs let readers detect a record cut short by a killed process.
 */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

export interface TensorBoardWriterOptions {
  /** Seconds since the epoch for the file name and the file_version record (default: now). */
  wallTime?: number;
  /** Host part of the file name (default: os.hostname()). */
  host?: string;
}

/**
 * Appends scalar summaries to `<dir>/events.out.tfevents.<secs>.<host>`. Each record is written
 * to the file as soon as it is added (a killed run keeps everything but a possibly cut last
 * record, which TensorBoard skips); `flush()` also fsyncs, call it at epoch end.
 */
export class TensorBoardWriter {
  readonly dir: string;
  readonly path: string;
  private fd: number | null;

  constructor(dir: string, options: TensorBoardWriterOptions = {}) {
    if (typeof dir !== 'string' || dir === '') throw typeError('TensorBoardWriter', 'dir', 'a directory path', dir);
    const wallTime = options.wallTime ?? Date.now() / 1000;
    if (typeof wallTime !== 'number' || !Number.isFinite(wallTime) || wallTime < 0) {
      throw rangeError('TensorBoardWriter', 'options.wallTime', 'a non-negative number of seconds', wallTime);
    }
    const host = options.host ?? hostname();
    if (typeof host !== 'string' || host === '' || /[/\\]/.test(host)) {
      throw typeError('TensorBoardWriter', 'options.host', 'a host name without path separators', host);
    }
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    const base = `events.out.tfevents.${Math.floor(wallTime)}.${host}`;
    // Two writers in one directory within the same second must not share a file: create
    // exclusively and fall back to a pid/counter suffix (TensorBoard reads any *tfevents* name).
    let fd: number | null = null;
    let path = join(dir, base);
    for (let n = 0; fd === null; n++) {
      path = n === 0 ? join(dir, base) : join(dir, `${base}.${process.pid}.${n}`);
      try {
        fd = openSync(path, 'wx', 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) {
          throw new SdartsError(
            'ERR_SDARTS_RUN_TENSORBOARD_OPEN',
            `TensorBoardWriter(): cannot create event file '${path}': ${(err as Error).message}. Check that the run directory is writable`,
            { cause: err },
          );
        }
      }
    }
    this.fd = fd;
    this.path = path;
    this.writeRecord(encodeFileVersionEvent(wallTime));
  }

  private writeRecord(payload: Uint8Array): void {
    if (this.fd === null) {
      throw new SdartsError('ERR_SDARTS_RUN_TENSORBOARD_CLOSED', `TensorBoardWriter: '${this.path}' is closed; create a new writer to log more scalars`);
    }
    const rec = frameRecord(payload);
    let off = 0;
    while (off < rec.length) off += writeSync(this.fd, rec, off, rec.length - off);
  }

  /**
   * Log `value` (stored as float32, as TensorBoard does) under `tag` at `step`. NaN and ±Infinity
   * are written as such, so a diverging run shows up in the plots.
   */
  addScalar(tag: string, value: number, step: number, wallTime: number = Date.now() / 1000): void {
    const fn = 'TensorBoardWriter.addScalar';
    if (typeof tag !== 'string' || tag === '') throw typeError(fn, 'tag', 'a non-empty string', tag);
    if (typeof value !== 'number') throw typeError(fn, 'value', 'a number', value);
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw rangeError(fn, 'step', 'a non-negative integer', step);
    if (typeof wallTime !== 'number' || !Number.isFinite(wallTime)) throw rangeError(fn, 'wallTime', 'a finite number of seconds', wallTime);
    this.writeRecord(encodeScalarEvent(tag, value, step, wallTime));
  }

  /** One scalar event per entry of `scalars`, all at `step`. */
  addScalars(scalars: Readonly<Record<string, number>>, step: number, wallTime: number = Date.now() / 1000): void {
    for (const [tag, value] of Object.entries(scalars)) this.addScalar(tag, value, step, wallTime);
  }

  /** Make everything written so far durable (fsync). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flush and close; closing twice is a no-op. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    try {
      fsyncSync(fd);
    } finally {
      this.fd = null;
      closeSync(fd);
    }
  }

  get closed(): boolean {
    return this.fd === null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
