/**
 * Bad optimizer arguments give one clear error each (class, code and full message asserted):
 * hyperparameters out of range, wrong parameter lists, and hyperparameters broken after construction.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SdartsError, keep, tensor, zeros, type Tensor } from '../../src/index.js';
import { ASGD, Adam, SGD } from '../../src/optim/index.js';
import { expectError } from './expect-error.js';

const w = keep(zeros([2, 2]).requiresGrad_(true));
const b = keep(zeros([2]).requiresGrad_(true));
afterAll(() => {
  w.dispose();
  b.dispose();
});

const T_ = TypeError,
  R_ = RangeError;
const TYPE = 'ERR_SDARTS_INVALID_ARG_TYPE',
  RANGE = 'ERR_SDARTS_OUT_OF_RANGE';

describe('optimizer constructors reject bad hyperparameters', () => {
  const cases: [string, () => unknown, typeof TypeError | typeof SdartsError, string, string][] = [
    ['SGD negative lr', () => new SGD([w], { lr: -0.1 }), R_, RANGE, "Expected a non-negative finite number for 'lr' in SGD() but received -0.1 (number)"],
    ['SGD NaN lr', () => new SGD([w], { lr: NaN }), R_, RANGE, "Expected a non-negative finite number for 'lr' in SGD() but received NaN (number)"],
    [
      'SGD string momentum',
      () => new SGD([w], { momentum: '0.9' as unknown as number }),
      T_,
      TYPE,
      `Expected a non-negative finite number for 'momentum' in SGD() but received "0.9" (string)`,
    ],
    [
      'SGD negative weight decay',
      () => new SGD([w], { weightDecay: -1e-4 }),
      R_,
      RANGE,
      "Expected a non-negative finite number for 'weightDecay' in SGD() but received -0.0001 (number)",
    ],
    [
      'SGD nesterov without momentum',
      () => new SGD([w], { nesterov: true }),
      R_,
      RANGE,
      "Expected false unless momentum > 0 and dampening = 0 (Nesterov momentum; got momentum=0, dampening=0) for 'nesterov' in SGD() but received true (boolean)",
    ],
    [
      'SGD nesterov with dampening',
      () => new SGD([w], { momentum: 0.9, dampening: 0.1, nesterov: true }),
      R_,
      RANGE,
      "Expected false unless momentum > 0 and dampening = 0 (Nesterov momentum; got momentum=0.9, dampening=0.1) for 'nesterov' in SGD() but received true (boolean)",
    ],
    [
      'SGD misspelt option',
      () => new SGD([w], { weight_decay: 1e-4 } as never),
      T_,
      TYPE,
      `Expected one of the options lr, momentum, dampening, weightDecay, nesterov for 'options.weight_decay' in SGD() but received "weight_decay" (string)`,
    ],
    ['Adam beta1 = 1', () => new Adam([w], { betas: [1, 0.999] }), R_, RANGE, "Expected a number in [0, 1) for 'betas[0]' in Adam() but received 1 (number)"],
    [
      'Adam negative beta2',
      () => new Adam([w], { betas: [0.9, -0.5] }),
      R_,
      RANGE,
      "Expected a number in [0, 1) for 'betas[1]' in Adam() but received -0.5 (number)",
    ],
    [
      'Adam betas not a pair',
      () => new Adam([w], { betas: [0.9] as unknown as [number, number] }),
      T_,
      TYPE,
      "Expected an array [beta1, beta2] of two numbers in [0, 1) for 'betas' in Adam() but received array of length 1",
    ],
    [
      'Adam negative eps',
      () => new Adam([w], { eps: -1e-8 }),
      R_,
      RANGE,
      "Expected a non-negative finite number for 'eps' in Adam() but received -1e-8 (number)",
    ],
    [
      'Adam amsgrad not boolean',
      () => new Adam([w], { amsgrad: 1 as unknown as boolean }),
      T_,
      TYPE,
      "Expected a boolean for 'amsgrad' in Adam() but received 1 (number)",
    ],
    [
      'ASGD negative lambd',
      () => new ASGD([w], { lambd: -1 }),
      R_,
      RANGE,
      "Expected a non-negative finite number for 'lambd' in ASGD() but received -1 (number)",
    ],
    [
      'ASGD infinite alpha',
      () => new ASGD([w], { alpha: Infinity }),
      R_,
      RANGE,
      "Expected a finite number for 'alpha' in ASGD() but received Infinity (number)",
    ],
    [
      'a group override out of range',
      () => new SGD([{ params: [w] }, { params: [b], lr: -1 }], { lr: 0.1 }),
      R_,
      RANGE,
      "Expected a non-negative finite number for 'params[1].lr' in SGD() but received -1 (number)",
    ],
    ['options not an object', () => new Adam([w], 0.01 as never), T_, TYPE, "Expected a plain object for 'options' in Adam() but received 0.01 (number)"],
  ];
  it.each(cases)('%s', (_label, fn, cls, code, message) => expectError(fn, cls, code, message));
});

describe('optimizer constructors reject bad parameter lists', () => {
  const intParam = tensor([1, 2], { dtype: 'int64' });
  const nonLeaf = w.mul(2);
  const disposed = zeros([1]);
  disposed.dispose();
  afterAll(() => {
    intParam.dispose();
    nonLeaf.dispose();
  });
  const cases: [string, () => unknown, typeof TypeError | typeof SdartsError, string, string][] = [
    [
      'empty list',
      () => new SGD([], { lr: 0.1 }),
      SdartsError,
      'ERR_SDARTS_OPTIM_EMPTY_PARAMS',
      "SGD() got an empty parameter list. Pass the model's parameters (e.g. model.parameters()) or at least one group { params: [...] }.",
    ],
    [
      'not an array',
      () => new Adam(w as unknown as Tensor[]),
      T_,
      TYPE,
      "Expected an array of Tensors or of parameter groups { params, ...options } for 'params' in Adam() but received Tensor object",
    ],
    ['a number among tensors', () => new SGD([w, 3 as unknown as Tensor]), T_, TYPE, "Expected a Tensor for 'params[1]' in SGD() but received 3 (number)"],
    [
      'a group without params',
      () => new SGD([{ lr: 0.1 } as never]),
      T_,
      TYPE,
      "Expected an array of Tensors for 'params[0].params' in SGD() but received undefined",
    ],
    [
      'a group with an empty params array',
      () => new SGD([{ params: [w] }, { params: [] }]),
      SdartsError,
      'ERR_SDARTS_OPTIM_EMPTY_PARAMS',
      "SGD(): parameter group 'params[1]' has an empty params array. Remove the group or give it at least one tensor.",
    ],
    [
      'a parameter in two groups',
      () => new SGD([{ params: [w, b] }, { params: [w] }]),
      SdartsError,
      'ERR_SDARTS_OPTIM_DUPLICATE_PARAM',
      "SGD(): 'params[1].params[0]' appears more than once across the parameter groups. Each parameter must be in exactly one group.",
    ],
    [
      'an integer tensor',
      () => new Adam([intParam]),
      T_,
      TYPE,
      "Expected a floating-point Tensor for 'params[0]' in Adam() but received a Tensor of dtype int64",
    ],
    [
      'a non-leaf tensor',
      () => new ASGD([nonLeaf]),
      SdartsError,
      'ERR_SDARTS_OPTIM_NON_LEAF',
      "ASGD(): 'params[0]' is not a leaf tensor (it was computed from other tensors), so it cannot be optimized. Pass the parameter itself, or detach() it and set requiresGrad.",
    ],
    [
      'a disposed tensor',
      () => new SGD([disposed]),
      SdartsError,
      'ERR_SDARTS_OPTIM_DISPOSED_PARAM',
      "SGD(): 'params[0]' is a disposed tensor. Pass the model's live parameters (keep() them, or create them outside tidy()).",
    ],
  ];
  it.each(cases)('%s', (_label, fn, cls, code, message) => expectError(fn, cls, code, message));
});

describe('hyperparameters edited after construction are checked at step()', () => {
  it('a negative lr set on a group fails the next step without touching the parameters', () => {
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    w.grad = zeros([2, 2]).add_(1);
    opt.paramGroups[0]!.lr = -0.5;
    expectError(() => opt.step(), RangeError, RANGE, "Expected a non-negative finite number for 'paramGroups[0].lr' in SGD.step() but received -0.5 (number)");
    expect(w.toArray()).toEqual([0, 0, 0, 0]);
    expect(opt.momentumBuffer(w)).toBeNull();
    opt.paramGroups[0]!.lr = 0.5;
    opt.step();
    expect(w.toArray()).toEqual([-0.5, -0.5, -0.5, -0.5]);
    w.grad = null;
    opt.dispose();
    w.detach().zero_();
  });

  it('addParamGroup applies the defaults and refuses a parameter already present', () => {
    const opt = new Adam([w], { lr: 0.01, betas: [0.8, 0.9] });
    opt.addParamGroup({ params: [b], eps: 1e-3 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0, amsgrad: false });
    expect(opt.paramGroups[1]!.betas).not.toBe(opt.paramGroups[0]!.betas); // groups never share an array
    expectError(
      () => opt.addParamGroup({ params: [w] }),
      SdartsError,
      'ERR_SDARTS_OPTIM_DUPLICATE_PARAM',
      "Adam.addParamGroup(): 'group.params[0]' appears more than once across the parameter groups. Each parameter must be in exactly one group.",
    );
  });
});
