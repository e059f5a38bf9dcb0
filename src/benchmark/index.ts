/**
 * NAS-Bench-101 / NAS-Bench-1Shot1 scoring: pure TypeScript, plain JSON in and out, no tensors.
 */
export { type DataLossError } from './benchmark-errors.js';
export { readTfRecords, DEFAULT_CHUNK_BYTES, type TfRecordHandler, type TfRecordReadOptions, type TfRecordReadSummary } from './tfrecord-reader.js';
export { encodeTfRecord, encodeTfRecordInto } from './tfrecord-writer.js';
export {
  decodeModelMetrics,
  encodeModelMetrics,
  RUN_STAT_KEYS,
  type EvaluationData,
  type ModelMetrics,
  type ModelMetricsInput,
  type RunStatKey,
} from './model-metrics.js';
export { parseNasbenchRow, encodeNasbenchRow, type NasbenchRow } from './nasbench-row.js';
export { hashModule, emptyHashTrace, type HashTrace } from './graph-hash.js';
export { ModelSpec, AVAILABLE_OPS, INPUT, OUTPUT, MAX_VERTICES, MAX_EDGES, type NasbenchOp, type SpecJson, type OutOfDomainError } from './model-spec.js';
export { isModuleHash, type FixedStats, type ComputedStats, type RunStats } from './nasbench-index.js';
export { indexCachePath, INDEX_FORMAT_VERSION } from './index-cache.js';
export {
  NasBench,
  type OpenOptions,
  type CacheStatus,
  type NasBenchInfo,
  type ModuleMetrics,
  type LookupResult,
  type QueryData,
  type QueryOptions,
} from './nasbench.js';
export { meansOverRepeats, meanInOrder, type RepeatMeans } from './repeat-means.js';
export { searchSpace, SEARCH_SPACES, ONE_SHOT_PRIMITIVES, type OneShotPrimitive, type SearchSpaceDef, type SearchSpaceId } from './one-shot-spaces.js';
export { oneShotToSpec, regret, topK, argmax, type OneShotAlphas, type OneShotArchitecture } from './one-shot-conversion.js';
export { evalOneShotModel, scoreOneShotSpec, type OneShotScore } from './one-shot-eval.js';
export { formatLookupText, lookupToJson, type LookupJson } from './format.js';
