/**
 * CosineAnnealingLR against torch 2.13's `_get_closed_form_lr` over 60 epochs (past T_max = 50),
 * EpochSchedule against its own formula, resume via the scheduler state dict, and bad arguments.
 */
import { describe, expect, it } from 'vitest';
import { SdartsError, keep, zeros, type Tensor } from '../../src/index.js';
import { CosineAnnealingLR, EpochSchedule, SGD } from '../../src/optim/index.js';
import { expectParity } from '../helpers/tolerance.js';
import { expectError } from './expect-error.js';
import { fixture } from './replay.js';

const { baseLrs, tMax, etaMin, closedForm, recursive, stateDictKeys } = fixture.cosine;
// The learning rates are doubles computed on the host, as in PyTorch (no tensor kernels involved):
// compared per epoch at the float64 algorithmic-parity bound (relative to the largest rate).

function twoGroupSgd(): { opt: SGD; params: Tensor[] } {
  const params = [keep(zeros([1]).requiresGrad_(true)), keep(zeros([1]).requiresGrad_(true))];
  return {
    opt: new SGD(
      [
        { params: [params[0]!], lr: baseLrs[0] },
        { params: [params[1]!], lr: baseLrs[1] },
      ],
      { lr: 0.5 },
    ),
    params,
  };
}

describe('CosineAnnealingLR', () => {
  it("matches torch's closed form at every epoch 0..60 and writes it into each group", () => {
    const { opt, params } = twoGroupSgd();
    const sched = new CosineAnnealingLR(opt, tMax, etaMin);
    for (let epoch = 0; epoch <= 60; epoch++) {
      if (epoch > 0) sched.step();
      expect(sched.lastEpoch).toBe(epoch);
      expectParity(sched.getLastLr(), closedForm[epoch]!, `epoch ${epoch}`);
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(sched.getLastLr());
    }
    // At T_max the lr is eta_min (the formula's minimum): cos(π) = -1.
    expectParity(closedForm[tMax]![0]!, etaMin, 'lr at T_max');
    params.forEach((p) => p.dispose());
  });

  it("differs from torch's recursive get_lr only by rounding (the documented reason for the closed form)", () => {
    let worst = 0;
    closedForm.forEach((lrs, e) => {
      worst = Math.max(worst, expectParity(recursive[e]!, lrs, `recursive vs closed form, epoch ${e}`));
    });
    expect(worst).toBeGreaterThan(0);
  });

  it('resumes from its state dict (JSON) with the same schedule; keys are PyTorch attribute names', () => {
    const { opt, params } = twoGroupSgd();
    const sched = new CosineAnnealingLR(opt, tMax, etaMin);
    for (let e = 0; e < 17; e++) sched.step();
    const saved = JSON.parse(JSON.stringify(sched.stateDict()));
    for (const key of Object.keys(saved)) expect(stateDictKeys).toContain(key);

    const other = twoGroupSgd();
    const resumed = new CosineAnnealingLR(other.opt, 3, 0); // different settings, replaced by the load
    resumed.loadStateDict(saved);
    expect(other.opt.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
    for (let e = 18; e <= 40; e++) {
      sched.step();
      resumed.step();
      expect(resumed.getLastLr()).toEqual(sched.getLastLr());
      expectParity(resumed.getLastLr(), closedForm[e]!, `resumed epoch ${e}`);
    }
    [...params, ...other.params].forEach((p) => p.dispose());
  });

  it('step(epoch) jumps to an epoch, as PyTorch does with the closed form', () => {
    const { opt, params } = twoGroupSgd();
    const sched = new CosineAnnealingLR(opt, tMax, etaMin);
    sched.step(33);
    expect(sched.lastEpoch).toBe(33);
    expectParity(sched.getLastLr(), closedForm[33]!, 'epoch 33');
    params.forEach((p) => p.dispose());
  });

  it('rejects bad arguments with the class, code and message', () => {
    const { opt, params } = twoGroupSgd();
    expectError(
      () => new CosineAnnealingLR(opt, 0),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a positive integer (epochs) for 'tMax' in CosineAnnealingLR() but received 0 (number)",
    );
    expectError(
      () => new CosineAnnealingLR(opt, '50' as unknown as number),
      TypeError,
      'ERR_SDARTS_INVALID_ARG_TYPE',
      `Expected a positive integer (epochs) for 'tMax' in CosineAnnealingLR() but received "50" (string)`,
    );
    expectError(
      () => new CosineAnnealingLR(opt, 50, -1e-3),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a non-negative finite number for 'etaMin' in CosineAnnealingLR() but received -0.001 (number)",
    );
    expectError(
      () => new CosineAnnealingLR({} as SGD, 50),
      TypeError,
      'ERR_SDARTS_INVALID_ARG_TYPE',
      "Expected an optimizer (an object with paramGroups) for 'optimizer' in CosineAnnealingLR() but received Object object",
    );
    const sched = new CosineAnnealingLR(opt, 50);
    expectError(
      () => sched.step(-2),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a non-negative integer for 'epoch' in CosineAnnealingLR.step() but received -2 (number)",
    );
    expectError(
      () => sched.loadStateDict({ last_epoch: 3, base_lrs: [0.1], _last_lr: [0.1], T_max: 50, eta_min: 0 }),
      SdartsError,
      'ERR_SDARTS_OPTIM_STATE_DICT',
      'CosineAnnealingLR.loadStateDict(): stateDict.base_lrs should list one learning rate per parameter group (2) but is an array of length 1. Load a state dict saved by the same scheduler over the same optimizer.',
    );
    params.forEach((p) => p.dispose());
  });
});

describe('EpochSchedule', () => {
  it('sets lr = fn(epoch, baseLr) per group: a step decay (×0.97 per epoch, DARTS eval style)', () => {
    const { opt, params } = twoGroupSgd();
    const sched = new EpochSchedule(opt, (epoch, base) => base * 0.97 ** epoch);
    for (let epoch = 0; epoch <= 10; epoch++) {
      if (epoch > 0) sched.step();
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(baseLrs.map((b) => b * 0.97 ** epoch));
    }
    params.forEach((p) => p.dispose());
  });

  it('rejects a non-function and a schedule that yields a negative or non-finite lr', () => {
    const { opt, params } = twoGroupSgd();
    expectError(
      () => new EpochSchedule(opt, 0.1 as unknown as () => number),
      TypeError,
      'ERR_SDARTS_INVALID_ARG_TYPE',
      "Expected a function (epoch, baseLr) => lr for 'fn' in EpochSchedule() but received 0.1 (number)",
    );
    expectError(
      () => new EpochSchedule(opt, () => NaN),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a finite number for 'fn(epoch, baseLr)' in EpochSchedule.step() but received NaN (number)",
    );
    const sched = new EpochSchedule(opt, (e) => 0.1 - e * 0.06);
    sched.step();
    expectError(
      () => sched.step(),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a non-negative finite number for 'lr of group 0 at epoch 2' in EpochSchedule.step() but received -0.01999999999999999 (number)",
    );
    expect(sched.lastEpoch).toBe(1); // the failed step changed nothing
    params.forEach((p) => p.dispose());
  });
});
