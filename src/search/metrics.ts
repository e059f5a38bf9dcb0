/**
 * Training metrics: top-k accuracy in percent (correct·100/batch, as the reference's utils.accuracy)
 * and the sample-weighted running means an epoch reports (and a checkpoint carries as plain JSON).
 */
import { noGrad, type Tensor } from '../tensor/index.js';

export function topkAccuracy(logits: Tensor, target: Tensor, ks: number[]): number[] {
  return noGrad(() => {
    const n = logits.size(0);
    const maxk = Math.min(Math.max(...ks), logits.size(1));
    const { indices } = logits.topk(maxk, 1, true, true);
    const correct = indices.eq(target.view(-1, 1).expand(indices.shape));
    return ks.map((k) => (correct.slice(1, 0, Math.min(k, maxk)).sum().item() * 100) / n);
  });
}

/** A sample-weighted running mean. */
export class AverageMeter {
  sum = 0;
  count = 0;
  update(value: number, n: number): void {
    this.sum += value * n;
    this.count += n;
  }
  get avg(): number {
    return this.count ? this.sum / this.count : 0;
  }
  toJSON(): { sum: number; count: number } {
    return { sum: this.sum, count: this.count };
  }
  static from(s: { sum: number; count: number }): AverageMeter {
    const m = new AverageMeter();
    m.sum = s.sum;
    m.count = s.count;
    return m;
  }
}

export type MetersJSON = Record<'loss' | 'top1' | 'top5', { sum: number; count: number }>;

/** Running means of one epoch's step loss, top-1 and top-5. */
export class StepMeters {
  readonly loss: AverageMeter;
  readonly top1: AverageMeter;
  readonly top5: AverageMeter;

  constructor(saved?: MetersJSON) {
    this.loss = saved ? AverageMeter.from(saved.loss) : new AverageMeter();
    this.top1 = saved ? AverageMeter.from(saved.top1) : new AverageMeter();
    this.top5 = saved ? AverageMeter.from(saved.top5) : new AverageMeter();
  }

  /** Accuracies absent (the language models measure perplexity only): their meters are left as they are. */
  update(r: { loss: number; top1?: number; top5?: number }, n: number): void {
    this.loss.update(r.loss, n);
    if (r.top1 !== undefined) this.top1.update(r.top1, n);
    if (r.top5 !== undefined) this.top5.update(r.top5, n);
  }

  toJSON(): MetersJSON {
    return { loss: this.loss.toJSON(), top1: this.top1.toJSON(), top5: this.top5.toJSON() };
  }
}
