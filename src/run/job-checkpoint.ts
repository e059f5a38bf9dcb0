/**
 * The resumable state every job (search, train) shares: the epoch's loss / top-1 / top-5 meters, and
 * writing / restoring a job checkpoint — model tensors under `model.`, optimizer and RNG state, the
 * log sizes a resume truncates back to — around the job's own fields.
 */
import { tidy, type Device, type NamedTensors } from '../tensor/index.js';
import type { StateDict } from '../nn/index.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { AverageMeter, type LogSizes, type RunLogs } from './run-state.js';

export type MetersJSON = Record<'loss' | 'top1' | 'top5', { sum: number; count: number }>;

/** Sample-weighted running means of one epoch's step loss, top-1 and top-5. */
export class StepMeters {
  readonly loss: AverageMeter;
  readonly top1: AverageMeter;
  readonly top5: AverageMeter;

  constructor(saved?: MetersJSON) {
    this.loss = saved ? AverageMeter.from(saved.loss) : new AverageMeter();
    this.top1 = saved ? AverageMeter.from(saved.top1) : new AverageMeter();
    this.top5 = saved ? AverageMeter.from(saved.top5) : new AverageMeter();
  }

  update(r: { loss: number; top1: number; top5: number }, n: number): void {
    this.loss.update(r.loss, n);
    this.top1.update(r.top1, n);
    this.top5.update(r.top5, n);
  }

  toJSON(): MetersJSON {
    return { loss: this.loss.toJSON(), top1: this.top1.toJSON(), top5: this.top5.toJSON() };
  }
}

/** The fields every job checkpoint's JSON state starts with. */
export interface JobCheckpointState {
  epoch: number;
  step: number;
  globalStep: number;
  meters: MetersJSON;
  logs: LogSizes;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  epoch: number;
  step: number;
  path: string;
}

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
