/**
 * Counts the ATen operator calls a piece of code makes (the figure `npm run bench:search` prints beside
 * the times; docs/performance.md "Kernel counts"). Counting is off unless `countOps` runs: the addon's
 * dispatcher observer is installed for the call and removed after it, so uncounted code pays nothing.
 */
import { native, type NativeOpCounts } from './native.js';
import { typeError } from '../util/errors.js';

/** `topLevel`: ops entering the dispatcher while no other counted op runs; `all`: nested ones too. */
export type OpCounts = Omit<NativeOpCounts, 'on'>;

export interface CountOpsOptions {
  /** Also count the ops by operator name ('aten::add', ...): top-level ones and all. */
  byName?: boolean;
}

function strip({ topLevel, all, byName, allByName }: NativeOpCounts): OpCounts {
  return { topLevel, all, byName, allByName };
}

function diff(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * Runs `fn` with the op counter on (on the calling thread) and returns its result and the ops it called.
 * Inside another `countOps` it reports the difference of the outer counter over `fn` (by name only
 * when the outer one counts by name).
 */
export function countOps<T>(fn: () => T, o: CountOpsOptions = {}): { result: T; counts: OpCounts } {
  if (typeof fn !== 'function') throw typeError('countOps', 'fn', 'a function', fn);
  if (o === null || typeof o !== 'object') throw typeError('countOps', 'o', 'an options object', o);
  if (o.byName !== undefined && typeof o.byName !== 'boolean') throw typeError('countOps', 'o.byName', 'a boolean', o.byName);
  const addon = native();
  const outer = addon.opCounter('read');
  if (outer.on) {
    const result = fn();
    const now = addon.opCounter('read');
    const counts = { topLevel: now.topLevel - outer.topLevel, all: now.all - outer.all, byName: diff(now.byName, outer.byName) };
    return { result, counts: { ...counts, allByName: diff(now.allByName, outer.allByName) } };
  }
  addon.opCounter('on', o.byName ?? false);
  let counts: OpCounts | undefined;
  try {
    const result = fn();
    counts = strip(addon.opCounter('off'));
    return { result, counts };
  } finally {
    if (counts === undefined) addon.opCounter('off');
  }
}
