/** float64 finite-difference gradient checks for every differentiable op the search and training use. */
import { describe, expect, it } from 'vitest';
import { F, cat, manualSeed, randn, rand, tensor, type Tensor } from '../../src/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

const TOL = 1e-6; // central differences with h = 1e-6 in float64

const d = { dtype: 'float64' as const };
const CHECKS: [string, () => Tensor[], (xs: Tensor[]) => Tensor][] = [
  ['add/sub/mul/div', () => [randn([3, 4], d), rand([3, 4], d).add(0.5)], ([a, b]) => a!.add(b!, 2).mul(a!).div(b!).sub(b!)],
  ['pow/exp/log/sqrt', () => [rand([5], d).add(0.5)], ([a]) => a!.pow(2.5).add(a!.exp()).add(a!.log()).add(a!.sqrt())],
  ['relu/tanh/sigmoid', () => [randn([6], d)], ([a]) => a!.relu().add(a!.tanh()).add(a!.sigmoid())],
  ['sum/mean dims', () => [randn([2, 3, 4], d)], ([a]) => a!.sum(1, true).mul(a!.mean([0, 2], true))],
  ['matmul', () => [randn([2, 3], d), randn([3, 4], d)], ([a, b]) => a!.matmul(b!)],
  ['linear', () => [randn([4, 5], d), randn([3, 5], d), randn([3], d)], ([x, w, b]) => F.linear(x!, w!, b!)],
  [
    'conv2d stride/dilation/groups',
    () => [randn([1, 4, 5, 5], d), randn([4, 1, 3, 3], d)],
    ([x, w]) => F.conv2d(x!, w!, null, { stride: 2, padding: 2, dilation: 2, groups: 4 }),
  ],
  ['conv2d dense', () => [randn([1, 3, 5, 5], d), randn([2, 3, 3, 3], d), randn([2], d)], ([x, w, b]) => F.conv2d(x!, w!, b!, { padding: 1 })],
  [
    'batchNorm train affine',
    () => [randn([4, 3, 2, 2], d), randn([3], d), randn([3], d)],
    ([x, w, b]) => F.batchNorm(x!, null, null, { weight: w!, bias: b!, training: true }),
  ],
  ['batchNorm train no affine', () => [randn([4, 3, 2, 2], d)], ([x]) => F.batchNorm(x!, null, null, { training: true })],
  ['maxPool2d 3x3 s1 p1', () => [randn([1, 2, 5, 5], d)], ([x]) => F.maxPool2d(x!, 3, { stride: 1, padding: 1 })],
  ['avgPool2d no pad count', () => [randn([1, 2, 5, 5], d)], ([x]) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, countIncludePad: false })],
  ['adaptiveAvgPool2d', () => [randn([2, 3, 4, 4], d)], ([x]) => F.adaptiveAvgPool2d(x!, 1)],
  ['softmax/logSoftmax', () => [randn([3, 5], d)], ([x]) => F.softmax(x!, -1).add(F.logSoftmax(x!, 0))],
  ['crossEntropy', () => [randn([4, 5], d)], ([x]) => F.crossEntropy(x!, tensor([1, 0, 4, 2], { dtype: 'int64' }))],
  ['crossEntropy label smoothing', () => [randn([4, 5], d)], ([x]) => F.crossEntropy(x!, tensor([1, 0, 4, 2], { dtype: 'int64' }), { labelSmoothing: 0.1 })],
  ['cat/slice/pad', () => [randn([2, 3], d), randn([2, 2], d)], ([a, b]) => F.pad(cat([a!, b!], 1).slice(1, 1, 5, 2).unsqueeze(0).unsqueeze(0), [1, 1, 0, 0])],
  ['clamp/where-free relu mix', () => [randn([8], d)], ([a]) => a!.clamp(-0.5, 0.5).mul(a!)],
  [
    'embedding',
    () => [randn([5, 3], d)],
    ([w]) =>
      F.embedding(
        tensor(
          [
            [0, 2],
            [4, 2],
          ],
          { dtype: 'int64' },
        ),
        w!,
      ),
  ],
  ['norm', () => [randn([3, 4], d)], ([a]) => a!.norm(2, 1)],
];

describe('float64 finite-difference gradcheck', () => {
  manualSeed(3);
  for (const [name, make, fn] of CHECKS) {
    it(name, () => {
      const inputs = make();
      const r = gradcheck(fn, inputs);
      expect(r.maxRelErr).toBeLessThan(TOL);
      inputs.forEach((t) => t.dispose());
    });
  }
});
