/** The recurrent (PTB) search space: dropout masks, evaluation and search cells, the tied-embedding language models. */
export { drawRnnMasks, variationalMask2d, type RnnDropouts, type RnnMasks, type RnnMaskShape, type RnnMaskSource } from './rnn-masks.js';
export { RNN_INIT_RANGE, RnnCellBase, rnnActivation, type CellMasks } from './rnn-cell-base.js';
export { RnnCell } from './rnn-cell.js';
export { RNN_EDGES, RnnSearchCell } from './rnn-search-cell.js';
export { TiedDecoder } from './tied-decoder.js';
export { RnnLanguageModel, type RnnDefaults, type RnnForwardOutput, type RnnLossOutput, type RnnModelSizes } from './rnn-language-model.js';
export { RnnModel, RNN_EVAL_DEFAULTS, type RnnModelOptions } from './rnn-model.js';
export { RnnSearchModel, RNN_SEARCH_DEFAULTS } from './rnn-search-model.js';
