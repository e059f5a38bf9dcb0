import { maskedCrc32c } from '../util/crc32c.js';

/**
 * TFRecord framing for one payload (byte-identical to `tf.io.TFRecordWriter`). Used by the
 * synthetic-data generator and by tests that build small files in the `nasbench_full` layout.
 */
export function encodeTfRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(16 + payload.length);
  encodeTfRecordInto(payload, out, 0);
  return out;
}

/** Write the framed record at `out[offset...]`; returns the offset just after it. */
export function encodeTfRecordInto(payload: Uint8Array, out: Buffer, offset: number): number {
  const n = payload.length;
  out.writeUInt32LE(n % 0x1_0000_0000, offset);
  out.writeUInt32LE(Math.floor(n / 0x1_0000_0000), offset + 4);
  out.writeUInt32LE(maskedCrc32c(out, offset, offset + 8), offset + 8);
  out.set(payload, offset + 12);
  out.writeUInt32LE(maskedCrc32c(out, offset + 12, offset + 12 + n), offset + 12 + n);
  return offset + 16 + n;
}
