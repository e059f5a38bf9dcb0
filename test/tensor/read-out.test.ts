/** Reading tensors back into JS: toArray, tolist, toRows (rows of the last dimension). */
import { describe, expect, it } from 'vitest';
import { arange, tensor, tidy } from '../../src/index.js';

describe('toRows', () => {
  it('2-D: one array per row; 1-D: a single row; N-D: rows of the flattened leading dimensions; empty rows kept', () => {
    tidy(() => {
      expect(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]).toRows(),
      ).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(tensor([7, 8]).toRows()).toEqual([[7, 8]]);
      const t = arange(12).reshape([2, 3, 2]);
      expect(t.toRows()).toEqual([
        [0, 1],
        [2, 3],
        [4, 5],
        [6, 7],
        [8, 9],
        [10, 11],
      ]);
      expect(t.toRows()).toEqual(t.reshape([6, 2]).tolist() as number[][]);
      expect(tensor([[], []], { shape: [2, 0] }).toRows()).toEqual([[], []]);
    });
  });
});
