/**
 * oneShotAlphas(model): the raw α as plain arrays in the shapes src/benchmark/one-shot-conversion.ts
 * takes, so the search loop converts them to a NAS-Bench-101 spec each epoch. Checked by setting α to
 * hand-chosen values and deriving the expected ops and parents by hand (docs/reference-notes.md R4.4):
 * ops = argmax per block row, parents = top-k of each input row (column j = vertex j), output = top-k.
 */
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, tensor } from '../../src/index.js';
import { OneShotNetwork } from '../../src/space/oneshot/oneshot-network.js';
import { oneShotAlphas } from '../../src/space/oneshot/oneshot-alphas.js';
import { oneShotToSpec } from '../../src/benchmark/one-shot-conversion.js';

function setAlphas(net: OneShotNetwork, values: number[][][]): void {
  noGrad(() => net.archParameters().forEach((a, i) => a.copy_(tensor(values[i]!))));
}

describe('oneShotAlphas', () => {
  it('returns the raw α (not softmax) in [mixed_op, output, inputs] shapes for every space', () => {
    for (const space of [1, 2, 3] as const) {
      manualSeed(space);
      const net = new OneShotNetwork({ space, C: 2, layers: 3 });
      const a = oneShotAlphas(net);
      expect(a.alphasMixedOp).toHaveLength(net.space.steps);
      a.alphasMixedOp.forEach((row) => expect(row).toHaveLength(3));
      expect([a.alphasOutput.length, a.alphasOutput[0]!.length]).toEqual([1, net.space.steps + 1]);
      expect(a.alphasInputs.map((g) => [g.length, g[0]!.length])).toEqual(net.alphas.inputs.map((t) => t.shape));
      expect(a.alphasMixedOp.flat()).toEqual(net.alphas.mixedOp.toArray());
      expect(a.alphasOutput.flat()).toEqual(net.alphas.output.toArray());
      a.alphasInputs.forEach((g, i) => expect(g.flat()).toEqual(net.alphas.inputs[i]!.toArray()));
      expect(oneShotToSpec(space, a).matrix).toHaveLength(7); // the conversion accepts them as they are
      net.dispose();
    }
  });

  it('space 1: hand-set α convert to the hand-derived ops and parents', () => {
    const net = new OneShotNetwork({ space: 1, C: 2, layers: 1 });
    setAlphas(net, [
      [
        [0.9, 0.1, 0],
        [0, 0.5, 0.2],
        [0, 0.1, 0.7],
        [0.3, 0.2, 0.1],
      ], // ops: maxpool, conv3x3, conv1x1, maxpool
      [[0.1, 0.2, 0.9, 0.3, 0.8]], // output ← vertices 2 and 4
      [[0.6, 0.1, 0.5]], // vertex 3 ← {0, 2}
      [[0.1, 0.7, 0.2, 0.9]], // vertex 4 ← {1, 3}
    ]);
    const arch = oneShotToSpec(1, oneShotAlphas(net));
    expect(arch.chosenOps).toEqual([0, 1, 2, 0]);
    expect(arch.parents).toEqual([[], [0], [0, 1], [0, 2], [1, 3], [2, 4]]);
    net.dispose();
  });

  it('space 3: hand-set α convert to the hand-derived ops and parents', () => {
    const net = new OneShotNetwork({ space: 3, C: 2, layers: 1 });
    setAlphas(net, [
      [
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      [[0.5, 0.1, 0.2, 0.3, 0.4, 0.6]], // output (vertex 6) ← {0, 5}
      [[0.2, 0.8]], // vertex 2 ← {1}
      [[0.9, 0.1, 0.3]], // vertex 3 ← {0}
      [[0.1, 0.2, 0.6, 0.5]], // vertex 4 ← {2, 3}
      [[0.1, 0.2, 0.3, 0.4, 0.9]], // vertex 5 ← {3, 4}
    ]);
    const arch = oneShotToSpec(3, oneShotAlphas(net));
    expect(arch.chosenOps).toEqual([1, 2, 0, 1, 2]);
    expect(arch.parents).toEqual([[], [0], [1], [0], [2, 3], [3, 4], [0, 5]]);
    net.dispose();
  });
});
