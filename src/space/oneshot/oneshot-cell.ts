/**
 * A NAS-Bench-1Shot1 cell (docs/reference-notes.md R4.2): one input s0 (the previous cell's output), `steps` choice
 * blocks, each fed by a 1×1 projection of s0 plus every earlier block, and an output that ADDS a
 * projection of s0 to the weighted concatenation of the blocks (NAS-Bench-101's input→output edge).
 */
import { cat, type Tensor } from '../../tensor/index.js';
import { Module, ModuleList } from '../../nn/index.js';
import { ChoiceBlock } from './choice-block.js';
import { ConvBnRelu } from './oneshot-ops.js';
import type { OneShotSpace } from './oneshot-spaces.js';
import type { KernelMode } from '../kernel-mode.js';

export class OneShotCell extends Module {
  readonly steps: number;
  readonly firstWeightedBlock: number;
  readonly choiceBlocks: ModuleList<ChoiceBlock>;
  /** steps projections C_in → C (one per block), then C_in → C·steps for the input→output edge. */
  readonly inputProjections: ModuleList<ConvBnRelu>;
  readonly kernels: KernelMode;

  /** `cIn`: the cell's input width (the stem's C for cell 0, else the previous cell's C·steps). */
  constructor(space: OneShotSpace, cIn: number, C: number, kernels: KernelMode = 'fused') {
    super();
    this.kernels = kernels;
    this.steps = space.steps;
    this.firstWeightedBlock = space.firstWeightedBlock;
    // Registered before construction so the state dict lists all blocks, then all projections, while
    // modules are built (and their weights drawn) interleaved: block b, projection b — the reference's order.
    this.choiceBlocks = this.registerModule('_choice_blocks', new ModuleList<ChoiceBlock>());
    this.inputProjections = this.registerModule('_input_projections', new ModuleList<ConvBnRelu>());
    for (let b = 0; b < this.steps; b++) {
      this.choiceBlocks.append(new ChoiceBlock(C, kernels));
      this.inputProjections.append(new ConvBnRelu(cIn, C, 1, 1, 0));
    }
    this.inputProjections.append(new ConvBnRelu(cIn, C * this.steps, 1, 1, 0));
  }

  /**
   * `opWeights` [steps, 3]; `outputWeights` [1, steps+1] (column 0: the input→output edge, column b+1:
   * block b); `inputWeights`: one [1, b+1] tensor per block b ≥ firstWeightedBlock.
   */
  forward(s0: Tensor, opWeights: Tensor, outputWeights: Tensor, inputWeights: readonly Tensor[]): Tensor {
    const states: Tensor[] = [];
    for (let b = 0; b < this.steps; b++) {
      const w = b >= this.firstWeightedBlock ? inputWeights[b - this.firstWeightedBlock]! : null;
      const inputs = [this.inputProjections.at(b).forward(s0), ...states];
      states.push(this.choiceBlocks.at(b).forward(inputs, w, opWeights.select(0, b)));
    }
    const inputToOutput = this.inputProjections.at(this.steps).forward(s0);
    const out = outputWeights.select(0, 0);
    if (this.kernels === 'fused') {
      // The blocks' weighted concat as one broadcast product of their concat with the weights [1, steps, 1, 1, 1]:
      // the same elementwise products as one product per block, in one op.
      const [n, c, h, w] = states[0]!.shape as [number, number, number, number];
      const blocks = cat(states, 1)
        .view([n, this.steps, c, h, w])
        .mul(out.narrow(0, 1, this.steps).view([1, this.steps, 1, 1, 1]))
        .view([n, this.steps * c, h, w]);
      return out.select(0, 0).mul(inputToOutput).add(blocks);
    }
    return out
      .select(0, 0)
      .mul(inputToOutput)
      .add(
        cat(
          states.map((s, b) => out.select(0, b + 1).mul(s)),
          1,
        ),
      );
  }
}
