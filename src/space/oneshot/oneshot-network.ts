/**
 * The NAS-Bench-1Shot1 one-shot search network (`optimizers/darts/model_search.Network`, docs/reference-notes.md R4.2):
 * stem ConvBnRelu(in → C), `layers` cells (channels double and the running tensor is max-pooled
 * before cells ⌊layers/3⌋ and ⌊2·layers/3⌋), postprocess ReLUConvBN(C·steps → C, 1×1, affine False),
 * spatial mean, linear classifier.
 *
 * Architecture logits α, all 1e-3·N(0,1), long-lived leaves that are NOT module parameters, in the
 * reference's order: `alphas_mixed_op` [steps, 3], `alphas_output` [1, steps+1], `alphas_inputs`
 * (one [1, b+1] per weighted block b). forward(x) mixes with softmax over the last dim of each;
 * forward(x, archWeights) uses the given (raw / perturbed simplex) tensors for all three groups
 * (the reference's `updateType='weight'`).
 *
 * It satisfies the search layer's `Supernet` interface structurally (no import upward from space/).
 */
import { F, Tensor, keep, noGrad, randn, tidy, type Device } from '../../tensor/index.js';
import { BatchCounter, Linear, Module, ModuleList, castTensor, moduleTarget, type ModuleTarget } from '../../nn/index.js';
import { ReLUConvBN } from '../operations.js';
import { rangeError, typeError } from '../../util/errors.js';
import { ConvBnRelu } from './oneshot-ops.js';
import { OneShotCell } from './oneshot-cell.js';
import { kernelMode, type KernelMode } from '../kernel-mode.js';
import { withFoldedBatchNorm } from '../folded-batch-norm.js';
import { archShapes, getOneShotSpace, type OneShotSpace, type OneShotSpaceId } from './oneshot-spaces.js';

export interface OneShotNetworkConfig {
  space: OneShotSpaceId | OneShotSpace;
  C?: number;
  numClasses?: number;
  layers?: number;
  inChannels?: number;
  device?: Device;
  /** 'fused' (default) or 'reference': the kernels of the mixing (src/space/kernel-mode.ts). */
  kernels?: KernelMode;
}

export class OneShotNetwork extends Module {
  readonly space: OneShotSpace;
  readonly C: number;
  readonly numClasses: number;
  readonly layers: number;
  readonly inChannels: number;
  readonly kernels: KernelMode;
  readonly stem: ConvBnRelu;
  readonly cells: ModuleList<OneShotCell>;
  readonly postprocess: ReLUConvBN;
  readonly classifier: Linear;
  /** Leaves with requires_grad, not in parameters()/stateDict(). */
  readonly alphas: { mixedOp: Tensor; output: Tensor; inputs: Tensor[] };
  /** 'fused': every BN's num_batches_tracked counted in one call per train-mode forward (src/nn/batch-counter.ts). */
  private readonly batchCounter: BatchCounter | null;

  constructor(cfg: OneShotNetworkConfig) {
    super();
    if (cfg === null || typeof cfg !== 'object') throw typeError('OneShotNetwork', 'cfg', '{ space: 1 | 2 | 3, … }', cfg);
    this.space = typeof cfg.space === 'object' && cfg.space !== null ? cfg.space : getOneShotSpace(cfg.space, 'OneShotNetwork');
    const C = (this.C = cfg.C ?? 16);
    this.numClasses = cfg.numClasses ?? 10;
    const layers = (this.layers = cfg.layers ?? 9);
    this.inChannels = cfg.inChannels ?? 3;
    this.kernels = kernelMode('OneShotNetwork', cfg.kernels);
    for (const [n, v] of [
      ['C', C],
      ['numClasses', this.numClasses],
      ['layers', layers],
      ['inChannels', this.inChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw rangeError('OneShotNetwork', n, 'a positive integer', v);
    }
    const steps = this.space.steps;

    let cCurr = C;
    this.stem = this.registerModule('stem', new ConvBnRelu(this.inChannels, cCurr, 3, 1, 1));
    this.cells = this.registerModule('cells', new ModuleList<OneShotCell>());
    let cPrev = cCurr;
    for (let i = 0; i < layers; i++) {
      if (this.downsamplesBefore(i)) cCurr *= 2;
      // Cell 0 reads the stem (C channels); later cells read the previous cell's C_prev·steps output.
      this.cells.append(new OneShotCell(this.space, i === 0 ? cPrev : cPrev * steps, cCurr, this.kernels));
      cPrev = cCurr;
    }
    this.postprocess = this.registerModule('postprocess', new ReLUConvBN(cPrev * steps, cCurr, 1, 1, 0, false));
    this.classifier = this.registerModule('classifier', new Linear(cPrev, this.numClasses));
    // α last and in this order, as the reference's _initialize_alphas: same seed ⇒ same draws as PyTorch.
    const [mixed, output, ...inputs] = archShapes(this.space).map((s) => keep(noGrad(() => randn(s).mul_(1e-3)).requiresGrad_(true)));
    this.alphas = { mixedOp: mixed!, output: output!, inputs };
    this.batchCounter = this.kernels === 'fused' ? new BatchCounter(this) : null;
    if (cfg.device && cfg.device !== 'cpu') this.to(cfg.device);
  }

  /** Cells ⌊layers/3⌋ and ⌊2·layers/3⌋ start a new stage (3 and 6 for 9 cells). */
  downsamplesBefore(i: number): boolean {
    return i === Math.floor(this.layers / 3) || i === Math.floor((2 * this.layers) / 3);
  }

  override to(target: ModuleTarget): this {
    super.to(target);
    const { device, dtype } = moduleTarget('OneShotNetwork.to', target);
    const move = (a: Tensor): Tensor => castTensor(a, device, dtype);
    const al = this.alphas as { mixedOp: Tensor; output: Tensor; inputs: Tensor[] };
    al.mixedOp = move(al.mixedOp);
    al.output = move(al.output);
    al.inputs = al.inputs.map(move);
    return this;
  }

  /** [alphas_mixed_op, alphas_output, ...alphas_inputs] — the reference's `arch_parameters()` order. */
  archParameters(): Tensor[] {
    return [this.alphas.mixedOp, this.alphas.output, ...this.alphas.inputs];
  }

  /**
   * Runs `fn` (in eval mode) with the weights and BN statistics held fixed: the 'fused' kernels fold every
   * conv → BN pair into one convolution for its duration (src/space/folded-batch-norm.ts; no weight gradient
   * flows inside); the 'reference' kernels run `fn` as it is.
   */
  withFrozenWeights<T>(fn: () => T): T {
    return this.kernels === 'reference' ? fn() : withFoldedBatchNorm(this, fn);
  }

  /** softmax over the last dim of every α tensor: the mixing weights of the 'alpha' forward mode. */
  softmaxWeights(): Tensor[] {
    return this.archParameters().map((a) => F.softmax(a, -1));
  }

  forward(x: Tensor, archWeights?: Tensor[]): Tensor {
    const w = archWeights ?? this.softmaxWeights();
    if (archWeights !== undefined) this.checkArchWeights(archWeights);
    if (this.training) this.batchCounter?.count();
    let s = this.stem.forward(x);
    let i = 0;
    for (const cell of this.cells) {
      // The reference pools with padding 1 (32 → 17 → 9), not NAS-Bench-101's 32 → 16 → 8 (docs/reference-notes.md R7 Q13).
      if (this.downsamplesBefore(i)) s = F.maxPool2d(s, 2, { stride: 2, padding: 1 });
      const input = s;
      // A scope per cell: its intermediates that autograd does not keep are freed when it ends (exact).
      s = tidy(() => cell.forward(input, w[0]!, w[1]!, w.slice(2)));
      i++;
    }
    s = this.postprocess.forward(s);
    // Global average pool as the reference writes it: mean over the flattened spatial positions.
    return this.classifier.forward(s.flatten(2).mean(-1));
  }

  private checkArchWeights(w: unknown): void {
    const shapes = archShapes(this.space);
    const expected = `${shapes.length} tensors shaped ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')} (search space ${this.space.id})`;
    if (!Array.isArray(w)) throw typeError('OneShotNetwork.forward', 'archWeights', expected, w);
    if (w.length !== shapes.length) throw rangeError('OneShotNetwork.forward', 'archWeights', expected, `${w.length} tensor(s)`);
    w.forEach((t: unknown, k) => {
      const want = shapes[k]!;
      if (!(t instanceof Tensor)) throw typeError('OneShotNetwork.forward', `archWeights[${k}]`, `a Tensor shaped [${want.join(', ')}]`, t);
      const ok = t.shape.length === want.length && t.shape.every((d, j) => d === want[j]);
      if (!ok) throw rangeError('OneShotNetwork.forward', `archWeights[${k}]`, `a tensor shaped [${want.join(', ')}]`, `shape [${t.shape.join(', ')}]`);
    });
  }

  override dispose(): void {
    super.dispose();
    for (const a of this.archParameters()) a.dispose();
  }
}
