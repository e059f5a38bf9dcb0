/**
 * The evaluation cell (the reference's DARTSCell, docs/reference-notes.md R3.3): node i+1 takes the state of its one
 * predecessor p, [c | h] = (s_p·h_mask) @ Ws[i], and s = s_p + σ(c)·(act(h) − s_p); the output is the mean of the
 * states listed in the genotype's concat.
 */
import { stack, type Tensor } from '../../tensor/index.js';
import type { RnnGenotype } from '../genotype/index.js';
import { RnnCellBase, rnnActivation, type CellMasks } from './rnn-cell-base.js';

export class RnnCell extends RnnCellBase {
  readonly genotype: RnnGenotype;

  constructor(ninp: number, nhid: number, genotype: RnnGenotype) {
    super(ninp, nhid, genotype.recurrent.length);
    this.genotype = genotype;
  }

  protected step(x: Tensor, hPrev: Tensor, m: CellMasks | null): Tensor {
    const states = [this.initState(x, hPrev, m)];
    this.genotype.recurrent.forEach(([act, pred], i) => {
      const sPrev = states[pred]!;
      const [c, h] = (m ? sPrev.mul(m.h) : sPrev).mm(this.w(i)).split(this.nhid, -1) as [Tensor, Tensor];
      states.push(sPrev.add(c.sigmoid().mul(rnnActivation(act, h).sub(sPrev))));
    });
    return stack(
      this.genotype.concat.map((i) => states[i]!),
      -1,
    ).mean(-1);
  }
}
