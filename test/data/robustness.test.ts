import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { unpickle } from '../../src/data/pickle.js';
import { readMatV5 } from '../../src/data/mat-v5.js';
import { readTar } from '../../src/data/tar.js';
import { readIdx } from '../../src/data/idx.js';
import { FIXTURES } from './fixture-helpers.js';

/**
 * Damaged files must give a dataset error, never a raw TypeError/RangeError or a hang: flip bytes
 * and cut real fixture files at positions from a fixed-seed generator (deterministic runs).
 */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const READERS: Array<[string, Uint8Array, (b: Uint8Array) => unknown]> = [
  ['pickle protocol 2', readFileSync(join(FIXTURES, 'pickle', 'values-p2.pkl')), (b) => unpickle(b, { source: 's', hint: 'h' })],
  ['pickle protocol 5', readFileSync(join(FIXTURES, 'pickle', 'values-p5.pkl')), (b) => unpickle(b, { source: 's', hint: 'h' })],
  ['python-2 CIFAR batch', readFileSync(join(FIXTURES, 'cifar10', 'cifar-10-batches-py', 'data_batch_1')).subarray(0, 600), (b) => unpickle(b, { source: 's', hint: 'h' })],
  ['MAT v5 (MATLAB style)', readFileSync(join(FIXTURES, 'svhn-matlab', 'train_32x32.mat')), (b) => readMatV5(b, { source: 's', hint: 'h' })],
  ['MAT v5 (scipy, compressed)', readFileSync(join(FIXTURES, 'svhn', 'train_32x32.mat')), (b) => readMatV5(b, { source: 's', hint: 'h' })],
  ['tar', gunzipSync(readFileSync(join(FIXTURES, 'archives', 'cifar-10-python.tar.gz'))).subarray(0, 8192), (b) => readTar(b, 's', 'h')],
  ['IDX gzip', readFileSync(join(FIXTURES, 'fashion-mnist', 'FashionMNIST', 'raw', 't10k-labels-idx1-ubyte.gz')), (b) => readIdx(b, 's', 'h')],
];

const DATA_CODES = ['ERR_SDARTS_DATA_CORRUPT', 'ERR_SDARTS_DATA_FORMAT'];

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof SdartsError && DATA_CODES.includes(err.code)) return err.code;
    return `unexpected ${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('readers on damaged bytes', () => {
  for (const [name, original, read] of READERS) {
    it(`${name}: 150 flipped-byte and truncated variants give a data error or a value`, () => {
      const rand = lcg(name.length * 7919);
      const bad: string[] = [];
      for (let i = 0; i < 150; i++) {
        let b: Uint8Array;
        if (i % 3 === 0) {
          b = original.subarray(0, Math.floor(rand() * original.length));
        } else {
          b = Uint8Array.from(original);
          for (let k = 0; k < 1 + (i % 4); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        }
        const o = outcome(() => read(b));
        if (o.startsWith('unexpected')) bad.push(`variant ${i}: ${o}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
