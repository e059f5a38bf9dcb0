/**
 * The evaluation pass of the recurrent search and training (`evaluate` in `sota/rnn/train_search.py`
 * and `sota/rnn/train.py`; docs/reference-notes.md R3.8): chunks at rows 0, bptt, 2·bptt, … < rows − 1
 * of a batchified split (validation at batch 10, test at batch 1), each min(bptt, rows − 1 − i) long,
 * the hidden state carried from one chunk to the next. The reference's loss is
 * Σ length·NLL(chunk) / rows — divided by the source's rows, although the lengths sum to rows − 1.
 */
import type { Tensor } from '../tensor/index.js';
import { positiveInt } from './epoch-loader.js';
import { chunkLength, sourceRows } from './ptb-batches.js';
import { PtbChunk } from './ptb-chunks.js';

/** Batch sizes of the reference's validation and test passes. */
export const EVAL_BATCH_SIZE = 10;
export const TEST_BATCH_SIZE = 1;

/** The chunks of one evaluation pass (`seqLen` = bptt, `length` = rows read; tensors on first access). */
export function* evalChunks(source: Tensor, bptt = 35): Generator<PtbChunk, void, undefined> {
  const rows = sourceRows('evalChunks', source);
  positiveInt('evalChunks', 'bptt', bptt);
  let batch = 0;
  for (let i = 0; i < rows - 1; i += bptt) yield new PtbChunk(i, batch++, bptt, chunkLength(rows, i, bptt), source, null, null);
}

/** Chunks in one evaluation pass: ⌈(rows − 1) / bptt⌉. */
export function evalChunkCount(rows: number, bptt = 35): number {
  return Math.ceil((rows - 1) / bptt);
}
