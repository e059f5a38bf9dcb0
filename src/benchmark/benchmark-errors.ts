import { SdartsError } from '../util/errors.js';

// The benchmark layer's codes (ERR_SDARTS_BENCHMARK_*) are declared in the error catalogue,
// src/util/error-codes.ts; here are the two errors that carry more than a message.

/** A corruption error that also carries the file and byte offset as properties, for tools. */
export interface DataLossError extends SdartsError {
  readonly file: string;
  readonly offset: number;
}

export function dataLossError(file: string, offset: number, detail: string): DataLossError {
  const err = new SdartsError(
    'ERR_SDARTS_BENCHMARK_DATA_LOSS',
    `readTfRecords(): data loss in '${file}' at byte offset ${offset}: ${detail}. ` + 'The file is corrupt or incomplete; download or generate it again.',
  );
  return Object.assign(err, { file, offset });
}

/** A record whose framing is fine but whose content cannot be a NAS-Bench-101 row. */
export function badRecordError(file: string, offset: number, recordIndex: number, cause: unknown): SdartsError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const err = new SdartsError(
    'ERR_SDARTS_BENCHMARK_BAD_RECORD',
    `NasBench.open(): record #${recordIndex} at byte offset ${offset} of '${file}' is not a NAS-Bench-101 row: ${detail}`,
    { cause },
  );
  return Object.assign(err, { file, offset });
}
