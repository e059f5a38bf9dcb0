import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadIdxDataset, readIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/dataset.js';
import { FIXTURES, expectDataError, expectImages, manifest, tempDir } from './fixture-helpers.js';

const RAW = join('FashionMNIST', 'raw');

describe('IDX readers (values from numpy over the same bytes)', () => {
  it('Fashion-MNIST, gzip, torchvision layout <root>/FashionMNIST/raw/', () => {
    const M = manifest('fashion-mnist');
    const train = loadDataset('fashion-mnist', join(FIXTURES, 'fashion-mnist'), 'train');
    expect(train.name).toBe('fashion-mnist');
    expectImages(train, M.train, 10);
    expectImages(loadDataset('fashion-mnist', join(FIXTURES, 'fashion-mnist'), 'test'), M.test, 10);
  });

  it('MNIST, uncompressed, flat directory', () => {
    const M = manifest('mnist-flat');
    const ds = loadDataset('mnist', join(FIXTURES, 'mnist-flat'), 'train');
    expect(ds.name).toBe('mnist');
    expectImages(ds, M.train, 10);
    expectImages(loadDataset('mnist', join(FIXTURES, 'mnist-flat'), 'test'), M.test, 10);
  });

  it('prefers the decompressed copy torchvision leaves beside the .gz (same values)', () => {
    const dir = tempDir('fashion-mnist');
    const gz = join(dir, RAW, 't10k-images-idx3-ubyte.gz');
    writeFileSync(gz.replace(/\.gz$/, ''), gunzipSync(readFileSync(gz)));
    rmSync(gz);
    expectImages(loadIdxDataset(dir, 'test', 'FashionMNIST', 'fashion-mnist', 'h'), manifest('fashion-mnist').test, 10);
  });
});

describe('IDX damaged or foreign files', () => {
  it('missing files name both places looked in and the download command', () => {
    const dir = tempDir();
    expectDataError(() => loadDataset('fashion-mnist', dir, 'train'), 'ERR_SDARTS_DATA_MISSING', join(dir, RAW, 'train-images-idx3-ubyte'), `looked for train-images-idx3-ubyte[.gz] in ${join(dir, RAW)} and ${dir}`, `sdarts data download fashion-mnist --dir ${dir}`);
  });

  it('a truncated gzip stream', () => {
    const dir = tempDir('fashion-mnist');
    const file = join(dir, RAW, 'train-images-idx3-ubyte.gz');
    truncateSync(file, 1000);
    expectDataError(() => loadDataset('fashion-mnist', dir, 'train'), 'ERR_SDARTS_DATA_CORRUPT', file, 'gzip data cannot be decompressed');
  });

  it('a truncated raw file names the promised and present counts', () => {
    const dir = tempDir('mnist-flat');
    const file = join(dir, 't10k-images-idx3-ubyte');
    truncateSync(file, 16 + 784 * 2);
    expectDataError(() => loadDataset('mnist', dir, 'test'), 'ERR_SDARTS_DATA_CORRUPT', file, 'promises 4×28×28 = 3136 values but 1568 follow; the file is truncated');
  });

  it('labels that do not match the image count', () => {
    const dir = tempDir('mnist-flat');
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]));
    expectDataError(() => loadDataset('mnist', dir, 'test'), 'ERR_SDARTS_DATA_CORRUPT', '3 labels for 4 images');
  });

  it('a file with another magic number (e.g. a gzip of HTML)', () => {
    const err = expectDataError(() => readIdx(gzipSync(Buffer.from('<html>nope</html>')), 'x.gz', 'fix it'), 'ERR_SDARTS_DATA_FORMAT', 'x.gz', 'not an IDX file (magic 3c 68 74 6d', 'To fix: fix it.');
    expect(err.name).toBe('SdartsError');
  });

  it('an IDX file of int32 values is refused by type', () => {
    expectDataError(() => readIdx(Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 0, 5]), 'i.idx', 'h'), 'ERR_SDARTS_DATA_FORMAT', 'value type 0xc is not unsigned byte');
  });
});
