import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, IMAGE_DATASET_NAMES, type ImageDatasetName } from '../../src/data/dataset.js';
import { FIXTURES, expectArgError, manifest } from './fixture-helpers.js';

describe('loadDataset picks the reader and layout per name', () => {
  const cases: Array<[ImageDatasetName, string, number, number]> = [
    ['cifar10', 'cifar10', 3, 10],
    ['cifar100', 'cifar100', 3, 100],
    ['svhn', 'svhn', 3, 10],
    ['fashion-mnist', 'fashion-mnist', 1, 10],
    ['mnist', 'mnist-flat', 1, 10],
  ];
  for (const [name, fixture, channels, classes] of cases) {
    it(`${name}: shape, classes and labels of both splits`, () => {
      const M = manifest(fixture);
      for (const split of ['train', 'test'] as const) {
        const ds = loadDataset(name, join(FIXTURES, fixture), split);
        expect({ name: ds.name, n: ds.n, channels: ds.channels, classes: ds.classes, labels: Array.from(ds.labels) }).toEqual({ name, n: M[split].n, channels, classes, labels: M[split].labels });
      }
    });
  }

  it('covers every name it advertises', () => {
    expect([...IMAGE_DATASET_NAMES].sort()).toEqual(cases.map((c) => c[0]).sort());
  });

  it('rejects an unknown name with a RangeError naming the choices', () => {
    expectArgError(() => loadDataset('imagenet' as ImageDatasetName, '/tmp', 'train'), RangeError, "Expected one of cifar10, cifar100, svhn, fashion-mnist, mnist for 'name' in loadDataset() but received \"imagenet\" (string)", 'ERR_SDARTS_OUT_OF_RANGE');
  });

  it('rejects a bad split and a non-string dir', () => {
    expectArgError(() => loadDataset('cifar10', '/tmp', 'valid' as 'train'), RangeError, "Expected 'train' or 'test' for 'split' in loadDataset() but received \"valid\" (string)", 'ERR_SDARTS_OUT_OF_RANGE');
    expectArgError(() => loadDataset('cifar10', 3 as unknown as string, 'train'), TypeError, "Expected a non-empty directory path string for 'dir' in loadDataset() but received 3 (number)", 'ERR_SDARTS_INVALID_ARG_TYPE');
  });
});
