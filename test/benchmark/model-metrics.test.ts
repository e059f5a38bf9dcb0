import { describe, expect, it } from 'vitest';
import { SdartsError } from '../../src/util/errors.js';
import { decodeModelMetrics, decodeRunStatsInto, encodeModelMetrics, RUN_STAT_KEYS } from '../../src/benchmark/model-metrics.js';
import { parseNasbenchRow, type NasbenchRow } from '../../src/benchmark/nasbench-row.js';
import { readTfRecords } from '../../src/benchmark/tfrecord-reader.js';
import { loadFixture, MINI_TFRECORD } from './nasbench-fixtures.js';

const expected = loadFixture('mini_nasbench_expected.json');

interface Rec {
  row: NasbenchRow;
  text: string;
}
const records: Rec[] = [];
readTfRecords(MINI_TFRECORD, (buf, start, end) => {
  const text = buf.toString('utf8', start, end);
  records.push({ row: parseNasbenchRow(text), text });
});

/** repeat index = order of appearance of (hash, epochs) in the file */
function repeatIndexOf(i: number): number {
  const { module_hash, epochs } = records[i]!.row;
  return records.slice(0, i).filter((r) => r.row.module_hash === module_hash && r.row.epochs === epochs).length;
}

function catchErr(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('JSON rows and ModelMetrics of mini_nasbench.tfrecord', () => {
  it('every record decodes to the reference computed stats of its repeat', () => {
    expect(records.length).toBe(45);
    for (let i = 0; i < records.length; i++) {
      const { row } = records[i]!;
      const mod = expected.modules.find((m: any) => m.hash === row.module_hash);
      const dp = mod.computed_stats[String(row.epochs)][repeatIndexOf(i)];
      const [, half, fin] = row.metrics.evaluation_data;
      expect({
        halfway_training_time: half!.training_time,
        halfway_train_accuracy: half!.train_accuracy,
        halfway_validation_accuracy: half!.validation_accuracy,
        halfway_test_accuracy: half!.test_accuracy,
        final_training_time: fin!.training_time,
        final_train_accuracy: fin!.train_accuracy,
        final_validation_accuracy: fin!.validation_accuracy,
        final_test_accuracy: fin!.test_accuracy,
      }).toEqual(dp);
      expect(row.metrics.trainable_parameters).toBe(mod.trainable_parameters);
      // the stored matrix/ops of every repeat are the module's fixed stats
      expect(row.module_adjacency).toEqual(mod.module_adjacency);
      expect(row.module_operations).toEqual(mod.module_operations);
    }
  });

  it('the fast decoder agrees with the full decoder on every record', () => {
    const out = new Float64Array(8);
    readTfRecords(MINI_TFRECORD, (buf, start, end) => {
      const b64 = JSON.parse(buf.toString('utf8', start, end))[4] as string;
      const bytes = Buffer.from(b64, 'base64');
      const params = decodeRunStatsInto(bytes, 0, bytes.length, new DataView(bytes.buffer, bytes.byteOffset, bytes.length), out, 0);
      const m = decodeModelMetrics(bytes);
      expect(params).toBe(m.trainable_parameters);
      expect(Array.from(out)).toEqual([
        m.evaluation_data[1]!.training_time,
        m.evaluation_data[1]!.train_accuracy,
        m.evaluation_data[1]!.validation_accuracy,
        m.evaluation_data[1]!.test_accuracy,
        m.evaluation_data[2]!.training_time,
        m.evaluation_data[2]!.train_accuracy,
        m.evaluation_data[2]!.validation_accuracy,
        m.evaluation_data[2]!.test_accuracy,
      ]);
    });
    expect(RUN_STAT_KEYS.length).toBe(8);
  });

  it('the record with checkpoint_path strings decodes them and the same numbers', () => {
    const v = expected.encoding_variants_present.find((x: any) => x.variant === 'with_checkpoint_path');
    const idx = records.findIndex((r, i) => r.row.module_hash === v.module_hash && repeatIndexOf(i) === v.repeat_index);
    const evals = records[idx]!.row.metrics.evaluation_data;
    expect(evals.map((e) => e.checkpoint_path)).toEqual([
      '/tmp/model_dir/repeat_1/model.ckpt-0',
      '/tmp/model_dir/repeat_1/model.ckpt-1000',
      expect.stringMatching(/^\/tmp\/model_dir\/repeat_1\/model\.ckpt-\d+$/),
    ]);
    expect(evals[2]!.current_epoch).toBe(108);
  });

  it('the record that omits zero-valued step-0 fields reads them as 0', () => {
    const v = expected.encoding_variants_present.find((x: any) => x.variant === 'omit_zero_fields');
    const idx = records.findIndex((r, i) => r.row.module_hash === v.module_hash && repeatIndexOf(i) === v.repeat_index);
    const e0 = records[idx]!.row.metrics.evaluation_data[0]!;
    expect(e0.current_epoch).toBe(0);
    expect(e0.training_time).toBe(0);
    expect(e0.train_accuracy).toBeGreaterThan(0);
  });

  it('re-encoding a fully populated record reproduces its protobuf bytes exactly', () => {
    // The plain records were written by the Python protobuf encoder with every field set.
    // The two encoding variants (checkpoint_path present, zero fields omitted) are skipped.
    const variants = new Set(expected.encoding_variants_present.map((v: any) => `${v.module_hash}/${v.repeat_index}`));
    let checked = 0;
    for (let i = 0; i < records.length; i++) {
      const { text, row } = records[i]!;
      const b64 = JSON.parse(text)[4] as string;
      if (variants.has(`${row.module_hash}/${repeatIndexOf(i)}`)) continue;
      const { evaluation_data, trainable_parameters, total_time } = row.metrics;
      const again = encodeModelMetrics({
        evaluation_data: evaluation_data.map(({ checkpoint_path: _c, ...rest }) => rest),
        trainable_parameters,
        total_time,
      });
      expect(again.toString('base64')).toBe(b64);
      checked++;
    }
    expect(checked).toBe(43);
  });
});

describe('ModelMetrics decoder edge cases', () => {
  it('skips unknown fields of every wire type, keeps the last value of a repeated scalar', () => {
    const base = encodeModelMetrics({
      evaluation_data: [{ current_epoch: 0 }, { training_time: 5, test_accuracy: 0.5 }, { training_time: 10, test_accuracy: 0.75 }],
      trainable_parameters: 7,
      total_time: 3,
    });
    const unknown = Buffer.from([
      0x78,
      0x96,
      0x01, // field 15 varint
      0x81,
      0x01,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 16 fixed64
      0x8a,
      0x01,
      0x02,
      0xaa,
      0xbb, // field 17 length-delimited
      0x95,
      0x01,
      1,
      2,
      3,
      4, // field 18 fixed32
      0x10,
      0x09, // trainable_parameters again: last wins
    ]);
    const m = decodeModelMetrics(Buffer.concat([base, unknown]));
    expect(m.trainable_parameters).toBe(9);
    expect(m.total_time).toBe(3);
    expect(m.evaluation_data.map((e) => e.test_accuracy)).toEqual([0, 0.5, 0.75]);
  });

  it('reads a negative int32 sent as a 10-byte varint', () => {
    const bytes = encodeModelMetrics({ evaluation_data: [], trainable_parameters: -5 });
    expect(bytes.length).toBe(11);
    expect(decodeModelMetrics(bytes).trainable_parameters).toBe(-5);
  });

  it('truncated protobuf and too few evaluations are BAD_RECORD errors', () => {
    const good = encodeModelMetrics({ evaluation_data: [{}, { training_time: 1 }, { training_time: 2 }], trainable_parameters: 1 });
    const err = catchErr(() => decodeModelMetrics(good.subarray(0, good.length - 3)));
    expect(err).toBeInstanceOf(SdartsError);
    expect(err.code).toBe('ERR_SDARTS_BENCHMARK_BAD_RECORD');
    expect(err.message).toMatch(/^decodeModelMetrics\(\): malformed protobuf: (truncated|length \d+ runs past the end)/);
    const two = encodeModelMetrics({ evaluation_data: [{}, {}] });
    const out = new Float64Array(8);
    const err2 = catchErr(() => decodeRunStatsInto(two, 0, two.length, new DataView(two.buffer, two.byteOffset, two.length), out, 0));
    expect(err2.message).toBe('decodeModelMetrics(): expected at least 3 evaluation_data entries (step 0, halfway, final) but found 2');
  });

  it('rejects rows that are not NAS-Bench-101 rows with a precise message', () => {
    expect(() => parseNasbenchRow('[1,2]')).toThrow(
      'parseNasbenchRow(): expected a JSON array of 5 elements [hash, epochs, adjacency, operations, metrics] but got an array of 2',
    );
    expect(() => parseNasbenchRow('["ABC", 108, "0", "input", ""]')).toThrow('module_hash must be 32 lowercase hex characters, got "ABC"');
    expect(() => parseNasbenchRow(`["${'a'.repeat(32)}", 108, "012", "input", ""]`)).toThrow(
      'raw_adjacency must have V*V characters with 1 <= V <= 8, got 3 characters',
    );
    expect(() => parseNasbenchRow(`["${'a'.repeat(32)}", 108, "0120", "input,output", ""]`)).toThrow(
      `raw_adjacency must contain only '0' and '1', got "2" at position 2`,
    );
    expect(() => parseNasbenchRow('not json')).toThrow(/^parseNasbenchRow\(\): payload is not valid JSON/);
  });
});
