/** NAS-Bench-1Shot1 one-shot search model (spaces 1, 2, 3): ops, choice block, cell, network, α hand-off. */
export { ONESHOT_PRIMITIVES, ONESHOT_OPS, BN_MOMENTUM, BN_EPSILON, ConvBnRelu, OneShotMixedOp, type OneShotPrimitive } from './oneshot-ops.js';
export { ChoiceBlock } from './choice-block.js';
export { OneShotCell } from './oneshot-cell.js';
export { OneShotNetwork, type OneShotNetworkConfig } from './oneshot-network.js';
export { ONESHOT_SPACES, getOneShotSpace, archShapes, type OneShotSpace, type OneShotSpaceId } from './oneshot-spaces.js';
export { oneShotAlphas } from './oneshot-alphas.js';
