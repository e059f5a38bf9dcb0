/**
 * The search cell (the reference's DARTSCellSearch, docs/reference-notes.md R3.4): 8 nodes; node i mixes every
 * predecessor j ≤ i through every activation, s = Σ_k Σ_j p[offset+j, k]·(s_j + σ(c_j)·(act_k(h_j) − s_j)) with
 * [c_j | h_j] = (s_j·h_mask) @ Ws[i] (one matrix per node, shared by its predecessors; the residual uses the unmasked
 * states); 'none' adds nothing but keeps its share of the softmax. One BatchNorm1d(nhid, affine=False) normalises
 * s0 and every node (running statistics tracked). Output: the mean of nodes 1..8.
 */
import { F, cat, type Tensor } from '../../tensor/index.js';
import { BatchNorm2d } from '../../nn/index.js';
import { RNN_PRIMITIVES, RNN_STEPS } from '../genotype/index.js';
import { SdartsError } from '../../util/errors.js';
import { RnnCellBase, rnnActivation, type CellMasks } from './rnn-cell-base.js';

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

  /** Without archWeights the softmax is taken at every time step, as the reference's cell does. */
  protected step(x: Tensor, hPrev: Tensor, m: CellMasks | null, archWeights: Tensor | undefined): Tensor {
    const s0 = this.norm(this.initState(x, hPrev, m));
    const probs = archWeights ?? F.softmax(this.logits(), -1);
    const B = s0.shape[0]!;
    const nhid = this.nhid;
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
      const rows = probs.slice(0, offset, offset + i + 1);
      let s: Tensor | null = null;
      for (let k = 0; k < RNN_PRIMITIVES.length; k++) {
        const name = RNN_PRIMITIVES[k]!;
        if (name === 'none') continue;
        const unweighted = states.add(c.mul(rnnActivation(name, h).sub(states)));
        const term = rows.select(1, k).unsqueeze(-1).unsqueeze(-1).mul(unweighted).sum(0);
        s = s === null ? term : s.add(term);
      }
      states = cat([states, this.norm(s!).unsqueeze(0)], 0);
      offset += i + 1;
    }
    return states.slice(0, 1).mean(0);
  }
}
