/**
 * Drop-path (stochastic depth per branch) of the DARTS evaluation cell: with keep = 1 − p, each sample
 * of the batch keeps the whole branch with probability keep (scaled by 1/keep so the expectation is
 * unchanged) or loses it. The reference mutates its input in place; here it is out of place, because
 * an Identity-free branch output may still be another node's input.
 *
 * Masks normally come from LibTorch's global generator (`empty([N,1,1,1]).bernoulli_(keep)`, the same
 * call and order as the reference, so a seeded run draws the same masks). Tests and replays can supply
 * them instead through a {@link DropPathMaskFn} on the network.
 */
import { empty, Tensor } from '../tensor/index.js';
import { SdartsError, rangeError, shapeError, typeError } from '../util/errors.js';

/** Where a mask is requested: cell index, node index within the cell, and which of its two inputs. */
export interface DropPathSite {
  readonly cell: number;
  readonly node: number;
  readonly branch: 0 | 1;
}

/**
 * Supplies the [N, 1, 1, 1] keep mask (values 0/1) for one branch. `like` is the branch output the
 * mask will multiply (its batch size, dtype and device).
 */
export type DropPathMaskFn = (site: DropPathSite, keepProb: number, like: Tensor) => Tensor;

function checkProb(fn: string, p: number): void {
  if (typeof p !== 'number') throw typeError(fn, 'p', 'a drop probability (number) in [0, 1)', p);
  if (!(p >= 0 && p < 1)) throw rangeError(fn, 'p', 'a drop probability in [0, 1) (p = 1 would divide by keep = 0)', p);
}

/** A fresh Bernoulli(keep) mask [N, 1, 1, 1] on x's device and dtype, drawn from the global generator. */
export function drawDropPathMask(x: Tensor, keepProb: number): Tensor {
  if (!(x instanceof Tensor)) throw typeError('drawDropPathMask', 'x', 'a Tensor', x);
  if (!(keepProb > 0 && keepProb <= 1)) throw rangeError('drawDropPathMask', 'keepProb', 'a keep probability in (0, 1]', keepProb);
  return empty([x.size(0), 1, 1, 1], { dtype: x.dtype, device: x.device }).bernoulli_(keepProb);
}

/**
 * `x / keep * mask` with keep = 1 − p (out of place). Without `mask` one is drawn; with one, it must be
 * [N, 1, 1, 1] for x's batch size N. p = 0 returns x unchanged (and draws nothing).
 */
export function dropPath(x: Tensor, p: number, mask?: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw typeError('dropPath', 'x', 'a Tensor', x);
  checkProb('dropPath', p);
  if (x.ndim < 1) throw shapeError('dropPath', 'x', 'a tensor with a batch dimension', x.shape);
  if (p === 0 && mask === undefined) return x;
  const keepProb = 1 - p;
  const m = mask ?? drawDropPathMask(x, keepProb);
  if (!(m instanceof Tensor)) throw typeError('dropPath', 'mask', 'a Tensor of shape [N, 1, 1, 1]', m);
  const want = [x.size(0), ...x.shape.slice(1).map(() => 1)];
  if (m.shape.join(',') !== want.join(',')) {
    throw shapeError('dropPath', 'mask', `a mask of shape [${want.join(', ')}] (one value per sample)`, m.shape);
  }
  return x.div(keepProb).mul(m);
}

/**
 * A mask provider that hands out `masks` in order (the order the network requests them: cell by cell,
 * node by node, branch 0 then 1, skipping Identity branches). `remaining()` lets a test check that every
 * mask was used; asking for more than were given throws.
 */
export function sequentialMasks(masks: readonly Tensor[]): { provider: DropPathMaskFn; remaining: () => number } {
  if (!Array.isArray(masks)) throw typeError('sequentialMasks', 'masks', 'an array of [N, 1, 1, 1] Tensors', masks);
  let next = 0;
  const provider: DropPathMaskFn = (site) => {
    const m = masks[next];
    if (m === undefined) {
      throw new SdartsError(
        'ERR_SDARTS_SPACE_DROP_PATH_MASKS',
        `sequentialMasks(): mask ${next + 1} requested (cell ${site.cell}, node ${site.node}, branch ${site.branch}) but only ${masks.length} were given. Supply one mask per non-Identity branch per forward pass.`,
      );
    }
    next++;
    return m;
  };
  return { provider, remaining: () => masks.length - next };
}
