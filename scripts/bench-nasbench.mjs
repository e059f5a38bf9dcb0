#!/usr/bin/env node
/**
 * Benchmark of the NAS-Bench-101 reader against its performance bars:
 *   first parse ≥ 50 MB/s, peak RSS ≤ 1 GB, index (cache) load ≤ 1 s, query ≤ 10 µs (median).
 *
 *   node scripts/bench-nasbench.mjs [FILE] [--records N]
 *
 * Without FILE a synthetic file of the real size (scripts/make-synthetic-nasbench.mjs) is written to
 * os.tmpdir() and deleted afterwards. The index cache always goes to a fresh temporary directory,
 * so the first open really parses. Each phase runs in its own Node process, so peak RSS and load
 * time are those of a process that only did that phase. MB = 10^6 bytes, GB = 10^9 bytes.
 * Needs the compiled library: run `npx tsc -p tsconfig.json` first.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const GENERATOR = join(SELF, '..', 'make-synthetic-nasbench.mjs');
const QUERIES = 100_000;

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

/** @param {ArrayLike<number>} values */
function median(values) {
  const s = Float64Array.from(values).sort();
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** @param {string} name @param {string} file @param {string} cacheDir */
async function phase(name, file, cacheDir) {
  const { NasBench } = await import('../dist/benchmark/index.js');
  const t0 = performance.now();
  const nb = NasBench.open(file, { cacheDir });
  const seconds = (performance.now() - t0) / 1000;
  /** @type {Record<string, unknown>} */
  const out = {
    phase: name,
    source: nb.source,
    cacheStatus: nb.info.cacheStatus,
    cacheError: nb.info.cacheError,
    seconds,
    bytes: nb.info.fileSize,
    records: nb.info.numRecords,
    modules: nb.numModules,
  };
  if (name === 'load') {
    const hashes = [...nb.hashes()];
    const rand = rng(12345);
    const picks = Array.from({ length: QUERIES }, () => hashes[Math.floor(rand() * hashes.length)]);
    for (let i = 0; i < 2000; i++) nb.getMetricsFromHash(picks[i]); // warm-up (JIT)
    const us = new Float64Array(QUERIES);
    let sink = 0;
    for (let i = 0; i < QUERIES; i++) {
      const t = process.hrtime.bigint();
      const r = nb.getMetricsFromHash(picks[i]);
      us[i] = Number(process.hrtime.bigint() - t) / 1000;
      sink += r.fixed.trainable_parameters;
    }
    out.queryMedianUs = median(us);
    out.queryP99Us = Float64Array.from(us).sort()[Math.floor(QUERIES * 0.99)];
    // Informational: a spec query also pays for the graph hash (~57 MD5s for 7 vertices).
    const specs = picks.slice(0, 2000).map((h) => {
      const f = nb.getMetricsFromHash(h).fixed;
      return { matrix: f.module_adjacency, ops: f.module_operations };
    });
    const ts = performance.now();
    for (const s of specs) sink += nb.lookup({ spec: s }).hash.length;
    out.specQueryUs = ((performance.now() - ts) * 1000) / specs.length;
    out.sink = sink;
  }
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out) + '\n');
}

/** @param {string[]} args */
function runChild(args) {
  const r = spawnSync(process.execPath, [SELF, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed with status ${r.status}: ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
}

/** @param {string[]} argv */
async function main(argv) {
  if (argv[0] === '--phase') return phase(argv[1], argv[2], argv[3]);
  let file;
  let records;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--records') records = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node scripts/bench-nasbench.mjs [FILE] [--records N]');
      return;
    } else file = argv[i];
  }
  const work = mkdtempSync(join(tmpdir(), 'sdarts-bench-nasbench-'));
  try {
    if (file === undefined) {
      file = join(work, 'synthetic_nasbench_only108.tfrecord');
      const gen = spawnSync(process.execPath, [GENERATOR, file, ...(records ? ['--records', records] : [])], { stdio: 'inherit' });
      if (gen.status !== 0) throw new Error(`generator failed with status ${gen.status}`);
    }
    const cacheDir = join(work, 'cache');
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    console.log(`file: ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB)`);
    const parse = runChild(['--phase', 'parse', file, cacheDir]);
    if (parse.source !== 'tfrecord') throw new Error(`first open did not parse (source ${parse.source})`);
    if (parse.cacheStatus !== 'written') throw new Error(`cache was not written: ${parse.cacheError ?? parse.cacheStatus}`);
    const load = runChild(['--phase', 'load', file, cacheDir]);
    if (load.source !== 'cache') throw new Error(`second open did not use the cache (source ${load.source})`);

    const mbps = parse.bytes / 1e6 / parse.seconds;
    const peak = Math.max(parse.maxRssBytes, load.maxRssBytes);
    /** @type {[string, string, string, boolean][]} */
    const rows = [
      ['first parse', `${mbps.toFixed(1)} MB/s (${parse.records} records, ${parse.modules} modules, ${parse.seconds.toFixed(2)} s)`, '>= 50 MB/s', mbps >= 50],
      [
        'peak RSS',
        `${(peak / 1e6).toFixed(0)} MB (parse ${(parse.maxRssBytes / 1e6).toFixed(0)}, load ${(load.maxRssBytes / 1e6).toFixed(0)})`,
        '<= 1 GB',
        peak <= 1e9,
      ],
      ['index load', `${(load.seconds * 1000).toFixed(0)} ms`, '<= 1 s', load.seconds <= 1],
      [
        'query by hash',
        `${load.queryMedianUs.toFixed(2)} µs median, ${load.queryP99Us.toFixed(2)} µs p99 (${QUERIES} random)`,
        '<= 10 µs',
        load.queryMedianUs <= 10,
      ],
    ];
    for (const [name, value, bar, ok] of rows) console.log(`${name.padEnd(14)} ${value.padEnd(62)} bar ${bar.padEnd(11)} ${ok ? 'PASS' : 'FAIL'}`);
    console.log(`(info) query by spec incl. graph hash: ${load.specQueryUs.toFixed(1)} µs`);
    const pass = rows.every((r) => r[3]);
    console.log(pass ? 'PASS' : 'FAIL');
    process.exitCode = pass ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
