import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCifar10, loadCifar100 } from '../../src/data/cifar.js';
import { FIXTURES, expectDataError, expectImages, manifest, tempDir } from './fixture-helpers.js';

describe('CIFAR-10 python batches (torchvision layout)', () => {
  const M = manifest('cifar10');
  it('train = data_batch_1..5 concatenated, equal to torchvision’s reading (Python-2 cPickle files)', () => {
    expectImages(loadCifar10(join(FIXTURES, 'cifar10'), 'train'), M.train, 10);
  });
  it('test = test_batch (Python 3 pickle protocol 2)', () => {
    const ds = loadCifar10(join(FIXTURES, 'cifar10'), 'test');
    expect(ds.name).toBe('cifar10');
    expectImages(ds, M.test, 10);
  });
  it('also accepts the batches folder itself as the directory', () => {
    expectImages(loadCifar10(join(FIXTURES, 'cifar10', 'cifar-10-batches-py'), 'test'), M.test, 10);
  });
});

describe('CIFAR-10 binary batches', () => {
  const M = manifest('cifar10-bin');
  it('reads 1 label byte + 3072 pixel bytes per record for both splits', () => {
    expectImages(loadCifar10(join(FIXTURES, 'cifar10-bin'), 'train'), M.train, 10);
    expectImages(loadCifar10(join(FIXTURES, 'cifar10-bin'), 'test'), M.test, 10);
  });
  it('a truncated binary batch names the record size', () => {
    const dir = tempDir('cifar10-bin');
    const file = join(dir, 'cifar-10-batches-bin', 'test_batch.bin');
    truncateSync(file, 3073 * 2 + 100);
    expectDataError(() => loadCifar10(dir, 'test'), 'ERR_SDARTS_DATA_CORRUPT', file, 'not a whole number of 3073-byte records', `sdarts data download cifar10 --dir ${dir}`);
  });
});

describe('CIFAR-100', () => {
  const M = manifest('cifar100');
  it('train (protocol 4) with the 100 fine labels', () => {
    const ds = loadCifar100(join(FIXTURES, 'cifar100'), 'train');
    expect(ds.name).toBe('cifar100');
    expectImages(ds, M.train, 100);
  });
  it('test (protocol 5, numpy _frombuffer)', () => {
    expectImages(loadCifar100(join(FIXTURES, 'cifar100'), 'test'), M.test, 100);
  });
  it('a missing file names the path and the download command', () => {
    const dir = tempDir();
    expectDataError(() => loadCifar100(dir, 'train'), 'ERR_SDARTS_DATA_MISSING', join(dir, 'cifar-100-python', 'train'), `run \`sdarts data download cifar100 --dir ${dir}\``);
  });
});

describe('CIFAR-10 damaged or foreign files', () => {
  it('no dataset folder at all', () => {
    const dir = tempDir();
    expectDataError(() => loadCifar10(dir, 'train'), 'ERR_SDARTS_DATA_MISSING', join(dir, 'cifar-10-batches-py'), 'neither cifar-10-batches-py/ nor cifar-10-batches-bin/', `sdarts data download cifar10 --dir ${dir}`);
  });

  it('one training batch missing', () => {
    const dir = tempDir('cifar10');
    const file = join(dir, 'cifar-10-batches-py', 'data_batch_3');
    rmSync(file);
    expectDataError(() => loadCifar10(dir, 'train'), 'ERR_SDARTS_DATA_MISSING', file, 'CIFAR python batch');
  });

  it('a truncated pickle batch', () => {
    const dir = tempDir('cifar10');
    const file = join(dir, 'cifar-10-batches-py', 'data_batch_2');
    truncateSync(file, 5000);
    expectDataError(() => loadCifar10(dir, 'train'), 'ERR_SDARTS_DATA_CORRUPT', file, 'truncated', 'sdarts data download cifar10');
  });

  it('a text file where a batch should be', () => {
    const dir = tempDir('cifar10');
    const file = join(dir, 'cifar-10-batches-py', 'test_batch');
    writeFileSync(file, '<html>404 Not Found</html>');
    expectDataError(() => loadCifar10(dir, 'test'), 'ERR_SDARTS_DATA_FORMAT', file, 'is this a Python pickle at all?');
  });

  it('a pickle of the wrong structure (CIFAR-100 file in the CIFAR-10 folder)', () => {
    const dir = tempDir('cifar10');
    const file = join(dir, 'cifar-10-batches-py', 'test_batch');
    writeFileSync(file, readFileSync(join(FIXTURES, 'cifar100', 'cifar-100-python', 'test')));
    expectDataError(() => loadCifar10(dir, 'test'), 'ERR_SDARTS_DATA_FORMAT', file, 'expected a list of integer labels under "labels"', 'fine_labels');
  });

  it('the metadata pickle is not a batch', () => {
    const dir = tempDir('cifar10');
    const file = join(dir, 'cifar-10-batches-py', 'test_batch');
    writeFileSync(file, readFileSync(join(dir, 'cifar-10-batches-py', 'batches.meta')));
    expectDataError(() => loadCifar10(dir, 'test'), 'ERR_SDARTS_DATA_FORMAT', file, 'expected a numpy array under "data"', 'label_names');
  });
});
