/**
 * The language-model batching of the recurrent search (docs/reference-notes.md R3.8): a token stream
 * cut into `bsz` parallel columns, read in chunks of consecutive rows.
 */
import { tensor, type Device, type Tensor } from '../tensor/index.js';
import { rangeError, shapeError, typeError } from '../util/errors.js';
import { positiveInt } from './epoch-loader.js';

/**
 * `batchify` of `sota/rnn/utils.py`: nbatch = ⌊len / bsz⌋ rows, the tail dropped, column b = tokens
 * b·nbatch … (b+1)·nbatch − 1 (the reference's `view(bsz, -1).t().contiguous()`), as an int64
 * [nbatch, bsz] tensor on `device`. At least two rows are needed (one input row and its target).
 */
export function batchify(ids: Int32Array, bsz: number, device: Device = 'cpu'): Tensor {
  const fn = 'batchify';
  if (!(ids instanceof Int32Array)) throw typeError(fn, 'ids', 'an Int32Array of token ids', ids);
  positiveInt(fn, 'bsz', bsz);
  const nbatch = Math.floor(ids.length / bsz);
  if (nbatch < 2) throw rangeError(fn, 'bsz', `a batch size of at most ${Math.floor(ids.length / 2)} (the split has ${ids.length} tokens; each column needs 2 or more)`, bsz);
  const out = new BigInt64Array(nbatch * bsz);
  for (let b = 0; b < bsz; b++) {
    const base = b * nbatch;
    for (let r = 0; r < nbatch; r++) out[r * bsz + b] = BigInt(ids[base + r]!);
  }
  return tensor(out, { shape: [nbatch, bsz], device });
}

/** Rows of a batchified source (checked: a 2-D int64 tensor with at least two rows). */
export function sourceRows(fn: string, source: Tensor, arg = 'source'): number {
  if (source === null || typeof source !== 'object' || typeof (source as Partial<Tensor>).narrow !== 'function') throw typeError(fn, arg, 'a Tensor from batchify()', source);
  if (source.ndim !== 2 || source.shape[0]! < 2) throw shapeError(fn, arg, 'a [rows ≥ 2, batch] tensor from batchify()', source.shape);
  if (source.dtype !== 'int64') throw rangeError(fn, `${arg}.dtype`, "'int64' (a tensor from batchify())", source.dtype);
  return source.shape[0]!;
}

/** Rows of the chunk at row `i` asked to be `seqLen` long: L = min(seqLen, rows − 1 − i), as `get_batch`. */
export function chunkLength(rows: number, i: number, seqLen: number): number {
  return Math.min(seqLen, rows - 1 - i);
}

/**
 * `get_batch` of `sota/rnn/utils.py`: x = rows i … i+L−1, y = rows i+1 … i+L (the next token of each
 * x entry), both [L, B] views of `source`, L = min(seqLen, rows − 1 − i). The reference flattens y
 * in the caller; so does sdarts (`y.reshape(-1)`).
 */
export function getBatch(source: Tensor, i: number, seqLen: number): { x: Tensor; y: Tensor } {
  const fn = 'getBatch';
  const rows = sourceRows(fn, source);
  if (typeof i !== 'number') throw typeError(fn, 'i', 'a row index', i);
  if (!Number.isInteger(i) || i < 0 || i > rows - 2) throw rangeError(fn, 'i', `a row index in [0, ${rows - 2}] (rows − 2)`, i);
  positiveInt(fn, 'seqLen', seqLen);
  const len = chunkLength(rows, i, seqLen);
  return { x: source.narrow(0, i, len), y: source.narrow(0, i + 1, len) };
}
