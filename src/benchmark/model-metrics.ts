import { SdartsError } from '../util/errors.js';

/**
 * Hand-written decoder/encoder for NAS-Bench-101's `ModelMetrics` protobuf (proto2, package
 * `nasbench`), covering only the fields the API reads; every other field is skipped by wire type.
 *
 *   ModelMetrics   { repeated EvaluationData evaluation_data = 1; int32 trainable_parameters = 2; double total_time = 3; }
 *   EvaluationData { double current_epoch = 1; double training_time = 2; double train_accuracy = 3;
 *                    double validation_accuracy = 4; double test_accuracy = 5; string checkpoint_path = 6; }
 *
 * proto2 semantics kept: a missing field reads as 0 / "", a repeated scalar field keeps its last
 * value, each occurrence of field 1 appends one EvaluationData in order.
 */

export interface EvaluationData {
  current_epoch: number;
  training_time: number;
  train_accuracy: number;
  validation_accuracy: number;
  test_accuracy: number;
  checkpoint_path: string;
}

export interface ModelMetrics {
  evaluation_data: EvaluationData[];
  trainable_parameters: number;
  total_time: number;
}

/**
 * The 8 per-run statistics of the API, in the order they are stored in run-stat arrays:
 * `evaluation_data[1]` is "halfway", `evaluation_data[2]` is "final" (selected by position, as
 * `api.py` does; `current_epoch` is never checked).
 */
export const RUN_STAT_KEYS = [
  'halfway_training_time',
  'halfway_train_accuracy',
  'halfway_validation_accuracy',
  'halfway_test_accuracy',
  'final_training_time',
  'final_train_accuracy',
  'final_validation_accuracy',
  'final_test_accuracy',
] as const;
export type RunStatKey = (typeof RUN_STAT_KEYS)[number];
export const RUN_STATS = RUN_STAT_KEYS.length;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function malformed(what: string, at: number): SdartsError {
  return new SdartsError('ERR_SDARTS_BENCHMARK_BAD_RECORD', `decodeModelMetrics(): malformed protobuf: ${what} at byte ${at}`);
}

/** Minimal protobuf wire reader over `bytes[pos, end)`. */
class WireReader {
  pos: number;
  constructor(
    public bytes: Uint8Array,
    start: number,
    public end: number,
    public view: DataView,
  ) {
    this.pos = start;
  }

  /** Point a reused reader at new bytes (the table builder decodes ~1.3 M messages). */
  reset(bytes: Uint8Array, start: number, end: number, view: DataView): this {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.view = view;
    return this;
  }

  /** A key: almost always one byte, so that case skips the general varint loop. */
  key(): number {
    const b = this.bytes[this.pos]!;
    if (b < 0x80 && this.pos < this.end) {
      this.pos++;
      return b;
    }
    return this.varint();
  }

  /** A varint as a JS number (exact below 2^53, which covers keys and lengths). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint', this.pos);
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw malformed('varint longer than 10 bytes', this.pos);
  }

  /** An int32 varint: the low 32 bits as signed (a negative int32 is sent as a 10-byte varint). */
  int32(): number {
    let lo = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint', this.pos);
      const b = this.bytes[this.pos++]!;
      if (i < 5) lo |= (b & 0x7f) << (7 * i); // bits beyond 31 fall off the shift, as wanted
      if (b < 0x80) return lo | 0;
    }
    throw malformed('varint longer than 10 bytes', this.pos);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw malformed('truncated double', this.pos);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Length of a length-delimited field; leaves `pos` at its first byte. */
  length(): number {
    const n = this.varint();
    if (this.pos + n > this.end) throw malformed(`length ${n} runs past the end`, this.pos);
    return n;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.advance(this.length());
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      default:
        throw malformed(`unsupported wire type ${wireType}`, this.pos);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw malformed('truncated field', this.pos);
    this.pos += n;
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeEvaluation(r: WireReader, end: number): EvaluationData {
  const e: EvaluationData = { current_epoch: 0, training_time: 0, train_accuracy: 0, validation_accuracy: 0, test_accuracy: 0, checkpoint_path: '' };
  const sub = new WireReader(r.bytes, r.pos, end, r.view);
  while (sub.pos < end) {
    const key = sub.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === WIRE_I64 && field >= 1 && field <= 5) {
      const v = sub.double();
      if (field === 1) e.current_epoch = v;
      else if (field === 2) e.training_time = v;
      else if (field === 3) e.train_accuracy = v;
      else if (field === 4) e.validation_accuracy = v;
      else e.test_accuracy = v;
    } else if (wire === WIRE_LEN && field === 6) {
      const n = sub.length();
      e.checkpoint_path = Buffer.from(sub.bytes.buffer, sub.bytes.byteOffset + sub.pos, n).toString('utf8');
      sub.pos += n;
    } else {
      sub.skip(wire);
    }
  }
  r.pos = end;
  return e;
}

/** Decode a serialized ModelMetrics from `bytes[start, end)`. */
export function decodeModelMetrics(bytes: Uint8Array, start = 0, end = bytes.length): ModelMetrics {
  const r = new WireReader(bytes, start, end, viewOf(bytes));
  const m: ModelMetrics = { evaluation_data: [], trainable_parameters: 0, total_time: 0 };
  while (r.pos < end) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === WIRE_LEN) {
      const n = r.length();
      m.evaluation_data.push(decodeEvaluation(r, r.pos + n));
    } else if (field === 2 && wire === WIRE_VARINT) {
      m.trainable_parameters = r.int32();
    } else if (field === 3 && wire === WIRE_I64) {
      m.total_time = r.double();
    } else {
      r.skip(wire);
    }
  }
  return m;
}

/**
 * Fast path for the table builder: decode only what the API keeps. Writes the 8 RUN_STAT_KEYS
 * values of `evaluation_data[1]` and `[2]` to `out[outOffset, outOffset+8)` and returns
 * `trainable_parameters`. Throws if there are fewer than 3 evaluations (the reference would raise
 * IndexError while loading).
 */
const fastReader = new WireReader(new Uint8Array(0), 0, 0, new DataView(new ArrayBuffer(0)));

export function decodeRunStatsInto(bytes: Uint8Array, start: number, end: number, view: DataView, out: Float64Array, outOffset: number): number {
  const r = fastReader.reset(bytes, start, end, view);
  out.fill(0, outOffset, outOffset + RUN_STATS);
  let params = 0;
  let evalIndex = 0;
  while (r.pos < end) {
    const key = r.key();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === WIRE_LEN) {
      const n = r.length();
      const evalEnd = r.pos + n;
      if (evalIndex === 1 || evalIndex === 2) {
        const base = outOffset + (evalIndex === 1 ? 0 : 4);
        while (r.pos < evalEnd) {
          const k = r.key();
          const f = Math.floor(k / 8);
          const w = k & 7;
          // Fields 2..5 (training_time, train/validation/test accuracy) map to slots 0..3.
          if (w === WIRE_I64 && f >= 2 && f <= 5) out[base + f - 2] = r.double();
          else r.skip(w);
          if (r.pos > evalEnd) throw malformed('field runs past its EvaluationData', r.pos);
        }
      }
      r.pos = evalEnd;
      evalIndex++;
    } else if (field === 2 && wire === WIRE_VARINT) {
      params = r.int32();
    } else {
      r.skip(wire);
    }
  }
  if (evalIndex < 3) {
    throw new SdartsError(
      'ERR_SDARTS_BENCHMARK_BAD_RECORD',
      `decodeModelMetrics(): expected at least 3 evaluation_data entries (step 0, halfway, final) but found ${evalIndex}`,
    );
  }
  return params;
}

// ---- encoder (for synthetic files and tests) ----

function pushVarint(out: number[], value: number): void {
  // int32 negatives are sign-extended to 64 bits (10 bytes), as protobuf does.
  if (value < 0) {
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      out.push((lo & 0x7f) | 0x80);
      lo >>>= 7;
    }
    out.push((lo & 0x0f) | 0x70 | 0x80);
    for (let i = 0; i < 4; i++) out.push(0xff);
    out.push(0x01);
    return;
  }
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

const f64 = new DataView(new ArrayBuffer(8));
function pushDouble(out: number[], value: number): void {
  f64.setFloat64(0, value, true);
  for (let i = 0; i < 8; i++) out.push(f64.getUint8(i));
}

export type EvaluationInput = Partial<EvaluationData>;
export interface ModelMetricsInput {
  evaluation_data: EvaluationInput[];
  trainable_parameters?: number;
  total_time?: number;
}

/**
 * Serialize like proto2 does: fields in number order, only the fields that are set (present and
 * not undefined). With every field set this is byte-identical to the Python protobuf encoder.
 */
export function encodeModelMetrics(m: ModelMetricsInput): Buffer {
  const out: number[] = [];
  for (const e of m.evaluation_data) {
    const body: number[] = [];
    const doubles: [number, number | undefined][] = [
      [1, e.current_epoch],
      [2, e.training_time],
      [3, e.train_accuracy],
      [4, e.validation_accuracy],
      [5, e.test_accuracy],
    ];
    for (const [field, v] of doubles) {
      if (v === undefined) continue;
      body.push((field << 3) | WIRE_I64);
      pushDouble(body, v);
    }
    if (e.checkpoint_path !== undefined) {
      const s = Buffer.from(e.checkpoint_path, 'utf8');
      body.push((6 << 3) | WIRE_LEN);
      pushVarint(body, s.length);
      for (const b of s) body.push(b);
    }
    out.push((1 << 3) | WIRE_LEN);
    pushVarint(out, body.length);
    for (const b of body) out.push(b);
  }
  if (m.trainable_parameters !== undefined) {
    out.push((2 << 3) | WIRE_VARINT);
    pushVarint(out, m.trainable_parameters);
  }
  if (m.total_time !== undefined) {
    out.push((3 << 3) | WIRE_I64);
    pushDouble(out, m.total_time);
  }
  return Buffer.from(out);
}
