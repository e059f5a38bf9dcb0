/**
 * Checkpoints of every job (search, train, nasbench search). One safetensors file holds every tensor —
 * the model under `model.`, optimizer state under a prefix per optimizer, the RNG states under `rng.` —
 * with the rest of the state as JSON in its metadata: the position (epoch, step, global step), the
 * epoch's meters, the log sizes a resume truncates back to, and the job's own fields. Written atomically
 * (temp + fsync + rename), so a crash leaves the previous checkpoint; the next write removes the temp
 * files a kill during a write left behind. Every checkpoint carries a CRC-32C of each tensor (its dtype,
 * shape and bytes) and of the JSON state in its metadata (`checksums`), verified on every load: a
 * damaged, truncated or foreign file is refused with a clear error naming what is damaged. A checkpoint
 * without `checksums` was written by an older sdarts and is accepted as it is.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, getRngState, setRngState, tensor, tidy, type Device, type NamedTensors, type Tensor } from '../tensor/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { crc32c } from '../util/crc32c.js';
import type { StateDict } from '../nn/index.js';
import type { Optimizer, OptimizerStateDict } from '../optim/index.js';
import type { MetersJSON } from '../search/metrics.js';
import { SdartsError } from '../util/errors.js';
import type { LogSizes, RunLogs } from './run-logs.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'sdarts-checkpoint';
/** The metadata keys of a checkpoint written before checksums existed. */
const LEGACY_METADATA_KEYS = ['format', 'version', 'kind', 'state'];
const VERSION = 1;

// ---- the file ----

export interface Checkpoint<S> {
  tensors: NamedTensors;
  state: S;
}

const CHECKSUM_ALGORITHM = 'crc32c';

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The safetensors header of `bytes` (already validated by decodeSafetensors) and where its data starts. */
function readHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { header: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, hlen).toString('utf8')) as Record<string, unknown>, dataStart: 8 + hlen };
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** CRC-32C of a tensor's dtype, shape and data bytes. */
function tensorChecksum(e: HeaderEntry, bytes: Uint8Array, dataStart: number): string {
  const desc = Buffer.from(`${e.dtype}[${e.shape.join(',')}]`, 'utf8');
  return hex(crc32c(bytes, dataStart + e.data_offsets[0], dataStart + e.data_offsets[1], crc32c(desc)));
}

const stateChecksum = (state: string): string => hex(crc32c(Buffer.from(state, 'utf8')));

/** The tensor entries of a header, in file (data offset) order. */
function entries(header: Record<string, unknown>): [string, HeaderEntry][] {
  return Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([k, v]) => [k, v as HeaderEntry] as [string, HeaderEntry])
    .sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
}

/** Remove the temp files an interrupted write of `path` left behind (ours, `.<name>.<pid>.<time>.tmp`, and `<name>.tmp`). */
export function removeStaleTemps(dir: string, name = CHECKPOINT_FILE): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f === `${name}.tmp` || (f.startsWith(`.${name}.`) && f.endsWith('.tmp'))) {
      rmSync(join(dir, f), { force: true });
      removed.push(f);
    }
  }
  return removed;
}

/**
 * Encode `tensors` with `metadata` plus `checksums` (CRC-32C per tensor and over `metadata.state`): the
 * data section is what encodeSafetensors writes, the header gains the checksums.
 */
function encodeWithChecksums(tensors: NamedTensors, metadata: Record<string, string>): Uint8Array {
  const plain = encodeSafetensors(tensors, metadata);
  const { header, dataStart } = readHeader(plain);
  const sums: Record<string, string> = {};
  for (const [name, e] of entries(header)) sums[name] = tensorChecksum(e, plain, dataStart);
  header['__metadata__'] = {
    ...metadata,
    checksums: JSON.stringify({ algorithm: CHECKSUM_ALGORITHM, state: stateChecksum(metadata['state'] ?? ''), tensors: sums }),
  };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const h = Buffer.from(json, 'utf8');
  const data = plain.subarray(dataStart);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/**
 * Check the `checksums` metadata of a decoded checkpoint. Returns false when there are none (written by
 * an older sdarts: accepted); throws ERR_SDARTS_CHECKPOINT_CHECKSUM naming the first damaged part.
 */
function verifyChecksums(path: string, bytes: Uint8Array): boolean {
  const { header, dataStart } = readHeader(bytes);
  const meta = (header['__metadata__'] ?? {}) as Record<string, string>;
  const raw = meta['checksums'];
  const bad = (what: string): never => {
    throw new SdartsError(
      'ERR_SDARTS_CHECKPOINT_CHECKSUM',
      `Refusing ${path}: ${what}. The file is damaged; it cannot be used. Restore it from a copy, or start the run again.`,
    );
  };
  if (raw === undefined) {
    // Only a checkpoint of an older sdarts has no checksums, and its metadata holds exactly these keys:
    // anything else (e.g. a damaged `checksums` key) means the checksums were lost, not never written.
    const extra = Object.keys(meta).filter((k) => !LEGACY_METADATA_KEYS.includes(k));
    if (extra.length) bad(`its checksums are missing but its metadata has ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
    return false;
  }
  let sums: { algorithm?: unknown; state?: unknown; tensors?: unknown };
  try {
    sums = JSON.parse(raw) as typeof sums;
  } catch {
    return bad('its checksum table is not valid JSON');
  }
  if (sums === null || typeof sums !== 'object' || sums.algorithm !== CHECKSUM_ALGORITHM || typeof sums.tensors !== 'object' || sums.tensors === null)
    bad('its checksum table is damaged');
  const expected = sums.tensors as Record<string, unknown>;
  const present = entries(header);
  for (const [name, e] of present) {
    if (!Object.hasOwn(expected, name)) bad(`it holds a tensor '${name}' that was not written with it (renamed or added)`);
    if (tensorChecksum(e, bytes, dataStart) !== expected[name]) bad(`tensor '${name}' does not match its checksum`);
  }
  const names = new Set(present.map(([n]) => n));
  const missing = Object.keys(expected).filter((n) => !names.has(n));
  if (missing.length)
    bad(`tensor${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')} written with it ${missing.length > 1 ? 'are' : 'is'} missing`);
  if (stateChecksum(meta['state'] ?? '') !== sums.state) bad('the JSON state does not match its checksum');
  return true;
}

/** Write `<dir>/<name>` (default checkpoint.safetensors) atomically, with checksums. */
export function saveCheckpoint<S>(dir: string, kind: string, tensors: NamedTensors, state: S, name = CHECKPOINT_FILE): string {
  const path = join(dir, name);
  removeStaleTemps(dir, name);
  writeFileAtomic(path, encodeWithChecksums(tensors, { format: FORMAT, version: String(VERSION), kind, state: JSON.stringify(state) }));
  return path;
}

/**
 * Load `<dir>/<name>` (default checkpoint.safetensors) written by saveCheckpoint for `kind`, its checksums verified
 * (`verified` is false for a checkpoint of an older sdarts, which has none). The caller disposes the tensors.
 */
export function loadCheckpoint<S>(
  dir: string,
  kind: string,
  device: Device = 'cpu',
  name = CHECKPOINT_FILE,
): Checkpoint<S> & { path: string; verified: boolean } {
  const path = join(dir, name);
  if (!existsSync(path))
    throw new SdartsError(
      'ERR_SDARTS_CHECKPOINT_MISSING',
      `${dir} has no ${name} to resume from (the run stopped before its first checkpoint). Start it again (the same --save ${dir} may be reused).`,
    );
  let bytes: Buffer;
  let loaded: { tensors: NamedTensors; metadata: Record<string, string> };
  try {
    bytes = readFileSync(path);
    loaded = decodeSafetensors(bytes, device, path);
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_CHECKPOINT_CORRUPT', `Cannot resume: ${(err as Error).message}`, { cause: err });
  }
  const dispose = (): void => {
    for (const t of Object.values(loaded.tensors)) t.dispose();
  };
  let verified: boolean;
  try {
    verified = verifyChecksums(path, bytes);
  } catch (err) {
    dispose();
    throw err;
  }
  const meta = loaded.metadata;
  const fail = (why: string): never => {
    dispose();
    throw new SdartsError('ERR_SDARTS_CHECKPOINT_FOREIGN', `Cannot resume from ${path}: ${why}.`);
  };
  if (meta['format'] !== FORMAT) fail('it is not an sdarts checkpoint');
  if (meta['version'] !== String(VERSION)) fail(`checkpoint format version ${meta['version']} is not supported by this sdarts (expects ${VERSION})`);
  if (meta['kind'] !== kind) fail(`it is a '${meta['kind']}' checkpoint, not '${kind}'`);
  let state: S;
  try {
    state = JSON.parse(meta['state'] ?? '') as S;
  } catch {
    return fail('its state metadata is not valid JSON');
  }
  if (state === null || typeof state !== 'object' || Array.isArray(state)) fail('its state metadata is not a JSON object');
  return { tensors: loaded.tensors, state, path, verified };
}

/**
 * Check a loaded checkpoint against what the job expects before anything is copied: the tensor names
 * (exactly `expected`'s, `optional` ones may be absent) and shapes, and the JSON state's fields.
 */
export function checkCheckpointContents(
  path: string,
  T: NamedTensors,
  state: object,
  expected: { tensors: Record<string, readonly number[]>; optional?: readonly string[]; fields: readonly string[] },
): void {
  const problems: string[] = [];
  const st = state as Record<string, unknown>;
  const missingFields = expected.fields.filter((f) => st[f] === undefined || st[f] === null);
  if (missingFields.length) problems.push(`the JSON state lacks ${missingFields.join(', ')}`);
  for (const f of ['epoch', 'step', 'globalStep'])
    if (expected.fields.includes(f) && st[f] !== undefined && !(Number.isInteger(st[f]) && (st[f] as number) >= 0))
      problems.push(`the JSON state's ${f} is ${JSON.stringify(st[f])}, not a whole number ≥ 0`);
  const optional = new Set(expected.optional ?? []);
  const missing = Object.keys(expected.tensors).filter((k) => !T[k] && !optional.has(k));
  const unexpected = Object.keys(T).filter((k) => !Object.hasOwn(expected.tensors, k));
  if (missing.length)
    problems.push(
      `missing tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ` (and ${missing.length - 8} more)` : ''}`,
    );
  if (unexpected.length)
    problems.push(
      `unexpected tensor${unexpected.length > 1 ? 's' : ''} ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ` (and ${unexpected.length - 8} more)` : ''}`,
    );
  for (const [k, shape] of Object.entries(expected.tensors)) {
    const t = T[k];
    if (t && shape.length && t.shape.join(',') !== shape.join(','))
      problems.push(`tensor ${k} has shape [${t.shape.join(', ')}], the job expects [${shape.join(', ')}]`);
  }
  if (problems.length)
    throw new SdartsError(
      'ERR_SDARTS_CHECKPOINT_CONTENTS',
      `Cannot resume from ${path}: it does not fit this run (${problems.join('; ')}). It was written by another configuration or edited; restore the run directory's checkpoint, or start a new run.`,
    );
}

/** The checkpoint tensor names an optimizer's JSON state refers to (`tensor:<name>`). */
export function optimizerTensorNames(json: unknown): string[] {
  const out: string[] = [];
  const j = json as { state?: Record<string, Record<string, unknown>> } | null;
  for (const entries of Object.values(j?.state ?? {})) {
    for (const v of Object.values(entries ?? {})) if (typeof v === 'string' && v.startsWith('tensor:')) out.push(v.slice(7));
  }
  return out;
}

// ---- a job's checkpoint ----

/** The fields every job checkpoint's JSON state starts with. */
export interface JobCheckpointState {
  epoch: number;
  step: number;
  globalStep: number;
  meters: MetersJSON;
  logs: LogSizes;
}

export type CheckpointEvent = { type: 'checkpoint'; epoch: number; step: number; path: string };

/**
 * Sync the logs, then write `<runDir>/checkpoint.safetensors` atomically: `fill` puts the job's tensors
 * into T and returns its JSON state (given the synced log sizes). Logs and returns the event.
 */
export function writeJobCheckpoint<S extends JobCheckpointState>(
  runDir: string,
  kind: string,
  logs: RunLogs,
  at: { epoch: number; step: number },
  fill: (T: NamedTensors, logSizes: LogSizes) => S,
): CheckpointEvent {
  const sizes = logs.sync();
  const path = tidy(() => {
    const T: NamedTensors = {};
    const state = fill(T, sizes);
    return saveCheckpoint(runDir, kind, T, state);
  });
  const ev: CheckpointEvent = { type: 'checkpoint', epoch: at.epoch, step: at.step, path };
  logs.event({ ...ev });
  return ev;
}

/** What a job expects of its checkpoint (checkCheckpointContents), given the checkpoint's JSON state. */
export type CheckpointExpectation<S> = (state: S) => { tensors: Record<string, readonly number[]>; optional?: readonly string[]; fields: readonly string[] };

/** The fields of JobCheckpointState. */
export const JOB_STATE_FIELDS = ['epoch', 'step', 'globalStep', 'meters', 'logs'] as const;

/**
 * Load a job checkpoint (checksums verified), check its tensors and JSON state against `expect`, let
 * `restore` copy its tensors into the live objects, then free them.
 */
export function readJobCheckpoint<S extends JobCheckpointState>(
  runDir: string,
  kind: string,
  device: Device,
  expect: CheckpointExpectation<S>,
  restore: (T: NamedTensors, state: S) => void,
): S {
  const ck = loadCheckpoint<S>(runDir, kind, device);
  try {
    checkCheckpointContents(ck.path, ck.tensors, ck.state, expect(ck.state));
    restore(ck.tensors, ck.state);
  } finally {
    for (const t of Object.values(ck.tensors)) t.dispose();
  }
  return ck.state;
}

/** The expected checkpoint tensors of a model (`model.` + its state dict keys, with shapes). */
export function modelTensorShapes(model: { stateDict(): StateDict }): Record<string, readonly number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [`model.${k}`, v.shape]));
}

/** The RNG tensors of a checkpoint: `rng.cpu`, and `rng.cuda` on a CUDA device (optional: restored when present). */
export function rngTensorNames(device: Device): { tensors: Record<string, readonly number[]>; optional: string[] } {
  return device === 'cpu' ? { tensors: { 'rng.cpu': [] }, optional: [] } : { tensors: { 'rng.cpu': [], 'rng.cuda': [] }, optional: ['rng.cuda'] };
}

// ---- the pieces: model, optimizers, RNG ⇄ checkpoint tensors ----

/** A model's state dict into checkpoint tensors under `model.`. */
export function modelToCheckpoint(model: { stateDict(): StateDict }, T: NamedTensors): void {
  for (const [k, v] of Object.entries(model.stateDict())) T[`model.${k}`] = v;
}

/** The `model.` tensors of a checkpoint back into a model (strict). */
export function modelFromCheckpoint(model: { loadStateDict(sd: StateDict): unknown }, T: NamedTensors): void {
  model.loadStateDict(
    Object.fromEntries(
      Object.entries(T)
        .filter(([k]) => k.startsWith('model.'))
        .map(([k, v]) => [k.slice(6), v]),
    ),
  );
}

/** Split an optimizer's state dict into checkpoint tensors (under `prefix`) and JSON. */
export function optimizerToCheckpoint<H extends { lr: number }>(opt: Optimizer<H>, prefix: string, tensors: NamedTensors): unknown {
  const sd = opt.stateDict();
  const state: Record<string, Record<string, number | string>> = {};
  for (const [idx, entries] of Object.entries(sd.state)) {
    state[idx] = {};
    for (const [k, v] of Object.entries(entries)) {
      if (typeof v === 'number') state[idx]![k] = v;
      else {
        const name = `${prefix}.${idx}.${k}`;
        tensors[name] = v as Tensor;
        state[idx]![k] = `tensor:${name}`;
      }
    }
  }
  return { state, paramGroups: sd.paramGroups };
}

export function optimizerFromCheckpoint<H extends { lr: number }>(opt: Optimizer<H>, json: unknown, tensors: NamedTensors): void {
  const j = json as { state: Record<string, Record<string, number | string>>; paramGroups: OptimizerStateDict['paramGroups'] };
  const state: OptimizerStateDict['state'] = {};
  for (const [idx, entries] of Object.entries(j.state)) {
    state[Number(idx)] = Object.fromEntries(
      Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('tensor:') ? tensors[v.slice(7)]! : (v as number)]),
    );
  }
  opt.loadStateDict({ state, paramGroups: j.paramGroups });
}

/** LibTorch generator states as uint8 tensors (CPU, and the CUDA device in use). */
export function rngToCheckpoint(device: Device, tensors: NamedTensors): void {
  tensors['rng.cpu'] = tensor(getRngState('cpu'));
  if (device !== 'cpu') tensors['rng.cuda'] = tensor(getRngState(device));
}

export function rngFromCheckpoint(device: Device, tensors: NamedTensors): void {
  setRngState(Uint8Array.from(tensors['rng.cpu']!.toArray()), 'cpu');
  if (device !== 'cpu' && tensors['rng.cuda']) setRngState(Uint8Array.from(tensors['rng.cuda'].toArray()), device);
}
