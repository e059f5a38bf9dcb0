/**
 * Per-epoch learning-rate schedules. A scheduler remembers each group's base learning rate, and
 * `step()` advances `lastEpoch` and writes the schedule's value into `optimizer.paramGroups[i].lr`.
 * As in PyTorch, constructing a scheduler performs the step to epoch 0 (so the lr is the epoch-0
 * value right away) and the training loop calls `step()` once at the end of every epoch.
 *
 * CosineAnnealingLR uses the CLOSED form (PyTorch's `_get_closed_form_lr`):
 *   lr(t) = eta_min + (base_lr − eta_min) · (1 + cos(π·t / T_max)) / 2
 * PyTorch's `step()` without an epoch argument instead updates the previous lr recursively,
 * which agrees with the closed form only up to accumulated rounding (relative 4e-15 over 60 epochs
 * for the test fixture's values) and drifts if something else edits `lr` between steps. The closed form depends
 * only on (base_lr, t), so a resumed run reproduces the schedule exactly.
 */
import { SdartsError, typeError, rangeError } from '../util/errors.js';
import { finite, nonNegative, plainObject } from './validate.js';

/** What a scheduler needs from an optimizer: mutable per-group learning rates. */
export interface HasParamGroups {
  paramGroups: { lr: number }[];
}

/** A schedule as a function of the epoch (and the group's base lr) returning that epoch's lr. */
export type ScheduleFn = (epoch: number, baseLr: number) => number;

export interface SchedulerStateDict {
  last_epoch: number;
  base_lrs: number[];
  _last_lr: number[];
  [key: string]: unknown;
}

export abstract class LRScheduler {
  readonly optimizer: HasParamGroups;
  /** Each group's lr when the scheduler was created (PyTorch's `base_lrs` / `initial_lr`). */
  baseLrs: number[];
  /** The epoch whose lr is in the optimizer now (0 right after construction). */
  lastEpoch = -1;
  private lastLr: number[] = [];
  protected readonly name: string;

  protected constructor(name: string, optimizer: HasParamGroups) {
    this.name = name;
    if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as HasParamGroups).paramGroups)) {
      throw typeError(name, 'optimizer', 'an optimizer (an object with paramGroups)', optimizer);
    }
    this.optimizer = optimizer;
    this.baseLrs = optimizer.paramGroups.map((g, i) => nonNegative(name, `optimizer.paramGroups[${i}].lr`, g.lr));
  }

  /** The lr of every group at `epoch`. */
  protected abstract lrsAt(epoch: number): number[];

  /** Advance one epoch (or jump to `epoch`) and write the learning rates into the optimizer. */
  step(epoch?: number): void {
    const fn = `${this.name}.step`;
    if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) throw rangeError(fn, 'epoch', 'a non-negative integer', epoch);
    const next = epoch ?? this.lastEpoch + 1;
    const lrs = this.lrsAt(next);
    lrs.forEach((lr, i) => nonNegative(fn, `lr of group ${i} at epoch ${next}`, lr));
    this.lastEpoch = next;
    this.lastLr = lrs;
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i]!;
    });
  }

  /** The learning rates the last step() wrote, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Plain-JSON state with PyTorch's attribute names (a torch scheduler can load the same keys). */
  stateDict(): SchedulerStateDict {
    return { last_epoch: this.lastEpoch, base_lrs: [...this.baseLrs], _last_lr: [...this.lastLr], ...this.extraState() };
  }

  protected extraState(): Record<string, unknown> {
    return {};
  }

  /**
   * Restore from stateDict() and re-apply the saved learning rates to the optimizer, so the
   * result does not depend on whether the optimizer's state dict was loaded before or after.
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const fn = `${this.name}.loadStateDict`;
    const sd = plainObject(fn, 'stateDict', stateDict);
    const n = this.optimizer.paramGroups.length;
    const lastEpoch = sd['last_epoch'];
    if (!Number.isInteger(lastEpoch) || (lastEpoch as number) < -1) throw rangeError(fn, 'stateDict.last_epoch', 'an integer ≥ -1', lastEpoch);
    const list = (key: string): number[] => {
      const v = sd[key];
      if (!Array.isArray(v) || v.length !== n) {
        throw new SdartsError(
          'ERR_SDARTS_OPTIM_STATE_DICT',
          `${fn}(): stateDict.${key} should list one learning rate per parameter group (${n}) but is ${Array.isArray(v) ? `an array of length ${v.length}` : typeof v}. Load a state dict saved by the same scheduler over the same optimizer.`,
        );
      }
      return v.map((x, i) => nonNegative(fn, `stateDict.${key}[${i}]`, x));
    };
    const baseLrs = list('base_lrs');
    const lastLr = list('_last_lr');
    this.loadExtraState(fn, sd);
    this.baseLrs = baseLrs;
    this.lastEpoch = lastEpoch as number;
    this.lastLr = lastLr;
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lastLr[i]!;
    });
  }

  protected loadExtraState(_fn: string, _sd: Record<string, unknown>): void {}
}

/** Cosine annealing from each base lr down to etaMin over tMax epochs (Loshchilov & Hutter, SGDR). */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: HasParamGroups, tMax: number, etaMin = 0) {
    super('CosineAnnealingLR', optimizer);
    if (typeof tMax !== 'number') throw typeError('CosineAnnealingLR', 'tMax', 'a positive integer (epochs)', tMax);
    if (!Number.isInteger(tMax) || tMax < 1) throw rangeError('CosineAnnealingLR', 'tMax', 'a positive integer (epochs)', tMax);
    this.tMax = tMax;
    this.etaMin = nonNegative('CosineAnnealingLR', 'etaMin', etaMin);
    this.step();
  }

  protected lrsAt(epoch: number): number[] {
    // Same operation order as PyTorch's _get_closed_form_lr; results agree to within one ulp
    // (V8's Math.cos and glibc's cos may round differently: 2 of the fixture's 122 values).
    const c = Math.cos((Math.PI * epoch) / this.tMax);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + c)) / 2);
  }

  protected override extraState(): Record<string, unknown> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected override loadExtraState(fn: string, sd: Record<string, unknown>): void {
    const tMax = sd['T_max'];
    if (!Number.isInteger(tMax) || (tMax as number) < 1) throw rangeError(fn, 'stateDict.T_max', 'a positive integer', tMax);
    const etaMin = nonNegative(fn, 'stateDict.eta_min', sd['eta_min']);
    this.tMax = tMax as number;
    this.etaMin = etaMin;
  }
}

/**
 * Any per-epoch schedule given as a function: lr = fn(epoch, baseLr) for each group (PyTorch's
 * LambdaLR is fn = (e, base) => base · λ(e)). The function itself is not part of the state dict.
 */
export class EpochSchedule extends LRScheduler {
  private readonly fn: ScheduleFn;

  constructor(optimizer: HasParamGroups, fn: ScheduleFn) {
    super('EpochSchedule', optimizer);
    if (typeof fn !== 'function') throw typeError('EpochSchedule', 'fn', 'a function (epoch, baseLr) => lr', fn);
    this.fn = fn;
    this.step();
  }

  protected lrsAt(epoch: number): number[] {
    return this.baseLrs.map((base) => finite('EpochSchedule.step', 'fn(epoch, baseLr)', this.fn(epoch, base)));
  }
}
