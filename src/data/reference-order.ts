/**
 * The reference's sample order (`--batch-order reference`): what a PyTorch `DataLoader` with a
 * `SubsetRandomSampler` and no generator of its own draws from LibTorch's global CPU generator.
 *
 * Each `iter(loader)` first draws the workers' base seed (`torch.empty((), dtype=torch.int64).random_()`,
 * one draw whether or not workers exist), then the sampler draws `torch.randperm(len(indices))` and
 * yields `indices[perm[k]]` in that order. The reference makes a new iterator over its train loader at
 * each epoch, over its valid loader at every step (`next(iter(valid_queue))`: the first batch of a fresh
 * permutation) and at each end-of-epoch validation pass. Drawing through LibTorch's own operators makes
 * the stream the same as PyTorch's by construction (`scripts/fixtures/reference_batch_order.py` checks
 * it against a real DataLoader).
 *
 * The reference's augmentation runs in worker processes on generators seeded from that base seed;
 * it is not replayed: this order is used with augmentation off (docs/decisions.md, data-order row).
 */
import { getRngState, randint, randperm, setRngState } from '../tensor/index.js';

/** One `iter(DataLoader(…, sampler=SubsetRandomSampler(range(n))))`: the base-seed draw, then randperm(n). */
export function referenceIteratorOrder(n: number): Int32Array {
  // random_() of an int64 scalar and randint(0, 2^31) advance the generator identically (checked
  // against PyTorch in test/data/reference-order.test.ts); the base seed's value is not used.
  randint(0, 2 ** 31, [1], { dtype: 'int64' }).dispose();
  const p = randperm(n);
  try {
    return Int32Array.from(p.toArray() as number[]);
  } finally {
    p.dispose();
  }
}

/** The global CPU generator's state, base64 (for checkpoints: redraw an order without disturbing the stream). */
export function generatorSnapshot(): string {
  return Buffer.from(getRngState('cpu')).toString('base64');
}

/** `referenceIteratorOrder(n)` as it was drawn from `snapshot`, leaving the global generator as it is now. */
export function redrawReferenceOrder(snapshot: string, n: number): Int32Array {
  const now = getRngState('cpu');
  try {
    setRngState(new Uint8Array(Buffer.from(snapshot, 'base64')), 'cpu');
    return referenceIteratorOrder(n);
  } finally {
    setRngState(now, 'cpu');
  }
}
