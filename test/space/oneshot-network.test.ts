/**
 * The NAS-Bench-1Shot1 one-shot network (docs/reference-notes.md R4.2): state-dict keys (in order), shapes and kinds equal
 * the PyTorch twin's at full size (test/fixtures/oneshot/*.tsv, scripts/fixtures/oneshot_twin.py);
 * parameter counts equal the reference's analytic sizes (docs/reference-notes.md R4.2) (SS1/SS2 1.101402M, SS3 1.509594M) and the
 * layer-by-layer formula for other widths; α shapes/order and that α is not a module parameter; both
 * forward modes; the search-space table agrees with the benchmark's; argument errors; no tensor leaks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, grad, manualSeed, memory, noGrad, randn, tensor, tidy } from '../../src/index.js';
import { OneShotNetwork } from '../../src/space/oneshot/oneshot-network.js';
import { ONESHOT_SPACES, archShapes, getOneShotSpace, type OneShotSpaceId } from '../../src/space/oneshot/oneshot-spaces.js';
import { SEARCH_SPACES } from '../../src/benchmark/one-shot-spaces.js';
import { FIXTURES } from '../helpers/fixture.js';
import { expectClose } from '../helpers/tolerance.js';

const SPEC_PARAMS: Record<OneShotSpaceId, number> = { 1: 1101402, 2: 1101402, 3: 1509594 };
const SPACES: OneShotSpaceId[] = [1, 2, 3];

/** docs/reference-notes.md R4.2 counted by hand: stem, per cell (blocks: conv3x3+BN, conv1x1+BN, projection+BN; output projection), postprocess (no BN affine), classifier. */
function analyticParams(steps: number, C: number, layers = 9, inCh = 3, classes = 10): number {
  let total = inCh * C * 9 + 2 * C;
  let cPrev = C,
    cCurr = C;
  for (let i = 0; i < layers; i++) {
    if (i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3)) cCurr *= 2;
    const cIn = i === 0 ? cPrev : cPrev * steps;
    total += steps * (9 * cCurr * cCurr + 2 * cCurr + cCurr * cCurr + 2 * cCurr + cIn * cCurr + 2 * cCurr);
    total += cIn * cCurr * steps + 2 * cCurr * steps;
    cPrev = cCurr;
  }
  return total + cPrev * steps * cCurr + cPrev * classes + classes;
}

function reference(space: OneShotSpaceId): string[][] {
  return readFileSync(join(FIXTURES, 'oneshot', `oneshot-ss${space}-C16-L9-classes10.tsv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
}

describe('OneShotNetwork', () => {
  for (const space of SPACES) {
    it(`space ${space}: state-dict keys (in order), shapes and kinds equal the twin's; α shapes; ${SPEC_PARAMS[space]} params`, () => {
      const net = new OneShotNetwork({ space });
      const ref = reference(space);
      const sd = net.stateDict();
      const params = new Set(net.namedParameters().map(([n]) => n));
      const stateRows = ref.filter((r) => r[2] !== 'architecture');
      expect(Object.keys(sd)).toEqual(stateRows.map((r) => r[0]));
      for (const [key, shape, kind] of stateRows) {
        expect(sd[key!]!.shape.length === 0 ? 'scalar' : sd[key!]!.shape.join('x'), key).toBe(shape);
        expect(params.has(key!) ? 'parameter' : 'buffer', key).toBe(kind);
      }
      const arch = ref.filter((r) => r[2] === 'architecture');
      expect(net.archParameters().map((a) => a.shape.join('x'))).toEqual(arch.map((r) => r[1]));
      expect(net.numParameters()).toBe(SPEC_PARAMS[space]);
      const sizes = JSON.parse(readFileSync(join(FIXTURES, 'oneshot', 'sizes.json'), 'utf8')) as { parameters: Record<string, number> };
      expect(net.numParameters()).toBe(sizes.parameters[String(space)]);
      net.dispose();
    });
  }

  it('parameter count follows the layer-by-layer formula for other widths, depths, inputs and classes', () => {
    for (const [space, C, layers, inChannels, numClasses] of [
      [1, 4, 9, 3, 10],
      [2, 8, 6, 1, 100],
      [3, 2, 9, 3, 10],
      [3, 5, 4, 2, 7],
    ] as const) {
      const net = new OneShotNetwork({ space, C, layers, inChannels, numClasses });
      expect(net.numParameters(), `space ${space} C=${C} layers=${layers}`).toBe(
        analyticParams(ONESHOT_SPACES[space].steps, C, layers, inChannels, numClasses),
      );
      net.dispose();
    }
    expect(analyticParams(4, 16)).toBe(SPEC_PARAMS[1]);
    expect(analyticParams(5, 16)).toBe(SPEC_PARAMS[3]);
  });

  it('α: [mixed_op, output, ...inputs], 1e-3·N(0,1) leaves with grad, outside parameters() and the state dict', () => {
    manualSeed(0);
    const net = new OneShotNetwork({ space: 3, C: 2 });
    const alphas = net.archParameters();
    expect(alphas.map((a) => a.shape)).toEqual([
      [5, 3],
      [1, 6],
      [1, 2],
      [1, 3],
      [1, 4],
      [1, 5],
    ]);
    expect(alphas.reduce((s, a) => s + a.numel, 0)).toBe(35); // spec: SS1 24, SS2 26, SS3 35 arch scalars
    for (const a of alphas) {
      expect(a.requiresGrad).toBe(true);
      expect(Math.max(...a.toArray().map(Math.abs))).toBeLessThan(1e-2);
    }
    const ps = new Set(net.parameters());
    expect(alphas.some((a) => ps.has(a))).toBe(false);
    expect(Object.keys(net.stateDict()).some((k) => k.startsWith('alpha'))).toBe(false);
    const count = (id: OneShotSpaceId): number => archShapes(ONESHOT_SPACES[id]).reduce((s, [r, c]) => s + r! * c!, 0);
    expect([count(1), count(2), count(3)]).toEqual([24, 26, 35]);
    net.dispose();
  });

  it('the space table agrees with the benchmark conversion: steps, and α_inputs[i] is [1, vertex] for its vertex', () => {
    for (const space of SPACES) {
      const mine = ONESHOT_SPACES[space],
        bench = SEARCH_SPACES[space];
      expect(mine.steps).toBe(bench.steps);
      // Block b is vertex b+1 and has b+1 candidate parents (vertex 0 and blocks 0..b−1).
      const weightedVertices = Array.from({ length: mine.steps - mine.firstWeightedBlock }, (_, i) => mine.firstWeightedBlock + i + 1);
      expect(weightedVertices).toEqual([...bench.inputAlphaVertices]);
      expect(archShapes(mine).slice(2)).toEqual(weightedVertices.map((v) => [1, v]));
    }
  });

  it('forward(x) equals forward(x, softmaxWeights()); rows sum to 1; 1-channel 32×32 input (32 → 17 → 9) works', () => {
    manualSeed(1);
    const net = new OneShotNetwork({ space: 2, C: 2, inChannels: 1, numClasses: 5 });
    net.eval();
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((i) => net.downsamplesBefore(i))).toEqual([3, 6]);
    tidy(() => {
      const x = randn([2, 1, 32, 32]);
      const w = net.softmaxWeights();
      w.forEach((t, i) => expectClose(t.sum(-1), new Array<number>(t.size(0)).fill(1), 'float32', 'elementwise', `softmax rows [${i}] sum to 1`));
      const a = noGrad(() => net.forward(x));
      const b = noGrad(() => net.forward(x, w));
      expect(a.shape).toEqual([2, 5]);
      expectClose(a, b, 'float32', 'elementwise', 'forward(x) vs forward(x, softmaxWeights())');
      // The reference's pooling arithmetic: kernel 2, stride 2, padding 1.
      const p1 = F.maxPool2d(x, 2, { stride: 2, padding: 1 });
      expect(p1.shape.slice(2)).toEqual([17, 17]);
      expect(F.maxPool2d(p1, 2, { stride: 2, padding: 1 }).shape.slice(2)).toEqual([9, 9]);
    });
    net.dispose();
  });

  it('weight mode uses the given tensors raw for all three groups (output weight 0 on every block kills their gradient)', () => {
    manualSeed(2);
    const net = new OneShotNetwork({ space: 1, C: 2, layers: 3 });
    tidy(() => {
      const x = randn([2, 3, 8, 8]);
      const w = net.softmaxWeights().map((t) => noGrad(() => t.clone()));
      w[1] = tensor([[1, 0, 0, 0, 0]]); // only the input→output projection reaches the cell output
      const loss = net.forward(x, w).sum();
      const blockConv = net.cells.at(2).choiceBlocks.at(0).mixedOp.ops.at(1).parameters()[0]!;
      const proj = net.cells.at(2).inputProjections.at(4).parameters()[0]!;
      const [gBlock, gProj] = grad(loss, [blockConv, proj]);
      expect(gBlock!.abs().sum().item()).toBe(0);
      expect(gProj!.abs().sum().item()).toBeGreaterThan(0);
    });
    net.dispose();
  });

  it('argument errors name the function, the argument, what was expected and what came', () => {
    expect(() => new OneShotNetwork({ space: 4 as OneShotSpaceId })).toThrow(RangeError);
    expect(() => new OneShotNetwork({ space: 4 as OneShotSpaceId })).toThrow(
      "Expected search space 1, 2 or 3 for 'space' in OneShotNetwork() but received 4 (number)",
    );
    expect(() => getOneShotSpace('4')).toThrow('Expected search space 1, 2 or 3 for \'space\' in getOneShotSpace() but received "4" (string)');
    expect(getOneShotSpace('3').steps).toBe(5);
    expect(() => new OneShotNetwork({ space: 1, C: 0 })).toThrow("Expected a positive integer for 'C' in OneShotNetwork() but received 0 (number)");
    expect(() => new OneShotNetwork(null as never)).toThrow(TypeError);
    const net = new OneShotNetwork({ space: 1, C: 2, layers: 1 });
    tidy(() => {
      const x = randn([1, 3, 4, 4]);
      const w = net.softmaxWeights();
      expect(() => net.forward(x, w.slice(0, 2))).toThrow(RangeError);
      expect(() => net.forward(x, w.slice(0, 2))).toThrow(
        'Expected 4 tensors shaped [4, 3], [1, 5], [1, 3], [1, 4] (search space 1) for \'archWeights\' in OneShotNetwork.forward() but received "2 tensor(s)" (string)',
      );
      expect(() => net.forward(x, [w[0]!, w[1]!, w[3]!, w[2]!])).toThrow(
        'Expected a tensor shaped [1, 3] for \'archWeights[2]\' in OneShotNetwork.forward() but received "shape [1, 4]" (string)',
      );
      expect(() => net.forward(x, [w[0]!, w[1]!, [0.3, 0.3, 0.4] as never, w[3]!])).toThrow(TypeError);
    });
    net.dispose();
  });

  it('forward + backward steps leave the live-tensor count unchanged; dispose frees α too', () => {
    manualSeed(3);
    const before = memory().liveTensors;
    const net = new OneShotNetwork({ space: 3, C: 2, layers: 3 });
    const x = randn([2, 3, 8, 8]);
    const y = tensor([1, 7], { dtype: 'int64' });
    const step = (): void =>
      tidy(() => {
        const loss = F.crossEntropy(net.forward(x), y);
        grad(loss, [...net.parameters(), ...net.archParameters()]);
      });
    step();
    const live = memory().liveTensors;
    step();
    step();
    expect(memory().liveTensors).toBe(live);
    net.dispose();
    x.dispose();
    y.dispose();
    expect(memory().liveTensors).toBe(before);
  });
});
