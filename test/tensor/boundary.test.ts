/**
 * Memory errors are errors, never an abort; the native boundary refuses malformed handles, codes and
 * arguments instead of truncating them. Abort-type failures run in a child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as S from '../../src/index.js';
import { F, full, keep, manualSeed, nativeAddon, ones, rand, randn, saveSafetensors, tensor, zeros } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';

type Coded = Error & { code?: string };
function caught(fn: () => unknown): Coded {
  try {
    fn();
  } catch (e) {
    return e as Coded;
  }
  throw new Error('expected a throw');
}
const n = () => nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;

describe('out of memory', () => {
  it('a host allocation that fails while copying a tensor out is ERR_SDARTS_OUT_OF_MEMORY, not an abort', () => {
    // 1 GiB tensor; the address space allows it but not a second GiB for the copy.
    const script = [
      `const S = await import(${JSON.stringify(resolve('dist/index.js'))});`,
      `const t = S.zeros([2 ** 28]);`,
      `for (const f of [() => t.toTypedArray(), () => S.encodeSafetensors({ t })]) {`,
      `  try { f(); console.log('NO THROW'); } catch (e) { console.log('CODE', e.code, e.message); }`,
      `}`,
    ].join('\n');
    // ulimit -v counts address space: measure the baseline, then allow 1.5 GiB more.
    const r = spawnSync('bash', ['-c', `ulimit -v $((BASE + 1536 * 1024)); exec "${process.execPath}" --input-type=module -e "$SCRIPT"`], {
      env: { ...process.env, SCRIPT: script, BASE: String(baselineKiB()) },
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/FATAL ERROR|Allocation failed - process out of memory/);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^CODE ERR_SDARTS_OUT_OF_MEMORY .*out of memory: cannot allocate 1073741824 bytes/);
  }, 60_000);

  it('a LibTorch allocation failure is ERR_SDARTS_OUT_OF_MEMORY with the requested size', () => {
    const e = caught(() => zeros([2 ** 40]));
    expect(e.code).toBe('ERR_SDARTS_OUT_OF_MEMORY');
    expect(e.message).toMatch(/out of memory: LibTorch could not allocate 4398046511104 bytes \(4096\.00 GiB\) on the CPU/);
    expect(e.message).not.toMatch(/enforce fail|\.cpp/);
  });
});

function baselineKiB(): number {
  // The virtual size of a node process that has loaded the addon, plus headroom for the op itself.
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(resolve('dist/index.js'))}).then((S) => S.zeros([1])).catch(() => 0); const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8'); console.log(/VmPeak:\\s+(\\d+)/.exec(s)[1]);`,
    ],
    { encoding: 'utf8' },
  );
  return Number(r.stdout.trim()) + 256 * 1024;
}

describe('grad assignment', () => {
  it('refuses a grad of another size, dtype or device, as PyTorch does', () => {
    const p = zeros([3]).requiresGrad_();
    expect(caught(() => (p.grad = ones([1]))).message).toMatch(/different size/);
    expect(caught(() => (p.grad = ones([3], { dtype: 'float64' }))).message).toMatch(/different type/);
    expect(caught(() => (p.grad = p)).message).toMatch(/its own grad/);
    p.grad = ones([3]);
    expect(p.grad!.toArray()).toEqual([1, 1, 1]);
  });

  it('SGD.step never broadcasts a mismatched gradient', () => {
    const p = zeros([3]).requiresGrad_();
    const e = caught(() => (p.grad = full([1], 1)));
    expect(e.code).toBe('ERR_SDARTS_OUT_OF_RANGE');
    const opt = new SGD([p], { lr: 1 });
    opt.step();
    expect(p.toArray()).toEqual([0, 0, 0]);
  });
});

describe('argument checks', () => {
  it('refuses null dtype, non-boolean requiresGrad, null options and bad keep() arguments', () => {
    expect(caught(() => zeros([2], { dtype: null as never })).code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
    expect(caught(() => tensor([1, 2], { dtype: null as never })).code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
    expect(caught(() => zeros([2], { requiresGrad: 'yes' as never })).code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
    expect(caught(() => rand([2], { device: null as never })).code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
    expect(caught(() => keep(5 as never)).code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
    expect(caught(() => keep(null as never)).code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
  });

  it('normal_ and size() throw coded RangeErrors', () => {
    const t = randn([2, 3]);
    for (const f of [() => t.normal_(0, -1), () => t.size(5), () => t.size(1.5)]) {
      const e = caught(f);
      expect(e).toBeInstanceOf(RangeError);
      expect(e.code).toBe('ERR_SDARTS_OUT_OF_RANGE');
    }
    expect(t.size(-1)).toBe(3);
  });

  it('batchNorm in training mode needs more than one value per channel', () => {
    const e = caught(() => F.batchNorm(randn([1, 3]), null, null, { training: true }));
    expect(e.code).toBe('ERR_SDARTS_OUT_OF_RANGE');
    expect(e.message).toMatch(/more than 1 value per channel when training/);
    expect(F.batchNorm(randn([2, 3]), null, null, { training: true }).shape).toEqual([2, 3]);
  });

  it('F.conv2d with null options is a TypeError with a code', () => {
    const e = caught(() => F.conv2d(randn([1, 1, 3, 3]), randn([1, 1, 1, 1]), null, null as never));
    expect(e.code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
  });

  it('manualSeed takes [-2^63, 2^64 - 1] like torch.manual_seed, and refuses the rest', () => {
    manualSeed(2n ** 64n - 1n);
    const a = rand([3]).toArray();
    manualSeed(-1n); // modulo 2^64: the same seed
    expect(rand([3]).toArray()).toEqual(a);
    for (const s of [2n ** 70n, 2n ** 64n, -(2n ** 63n) - 1n]) expect(caught(() => manualSeed(s)).code).toBe('ERR_SDARTS_OUT_OF_RANGE');
    expect(caught(() => n()['manualSeed']!(2n ** 70n)).code).toBe('ERR_SDARTS_NATIVE_ARG');
  });

  it('tensor() of data nested too deep is a clear error, not a stack overflow', () => {
    let d: unknown = 1;
    for (let i = 0; i < 20_000; i++) d = [d];
    const e = caught(() => tensor(d as never));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.code).toBe('ERR_SDARTS_OUT_OF_RANGE');
    expect(e.message).toMatch(/at most 128 deep/);
  });

  it('saveSafetensors into a missing folder names the target, not the temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdarts-st-'));
    try {
      const path = join(dir, 'missing', 'x.safetensors');
      const e = caught(() => saveSafetensors(path, { a: ones([2]) }));
      expect(e.code).toBe('ERR_SDARTS_FILE_WRITE');
      expect(e.message).toContain(path);
      expect(e.message).not.toMatch(/\.tmp/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the raw addon', () => {
  it('refuses handles that are not int32 integers instead of aliasing or truncating them', () => {
    const a = ones([2]);
    const h = (a as unknown as { _h: number })._h;
    for (const bad of [2 ** 32 + h, h + 0.5, -1 - 2 ** 32]) {
      const e = caught(() => n()['unary']!(0, bad));
      expect(e.code).toBe('ERR_SDARTS_NATIVE_ARG');
      expect(caught(() => n()['dispose']!(bad)).code).toBe('ERR_SDARTS_NATIVE_ARG');
      expect(caught(() => n()['cat']!([bad], 0)).code).toBe('ERR_SDARTS_NATIVE_ARG');
    }
    expect(a.toArray()).toEqual([1, 1]);
  });

  it('refuses op codes past int32 and fractional ones, and unknown reduction codes', () => {
    const h = (ones([2]) as unknown as { _h: number })._h;
    expect(caught(() => n()['unary']!(2 ** 32, h)).code).toBe('ERR_SDARTS_NATIVE_ARG');
    expect(caught(() => n()['unary']!(0.5, h)).code).toBe('ERR_SDARTS_NATIVE_ARG');
    expect(caught(() => n()['binary']!(2 ** 32, h, h, 1)).code).toBe('ERR_SDARTS_NATIVE_ARG');
    const x = (randn([2, 3]) as unknown as { _h: number })._h;
    const t = (tensor(new BigInt64Array([0n, 1n])) as unknown as { _h: number })._h;
    expect(caught(() => n()['crossEntropy']!(x, t, null, 7, -100, 0)).code).toBe('ERR_SDARTS_NATIVE_ARG');
  });

  it('no caller can swap the argument slots under the tensor layer', () => {
    const a = ones([2]);
    const b = ones([2]);
    expect(a.add(b).toArray()).toEqual([2, 2]);
    expect(n()['setArgSlots']).toBeUndefined();
    const slots = n()['argSlots']!() as Int32Array;
    expect(n()['argSlots']!()).toBe(slots);
    slots.fill(12345);
    expect(a.add(b).toArray()).toEqual([2, 2]);
    expect(a.mul(b.add(b)).toArray()).toEqual([2, 2]);
  });

  it('toData copies only into a buffer of exactly the tensor size', () => {
    const h = (ones([2]) as unknown as { _h: number })._h;
    expect(caught(() => n()['toData']!(h)).code).toBe('ERR_SDARTS_NATIVE_ARG');
    expect(caught(() => n()['toData']!(h, new ArrayBuffer(7))).code).toBe('ERR_SDARTS_NATIVE_ARG');
    expect(S.ones([2]).toArray()).toEqual([1, 1]);
  });
});
