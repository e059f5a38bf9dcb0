import { statSync } from 'node:fs';
import { rangeError, SdartsError, typeError } from '../util/errors.js';
import { buildIndexFromTfRecord } from './index-builder.js';
import { indexCachePath, loadIndexCache, sourceIdentity, writeIndexCache } from './index-cache.js';
import { meansOverRepeats, type RepeatMeans } from './repeat-means.js';
import { ModelSpec, outOfDomainError } from './model-spec.js';
import { isModuleHash, type ComputedStats, type FixedStats, type NasbenchIndex, type RunStats } from './nasbench-index.js';

/**
 * NAS-Bench-101's `api.NASBench` over a compact index: open a tfrecord (`nasbench_only108` or
 * `nasbench_full`), answer fixed/computed statistics by hash or by spec.
 *
 * The first open parses the tfrecord and writes a binary index cache (index-cache.ts); later opens
 * of the unchanged file load that cache instead (`source === 'cache'`).
 */

export interface OpenOptions {
  /** Directory for the index cache; default: beside the tfrecord (`FILE.sdarts-index`). */
  cacheDir?: string;
  /** Use and write the index cache (default true). */
  cache?: boolean;
}

export type CacheStatus =
  | 'loaded' // index came from the cache
  | 'written' // parsed; no cache existed, one was written
  | 'rebuilt' // parsed; a stale/corrupt/foreign cache was replaced
  | 'write-failed' // parsed; the cache could not be written (see cacheError)
  | 'disabled'; // parsed; caching turned off

export interface NasBenchInfo {
  file: string;
  fileSize: number;
  numRecords: number;
  numModules: number;
  validEpochs: number[];
  cachePath: string | null;
  cacheStatus: CacheStatus;
  /** Why an existing cache was not used (only when cacheStatus is 'rebuilt'). */
  cacheRejectedBecause?: string;
  cacheError?: string;
  /** Seconds spent parsing (tfrecord) or loading (cache). */
  openSeconds: number;
}

export interface ModuleMetrics {
  hash: string;
  fixed: FixedStats;
  computed: ComputedStats;
}

/** Result of `lookup`: found, or a valid module that this file has no record of. */
export type LookupResult =
  | ({ status: 'found'; querySpec: { matrix: number[][]; ops: string[] } | null } & ModuleMetrics)
  | { status: 'not-in-benchmark'; hash: string; querySpec: { matrix: number[][]; ops: string[] } | null };

/** One repeat as the reference's `query()` returns it (final or halfway numbers). */
export interface QueryData {
  module_adjacency: number[][];
  module_operations: string[];
  trainable_parameters: number;
  training_time: number;
  train_accuracy: number;
  validation_accuracy: number;
  test_accuracy: number;
}

export interface QueryOptions {
  epochs?: number;
  stopHalfway?: boolean;
}

function checkHash(fn: string, hash: unknown): string {
  if (typeof hash !== 'string') throw typeError(fn, 'hash', 'a 32-character lowercase hex string', hash);
  if (!isModuleHash(hash)) throw rangeError(fn, 'hash', 'a 32-character lowercase hex string', hash);
  return hash;
}

export class NasBench {
  /** Where this instance's tables came from. */
  readonly source: 'cache' | 'tfrecord';
  readonly info: NasBenchInfo;
  private readonly index: NasbenchIndex;

  private constructor(index: NasbenchIndex, source: 'cache' | 'tfrecord', info: NasBenchInfo) {
    this.index = index;
    this.source = source;
    this.info = info;
  }

  static open(file: string, options: OpenOptions = {}): NasBench {
    if (typeof file !== 'string' || file.length === 0) throw typeError('NasBench.open', 'file', 'a path to a NAS-Bench-101 .tfrecord', file);
    const useCache = options.cache ?? true;
    let fileSize: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a regular file');
      fileSize = st.size;
    } catch (err) {
      throw new SdartsError(
        'ERR_SDARTS_BENCHMARK_FILE',
        `NasBench.open(): cannot read NAS-Bench-101 file '${file}' (${(err as Error).message}). ` +
          'Pass the path of nasbench_only108.tfrecord or nasbench_full.tfrecord.',
        { cause: err },
      );
    }
    const t0 = performance.now();
    const cachePath = useCache ? indexCachePath(file, options.cacheDir) : null;
    const identity = useCache ? sourceIdentity(file) : null;
    let rejected: string | undefined;
    if (cachePath !== null && identity !== null) {
      const loaded = loadIndexCache(cachePath, identity);
      if (loaded.ok) {
        const index = loaded.index;
        return new NasBench(index, 'cache', {
          file,
          fileSize,
          numRecords: index.numRuns,
          numModules: index.numModules,
          validEpochs: index.validEpochs,
          cachePath,
          cacheStatus: 'loaded',
          openSeconds: (performance.now() - t0) / 1000,
        });
      }
      if (loaded.reason !== 'no cache file') rejected = loaded.reason;
    }

    const built = buildIndexFromTfRecord(file);
    let cacheStatus: CacheStatus = 'disabled';
    let cacheError: string | undefined;
    if (cachePath !== null && identity !== null) {
      try {
        writeIndexCache(cachePath, built.index.data, identity);
        cacheStatus = rejected === undefined ? 'written' : 'rebuilt';
      } catch (err) {
        cacheStatus = 'write-failed';
        cacheError = `could not write index cache '${cachePath}': ${(err as Error).message}`;
      }
    }
    const index = built.index;
    const info: NasBenchInfo = {
      file,
      fileSize,
      numRecords: built.records,
      numModules: index.numModules,
      validEpochs: index.validEpochs,
      cachePath,
      cacheStatus,
      openSeconds: (performance.now() - t0) / 1000,
    };
    if (rejected !== undefined) info.cacheRejectedBecause = rejected;
    if (cacheError !== undefined) info.cacheError = cacheError;
    return new NasBench(index, 'tfrecord', info);
  }

  get validEpochs(): number[] {
    return this.index.validEpochs;
  }

  get numModules(): number {
    return this.index.numModules;
  }

  /** All module hashes in the file (ascending). */
  hashes(): IterableIterator<string> {
    return this.index.hashes();
  }

  hasHash(hash: string): boolean {
    return this.index.findModule(checkHash('NasBench.hasHash', hash)) >= 0;
  }

  /** `get_metrics_from_hash`: fixed and computed statistics; ERR_SDARTS_BENCHMARK_NOT_FOUND if absent. */
  getMetricsFromHash(hash: string): ModuleMetrics {
    const fn = 'NasBench.getMetricsFromHash';
    const m = this.index.findModule(checkHash(fn, hash));
    if (m < 0) throw notFound(fn, hash, this.info.file);
    return { hash, fixed: this.index.fixedStats(m), computed: this.index.computedStats(m) };
  }

  /** `get_metrics_from_spec`: domain check, hash of the pruned spec, then the table lookup. */
  getMetricsFromSpec(spec: unknown): ModuleMetrics {
    const fn = 'NasBench.getMetricsFromSpec';
    const hash = specHash(fn, spec);
    const m = this.index.findModule(hash);
    if (m < 0) throw notFound(fn, hash, this.info.file);
    return { hash, fixed: this.index.fixedStats(m), computed: this.index.computedStats(m) };
  }

  /**
   * Look a module up by `{hash}` or `{spec}` and return a typed result instead of throwing when
   * the module is valid but absent. Malformed or out-of-domain specs still throw.
   */
  lookup(query: { hash: string } | { spec: unknown }): LookupResult {
    const fn = 'NasBench.lookup';
    let hash: string;
    let querySpec: { matrix: number[][]; ops: string[] } | null = null;
    if (typeof query === 'object' && query !== null && 'hash' in query) {
      hash = checkHash(fn, query.hash);
    } else if (typeof query === 'object' && query !== null && 'spec' in query) {
      const spec = ModelSpec.from(query.spec, fn);
      spec.checkDomain(fn);
      hash = spec.hashSpec(fn);
      querySpec = { matrix: spec.matrix!, ops: spec.ops! };
    } else {
      throw typeError(fn, 'query', '{hash} or {spec}', query);
    }
    const m = this.index.findModule(hash);
    if (m < 0) return { status: 'not-in-benchmark', hash, querySpec };
    return { status: 'found', querySpec, hash, fixed: this.index.fixedStats(m), computed: this.index.computedStats(m) };
  }

  /** `is_valid`: whether the spec is inside the NAS-Bench-101 space (malformed specs throw). */
  isValid(spec: unknown): boolean {
    return ModelSpec.from(spec, 'NasBench.isValid').isValid();
  }

  /**
   * All repeats at `epochs` in file order, shaped like the reference `query()` output (the
   * NasbenchWrapper semantics NAS-Bench-1Shot1 uses). Deterministic, unlike `query`.
   */
  queryAll(spec: unknown, options: QueryOptions = {}): QueryData[] {
    const fn = 'NasBench.queryAll';
    const epochs = this.checkEpochs(fn, options.epochs ?? 108);
    const { fixed, computed } = this.getMetricsFromSpec(spec);
    const prefix = options.stopHalfway === true ? 'halfway_' : 'final_';
    return (computed[String(epochs)] ?? []).map((run) => ({
      module_adjacency: fixed.module_adjacency.map((row) => row.slice()),
      module_operations: fixed.module_operations.slice(),
      trainable_parameters: fixed.trainable_parameters,
      training_time: run[`${prefix}training_time` as keyof RunStats],
      train_accuracy: run[`${prefix}train_accuracy` as keyof RunStats],
      validation_accuracy: run[`${prefix}validation_accuracy` as keyof RunStats],
      test_accuracy: run[`${prefix}test_accuracy` as keyof RunStats],
    }));
  }

  /**
   * The reference `query()`: one repeat sampled uniformly. `random` returns a number in [0, 1)
   * (default Math.random); the reference's Python RNG stream cannot be reproduced and need not be.
   */
  query(spec: unknown, options: QueryOptions & { random?: () => number } = {}): QueryData {
    const runs = this.queryAll(spec, options);
    if (runs.length === 0) throw notFound('NasBench.query', specHash('NasBench.query', spec), this.info.file);
    const u = (options.random ?? Math.random)();
    return runs[Math.min(runs.length - 1, Math.floor(u * runs.length))]!;
  }

  /** Means over the repeats at `epochs` (default 108), each `(a+b+c)/3` in file order. */
  meansFromHash(hash: string, epochs = 108): RepeatMeans {
    const fn = 'NasBench.meansFromHash';
    this.checkEpochs(fn, epochs);
    const { computed } = this.getMetricsFromHash(hash);
    return meansOverRepeats(computed[String(epochs)] ?? [], fn);
  }

  private checkEpochs(fn: string, epochs: number): number {
    if (!this.index.validEpochs.includes(epochs)) {
      throw outOfDomainError(fn, `invalid number of epochs, must be one of ${JSON.stringify(this.index.validEpochs)}, got ${String(epochs)}`);
    }
    return epochs;
  }
}

function specHash(fn: string, spec: unknown): string {
  const s = ModelSpec.from(spec, fn);
  s.checkDomain(fn);
  return s.hashSpec(fn);
}

function notFound(fn: string, hash: string, file: string): SdartsError {
  const err = new SdartsError(
    'ERR_SDARTS_BENCHMARK_NOT_FOUND',
    `${fn}(): module ${hash} is not in '${file}'. The spec is valid but the file has no record of it ` +
      '(a truncated or partial dataset file, or a hash typed by hand).',
  );
  return Object.assign(err, { hash });
}
