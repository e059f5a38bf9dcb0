/**
 * What the search loader and the plain loader share: one seeded `Rng` for all data randomness, an
 * epoch/step cursor, the epoch's sample order, and exact resume.
 *
 * Resume without storing permutations: at the start of an epoch the loader records the RNG state
 * (`epochRng`) and then draws the epoch's order from the RNG. A checkpoint stores that state, the
 * current RNG state and the step reached — a few numbers — and `setState` redraws the same order
 * from `epochRng` on a copy, then continues the main stream where it stopped.
 *
 * Epoch protocol: `epochBatches(e)` starts epoch e (any e greater than the last one started), or,
 * when e is the epoch in progress (e.g. after `setState` from a mid-epoch checkpoint), continues it
 * from the saved step (right after `setState` from a checkpoint taken after an epoch's last batch, that
 * epoch yields nothing). Iterating an older iterator after a newer `epochBatches`/`setState` throws
 * (two cursors over one RNG would silently interleave).
 */
import { SdartsError, rangeError, typeError } from '../util/errors.js';
import { Rng, checkRngState, type RngState } from './rng.js';

/** The cursor part of every loader state (plain JSON). */
export interface EpochState {
  /** Current RNG state (after the last batch handed out). */
  rng: RngState;
  /** Last epoch started; −1 before the first. */
  epoch: number;
  /** Batches of `epoch` already handed out. */
  step: number;
  /** RNG state at the start of `epoch`, before its order was drawn; null before the first epoch. */
  epochRng: RngState | null;
}

export function stateError(fn: string, detail: string): SdartsError {
  return new SdartsError('ERR_SDARTS_DATA_LOADER_STATE', `${fn}(): ${detail}. Resume with the same dataset, --batch-size and --train-portion as the run that wrote the checkpoint, or start afresh.`);
}

/** Check a positive integer option. */
export function positiveInt(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a positive integer', v);
  if (!Number.isInteger(v) || v < 1) throw rangeError(fn, arg, 'a positive integer', v);
  return v;
}

export abstract class EpochLoader<B> {
  protected readonly rng: Rng;
  protected epoch = -1;
  protected step = 0;
  protected epochRng: RngState | null = null;
  /** This epoch's sample order (positions into the loader's index set), or null before any epoch. */
  protected order: Int32Array | null = null;
  private generation = 0;
  /** Set by restoreCursor until the next epochBatches(). */
  private restored = false;

  constructor(fn: string, seed: unknown) {
    if (typeof seed !== 'number') throw typeError(fn, 'options.seed', 'a non-negative integer', seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw rangeError(fn, 'options.seed', `an integer in [0, ${Number.MAX_SAFE_INTEGER}]`, seed);
    this.rng = new Rng(seed);
  }

  /** Batches per epoch (drop_last = false: ceil(n / batch)). */
  abstract readonly stepsPerEpoch: number;
  /** Draw the epoch's order from `rng` (called at epoch start, and on a copy when resuming). */
  protected abstract drawOrder(rng: Rng): Int32Array;
  /** Extra per-epoch reset, run after the order is drawn. */
  protected onEpochStart(): void {}
  /** Build batch `step` of the current epoch, drawing from `this.rng`. */
  protected abstract makeBatch(step: number): B;

  /** The epoch last started (−1 before the first) and how many of its batches were handed out. */
  get position(): { epoch: number; step: number } {
    return { epoch: this.epoch, step: this.step };
  }

  /**
   * The batches of `epoch`, one per `next()`; each `next()` draws and transforms one batch. See the
   * file header for which epochs may be asked for.
   */
  epochBatches(epoch: number): IterableIterator<B> {
    const fn = `${this.constructor.name}.epochBatches`;
    if (typeof epoch !== 'number') throw typeError(fn, 'epoch', 'a non-negative integer', epoch);
    if (!Number.isInteger(epoch) || epoch < 0) throw rangeError(fn, 'epoch', 'a non-negative integer', epoch);
    const inProgress = epoch === this.epoch && this.step < this.stepsPerEpoch;
    // Restored from a checkpoint taken after the epoch's last batch (a signal on the last step): the
    // epoch has no batches left, and the caller goes on to its end-of-epoch work.
    const restoredAtEnd = this.restored && epoch === this.epoch && this.step === this.stepsPerEpoch;
    this.restored = false;
    if (restoredAtEnd) return [][Symbol.iterator]();
    if (!inProgress) {
      if (epoch <= this.epoch) {
        throw new SdartsError('ERR_SDARTS_DATA_LOADER_EPOCH', `${fn}(): epoch ${epoch} was asked for but epoch ${this.epoch} was already ${epoch === this.epoch ? 'completed' : 'started'}; epochs only move forward. Ask for epoch ${this.epoch + 1}.`);
      }
      this.epoch = epoch;
      this.step = 0;
      this.epochRng = this.rng.getState();
      this.order = this.drawOrder(this.rng);
      this.onEpochStart();
    } else if (this.order === null) {
      this.order = this.drawOrder(Rng.fromState(this.epochRng!));
    }
    const gen = ++this.generation;
    return this.iterate(gen, fn);
  }

  private *iterate(gen: number, fn: string): IterableIterator<B> {
    while (this.step < this.stepsPerEpoch) {
      if (gen !== this.generation) {
        throw new SdartsError('ERR_SDARTS_DATA_LOADER_STALE', `${fn}(): this iterator was superseded by a later epochBatches() or setState() call; iterate only the newest one.`);
      }
      const b = this.makeBatch(this.step);
      this.step++;
      yield b;
    }
  }

  protected cursorState(): EpochState {
    return { rng: this.rng.getState(), epoch: this.epoch, step: this.step, epochRng: this.epochRng };
  }

  /** Validate and restore the cursor; the order is redrawn lazily by the next `epochBatches`. */
  protected restoreCursor(fn: string, s: EpochState): void {
    checkRngState(fn, s.rng, 'state.rng');
    if (!Number.isInteger(s.epoch) || s.epoch < -1) throw rangeError(fn, 'state.epoch', 'an integer ≥ −1', s.epoch);
    if (!Number.isInteger(s.step) || s.step < 0 || s.step > this.stepsPerEpoch) {
      throw rangeError(fn, 'state.step', `an integer in [0, ${this.stepsPerEpoch}] (steps per epoch)`, s.step);
    }
    if (s.epoch >= 0) checkRngState(fn, s.epochRng, 'state.epochRng');
    else if (s.epochRng !== null || s.step !== 0) throw stateError(fn, 'a state before the first epoch must have step 0 and epochRng null');
    this.rng.setState(s.rng);
    this.epoch = s.epoch;
    this.step = s.step;
    this.epochRng = s.epoch >= 0 ? { algorithm: s.epochRng!.algorithm, s: [...s.epochRng!.s] } : null;
    this.order = null;
    this.generation++;
    this.restored = true;
  }
}
