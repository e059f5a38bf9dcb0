/** Same seed ⇒ the same draws as PyTorch (same LibTorch generator); generator state save/restore. */
import { describe, expect, it } from 'vitest';
import { empty, getRngState, manualSeed, rand, randint, randn, randperm, setRngState, tidy } from '../../src/index.js';
import { loadFixture, type EncodedTensor } from '../helpers/fixture.js';

const rng = loadFixture<{ rng: Record<string, EncodedTensor> & { seed: number } }>('tensor/ops.json').rng;

describe('random numbers', () => {
  it('manualSeed reproduces PyTorch draws bitwise (randn, rand, randint, randperm, normal_, uniform_, bernoulli_)', () => {
    tidy(() => {
      manualSeed(rng.seed);
      expect(randn([5]).toArray()).toEqual(rng.randn.data);
      expect(rand([2, 3]).toArray()).toEqual(rng.rand.data);
      expect(randint(0, 10, [6]).toArray()).toEqual(rng.randint.data);
      expect(randperm(7).toArray()).toEqual(rng.randperm.data);
      expect(empty([4]).normal_(1, 2).toArray()).toEqual(rng.normal_.data);
      expect(empty([4]).uniform_(-0.3, 0.3).toArray()).toEqual(rng.uniform_.data);
      expect(empty([8]).bernoulli_(0.5).toArray()).toEqual(rng.bernoulli_.data);
    });
  });
  it('getRngState/setRngState resumes the exact stream', () => {
    tidy(() => {
      manualSeed(5);
      randn([3]);
      const state = getRngState();
      const a = randn([10]).toArray();
      setRngState(state);
      expect(randn([10]).toArray()).toEqual(a);
    });
  });
  it('rejects a state that is not a Uint8Array', () => {
    expect(() => setRngState([1, 2] as unknown as Uint8Array)).toThrow(/Expected a Uint8Array from getRngState\(\) for 'state' in setRngState\(\)/);
  });
});
