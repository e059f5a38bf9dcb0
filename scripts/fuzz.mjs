#!/usr/bin/env node
/**
 * `npm run fuzz`: seeded, bounded fuzzing of every reader and of the native boundary (scripts/fuzz/).
 *   node scripts/fuzz.mjs [--total N] [--seed S] [--jobs J] [--time-ms T] [--targets a,b] [--json]
 * Needs the built library (npm run build:ts). Exits 1 if any input crashed, hung or raised an error of
 * the wrong kind. An input is reproduced from (target, seed, index): see scripts/fuzz/worker.mjs.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_TARGETS, formatTable, fuzz } from './fuzz/harness.mjs';

const { values: a } = parseArgs({
  options: {
    total: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '2' },
    'time-ms': { type: 'string', default: '5000' },
    targets: { type: 'string', default: DEFAULT_TARGETS.join(',') },
    json: { type: 'boolean', default: false },
  },
});
const targets = a.targets.split(',').filter(Boolean);
const per = Math.ceil(Number(a.total) / targets.length);
const t0 = Date.now();
const stats = await fuzz(Object.fromEntries(targets.map((t) => [t, per])), {
  seed: Number(a.seed),
  jobs: Number(a.jobs),
  timeMs: Number(a['time-ms']),
  onProgress: (t, s) => process.stderr.write(`${t}: ${s.inputs} inputs (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`),
});
if (a.json) {
  const plain = Object.fromEntries(Object.entries(stats).map(([t, s]) => [t, { ...s, wrongKinds: Object.fromEntries(s.wrongKinds) }]));
  console.log(JSON.stringify(plain, null, 1));
} else {
  console.log(formatTable(stats));
  console.log(`seed ${a.seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const bad = Object.values(stats).some((s) => s.wrong || s.hangs || s.crashes || s.setupError);
process.exit(bad ? 1 : 0);
