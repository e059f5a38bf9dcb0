/**
 * Bad input never crashes: ≥ 200 malformed calls, through the TS API and straight into the native
 * addon, each throw a JS error with a code and a message naming the function — never a C++ backtrace.
 */
import { describe, expect, it } from 'vitest';
import * as S from '../../src/index.js';
import { F, nativeAddon, randn, tensor, zeros } from '../../src/index.js';

function expectCleanError(fn: () => unknown, name: string): Error & { code?: string } {
  let err: (Error & { code?: string }) | undefined;
  try {
    fn();
  } catch (e) {
    err = e as Error & { code?: string };
  }
  expect(err, `${name} should throw`).toBeInstanceOf(Error);
  expect(typeof err!.code, `${name} error code`).toBe('string');
  expect(err!.code, `${name} error code`).toMatch(/^ERR_SDARTS_/);
  expect(err!.message, `${name} message`).not.toMatch(/Exception raised from|\.cpp:\d+|frame #\d/);
  return err!;
}

// Exports that legitimately take no arguments: calling them bare is not an error.
const NO_ARG_OK = new Set(['memory', 'isGradEnabled', 'cudaIsAvailable', 'cudaDeviceCount', 'buildInfo', 'getNumThreads']);

describe('bad input', () => {
  it('every native export rejects missing and wrongly typed arguments with a JS error naming it', () => {
    const n = nativeAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
    const garbage: unknown[][] = [[], ['x', 'y', 'z'], [{}, [], null], [1e12, -5, 'q'], [NaN, NaN, NaN, NaN]];
    let calls = 0;
    for (const name of Object.keys(n)) {
      if (NO_ARG_OK.has(name)) continue;
      for (const args of garbage) {
        if (name === 'setGradEnabled' || name === 'manualSeed') continue; // checked separately below (they accept some of these)
        let threw = false;
        try {
          n[name]!(...args);
        } catch (e) {
          threw = true;
          const err = e as Error & { code?: string };
          expect(err.code, name).toMatch(/^ERR_SDARTS_/);
          expect(err.message.startsWith(`${name}(): `), `${name}: ${err.message}`).toBe(true);
          expect(err.message).not.toMatch(/Exception raised from|\.cpp:\d+/);
        }
        // Some garbage is valid input for a few functions (e.g. dispose(1e12) → false); never a crash.
        if (!threw) expect(['dispose', 'disposeMany'].includes(name) || args.length === 0, `${name}(${args.map(String)}) accepted garbage`).toBe(true);
        calls++;
      }
    }
    expect(() => n['setGradEnabled']!('yes')).toThrow(/setGradEnabled\(\): argument 0 must be a boolean/);
    expect(() => n['manualSeed']!('seed')).toThrow(/manualSeed\(\): argument 0 must be an integer/);
    expect(calls).toBeGreaterThanOrEqual(400);
  });

  it('the TS API rejects wrong types, shapes, dims, NaN sizes, dtypes, devices and disposed tensors', () => {
    const a = randn([2, 3]);
    const dead = randn([2]);
    dead.dispose();
    const cases: [string, () => unknown, RegExp][] = [
      ['zeros shape string', () => zeros('3' as unknown as number[]), /Expected an array of non-negative integers for 'shape' in zeros\(\)/],
      ['zeros NaN size', () => zeros([NaN]), /for 'shape\[0\]' in zeros\(\) but received NaN/],
      ['zeros negative size', () => zeros([-1]), /for 'shape\[0\]' in zeros\(\)/],
      ['zeros fractional', () => zeros([1.5]), /for 'shape\[0\]' in zeros\(\)/],
      ['randn bad dtype', () => randn([2], { dtype: 'float8' as never }), /for 'options.dtype' in randn\(\)/],
      ['randn bad device', () => randn([2], { device: 'tpu' as never }), /for 'options.device' in randn\(\)/],
      ['tensor ragged', () => tensor([[1, 2], [3]]), /rectangular/],
      ['tensor strings', () => tensor(['a'] as never), /Expected nested arrays of numbers or booleans for 'data' in tensor\(\)/],
      ['tensor shape mismatch', () => tensor(new Float32Array(4), { shape: [3] }), /'shape' in tensor\(\)/],
      ['add string', () => a.add('1' as never), /for 'other' in add\(\)/],
      ['add disposed', () => a.add(dead), /Tensor 'other' passed to add\(\) was disposed/],
      ['add shape mismatch', () => a.add(randn([4])), /^add\(\): The size of tensor a \(3\) must match/],
      ['matmul mismatch', () => a.matmul(randn([4, 2])), /^matmul\(\): /],
      ['sum bad dim', () => a.sum(2), /Expected a dim in \[-2, 1\] for 'dim' in sum\(\)/],
      ['view bad', () => a.view(5), /^view\(\): shape '\[5\]' is invalid/],
      ['view two -1', () => a.view(-1, -1), /for 'shape\[1\]' in view\(\)/],
      ['transpose dim', () => a.transpose(0, 7), /for 'dim1' in transpose\(\)/],
      ['select index', () => a.select(0, 9), /^select\(\): index 9 out of range/],
      ['narrow length', () => a.narrow(1, 0, -1), /for 'length' in narrow\(\)/],
      ['cat empty', () => S.cat([]), /at least 1 tensor\(s\) for 'tensors' in cat\(\)/],
      ['cat mismatch', () => S.cat([a, randn([2, 2, 2])]), /^cat\(\): /],
      ['conv2d 2d input', () => F.conv2d(a, randn([1, 1, 1, 1])), /for 'input' in conv2d\(\)/],
      ['conv2d channels', () => F.conv2d(randn([1, 3, 4, 4]), randn([2, 4, 3, 3])), /^conv2d\(\): Given groups=1, weight of size/],
      ['conv2d stride 0', () => F.conv2d(randn([1, 3, 4, 4]), randn([2, 3, 3, 3]), null, { stride: 0 }), /for 'stride' in conv2d\(\)/],
      ['maxPool2d big pad', () => F.maxPool2d(randn([1, 1, 4, 4]), 3, { padding: 2 }), /for 'padding' in maxPool2d\(\)/],
      [
        'crossEntropy bad reduction',
        () => F.crossEntropy(a, tensor([0, 1], { dtype: 'int64' }), { reduction: 'avg' as never }),
        /for 'reduction' in crossEntropy\(\)/,
      ],
      ['crossEntropy float target shape', () => F.crossEntropy(a, randn([5])), /^crossEntropy\(\): /],
      ['crossEntropy class out of range', () => F.crossEntropy(a, tensor([0, 7], { dtype: 'int64' })), /^crossEntropy\(\): Target 7 is out of bounds/],
      ['dropout p', () => F.dropout(a, 1.5), /probability in \[0, 1\] for 'p' in dropout\(\)/],
      ['batchNorm eval without stats', () => F.batchNorm(randn([2, 3, 2, 2]), null, null), /running statistics when training is false/],
      ['backward non-scalar', () => a.requiresGrad_().mul(2).backward(), /^backward\(\): grad can be implicitly created only for scalar outputs/],
      ['grad no graph', () => S.grad(randn([1]), [randn([1])]), /^grad\(\): element 0 of tensors does not require grad/],
      ['to bad target', () => a.to(5 as never), /for 'target' in to\(\)/],
      [
        'to a CUDA device that is not there',
        () => a.to('cuda:63'),
        /^to\(\): 'device' is 'cuda:63' but (no CUDA device|this addon was built against a CPU-only|only \d+ CUDA)/,
      ],
      ['manualSeed fraction', () => S.manualSeed(1.5), /for 'seed' in manualSeed\(\)/],
      ['setNumThreads 0', () => S.setNumThreads(0), /for 'n' in setNumThreads\(\)/],
      ['randint high<=low', () => S.randint(5, 5, [2]), /for 'high' in randint\(\)/],
      ['arange step 0', () => S.arange(0, 5, 0), /for 'step' in arange\(\)/],
      ['item of many', () => a.item(), /^item\(\): item\(\) needs a tensor with one element/],
      ['index bad', () => a.index('x' as never), /for 'indices\[0\]' in index\(\)/],
      ['gather index dtype', () => a.gather(0, randn([2, 3])), /^gather\(\): /],
      ['pad odd', () => F.pad(a, [1]), /for 'pad' in pad\(\)/],
      ['embedding padding idx', () => F.embedding(tensor([0], { dtype: 'int64' }), randn([3, 2]), 9), /for 'paddingIdx' in embedding\(\)/],
      ['tidy non-function', () => S.tidy(5 as never), /Expected a function for 'fn' in tidy\(\)/],
      ['loadSafetensors number', () => S.loadSafetensors(5 as never), /for 'path' in loadSafetensors\(\)/],
    ];
    for (const [name, fn, re] of cases) {
      const err = expectCleanError(fn, name);
      expect(err.message, name).toMatch(re);
    }
    expect(cases.length).toBeGreaterThanOrEqual(40);
    a.dispose();
  });

  it('LibTorch shape errors map to Error, index errors to RangeError, argument errors to TypeError', () => {
    const a = randn([2, 3]);
    expect(expectCleanError(() => a.add(randn([4])), 'shape')).not.toBeInstanceOf(TypeError);
    expect(expectCleanError(() => a.select(0, 9), 'index')).toBeInstanceOf(RangeError);
    expect(expectCleanError(() => a.add('x' as never), 'type')).toBeInstanceOf(TypeError);
    a.dispose();
  });
});
