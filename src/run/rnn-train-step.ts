/**
 * One step of the recurrent evaluation training (docs/reference-notes.md R3.7): the learning rate scaled by
 * seqLen / bptt for this step, NLL + AR + TAR from the carried hidden state, backward, clip ‖∇w‖, an SGD or ASGD
 * step; the next hidden state (detached, kept) replaces the carried one, which is disposed.
 */
import { keep, tidy, type Tensor } from '../tensor/index.js';
import { clipGradNorm_, type ASGD, type SGD } from '../optim/index.js';
import type { RnnModel } from '../space/rnn/index.js';
import { regularizedLoss } from '../search/rnn-search-step.js';

export interface RnnTrainStepConfig {
  lr: number;
  bptt: number;
  clip: number;
  /** AR weight (the reference's --alpha) and TAR weight (--beta). */
  alpha: number;
  beta: number;
}

/** The NLL of the step (perplexity = exp); no accuracy: a top-k over the vocabulary would cost ~7 % of a small step. */
export interface RnnTrainStepResult {
  loss: number;
  /** The step's (scaled) learning rate. */
  lr: number;
  /** The next hidden state (the caller's now; the one passed in is disposed). */
  hidden: Tensor;
}

export function rnnTrainStep(
  model: RnnModel,
  opt: SGD | ASGD,
  params: Tensor[],
  hidden: Tensor,
  x: Tensor,
  y: Tensor,
  seqLen: number,
  c: RnnTrainStepConfig,
): RnnTrainStepResult {
  const group = opt.paramGroups[0]!;
  const lr = (c.lr * seqLen) / c.bptt;
  group.lr = lr;
  try {
    const r = tidy(() => {
      const out = model.loss(hidden, x, y);
      const loss = regularizedLoss(out, c.alpha, c.beta);
      opt.zeroGrad();
      loss.backward();
      clipGradNorm_(params, c.clip);
      opt.step();
      return { loss: out.loss.item(), next: keep(out.hidden.detach()) };
    });
    hidden.dispose();
    return { loss: r.loss, lr, hidden: r.next };
  } finally {
    group.lr = c.lr;
    opt.zeroGrad();
  }
}
