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
import { F, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
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

/** The conv → BN pairs of a Sequential, by the conv's index (BN with running statistics). */
export function foldablePairs(seq: Sequential): number[] {
  const at: number[] = [];
  for (let i = 0; i + 1 < seq.length; i++) {
    const conv = seq.at(i),
      bn = seq.at(i + 1);
    if (conv instanceof Conv2d && bn instanceof BatchNorm2d && bn.trackRunningStats) at.push(i);
  }
  return at;
}

/** A module that can run with its conv → BN pairs folded (ConvChain, the 1Shot1 ConvBnRelu). */
export interface BatchNormFoldable {
  foldBatchNorm(): void;
  unfoldBatchNorm(): void;
}

const isFoldable = (m: Module): m is Module & BatchNormFoldable =>
  typeof (m as Partial<BatchNormFoldable>).foldBatchNorm === 'function' && typeof (m as Partial<BatchNormFoldable>).unfoldBatchNorm === 'function';

/** A layer that is one Sequential under `op` (the reference's module tree), foldable in eval mode. */
export abstract class FoldableSequential extends Layer implements BatchNormFoldable {
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
  foldBatchNorm(): void {
    this.unfoldBatchNorm();
    this.folded = new FoldedSequential(this.op);
  }
  unfoldBatchNorm(): void {
    this.folded?.release();
    this.folded = null;
  }
}

/** Runs `fn` with every foldable module under `root` folded (in eval mode; train mode runs `fn` as it is). */
export function withFoldedBatchNorm<T>(root: Module, fn: () => T): T {
  if (root.training) return fn();
  const foldable = [...root.namedModules()].map(([, m]) => m).filter(isFoldable);
  try {
    for (const m of foldable) m.foldBatchNorm();
    return fn();
  } finally {
    for (const m of foldable) m.unfoldBatchNorm();
  }
}

/** One Sequential's convolutions with their BNs folded in (made at construction, kept until `release`). */
export class FoldedSequential {
  private readonly folded = new Map<number, FoldedConv>();
  /** Dense compositions by the depthwise conv's index, made on first use (null: not worth it on that input). */
  private readonly composed = new Map<number, FoldedConv | null>();

  constructor(readonly seq: Sequential) {
    // The intermediates (s, the shift) are freed at once; the folded weights and biases are kept.
    tidy(() =>
      noGrad(() => {
        for (const i of foldablePairs(seq)) {
          const conv = seq.at(i) as Conv2d,
            bn = seq.at(i + 1) as BatchNorm2d;
          const gamma = bn.getParameter('weight'),
            beta = bn.getParameter('bias'),
            convBias = conv.getParameter('bias'),
            mean = bn.getBuffer('running_mean')!;
          let s = bn.getBuffer('running_var')!.add(bn.eps).rsqrt();
          if (gamma !== null) s = s.mul(gamma);
          const weight = conv.getParameter('weight')!.mul(s.view([-1, 1, 1, 1]));
          const shift = (convBias === null ? mean.neg() : convBias.sub(mean)).mul(s);
          const bias = beta === null ? shift : shift.add(beta);
          this.folded.set(i, {
            weight: keep(weight),
            bias: keep(bias),
            stride: conv.stride,
            padding: conv.padding,
            dilation: conv.dilation,
            groups: conv.groups,
          });
        }
      }),
    );
  }

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
