/**
 * Functional neural-network ops with the semantics and defaults of torch.nn.functional.
 */
import { native } from './native.js';
import { Tensor } from './tensor.js';
import { opCode, REDUCTION, type Reduction } from './opcodes.js';
import { boolArg, dimArg, finiteArg, intArg, optionsArg, optTensorArg, pairArg, probArg, tensorArg } from './check.js';
import { rangeError, shapeError, typeError } from '../util/errors.js';

type Pair = number | [number, number];

function need4d(fn: string, x: Tensor): void {
  const nd = x.ndim;
  if (nd !== 4 && nd !== 3) throw rangeError(fn, 'input', 'a 3-d (C,H,W) or 4-d (N,C,H,W) tensor', `a ${nd}-d tensor of shape [${x.shape.join(', ')}]`);
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  const fn = 'conv2d';
  optionsArg(fn, o);
  const x = tensorArg(fn, 'input', input);
  const w = tensorArg(fn, 'weight', weight);
  need4d(fn, input);
  if (weight.ndim !== 4) throw rangeError(fn, 'weight', 'a 4-d tensor (out, in/groups, kH, kW)', `shape [${weight.shape.join(', ')}]`);
  return new Tensor(
    native().conv2d(
      x,
      w,
      optTensorArg(fn, 'bias', bias),
      pairArg(fn, 'stride', o.stride ?? 1, 1),
      pairArg(fn, 'padding', o.padding ?? 0, 0),
      pairArg(fn, 'dilation', o.dilation ?? 1, 1),
      intArg(fn, 'groups', o.groups ?? 1, 1),
    ),
  );
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * F.batch_norm(input, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5).
 * In training mode the running statistics (when given) are updated in place.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor {
  const fn = 'batchNorm';
  optionsArg(fn, o);
  const x = tensorArg(fn, 'input', input);
  const training = boolArg(fn, 'training', o.training ?? false);
  if (!training && (runningMean === null || runningVar === null)) {
    throw rangeError(fn, 'runningMean', 'running statistics when training is false', runningMean);
  }
  if (training) {
    // Batch statistics of one value per channel are undefined (variance 0/0): PyTorch refuses them.
    const shape = input.shape;
    const perChannel = shape.reduce((a, s, i) => (i === 1 ? a : a * s), 1);
    if (shape.length >= 2 && perChannel === 1) {
      throw shapeError(fn, 'input', 'more than 1 value per channel when training', shape);
    }
  }
  return new Tensor(
    native().batchNorm(
      x,
      optTensorArg(fn, 'weight', o.weight),
      optTensorArg(fn, 'bias', o.bias),
      optTensorArg(fn, 'runningMean', runningMean),
      optTensorArg(fn, 'runningVar', runningVar),
      training,
      finiteArg(fn, 'momentum', o.momentum ?? 0.1),
      finiteArg(fn, 'eps', o.eps ?? 1e-5),
    ),
  );
}

export interface MaxPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export function maxPool2d(input: Tensor, kernelSize: Pair, o: MaxPool2dOptions = {}): Tensor {
  const fn = 'maxPool2d';
  optionsArg(fn, o);
  const x = tensorArg(fn, 'input', input);
  need4d(fn, input);
  const k = pairArg(fn, 'kernelSize', kernelSize, 1);
  const s = o.stride === undefined || o.stride === null ? k : pairArg(fn, 'stride', o.stride, 1);
  const p = pairArg(fn, 'padding', o.padding ?? 0, 0);
  if (p[0]! * 2 > k[0]! || p[1]! * 2 > k[1]!) throw rangeError(fn, 'padding', `at most half the kernel size (${k.join('x')})`, o.padding);
  return new Tensor(native().maxPool2d(x, k, s, p, pairArg(fn, 'dilation', o.dilation ?? 1, 1), boolArg(fn, 'ceilMode', o.ceilMode ?? false)));
}

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

export function avgPool2d(input: Tensor, kernelSize: Pair, o: AvgPool2dOptions = {}): Tensor {
  const fn = 'avgPool2d';
  optionsArg(fn, o);
  const x = tensorArg(fn, 'input', input);
  need4d(fn, input);
  const k = pairArg(fn, 'kernelSize', kernelSize, 1);
  const s = o.stride === undefined || o.stride === null ? k : pairArg(fn, 'stride', o.stride, 1);
  const p = pairArg(fn, 'padding', o.padding ?? 0, 0);
  if (p[0]! * 2 > k[0]! || p[1]! * 2 > k[1]!) throw rangeError(fn, 'padding', `at most half the kernel size (${k.join('x')})`, o.padding);
  const div = o.divisorOverride === undefined || o.divisorOverride === null ? null : intArg(fn, 'divisorOverride', o.divisorOverride, 1);
  return new Tensor(
    native().avgPool2d(x, k, s, p, boolArg(fn, 'ceilMode', o.ceilMode ?? false), boolArg(fn, 'countIncludePad', o.countIncludePad ?? true), div),
  );
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  const fn = 'adaptiveAvgPool2d';
  const x = tensorArg(fn, 'input', input);
  need4d(fn, input);
  return new Tensor(native().adaptiveAvgPool2d(x, pairArg(fn, 'outputSize', outputSize, 1)));
}

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const fn = 'linear';
  return new Tensor(native().linear(tensorArg(fn, 'input', input), tensorArg(fn, 'weight', weight), optTensorArg(fn, 'bias', bias)));
}

export function relu(x: Tensor): Tensor {
  tensorArg('relu', 'input', x);
  return x.relu();
}
export function tanh(x: Tensor): Tensor {
  tensorArg('tanh', 'input', x);
  return x.tanh();
}
export function sigmoid(x: Tensor): Tensor {
  tensorArg('sigmoid', 'input', x);
  return x.sigmoid();
}

export function softmax(input: Tensor, dim: number): Tensor {
  const x = tensorArg('softmax', 'input', input);
  return new Tensor(native().softmax(x, dimArg('softmax', 'dim', dim, input.ndim)));
}
export function logSoftmax(input: Tensor, dim: number): Tensor {
  const x = tensorArg('logSoftmax', 'input', input);
  return new Tensor(native().logSoftmax(x, dimArg('logSoftmax', 'dim', dim, input.ndim)));
}

function reductionArg(fn: string, r: unknown): number {
  if (typeof r !== 'string' || !(r in REDUCTION)) throw typeError(fn, 'reduction', "'none', 'mean' or 'sum'", r);
  return opCode(REDUCTION, r as Reduction);
}

export interface LossOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
}

/** F.cross_entropy: class-index targets (int64) or class probabilities; optional label smoothing. */
export function crossEntropy(input: Tensor, target: Tensor, o: LossOptions & { labelSmoothing?: number } = {}): Tensor {
  const fn = 'crossEntropy';
  optionsArg(fn, o);
  const x = tensorArg(fn, 'input', input);
  const t = tensorArg(fn, 'target', target);
  return new Tensor(
    native().crossEntropy(
      x,
      t,
      optTensorArg(fn, 'weight', o.weight),
      reductionArg(fn, o.reduction ?? 'mean'),
      intArg(fn, 'ignoreIndex', o.ignoreIndex ?? -100),
      probArg(fn, 'labelSmoothing', o.labelSmoothing ?? 0),
    ),
  );
}

export function nllLoss(input: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  const fn = 'nllLoss';
  optionsArg(fn, o);
  return new Tensor(
    native().nllLoss(
      tensorArg(fn, 'input', input),
      tensorArg(fn, 'target', target),
      optTensorArg(fn, 'weight', o.weight),
      reductionArg(fn, o.reduction ?? 'mean'),
      intArg(fn, 'ignoreIndex', o.ignoreIndex ?? -100),
    ),
  );
}

export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  const fn = 'dropout';
  return new Tensor(native().dropout(tensorArg(fn, 'input', input), probArg(fn, 'p', p), boolArg(fn, 'training', training)));
}

/** F.embedding(input, weight, padding_idx=None). */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  const fn = 'embedding';
  const idx = tensorArg(fn, 'input', input);
  const w = tensorArg(fn, 'weight', weight);
  let p = -1;
  if (paddingIdx !== null) {
    const rows = weight.size(0);
    p = intArg(fn, 'paddingIdx', paddingIdx, -rows, rows - 1);
    if (p < 0) p += rows;
  }
  return new Tensor(native().embedding(w, idx, p));
}

/** F.pad(input, pad, mode='constant', value=0): `pad` lists (left, right, top, bottom, ...) from the last dim. */
export function pad(input: Tensor, pads: number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  const fn = 'pad';
  const x = tensorArg(fn, 'input', input);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > input.ndim) {
    throw rangeError(fn, 'pad', `an even-length array of at most ${2 * input.ndim} integers`, pads);
  }
  pads.forEach((v, i) => intArg(fn, `pad[${i}]`, v));
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) throw rangeError(fn, 'mode', "'constant', 'reflect', 'replicate' or 'circular'", mode);
  return new Tensor(native().pad(x, pads, mode, mode === 'constant' ? finiteArg(fn, 'value', value) : null));
}
