/**
 * Checkpoints: one safetensors file holding every tensor (w, α, optimizer state, RNG states) with the
 * rest of the state as JSON in its metadata. Written atomically (temp + fsync + rename), so a crash
 * leaves the previous checkpoint; a truncated or foreign file is refused with a clear error.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, type Device, type NamedTensors } from '../tensor/index.js';
import { SdartsError } from '../util/errors.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'sdarts-checkpoint';
const VERSION = 1;

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
