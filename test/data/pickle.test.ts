import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpickle, PyDict, type PyValue } from '../../src/data/pickle.js';
import type { NdArray } from '../../src/data/pickle-numpy.js';
import { FIXTURES, expectDataError, manifest } from './fixture-helpers.js';

const M = manifest('pickle');
const opts = (file: string) => ({ source: file, hint: 'regenerate the fixture' });
const load = (name: string) => {
  const file = join(FIXTURES, 'pickle', name);
  return unpickle(readFileSync(file), opts(file));
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('unpickle: values pickled by CPython + numpy (fixture manifest)', () => {
  for (const protocol of [0, 1, 2, 4, 5]) {
    it(`protocol ${protocol}: scalars, strings, bytes, containers`, () => {
      const d = load(`values-p${protocol}.pkl`);
      expect(d).toBeInstanceOf(PyDict);
      const v = d as PyDict;
      const want = M.values;
      for (const k of ['small', 'neg', 'big', 'pi', 'text', 'none', 't', 'f', 'i64']) expect(v.get(k)).toEqual(want[k]);
      expect(v.get('huge')).toBe(BigInt(want.huge));
      expect(hex(v.get('raw') as Uint8Array)).toBe(want.raw);
      expect(hex(v.get('empty') as Uint8Array)).toBe('');
      expect(v.get('tuple')).toEqual(want.tuple);
      expect(Object.isFrozen(v.get('tuple'))).toBe(true); // tuples stay immutable, lists do not
      expect(v.get('list')).toEqual(want.list);
      expect(Object.isFrozen(v.get('list'))).toBe(false);
    });

    it(`protocol ${protocol}: numpy arrays keep dtype, shape, order and little-endian bytes`, () => {
      const v = load(`values-p${protocol}.pkl`) as PyDict;
      for (const k of ['f32arr', 'i64arr', 'be', 'fort', 'boolarr']) {
        const a = v.get(k) as NdArray;
        const want = M.values[k];
        expect({ k, dtype: a.dtype, shape: a.shape, fortran: a.fortranOrder, hex: hex(a.data) }).toEqual({ k, dtype: want.dtype, shape: want.shape, fortran: want.fortran, hex: want.hex });
      }
    });
  }
});

describe('unpickle: Python 2 protocol-0 text', () => {
  it('reads STRING opcodes (quoted repr with escapes) as bytes, as pickle.load(encoding=latin1) does', () => {
    const d = load('py2-protocol0.pkl') as PyDict;
    expect(hex(d.get('data') as Uint8Array)).toBe(M.py2_protocol0.data);
    expect(d.get('n')).toBe(M.py2_protocol0.n);
  });
});

describe('unpickle refuses anything that is not data', () => {
  for (const protocol of [2, 4, 5]) {
    it(`protocol ${protocol}: a __reduce__ naming os.system is refused by name, not run`, () => {
      const file = join(FIXTURES, 'pickle', `evil-reduce-p${protocol}.pkl`);
      expectDataError(() => unpickle(readFileSync(file), opts(file)), 'ERR_SDARTS_DATA_FORMAT', file, M.evil_global, 'refuses', 'nothing in a pickle is ever executed', 'regenerate the fixture');
    });

    it(`protocol ${protocol}: an instance of an arbitrary class is refused`, () => {
      const file = join(FIXTURES, 'pickle', `custom-class-p${protocol}.pkl`);
      expectDataError(() => unpickle(readFileSync(file), opts(file)), 'ERR_SDARTS_DATA_FORMAT', '__main__.Thing', 'refuses');
    });
  }

  it('a truncated pickle is reported as damaged with the offset', () => {
    const file = join(FIXTURES, 'pickle', 'values-p2.pkl');
    const bytes = readFileSync(file);
    expectDataError(() => unpickle(bytes.subarray(0, bytes.length - 40), opts('cut.pkl')), 'ERR_SDARTS_DATA_CORRUPT', 'cut.pkl', 'truncated');
  });

  it('a file that is not a pickle is reported as a format error', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expectDataError(() => unpickle(png, opts('image.png')), 'ERR_SDARTS_DATA_FORMAT', 'image.png', 'first byte 0x89', 'is this a Python pickle at all?');
  });

  it('an empty input is damaged, not a crash', () => {
    expectDataError(() => unpickle(new Uint8Array(0), opts('empty.pkl')), 'ERR_SDARTS_DATA_CORRUPT', 'empty.pkl', 'truncated');
  });

  it('a protocol newer than 5 is named', () => {
    // PROTO 6 then STOP: the header byte pair alone decides.
    expectDataError(() => unpickle(Uint8Array.from([0x80, 0x06, 0x4e, 0x2e]), opts('p6.pkl')), 'ERR_SDARTS_DATA_FORMAT', 'protocol 6');
  });

  it('a memo reference that was never stored is damaged', () => {
    // PROTO 2, BINGET 7, STOP
    expectDataError(() => unpickle(Uint8Array.from([0x80, 0x02, 0x68, 0x07, 0x2e]), opts('memo.pkl')), 'ERR_SDARTS_DATA_CORRUPT', 'memo entry 7');
  });
});

describe('PyDict', () => {
  it('finds Python-2 byte-string keys and str keys by the same name', () => {
    const d = new PyDict();
    d.set(Uint8Array.from([0x64, 0x61, 0x74, 0x61]), 1 as PyValue);
    d.set('labels', 2);
    expect(d.get('data')).toBe(1);
    expect(d.get('labels')).toBe(2);
    expect(d.keyNames()).toEqual(['data', 'labels']);
  });
});
