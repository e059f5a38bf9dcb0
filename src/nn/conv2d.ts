/** Conv2d with PyTorch's parameters, defaults and initialisation. */
import { F, empty, type DType, type Device, type Tensor } from '../tensor/index.js';
import { Layer } from './module.js';
import { resetLinearLike } from './init.js';
import { rangeError } from '../util/errors.js';

type Pair = number | [number, number];
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  device?: Device;
  dtype?: DType;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export class Conv2d extends Layer {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, o: Conv2dOptions = {}) {
    super();
    const groups = o.groups ?? 1;
    for (const [n, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['groups', groups],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw rangeError('Conv2d', n, 'a positive integer', v);
    }
    if (inChannels % groups || outChannels % groups)
      throw rangeError('Conv2d', 'groups', `a divisor of inChannels (${inChannels}) and outChannels (${outChannels})`, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(o.stride ?? 1);
    this.padding = pair(o.padding ?? 0);
    this.dilation = pair(o.dilation ?? 1);
    this.groups = groups;
    const opts = { device: o.device ?? 'cpu', dtype: o.dtype ?? 'float32' } as const;
    // Allocation order (weight, then bias) and init order match PyTorch's reset_parameters.
    this.weight = this.registerParameter('weight', empty([outChannels, inChannels / groups, ...this.kernelSize], opts));
    this.bias = (o.bias ?? true) ? this.registerParameter('bias', empty([outChannels], opts)) : this.registerParameter('bias', null);
    resetLinearLike(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.getParameter('weight')!, this.getParameter('bias'), {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
