import { createHash } from 'node:crypto';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_FASHION_MNIST_DIR, loadEmbeddedFashionMnist } from '../../src/data/embedded.js';
import { expectArgError } from './fixture-helpers.js';

// subset.json is written by scripts/make-embedded-fashion-mnist.py from the Debian package's files.
const info = JSON.parse(readFileSync(join(EMBEDDED_FASHION_MNIST_DIR, 'subset.json'), 'utf8'));

describe('embedded Fashion-MNIST subset', () => {
  it('lives in data/fashion-mnist-subset with a README naming source and licence', () => {
    expect(EMBEDDED_FASHION_MNIST_DIR.replace(/\\/g, '/')).toMatch(/\/data\/fashion-mnist-subset\/$/);
    const readme = readFileSync(join(EMBEDDED_FASHION_MNIST_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('dataset-fashion-mnist');
    expect(readme).toContain('MIT');
    expect(readme).toContain('Zalando');
    const bytes = readdirSync(EMBEDDED_FASHION_MNIST_DIR).reduce((a, f) => a + statSync(join(EMBEDDED_FASHION_MNIST_DIR, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  for (const [split, key, perClass] of [['train', 'train', 200], ['test', 'test', 50]] as const) {
    it(`${split}: ${perClass * 10} images, ${perClass} per class, labels and pixels as the script recorded`, () => {
      const ds = loadEmbeddedFashionMnist(split);
      expect({ n: ds.n, c: ds.channels, h: ds.height, w: ds.width, classes: ds.classes }).toEqual({ n: perClass * 10, c: 1, h: 28, w: 28, classes: 10 });
      const counts = new Array(10).fill(0);
      for (const l of ds.labels) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      expect(Array.from(ds.labels)).toEqual(info[key].labels);
      expect(createHash('sha256').update(ds.images).digest('hex')).toBe(info[key].images_sha256);
    });
  }

  it('rejects a bad split', () => {
    expectArgError(() => loadEmbeddedFashionMnist('valid' as 'test'), RangeError, "Expected 'train' or 'test' for 'split' in loadEmbeddedFashionMnist() but received \"valid\" (string)", 'ERR_SDARTS_OUT_OF_RANGE');
  });

  it('the compiled module (dist/data/embedded.js) resolves to the same folder', () => {
    // dist/data/ sits two levels below the package root exactly like src/data/, so the same relative URL works.
    const fromDist = fileURLToPath(new URL('../../data/fashion-mnist-subset/', new URL('../../dist/data/embedded.js', import.meta.url)));
    expect(fromDist).toBe(EMBEDDED_FASHION_MNIST_DIR);
  });
});
