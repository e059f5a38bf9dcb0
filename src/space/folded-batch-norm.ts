/**
 * Eval-mode batch norm folded into the convolution before it. With running statistics (μ, σ²), BN(conv(x, W))
 * is conv(x, W·s) + b per output channel, s = γ/√(σ² + ε) and b = β − μ·s (γ = 1, β = 0 without affine). The
 * 'fused' kernels (src/space/kernel-mode.ts) use it while the weights and statistics are held fixed — PGD's
 * attack, whose nine eval-mode forwards and seven backwards then make one convolution where they made a
 * convolution and a batch norm. A depthwise convolution followed by a folded pointwise one is, where that pays
 * (COMPOSE_MAX_EXTRA_MACS), one dense convolution. Both round differently from the unfolded kernels (weights are
 * scaled before the convolution's sum, not the sum after it); the folded weights are constants (no weight
 * gradient flows through them).
 */
import { F, cat, foreachMulList, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { BatchNorm2d, Conv2d, Layer, type Module, type Sequential } from '../nn/index.js';

/** A convolution's weight, bias and geometry. */
export interface FoldedConv {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
}

/**
 * A depthwise k×k convolution followed by a folded pointwise one (a separable or dilated convolution) is one
 * dense k×k convolution with weight W[o, i] = P[o, i] · D[i] (P the folded pointwise weight, D the depthwise
 * one): two kernels fewer forward and backward, at k²·C_in·C_out multiply-adds per output pixel instead of
 * k²·C_in + C_in·C_out. Composed only where the extra work on the actual input is at most this many
 * multiply-adds (2^18 ≈ 0.26 M: on a CPU core some µs, about what launching the two kernels and their backward
 * nodes costs), so small, launch-bound shapes compose and compute-bound ones keep the separable pair.
 */
export const COMPOSE_MAX_EXTRA_MACS = 2 ** 18;

const isDepthwise = (c: Conv2d): boolean => c.groups > 1 && c.groups === c.inChannels && c.groups === c.outChannels;
const isPointwise = (c: Conv2d): boolean => c.groups === 1 && [...c.kernelSize, ...c.stride].every((v) => v === 1) && c.padding[0] === 0 && c.padding[1] === 0;

/** The extra multiply-adds of one dense convolution in place of depthwise `dw` then pointwise `pw`, on input `x` (NCHW). */
function extraMacs(dw: Conv2d, pw: Conv2d, x: Tensor): number {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = dw.kernelSize;
  const out = (size: number, k: number, d: 0 | 1) => Math.floor((size + 2 * dw.padding[d] - dw.dilation[d] * (k - 1) - 1) / dw.stride[d]) + 1;
  const cIn = dw.inChannels,
    cOut = pw.outChannels;
  return (kh * kw * cIn * cOut - (kh * kw * cIn + cIn * cOut)) * n * out(h, kh, 0) * out(w, kw, 1);
}

/** A conv → BN pair of a Sequential: the conv at `index`, the BN after it. */
export interface ConvBnPair {
  readonly index: number;
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
}

/** The conv → BN pairs of a Sequential (BN with running statistics). */
export function convBnPairs(seq: Sequential): ConvBnPair[] {
  const out: ConvBnPair[] = [];
  for (let i = 0; i + 1 < seq.length; i++) {
    const conv = seq.at(i),
      bn = seq.at(i + 1);
    if (conv instanceof Conv2d && bn instanceof BatchNorm2d && bn.trackRunningStats) out.push({ index: i, conv, bn });
  }
  return out;
}

/**
 * Folds many pairs at once, in a number of calls that does not grow with the pairs: per group of pairs the formula
 * needs alike (ε, dtype, device, which of γ, β and a conv bias exist) the statistics are concatenated, s and the
 * shift computed once, split, and the weights scaled in one multi-tensor product. Each value is the one the
 * per-pair formula gives (the same elementwise operations). The results are kept: release them.
 */
export function foldPairs(pairs: readonly ConvBnPair[]): FoldedConv[] {
  const groups = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    const w = p.conv.getParameter('weight')!;
    const has = [p.bn.getParameter('weight'), p.bn.getParameter('bias'), p.conv.getParameter('bias')].map((t) => t !== null);
    const key = [p.bn.eps, w.dtype, w.device, ...has].join();
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out: FoldedConv[] = [];
  tidy(() =>
    noGrad(() => {
      for (const members of groups.values()) {
        const ps = members.map((i) => pairs[i]!);
        const joined = (get: (p: ConvBnPair) => Tensor | null): Tensor | null =>
          get(ps[0]!) === null
            ? null
            : ps.length === 1
              ? get(ps[0]!)!
              : cat(
                  ps.map((p) => get(p)!),
                  0,
                );
        const gamma = joined((p) => p.bn.getParameter('weight')),
          beta = joined((p) => p.bn.getParameter('bias')),
          convBias = joined((p) => p.conv.getParameter('bias')),
          mean = joined((p) => p.bn.getBuffer('running_mean'))!;
        let s = joined((p) => p.bn.getBuffer('running_var'))!
          .add(ps[0]!.bn.eps)
          .rsqrt();
        if (gamma !== null) s = s.mul(gamma);
        let shift = (convBias === null ? mean.neg() : convBias.sub(mean)).mul(s);
        if (beta !== null) shift = shift.add(beta);
        const sizes = ps.map((p) => p.bn.numFeatures);
        const weights = foreachMulList(
          ps.map((p) => p.conv.getParameter('weight')!),
          s.view([-1, 1, 1, 1]).split(sizes, 0),
        );
        const biases = shift.split(sizes, 0);
        members.forEach((i, k) => {
          const c = pairs[i]!.conv;
          out[i] = { weight: keep(weights[k]!), bias: keep(biases[k]!), stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
        });
      }
    }),
  );
  return out;
}

/** A layer that is one Sequential under `op` (the reference's module tree), foldable in eval mode. */
export abstract class FoldableSequential extends Layer {
  readonly op: Sequential;
  private folded: FoldedSequential | null = null;
  constructor(seq: Sequential) {
    super();
    this.op = this.registerModule('op', seq);
  }
  forward(x: Tensor): Tensor {
    return this.runFrom(0, x);
  }
  /** The Sequential from layer `start` on (folded when folded and in eval mode). */
  protected runFrom(start: number, x: Tensor): Tensor {
    if (this.folded !== null && !this.training) return this.folded.run(start, x);
    let y = x;
    for (let i = start; i < this.op.length; i++) y = this.op.at(i).forward(y);
    return y;
  }
  /** Folds this layer's pairs (`folded`: their folds, made by one foldPairs with other layers'; default: its own). */
  foldBatchNorm(pairs: readonly ConvBnPair[] = convBnPairs(this.op), folded: readonly FoldedConv[] = foldPairs(pairs)): void {
    this.unfoldBatchNorm();
    this.folded = new FoldedSequential(this.op, new Map(pairs.map((p, k) => [p.index, folded[k]!])));
  }
  unfoldBatchNorm(): void {
    this.folded?.release();
    this.folded = null;
  }
}

/**
 * Runs `fn` with every FoldableSequential under `root` folded, all pairs in one foldPairs (in eval mode;
 * train mode runs `fn` as it is).
 */
export function withFoldedBatchNorm<T>(root: Module, fn: () => T): T {
  if (root.training) return fn();
  const layers = [...root.namedModules()].map(([, m]) => m).filter((m): m is FoldableSequential => m instanceof FoldableSequential);
  const pairs = layers.map((l) => convBnPairs(l.op));
  try {
    const all = foldPairs(pairs.flat());
    let at = 0;
    layers.forEach((l, i) => {
      l.foldBatchNorm(pairs[i], all.slice(at, (at += pairs[i]!.length)));
    });
    return fn();
  } finally {
    for (const l of layers) l.unfoldBatchNorm();
  }
}

/** One Sequential's convolutions with their BNs folded in (kept until `release`), and dense compositions made from them. */
export class FoldedSequential {
  /** Dense compositions by the depthwise conv's index, made on first use (null: not worth it on that input). */
  private readonly composed = new Map<number, FoldedConv | null>();

  constructor(
    readonly seq: Sequential,
    private readonly folded: Map<number, FoldedConv>,
  ) {}

  /** `seq` from layer `start` on, with the folded (and, where it pays, composed) convolutions. */
  run(start: number, x: Tensor): Tensor {
    let y = x;
    for (let i = start; i < this.seq.length; i++) {
      const layer = this.seq.at(i);
      const composite = layer instanceof Conv2d ? this.composite(i, layer, y) : null;
      const f = composite ?? this.folded.get(i);
      if (f === undefined) {
        y = layer.forward(y);
        continue;
      }
      y = F.conv2d(y, f.weight, f.bias, { stride: f.stride, padding: f.padding, dilation: f.dilation, groups: f.groups });
      i += composite ? 2 : 1; // the pointwise conv and the BN (or just the BN) are in this convolution
    }
    return y;
  }

  private composite(i: number, dw: Conv2d, x: Tensor): FoldedConv | null {
    const pw = this.seq.at(i + 1);
    const pwFolded = this.folded.get(i + 1);
    if (pwFolded === undefined || !(pw instanceof Conv2d) || !isDepthwise(dw) || !isPointwise(pw) || dw.getParameter('bias') !== null) return null;
    if (!this.composed.has(i)) {
      const fits = extraMacs(dw, pw, x) <= COMPOSE_MAX_EXTRA_MACS;
      // P [C_out, C_in, 1, 1] · D permuted to [1, C_in, k, k]: the depthwise geometry, the pointwise bias.
      const weight = fits ? tidy(() => keep(noGrad(() => pwFolded.weight.mul(dw.getParameter('weight')!.permute(1, 0, 2, 3))))) : null;
      this.composed.set(i, weight === null ? null : { weight, bias: pwFolded.bias, stride: dw.stride, padding: dw.padding, dilation: dw.dilation, groups: 1 });
    }
    return this.composed.get(i) ?? null;
  }

  release(): void {
    for (const c of this.composed.values()) c?.weight.dispose();
    for (const f of this.folded.values()) {
      f.weight.dispose();
      f.bias.dispose();
    }
    this.composed.clear();
    this.folded.clear();
  }
}
