/**
 * The DARTS search network (`model_search.Network`): stem 3C, `layers` cells with reductions at ⅓ and
 * ⅔ depth, 4 nodes per cell, concat of the last 4, global average pool + linear. The architecture
 * logits α (normal and reduce, 1e-3·N(0,1)) are long-lived leaves that are NOT module parameters.
 *
 * forward(x) mixes with softmax(α); forward(x, archWeights) mixes with the given simplex weights
 * (the reference's `updateType='weight'`), which is how perturbed weights enter the weight step.
 */
import { F, keep, noGrad, randn, tidy, type Device, type Tensor } from '../tensor/index.js';
import {
  AdaptiveAvgPool2d,
  BatchCounter,
  BatchNorm2d,
  Conv2d,
  Layer,
  Linear,
  Module,
  ModuleList,
  Sequential,
  castTensor,
  moduleTarget,
  type ModuleTarget,
} from '../nn/index.js';
import { SearchCell } from './search-cell.js';
import { withFoldedBatchNorm } from './folded-batch-norm.js';
import { getSpace, NUM_EDGES, type SearchSpace, type SpaceName } from './spaces.js';
import { deriveGenotype, softmaxRows, type Genotype } from './genotype/index.js';
import { rangeError } from '../util/errors.js';
import { kernelMode, type KernelMode } from './kernel-mode.js';

export interface SearchNetworkConfig {
  space: SpaceName | SearchSpace;
  C?: number;
  numClasses?: number;
  layers?: number;
  inChannels?: number;
  steps?: number;
  multiplier?: number;
  stemMultiplier?: number;
  device?: Device;
  /** 'fused' (default) or 'reference': the kernels of the mixing (src/space/kernel-mode.ts). */
  kernels?: KernelMode;
}

/** Simplex weights aligned with archParameters(): [normal, reduce], rows summing to 1. */
export type ArchWeights = Tensor[];

export class SearchNetwork extends Module {
  readonly space: SearchSpace;
  readonly C: number;
  readonly numClasses: number;
  readonly layers: number;
  readonly inChannels: number;
  readonly kernels: KernelMode;
  readonly stem: Sequential;
  readonly cells: ModuleList<SearchCell>;
  readonly globalPooling: Layer;
  readonly classifier: Linear;
  /** Architecture logits [14, numOps]: leaves with requires_grad, not in parameters()/stateDict(). */
  readonly alphas: { normal: Tensor; reduce: Tensor };
  /** 'fused': every BN's num_batches_tracked counted in one call per train-mode forward (src/nn/batch-counter.ts). */
  private readonly batchCounter: BatchCounter | null;

  constructor(cfg: SearchNetworkConfig) {
    super();
    this.space = typeof cfg.space === 'string' ? getSpace(cfg.space) : cfg.space;
    const C = (this.C = cfg.C ?? 16);
    this.numClasses = cfg.numClasses ?? 10;
    const layers = (this.layers = cfg.layers ?? 8);
    this.inChannels = cfg.inChannels ?? 3;
    const kernels = (this.kernels = kernelMode('SearchNetwork', cfg.kernels));
    const steps = cfg.steps ?? 4,
      multiplier = cfg.multiplier ?? 4,
      stemMult = cfg.stemMultiplier ?? 3;
    for (const [n, v, min] of [
      ['C', C, 2],
      ['numClasses', this.numClasses, 1],
      ['layers', layers, 1],
      ['inChannels', this.inChannels, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min) throw rangeError('SearchNetwork', n, `an integer >= ${min}`, v);
    }
    if (C % 2) throw rangeError('SearchNetwork', 'C', 'an even integer (FactorizedReduce halves channels)', C);

    let cCurr = stemMult * C;
    this.stem = this.registerModule('stem', new Sequential(new Conv2d(this.inChannels, cCurr, 3, { padding: 1, bias: false }), new BatchNorm2d(cCurr)));
    let cPP = cCurr,
      cP = cCurr;
    cCurr = C;
    this.cells = this.registerModule('cells', new ModuleList<SearchCell>());
    let reductionPrev = false;
    for (let i = 0; i < layers; i++) {
      const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
      if (reduction) cCurr *= 2;
      this.cells.append(
        new SearchCell({ steps, multiplier, cPP, cP, C: cCurr, reduction, reductionPrev, edges: reduction ? this.space.reduce : this.space.normal, kernels }),
      );
      reductionPrev = reduction;
      [cPP, cP] = [cP, multiplier * cCurr];
    }
    this.globalPooling = this.registerModule('global_pooling', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new Linear(cP, this.numClasses));
    // α last, as the reference's _initialize_alphas: same seed ⇒ same draws as PyTorch.
    const nOps = this.space.normal[0]!.length;
    const mk = (): Tensor => keep(noGrad(() => randn([NUM_EDGES, nOps]).mul_(1e-3)).requiresGrad_(true));
    this.alphas = { normal: mk(), reduce: mk() };
    this.batchCounter = kernels === 'fused' ? new BatchCounter(this) : null;
    if (cfg.device && cfg.device !== 'cpu') this.to(cfg.device);
  }

  override to(target: ModuleTarget): this {
    super.to(target);
    const { device, dtype } = moduleTarget('SearchNetwork.to', target);
    const al = this.alphas as { normal: Tensor; reduce: Tensor };
    al.normal = castTensor(al.normal, device, dtype);
    al.reduce = castTensor(al.reduce, device, dtype);
    return this;
  }

  archParameters(): Tensor[] {
    return [this.alphas.normal, this.alphas.reduce];
  }

  /** softmax(α) per row: the mixing weights of the 'alpha' forward mode. */
  softmaxWeights(): ArchWeights {
    return [F.softmax(this.alphas.normal, -1), F.softmax(this.alphas.reduce, -1)];
  }

  /**
   * Without archWeights, in the 'reference' kernel mode every cell takes softmax(α) itself, as the
   * reference's `model_search.Network` does: the forward values are the same as one softmax per forward,
   * but the backward then sums one softmax gradient per cell, which is what makes a step bitwise the
   * reference's (docs/decisions.md). The 'fused' mode takes one softmax per forward.
   */
  forward(x: Tensor, archWeights?: ArchWeights): Tensor {
    if (archWeights !== undefined && archWeights.length !== 2)
      throw rangeError('SearchNetwork.forward', 'archWeights', '[normal, reduce] simplex weights', `${archWeights.length} tensor(s)`);
    const shared = archWeights ?? (this.kernels === 'fused' ? this.softmaxWeights() : undefined);
    // 'fused': each cell type's per-node weight vectors, made once per forward for all its cells.
    const nodeWeights: ((Tensor | null)[] | undefined)[] = [];
    if (this.training) this.batchCounter?.count();
    let s0 = this.stem.forward(x);
    let s1 = s0;
    for (const cell of this.cells) {
      const type = cell.reduction ? 1 : 0;
      const w = shared ? shared[type]! : F.softmax(cell.reduction ? this.alphas.reduce : this.alphas.normal, -1);
      if (this.kernels === 'fused') nodeWeights[type] ??= cell.nodeWeights(w);
      // A scope per cell: the cell's intermediates that autograd does not keep are freed when it ends,
      // not at the end of the step (exact: only handles are released; peak RSS, docs/performance.md).
      const s = tidy(() => cell.forward(s0, s1, w, nodeWeights[type]));
      s0 = s1;
      s1 = s;
    }
    return this.classifier.forward(this.globalPooling.forward(s1).flatten(1));
  }

  /**
   * Runs `fn` (in eval mode) with the weights and BN statistics held fixed: in the 'fused' kernel mode every
   * conv → BN pair of the cells' ops is folded into one convolution for its duration (src/space/folded-batch-norm.ts;
   * no weight gradient flows inside). The 'reference' mode runs `fn` as it is.
   */
  withFrozenWeights<T>(fn: () => T): T {
    return this.kernels === 'reference' ? fn() : withFoldedBatchNorm(this, fn);
  }

  /** Genotype from softmax of the raw logits (never from perturbed values). */
  genotype(): Genotype {
    return deriveGenotype(softmaxRows(this.alphas.normal.toRows()), softmaxRows(this.alphas.reduce.toRows()), this.space);
  }

  override dispose(): void {
    super.dispose();
    this.alphas.normal.dispose();
    this.alphas.reduce.dispose();
  }
}
