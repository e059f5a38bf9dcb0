/** safetensors: headers that JSON.parse or the native side would accept wrongly are format errors. */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, tensor } from '../../src/index.js';
import { SdartsError } from '../../src/util/errors.js';

/** A safetensors file from raw header text and data bytes. */
function file(headerText: string, data: number[] | Uint8Array = []): Uint8Array {
  const h = Buffer.from(headerText, 'utf8');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const entry = (dtype: string, shape: unknown, offs: unknown) => JSON.stringify({ dtype, shape, data_offsets: offs });

function expectFormat(bytes: Uint8Array, ...fragments: string[]): void {
  let caught: unknown;
  try {
    const r = decodeSafetensors(bytes, 'cpu', 'bad.safetensors');
    for (const t of Object.values(r.tensors)) t.dispose();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SdartsError);
  expect((caught as SdartsError).code).toBe('ERR_SDARTS_SAFETENSORS_FORMAT');
  const msg = (caught as Error).message;
  expect(msg).toContain('bad.safetensors is not a valid safetensors file');
  for (const f of fragments) expect(msg).toContain(f);
}

describe('safetensors header validation', () => {
  it('refuses two tensors sharing (overlapping) one byte range', () => {
    expectFormat(file(`{"a":${entry('U8', [4], [0, 4])},"b":${entry('U8', [4], [0, 4])}}`, [1, 2, 3, 4]), 'overlaps', '"b"');
    expectFormat(
      file(`{"a":${entry('U8', [4], [0, 4])},"b":${entry('U8', [2], [2, 4])},"c":${entry('U8', [2], [4, 6])}}`, [1, 2, 3, 4, 5, 6]),
      'overlaps',
      '"a"',
    );
  });

  it('refuses a gap between byte ranges', () => {
    expectFormat(file(`{"a":${entry('U8', [2], [0, 2])},"b":${entry('U8', [2], [4, 6])}}`, [1, 2, 3, 4, 5, 6]), 'no tensor covers', '"b"');
  });

  it('refuses a key given twice in the header (JSON.parse would keep the last silently)', () => {
    expectFormat(file(`{"a":${entry('U8', [2], [0, 2])},"a":${entry('U8', [2], [0, 2])}}`, [1, 2]), '"a" twice');
    expectFormat(file(`{"a":{"dtype":"U8","shape":[2],"shape":[1,2],"data_offsets":[0,2]}}`, [1, 2]), '"shape" twice');
  });

  it('keeps a tensor named __proto__ (and constructor) instead of losing it', () => {
    const { tensors } = decodeSafetensors(file(`{"__proto__":${entry('U8', [2], [0, 2])},"constructor":${entry('U8', [1], [2, 3])}}`, [7, 8, 9]));
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'constructor']);
    expect(tensors['__proto__']!.toArray()).toEqual([7, 8]);
    for (const t of Object.values(tensors)) t.dispose();
  });

  it('refuses __metadata__ that is not an object of strings', () => {
    expectFormat(file(`{"__metadata__":{"n":3},"a":${entry('U8', [1], [0, 1])}}`, [1]), '__metadata__ "n" is number');
    expectFormat(file(`{"__metadata__":["x"],"a":${entry('U8', [1], [0, 1])}}`, [1]), '__metadata__ is not an object of strings');
    expectFormat(file(`{"__metadata__":"x","a":${entry('U8', [1], [0, 1])}}`, [1]), '__metadata__ is not an object of strings');
  });

  it('refuses shapes whose element count overflows, even next to a zero', () => {
    expectFormat(file(`{"a":${entry('F32', [0, 1e300], [0, 0])}}`), 'tensor "a"', 'invalid shape');
    expectFormat(file(`{"a":${entry('F32', [0, 2 ** 40, 2 ** 40], [0, 0])}}`), 'tensor "a"', 'overflows');
    expectFormat(file(`{"a":${entry('F32', [2 ** 30, 2 ** 30], [0, 4])}}`, [0, 0, 0, 0]), 'tensor "a"', 'overflows');
  });

  it('refuses a shape that does not match the byte range', () => {
    expectFormat(file(`{"a":${entry('F32', [2], [0, 4])}}`, [0, 0, 0, 0]), 'tensor "a" has 4 bytes', 'needs 8');
  });

  it('refuses offsets beyond the file, huge or not integers', () => {
    expectFormat(file(`{"a":${entry('U8', [4], [0, 4])}}`, [1, 2]), 'tensor "a"', 'outside the 2 data bytes');
    expectFormat(file(`{"a":${entry('U8', [0], [1e300, 1e300])}}`), 'tensor "a"', 'invalid data_offsets');
    expectFormat(file(`{"a":${entry('U8', [0], [1.5, 1.5])}}`), 'tensor "a"', 'invalid data_offsets');
  });

  it('refuses bool bytes other than 0 and 1', () => {
    expectFormat(file(`{"flags":${entry('BOOL', [3], [0, 3])}}`, [0, 1, 2]), 'tensor "flags" is bool', 'byte 2 is 2');
  });

  it('refuses an entry that is not an object, a header nested too deep, and a header length beyond 2^53', () => {
    expectFormat(file('{"a":null}'), 'tensor "a" is not an object');
    expectFormat(file(`{"__metadata__":{},"x":${'['.repeat(20)}${']'.repeat(20)}}`), 'nests deeper');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    expectFormat(huge, 'header length');
  });

  it('still reads a well-formed file, metadata included', () => {
    const t = tensor([true, false, true]);
    const bytes = encodeSafetensors({ t }, { note: 'hi' });
    t.dispose();
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata['note']).toBe('hi');
    expect(tensors['t']!.toArray().map(Number)).toEqual([1, 0, 1]);
    tensors['t']!.dispose();
  });
});
