/**
 * The evaluation language model (docs/reference-notes.md R3.3, R3.7): one RnnCell of a given genotype, tied
 * embedding. Defaults are the evaluation's: 850-d, dropout 0.75, dropouth 0.25, dropoutx 0.75, dropouti 0.2,
 * dropoute 0.1.
 */
import type { Tensor } from '../../tensor/index.js';
import { validateRnnGenotype, type RnnGenotype } from '../genotype/index.js';
import { RnnCell } from './rnn-cell.js';
import { RnnLanguageModel, type RnnDefaults, type RnnForwardOutput, type RnnLossOutput, type RnnModelSizes } from './rnn-language-model.js';

export const RNN_EVAL_DEFAULTS: Readonly<RnnDefaults> = Object.freeze({
  size: 850,
  dropout: 0.75,
  dropouth: 0.25,
  dropoutx: 0.75,
  dropouti: 0.2,
  dropoute: 0.1,
});

export interface RnnModelOptions extends RnnModelSizes {
  genotype: RnnGenotype;
}

export class RnnModel extends RnnLanguageModel<RnnCell> {
  readonly genotype: RnnGenotype;

  constructor(o: RnnModelOptions) {
    const genotype = validateRnnGenotype(o?.genotype, 'RnnModel');
    super('RnnModel', o, RNN_EVAL_DEFAULTS, (ninp, nhid) => new RnnCell(ninp, nhid, genotype));
    this.genotype = genotype;
    this.place(o);
  }

  /** input [T, B] int64, hidden [1, B, nhid]. Training mode draws (or takes from the mask source) the dropout masks. */
  forward(input: Tensor, hidden: Tensor): RnnForwardOutput {
    return this.run(input, hidden);
  }

  loss(hidden: Tensor, x: Tensor, y: Tensor): RnnLossOutput {
    return this.runLoss(hidden, x, y);
  }
}
