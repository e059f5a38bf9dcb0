/** safetensors: reading a file written by PyTorch's safetensors, round trips, and refusal of bad files. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors, decodeSafetensors, encodeSafetensors, randn, tensor, tidy } from '../../src/index.js';
import { FIXTURES, loadFixture } from '../helpers/fixture.js';

const exp = loadFixture<{ tensors: Record<string, { shape: number[]; dtype: string; data: (number | boolean)[] }> }>('tensor/torch-written.json').tensors;
const DT: Record<string, string> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  int32: 'int32',
  uint8: 'uint8',
  bool: 'bool',
};

describe('safetensors', () => {
  it('reads every dtype from a file written by PyTorch (safetensors.torch.save_file)', () => {
    const { tensors, metadata } = loadSafetensors(join(FIXTURES, 'tensor', 'torch-written.safetensors'));
    expect(metadata['writer']).toBe('pytorch');
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(exp).sort());
    for (const [name, e] of Object.entries(exp)) {
      const t = tensors[name]!;
      expect(t.dtype, name).toBe(DT[e.dtype]);
      expect(t.shape, name).toEqual(e.shape);
      const got = t.toArray();
      const want = e.data.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
      expect(got, name).toEqual(want); // exact: f16/bf16 values were widened to float32 on both sides
      t.dispose();
    }
  });
  it('round-trips bytes exactly through a file (atomic write)', () => {
    tidy(() => {
      const dir = mkdtempSync(join(tmpdir(), 'sdarts-st-'));
      const a = randn([3, 4]),
        b = tensor([1, 2, 3], { dtype: 'int64' }),
        c = randn([2]).to('bfloat16');
      saveSafetensors(join(dir, 'x.safetensors'), { a, b, c }, { note: 'hi' });
      const { tensors, metadata } = loadSafetensors(join(dir, 'x.safetensors'));
      expect(metadata).toEqual({ note: 'hi' });
      expect(tensors['a']!.toArray()).toEqual(a.toArray());
      expect(tensors['b']!.toArray()).toEqual([1, 2, 3]);
      expect(tensors['c']!.dtype).toBe('bfloat16');
      expect(tensors['c']!.toArray()).toEqual(c.toArray());
      // Re-encoding the file we read gives identical bytes.
      expect(Buffer.from(encodeSafetensors(tensors, metadata)).equals(readFileSync(join(dir, 'x.safetensors')))).toBe(true);
    });
  });
  it('refuses truncated and foreign files with a message naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdarts-st-'));
    const good = readFileSync(join(FIXTURES, 'tensor', 'torch-written.safetensors'));
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, good.subarray(0, good.length - 5));
    expect(() => loadSafetensors(truncated)).toThrow(/truncated\.safetensors is not a valid safetensors file: .*(outside|cover)/);
    const foreign = join(dir, 'foreign.safetensors');
    writeFileSync(foreign, Buffer.from('PK\u0003\u0004 this is a zip file, not safetensors at all'));
    expect(() => loadSafetensors(foreign)).toThrow(/foreign\.safetensors is not a valid safetensors file: header length/);
    expect(() => loadSafetensors(join(dir, 'missing.safetensors'))).toThrow(/Cannot read safetensors file .*missing\.safetensors/);
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(/only 3 bytes/);
  });

  // Found by the native fuzz target (seed 2): a bigint metadata reached JSON.stringify, a raw TypeError.
  it('refuses metadata that is not an object of strings with a coded TypeError', () =>
    tidy(() => {
      for (const [bad, got] of [
        [10n, '10 (bigint)'],
        [[randn([1])], 'array of length 1'],
        [{ n: 3 }, '3 (number)'],
      ] as const) {
        let err: (Error & { code?: string }) | undefined;
        try {
          encodeSafetensors({ x: randn([2]) }, bad as never);
        } catch (e) {
          err = e as Error & { code?: string };
        }
        expect(err).toBeInstanceOf(TypeError);
        expect(err!.code).toBe('ERR_SDARTS_INVALID_ARG_TYPE');
        expect(err!.message).toMatch(new RegExp(`for 'metadata(\\.n)?' in encodeSafetensors\\(\\) but received ${got.replace(/[()]/g, '\\$&')}$`));
      }
    }));
});
