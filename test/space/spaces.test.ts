import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { CNN_OP_NAMES, isPrimitiveName, PRIMITIVES } from '../../src/space/primitives.js';
import { edgeCount, getSpace, NUM_EDGES, SPACE_NAMES, validateSpace, type EdgeOps } from '../../src/space/spaces.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'space');

describe('PRIMITIVES', () => {
  it('lists the DARTS CNN op names in the reference order (docs/reference-notes.md R2.12)', () => {
    expect(PRIMITIVES).toEqual([
      'none',
      'noise',
      'max_pool_3x3',
      'avg_pool_3x3',
      'skip_connect',
      'sep_conv_3x3',
      'sep_conv_5x5',
      'dil_conv_3x3',
      'dil_conv_5x5',
    ]);
    expect(CNN_OP_NAMES.slice(PRIMITIVES.length)).toEqual(['sep_conv_7x7', 'conv_7x1_1x7']);
    expect(isPrimitiveName('sep_conv_3x3')).toBe(true);
    expect(isPrimitiveName('sep_conv_7x7')).toBe(false);
    expect(isPrimitiveName(3)).toBe(false);
  });
});

describe('search spaces', () => {
  it('has 14 edges per cell: node i has i+2 inputs, 2+3+4+5', () => {
    expect(edgeCount(4)).toBe(2 + 3 + 4 + 5);
    expect(NUM_EDGES).toBe(14);
  });

  it('S1 normal and reduce columns match the table of docs/reference-notes.md R2.2 row by row', () => {
    const s1 = getSpace('s1');
    expect(s1.numOps).toBe(2);
    // Edges 5 and 10 of the normal cell are the only ones listing max_pool first.
    expect(s1.normal[5]).toEqual(['max_pool_3x3', 'skip_connect']);
    expect(s1.normal[10]).toEqual(['max_pool_3x3', 'skip_connect']);
    expect(s1.normal[12]).toEqual(['dil_conv_3x3', 'dil_conv_5x5']);
    expect(s1.reduce[1]).toEqual(['max_pool_3x3', 'dil_conv_3x3']);
    expect(s1.reduce[6]).toEqual(['max_pool_3x3', 'sep_conv_3x3']);
    expect(s1.reduce[7]).toEqual(['skip_connect', 'dil_conv_3x3']);
    expect(s1.normal.map((ops) => ops[0])).toEqual([
      'skip_connect',
      'skip_connect',
      'skip_connect',
      'skip_connect',
      'skip_connect',
      'max_pool_3x3',
      'skip_connect',
      'skip_connect',
      'skip_connect',
      'skip_connect',
      'max_pool_3x3',
      'skip_connect',
      'dil_conv_3x3',
      'dil_conv_3x3',
    ]);
  });

  it('S2–S5 use one op list on every edge of both cells', () => {
    const expected: Record<string, EdgeOps> = {
      s2: ['skip_connect', 'sep_conv_3x3'],
      s3: ['none', 'skip_connect', 'sep_conv_3x3'],
      s4: ['noise', 'sep_conv_3x3'],
      s5: ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'],
    };
    for (const [name, ops] of Object.entries(expected)) {
      const sp = getSpace(name);
      expect(sp.numOps).toBe(ops.length);
      expect(sp.normal).toHaveLength(14);
      expect(sp.reduce).toHaveLength(14);
      for (const e of [...sp.normal, ...sp.reduce]) expect(e).toEqual(ops);
    }
    // S5 deliberately drops 'none' (docs/reference-notes.md R7 Q11).
    expect(getSpace('s5').normal[0]).not.toContain('none');
  });

  it('is frozen so a model cannot change the shared tables', () => {
    const s1 = getSpace('s1');
    expect(Object.isFrozen(s1)).toBe(true);
    expect(Object.isFrozen(s1.normal)).toBe(true);
    expect(Object.isFrozen(s1.normal[0])).toBe(true);
  });

  it('rejects unknown names with the list of valid ones', () => {
    expect(() => getSpace('S1')).toThrow(SdartsError);
    expect(() => getSpace('S1')).toThrow(
      'getSpace(): unknown search space "S1" (string) (names are lower case: did you mean \'s1\'?); expected one of s1, s2, s3, s4, s5',
    );
    expect(() => getSpace('darts')).toThrow('expected one of s1, s2, s3, s4, s5');
    expect(() => getSpace('s6')).toThrow(expect.objectContaining({ name: 'SdartsError', code: 'ERR_SDARTS_SPACE_UNKNOWN' }));
    expect(SPACE_NAMES).toEqual(['s1', 's2', 's3', 's4', 's5']);
  });

  it('validateSpace rejects mixed op counts, unknown ops and all-none edges', () => {
    const two: EdgeOps = ['skip_connect', 'sep_conv_3x3'];
    const edges = Array.from({ length: 14 }, () => two);
    const mixed = [...edges.slice(0, 13), ['skip_connect', 'sep_conv_3x3', 'none'] as EdgeOps];
    expect(() => validateSpace('x', edges, mixed)).toThrow(
      "validateSpace(): search space 'x': reduce edge 13 has 3 ops but earlier edges have 2; all edges of a space must have the same op count (alpha has one column count)",
    );
    const unknown = [['skip_connect', 'conv_9x9'], ...edges.slice(1)] as unknown as EdgeOps[];
    expect(() => validateSpace('x', unknown, edges)).toThrow('normal edge 0: unknown op "conv_9x9" (string); ops must be DARTS primitives');
    const noneOnly = [['none'], ...Array.from({ length: 13 }, () => ['none'] as EdgeOps)] as EdgeOps[];
    expect(() => validateSpace('x', noneOnly, noneOnly)).toThrow("normal edge 0: needs at least one op other than 'none'");
    expect(() => validateSpace('x', edges.slice(0, 13), edges)).toThrow('expected 14 edge op lists for the normal cell but received array of length 13');
    expect(() => validateSpace('x', [['skip_connect', 'skip_connect'], ...edges.slice(1)], edges)).toThrow(
      'normal edge 0: duplicate op in [skip_connect, skip_connect]',
    );
  });
});

/**
 * Cross-check of the column order against the reference search network's state-dict keys: cell 0
 * is a normal cell (C=16, stride 1), cell 2 the first reduction cell (C=32, stride 2 on edges from
 * the two cell inputs). `cells.<c>._ops.<edge>._ops.<k>.*` are the keys of column k's op, and each
 * op kind leaves a recognisable set of keys (affine=False: BN has buffers only).
 */
describe('space column order vs reference state-dict keys', () => {
  const bn = (prefix: string, c: number) => [`${prefix}.running_mean ${c}`, `${prefix}.running_var ${c}`, `${prefix}.num_batches_tracked scalar`];
  function signature(op: string, c: number, stride: number): string[] {
    const sep = (k: number) => [
      `op.1.weight ${c}x1x${k}x${k}`,
      `op.2.weight ${c}x${c}x1x1`,
      ...bn('op.3', c),
      `op.5.weight ${c}x1x${k}x${k}`,
      `op.6.weight ${c}x${c}x1x1`,
      ...bn('op.7', c),
    ];
    const dil = (k: number) => [`op.1.weight ${c}x1x${k}x${k}`, `op.2.weight ${c}x${c}x1x1`, ...bn('op.3', c)];
    switch (op) {
      case 'none':
      case 'noise':
        return [];
      case 'skip_connect':
        return stride === 1 ? [] : [`conv_1.weight ${c / 2}x${c}x1x1`, `conv_2.weight ${c / 2}x${c}x1x1`, ...bn('bn', c)];
      case 'max_pool_3x3':
      case 'avg_pool_3x3':
        return bn('1', c); // MixedOp appends BN(affine=False) after every pool
      case 'sep_conv_3x3':
        return sep(3);
      case 'sep_conv_5x5':
        return sep(5);
      case 'dil_conv_3x3':
        return dil(3);
      case 'dil_conv_5x5':
        return dil(5);
      default:
        throw new Error(op);
    }
  }
  const inputIndexOfEdge = (e: number) => [0, 1, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4][e]!;

  for (const name of SPACE_NAMES) {
    it(`${name}: every column's keys in cells 0 and 2 are those of the listed op`, () => {
      const tsv = readFileSync(join(FIXTURES, 'state-dict', `cnn-search-${name}-C16-L8-classes10.tsv`), 'utf8');
      const keys = new Map<string, string[]>();
      for (const line of tsv.trim().split('\n').slice(1)) {
        const [key, shape] = line.split('\t');
        const m = /^cells\.([02])\._ops\.(\d+)\._ops\.(\d+)\.(.+)$/.exec(key!);
        if (!m) continue; // stem, preprocessing, other cells, classifier, α
        const id = `${m[1]}/${m[2]}/${m[3]}`;
        keys.set(id, [...(keys.get(id) ?? []), `${m[4]} ${shape}`]);
      }
      const sp = getSpace(name);
      let checked = 0;
      for (const [cell, edges, c] of [
        [0, sp.normal, 16],
        [2, sp.reduce, 32],
      ] as const) {
        edges.forEach((ops, e) => {
          const stride = cell === 2 && inputIndexOfEdge(e) < 2 ? 2 : 1;
          ops.forEach((op, k) => {
            expect({ cell, e, k, keys: (keys.get(`${cell}/${e}/${k}`) ?? []).sort() }).toEqual({ cell, e, k, keys: signature(op, c, stride).sort() });
            keys.delete(`${cell}/${e}/${k}`);
            checked++;
          });
        });
      }
      // No parameters belong to a column the space does not have.
      expect([...keys.keys()]).toEqual([]);
      expect(checked).toBe(2 * 14 * sp.numOps);
    });
  }
});
