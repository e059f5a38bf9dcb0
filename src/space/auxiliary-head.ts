/**
 * The CIFAR auxiliary classifier (DARTS `AuxiliaryHeadCIFAR`), fed by the output of the second
 * reduction cell (8×8 for 32×32 images). It only adds gradient signal in training (weight 0.4 in the
 * loss); its parameters are excluded from the reported model size.
 *
 *   features: ReLU → AvgPool(5, stride 3, no pad) → 2×2 → Conv1×1 C→128 → BN → ReLU → Conv2×2 128→768
 *             → BN → ReLU → 1×1;   classifier: Linear(768, classes)
 *
 * The reference's first ReLU is in place on the main-path tensor (harmless there only because every
 * consumer starts with a ReLU); here it is out of place.
 */
import type { Tensor } from '../tensor/index.js';
import { AvgPool2d, BatchNorm2d, Conv2d, Layer, Linear, ReLU, Sequential } from '../nn/index.js';
import { SdartsError, rangeError } from '../util/errors.js';

export class AuxiliaryHead extends Layer {
  readonly features: Sequential;
  readonly classifier: Linear;

  constructor(C: number, numClasses: number) {
    super();
    if (!Number.isInteger(C) || C < 1) throw rangeError('AuxiliaryHead', 'C', 'a positive integer channel count', C);
    if (!Number.isInteger(numClasses) || numClasses < 1) throw rangeError('AuxiliaryHead', 'numClasses', 'a positive integer', numClasses);
    // Indices 0…7 give the reference's keys: features.2 (conv), .3 (BN), .5 (conv), .6 (BN).
    this.features = this.registerModule(
      'features',
      new Sequential(
        new ReLU(),
        new AvgPool2d(5, { stride: 3, padding: 0, countIncludePad: false }),
        new Conv2d(C, 128, 1, { bias: false }),
        new BatchNorm2d(128),
        new ReLU(),
        new Conv2d(128, 768, 2, { bias: false }),
        new BatchNorm2d(768),
        new ReLU(),
      ),
    );
    this.classifier = this.registerModule('classifier', new Linear(768, numClasses));
  }

  forward(x: Tensor): Tensor {
    // Pool 5/3 then conv 2×2 reach 1×1 only from 8, 9 or 10 pixels; anything else would surface as
    // a LibTorch size error or a Linear shape mismatch far from the cause.
    const [h, w] = x.ndim === 4 ? [x.size(2), x.size(3)] : [NaN, NaN];
    if (!(h >= 8 && h <= 10 && w >= 8 && w <= 10)) {
      throw new SdartsError(
        'ERR_SDARTS_SPACE_AUX_INPUT',
        `AuxiliaryHead.forward(): expected an [N, C, 8, 8] input (the second reduction cell's output for 32×32 images; 8–10 pixels work) but received shape [${x.shape.join(', ')}]. ` +
          'Use 32×32 inputs or construct the network with auxiliary: false.',
      );
    }
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}
