/** Optimizers, learning-rate schedules and gradient clipping (PyTorch semantics, camelCase names). */
export {
  Optimizer,
  type OptimizerStateDict,
  type OptimizerSpec,
  type HyperSpec,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsArg,
  type ParamState,
  type StateValue,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { ASGD, type ASGDOptions } from './asgd.js';
export { LRScheduler, CosineAnnealingLR, EpochSchedule, type ScheduleFn, type SchedulerStateDict, type HasParamGroups } from './lr-scheduler.js';
export { clipGradNorm_, type ClipGradNormOptions } from './clip-grad-norm.js';
