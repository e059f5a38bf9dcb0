/**
 * Test-only decoder for TensorBoard event files, written independently of the writer: TFRecord
 * framing with both masked CRCs checked, then a generic protobuf walk of Event / Summary / Value.
 */
import { readFileSync } from 'node:fs';
import { maskedCrc32c } from '../../src/util/crc32c.js';

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; simpleValue: number }[];
}

interface Field {
  no: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
  fixed64?: DataView;
  fixed32?: DataView;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ no, wire, varint: v });
      pos = p2;
    } else if (wire === 1) {
      out.push({ no, wire, fixed64: new DataView(buf.buffer, buf.byteOffset + pos, 8) });
      pos += 8;
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      out.push({ no, wire, bytes: buf.subarray(p2, p2 + Number(len)) });
      pos = p2 + Number(len);
    } else if (wire === 5) {
      out.push({ no, wire, fixed32: new DataView(buf.buffer, buf.byteOffset + pos, 4) });
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  if (pos !== buf.length) throw new Error('message overran its length');
  return out;
}

export function decodeEvent(payload: Uint8Array): DecodedEvent {
  const ev: DecodedEvent = { wallTime: 0, step: 0, values: [] };
  for (const f of fields(payload)) {
    if (f.no === 1 && f.wire === 1) ev.wallTime = f.fixed64!.getFloat64(0, true);
    else if (f.no === 2 && f.wire === 0) ev.step = Number(BigInt.asIntN(64, f.varint!));
    else if (f.no === 3 && f.wire === 2) ev.fileVersion = Buffer.from(f.bytes!).toString('utf8');
    else if (f.no === 5 && f.wire === 2) {
      for (const sv of fields(f.bytes!)) {
        if (sv.no !== 1 || sv.wire !== 2) throw new Error(`unexpected Summary field ${sv.no}`);
        let tag = '';
        let simpleValue = Number.NaN;
        let seen = false;
        for (const vf of fields(sv.bytes!)) {
          if (vf.no === 1 && vf.wire === 2) tag = Buffer.from(vf.bytes!).toString('utf8');
          else if (vf.no === 2 && vf.wire === 5) {
            simpleValue = vf.fixed32!.getFloat32(0, true);
            seen = true;
          } else throw new Error(`unexpected Summary.Value field ${vf.no}`);
        }
        if (!seen) throw new Error('Summary.Value without simple_value');
        ev.values.push({ tag, simpleValue });
      }
    } else throw new Error(`unexpected Event field ${f.no} (wire ${f.wire})`);
  }
  return ev;
}

/** Split a TFRecord file into payloads, checking both CRCs of every record. */
export function readRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new Error(`truncated record header at ${pos}`);
    const len = Number(view.getBigUint64(pos, true));
    if (view.getUint32(pos + 8, true) !== maskedCrc32c(bytes, pos, pos + 8)) throw new Error(`bad length CRC at ${pos}`);
    const start = pos + 12;
    if (start + len + 4 > bytes.length) throw new Error(`truncated record at ${pos}`);
    if (view.getUint32(start + len, true) !== maskedCrc32c(bytes, start, start + len)) throw new Error(`bad data CRC at ${pos}`);
    out.push(bytes.subarray(start, start + len));
    pos = start + len + 4;
  }
  return out;
}

export function readEventFile(path: string): DecodedEvent[] {
  return readRecords(new Uint8Array(readFileSync(path))).map(decodeEvent);
}
