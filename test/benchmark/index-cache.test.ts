import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { indexCachePath, INDEX_FORMAT_VERSION } from '../../src/benchmark/index-cache.js';
import { encodeModelMetrics } from '../../src/benchmark/model-metrics.js';
import { NasBench } from '../../src/benchmark/nasbench.js';
import { encodeNasbenchRow } from '../../src/benchmark/nasbench-row.js';
import { readTfRecords } from '../../src/benchmark/tfrecord-reader.js';
import { encodeTfRecord } from '../../src/benchmark/tfrecord-writer.js';
import { loadFixture, MINI_TFRECORD } from './nasbench-fixtures.js';

const expected = loadFixture('mini_nasbench_expected.json');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-index-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A private copy of the mini file (so mtime changes do not touch the fixture). */
function freshCopy(): string {
  const dir = join(tmp, `case-${n++}`);
  mkdirSync(dir);
  const f = join(dir, 'nasbench_only108.tfrecord');
  copyFileSync(MINI_TFRECORD, f);
  return f;
}

function expectMatchesReference(nb: NasBench, numModules = 15): void {
  expect(nb.numModules).toBe(numModules);
  for (const m of expected.modules) {
    const got = nb.getMetricsFromHash(m.hash);
    expect(got.fixed).toEqual({ module_adjacency: m.module_adjacency, module_operations: m.module_operations, trainable_parameters: m.trainable_parameters });
    expect(got.computed).toEqual(m.computed_stats);
    expect(nb.meansFromHash(m.hash).mean_final_test_error).toBe(m.means_over_3_repeats['108'].mean_final_test_error);
  }
}

describe('index cache', () => {
  it('first open parses and writes the cache beside the file; the second open loads it without parsing', () => {
    const f = freshCopy();
    const first = NasBench.open(f);
    expect(first.source).toBe('tfrecord');
    expect(first.info.cacheStatus).toBe('written');
    expect(first.info.cachePath).toBe(f + '.sdarts-index');
    expect(existsSync(f + '.sdarts-index')).toBe(true);
    const second = NasBench.open(f);
    expect(second.source).toBe('cache');
    expect(second.info.cacheStatus).toBe('loaded');
    expect(second.info.numRecords).toBe(45);
    expect(second.validEpochs).toEqual([108]);
    expectMatchesReference(second);
    // The cache answers spec queries as well.
    expect(second.getMetricsFromSpec(expected.modules[0].query_specs[1]).hash).toBe(expected.modules[0].hash);
  });

  it('a cached file is not re-read: corrupting its middle (size, mtime, head and tail kept) goes unnoticed', () => {
    // Build a file larger than the 2×64 KiB fingerprint span: the mini records plus 1800 filler
    // records of other modules. Corrupt one byte in the middle after the cache is written and
    // restore the mtime: a re-parse would fail with a CRC error, a cache load does not read it.
    const payloads: Buffer[] = [];
    readTfRecords(MINI_TFRECORD, (buf, start, end) => payloads.push(Buffer.from(buf.subarray(start, end))));
    for (let i = 0; i < 600; i++) {
      const hash = createHash('md5').update(`filler-${i}`).digest('hex');
      for (let rep = 0; rep < 3; rep++) {
        const metrics = encodeModelMetrics({ evaluation_data: [{}, { test_accuracy: 0.5 }, { test_accuracy: 0.75 + rep / 64 }], trainable_parameters: i });
        payloads.splice(
          7 + i * 2,
          0,
          Buffer.from(
            encodeNasbenchRow(
              hash,
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
      }
    }
    const f = join(tmp, `case-${n++}.tfrecord`);
    const bytes = Buffer.concat(payloads.map((p) => encodeTfRecord(p)));
    expect(bytes.length).toBeGreaterThan(3 * 64 * 1024);
    writeFileSync(f, bytes);
    const t = new Date('2024-05-06T07:08:09Z');
    utimesSync(f, t, t);
    const first = NasBench.open(f);
    expect(first.source).toBe('tfrecord');
    expect(first.numModules).toBe(615);

    const middle = Math.floor(bytes.length / 2);
    bytes[middle]! ^= 0x01;
    writeFileSync(f, bytes);
    utimesSync(f, t, t);
    const cached = NasBench.open(f);
    expect(cached.source).toBe('cache');
    expectMatchesReference(cached, 615);
    // ...while an uncached open of the same bytes does notice the corruption.
    expect(() => NasBench.open(f, { cache: false })).toThrow(/^readTfRecords\(\): data loss in '.*' at byte offset \d+: (payload|length) CRC mismatch/);
  });

  it('uses cacheDir when given, with a per-source name', () => {
    const f = freshCopy();
    const dir = join(tmp, 'cache-dir');
    mkdirSync(dir, { recursive: true });
    const nb = NasBench.open(f, { cacheDir: dir });
    expect(nb.info.cachePath).toBe(indexCachePath(f, dir));
    expect(nb.info.cachePath!.startsWith(join(dir, 'nasbench_only108.tfrecord.'))).toBe(true);
    expect(existsSync(f + '.sdarts-index')).toBe(false);
    expect(NasBench.open(f, { cacheDir: dir }).source).toBe('cache');
  });

  it('a changed source mtime makes the cache stale: rebuilt, then loaded again', () => {
    const f = freshCopy();
    NasBench.open(f);
    const later = new Date(Date.now() + 60_000);
    utimesSync(f, later, later);
    const rebuilt = NasBench.open(f);
    expect(rebuilt.source).toBe('tfrecord');
    expect(rebuilt.info.cacheStatus).toBe('rebuilt');
    expect(rebuilt.info.cacheRejectedBecause).toBe('source file modification time changed since the cache was written');
    expectMatchesReference(rebuilt);
    expect(NasBench.open(f).source).toBe('cache');
  });

  it('a corrupt cache (one flipped byte) is rebuilt, not trusted', () => {
    const f = freshCopy();
    NasBench.open(f);
    const cache = readFileSync(f + '.sdarts-index');
    cache[cache.length - 5]! ^= 0x40; // inside the run stats
    writeFileSync(f + '.sdarts-index', cache);
    const nb = NasBench.open(f);
    expect(nb.source).toBe('tfrecord');
    expect(nb.info.cacheRejectedBecause).toBe('cache checksum mismatch (corrupt cache)');
    expectMatchesReference(nb);
  });

  it('a cache of another format version, a truncated cache and a non-cache file are rebuilt', () => {
    const f = freshCopy();
    NasBench.open(f);
    const good = readFileSync(f + '.sdarts-index');
    const versioned = Buffer.from(good);
    versioned.writeUInt32LE(INDEX_FORMAT_VERSION + 98, 8);
    writeFileSync(f + '.sdarts-index', versioned);
    expect(NasBench.open(f).info.cacheRejectedBecause).toBe(`cache format version ${INDEX_FORMAT_VERSION + 98}, this build reads ${INDEX_FORMAT_VERSION}`);

    writeFileSync(f + '.sdarts-index', good.subarray(0, good.length - 8));
    expect(NasBench.open(f).info.cacheRejectedBecause).toBe(`cache length ${good.length - 8} does not match its header (expected ${good.length})`);

    writeFileSync(f + '.sdarts-index', 'not an index at all, but long enough to hold a header.'.repeat(4));
    const nb = NasBench.open(f);
    expect(nb.info.cacheRejectedBecause).toBe('not an sdarts NAS-Bench index (bad magic)');
    expectMatchesReference(nb);
  });

  it("a foreign cache (another file's index, same size and mtime) is detected by the fingerprint", () => {
    const a = freshCopy();
    // b: the same records with the first two swapped: same size, different bytes.
    const payloads: Buffer[] = [];
    readTfRecords(a, (buf, start, end) => payloads.push(Buffer.from(buf.subarray(start, end))));
    [payloads[0], payloads[1]] = [payloads[1]!, payloads[0]!];
    const b = join(tmp, `case-${n++}.tfrecord`);
    writeFileSync(b, Buffer.concat(payloads.map((p) => encodeTfRecord(p))));
    const t = new Date('2024-01-02T03:04:05Z');
    utimesSync(a, t, t);
    utimesSync(b, t, t);
    expect(statSync(a).size).toBe(statSync(b).size);
    NasBench.open(a);
    copyFileSync(a + '.sdarts-index', b + '.sdarts-index');
    const nb = NasBench.open(b);
    expect(nb.source).toBe('tfrecord');
    expect(nb.info.cacheRejectedBecause).toBe('cache belongs to a different source file (fingerprint differs)');
    expectMatchesReference(nb);
  });

  it('a cache that cannot be written is reported, and the tables still work', () => {
    const f = freshCopy();
    const notADir = join(tmp, 'plain-file');
    writeFileSync(notADir, 'x');
    const nb = NasBench.open(f, { cacheDir: notADir });
    expect(nb.source).toBe('tfrecord');
    expect(nb.info.cacheStatus).toBe('write-failed');
    expect(nb.info.cacheError).toMatch(
      new RegExp(`^could not write index cache '${notADir}/nasbench_only108\\.tfrecord\\.[0-9a-f]{12}\\.sdarts-index': ENOTDIR`),
    );
    expectMatchesReference(nb);
  });
});
