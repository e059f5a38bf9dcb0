/**
 * The search network's state dict equals the reference's keys and shapes (test/fixtures/space/state-dict, see its README), α shapes, parameter counts (docs/reference-notes.md R2.12: S1 0.405146M, S2/S3 0.665466M,
 * S4 0.624506M, S5 1.930618M; CIFAR-100 +0.023130M), and both forward modes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, manualSeed, noGrad, randn, tidy } from '../../src/index.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { FIXTURES } from '../helpers/fixture.js';
import { expectClose } from '../helpers/tolerance.js';

const PARAMS: Record<string, number> = { s1: 405146, s2: 665466, s3: 665466, s4: 624506, s5: 1930618 };

function reference(space: string): string[][] {
  return readFileSync(join(FIXTURES, 'space', 'state-dict', `cnn-search-${space}-C16-L8-classes10.tsv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
}

describe('SearchNetwork', () => {
  for (const space of ['s1', 's2', 's3', 's4', 's5'] as const) {
    it(`${space}: state-dict keys (in order), shapes and kinds equal the reference; α is [14, ops]; ${PARAMS[space]} params`, () => {
      const net = new SearchNetwork({ space });
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
      expect(arch.map((r) => r[0])).toEqual(['alphas_normal', 'alphas_reduce']);
      expect(net.alphas.normal.shape.join('x')).toBe(arch[0]![1]);
      expect(net.alphas.reduce.shape.join('x')).toBe(arch[1]![1]);
      expect(net.numParameters()).toBe(PARAMS[space]);
      net.dispose();
    });
  }

  it('CIFAR-100 adds 0.023130M parameters (the 100-way classifier)', () => {
    const net = new SearchNetwork({ space: 's1', numClasses: 100 });
    expect(net.numParameters() - PARAMS['s1']!).toBe(23130);
    net.dispose();
  });

  it('alpha-mode forward equals weight-mode forward with softmax(α) passed explicitly; 1-channel input works', () => {
    manualSeed(0);
    const net = new SearchNetwork({ space: 's3', C: 4, layers: 3, inChannels: 1, numClasses: 5 });
    net.eval();
    tidy(() => {
      const x = randn([2, 1, 8, 8]);
      const a = noGrad(() => net.forward(x));
      const b = noGrad(() => net.forward(x, [F.softmax(net.alphas.normal, -1), F.softmax(net.alphas.reduce, -1)]));
      expect(a.shape).toEqual([2, 5]);
      expectClose(a, b, 'float32', 'elementwise', 'alpha mode vs weight mode');
    });
    net.dispose();
  });

  it('genotype() derives from softmax(α): 8 genes per cell with inputs valid for their node', () => {
    manualSeed(1);
    const net = new SearchNetwork({ space: 's5', C: 4, layers: 3 });
    const g = net.genotype();
    expect(g.normal).toHaveLength(8);
    g.normal.forEach(([, input], i) => expect(input).toBeLessThanOrEqual(Math.floor(i / 2) + 1));
    expect([...g.normalConcat]).toEqual([2, 3, 4, 5]);
    net.dispose();
  });
});
