/** A search step is a scope: the live-tensor count and bytes are flat over 200 steps of every variant. */
import { describe, expect, it } from 'vitest';
import { manualSeed, memory, randint, randn } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { Architect } from '../../src/search/architect.js';
import { searchStep } from '../../src/search/search-step.js';
import type { PerturbationName } from '../../src/search/perturbation.js';

describe('search step memory', () => {
  it('200 steps (none / random / pgd_linf, first and second order) leave live tensors and bytes unchanged', () => {
    manualSeed(0);
    const net = new SearchNetwork({ space: 's3', C: 2, layers: 3, numClasses: 4 });
    const wOpt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 3e-4 });
    const arch = new Architect(net);
    const batch = { xTrain: randn([2, 3, 8, 8]), yTrain: randint(0, 4, [2]), xValid: randn([2, 3, 8, 8]), yValid: randint(0, 4, [2]) };
    const variants: [PerturbationName, boolean][] = [
      ['none', false],
      ['random', false],
      ['pgd_linf', false],
      ['none', true],
      ['random', true],
    ];
    const step = (i: number): void => {
      const [perturbation, unrolled] = variants[i % variants.length]!;
      searchStep(net, arch, wOpt, batch, { perturbation, epsilon: 0.1, pgdSteps: 2, pgdRandomStart: true, gradClip: 5, unrolled, updateArch: true });
    };
    for (let i = 0; i < variants.length; i++) step(i); // optimizer state (momentum, Adam moments) exists from here on
    const before = memory();
    for (let i = 0; i < 200; i++) step(i);
    const after = memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytes).toEqual(before.bytes);
    net.dispose();
    wOpt.dispose();
    arch.optimizer.dispose();
    Object.values(batch).forEach((t) => t.dispose());
  });
});
