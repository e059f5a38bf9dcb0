import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSvhn } from '../../src/data/svhn.js';
import { readMatV5, type MatArray } from '../../src/data/mat-v5.js';
import { FIXTURES, expectDataError, expectImages, manifest, tempDir } from './fixture-helpers.js';

describe('SVHN .mat files written by scipy.io.savemat', () => {
  const M = manifest('svhn');
  it('train: compressed MAT v5, X 32×32×3×N → N×3×32×32, y float64 with 10 ↦ 0', () => {
    const ds = loadSvhn(join(FIXTURES, 'svhn'), 'train');
    expect(ds.name).toBe('svhn');
    expectImages(ds, M.train, 10);
    expect(ds.labels[0]).toBe(0); // the script stores the digit 0 as 10 in the first label
  });
  it('test: uncompressed MAT v5, y uint8', () => {
    expectImages(loadSvhn(join(FIXTURES, 'svhn'), 'test'), M.test, 10);
  });
});

describe('MAT v5 files in MATLAB’s own habits (truth from scipy.io.loadmat)', () => {
  const M = manifest('svhn-matlab');
  it('double labels stored as miUINT8, small-element names, a non-square compressed X', () => {
    const ds = loadSvhn(join(FIXTURES, 'svhn-matlab'), 'train');
    expectImages(ds, M.train, 10);
    expect([ds.height, ds.width]).toEqual([4, 5]);
  });
  it('a big-endian ("MI") file', () => {
    expectImages(loadSvhn(join(FIXTURES, 'svhn-matlab'), 'test'), M.test, 10);
  });
  it('readMatV5 decodes int16 values and lists the char variable it does not decode', () => {
    const file = join(FIXTURES, 'svhn-matlab', 'train_32x32.mat');
    const vars = readMatV5(readFileSync(file), { source: file, hint: 'h' });
    expect([...vars.keys()].sort()).toEqual(['X', 'note', 'w', 'y']);
    const w = vars.get('w') as MatArray;
    expect({ cls: w.className, dims: w.dims, values: Array.from(w.data) }).toEqual({ cls: 'int16', dims: M.w.dims, values: M.w.values });
    expect(w.data).toBeInstanceOf(Int16Array);
    const y = vars.get('y') as MatArray;
    expect(y.className).toBe('double');
    expect(y.data).toBeInstanceOf(Float64Array);
    expect(vars.get('note')).toMatchObject({ className: 'char', dims: [1, M.note.length], data: null });
  });
});

describe('SVHN damaged or foreign files', () => {
  it('missing file names the path and the download command', () => {
    const dir = tempDir();
    expectDataError(() => loadSvhn(dir, 'train'), 'ERR_SDARTS_DATA_MISSING', join(dir, 'train_32x32.mat'), `sdarts data download svhn --dir ${dir}`);
  });
  it('truncated compressed file', () => {
    const dir = tempDir('svhn');
    const file = join(dir, 'train_32x32.mat');
    truncateSync(file, 2000);
    expectDataError(() => loadSvhn(dir, 'train'), 'ERR_SDARTS_DATA_CORRUPT', file, 'truncated');
  });
  it('truncated uncompressed file', () => {
    const dir = tempDir('svhn');
    const file = join(dir, 'test_32x32.mat');
    truncateSync(file, 9000);
    expectDataError(() => loadSvhn(dir, 'test'), 'ERR_SDARTS_DATA_CORRUPT', file, 'truncated');
  });
  it('a file cut inside the header', () => {
    const dir = tempDir('svhn');
    const file = join(dir, 'test_32x32.mat');
    truncateSync(file, 60);
    expectDataError(() => loadSvhn(dir, 'test'), 'ERR_SDARTS_DATA_CORRUPT', file, 'shorter than the 128-byte MAT-file header');
  });
  it('a MAT v7.3 (HDF5) file is named as such', () => {
    const dir = tempDir();
    const header = Buffer.alloc(512);
    header.write('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .', 0, 'latin1');
    header.writeUInt16LE(0x0200, 124);
    header.write('IM', 126, 'latin1');
    writeFileSync(join(dir, 'train_32x32.mat'), header);
    expectDataError(() => loadSvhn(dir, 'train'), 'ERR_SDARTS_DATA_FORMAT', 'MAT v7.3 (HDF5)', "save(..., '-v7')");
  });
  it('an HTML error page saved under the .mat name', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'test_32x32.mat'), '<!DOCTYPE html><html><body>Service unavailable</body></html>'.padEnd(300, ' '));
    expectDataError(() => loadSvhn(dir, 'test'), 'ERR_SDARTS_DATA_FORMAT', join(dir, 'test_32x32.mat'), 'not a MATLAB MAT-file');
  });
  it('a MAT file without the SVHN variables', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'test_32x32.mat'), readFileSync(join(FIXTURES, 'svhn-matlab', 'train_32x32.mat')).subarray(0, 128));
    expectDataError(() => loadSvhn(dir, 'test'), 'ERR_SDARTS_DATA_FORMAT', 'no variable "X"');
  });
});
