/** The tensor layer's public surface. Importing it installs the Tensor methods. */
import './tensor-ops.js';

export { Tensor, type TypedArray, type NestedArray } from './tensor.js';
export { tidy, keep, memory, scopeDepth } from './scope.js';
export type { DType } from './dtype.js';
export { DTYPES, isFloating } from './dtype.js';
export type { Device } from './device.js';
export { normalizeDevice } from './device.js';
export * from './creation.js';
export * as F from './functional.js';
export { grad, noGrad, enableGrad, isGradEnabled, zeroGrad, type GradOptions } from './autograd.js';
export {
  foreachAdd,
  foreachAdd_,
  foreachAddScalar_,
  foreachSub,
  foreachSub_,
  foreachMul,
  foreachMulList,
  foreachMul_,
  foreachNorm,
  foreachCopy_,
  foreachClone,
} from './foreach.js';
export { countOps, type OpCounts, type CountOpsOptions } from './op-counter.js';
export { manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, cuda, buildInfo } from './runtime.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, type NamedTensors } from './safetensors.js';
export { native as nativeAddon } from './native.js';
