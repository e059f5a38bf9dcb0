/**
 * Checkpoints of every job (search, train, nasbench search). One safetensors file holds every tensor —
 * the model under `model.`, optimizer state under a prefix per optimizer, the RNG states under `rng.` —
 * with the rest of the state as JSON in its metadata: the position (epoch, step, global step), the
 * epoch's meters, the log sizes a resume truncates back to, and the job's own fields. Written atomically
 * (temp + fsync + rename), so a crash leaves the previous checkpoint; a truncated or foreign file is
 * refused with a clear error.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getRngState, loadSafetensors, saveSafetensors, setRngState, tensor, tidy, type Device, type NamedTensors, type Tensor } from '../tensor/index.js';
import type { StateDict } from '../nn/index.js';
import type { Optimizer, OptimizerStateDict } from '../optim/index.js';
import type { MetersJSON } from '../search/metrics.js';
import { SdartsError } from '../util/errors.js';
import type { LogSizes, RunLogs } from './run-logs.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'sdarts-checkpoint';
const VERSION = 1;

// ---- the file ----

export interface Checkpoint<S> {
  tensors: NamedTensors;
  state: S;
}

export function saveCheckpoint<S>(dir: string, kind: string, tensors: NamedTensors, state: S): string {
  const path = join(dir, CHECKPOINT_FILE);
  saveSafetensors(path, tensors, { format: FORMAT, version: String(VERSION), kind, state: JSON.stringify(state) });
  return path;
}

/** Load `<dir>/checkpoint.safetensors` written by saveCheckpoint for `kind`. The caller disposes the tensors. */
export function loadCheckpoint<S>(dir: string, kind: string, device: Device = 'cpu'): Checkpoint<S> {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path))
    throw new SdartsError(
      'ERR_SDARTS_CHECKPOINT_MISSING',
      `${dir} has no ${CHECKPOINT_FILE} to resume from (the run stopped before its first checkpoint). Start it again.`,
    );
  let loaded: { tensors: NamedTensors; metadata: Record<string, string> };
  try {
    loaded = loadSafetensors(path, device);
  } catch (err) {
    throw new SdartsError('ERR_SDARTS_CHECKPOINT_CORRUPT', `Cannot resume: ${(err as Error).message}`, { cause: err });
  }
  const meta = loaded.metadata;
  const fail = (why: string): never => {
    for (const t of Object.values(loaded.tensors)) t.dispose();
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
  return { tensors: loaded.tensors, state };
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

/** Load a job checkpoint, let `restore` copy its tensors into the live objects, then free them. */
export function readJobCheckpoint<S extends JobCheckpointState>(runDir: string, kind: string, device: Device, restore: (T: NamedTensors, state: S) => void): S {
  const ck = loadCheckpoint<S>(runDir, kind, device);
  try {
    restore(ck.tensors, ck.state);
  } finally {
    for (const t of Object.values(ck.tensors)) t.dispose();
  }
  return ck.state;
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
