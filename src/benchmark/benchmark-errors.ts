import { SdartsError } from '../util/errors.js';

/**
 * Error codes of the benchmark layer. Each maps to one way a caller should react, which is why
 * "the spec is malformed", "the spec is well-formed but outside NAS-Bench-101" and "the spec is in
 * the space but this file has no entry for it" are three codes and not one.
 */
export const BENCHMARK_ERROR = {
  /** The tfrecord container is corrupt or truncated (TensorFlow's DataLossError). */
  DATA_LOSS: 'ERR_SDARTS_BENCHMARK_DATA_LOSS',
  /** A record passed both CRCs but its JSON row or protobuf is not what NAS-Bench-101 writes. */
  BAD_RECORD: 'ERR_SDARTS_BENCHMARK_BAD_RECORD',
  /** The matrix/ops cannot form a ModelSpec at all (the reference's constructor ValueError). */
  INVALID_SPEC: 'ERR_SDARTS_BENCHMARK_INVALID_SPEC',
  /** A well-formed spec outside the NAS-Bench-101 space (the reference's OutOfDomainError). */
  OUT_OF_DOMAIN: 'ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN',
  /** A valid hash or spec that the opened file has no record for (the reference's KeyError). */
  NOT_FOUND: 'ERR_SDARTS_BENCHMARK_NOT_FOUND',
  /** The dataset file cannot be opened or read. */
  FILE: 'ERR_SDARTS_BENCHMARK_FILE',
} as const;

export type BenchmarkErrorCode = (typeof BENCHMARK_ERROR)[keyof typeof BENCHMARK_ERROR];

/** A corruption error that also carries the file and byte offset as properties, for tools. */
export interface DataLossError extends SdartsError {
  readonly file: string;
  readonly offset: number;
}

export function dataLossError(file: string, offset: number, detail: string): DataLossError {
  const err = new SdartsError(
    BENCHMARK_ERROR.DATA_LOSS,
    `readTfRecords(): data loss in '${file}' at byte offset ${offset}: ${detail}. ` + 'The file is corrupt or incomplete; download or generate it again.',
  );
  return Object.assign(err, { file, offset });
}

/** A record whose framing is fine but whose content cannot be a NAS-Bench-101 row. */
export function badRecordError(file: string, offset: number, recordIndex: number, cause: unknown): SdartsError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const err = new SdartsError(
    BENCHMARK_ERROR.BAD_RECORD,
    `NasBench.open(): record #${recordIndex} at byte offset ${offset} of '${file}' is not a NAS-Bench-101 row: ${detail}`,
    { cause },
  );
  return Object.assign(err, { file, offset });
}
