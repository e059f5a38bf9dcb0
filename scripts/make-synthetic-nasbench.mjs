#!/usr/bin/env node
/**
 * Write a synthetic NAS-Bench-101 file in exactly the `nasbench_only108.tfrecord` format: real
 * TFRecord framing and CRC32C, JSON rows, base64 ModelMetrics protobuf, 3 repeats per module,
 * repeats shuffled within blocks of 4096 modules. Default size is the real one: 1,270,872 records
 * (423,624 modules × 3), about 499 MiB.
 *
 *   node scripts/make-synthetic-nasbench.mjs OUT [--records N] [--seed S]
 *
 * The numbers are plausible, not real: V mostly 7, ≤ 9 edges, float32-valued accuracies and times
 * (as the real data), params log-uniform in the real range. module_hash is the MD5 of a synthetic
 * module id, NOT the graph hash of the stored matrix: 423,624 distinct graph hashes would mean
 * enumerating the whole space. Query such a file by hash; spec queries find nothing.
 * Needs the compiled library: run `npx tsc -p tsconfig.json` first.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodeModelMetrics, encodeNasbenchRow, encodeTfRecordInto } from '../dist/benchmark/index.js';

export const REAL_RECORDS = 1_270_872;
const OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'];
const BLOCK_MODULES = 4096;
const FLUSH_BYTES = 16 * 1024 * 1024;

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ out: string | undefined, records: number, seed: number, help?: boolean }} */
  const args = { out: undefined, records: REAL_RECORDS, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--records') args.records = Number(argv[++i]);
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '-h' || a === '--help') args.help = true;
    else if (args.out === undefined) args.out = a;
    else throw new Error(`unexpected argument ${JSON.stringify(a)}`);
  }
  if (args.help || args.out === undefined) {
    console.log('usage: node scripts/make-synthetic-nasbench.mjs OUT [--records N (default 1270872)] [--seed S]');
    process.exit(args.help ? 0 : 2);
  }
  if (!Number.isInteger(args.records) || args.records < 3) throw new Error(`--records must be an integer >= 3, got ${args.records}`);
  if (!Number.isInteger(args.seed)) throw new Error(`--seed must be an integer, got ${args.seed}`);
  return { out: args.out, records: args.records, seed: args.seed };
}

/** mulberry32: small, fast, seedable; quality is plenty for plausible filler data. */
/** @param {number} seed */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f32 = Math.fround;

/** @param {() => number} rand @param {number} id @param {number} seed */
function randomModule(rand, id, seed) {
  const u = rand();
  const v = u < 0.85 ? 7 : u < 0.95 ? 6 : u < 0.99 ? 5 : u < 0.997 ? 4 : u < 0.999 ? 3 : 2;
  const matrix = Array.from({ length: v }, () => new Array(v).fill(0));
  for (let i = 0; i + 1 < v; i++) matrix[i][i + 1] = 1; // a chain keeps input connected to output
  const maxEdges = Math.min(9, (v * (v - 1)) / 2);
  const target = v - 1 + Math.floor(rand() * (maxEdges - (v - 1) + 1));
  for (let e = v - 1, tries = 0; e < target && tries < 100; tries++) {
    const i = Math.floor(rand() * (v - 1));
    const j = i + 1 + Math.floor(rand() * (v - 1 - i));
    if (matrix[i][j] === 0) {
      matrix[i][j] = 1;
      e++;
    }
  }
  const ops = ['input'];
  for (let i = 1; i + 1 < v; i++) ops.push(OPS[Math.floor(rand() * 3)]);
  ops.push('output');
  const hash = createHash('md5').update(`synthetic-nasbench/${seed}/${id}`).digest('hex');
  const params = Math.round(Math.exp(Math.log(227_274) + rand() * (Math.log(49_979_274) - Math.log(227_274))));
  const quality = 0.8 + rand() * 0.15; // mean final test accuracy of this module
  const time = 400 + rand() * 4600; // mean final training time (s)
  return { hash, matrix, ops, params, quality, time };
}

/** @param {() => number} rand @param {ReturnType<typeof randomModule>} m */
function runMetrics(rand, m) {
  const test = Math.min(0.96, m.quality + (rand() - 0.5) * 0.01);
  const valid = test + (rand() - 0.3) * 0.01;
  const finalTime = m.time * (1 + (rand() - 0.5) * 0.004);
  const halfTime = finalTime / 2 + (rand() - 0.5);
  const half = test - 0.05 - rand() * 0.1;
  return encodeModelMetrics({
    evaluation_data: [
      {
        current_epoch: 0,
        training_time: 0,
        train_accuracy: f32(0.1 + rand() * 0.01),
        validation_accuracy: f32(0.1 + rand() * 0.01),
        test_accuracy: f32(0.1 + rand() * 0.01),
      },
      { current_epoch: 54, training_time: f32(halfTime), train_accuracy: f32(half + 0.05), validation_accuracy: f32(half + 0.005), test_accuracy: f32(half) },
      {
        current_epoch: 108,
        training_time: f32(finalTime),
        train_accuracy: f32(rand() < 0.7 ? 1 : 0.99 + rand() * 0.01),
        validation_accuracy: f32(valid),
        test_accuracy: f32(test),
      },
    ],
    trainable_parameters: m.params,
    total_time: f32(finalTime * 1.1),
  });
}

/** @param {string} out @param {{ records?: number, seed?: number }} [options] */
export function makeSyntheticNasbench(out, { records = REAL_RECORDS, seed = 1 } = {}) {
  const modules = Math.ceil(records / 3);
  const rand = rng(seed);
  const fd = openSync(out, 'w');
  const buf = Buffer.allocUnsafe(FLUSH_BYTES + 64 * 1024);
  let used = 0;
  let bytes = 0;
  let written = 0;
  try {
    for (let start = 0; start < modules; start += BLOCK_MODULES) {
      const block = [];
      for (let id = start; id < Math.min(modules, start + BLOCK_MODULES); id++) {
        const m = randomModule(rand, id, seed);
        for (let rep = 0; rep < 3 && block.length + start * 3 < records; rep++) block.push(m);
      }
      // Fisher-Yates: a module's repeats are not adjacent, but each stays in file order (1st seen = repeat 0).
      for (let i = block.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [block[i], block[j]] = [block[j], block[i]];
      }
      for (const m of block) {
        const row = Buffer.from(encodeNasbenchRow(m.hash, 108, m.matrix, m.ops, runMetrics(rand, m)), 'utf8');
        used = encodeTfRecordInto(row, buf, used);
        written++;
        if (used >= FLUSH_BYTES) {
          writeSync(fd, buf, 0, used);
          bytes += used;
          used = 0;
        }
      }
    }
    if (used > 0) writeSync(fd, buf, 0, used);
    bytes += used;
  } finally {
    closeSync(fd);
  }
  return { records: written, modules, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const r = makeSyntheticNasbench(args.out, args);
  const s = (performance.now() - t0) / 1000;
  console.log(`wrote ${args.out}: ${r.records} records, ${r.modules} modules, ${r.bytes} bytes (${(r.bytes / 2 ** 20).toFixed(1)} MiB) in ${s.toFixed(1)} s`);
}
