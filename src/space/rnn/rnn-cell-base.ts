/**
 * What the evaluation and search cells of the recurrent model share (docs/reference-notes.md R3.3, R3.4): the input
 * matrix W0 [(ninp + nhid), 2·nhid] and one matrix per node Ws[i] [nhid, 2·nhid], all U(−0.04, 0.04) in that order;
 * the initial state s0 = h + σ(c0)·(tanh(h0) − h) from [x·x_mask, h·h_mask] @ W0; the loop over time.
 * State-dict keys follow the reference: `_W0`, `_Ws.<i>`.
 */
import { F, cat, empty, noGrad, stack, type Tensor } from '../../tensor/index.js';
import { Module } from '../../nn/index.js';
import type { RnnActivation } from '../genotype/index.js';

/** INITRANGE of the reference's model.py. */
export const RNN_INIT_RANGE = 0.04;

export function rnnActivation(name: RnnActivation, x: Tensor): Tensor {
  switch (name) {
    case 'tanh':
      return F.tanh(x);
    case 'relu':
      return F.relu(x);
    case 'sigmoid':
      return F.sigmoid(x);
    case 'identity':
      return x;
  }
}

/** The cell's masks inside one forward: null in eval mode. */
export interface CellMasks {
  x: Tensor;
  h: Tensor;
}

function uniformParameter(rows: number, cols: number): Tensor {
  return noGrad(() => empty([rows, cols]).uniform_(-RNN_INIT_RANGE, RNN_INIT_RANGE));
}

export abstract class RnnCellBase extends Module {
  readonly ninp: number;
  readonly nhid: number;
  readonly W0: Tensor;
  readonly Ws: Module;

  constructor(ninp: number, nhid: number, steps: number) {
    super();
    this.ninp = ninp;
    this.nhid = nhid;
    this.W0 = this.registerParameter('_W0', uniformParameter(ninp + nhid, 2 * nhid));
    this.Ws = this.registerModule('_Ws', new Module());
    for (let i = 0; i < steps; i++) this.Ws.registerParameter(String(i), uniformParameter(nhid, 2 * nhid));
  }

  /** Ws[i] (read at call time: Module.to replaces the tensors). */
  protected w(i: number): Tensor {
    return this.Ws.getParameter(String(i))!;
  }

  /** s0 = h + σ(c0)·(tanh(h0) − h), [c0 | h0] = [x·x_mask, h·h_mask] @ W0 (masks in training only). */
  protected initState(x: Tensor, hPrev: Tensor, m: CellMasks | null): Tensor {
    const xh = m ? cat([x.mul(m.x), hPrev.mul(m.h)], -1) : cat([x, hPrev], -1);
    const [c0, h0] = xh.mm(this.getParameter('_W0')!).split(this.nhid, -1) as [Tensor, Tensor];
    return hPrev.add(c0.sigmoid().mul(h0.tanh().sub(hPrev)));
  }

  /** One time step: the next hidden state [B, nhid]. */
  protected abstract step(x: Tensor, hPrev: Tensor, m: CellMasks | null, archWeights: Tensor | undefined): Tensor;

  /** inputs [T, B, ninp], hidden [1, B, nhid] → all hidden states [T, B, nhid] and the last [1, B, nhid]. */
  forward(inputs: Tensor, hidden: Tensor, m: CellMasks | null, archWeights?: Tensor): { outputs: Tensor; last: Tensor } {
    let h = hidden.select(0, 0);
    const hs: Tensor[] = [];
    for (let t = 0; t < inputs.shape[0]!; t++) {
      h = this.step(inputs.select(0, t), h, m, archWeights);
      hs.push(h);
    }
    const outputs = stack(hs);
    return { outputs, last: outputs.select(0, hs.length - 1).unsqueeze(0) };
  }
}
