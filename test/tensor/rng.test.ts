/**
 * Same seed ⇒ the same draws as PyTorch (same LibTorch generator), compared bitwise with PyTorch run
 * live on this machine (scripts/fixtures/rng_draws.py): the vectorised normal and uniform kernels round
 * differently on CPUs with other instruction sets, so a stored copy would match only some machines.
 * Generator state save/restore.
 */
import { describe, expect, it } from 'vitest';
import { empty, getRngState, manualSeed, rand, randint, randn, randperm, setRngState, tidy } from '../../src/index.js';
import { runPython } from '../helpers/python.js';

const SEED = 42;
const rng = JSON.parse(runPython('scripts/fixtures/rng_draws.py', [String(SEED)])) as Record<string, number[]>;

describe('random numbers', () => {
  it('manualSeed reproduces PyTorch draws bitwise (randn, rand, randint, randperm, normal_, uniform_, bernoulli_, vectorised randn)', () => {
    tidy(() => {
      manualSeed(SEED);
      expect(randn([5]).toArray()).toEqual(rng['randn']);
      expect(rand([2, 3]).toArray()).toEqual(rng['rand']);
      expect(randint(0, 10, [6]).toArray()).toEqual(rng['randint']);
      expect(randperm(7).toArray()).toEqual(rng['randperm']);
      expect(empty([4]).normal_(1, 2).toArray()).toEqual(rng['normal_']);
      expect(empty([4]).uniform_(-0.3, 0.3).toArray()).toEqual(rng['uniform_']);
      expect(empty([8]).bernoulli_(0.5).toArray()).toEqual(rng['bernoulli_']);
      expect(randn([40]).toArray()).toEqual(rng['randn_vec']);
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
