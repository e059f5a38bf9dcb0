import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import {
  CNN_GENOTYPE_NAMES,
  deriveGenotype,
  formatGenotype,
  getGenotype,
  SEARCH_CONCAT,
  softmaxRows,
  type Gene,
  type Genotype,
} from '../../src/space/genotype/index.js';
import { getSpace, validateSpace, type EdgeOps, type SearchSpace } from '../../src/space/spaces.js';

function thrown(fn: () => unknown): SdartsError {
  try {
    fn();
  } catch (err) {
    return err as SdartsError;
  }
  throw new Error('expected the call to throw');
}

const uniform = (cols: number): number[][] => Array.from({ length: 14 }, () => Array.from({ length: cols }, () => 1 / cols));

describe('softmaxRows', () => {
  it('matches exp(x)/sum(exp(x)) and stays finite for huge logits', () => {
    const [row] = softmaxRows([[1, 2, 3]]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(row![0]).toBeCloseTo(Math.exp(1) / z, 15);
    expect(row![1]).toBeCloseTo(Math.exp(2) / z, 15);
    expect(row![2]).toBeCloseTo(Math.exp(3) / z, 15);
    // exp(1000) overflows to Infinity; shifted by the row max it is exp(0) and exp(-1).
    const [big] = softmaxRows([[1000, 999]]);
    expect(big![0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(big![1]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 15);
    expect(softmaxRows([Float32Array.from([0, 0, 0, 0])])).toEqual([[0.25, 0.25, 0.25, 0.25]]);
  });

  it('rejects non-finite and non-numeric entries', () => {
    const err = thrown(() => softmaxRows([[0, Number.NaN]]));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("Expected a finite number for 'rows[0][1]' in softmaxRows() but received NaN (number)");
    expect(thrown(() => softmaxRows([[]])).message).toBe("Expected a non-empty array of numbers for 'rows[0]' in softmaxRows() but received array of length 0");
  });
});

describe('deriveGenotype', () => {
  it('S1: top-2 edges by max prob, stable ties toward the lower input, first max op wins', () => {
    // Rows are [p(col0), p(col1)] in S1's per-edge column order.
    const normal = [
      // node0 — e0 (skip, dil3) max .7 → dil3; e1 (skip, dil5) max .6 → skip. Ranked: e0, e1.
      [0.3, 0.7],
      [0.6, 0.4],
      // node1 — e2 (skip, dil5) .55 → dil5; e3 (skip, sep3) .8 → sep3; e4 (skip, dil3) .5/.5.
      // Ranked: e3 (j=1), e2 (j=0); e4 drops.
      [0.45, 0.55],
      [0.2, 0.8],
      [0.5, 0.5],
      // node2 — e5 (max_pool, skip) .9 → max_pool; e6 and e7 tie at .65: the lower input (j=1) wins.
      [0.9, 0.1],
      [0.35, 0.65],
      [0.65, 0.35],
      [0.6, 0.4],
      // node3 — e12 (dil3, dil5) .7 → dil5 (j=3) first; the rest tie at .5 → j=0 (e9), whose
      // two ops tie as well → the first column, skip_connect.
      [0.5, 0.5],
      [0.5, 0.5],
      [0.5, 0.5],
      [0.3, 0.7],
      [0.5, 0.5],
    ];
    // Uniform reduce: every node keeps inputs 0 and 1 and the first op of those edges (max_pool).
    const g = deriveGenotype(normal, uniform(2), 's1');
    expect(g.normal).toEqual([
      ['dil_conv_3x3', 0],
      ['skip_connect', 1],
      ['sep_conv_3x3', 1],
      ['dil_conv_5x5', 0],
      ['max_pool_3x3', 0],
      ['sep_conv_3x3', 1],
      ['dil_conv_5x5', 3],
      ['skip_connect', 0],
    ]);
    expect(g.reduce).toEqual([
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
    ]);
    expect(g.normalConcat).toEqual([2, 3, 4, 5]);
    expect(g.reduceConcat).toEqual([2, 3, 4, 5]);
    expect(SEARCH_CONCAT).toEqual([2, 3, 4, 5]);
  });

  it("S3: 'none' is ignored for both edge ranking and op choice", () => {
    const third = [1 / 3, 1 / 3, 1 / 3];
    const normal = [
      // node0 — e0 is 90% none, but its best real op is sep3 at .06; e1's skip .5 ranks first.
      [0.9, 0.04, 0.06],
      [0.1, 0.5, 0.4],
      // node1 — e2 would win on its .8 'none'; excluding it, e3 (.8 sep3) and e4 (.3 skip) are kept.
      [0.8, 0.15, 0.05],
      [0.1, 0.1, 0.8],
      [0.6, 0.3, 0.1],
      // node2, node3 — all equal: inputs 0, 1 and the first non-none op (skip_connect).
      third,
      third,
      third,
      third,
      third,
      third,
      third,
      third,
      third,
    ];
    // Reduce from logits [10, 0.1·e, 0]: after softmax, col1 (skip) grows with the edge index, so
    // each node's last two inputs win, strongest (highest j) first; on e0 skip and sep3 tie → skip.
    const reduceLogits = Array.from({ length: 14 }, (_, e) => [10, 0.1 * e, 0]);
    const g = deriveGenotype(normal, softmaxRows(reduceLogits), getSpace('s3'));
    expect(g.normal).toEqual([
      ['skip_connect', 1],
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 1],
      ['skip_connect', 2],
      ['skip_connect', 0],
      ['skip_connect', 1],
      ['skip_connect', 0],
      ['skip_connect', 1],
    ]);
    expect(g.reduce).toEqual([
      ['skip_connect', 1],
      ['skip_connect', 0],
      ['skip_connect', 2],
      ['skip_connect', 1],
      ['skip_connect', 3],
      ['skip_connect', 2],
      ['skip_connect', 4],
      ['skip_connect', 3],
    ]);
    expect([...g.normal, ...g.reduce].some(([op]) => op === 'none')).toBe(false);
  });

  it("S4: 'noise' is an ordinary candidate (not excluded like 'none')", () => {
    const rows = Array.from({ length: 14 }, () => [0.7, 0.3]); // [noise, sep3]
    const g = deriveGenotype(rows, rows, 's4');
    expect(g.normal.every(([op]) => op === 'noise')).toBe(true);
  });

  it("looks 'none' up in the op list of the global edge (fixes the R-DARTS local-index bug)", () => {
    // Even edges list 'none' first, odd edges second. The reference code looked 'none' up in the
    // list of local input x (edge x, not start+x). For node2 (edges 5..8 = odd, even, odd, even)
    // that reads edges 0..3 (even, odd, even, odd): every lookup hits the wrong column.
    const even: EdgeOps = ['none', 'skip_connect', 'sep_conv_3x3'];
    const odd: EdgeOps = ['skip_connect', 'none', 'sep_conv_3x3'];
    const edges = Array.from({ length: 14 }, (_, e) => (e % 2 === 0 ? even : odd));
    const space: SearchSpace = validateSpace('alternating-none', edges, edges);
    const third = [1 / 3, 1 / 3, 1 / 3];
    const normal = [
      third,
      third,
      third,
      third,
      third,
      // e5 (odd): 'none' (col 1) is .9, real ops .05 → weakest edge. With the bug, col 0 is
      //   excluded instead, e5 ranks first with strength .9 and 'none' is emitted as its op.
      [0.05, 0.9, 0.05],
      // e6 (even): real max .3 (skip, tie with sep3 → skip); e7 (odd): real max .4 (skip/sep3 tie
      //   → skip); e8 (even): .2. Correct ranking: e7 (j=2), e6 (j=1).
      [0.4, 0.3, 0.3],
      [0.4, 0.2, 0.4],
      [0.6, 0.2, 0.2],
      third,
      third,
      third,
      third,
      third,
    ];
    const g = deriveGenotype(normal, uniform(3), space);
    expect(g.normal.slice(4, 6)).toEqual([
      ['skip_connect', 2],
      ['skip_connect', 1],
    ]);
    expect(g.normal.some(([op]) => op === 'none')).toBe(false);
  });

  /**
   * Encode a genotype as probabilities: on each node's chosen edges put .6 (first gene) / .55
   * (second) on the chosen op and spread the rest (≤ .45) over the other ops; every other edge
   * gets at most .3. Decoding
   * must give the genotype back — for every published S1–S5 cell in its own space.
   */
  function encode(genes: readonly Gene[], edges: readonly EdgeOps[]): number[][] {
    const rows = edges.map((ops) => ops.map(() => 0.3 / ops.length));
    let start = 0;
    for (let i = 0; i < 4; i++) {
      genes.slice(2 * i, 2 * i + 2).forEach(([op, j], rank) => {
        const ops = edges[start + j]!;
        const chosen = rank === 0 ? 0.6 : 0.55;
        rows[start + j] = ops.map((o) => (o === op ? chosen : (1 - chosen) / (ops.length - 1)));
      });
      start += i + 2;
    }
    return rows;
  }

  it('decodes probabilities built from every published S1–S5 genotype back to that genotype', () => {
    let checked = 0;
    for (const name of CNN_GENOTYPE_NAMES) {
      const m = /_s(\d)_/.exec(name) ?? (name.startsWith('DARTS') ? ['', '5'] : null);
      if (!m) continue; // NASNet / AmoebaNet: 5-node cells outside every search space
      const space = getSpace(`s${m[1]}`);
      const g: Genotype = getGenotype(name);
      const derived = deriveGenotype(encode(g.normal, space.normal), encode(g.reduce, space.reduce), space);
      expect({ name, text: formatGenotype(derived) }).toEqual({ name, text: formatGenotype(g) });
      checked++;
    }
    expect(checked).toBe(38 + 3); // 38 SDARTS/PC-DARTS cells + DARTS_V1, DARTS_V2, DARTS
  });

  it('rejects probability matrices of the wrong shape or with NaN', () => {
    const err = thrown(() => deriveGenotype(uniform(2).slice(0, 13), uniform(2), 's1'));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_GENOTYPE_SHAPE');
    expect(err.message).toBe(
      "deriveGenotype(): expected 'probsNormal' to be 14 rows (one per edge) of 2 probabilities (space 's1') but received array of length 13",
    );
    const wide = thrown(() => deriveGenotype(uniform(2), uniform(3), 's1'));
    expect(wide.message).toBe("deriveGenotype(): expected probsReduce[0] to hold 2 probabilities (one per op of space 's1') but received array of length 3");
    const nan = uniform(7);
    nan[3]![2] = Number.NaN;
    const e3 = thrown(() => deriveGenotype(nan, uniform(7), 's5'));
    expect(e3).toBeInstanceOf(TypeError);
    expect(e3.message).toBe("Expected a number (not NaN) for 'probsNormal[3][2]' in deriveGenotype() but received NaN (number)");
    expect(thrown(() => deriveGenotype(uniform(2), uniform(2), 's9' as 's1')).code).toBe('ERR_SDARTS_SPACE_UNKNOWN');
  });
});
