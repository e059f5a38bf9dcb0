/** The same tree as scripts/fixtures/tiny_net.py (TinyNet), in sdarts. */
import { type Tensor } from '../../src/index.js';
import { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Layer, Linear, MaxPool2d, ModuleList, ReLU, Sequential } from '../../src/nn/index.js';

export class TinyNet extends Layer {
  stem = this.registerModule('stem', new Sequential(new Conv2d(3, 8, 3, { padding: 1, bias: false }), new BatchNorm2d(8)));
  blocks = this.registerModule(
    'blocks',
    new ModuleList<Sequential>([
      new Sequential(
        new ReLU(),
        new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false }),
        new Conv2d(8, 16, 1, { bias: false }),
        new BatchNorm2d(16, { affine: false }),
      ),
      new Sequential(
        new ReLU(),
        new MaxPool2d(3, { stride: 2, padding: 1 }),
        new Conv2d(16, 16, 3, { padding: 2, dilation: 2 }),
        new BatchNorm2d(16, { momentum: null }),
        new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      ),
    ]),
  );
  pool = this.registerModule('pool', new AdaptiveAvgPool2d(1));
  classifier = this.registerModule('classifier', new Linear(16, 10));

  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return this.classifier.forward(this.pool.forward(h).flatten(1));
  }
}
