/**
 * The search cell (the reference's DARTSCellSearch, docs/reference-notes.md R3.4): 8 nodes; node i mixes every
 * predecessor j ≤ i through every activation, s = Σ_k Σ_j p[offset+j, k]·(s_j + σ(c_j)·(act_k(h_j) − s_j)) with
 * [c_j | h_j] = (s_j·h_mask) @ Ws[i] (one matrix per node, shared by its predecessors; the residual uses the unmasked
 * states); 'none' adds nothing but keeps its share of the softmax. One BatchNorm1d(nhid, affine=False) normalises
 * s0 and every node (running statistics tracked). Output: the mean of nodes 1..8.
 */
import { F, cat, stack, type Tensor } from '../../tensor/index.js';
import { BatchNorm2d } from '../../nn/index.js';
import { RNN_PRIMITIVES, RNN_STEPS } from '../genotype/index.js';
import { SdartsError } from '../../util/errors.js';
import { RnnCellBase, rnnActivation, type CellMasks } from './rnn-cell-base.js';

/** The activations of the search space: every primitive after 'none', in column order. */
const ACTIVATIONS_FROM = 1;
const ACTIVATIONS = RNN_PRIMITIVES.slice(ACTIVATIONS_FROM) as Exclude<(typeof RNN_PRIMITIVES)[number], 'none'>[];
if (RNN_PRIMITIVES[0] !== 'none') throw new Error('RNN_PRIMITIVES must start with none (the search cell mixes columns 1..)');

/** Edges of the search cell: 1 + 2 + … + 8. */
export const RNN_EDGES = (RNN_STEPS * (RNN_STEPS + 1)) / 2;

export class RnnSearchCell extends RnnCellBase {
  /** BatchNorm1d(nhid, affine=False): a BatchNorm2d over [B, nhid, 1, 1] computes the same statistics. */
  readonly bn: BatchNorm2d;
  /** The architecture logits α, mixed as softmax(α) when a step gets no simplex weights (set by the model). */
  alphaSource: (() => Tensor) | null = null;

  constructor(ninp: number, nhid: number) {
    super(ninp, nhid, RNN_STEPS);
    this.bn = this.registerModule('bn', new BatchNorm2d(nhid, { affine: false }));
  }

  private logits(): Tensor {
    if (!this.alphaSource)
      throw new SdartsError(
        'ERR_SDARTS_CONFIG',
        'RnnSearchCell.forward(): no architecture weights: pass archWeights or use the cell inside an RnnSearchModel.',
      );
    return this.alphaSource();
  }

  private norm(s: Tensor): Tensor {
    return this.bn.forward(s.unsqueeze(-1).unsqueeze(-1)).flatten(1);
  }

  /**
   * Without archWeights the softmax is taken at every time step, as the reference's cell does.
   *
   * Node i's sum Σ_j Σ_{k≠none} p[j,k]·(s_j + σ(c_j)·(act_k(h_j) − s_j)) is computed regrouped as
   * Σ_j (q_j·s_j + σ(c_j)·(A_j − q_j·s_j)) with q_j = Σ_{k≠none} p[j,k] and A_j = Σ_{k≠none} p[j,k]·act_k(h_j):
   * the same value with ~25 kernels per node instead of ~55 (the order of the additions differs, so values
   * agree to rounding, not bitwise; float64 parity with the twin is unchanged, docs/decisions.md).
   */
  protected step(x: Tensor, hPrev: Tensor, m: CellMasks | null, archWeights: Tensor | undefined): Tensor {
    const s0 = this.norm(this.initState(x, hPrev, m));
    const probs = archWeights ?? F.softmax(this.logits(), -1);
    const B = s0.shape[0]!;
    const nhid = this.nhid;
    // [A, E, 1, 1]: the weight of each activation on each edge; [E, 1, 1]: their sum (none excluded).
    const actWeights = probs.slice(1, ACTIVATIONS_FROM).transpose(0, 1).unsqueeze(-1).unsqueeze(-1);
    const kept = probs.slice(1, ACTIVATIONS_FROM).sum(1).unsqueeze(-1).unsqueeze(-1);
    let states = s0.unsqueeze(0);
    let offset = 0;
    const hMask = m ? m.h.unsqueeze(0) : null;
    for (let i = 0; i < RNN_STEPS; i++) {
      const masked = hMask ? states.mul(hMask) : states;
      const ch = masked
        .view(-1, nhid)
        .mm(this.w(i))
        .view(i + 1, B, 2 * nhid);
      const [cRaw, h] = ch.split(nhid, -1) as [Tensor, Tensor];
      const c = cRaw.sigmoid();
      const acts = stack(
        ACTIVATIONS.map((name) => rnnActivation(name, h)),
        0,
      );
      const mixed = actWeights
        .slice(1, offset, offset + i + 1)
        .mul(acts)
        .sum(0);
      const qs = states.mul(kept.slice(0, offset, offset + i + 1));
      const s = qs.add(c.mul(mixed.sub(qs))).sum(0);
      states = cat([states, this.norm(s).unsqueeze(0)], 0);
      offset += i + 1;
    }
    return states.slice(0, 1).mean(0);
  }
}
