/**
 * The DARTS evaluation network for 32×32 images (`model.NetworkCIFAR`): stem Conv3×3 → BN (3C),
 * `layers` genotype cells with reductions at ⅓ and ⅔ depth (channels double there), an optional
 * auxiliary head on the output of cell 2·layers//3, global average pool + linear classifier.
 *
 * forward(x) → { logits, logitsAux }: logitsAux only when the head exists and the net is training.
 * `dropPathProb` is set by the training loop each epoch (0.2·e/E in the reference); drop-path acts
 * only in training mode. `dropPathMask` can replace the generator's masks (tests, replays).
 */
import type { Device, Tensor } from '../tensor/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Layer, Linear, Module, ModuleList, Sequential } from '../nn/index.js';
import { EvalCell } from './eval-cell.js';
import { AuxiliaryHead } from './auxiliary-head.js';
import { resolveGenotype, validateGenotype, type Genotype } from './genotype/index.js';
import type { DropPathMaskFn } from './drop-path.js';
import { rangeError, shapeError, typeError } from '../util/errors.js';

export interface NetworkCIFARConfig {
  /** The cell: a Genotype, or anything resolveGenotype() accepts (library name, DARTS text, file). */
  genotype: Genotype | string;
  /** Initial channels (36 in the paper's evaluation). */
  C?: number;
  numClasses?: number;
  /** Number of cells (20 in the paper's evaluation). */
  layers?: number;
  auxiliary?: boolean;
  inChannels?: number;
  dropPathProb?: number;
  device?: Device;
}

export interface NetworkCIFAROutput {
  logits: Tensor;
  /** Auxiliary-head logits in training mode with `auxiliary: true`; null otherwise. */
  logitsAux: Tensor | null;
}

/** Parameters counted in the reported model size: every name without 'auxiliary' (DARTS's rule). */
export const countsTowardModelSize = (name: string): boolean => !name.includes('auxiliary');

export class NetworkCIFAR extends Module {
  readonly genotype: Genotype;
  readonly C: number;
  readonly numClasses: number;
  readonly layers: number;
  readonly inChannels: number;
  readonly auxiliary: boolean;
  /** Index of the cell whose output feeds the auxiliary head (2·layers//3, the second reduction). */
  readonly auxCellIndex: number;
  readonly stem: Sequential;
  readonly cells: ModuleList<EvalCell>;
  readonly auxiliaryHead: AuxiliaryHead | null;
  readonly globalPooling: Layer;
  readonly classifier: Linear;
  /** Replaces Bernoulli draws for drop-path masks when set (see drop-path.ts `sequentialMasks`). */
  dropPathMask: DropPathMaskFn | null = null;
  private _dropPathProb = 0;

  constructor(cfg: NetworkCIFARConfig) {
    super();
    if (cfg === null || typeof cfg !== 'object') throw typeError('NetworkCIFAR', 'config', 'an options object with a genotype', cfg);
    this.genotype = typeof cfg.genotype === 'string' ? resolveGenotype(cfg.genotype) : validateGenotype(cfg.genotype, 'NetworkCIFAR');
    const C = (this.C = cfg.C ?? 36);
    this.numClasses = cfg.numClasses ?? 10;
    const layers = (this.layers = cfg.layers ?? 20);
    this.inChannels = cfg.inChannels ?? 3;
    this.auxiliary = cfg.auxiliary ?? false;
    for (const [n, v, min] of [
      ['C', C, 1],
      ['numClasses', this.numClasses, 1],
      ['layers', layers, 1],
      ['inChannels', this.inChannels, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min) throw rangeError('NetworkCIFAR', n, `an integer >= ${min}`, v);
    }
    if (typeof this.auxiliary !== 'boolean') throw typeError('NetworkCIFAR', 'auxiliary', 'a boolean', this.auxiliary);
    this.dropPathProb = cfg.dropPathProb ?? 0;
    this.auxCellIndex = Math.floor((2 * layers) / 3);

    // Same construction order as the reference (stem, cells, auxiliary head, classifier): with the
    // same seed every parameter draws the same values as PyTorch.
    let cCurr = 3 * C;
    this.stem = this.registerModule('stem', new Sequential(new Conv2d(this.inChannels, cCurr, 3, { padding: 1, bias: false }), new BatchNorm2d(cCurr)));
    let cPP = cCurr,
      cP = cCurr;
    cCurr = C;
    this.cells = this.registerModule('cells', new ModuleList<EvalCell>());
    let reductionPrev = false;
    let cAux = 0;
    for (let i = 0; i < layers; i++) {
      const reduction = i === Math.floor(layers / 3) || i === this.auxCellIndex;
      if (reduction) cCurr *= 2;
      const cell = new EvalCell({ genotype: this.genotype, cPP, cP, C: cCurr, reduction, reductionPrev });
      this.cells.append(cell);
      reductionPrev = reduction;
      [cPP, cP] = [cP, cell.multiplier * cCurr];
      if (i === this.auxCellIndex) cAux = cP;
    }
    this.auxiliaryHead = this.auxiliary ? this.registerModule('auxiliary_head', new AuxiliaryHead(cAux, this.numClasses)) : null;
    this.globalPooling = this.registerModule('global_pooling', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new Linear(cP, this.numClasses));
    if (cfg.device && cfg.device !== 'cpu') this.to(cfg.device);
  }

  /** Drop probability of every non-Identity branch in training mode; in [0, 1). */
  get dropPathProb(): number {
    return this._dropPathProb;
  }
  set dropPathProb(p: number) {
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw rangeError('NetworkCIFAR', 'dropPathProb', 'a probability in [0, 1)', p);
    this._dropPathProb = p;
  }

  forward(x: Tensor): NetworkCIFAROutput {
    if (x.ndim !== 4 || x.size(1) !== this.inChannels) {
      throw shapeError('NetworkCIFAR.forward', 'x', `an [N, ${this.inChannels}, H, W] image batch`, x.shape);
    }
    let logitsAux: Tensor | null = null;
    let s0 = this.stem.forward(x);
    let s1 = s0;
    for (let i = 0; i < this.cells.length; i++) {
      const s = this.cells.at(i).forward(s0, s1, this._dropPathProb, this.dropPathMask, i);
      s0 = s1;
      s1 = s;
      if (i === this.auxCellIndex && this.auxiliaryHead && this.training) logitsAux = this.auxiliaryHead.forward(s1);
    }
    const logits = this.classifier.forward(this.globalPooling.forward(s1).flatten(1));
    return { logits, logitsAux };
  }

  /** Model size as DARTS reports it: parameter elements, auxiliary head excluded. */
  countParameters(): number {
    return this.numParameters(countsTowardModelSize);
  }
}
