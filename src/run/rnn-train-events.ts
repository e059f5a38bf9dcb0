/** The events of `sdarts rnn train` (src/run/rnn-train-job.ts) and the JSON state of its checkpoints. */
import type { RngState } from '../data/rng.js';
import type { PtbChunkStreamState } from '../data/ptb-chunks.js';
import type { RnnGenotypeJSON } from '../space/genotype/index.js';
import type { JobConfig } from './config.js';
import type { RNN_TRAIN_COMMAND } from './commands.js';
import type { StepEventFields } from './events-log.js';
import type { ErrorEvent } from './run-logs.js';
import type { JobCheckpointState } from './checkpoint.js';
import type { PhaseEvent } from './phase-events.js';

export type RnnTrainConfig = JobConfig<typeof RNN_TRAIN_COMMAND>;
export type RnnOptimizerName = 'sgd' | 'asgd';

export type RnnTrainEvent =
  | {
      type: 'start';
      runDir: string;
      resumed: boolean;
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      epochs: number;
      params: number;
      ntoken: number;
      genotype: string;
      optimizer: RnnOptimizerName;
      config: RnnTrainConfig;
    }
  | (Omit<StepEventFields, 'top1' | 'top5'> & { seqLen: number; optimizer: RnnOptimizerName })
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      lr: number;
      /** The optimizer this epoch trained with (asgd: validated with the averaged weights). */
      optimizer: RnnOptimizerName;
      /** NT-ASGD switched to ASGD after this epoch's validation. */
      switched: boolean;
      trainLoss: number;
      trainPpl: number;
      validLoss: number;
      validPpl: number;
      /** This epoch's model is the best so far (written to best.safetensors). */
      best: boolean;
      bestValidPpl: number | null;
      seconds: number;
    }
  | { type: 'rollback'; epoch: number; step: number; globalStep: number; loss: number; toEpoch: number; toStep: number; rollbacks: number }
  | { type: 'checkpoint'; epoch: number; step: number; path: string }
  | {
      type: 'end';
      reason: 'completed' | 'interrupted';
      runDir: string;
      epoch: number;
      step: number;
      bestEpoch: number | null;
      bestValidLoss: number | null;
      bestValidPpl: number | null;
      testLoss: number | null;
      testPpl: number | null;
    }
  | PhaseEvent
  | ErrorEvent;

export interface RnnTrainCheckpoint extends JobCheckpointState {
  optimizer: RnnOptimizerName;
  opt: unknown;
  /** The chunk-length generator (between epochs; mid-epoch it is also in `stream`). */
  lengths: RngState;
  /** The epoch's chunk stream (null at an epoch boundary). */
  stream: PtbChunkStreamState | null;
  /** NT-ASGD: the validation losses of the epochs trained with SGD. */
  history: number[];
  best: { epoch: number; validLoss: number } | null;
  genotype: RnnGenotypeJSON;
  rollbacks: number;
}
