/**
 * NT-ASGD (docs/reference-notes.md R3.7): the switch epoch on the scripted validation sequences of
 * test/fixtures/rnn/ntasgd.json (written by scripts/fixtures/rnn_twin.py from the reference's rule), and the
 * swap of ASGD's averages into the parameters for validation.
 */
import { describe, expect, it } from 'vitest';
import { memory, noGrad, tensor, type Tensor } from '../../src/index.js';
import { ASGD } from '../../src/optim/index.js';
import { ntAsgdShouldSwitch, ntAsgdSwitchEpoch, withAveragedParams } from '../../src/optim/nt-asgd.js';
import { loadFixture } from '../helpers/fixture.js';

interface NtAsgdFixture {
  script: string;
  cases: { name: string; nonmono: number; valLosses: number[]; switchEpoch: number | null }[];
}
const fixture = loadFixture<NtAsgdFixture>('rnn/ntasgd.json');

describe('NT-ASGD switch rule', () => {
  it('the fixture holds the cases it was written with', () => {
    expect(fixture.script).toBe('scripts/fixtures/rnn_twin.py');
    expect(fixture.cases.map((c) => c.name)).toEqual(['decreasing', 'plateauAfter3', 'noisyDescent', 'tieIsNotWorse', 'earlyBump', 'shortRun']);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: switches at the twin’s epoch', (_name, c) => {
    expect(ntAsgdSwitchEpoch(c.valLosses, c.nonmono)).toBe(c.switchEpoch);
  });

  it('switches only after more than nonmono epochs, and only on a loss worse than the best before the window', () => {
    expect(ntAsgdShouldSwitch([5, 4, 3], 9, 3)).toBe(false); // 3 recorded: not more than nonmono
    expect(ntAsgdShouldSwitch([5, 4, 3, 2], 5, 3)).toBe(false); // window start: min([5]) = 5, 5 is not worse
    expect(ntAsgdShouldSwitch([5, 4, 3, 2], 5.5, 3)).toBe(true);
    expect(ntAsgdShouldSwitch([5, 4, 3, 2], NaN, 3)).toBe(false);
    expect(() => ntAsgdShouldSwitch([1], 1, 0)).toThrow(/Expected a positive integer for 'nonmono' in ntAsgdShouldSwitch\(\)/);
  });
});

describe('withAveragedParams', () => {
  function setup(): { p: Tensor; q: Tensor; opt: ASGD } {
    const p = tensor([1, 2, 3]).requiresGrad_(true);
    const q = tensor([-1, 0.5]).requiresGrad_(true);
    const opt = new ASGD([p, q], { lr: 0.1, t0: 0, lambd: 0 });
    // Three steps on loss = Σ p² + Σ q²: ax is the running mean of the iterates (t0 = 0).
    for (let k = 0; k < 3; k++) {
      opt.zeroGrad();
      p.pow(2).sum().add(q.pow(2).sum()).backward();
      opt.step();
    }
    opt.zeroGrad();
    return { p, q, opt };
  }

  it('evaluates with the averages, then restores the parameters bitwise (also when the callback throws)', () => {
    const { p, q, opt } = setup();
    const start = memory().liveTensors;
    const before = [p.toArray(), q.toArray()];
    const ax = [opt.ax(p)!.toArray(), opt.ax(q)!.toArray()];
    expect(ax[0]).not.toEqual(before[0]);
    const seen = withAveragedParams(opt, [p, q], () => [p.toArray(), q.toArray()]);
    expect(seen).toEqual(ax);
    expect([p.toArray(), q.toArray()]).toEqual(before);
    expect(() =>
      withAveragedParams(opt, [p, q], () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect([p.toArray(), q.toArray()]).toEqual(before);
    expect(memory().liveTensors).toBe(start);
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('leaves a parameter without an average (no step yet) as it is', () => {
    const p = tensor([1, 2]).requiresGrad_(true);
    const opt = new ASGD([p], { lr: 0.1, t0: 0, lambd: 0 });
    expect(withAveragedParams(opt, [p], () => noGrad(() => p.toArray()))).toEqual([1, 2]);
    opt.dispose();
    p.dispose();
  });
});

describe('ASGD under the per-step lr scaling of the training loop', () => {
  it('steps with the η stored at the previous step (η = lr/(1 + λ·lr·t)^α with λ = 0: the previous step’s lr), the first with its own', () => {
    // docs/decisions.md: after the NT-ASGD switch the seq_len-scaled lr applies one step late, as in PyTorch.
    const p = tensor([1]).requiresGrad_(true);
    const opt = new ASGD([p], { lr: 20, t0: 0, lambd: 0 });
    const moves: number[] = [];
    for (const lr of [10, 30, 5]) {
      opt.paramGroups[0]!.lr = lr;
      p.grad = tensor([1]);
      const before = p.item();
      opt.step();
      moves.push(before - p.item());
    }
    expect(moves).toEqual([10, 10, 30]);
    opt.dispose();
    p.dispose();
  });
});
