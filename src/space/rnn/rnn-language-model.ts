/**
 * The recurrent language model around one cell (the reference's RNNModel, docs/reference-notes.md R3.3): embedding
 * (tied to the decoder) → embedded dropout → locked input dropout → cell → locked output dropout → decoder →
 * log-softmax. Seeded construction in the reference's draw order: Embedding's normal_, the cell's uniforms, the
 * decoder's Linear init, then init_weights (embedding U(±0.04), decoder bias 0, the tied weight U(±0.04) again).
 * The evaluation model (RnnModel) and the search model (RnnSearchModel) differ only in the cell.
 */
import { F, isFloating, zeros, noGrad, type DType, type Device, type Tensor } from '../../tensor/index.js';
import { Embedding, Module, ModuleList, type StateDict } from '../../nn/index.js';
import { SdartsError, rangeError, shapeError, typeError } from '../../util/errors.js';
import { RNN_INIT_RANGE, type RnnCellBase } from './rnn-cell-base.js';
import { TiedDecoder } from './tied-decoder.js';
import { checkRnnMasks, drawRnnMasks, type RnnDropouts, type RnnMaskShape, type RnnMaskSource, type RnnMasks } from './rnn-masks.js';

export interface RnnModelSizes extends Partial<RnnDropouts> {
  ntoken: number;
  /** Embedding size; the reference requires ninp = nhid = nhidlast. */
  ninp?: number;
  nhid?: number;
  nhidlast?: number;
  device?: Device;
  /** Floating dtype of parameters and buffers (construction draws in float32, then casts). */
  dtype?: DType;
}

export interface RnnForwardOutput {
  /** [T, B, ntoken] */
  logProb: Tensor;
  /** [1, B, nhid]: the last hidden state (not detached). */
  hidden: Tensor;
  /** [T, B, nhid]: the cell's outputs. */
  rawOutput: Tensor;
  /** [T, B, nhid]: the cell's outputs after the locked output dropout (= rawOutput in eval mode). */
  droppedOutput: Tensor;
}

export interface RnnLossOutput extends RnnForwardOutput {
  /** NLL, mean over T·B. */
  loss: Tensor;
}

export interface RnnDefaults extends RnnDropouts {
  size: number;
}

const DROPOUT_NAMES = ['dropout', 'dropouth', 'dropoutx', 'dropouti', 'dropoute'] as const;

/** Check and complete the sizes and dropouts (shared by both models). */
function resolveSizes(fn: string, o: RnnModelSizes, d: RnnDefaults): { ntoken: number; size: number; dropouts: RnnDropouts } {
  if (o === null || typeof o !== 'object') throw typeError(fn, 'options', 'an options object', o);
  if (!Number.isInteger(o.ntoken) || o.ntoken < 1) throw rangeError(fn, 'ntoken', 'a positive integer (the vocabulary size)', o.ntoken);
  const ninp = o.ninp ?? o.nhid ?? o.nhidlast ?? d.size;
  const nhid = o.nhid ?? ninp;
  const nhidlast = o.nhidlast ?? nhid;
  for (const [n, v] of [
    ['ninp', ninp],
    ['nhid', nhid],
    ['nhidlast', nhidlast],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw rangeError(fn, n, 'a positive integer', v);
  }
  if (ninp !== nhid || nhid !== nhidlast) {
    throw new SdartsError(
      'ERR_SDARTS_CONFIG',
      `${fn}(): ninp (${ninp}), nhid (${nhid}) and nhidlast (${nhidlast}) must be equal: the DARTS recurrent model has one layer whose embedding, hidden state and decoder input share one size. Set them to the same value.`,
    );
  }
  const dropouts = {} as RnnDropouts;
  for (const n of DROPOUT_NAMES) {
    const v = o[n] ?? d[n];
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw rangeError(fn, n, 'a drop probability in [0, 1)', v);
    dropouts[n] = v;
  }
  return { ntoken: o.ntoken, size: ninp, dropouts };
}

export abstract class RnnLanguageModel<C extends RnnCellBase> extends Module {
  readonly ntoken: number;
  readonly ninp: number;
  readonly nhid: number;
  readonly nhidlast: number;
  readonly dropouts: Readonly<RnnDropouts>;
  readonly encoder: Embedding;
  readonly rnns: ModuleList<C>;
  readonly decoder: TiedDecoder;
  private maskSource: RnnMaskSource | null = null;
  private readonly fn: string;

  protected constructor(fn: string, o: RnnModelSizes, defaults: RnnDefaults, makeCell: (ninp: number, nhid: number) => C) {
    super();
    const { ntoken, size, dropouts } = resolveSizes(fn, o, defaults);
    if (o.dtype !== undefined && !isFloating(o.dtype)) throw typeError(fn, 'dtype', 'a floating dtype', o.dtype);
    this.fn = fn;
    this.ntoken = ntoken;
    this.ninp = this.nhid = this.nhidlast = size;
    this.dropouts = Object.freeze(dropouts);
    this.encoder = this.registerModule('encoder', new Embedding(ntoken, size));
    this.rnns = this.registerModule('rnns', new ModuleList<C>([makeCell(size, size)]));
    this.decoder = this.registerModule('decoder', new TiedDecoder(this.encoder));
    noGrad(() => {
      this.encoder.getParameter('weight')!.uniform_(-RNN_INIT_RANGE, RNN_INIT_RANGE);
      this.decoder.getParameter('bias')!.fill_(0);
      this.decoder.weight.uniform_(-RNN_INIT_RANGE, RNN_INIT_RANGE);
    });
  }

  /** Move to the constructor's device / dtype (subclasses call it once everything is drawn). */
  protected place(o: RnnModelSizes): void {
    if ((o.device && o.device !== 'cpu') || (o.dtype && o.dtype !== 'float32')) this.to({ device: o.device, dtype: o.dtype });
  }

  get cell(): C {
    return this.rnns.at(0);
  }
  get device(): Device {
    return this.encoder.getParameter('weight')!.device;
  }
  get dtype(): DType {
    return this.encoder.getParameter('weight')!.dtype;
  }

  /** Zeros [1, B, nhid] on the model's device and dtype (the reference's init_hidden, unwrapped). */
  initHidden(batch: number): Tensor {
    if (!Number.isInteger(batch) || batch < 1) throw rangeError(`${this.fn}.initHidden`, 'batch', 'a positive integer', batch);
    return zeros([1, batch, this.nhid], { device: this.device, dtype: this.dtype });
  }

  /**
   * Replace the mask draws: while set, every training-mode forward takes its masks from one call of `src` (already
   * scaled by 1/keep; shapes checked; the model does not dispose them). null restores the draws.
   */
  setMaskSource(src: RnnMaskSource | null): void {
    if (src !== null && typeof src !== 'function') throw typeError(`${this.fn}.setMaskSource`, 'src', 'a function returning RnnMasks, or null', src);
    this.maskSource = src;
  }

  private masks(batch: number): RnnMasks {
    const s: RnnMaskShape = { ntoken: this.ntoken, ninp: this.ninp, nhid: this.nhid, batch, device: this.device, dtype: this.dtype };
    if (!this.maskSource) return drawRnnMasks(this.dropouts, s);
    const m = this.maskSource();
    checkRnnMasks(`${this.fn}.forward`, m, this.dropouts, s);
    return m;
  }

  /** archWeights: the search model's simplex weights used as-is ('weight' mode); the evaluation model takes none. */
  protected run(input: Tensor, hidden: Tensor, archWeights?: Tensor): RnnForwardOutput {
    const fn = `${this.fn}.forward`;
    if (input.ndim !== 2 || input.dtype !== 'int64') throw shapeError(fn, 'input', 'an int64 tensor [T, B] of token ids', input.shape);
    const [, B] = input.shape as [number, number];
    if (hidden.ndim !== 3 || hidden.shape[0] !== 1 || hidden.shape[1] !== B || hidden.shape[2] !== this.nhid) {
      throw shapeError(fn, 'hidden', `a tensor [1, ${B}, ${this.nhid}] (initHidden(${B}) or the last forward's hidden)`, hidden.shape);
    }
    const m = this.training ? this.masks(B) : null;
    const W = this.encoder.getParameter('weight')!;
    let emb = F.embedding(input, m?.emb ? m.emb.mul(W) : W);
    if (m?.input) emb = m.input.mul(emb);
    const { outputs: rawOutput, last } = this.cell.forward(emb, hidden, m ? { x: m.x, h: m.h } : null, archWeights);
    const droppedOutput = m?.output ? m.output.mul(rawOutput) : rawOutput;
    const logProb = F.logSoftmax(this.decoder.forward(droppedOutput.view(-1, this.ninp)), -1).view(-1, B, this.ntoken);
    return { logProb, hidden: last, rawOutput, droppedOutput };
  }

  /** NLL of the forward (mean over T·B); y is [T, B] or flat. */
  protected runLoss(hidden: Tensor, x: Tensor, y: Tensor, archWeights?: Tensor): RnnLossOutput {
    const out = this.run(x, hidden, archWeights);
    if (y.numel !== x.numel) throw shapeError(`${this.fn}.loss`, 'y', `${x.numel} targets ([T, B] or flat)`, y.shape);
    return { loss: F.nllLoss(out.logProb.view(-1, this.ntoken), y.reshape(-1)), ...out };
  }

  /** PyTorch's key order, the tied weight under both names (`encoder.weight`, …, `decoder.weight`, `decoder.bias`). */
  override stateDict(prefix = ''): StateDict {
    const out: StateDict = {};
    for (const [k, v] of Object.entries(super.stateDict(prefix))) {
      if (k === `${prefix}decoder.bias`) out[`${prefix}decoder.weight`] = this.decoder.weight;
      out[k] = v;
    }
    return out;
  }
}
