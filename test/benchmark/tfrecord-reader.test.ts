import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { readTfRecords } from '../../src/benchmark/tfrecord-reader.js';
import { encodeTfRecord } from '../../src/benchmark/tfrecord-writer.js';
import { loadFixture, MINI_TFRECORD } from './nasbench-fixtures.js';

// record_index in mini_nasbench_expected.json lists, per record, what the reference writer wrote.
const expected = loadFixture('mini_nasbench_expected.json');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-tfrecord-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readAll(file: string, chunkBytes?: number): { offset: number; length: number; hash: string }[] {
  const out: { offset: number; length: number; hash: string }[] = [];
  readTfRecords(
    file,
    (buf, start, end, offset) => {
      out.push({ offset, length: end - start, hash: JSON.parse(buf.toString('utf8', start, end))[0] });
    },
    chunkBytes === undefined ? {} : { chunkBytes },
  );
  return out;
}

function catchErr(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('readTfRecords on mini_nasbench.tfrecord', () => {
  const want = expected.record_index.map((r: any) => ({ offset: r.offset, length: r.payload_length, hash: r.module_hash }));

  it('yields the 45 records at the reference offsets and lengths', () => {
    const got = readAll(MINI_TFRECORD);
    expect(got.length).toBe(45);
    expect(got).toEqual(want);
    expect(got[0]).toEqual({ offset: 0, length: 321, hash: '2f46c9d2f1cff176f34a2295c49822bc' }); // docs/reference-notes.md R5.1 worked example
  });

  it('gives the same records when every record straddles a chunk boundary (64-byte chunks)', () => {
    expect(readAll(MINI_TFRECORD, 64)).toEqual(want);
    expect(readAll(MINI_TFRECORD, 1000)).toEqual(want);
  });

  it('re-framing the payloads reproduces the file byte for byte (writer = tf.io.TFRecordWriter)', () => {
    const original = readFileSync(MINI_TFRECORD);
    const parts: Buffer[] = [];
    readTfRecords(MINI_TFRECORD, (buf, start, end) => parts.push(encodeTfRecord(buf.subarray(start, end))));
    const rebuilt = Buffer.concat(parts);
    expect(rebuilt.equals(original)).toBe(true);
    // stored masked CRCs from the reference index
    const r0 = expected.record_index[0];
    expect(original.readUInt32LE(8)).toBe(r0.length_masked_crc);
    expect(original.readUInt32LE(12 + r0.payload_length)).toBe(r0.data_masked_crc);
  });

  it('an empty file has no records', () => {
    const f = join(tmp, 'empty.tfrecord');
    writeFileSync(f, Buffer.alloc(0));
    expect(readTfRecords(f, () => undefined)).toEqual({ records: 0, bytes: 0 });
  });
});

describe('readTfRecords refuses corrupt files with the byte offset', () => {
  const original = readFileSync(MINI_TFRECORD);
  const rec = expected.record_index[7];

  it('one flipped payload byte: payload CRC mismatch at that record', () => {
    const f = join(tmp, 'flip-payload.tfrecord');
    const bad = Buffer.from(original);
    bad[rec.offset + 12 + 40]! ^= 0x01;
    writeFileSync(f, bad);
    const err = catchErr(() => readAll(f));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_DATA_LOSS');
    expect(err.offset).toBe(rec.offset);
    expect(err.file).toBe(f);
    expect(err.message).toContain(`data loss in '${f}' at byte offset ${rec.offset}: payload CRC mismatch (record #7, ${rec.payload_length} payload bytes)`);
  });

  it('one flipped length byte: length CRC mismatch', () => {
    const f = join(tmp, 'flip-length.tfrecord');
    const bad = Buffer.from(original);
    bad[rec.offset]! ^= 0x10;
    writeFileSync(f, bad);
    const err = catchErr(() => readAll(f));
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_DATA_LOSS');
    expect(err.message).toContain(
      `at byte offset ${rec.offset}: length CRC mismatch (record #7): stored 0x${rec.length_masked_crc.toString(16).padStart(8, '0')}`,
    );
  });

  it('one flipped data-CRC byte is caught too', () => {
    const f = join(tmp, 'flip-crc.tfrecord');
    const bad = Buffer.from(original);
    bad[rec.offset + 12 + rec.payload_length]! ^= 0x80;
    writeFileSync(f, bad);
    expect(catchErr(() => readAll(f)).message).toContain(`at byte offset ${rec.offset}: payload CRC mismatch`);
  });

  it('a truncated tail (cut inside the last record) is a short read', () => {
    const last = expected.record_index[44];
    const f = join(tmp, 'truncated.tfrecord');
    writeFileSync(f, original.subarray(0, original.length - 10));
    const err = catchErr(() => readAll(f));
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_DATA_LOSS');
    expect(err.offset).toBe(last.offset);
    expect(err.message).toContain(
      `at byte offset ${last.offset}: truncated record (record #44): length field says ${last.payload_length} payload bytes ` +
        `(${last.payload_length + 16} with framing), only ${last.payload_length + 6} bytes left before end of file`,
    );
  });

  it('a tail cut inside a record header is a short read too', () => {
    const last = expected.record_index[44];
    const f = join(tmp, 'truncated-header.tfrecord');
    writeFileSync(f, original.subarray(0, last.offset + 5));
    const err = catchErr(() => readAll(f));
    expect(err.message).toContain(`at byte offset ${last.offset}: truncated record header (record #44): need 12 bytes, only 5 left`);
  });
});
