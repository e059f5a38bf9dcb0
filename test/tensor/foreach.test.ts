/**
 * The multi-tensor ops (src/tensor/foreach.ts, native/foreach_ops.cc): on the CPU each result is the
 * per-tensor op's bit for bit (LibTorch loops its single-tensor kernels), on random float32 and float64
 * tensors of mixed shapes and on lists mixing both dtypes; bad arguments are coded errors.
 */
import { describe, expect, it } from 'vitest';
import {
  foreachAdd,
  foreachAdd_,
  foreachAddScalar_,
  foreachClone,
  foreachCopy_,
  foreachMul,
  foreachMulList,
  foreachMul_,
  foreachNorm,
  foreachSub,
  foreachSub_,
  manualSeed,
  memory,
  nativeAddon,
  randn,
  scalar,
  tensor,
  tidy,
  zeros,
  type DType,
  type Tensor,
} from '../../src/index.js';
import { expectError } from '../optim/expect-error.js';

const SHAPES = [[], [7], [3, 5], [2, 1, 4], [0], [33, 17]];

/** The tensor's bytes, for bitwise comparison. */
function bits(t: Tensor): number[] {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function expectBitwise(got: Tensor[], want: Tensor[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.dtype, `${what}[${i}] dtype`).toBe(want[i]!.dtype);
    expect(g.shape, `${what}[${i}] shape`).toEqual(want[i]!.shape);
    expect(bits(g), `${what}[${i}] bits`).toEqual(bits(want[i]!));
  });
}

/** A list of random tensors of the mixed shapes; 'mixed' alternates float32 and float64. */
function list(dtype: DType | 'mixed'): Tensor[] {
  return SHAPES.map((s, i) => randn(s, { dtype: dtype === 'mixed' ? (i % 2 === 0 ? 'float32' : 'float64') : dtype }));
}

const clones = (ts: Tensor[]): Tensor[] => ts.map((t) => t.clone());

describe.each(['float32', 'float64', 'mixed'] as const)('foreach ops on %s lists equal the per-tensor ops bit for bit', (dtype) => {
  it.each([1, 0.3, -2.5])('add / add_ / sub / sub_ with alpha %s', (alpha) =>
    tidy(() => {
      manualSeed(1);
      const a = list(dtype),
        b = list(dtype);
      expectBitwise(
        foreachAdd(a, b, alpha),
        a.map((x, i) => x.add(b[i]!, alpha)),
        'foreachAdd',
      );
      expectBitwise(
        foreachSub(a, b, alpha),
        a.map((x, i) => x.sub(b[i]!, alpha)),
        'foreachSub',
      );
      const inAdd = clones(a),
        inSub = clones(a);
      foreachAdd_(inAdd, b, alpha);
      foreachSub_(inSub, b, alpha);
      expectBitwise(
        inAdd,
        a.map((x, i) => x.clone().add_(b[i]!, alpha)),
        'foreachAdd_',
      );
      expectBitwise(
        inSub,
        a.map((x, i) => x.clone().sub_(b[i]!, alpha)),
        'foreachSub_',
      );
    }),
  );

  it('mul by a number, in place by a number and by a 0-dim tensor of either dtype', () =>
    tidy(() => {
      manualSeed(2);
      const a = list(dtype);
      for (const s of [0.9, -3, 0, 1e-7]) {
        expectBitwise(
          foreachMul(a, s),
          a.map((x) => x.mul(s)),
          `foreachMul ${s}`,
        );
        const x = clones(a);
        foreachMul_(x, s);
        expectBitwise(
          x,
          a.map((t) => t.clone().mul_(s)),
          `foreachMul_ ${s}`,
        );
      }
      for (const coefDtype of ['float32', 'float64'] as const) {
        const coef = scalar(0.123456789, { dtype: coefDtype });
        const x = clones(a);
        foreachMul_(x, coef);
        expectBitwise(
          x,
          a.map((t) => t.clone().mul_(coef)),
          `foreachMul_ ${coefDtype} tensor`,
        );
      }
    }));

  it('add of a number in place (also to int64 counters, which stay int64)', () =>
    tidy(() => {
      manualSeed(5);
      const a = list(dtype);
      const x = clones(a);
      foreachAddScalar_(x, 0.25);
      expectBitwise(
        x,
        a.map((t) => t.clone().add_(0.25)),
        'foreachAddScalar_',
      );
      const counters = [zeros([], { dtype: 'int64' }), zeros([], { dtype: 'int64' }).add_(41)];
      foreachAddScalar_(counters, 1);
      expect(counters.map((c) => [c.dtype, c.item()])).toEqual([
        ['int64', 1],
        ['int64', 42],
      ]);
    }));

  it('mul of two lists, pairwise and broadcasting ([C, k, k] · [C, 1, 1]; [n] · 0-dim)', () =>
    tidy(() => {
      manualSeed(4);
      const a = list(dtype);
      const b = list(dtype);
      expectBitwise(
        foreachMulList(a, b),
        a.map((x, i) => x.mul(b[i]!)),
        'foreachMulList',
      );
      const dt = dtype === 'mixed' ? 'float64' : dtype;
      const w = [randn([4, 3, 3], { dtype: dt }), randn([6], { dtype: dt })];
      const s = [randn([4, 1, 1], { dtype: dt }), scalar(0.3, { dtype: dt })];
      expectBitwise(
        foreachMulList(w, s),
        w.map((x, i) => x.mul(s[i]!)),
        'foreachMulList broadcasting',
      );
    }));

  it.each([2, 1, Infinity, 3, 0.5])('norm of order %s', (ord) =>
    tidy(() => {
      manualSeed(3);
      // The max-norm of an empty tensor has no identity: both the per-tensor and the foreach norm refuse it.
      const a = list(dtype).filter((x) => ord !== Infinity || x.numel > 0);
      expectBitwise(
        foreachNorm(a, ord),
        a.map((x) => x.norm(ord)),
        `foreachNorm ${ord}`,
      );
      if (ord === Infinity) {
        expectError(() => zeros([0]).norm(ord), Error, 'ERR_SDARTS_TORCH', /empty tensor/);
        expectError(() => foreachNorm([a[0]!, zeros([0])], ord), Error, 'ERR_SDARTS_TORCH', /^foreachNorm\(\): .*empty tensor/);
      }
    }),
  );

  it('copy_ and clone', () =>
    tidy(() => {
      manualSeed(4);
      const src = list(dtype),
        dst = list(dtype);
      foreachCopy_(dst, src);
      expectBitwise(dst, src, 'foreachCopy_');
      const c = foreachClone(src);
      expectBitwise(c, clones(src), 'foreachClone');
      c.forEach((t, i) => expect(t.isDisposed || t !== src[i]).toBe(true));
    }));
});

describe('foreachClone', () => {
  it('is an exact copy of the special values and keeps integer dtypes, in new storage', () =>
    tidy(() => {
      const special = tensor(new Float32Array([-0, 0, Infinity, -Infinity, 1e-45, -1.17549e-38, 3.4028235e38, NaN]));
      const ints = tensor(new Int32Array([-2147483648, 0, 2147483647]));
      const longs = tensor(new BigInt64Array([-(2n ** 62n), 5n]));
      const [a, b, c] = foreachClone([special, ints, longs]);
      expectBitwise([a!, b!, c!], [special.clone(), ints.clone(), longs.clone()], 'foreachClone');
      a!.add_(1);
      expect(bits(special)).toEqual(bits(special.clone())); // the source is untouched
      expect(special.toArray()[1]).toBe(0);
    }));

  it('refuses bool tensors (bool · 1 would be int64)', () =>
    tidy(() => {
      expectError(
        () => foreachClone([zeros([2]), zeros([2], { dtype: 'bool' })]),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected a Tensor of a numeric dtype for 'a[1]' in foreachClone() but received a bool Tensor (clone bool tensors one by one with clone())",
      );
    }));
});

describe('foreach argument checks', () => {
  it('refuses non-arrays, empty lists, non-tensors, disposed tensors, unpaired lists and non-finite scalars with coded errors', () =>
    tidy(() => {
      const a = [zeros([2]), zeros([3])];
      const dead = zeros([2]);
      dead.dispose();
      expectError(
        () => foreachAdd(a[0] as never, a),
        TypeError,
        'ERR_SDARTS_INVALID_ARG_TYPE',
        "Expected an array of Tensors for 'a' in foreachAdd() but received Tensor object",
      );
      expectError(
        () => foreachNorm([]),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected at least 1 tensor(s) for 'a' in foreachNorm() but received array of length 0",
      );
      expectError(
        () => foreachMul_([a[0]!, 3 as never], 2),
        TypeError,
        'ERR_SDARTS_INVALID_ARG_TYPE',
        "Expected a Tensor for 'a[1]' in foreachMul_() but received 3 (number)",
      );
      expectError(() => foreachCopy_(a, [a[0]!, dead]), Error, 'ERR_SDARTS_TENSOR_DISPOSED', /Tensor 'src\[1\]' passed to foreachCopy_\(\) was disposed/);
      expectError(
        () => foreachSub_(a, [a[0]!]),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected an array of 2 Tensors (one per tensor of 'a') for 'b' in foreachSub_() but received array of length 1",
      );
      expectError(
        () => foreachAdd_(a, a, NaN),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected a finite number for 'alpha' in foreachAdd_() but received NaN (number)",
      );
      expectError(
        () => foreachMul(a, Infinity),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected a finite number for 's' in foreachMul() but received Infinity (number)",
      );
      expectError(
        () => foreachMul(a, '2' as never),
        TypeError,
        'ERR_SDARTS_INVALID_ARG_TYPE',
        `Expected a finite number for 's' in foreachMul() but received "2" (string)`,
      );
      expectError(
        () => foreachMul_(a, zeros([1])),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected a number or a 0-dim Tensor for 's' in foreachMul_() but received a Tensor of shape [1]",
      );
      expectError(
        () => foreachNorm(a, NaN),
        RangeError,
        'ERR_SDARTS_OUT_OF_RANGE',
        "Expected a number (Infinity for the max-norm) for 'ord' in foreachNorm() but received NaN (number)",
      );
    }));

  it("reports LibTorch's refusals (shapes, dtypes) as ERR_SDARTS_TORCH naming the function, without a backtrace", () =>
    tidy(() => {
      const f = [zeros([2]), zeros([3])];
      const ints = [zeros([2], { dtype: 'int64' }), zeros([3], { dtype: 'int64' })];
      for (const [fn, call] of [
        ['foreachAdd', () => foreachAdd(f, [zeros([2]), zeros([4])])],
        ['foreachAdd_', () => foreachAdd_(ints, f, 1)],
        ['foreachCopy_', () => foreachCopy_(f, [zeros([2]), zeros([5])])],
        ['foreachMul_', () => foreachMul_(ints, 0.5)],
      ] as const) {
        expectError(call, Error, 'ERR_SDARTS_TORCH', new RegExp(`^${fn}\\(\\): `));
        try {
          call();
        } catch (e) {
          expect((e as Error).message).not.toMatch(/Exception raised from|\.cpp:\d+/);
        }
      }
    }));

  it('the native entry points re-check list pairing and element handles (RangeError/TypeError, ERR_SDARTS_NATIVE_ARG)', () =>
    tidy(() => {
      const n = nativeAddon();
      const a = zeros([2]);
      expectError(
        () => n.foreachAdd([a.h], [a.h, a.h], 1),
        RangeError,
        'ERR_SDARTS_NATIVE_ARG',
        'foreachAdd(): argument 1 has 2 tensor(s) but argument 0 has 1',
      );
      expectError(() => n.foreachCopy_([a.h, a.h], [a.h]), RangeError, 'ERR_SDARTS_NATIVE_ARG', /^foreachCopy_\(\): argument 1 has 1/);
      expectError(
        () => n.foreachNorm([a.h, 'x' as never], 2),
        TypeError,
        'ERR_SDARTS_NATIVE_ARG',
        /^foreachNorm\(\): element 1 of argument 0 must be a tensor handle/,
      );
      expectError(() => n.foreachMulTensor_([a.h], 2 ** 31 - 1), TypeError, 'ERR_SDARTS_NATIVE_ARG', /^foreachMulTensor_\(\): tensor handle \d+ is not live/);
    }));

  it('results are tracked by tidy: a loop of foreach calls leaves the live-tensor count flat', () => {
    const a = [zeros([3]), zeros([2, 2])];
    const before = memory().liveTensors;
    for (let k = 0; k < 20; k++) {
      tidy(() => {
        foreachAdd(a, a, 0.5);
        foreachNorm(a);
        foreachClone(a);
        foreachSub(foreachMul(a, 2), a);
      });
    }
    expect(memory().liveTensors).toBe(before);
    a.forEach((t) => t.dispose());
  });
});
