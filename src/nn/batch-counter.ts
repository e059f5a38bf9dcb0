/**
 * num_batches_tracked of many BatchNorm2d layers counted in one multi-tensor add per forward instead of one add
 * per layer (src/space/kernel-mode.ts: the 'fused' kernels). Exact: every counter ends each train-mode forward
 * of the owner with the value the layers' own adds give — provided every counted layer runs once per forward,
 * as in the search supernets. Layers with the cumulative average (momentum null) keep counting themselves.
 */
import { foreachAddScalar_, noGrad, type Tensor } from '../tensor/index.js';
import { BatchNorm2d } from './batch-norm.js';
import type { Module } from './module.js';

export class BatchCounter {
  private readonly layers: BatchNorm2d[];

  /** Takes over the counting of every BN under `root` that tracks running statistics with a fixed momentum. */
  constructor(root: Module) {
    this.layers = [...root.namedModules()]
      .map(([, m]) => m)
      .filter((m): m is BatchNorm2d => m instanceof BatchNorm2d && m.trackRunningStats && m.momentum !== null);
    for (const bn of this.layers) bn.countsOwnBatches = false;
  }

  /** One train-mode forward of the owner: each counter + 1 (the buffers are read now: `to()` may have replaced them). */
  count(): void {
    if (this.layers.length === 0) return;
    const counters: Tensor[] = this.layers.map((bn) => bn.getBuffer('num_batches_tracked')!);
    noGrad(() => foreachAddScalar_(counters, 1));
  }
}
