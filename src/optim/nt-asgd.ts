/**
 * NT-ASGD, the non-monotonically triggered switch from SGD to averaged SGD of the recurrent evaluation
 * (docs/reference-notes.md R3.7; `sota/rnn/train.py`, after AWD-LSTM): while the run is on SGD, after each
 * epoch's validation loss v, switch when more than `nonmono` losses are recorded and v is worse than the best
 * of all but the last `nonmono` of them; v is recorded after the test. Once on ASGD, validation uses the
 * averaged iterate `ax` in place of the parameters (`withAveragedParams`).
 */
import { noGrad, type Tensor } from '../tensor/index.js';
import { rangeError, typeError } from '../util/errors.js';
import type { ASGD } from './asgd.js';

function checkNonmono(fn: string, nonmono: number): void {
  if (!Number.isInteger(nonmono) || nonmono < 1) throw rangeError(fn, 'nonmono', 'a positive integer', nonmono);
}

/**
 * The rule at one epoch: `history` holds the validation losses of the previous epochs on SGD, `validLoss` this
 * epoch's. A NaN loss never triggers it (every comparison with NaN is false), as in the reference.
 */
export function ntAsgdShouldSwitch(history: readonly number[], validLoss: number, nonmono: number): boolean {
  const fn = 'ntAsgdShouldSwitch';
  if (!Array.isArray(history)) throw typeError(fn, 'history', 'an array of validation losses', history);
  if (typeof validLoss !== 'number') throw typeError(fn, 'validLoss', 'a number', validLoss);
  checkNonmono(fn, nonmono);
  if (history.length <= nonmono) return false;
  let best = Infinity;
  for (let i = 0; i < history.length - nonmono; i++) best = Math.min(best, history[i]!);
  return validLoss > best;
}

/** The 1-based epoch at which a run with these validation losses switches (null: never). */
export function ntAsgdSwitchEpoch(validLosses: readonly number[], nonmono: number): number | null {
  const history: number[] = [];
  for (let e = 0; e < validLosses.length; e++) {
    if (ntAsgdShouldSwitch(history, validLosses[e]!, nonmono)) return e + 1;
    history.push(validLosses[e]!);
  }
  return null;
}

/**
 * Run `fn` with every parameter that has an average replaced by it (the reference's swap of `prm.data` for
 * `optimizer.state[prm]['ax']`), then put the parameters back bitwise, also when `fn` throws.
 */
export function withAveragedParams<T>(opt: ASGD, params: readonly Tensor[], fn: () => T): T {
  const saved: [Tensor, Tensor][] = [];
  try {
    noGrad(() => {
      for (const p of params) {
        const ax = opt.ax(p);
        if (ax === null) continue;
        saved.push([p, p.clone()]);
        p.copy_(ax);
      }
    });
    return fn();
  } finally {
    noGrad(() => {
      for (const [p, copy] of saved) {
        p.copy_(copy);
        copy.dispose();
      }
    });
  }
}
