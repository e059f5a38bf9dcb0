import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModelMetrics } from '../../src/benchmark/model-metrics.js';
import { NasBench } from '../../src/benchmark/nasbench.js';
import { encodeNasbenchRow } from '../../src/benchmark/nasbench-row.js';
import { decodeBase64Into, emptyScannedRow, scanRow } from '../../src/benchmark/row-scanner.js';
import { readTfRecords } from '../../src/benchmark/tfrecord-reader.js';
import { encodeTfRecord } from '../../src/benchmark/tfrecord-writer.js';
import { loadFixture, MINI_TFRECORD } from './nasbench-fixtures.js';

const expected = loadFixture('mini_nasbench_expected.json');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-index-builder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const payloads: string[] = [];
readTfRecords(MINI_TFRECORD, (buf, start, end) => payloads.push(buf.toString('utf8', start, end)));

function scan(text: string): ReturnType<typeof emptyScannedRow> | null {
  const b = Buffer.from(text, 'utf8');
  const row = emptyScannedRow();
  return scanRow(b, 0, b.length, row) ? row : null;
}

/** JSON-escape every character of a string as \uXXXX (valid JSON, defeats the fast path). */
const escapeAll = (s: string) => '"' + [...s].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('') + '"';

describe('row fast path (row-scanner.ts) agrees with JSON.parse', () => {
  it('finds the same fields as JSON.parse in every mini record', () => {
    for (const text of payloads) {
      const [hash, epochs, adj, ops, b64] = JSON.parse(text);
      const row = scan(text)!;
      expect(row).not.toBeNull();
      const b = Buffer.from(text, 'utf8');
      expect([row.w0, row.w1, row.w2, row.w3].map((w) => w.toString(16).padStart(8, '0')).join('')).toBe(hash);
      expect(row.epochs).toBe(epochs);
      expect(b.toString('utf8', row.adjStart, row.adjEnd)).toBe(adj);
      expect(b.toString('utf8', row.opsStart, row.opsEnd)).toBe(ops);
      expect(b.toString('utf8', row.b64Start, row.b64End)).toBe(b64);
      const out = new Uint8Array(1024);
      const n = decodeBase64Into(b, row.b64Start, row.b64End, out);
      expect(Buffer.from(out.subarray(0, n)).equals(Buffer.from(b64, 'base64'))).toBe(true);
    }
  });

  it('accepts any JSON whitespace, rejects (to the slow path) what it does not handle', () => {
    const [hash, epochs, adj, ops, b64] = JSON.parse(payloads[0]!);
    expect(scan(JSON.stringify([hash, epochs, adj, ops, b64]))).not.toBeNull();
    expect(scan(`\n [\t"${hash}" ,\r\n ${epochs},"${adj}" , "${ops}",\n"${b64}" ] \n`)).not.toBeNull();
    expect(scan(`["${hash}", 108.0, "${adj}", "${ops}", "${b64}"]`)).toBeNull();
    expect(scan(`["${hash}", 1e2, "${adj}", "${ops}", "${b64}"]`)).toBeNull();
    expect(scan(`["${hash}", 0108, "${adj}", "${ops}", "${b64}"]`)).toBeNull();
    expect(scan(`["${hash.toUpperCase()}", 108, "${adj}", "${ops}", "${b64}"]`)).toBeNull();
    expect(scan(`["${hash}", 108, "${adj}", ${escapeAll(ops)}, "${b64}"]`)).toBeNull();
    expect(scan(`["${hash}", 108, "${adj}", "${ops}", "${b64}", 1]`)).toBeNull();
    expect(scan(`["${hash}", 108, "${adj}", "${ops}", "${b64}"] x`)).toBeNull();
    // An escaped quote inside the base64 text: the scanner bounds that field from the end of the
    // payload, and the strict decoder then refuses the backslash and quote.
    const tricky = Buffer.from(`["${hash}", 108, "${adj}", "${ops}", "${b64.slice(0, 8)}\\"${b64.slice(8)}"]`);
    const row = emptyScannedRow();
    expect(scanRow(tricky, 0, tricky.length, row)).toBe(true);
    expect(tricky.toString('utf8', row.b64Start, row.b64End)).toBe(`${b64.slice(0, 8)}\\"${b64.slice(8)}`);
    expect(decodeBase64Into(tricky, row.b64Start, row.b64End, new Uint8Array(1024))).toBe(-1);
  });

  it('strict base64 decoding matches Node for every length, and refuses non-alphabet text', () => {
    const out = new Uint8Array(64);
    for (let len = 0; len < 40; len++) {
      const bytes = createHash('sha512').update(String(len)).digest().subarray(0, len);
      const text = Buffer.from(bytes.toString('base64'));
      const n = decodeBase64Into(text, 0, text.length, out);
      expect(n).toBe(len);
      expect(Buffer.from(out.subarray(0, n)).equals(bytes)).toBe(true);
    }
    expect(decodeBase64Into(Buffer.from('QUJD!A=='), 0, 8, out)).toBe(-1);
    expect(decodeBase64Into(Buffer.from('QUJDR'), 0, 5, out)).toBe(-1);
    expect(decodeBase64Into(Buffer.from('QUJD\nQQ=='), 0, 9, out)).toBe(-1);
  });
});

describe('table builder', () => {
  it('rows spelled in other valid JSON forms (slow path) give the same tables as the mini file', () => {
    // Re-spell every record: compact, escaped ops, 108.0 epochs, extra whitespace, in rotation.
    const spelled = payloads.map((text, i) => {
      const [hash, epochs, adj, ops, b64] = JSON.parse(text);
      switch (i % 4) {
        case 0:
          return JSON.stringify([hash, epochs, adj, ops, b64]);
        case 1:
          return `["${hash}", ${epochs}, "${adj}", ${escapeAll(ops)}, "${b64}"]`;
        case 2:
          return `["${hash}", ${epochs}.0, "${adj}", "${ops}", "${b64}"]`;
        default:
          return `[\n  "${hash}",\n  ${epochs},\n  "${adj}",\n  "${ops}",\n  "${b64}"\n]\n`;
      }
    });
    const f = join(tmp, 'spelled.tfrecord');
    writeFileSync(f, Buffer.concat(spelled.map((t) => encodeTfRecord(Buffer.from(t, 'utf8')))));
    const nb = NasBench.open(f, { cache: false });
    expect(nb.numModules).toBe(15);
    for (const m of expected.modules) {
      const got = nb.getMetricsFromHash(m.hash);
      expect(got.fixed).toEqual({ module_adjacency: m.module_adjacency, module_operations: m.module_operations, trainable_parameters: m.trainable_parameters });
      expect(got.computed).toEqual(m.computed_stats);
    }
  });

  it('sorts and finds hashes that share their first 32 bits (the packed-key sort tie path)', () => {
    const hashes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const tail = createHash('md5').update(`tie-${i}`).digest('hex').slice(8);
      hashes.push((i % 3 === 0 ? 'deadbeef' : i % 3 === 1 ? '00000000' : 'ffffffff') + tail);
    }
    const f = join(tmp, 'ties.tfrecord');
    writeFileSync(
      f,
      Buffer.concat(
        hashes.map((h, i) => {
          const metrics = encodeModelMetrics({ evaluation_data: [{}, {}, { test_accuracy: i / 64 }], trainable_parameters: i });
          return encodeTfRecord(
            Buffer.from(
              encodeNasbenchRow(
                h,
                108,
                [
                  [0, 1],
                  [0, 0],
                ],
                ['input', 'output'],
                metrics,
              ),
            ),
          );
        }),
      ),
    );
    for (const cache of [false, true]) {
      const nb = NasBench.open(f, cache ? { cacheDir: tmp } : { cache: false });
      expect([...nb.hashes()]).toEqual([...hashes].sort());
      hashes.forEach((h, i) => {
        const got = nb.getMetricsFromHash(h);
        expect(got.fixed.trainable_parameters).toBe(i);
        expect(got.computed['108']![0]!.final_test_accuracy).toBe(i / 64);
      });
      expect(nb.hasHash('deadbeef' + '0'.repeat(24))).toBe(false);
    }
  });
});
