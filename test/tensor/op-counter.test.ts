/**
 * The addon's op counter (native/runtime_ops.cc) counts what the PyTorch side of `npm run bench:search`
 * counts (scripts/fixtures/bench_search_twin.py count_ops, torch.profiler's FUNCTION-scope events): the
 * same program gives the same top-level and total counts, op by op. It is off outside countOps.
 */
import { describe, expect, it } from 'vitest';
import { countOps, grad, nativeAddon, randn, tidy } from '../../src/index.js';
import { runPython } from '../helpers/python.js';

describe('op counter', () => {
  it('counts the same ATen calls as the PyTorch profiler on the same program (forward and backward)', () => {
    const py = JSON.parse(runPython('scripts/fixtures/bench_search_twin.py', ['tiny'])) as { topLevel: number; all: number; byName: Record<string, number> };
    // The program of bench_search_twin.py tiny(): inputs made before counting. The sum names its dims:
    // LibTorch's C++ `sum()` enters by another overload than Python's binding (one nested aten::sum more).
    const a = randn([3, 4]).requiresGrad_(true),
      b = randn([4, 5]),
      c = randn([3, 4]);
    const { counts } = countOps(
      () =>
        tidy(() => {
          const h = a.add(a).mul(c).sub(a);
          return grad(h.matmul(b).sum([0, 1]), [a]);
        }),
      { byName: true },
    );
    // 5 forward ops, the grad seed (ones_like) and one evaluate_function per backward node (6)
    expect(py.topLevel).toBe(12);
    expect(counts.topLevel).toBe(py.topLevel);
    expect(counts.all).toBe(py.all);
    expect(counts.byName).toEqual(py.byName);
    [a, b, c].forEach((t) => t.dispose());
  });

  it('is off outside countOps, nests as a difference, and stops when the counted code throws', () => {
    expect(nativeAddon().opCounter('read').on).toBe(false);
    const a = randn([2]);
    const outer = countOps(
      () => {
        const inner = countOps(() => tidy(() => a.add(a).mul(a)), { byName: true });
        expect(inner.counts.topLevel).toBe(2);
        expect(inner.counts.byName).toEqual({ 'aten::add': 1, 'aten::mul': 1 });
        tidy(() => a.neg());
        return inner.counts;
      },
      { byName: true },
    );
    expect(outer.counts.topLevel).toBe(3);
    expect(outer.counts.byName).toEqual({ 'aten::add': 1, 'aten::mul': 1, 'aten::neg': 1 });
    expect(nativeAddon().opCounter('read').on).toBe(false);
    expect(() =>
      countOps(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(nativeAddon().opCounter('read').on).toBe(false);
    // Off: nothing is counted (the callback was removed, so the last report stays as it was).
    const last = nativeAddon().opCounter('read');
    tidy(() => a.add(a));
    expect(nativeAddon().opCounter('read')).toEqual(last);
    expect(() => nativeAddon().opCounter('sideways' as 'on')).toThrow(/'on', 'off' or 'read'/);
    a.dispose();
  });

  it('refuses a non-function or bad options with a coded TypeError, leaving the counter off', () => {
    for (const bad of [null, 3, 'x', {}])
      expect(() => countOps(bad as unknown as () => void)).toThrow(expect.objectContaining({ code: 'ERR_SDARTS_INVALID_ARG_TYPE' }));
    expect(() => countOps(() => 1, null as unknown as object)).toThrow(expect.objectContaining({ code: 'ERR_SDARTS_INVALID_ARG_TYPE' }));
    expect(() => countOps(() => 1, { byName: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'ERR_SDARTS_INVALID_ARG_TYPE' }));
    expect(nativeAddon().opCounter('read').on).toBe(false);
  });
});
