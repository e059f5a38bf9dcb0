/**
 * The decoder of the recurrent language model: Linear(ninp, ntoken) whose weight is the embedding's (tied, the
 * reference's `decoder.weight = encoder.weight`, docs/reference-notes.md R3.3). Only the bias is its own parameter,
 * so parameters() and numParameters() count the shared weight once; the model's state dict lists it under both
 * names, as PyTorch's does. Construction draws what nn.Linear's default init draws (kaiming-uniform weight,
 * uniform bias), which the reference then overwrites: the draws move the generator.
 */
import { F, empty, type Tensor } from '../../tensor/index.js';
import { Module, resetLinearLike, type Embedding } from '../../nn/index.js';

export class TiedDecoder extends Module {
  readonly encoder: Embedding;

  constructor(encoder: Embedding) {
    super();
    this.encoder = encoder;
    const { numEmbeddings: ntoken, embeddingDim: ninp } = encoder;
    const w = empty([ntoken, ninp]);
    const b = this.registerParameter('bias', empty([ntoken]));
    resetLinearLike(w, b);
    w.dispose();
  }

  /** The tied weight [ntoken, ninp] (the embedding's, read at call time). */
  get weight(): Tensor {
    return this.encoder.getParameter('weight')!;
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.getParameter('bias'));
  }
}
