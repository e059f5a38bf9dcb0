/**
 * The dropout masks of one training-mode forward of the recurrent language model (docs/reference-notes.md R3.3):
 * embedded dropout (whole vocabulary rows), locked (variational, shared over time) dropout of the cell's input and
 * output, and the cell's two 2-D masks (x and h, shared over time). All masks are already scaled by 1/keep.
 *
 * Drawn with the reference's ops and in its order (sota/rnn/model.py RNNModel.forward, utils.py embedded_dropout /
 * LockedDropout / mask2d): vocabulary rows `bernoulli_(keep)` only if dropoute > 0, input `bernoulli_(keep)` only if
 * dropouti > 0, then x and h as `floor(rand + keep) / keep` — always, even at p = 0 — then output `bernoulli_(keep)`
 * only if dropout > 0. Drawn on the model's device, in its dtype (docs/decisions.md: the reference draws the cell
 * masks in float32 on the CPU and moves them).
 */
import { empty, rand, type DType, type Device, type Tensor } from '../../tensor/index.js';
import { shapeError } from '../../util/errors.js';

export interface RnnMasks {
  /** [ntoken, 1]: rows of the embedding (and tied decoder) weight; null when dropoute = 0. */
  emb: Tensor | null;
  /** [1, B, ninp]: the embedded input, shared over time; null when dropouti = 0. */
  input: Tensor | null;
  /** [B, ninp]: the cell's input at every step. */
  x: Tensor;
  /** [B, nhid]: the cell's previous hidden state and node states at every step. */
  h: Tensor;
  /** [1, B, nhid]: the cell's outputs before the decoder; null when dropout = 0. */
  output: Tensor | null;
}

/** A replacement for the draws: called once per training-mode forward. */
export type RnnMaskSource = () => RnnMasks;

/** The drop probabilities of the recurrent language model (each in [0, 1)). */
export interface RnnDropouts {
  /** Output of the cell (locked). */
  dropout: number;
  /** Hidden state / node states inside the cell (2-D mask). */
  dropouth: number;
  /** Input of the cell (2-D mask). */
  dropoutx: number;
  /** Embedded input (locked). */
  dropouti: number;
  /** Vocabulary rows of the embedding. */
  dropoute: number;
}

export interface RnnMaskShape {
  ntoken: number;
  ninp: number;
  nhid: number;
  batch: number;
  device: Device;
  dtype: DType;
}

/** Bernoulli(keep)/keep of `shape`: the reference's `new(shape).bernoulli_(keep)` then `/ keep`. */
function bernoulliMask(shape: number[], p: number, s: RnnMaskShape): Tensor {
  const keep = 1 - p;
  return empty(shape, { device: s.device, dtype: s.dtype }).bernoulli_(keep).div_(keep);
}

/** The cell's 2-D mask: `floor(rand(B, D) + keep) / keep` (the reference's mask2d). */
export function variationalMask2d(batch: number, dim: number, keep: number, o: { device: Device; dtype: DType }): Tensor {
  return rand([batch, dim], o).add_(keep).floor_().div_(keep);
}

/** Draw the masks of one training-mode forward, in the reference's order. */
export function drawRnnMasks(d: RnnDropouts, s: RnnMaskShape): RnnMasks {
  const emb = d.dropoute > 0 ? bernoulliMask([s.ntoken, 1], d.dropoute, s) : null;
  const input = d.dropouti > 0 ? bernoulliMask([1, s.batch, s.ninp], d.dropouti, s) : null;
  const o = { device: s.device, dtype: s.dtype };
  const x = variationalMask2d(s.batch, s.ninp, 1 - d.dropoutx, o);
  const h = variationalMask2d(s.batch, s.nhid, 1 - d.dropouth, o);
  const output = d.dropout > 0 ? bernoulliMask([1, s.batch, s.nhid], d.dropout, s) : null;
  return { emb, input, x, h, output };
}

/** Check the shapes of masks from a mask source (a null where the model needs a mask is an error, and back). */
export function checkRnnMasks(fn: string, m: RnnMasks, d: RnnDropouts, s: RnnMaskShape): void {
  const want: [keyof RnnMasks, number[] | null][] = [
    ['emb', d.dropoute > 0 ? [s.ntoken, 1] : null],
    ['input', d.dropouti > 0 ? [1, s.batch, s.ninp] : null],
    ['x', [s.batch, s.ninp]],
    ['h', [s.batch, s.nhid]],
    ['output', d.dropout > 0 ? [1, s.batch, s.nhid] : null],
  ];
  for (const [k, shape] of want) {
    const t = m[k];
    if (shape === null) {
      if (t !== null && t !== undefined) throw shapeError(fn, `masks.${k}`, `null (its drop probability is 0)`, t.shape);
      continue;
    }
    if (!t || t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i])) {
      throw shapeError(fn, `masks.${k}`, `a tensor of shape [${shape.join(', ')}]`, t ? t.shape : []);
    }
  }
}
