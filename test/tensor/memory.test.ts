/** Deterministic memory: tidy frees everything created inside; live counts stay flat; RSS bounded. */
import { describe, expect, it } from 'vitest';
import { F, grad, keep, memory, randn, tensor, tidy, type Tensor } from '../../src/index.js';

describe('tensor memory', () => {
  it('1,000 forward/backward iterations inside tidy leave live tensors, bytes and RSS flat', () => {
    const w = randn([8, 3, 3, 3], { requiresGrad: true });
    const lin = randn([4, 8], { requiresGrad: true });
    const x = randn([4, 3, 8, 8]);
    const y = tensor([0, 1, 2, 3], { dtype: 'int64' });
    const step = (): void =>
      tidy(() => {
        const h = F.adaptiveAvgPool2d(F.relu(F.batchNorm(F.conv2d(x, w, null, { padding: 1 }), null, null, { training: true })), 1).flatten(1);
        const loss = F.crossEntropy(F.linear(h, lin), y);
        const [gw, gl] = grad(loss, [w, lin]);
        // An in-place SGD update under the step scope, as an optimizer does.
        w.detach().sub_(gw!, 0.01);
        lin.detach().sub_(gl!, 0.01);
      });
    for (let i = 0; i < 50; i++) step(); // warm up allocator caches
    const before = memory();
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) step();
    const after = memory();
    const rssGrowth = process.memoryUsage().rss - rss0;
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytes).toEqual(before.bytes);
    expect(rssGrowth).toBeLessThan(64 * 1024 * 1024);
    [w, lin, x, y].forEach((t) => t.dispose());
  });

  it('tidy returns tensors (nested in arrays/objects) to the caller and frees the rest', () => {
    const n0 = memory().liveTensors;
    const out = tidy(() => {
      const a = randn([3]);
      const b = a.mul(2);
      a.add(1); // garbage
      return { list: [b], c: b.add(1) };
    });
    expect(memory().liveTensors).toBe(n0 + 2);
    out.list[0]!.dispose();
    out.c.dispose();
    expect(memory().liveTensors).toBe(n0);
  });

  it('keep() survives the scope; nested scopes hand results upward; an exception frees the scope', () => {
    const n0 = memory().liveTensors;
    let kept!: Tensor;
    const r = tidy(() => {
      kept = keep(randn([2]));
      return tidy(() => randn([2]).add(1));
    });
    expect(memory().liveTensors).toBe(n0 + 2);
    expect(() =>
      tidy(() => {
        randn([100]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(memory().liveTensors).toBe(n0 + 2);
    kept.dispose();
    r.dispose();
    expect(memory().liveTensors).toBe(n0);
  });

  it('dispose is idempotent, Symbol.dispose works, and a disposed tensor gives a clear error', () => {
    const n0 = memory().liveTensors;
    const t = randn([4]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.add(1)).toThrow(/This tensor was disposed/);
    expect(() => randn([4]).add(t)).toThrow(/Tensor 'other' passed to add\(\) was disposed/);
    {
      using u = randn([4]);
      expect(u.shape).toEqual([4]);
    }
    expect(memory().liveTensors).toBe(n0 + 1); // the randn([4]) operand above (unscoped) is still alive
    expect(memory().bytes['cpu']).toBeGreaterThan(0);
  });

  it('tidy refuses async functions and frees their tensors', () => {
    const n0 = memory().liveTensors;
    expect(() =>
      tidy((async () => {
        randn([1]);
      }) as () => unknown),
    ).toThrow(/synchronous function/);
    expect(memory().liveTensors).toBe(n0);
  });
});
