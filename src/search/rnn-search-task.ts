/**
 * The recurrent-cell search as a task of the shared search loop (src/search/search-loop.ts): its steps are
 * `rnnSearchStep`s over language-model chunks with the two hidden states carried from step to step (reset
 * to zeros when an epoch begins, checkpointed in between), its validation pass carries its own hidden state
 * across the chunks of the pass (reset at the first), and its analysis is λ_max of ∇²_α L_valid + 1e-3·I on
 * the pass's last chunk — in eval mode, from a zero hidden state: with dropout active every Hessian-vector
 * product would see other masks (docs/decisions.md).
 */
import { keep, noGrad, type Tensor } from '../tensor/index.js';
import { lanczosAnalysis } from './hessian.js';
import type { Analysis, LoopBatch, LoopModel, SearchTask } from './search-loop.js';
import { rnnEvaluate, rnnSearchStep, type RecurrentSupernet, type RnnHidden, type RnnSearchBatch } from './rnn-search-step.js';

/** A search step's chunks; `first`: the first step of an epoch (the hidden states start from zeros). */
export interface RnnLoopBatch extends LoopBatch, RnnSearchBatch {
  readonly first: boolean;
}

/** A validation chunk; `first`: the first of a pass. */
export interface RnnEvalBatch extends LoopBatch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly first: boolean;
}

export interface RnnTaskOptions {
  /** Columns of the training and validation-for-α streams (the hidden states' batch size). */
  batchSize: number;
  /** Columns of the validation pass's stream. */
  evalBatchSize: number;
  bptt: number;
  arAlpha: number;
  tarBeta: number;
}

export function rnnSearchTask<M extends LoopModel & RecurrentSupernet>(model: M, o: RnnTaskOptions): SearchTask<M, RnnLoopBatch, RnnEvalBatch> {
  let hidden: RnnHidden | null = null;
  let evalHidden: Tensor | null = null;
  // Carried tensors outlive the loop's per-step scopes: kept, and disposed when replaced.
  const zero = (b: number): Tensor => keep(noGrad(() => model.initHidden(b)));
  const hiddenShape = ((t: Tensor) => {
    const shape = t.shape;
    t.dispose();
    return shape;
  })(zero(o.batchSize));
  const setHidden = (h: RnnHidden): void => {
    if (hidden) {
      hidden.train.dispose();
      hidden.valid.dispose();
    }
    hidden = h;
  };
  return {
    step: (ctx, b, cfg) => {
      if (b.first || hidden === null) setHidden({ train: zero(o.batchSize), valid: zero(o.batchSize) });
      const r = rnnSearchStep(ctx.model, ctx.architect, ctx.wOptimizer, b, hidden!, { ...cfg, bptt: o.bptt, arAlpha: o.arAlpha, tarBeta: o.tarBeta });
      setHidden(r.hidden);
      const { hidden: _next, ...result } = r;
      return result;
    },
    evaluate: (m, b) => {
      if (b.first || evalHidden === null) {
        evalHidden?.dispose();
        evalHidden = zero(o.evalBatchSize);
      }
      const r = rnnEvaluate(m, evalHidden, b.x, b.y);
      evalHidden.dispose();
      evalHidden = keep(r.hidden);
      return { loss: r.loss, acc: r.acc };
    },
    analyze: (m, b): Analysis => {
      const h0 = zero(b.x.size(1));
      m.eval();
      try {
        return lanczosAnalysis(() => m.loss(h0, b.x, b.y).loss, m.archParameters());
      } finally {
        m.train();
        h0.dispose();
      }
    },
    state: {
      shapes: () => ({ 'hidden.train': hiddenShape, 'hidden.valid': hiddenShape }),
      save: (T) => {
        if (hidden === null) setHidden({ train: zero(o.batchSize), valid: zero(o.batchSize) });
        T['hidden.train'] = hidden!.train;
        T['hidden.valid'] = hidden!.valid;
      },
      restore: (T) => {
        setHidden({ train: keep(noGrad(() => T['hidden.train']!.clone())), valid: keep(noGrad(() => T['hidden.valid']!.clone())) });
      },
      dispose: () => {
        if (hidden) {
          hidden.train.dispose();
          hidden.valid.dispose();
        }
        hidden = null;
        evalHidden?.dispose();
        evalHidden = null;
      },
    },
  };
}
