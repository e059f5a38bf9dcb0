/**
 * The recurrent search model (the reference's RNNModelSearch, docs/reference-notes.md R3.4): one RnnSearchCell and
 * the architecture logits α = 1e-3·randn(36, 5), drawn after the weights. α is a long-lived leaf with requires_grad
 * that is NOT a module parameter (not in parameters() / stateDict()). forward(x, h) mixes with softmax(α) (taken at
 * every time step, as the reference); forward(x, h, archWeights) uses the given simplex weights as-is ('weight'
 * mode: how perturbed weights enter the weight step). Search defaults: 300-d, dropout 0.75, dropouth 0.25,
 * dropoutx 0.75, dropouti 0.2, dropoute 0.
 */
import { F, keep, noGrad, randn, type Tensor } from '../../tensor/index.js';
import { castTensor, moduleTarget, type ModuleTarget } from '../../nn/index.js';
import { RNN_PRIMITIVES, deriveRnnGenotype, softmaxRows, type RnnGenotype } from '../genotype/index.js';
import { shapeError } from '../../util/errors.js';
import { RNN_EDGES, RnnSearchCell } from './rnn-search-cell.js';
import { RnnLanguageModel, type RnnDefaults, type RnnForwardOutput, type RnnLossOutput, type RnnModelSizes } from './rnn-language-model.js';

export const RNN_SEARCH_DEFAULTS: Readonly<RnnDefaults> = Object.freeze({
  size: 300,
  dropout: 0.75,
  dropouth: 0.25,
  dropoutx: 0.75,
  dropouti: 0.2,
  dropoute: 0,
});

export class RnnSearchModel extends RnnLanguageModel<RnnSearchCell> {
  /** [36, 5] architecture logits. */
  private alpha: Tensor;

  constructor(o: RnnModelSizes) {
    super('RnnSearchModel', o, RNN_SEARCH_DEFAULTS, (ninp, nhid) => new RnnSearchCell(ninp, nhid));
    this.alpha = keep(noGrad(() => randn([RNN_EDGES, RNN_PRIMITIVES.length]).mul_(1e-3)).requiresGrad_(true));
    this.cell.alphaSource = () => this.alpha;
    this.place(o);
  }

  override to(target: ModuleTarget): this {
    super.to(target);
    const { device, dtype } = moduleTarget('RnnSearchModel.to', target);
    this.alpha = castTensor(this.alpha, device, dtype);
    return this;
  }

  /** [α]: the tensor the architect optimises (replaced by to()). */
  archParameters(): Tensor[] {
    return [this.alpha];
  }

  /** [softmax(α, -1)] as new tensors: the mixing weights of the softmax mode. */
  softmaxWeights(): Tensor[] {
    return [F.softmax(this.alpha, -1)];
  }

  private checkWeights(fn: string, w: Tensor | undefined): void {
    if (w !== undefined && (w.ndim !== 2 || w.shape[0] !== RNN_EDGES || w.shape[1] !== RNN_PRIMITIVES.length)) {
      throw shapeError(fn, 'archWeights', `simplex weights [${RNN_EDGES}, ${RNN_PRIMITIVES.length}]`, w.shape);
    }
  }

  /** input [T, B] int64, hidden [1, B, nhid]; archWeights [36, 5] used as-is when given, else softmax(α). */
  forward(input: Tensor, hidden: Tensor, archWeights?: Tensor): RnnForwardOutput {
    this.checkWeights('RnnSearchModel.forward', archWeights);
    return this.run(input, hidden, archWeights);
  }

  /** The reference's _loss: NLL (mean over T·B) of forward(x, hidden[, archWeights]) against y ([T, B] or flat). */
  loss(hidden: Tensor, x: Tensor, y: Tensor, archWeights?: Tensor): RnnLossOutput {
    this.checkWeights('RnnSearchModel.loss', archWeights);
    return this.runLoss(hidden, x, y, archWeights);
  }

  /** The recurrent genotype of softmax(α) (never of perturbed values); concat 1..8. */
  genotype(): RnnGenotype {
    return deriveRnnGenotype(softmaxRows(this.alpha.toRows()));
  }

  override dispose(): void {
    super.dispose();
    this.alpha.dispose();
  }
}
