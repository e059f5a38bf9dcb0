import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { maskedCrc32c } from '../util/crc32c.js';
import { dataLossError } from './benchmark-errors.js';

/**
 * Streaming TFRecord reader.
 *
 * Layout of one record (no file header, footer or compression):
 *   u64 LE payload length | u32 LE masked CRC32C of those 8 bytes | payload | u32 LE masked CRC32C of payload
 *
 * The file is read in large chunks with `fs.readSync` (one syscall per chunk, not per record) and a
 * record that straddles two chunks is carried over to the front of the buffer. Both CRCs are
 * checked; a mismatch or a short read throws ERR_SDARTS_BENCHMARK_DATA_LOSS with the byte offset
 * of the record, as TensorFlow's DataLossError does.
 */

export const TFRECORD_HEADER_BYTES = 12;
export const TFRECORD_FOOTER_BYTES = 4;
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Called once per record, in file order. The payload is `buf[start, end)`; `buf` is reused for the
 * next chunk, so copy what must outlive the call.
 */
export type TfRecordHandler = (buf: Buffer, start: number, end: number, offset: number, index: number) => void;

export interface TfRecordReadOptions {
  /** Bytes read per syscall (grown automatically for a record larger than this). */
  chunkBytes?: number;
}

export interface TfRecordReadSummary {
  records: number;
  bytes: number;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

export function readTfRecords(file: string, onRecord: TfRecordHandler, options: TfRecordReadOptions = {}): TfRecordReadSummary {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 64) {
    throw new RangeError(`Expected an integer >= 64 for 'chunkBytes' in readTfRecords() but received ${String(chunkBytes)}`);
  }
  const fd = openSync(file, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(64, fileSize)));
    let bufFileOffset = 0; // file offset of buf[0]
    let filled = 0; // valid bytes in buf
    let pos = 0; // start of the current record in buf
    let eof = false;
    let index = 0;

    // Move the unread tail to the front and read until `need` bytes are available or EOF.
    const refill = (need: number): void => {
      if (pos > 0) {
        buf.copy(buf, 0, pos, filled);
        bufFileOffset += pos;
        filled -= pos;
        pos = 0;
      }
      if (need > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      while (filled < need && !eof) {
        const n = readSync(fd, buf, filled, buf.length - filled, bufFileOffset + filled);
        if (n === 0) eof = true;
        filled += n;
      }
    };

    for (;;) {
      if (filled - pos < TFRECORD_HEADER_BYTES) {
        refill(TFRECORD_HEADER_BYTES);
        if (filled - pos === 0) break;
        if (filled - pos < TFRECORD_HEADER_BYTES) {
          throw dataLossError(
            file,
            bufFileOffset + pos,
            `truncated record header (record #${index}): need ${TFRECORD_HEADER_BYTES} bytes, only ${filled - pos} left before end of file`,
          );
        }
      }
      const offset = bufFileOffset + pos;
      const lenCrc = buf.readUInt32LE(pos + 8);
      const actualLenCrc = maskedCrc32c(buf, pos, pos + 8);
      if (lenCrc !== actualLenCrc) {
        throw dataLossError(file, offset, `length CRC mismatch (record #${index}): stored ${hex(lenCrc)}, computed ${hex(actualLenCrc)}`);
      }
      const length = buf.readUInt32LE(pos) + buf.readUInt32LE(pos + 4) * 0x1_0000_0000;
      const total = TFRECORD_HEADER_BYTES + length + TFRECORD_FOOTER_BYTES;
      if (offset + total > fileSize) {
        throw dataLossError(
          file,
          offset,
          `truncated record (record #${index}): length field says ${length} payload bytes (${total} with framing), ` +
            `only ${fileSize - offset} bytes left before end of file`,
        );
      }
      if (filled - pos < total) {
        refill(total);
        if (filled - pos < total) {
          throw dataLossError(file, offset, `short read (record #${index}): needed ${total} bytes, got ${filled - pos} (file shrank while reading?)`);
        }
      }
      const start = pos + TFRECORD_HEADER_BYTES;
      const end = start + length;
      const dataCrc = buf.readUInt32LE(end);
      const actualDataCrc = maskedCrc32c(buf, start, end);
      if (dataCrc !== actualDataCrc) {
        throw dataLossError(
          file,
          offset,
          `payload CRC mismatch (record #${index}, ${length} payload bytes): stored ${hex(dataCrc)}, computed ${hex(actualDataCrc)}`,
        );
      }
      onRecord(buf, start, end, offset, index);
      index++;
      pos += total;
    }
    return { records: index, bytes: bufFileOffset + pos };
  } finally {
    closeSync(fd);
  }
}
