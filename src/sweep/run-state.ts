/**
 * Where one run directory stands, read from its files alone (config.json, events.jsonl, the
 * checkpoint): not started, started (running now, or stopped: by a signal after its checkpoint, or
 * killed), interrupted (an `end` event with reason 'interrupted', which the API's consumers log),
 * failed (an `error` event), or done (`end` … 'completed').
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents, EVENTS_FILE } from '../run/events-log.js';
import { CONFIG_FILE } from '../run/run-dir.js';

export type RunPhase = 'not-started' | 'started' | 'interrupted' | 'failed' | 'done';

export interface RunState {
  phase: RunPhase;
  /** A checkpoint exists: `--resume` continues the run from it. */
  checkpoint: boolean;
  /** The last step reached (epoch, step in it), when the run logged one. */
  epoch: number | null;
  step: number | null;
  /** Where the last checkpoint event puts the run (a resume continues from there). */
  checkpointAt: { epoch: number; step: number } | null;
  /** The error event's message and code (phase 'failed'). */
  message: string | null;
  code: string | null;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export function runState(dir: string): RunState {
  const state: RunState = {
    phase: 'not-started',
    checkpoint: existsSync(join(dir, CHECKPOINT_FILE)),
    epoch: null,
    step: null,
    checkpointAt: null,
    message: null,
    code: null,
  };
  if (!existsSync(join(dir, CONFIG_FILE)) || !existsSync(join(dir, EVENTS_FILE))) return state;
  let events: Record<string, unknown>[];
  try {
    events = readEvents(dir);
  } catch (err) {
    return { ...state, phase: 'failed', message: (err as Error).message, code: (err as { code?: string }).code ?? null };
  }
  for (const e of events) {
    if (e['type'] === 'step' || e['type'] === 'start' || e['type'] === 'end') {
      if (typeof e['epoch'] === 'number') state.epoch = e['epoch'];
      if (typeof e['step'] === 'number') state.step = e['step'];
    }
    if (e['type'] === 'checkpoint' && typeof e['epoch'] === 'number' && typeof e['step'] === 'number')
      state.checkpointAt = { epoch: e['epoch'], step: e['step'] };
    if (e['type'] === 'start') {
      // A failed or interrupted run that was resumed starts again.
      state.phase = 'started';
      state.message = state.code = null;
    } else if (e['type'] === 'end') state.phase = e['reason'] === 'completed' ? 'done' : 'interrupted';
    else if (e['type'] === 'error') {
      state.phase = 'failed';
      state.message = typeof e['message'] === 'string' ? e['message'] : null;
      state.code = typeof e['code'] === 'string' ? e['code'] : null;
    }
  }
  return state;
}
