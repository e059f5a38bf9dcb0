/**
 * What a job is doing between its step and epoch events, so that a display never goes blind (docs/cli.md,
 * "Progress"). Two kinds:
 *   - `phase`: a phase begins (the first step, the validation pass, the curvature analysis, a checkpoint write,
 *     the test pass). A handful per epoch: they go to events.jsonl too (with the time), so that a run on a
 *     cluster shows where it stands and how long each phase took.
 *   - `progress`: a batch of a validation or test pass is done. Only for the consumer (the CLI's display);
 *     never in events.jsonl and not printed by --json (one per batch would swamp both).
 * Neither changes a computed value: they are emitted between the computations.
 */
export type JobPhase = 'first-step' | 'validation' | 'analysis' | 'checkpoint' | 'test';

export type PhaseEvent = {
  type: 'phase';
  phase: JobPhase;
  /** The epoch it belongs to (0-based; a checkpoint: the epoch the checkpoint resumes at). */
  epoch: number;
  /** Batches the phase will take, where known (validation, test). */
  total?: number | null;
  /** ISO time it began. */
  time: string;
};

export type ProgressEvent = {
  type: 'progress';
  phase: 'validation' | 'test';
  epoch: number;
  /** Batches done. */
  done: number;
  /** Of how many (null: not known in advance). */
  total: number | null;
};

export function phaseEvent(phase: JobPhase, epoch: number, total?: number | null): PhaseEvent {
  return { type: 'phase', phase, epoch, ...(total !== undefined ? { total } : {}), time: new Date().toISOString() };
}

export function progressEvent(phase: 'validation' | 'test', epoch: number, done: number, total: number | null): ProgressEvent {
  return { type: 'progress', phase, epoch, done, total };
}

/** Record a phase's start in events.jsonl and return its event (for the consumer). */
export function recordPhase(logs: { event(e: PhaseEvent): void }, phase: JobPhase, epoch: number, total?: number | null): PhaseEvent {
  const ev = phaseEvent(phase, epoch, total);
  logs.event(ev);
  return ev;
}
