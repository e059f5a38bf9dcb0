/** NAS-Bench-1Shot1 one-shot search model (spaces 1, 2, 3): ops, choice block, cell, network, α hand-off. */
// The primitive list is the benchmark's (one definition, src/benchmark/one-shot-spaces.ts), under this namespace's name.
export { ONE_SHOT_PRIMITIVES as ONESHOT_PRIMITIVES, type OneShotPrimitive } from '../../benchmark/one-shot-spaces.js';
export { ONESHOT_OPS, BN_MOMENTUM, BN_EPSILON, ConvBnRelu, OneShotMixedOp } from './oneshot-ops.js';
export { ChoiceBlock } from './choice-block.js';
export { OneShotCell } from './oneshot-cell.js';
export { OneShotNetwork, type OneShotNetworkConfig } from './oneshot-network.js';
export { ONESHOT_SPACES, getOneShotSpace, archShapes, type OneShotSpace, type OneShotSpaceId } from './oneshot-spaces.js';
export { oneShotAlphas } from './oneshot-alphas.js';
