import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { encodeModelMetrics } from '../../src/benchmark/model-metrics.js';
import { NasBench } from '../../src/benchmark/nasbench.js';
import { encodeNasbenchRow } from '../../src/benchmark/nasbench-row.js';
import { encodeTfRecord } from '../../src/benchmark/tfrecord-writer.js';
import { formatLookupText, lookupToJson } from '../../src/benchmark/format.js';
import { loadFixture, MINI_TFRECORD } from './nasbench-fixtures.js';

// mini_nasbench_expected.json: what the reference api.NASBench returns for every module of the file.
const expected = loadFixture('mini_nasbench_expected.json');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-nasbench-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function catchErr(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('NasBench on mini_nasbench.tfrecord equals the reference API exactly', () => {
  const nb = NasBench.open(MINI_TFRECORD, { cache: false });

  it('has the reference counts and epochs', () => {
    expect(nb.source).toBe('tfrecord');
    expect(nb.info.cacheStatus).toBe('disabled');
    expect(nb.info.numRecords).toBe(expected.num_records);
    expect(nb.numModules).toBe(expected.num_modules);
    expect(nb.info.fileSize).toBe(expected.file_size_bytes);
    expect(nb.validEpochs).toEqual(expected.valid_epochs);
    expect([...nb.hashes()].sort()).toEqual(expected.modules.map((m: any) => m.hash).sort());
  });

  it.each((expected.modules as any[]).map((m: any): [string, any] => [m.name, m]))(
    '%s: fixed stats, per-repeat computed stats (file order) and means are bit-identical',
    (_name, m: any) => {
      const got = nb.getMetricsFromHash(m.hash);
      expect(got.fixed).toEqual({ module_adjacency: m.module_adjacency, module_operations: m.module_operations, trainable_parameters: m.trainable_parameters });
      // toEqual on numbers uses Object.is: exact doubles
      expect(got.computed).toEqual(m.computed_stats);
      const means = nb.meansFromHash(m.hash, 108);
      for (const [k, v] of Object.entries(m.means_over_3_repeats['108'])) expect(means[k as keyof typeof means]).toBe(v);
      expect(means.repeats).toBe(3);
      // (a+b+c)/3 in file order, written out
      const [a, b, c] = m.computed_stats['108'].map((r: any) => r.final_test_accuracy);
      expect(means.mean_final_test_accuracy).toBe((a + b + c) / 3);
      expect(means.mean_final_test_error).toBe((1 - a + (1 - b) + (1 - c)) / 3);
    },
  );

  it.each((expected.modules as any[]).map((m: any): [string, any] => [m.name, m]))(
    '%s: every query spec (isomorphic forms) finds the module',
    (_name, m: any) => {
      for (const q of m.query_specs) {
        expect(nb.isValid(q)).toBe(true);
        const got = nb.getMetricsFromSpec(q);
        expect(got.hash).toBe(m.hash);
        // the API returns the stored representative, not the queried matrix
        expect(got.fixed.module_adjacency).toEqual(m.module_adjacency);
        const all = nb.queryAll(q);
        expect(all.map((r) => r.test_accuracy)).toEqual(m.computed_stats['108'].map((r: any) => r.final_test_accuracy));
        expect(all.map((r) => r.training_time)).toEqual(m.computed_stats['108'].map((r: any) => r.final_training_time));
        const half = nb.queryAll(q, { stopHalfway: true });
        expect(half.map((r) => r.validation_accuracy)).toEqual(m.computed_stats['108'].map((r: any) => r.halfway_validation_accuracy));
      }
    },
  );

  it('query() samples one repeat with the injected RNG', () => {
    const m = expected.modules[0];
    const q = m.query_specs[0];
    const pick = (u: number) => nb.query(q, { random: () => u }).test_accuracy;
    expect([pick(0), pick(0.5), pick(0.99)]).toEqual(m.computed_stats['108'].map((r: any) => r.final_test_accuracy));
  });

  it('a valid spec absent from the file: NOT_FOUND error, and a typed not-in-benchmark lookup', () => {
    const absent = expected.absent_valid_spec;
    expect(absent.reference_result).toBe(`KeyError '${absent.hash}'`);
    expect(nb.isValid(absent)).toBe(true);
    const err = catchErr(() => nb.getMetricsFromSpec(absent));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_NOT_FOUND');
    expect(err.hash).toBe(absent.hash);
    expect(err.message).toContain(`NasBench.getMetricsFromSpec(): module ${absent.hash} is not in '${MINI_TFRECORD}'`);
    expect(nb.lookup({ spec: absent })).toEqual({ status: 'not-in-benchmark', hash: absent.hash, querySpec: { matrix: absent.matrix, ops: absent.ops } });
    expect(catchErr(() => nb.getMetricsFromHash(absent.hash)).code).toBe('ERR_SDARTS_BENCHMARK_NOT_FOUND');
    expect(nb.hasHash(absent.hash)).toBe(false);
  });

  it('out-of-domain specs and epochs throw OUT_OF_DOMAIN; bad hashes throw typed argument errors', () => {
    const disconnected = {
      matrix: [
        [0, 0, 0],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ['input', 'maxpool3x3', 'output'],
    };
    expect(nb.isValid(disconnected)).toBe(false);
    const e1 = catchErr(() => nb.lookup({ spec: disconnected }));
    expect(e1.code).toBe('ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN');
    expect(e1.message).toContain('NasBench.lookup(): the spec is outside the NAS-Bench-101 space: invalid spec, provided graph is disconnected.');
    const e2 = catchErr(() => nb.queryAll(expected.modules[0].query_specs[0], { epochs: 12 }));
    expect(e2.code).toBe('ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN');
    expect(e2.reason).toBe('invalid number of epochs, must be one of [108], got 12');
    const e3 = catchErr(() => nb.getMetricsFromHash('XYZ'));
    expect(e3).toBeInstanceOf(RangeError);
    expect(e3.message).toBe(`Expected a 32-character lowercase hex string for 'hash' in NasBench.getMetricsFromHash() but received "XYZ" (string)`);
    const e4 = catchErr(() => nb.lookup({ hash: 42 } as never));
    expect(e4).toBeInstanceOf(TypeError);
  });

  it('format.ts renders found and not-found results as text and JSON', () => {
    const m = expected.modules[0];
    const found = nb.lookup({ hash: m.hash });
    const json = lookupToJson(found);
    expect(json.status).toBe('found');
    expect(json.fixed?.trainable_parameters).toBe(2694282);
    expect(json.computed).toEqual(m.computed_stats);
    expect(json.means?.['108']?.mean_final_test_accuracy).toBe(m.means_over_3_repeats['108'].mean_final_test_accuracy);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const text = formatLookupText(found);
    expect(text.split('\n')[0]).toBe('NAS-Bench-101 module 28cfc7874f6d200472e1a9dcd8650aa0');
    expect(text).toContain('stored spec: 7 vertices, 9 edges');
    expect(text).toContain('trainable parameters: 2694282');
    expect(text).toContain('108 epochs, 3 repeats (final | halfway):');
    expect(text).toContain(`mean final test error ${m.means_over_3_repeats['108'].mean_final_test_error.toFixed(6)}`);
    const absent = nb.lookup({ hash: expected.absent_valid_spec.hash });
    expect(formatLookupText(absent)).toContain(`NAS-Bench-101 module ${expected.absent_valid_spec.hash}: NOT IN THE BENCHMARK FILE`);
    expect(lookupToJson(absent)).toEqual({ status: 'not-in-benchmark', hash: expected.absent_valid_spec.hash, query_spec: null });
  });

  it('a missing file is ERR_SDARTS_BENCHMARK_FILE naming the path', () => {
    const err = catchErr(() => NasBench.open(join(tmp, 'nope.tfrecord')));
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_FILE');
    expect(err.message).toContain(`NasBench.open(): cannot read NAS-Bench-101 file '${join(tmp, 'nope.tfrecord')}'`);
  });
});

describe('NasBench on a nasbench_full-layout file (4/12/36/108 epochs, shuffled, built here)', () => {
  // Two modules, 3 repeats at each of 4 budgets. Stats are made distinct per (module, epochs,
  // repeat) so that grouping and file order can be checked; module B's third repeat at 108 uses a
  // non-float32 double to check that values are kept exactly.
  // Real graph hashes (hash_vectors.json h0003 and h0004), so spec queries work too.
  const A = {
    hash: '043721b9c7fe8c5fad811d47d83132ec',
    matrix: [
      [0, 1],
      [0, 0],
    ],
    ops: ['input', 'output'],
  };
  const B = {
    hash: 'b49ac8c578b4561d79ac7087988f1c61',
    matrix: [
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 0],
    ],
    ops: ['input', 'conv3x3-bn-relu', 'output'],
  };
  const stat = (mod: number, epochs: number, rep: number) => mod * 0.25 + epochs / 1024 + rep / 8;
  type Rec = { mod: typeof A; id: number; epochs: number; rep: number; params: number };
  const recs: Rec[] = [];
  for (const epochs of [4, 12, 36, 108])
    for (let rep = 0; rep < 3; rep++)
      for (const [id, mod] of [
        [0, A],
        [1, B],
      ] as const)
        recs.push({ mod, id, epochs, rep, params: id === 0 ? 100 : 200 + rep });
  // deterministic shuffle that keeps each (module, epochs) repeat order: interleave reversed budgets
  const order = [...recs].sort((x, y) => x.rep - y.rep || y.epochs - x.epochs || x.id - y.id);
  const file = join(tmp, 'full-layout.tfrecord');
  const value = (r: Rec) => (r.id === 1 && r.epochs === 108 && r.rep === 2 ? 0.1 : stat(r.id, r.epochs, r.rep));
  writeFileSync(
    file,
    Buffer.concat(
      order.map((r) => {
        const metrics = encodeModelMetrics({
          evaluation_data: [
            { current_epoch: 0, training_time: 0, train_accuracy: 0.1, validation_accuracy: 0.1, test_accuracy: 0.1 },
            { current_epoch: r.epochs / 2, training_time: 1, train_accuracy: 0.2, validation_accuracy: 0.3, test_accuracy: value(r) },
            { current_epoch: r.epochs, training_time: 2, train_accuracy: 0.4, validation_accuracy: 0.5, test_accuracy: value(r) + 0.5 },
          ],
          trainable_parameters: r.params,
          total_time: 3,
        });
        return encodeTfRecord(Buffer.from(encodeNasbenchRow(r.mod.hash, r.epochs, r.mod.matrix, r.mod.ops, metrics)));
      }),
    ),
  );

  it('groups runs by epochs in file order; the first record fixes params; values survive the cache exactly', () => {
    const first = NasBench.open(file, { cacheDir: tmp });
    const again = NasBench.open(file, { cacheDir: tmp });
    expect(first.source).toBe('tfrecord');
    expect(again.source).toBe('cache');
    for (const nb of [first, again]) {
      expect(nb.validEpochs).toEqual([4, 12, 36, 108]);
      expect(nb.info.numRecords).toBe(24);
      const b = nb.getMetricsFromHash(B.hash);
      expect(b.fixed).toEqual({ module_adjacency: B.matrix, module_operations: B.ops, trainable_parameters: 200 });
      expect(Object.keys(b.computed)).toEqual(['4', '12', '36', '108']);
      for (const epochs of [4, 12, 36, 108]) {
        expect(b.computed[String(epochs)]!.map((r) => r.halfway_test_accuracy)).toEqual(
          [0, 1, 2].map((rep) => value({ mod: B, id: 1, epochs, rep, params: 0 })),
        );
      }
      expect(b.computed['108']![2]!.final_test_accuracy).toBe(0.1 + 0.5);
      const a = nb.queryAll(A, { epochs: 36 });
      expect(a.map((r) => r.test_accuracy)).toEqual([0, 1, 2].map((rep) => stat(0, 36, rep) + 0.5));
      expect(nb.meansFromHash(A.hash, 12).mean_halfway_test_accuracy).toBe((stat(0, 12, 0) + stat(0, 12, 1) + stat(0, 12, 2)) / 3);
    }
  });

  it('a module with only some budgets lists exactly those (partial file)', () => {
    const partial = join(tmp, 'partial.tfrecord');
    const rec = (mod: typeof A, epochs: number, acc: number) =>
      encodeTfRecord(
        Buffer.from(
          encodeNasbenchRow(
            mod.hash,
            epochs,
            mod.matrix,
            mod.ops,
            encodeModelMetrics({ evaluation_data: [{}, {}, { test_accuracy: acc }], trainable_parameters: 1 }),
          ),
        ),
      );
    writeFileSync(partial, Buffer.concat([rec(A, 4, 0.25), rec(B, 12, 0.5), rec(B, 36, 0.75), rec(A, 108, 0.125)]));
    const nb = NasBench.open(partial, { cache: false });
    expect(nb.validEpochs).toEqual([4, 12, 36, 108]);
    expect(Object.keys(nb.getMetricsFromHash(B.hash).computed)).toEqual(['12', '36']);
    expect(nb.getMetricsFromHash(B.hash).computed['36']!.map((r) => r.final_test_accuracy)).toEqual([0.75]);
    expect(Object.keys(nb.getMetricsFromHash(A.hash).computed)).toEqual(['4', '108']);
    expect(nb.queryAll(B, { epochs: 108 })).toEqual([]);
    expect(() => nb.meansFromHash(B.hash, 108)).toThrow('NasBench.meansFromHash(): no repeats to average (the module has no runs at these epochs)');
  });

  it('a record with good CRCs but a bad row is BAD_RECORD naming the offset', () => {
    const bad = join(tmp, 'bad-row.tfrecord');
    const good = encodeTfRecord(Buffer.from(encodeNasbenchRow(A.hash, 108, A.matrix, A.ops, encodeModelMetrics({ evaluation_data: [{}, {}, {}] }))));
    writeFileSync(bad, Buffer.concat([good, encodeTfRecord(Buffer.from('["oops"]'))]));
    const err = catchErr(() => NasBench.open(bad, { cache: false }));
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_BAD_RECORD');
    expect(err.offset).toBe(good.length);
    expect(err.message).toBe(
      `NasBench.open(): record #1 at byte offset ${good.length} of '${bad}' is not a NAS-Bench-101 row: ` +
        'parseNasbenchRow(): expected a JSON array of 5 elements [hash, epochs, adjacency, operations, metrics] but got an array of 1',
    );
  });
});
