import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar } from '../../src/data/tar.js';
import { FIXTURES, expectDataError, manifest } from './fixture-helpers.js';

// Archives written by Python's tarfile (PAX format) in make_data_fixtures.py.
const M = manifest('archives');
const tarOf = (name: string) => gunzipSync(readFileSync(join(FIXTURES, 'archives', name)));

describe('readTar', () => {
  it('lists the folder, the batches and a pax long name (> 100 characters)', () => {
    const entries = readTar(tarOf('cifar-10-python.tar.gz'), 'a.tar', 'h');
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['cifar-10-batches-py', 'directory'],
      ...['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch', 'batches.meta'].map((n) => [`cifar-10-batches-py/${n}`, 'file']),
      [M.long_name, 'file'],
    ]);
    expect(M.long_name.length).toBeGreaterThan(100);
    expect(Buffer.from(entries[entries.length - 1]!.data).toString()).toBe('<html>readme</html>');
  });

  it('refuses a member that climbs out with ..', () => {
    expectDataError(() => readTar(tarOf('traversal.tar.gz'), 'bad.tar', 'h'), 'ERR_SDARTS_DATA_FORMAT', 'bad.tar', 'tar member path "../evil.txt" would land outside the target directory');
  });

  it('refuses symbolic links', () => {
    expectDataError(() => readTar(tarOf('symlink.tar.gz'), 'link.tar', 'h'), 'ERR_SDARTS_DATA_FORMAT', 'is a symbolic link', 'refusing to extract');
  });

  it('a damaged header fails its checksum', () => {
    const tar = Buffer.from(tarOf('cifar-10-python.tar.gz'));
    tar[10] ^= 0xff;
    expectDataError(() => readTar(tar, 'dmg.tar', 'h'), 'ERR_SDARTS_DATA_CORRUPT', 'dmg.tar', 'fails its checksum');
  });

  it('a truncated archive is named as such', () => {
    const tar = tarOf('cifar-10-python.tar.gz');
    expectDataError(() => readTar(tar.subarray(0, 4096), 'cut.tar', 'h'), 'ERR_SDARTS_DATA_CORRUPT', 'cut.tar', 'the archive is truncated');
  });

  it('zeros or nothing are not an archive', () => {
    expectDataError(() => readTar(new Uint8Array(1024), 'zero.tar', 'h'), 'ERR_SDARTS_DATA_FORMAT', 'not a tar archive');
  });
});
