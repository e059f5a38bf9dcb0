/**
 * The command table: every `sdarts` command with its description, arguments and options (one
 * declaration per flag, defaults per command). It drives commander (src/cli/main.ts), the typed configs
 * (ConfigOf), their validation (config.ts) and docs/cli.md (scripts/gen-cli-docs.mjs). Flag names are
 * the reference's in kebab-case with the same defaults; choice lists come from their registries.
 */
import type { Device } from '../tensor/index.js';
import { SPACE_NAMES } from '../space/spaces.js';
import { ONESHOT_SPACES, type OneShotSpaceId } from '../space/oneshot/index.js';
import { PERTURBATION_NAMES } from '../search/perturbation.js';
import { KERNEL_MODES } from '../space/kernel-mode.js';
import type { BatchOrder } from '../data/loader.js';
import { DOWNLOADABLE } from '../data/download.js';
import { SEARCH_DATASETS } from './datasets.js';
import { SWEEP_COMMANDS } from './sweep-commands.js';
import { REPORT_COMMAND_GROUPS, REPORT_COMMANDS } from './report-commands.js';

export type OptionKind = 'int' | 'float' | 'string' | 'bool' | 'choice' | 'path' | 'device';

export interface OptionSpec {
  /** kebab-case flag name, without the leading dashes. */
  flag: string;
  /** A one-letter short flag (`o` → `-o`). */
  short?: string;
  kind: OptionKind;
  /** Absent or null: the option is null unless given. */
  default?: number | string | boolean | null;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** The value's placeholder in --help and docs (default: from the kind). */
  arg?: string;
  /** The command refuses to run without it. */
  required?: boolean;
  /**
   * A flag added after run directories were first written: the value such a run had, which its config.json
   * (without the key) resumes with. Without it, a config.json lacking a key is damaged.
   */
  legacyDefault?: number | string | boolean;
  help: string;
}

export interface ArgumentSpec {
  name: string;
  help: string;
  /** The values it takes (listed in the help; the command checks them). */
  choices?: readonly string[];
}

export interface CommandSpec {
  /** The words after `sdarts`: 'search', 'nasbench search'. */
  name: string;
  description: string;
  arguments?: readonly ArgumentSpec[];
  options: readonly OptionSpec[];
  /** Jobs (run directory, checkpoints, --resume): the `command` of their config.json and the kind of their checkpoints. */
  runKind?: string;
}

/** camelCase key of a flag: 'batch-size' → 'batchSize'. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
type OptionValue<O extends OptionSpec> = O['kind'] extends 'int' | 'float'
  ? number
  : O['kind'] extends 'bool'
    ? boolean
    : O['kind'] extends 'device'
      ? Device
      : O extends { choices: readonly (infer C)[] }
        ? C
        : string;
type OptionNull<O extends OptionSpec> = O extends { required: true } ? never : O extends { default: number | string | boolean } ? never : null;

/** The validated (frozen) config of a list of options: camelCase keys, values typed by kind, null where there is no default. */
export type ConfigOf<Os extends readonly OptionSpec[]> = { readonly [O in Os[number] as CamelCase<O['flag']>]: OptionValue<O> | OptionNull<O> };

/** The options every job (search, train, nasbench search) takes after its own. */
function jobOptions(d: { seed: number }) {
  return [
    { flag: 'device', kind: 'device', default: 'cpu', help: "device to run on: 'cpu', 'cuda' or 'cuda:N'" },
    { flag: 'threads', kind: 'int', default: 0, min: 0, help: 'LibTorch intra-op threads (0 = LibTorch default)' },
    {
      flag: 'seed',
      kind: 'int',
      default: d.seed,
      min: 0,
      help: 'random seed (model init, perturbations, data order; the reference uses 2 for search, 0 for train)',
    },
    {
      flag: 'save',
      kind: 'path',
      default: null,
      help: 'run directory (default: a new folder under runs/ named after command, space, perturbation, seed and time)',
    },
    { flag: 'resume', kind: 'path', default: null, help: 'continue the run in this run directory from its last checkpoint' },
    { flag: 'checkpoint-every', kind: 'int', default: 100, min: 0, help: 'also checkpoint every N steps inside an epoch (0 = only at epoch ends)' },
    { flag: 'report-freq', kind: 'int', default: 50, min: 1, help: 'steps between progress lines (non-TTY output and log.txt)' },
    { flag: 'json', kind: 'bool', default: false, help: 'print machine-readable JSON events (one per line) instead of progress' },
  ] as const;
}

const dataset = { flag: 'dataset', kind: 'choice', default: 'cifar10', choices: SEARCH_DATASETS, help: 'dataset' } as const;
const dataRoot = {
  flag: 'data',
  kind: 'path',
  default: null,
  help: "dataset root in torchvision's layout (fashion-mnist: default = the embedded subset)",
} as const;
const json = { flag: 'json', kind: 'bool', default: false, help: 'machine-readable output' } as const;
const nasbenchFile = { flag: 'nasbench', kind: 'path', arg: 'file', required: true, help: 'nasbench_only108.tfrecord (or nasbench_full.tfrecord)' } as const;
const indexCache = { flag: 'cache-dir', kind: 'path', default: null, help: 'where to keep the index cache (default: beside the file)' } as const;
const batchOrders = ['sdarts', 'reference'] as const satisfies readonly BatchOrder[];
const oneShotSpaces = Object.keys(ONESHOT_SPACES) as `${OneShotSpaceId}`[];

/** The SDARTS perturbation's flags, shared by every search (CNN cells, NAS-Bench-1Shot1, the recurrent cell). */
const PERTURBATION_OPTIONS = [
  {
    flag: 'perturb',
    kind: 'choice',
    default: 'none',
    choices: PERTURBATION_NAMES,
    help: 'perturbation of the simplex weights: none (DARTS), random (SDARTS-RS), pgd_linf (SDARTS-ADV)',
  },
  { flag: 'epsilon-alpha', kind: 'float', default: 0.3, min: 0, help: 'final perturbation radius ε (ramped linearly from 0.03)' },
  { flag: 'pgd-steps', kind: 'int', default: 7, min: 1, help: 'PGD attack steps (step size 2ε/steps)' },
  { flag: 'pgd-random-start', kind: 'bool', default: true, help: 'PGD random start inside the ε-ball (--no-pgd-random-start to disable)' },
] as const;

/** The flags every one-shot search shares (CNN cells and NAS-Bench-1Shot1), with per-command defaults. */
function supernetSearchOptions(d: { batchSize: number; epochs: number; layers: number; minChannels: number; analyzeEvery: number; analyzeHelp: string }) {
  return [
    dataset,
    dataRoot,
    { flag: 'batch-size', kind: 'int', default: d.batchSize, min: 1, help: 'batch size' },
    { flag: 'learning-rate', kind: 'float', default: 0.025, min: 0, help: 'weight SGD initial learning rate' },
    { flag: 'learning-rate-min', kind: 'float', default: 0.001, min: 0, help: 'cosine schedule minimum' },
    { flag: 'momentum', kind: 'float', default: 0.9, min: 0, help: 'SGD momentum' },
    { flag: 'weight-decay', kind: 'float', default: 3e-4, min: 0, help: 'SGD weight decay' },
    { flag: 'epochs', kind: 'int', default: d.epochs, min: 1, help: 'search epochs' },
    { flag: 'init-channels', kind: 'int', default: 16, min: d.minChannels, help: 'initial channels C' },
    { flag: 'layers', kind: 'int', default: d.layers, min: 1, help: 'cells in the one-shot network' },
    { flag: 'cutout', kind: 'bool', default: false, help: 'cutout augmentation (probability ramped 0 → cutout-prob over the epochs)' },
    { flag: 'cutout-length', kind: 'int', default: 16, min: 1, help: 'cutout square side' },
    { flag: 'cutout-prob', kind: 'float', default: 1.0, min: 0, max: 1, help: 'final cutout probability' },
    { flag: 'grad-clip', kind: 'float', default: 5, min: 0, help: 'clip the weight gradient 2-norm to this' },
    { flag: 'train-portion', kind: 'float', default: 0.5, min: 0.01, max: 0.99, help: 'fraction of the training set used for w (the rest updates α)' },
    { flag: 'unrolled', kind: 'bool', default: false, help: 'second-order (unrolled) architect step' },
    { flag: 'arch-learning-rate', kind: 'float', default: 3e-4, min: 0, help: 'Adam learning rate for α' },
    { flag: 'arch-weight-decay', kind: 'float', default: 1e-3, min: 0, help: 'Adam L2 weight decay for α' },
    ...PERTURBATION_OPTIONS,
    { flag: 'analyze-every', kind: 'int', default: d.analyzeEvery, min: 0, help: d.analyzeHelp },
    {
      flag: 'batch-order',
      kind: 'choice',
      default: 'sdarts',
      choices: batchOrders,
      help: "sample order: sdarts (its own seeded generator) or reference (LibTorch's generator as the reference's DataLoader + SubsetRandomSampler; augmentation off) — to compare a CPU search step by step with the original code",
    },
    { flag: 'limit-train', kind: 'int', default: 0, min: 0, help: 'use only the first N training images (0 = all; quick runs)' },
    {
      flag: 'kernels',
      kind: 'choice',
      default: 'fused',
      choices: KERNEL_MODES,
      legacyDefault: 'reference',
      help: "fused (one product per node sum, shared ReLUs: fewer kernels, the same function up to rounding) or reference (the original code's kernels, so a float32 step rounds as its does; runs written before this flag existed resume in it)",
    },
  ] as const;
}

export const SEARCH_COMMAND = {
  name: 'search',
  runKind: 'search',
  description: 'CNN cell search (DARTS 1st/2nd order, SDARTS-RS, SDARTS-ADV) on S1-S5',
  options: [
    { flag: 'space', kind: 'choice', default: 's1', choices: SPACE_NAMES, help: 'search space (S1-S4 from RobustDARTS, S5 = DARTS space without none)' },
    ...supernetSearchOptions({
      batchSize: 64,
      epochs: 50,
      layers: 8,
      minChannels: 2,
      analyzeEvery: 0,
      analyzeHelp:
        'every N epochs log λ_max, the largest eigenvalue of ∇²_α L_valid + 1e-3·I (Lanczos on exact Hessian-vector products; does not change the run; 0 = never)',
    }),
    ...jobOptions({ seed: 2 }),
  ],
} as const satisfies CommandSpec;

/** Evaluation of a cell from scratch. */
export const TRAIN_COMMAND = {
  name: 'train',
  runKind: 'train',
  description: 'train a cell from scratch (NetworkCIFAR, auxiliary head, drop-path, cutout) and report test accuracy',
  options: [
    {
      flag: 'arch',
      kind: 'string',
      default: 'c100_s4_pgd',
      help: 'the cell: a library name (DARTS_V2, c10_s3_pgd, …), a genotype string in the DARTS format, a JSON file, or a search run directory',
    },
    dataset,
    dataRoot,
    { flag: 'batch-size', kind: 'int', default: 96, min: 1, help: 'batch size' },
    { flag: 'learning-rate', kind: 'float', default: 0.025, min: 0, help: 'SGD initial learning rate (cosine to 0)' },
    { flag: 'momentum', kind: 'float', default: 0.9, min: 0, help: 'SGD momentum' },
    { flag: 'weight-decay', kind: 'float', default: 3e-4, min: 0, help: 'SGD weight decay' },
    { flag: 'epochs', kind: 'int', default: 600, min: 1, help: 'training epochs' },
    { flag: 'init-channels', kind: 'int', default: 36, min: 2, help: 'initial channels C' },
    { flag: 'layers', kind: 'int', default: 20, min: 3, help: 'cells' },
    { flag: 'auxiliary', kind: 'bool', default: false, help: 'auxiliary head after the second reduction cell' },
    { flag: 'auxiliary-weight', kind: 'float', default: 0.4, min: 0, help: 'weight of the auxiliary loss' },
    { flag: 'cutout', kind: 'bool', default: false, help: 'cutout augmentation' },
    { flag: 'cutout-length', kind: 'int', default: 16, min: 1, help: 'cutout square side' },
    { flag: 'cutout-prob', kind: 'float', default: 1.0, min: 0, max: 1, help: 'cutout probability' },
    { flag: 'drop-path-prob', kind: 'float', default: 0.2, min: 0, max: 0.99, help: 'final drop-path probability (ramped 0 → this over the epochs)' },
    { flag: 'grad-clip', kind: 'float', default: 5, min: 0, help: 'clip the gradient 2-norm to this' },
    { flag: 'limit-train', kind: 'int', default: 0, min: 0, help: 'use only the first N training images (0 = all)' },
    { flag: 'limit-test', kind: 'int', default: 0, min: 0, help: 'evaluate only the first N test images (0 = all)' },
    // Per command, as the reference: train.py's seed is 0, train_search.py's is 2.
    ...jobOptions({ seed: 0 }),
  ],
} as const satisfies CommandSpec;

export const TEST_COMMAND = {
  name: 'test',
  description: 'evaluate a trained model (a `sdarts train` run directory) on the test split',
  options: [
    { flag: 'checkpoint', kind: 'path', arg: 'run-dir', required: true, help: 'the run directory of `sdarts train`' },
    { flag: 'data', kind: 'path', help: 'dataset root (default: the one the run used)' },
    { flag: 'device', kind: 'device', help: "device ('cpu', 'cuda', 'cuda:N'; default: the run's)" },
    json,
  ],
} as const satisfies CommandSpec;

export const DATA_DOWNLOAD_COMMAND = {
  name: 'data download',
  description: "download, verify (MD5) and unpack a dataset in torchvision's layout",
  arguments: [{ name: 'name', help: 'the dataset', choices: DOWNLOADABLE }],
  options: [
    { flag: 'dir', kind: 'path', default: 'data', help: 'destination folder' },
    { flag: 'base-url', kind: 'string', arg: 'url', help: 'fetch from this mirror instead of the canonical URLs' },
  ],
} as const satisfies CommandSpec;

export const NASBENCH_QUERY_COMMAND = {
  name: 'nasbench query',
  description: 'print the metrics of one architecture',
  options: [
    nasbenchFile,
    { flag: 'hash', kind: 'string', arg: 'hash', help: 'module hash (32 hex digits)' },
    { flag: 'spec', kind: 'string', arg: 'json', help: 'a spec as JSON: {"matrix": [[…]], "ops": ["input", …, "output"]}' },
    indexCache,
    json,
  ],
} as const satisfies CommandSpec;

/** NAS-Bench-1Shot1: the reference's flags and defaults. */
export const NASBENCH_SEARCH_COMMAND = {
  name: 'nasbench search',
  runKind: 'nasbench-search',
  description: 'NAS-Bench-1Shot1 one-shot search (spaces 1-3) with DARTS / SDARTS-RS / SDARTS-ADV, scored every epoch',
  options: [
    { flag: 'space', kind: 'choice', default: '1', choices: oneShotSpaces, help: 'NAS-Bench-1Shot1 search space' },
    { flag: 'nasbench', kind: 'path', default: null, help: 'nasbench_only108.tfrecord (or nasbench_full); without it the search runs and scoring is off' },
    { flag: 'cache-dir', kind: 'path', default: null, help: 'where to keep the NAS-Bench index cache (default: beside the tfrecord)' },
    { flag: 'warm-start-epochs', kind: 'int', default: 0, min: 0, help: 'epochs of weight training before α is updated' },
    ...supernetSearchOptions({
      batchSize: 96,
      epochs: 100,
      layers: 9,
      minChannels: 1,
      analyzeEvery: 1,
      analyzeHelp: 'every N epochs log the exact dominant Hessian eigenvalue (the reference: every epoch; 0 = never)',
    }),
    ...jobOptions({ seed: 2 }),
  ],
} as const satisfies CommandSpec;

export const NASBENCH_SCORE_COMMAND = {
  name: 'nasbench score',
  description: 're-score every saved epoch of a `nasbench search` run against NAS-Bench-101',
  arguments: [{ name: 'run-dir', help: 'the run directory of `sdarts nasbench search`' }],
  options: [nasbenchFile, indexCache, json],
} as const satisfies CommandSpec;

/** The recurrent-cell model's sizes and dropouts (the reference's names, per-command defaults). */
function rnnModelOptions(d: { size: number; dropoute: number }) {
  return [
    { flag: 'emsize', kind: 'int', default: d.size, min: 1, help: 'word embedding size (= nhid = nhidlast)' },
    { flag: 'nhid', kind: 'int', default: d.size, min: 1, help: 'hidden state size' },
    { flag: 'nhidlast', kind: 'int', default: d.size, min: 1, help: 'output size of the last layer (= nhid)' },
    { flag: 'dropout', kind: 'float', default: 0.75, min: 0, max: 0.99, help: 'locked dropout on the cell output' },
    { flag: 'dropouth', kind: 'float', default: 0.25, min: 0, max: 0.99, help: 'variational dropout on the hidden states inside the cell' },
    { flag: 'dropoutx', kind: 'float', default: 0.75, min: 0, max: 0.99, help: 'variational dropout on the cell input' },
    { flag: 'dropouti', kind: 'float', default: 0.2, min: 0, max: 0.99, help: 'locked dropout on the embedding output' },
    { flag: 'dropoute', kind: 'float', default: d.dropoute, min: 0, max: 0.99, help: 'dropout of whole words from the embedding' },
  ] as const;
}

/** The recurrent search's and training's optimisation flags (the reference's names). */
function rnnTrainingOptions(d: { batchSize: number; epochs: number; wdecay: number }) {
  return [
    { flag: 'data', kind: 'path', default: null, help: 'Penn Treebank folder (train.txt/valid.txt/test.txt or ptb.*.txt; default: the embedded KJV corpus)' },
    { flag: 'limit-tokens', kind: 'int', default: 0, min: 0, help: 'use only the first N tokens of each split (0 = all; quick runs)' },
    { flag: 'lr', kind: 'float', default: 20, min: 0, help: 'SGD learning rate (scaled by seq_len / bptt each step)' },
    { flag: 'clip', kind: 'float', default: 0.25, min: 0, help: 'clip the weight gradient 2-norm to this' },
    { flag: 'epochs', kind: 'int', default: d.epochs, min: 1, help: 'epochs' },
    { flag: 'batch-size', kind: 'int', default: d.batchSize, min: 1, help: 'batch size (columns of the batchified training stream)' },
    { flag: 'eval-batch-size', kind: 'int', default: 10, min: 1, help: 'batch size of the validation pass (the reference: 10)' },
    { flag: 'bptt', kind: 'int', default: 35, min: 2, help: 'sequence length (35 w.p. 0.95, else half)' },
    { flag: 'alpha', kind: 'float', default: 0, min: 0, help: 'activation regularisation weight (AR; 0 = off)' },
    { flag: 'beta', kind: 'float', default: 1e-3, min: 0, help: 'temporal activation regularisation weight (TAR)' },
    { flag: 'wdecay', kind: 'float', default: d.wdecay, min: 0, help: 'SGD weight decay' },
  ] as const;
}

export const RNN_SEARCH_COMMAND = {
  name: 'rnn search',
  runKind: 'rnn-search',
  description: 'recurrent cell search on Penn Treebank (DARTS 1st/2nd order, SDARTS-RS, SDARTS-ADV)',
  options: [
    ...rnnModelOptions({ size: 300, dropoute: 0 }),
    ...rnnTrainingOptions({ batchSize: 256, epochs: 50, wdecay: 5e-7 }),
    { flag: 'unrolled', kind: 'bool', default: false, help: 'second-order (unrolled) architect step' },
    { flag: 'arch-lr', kind: 'float', default: 3e-3, min: 0, help: 'Adam learning rate for α (betas 0.9, 0.999)' },
    { flag: 'arch-wdecay', kind: 'float', default: 1e-3, min: 0, help: 'Adam L2 weight decay for α' },
    ...PERTURBATION_OPTIONS,
    {
      flag: 'analyze-every',
      kind: 'int',
      default: 0,
      min: 0,
      help: 'every N epochs log λ_max of ∇²_α L_valid + 1e-3·I on the last validation chunk (eval mode; does not change the run; 0 = never)',
    },
    ...jobOptions({ seed: 3 }),
  ],
} as const satisfies CommandSpec;

export const RNN_TRAIN_COMMAND = {
  name: 'rnn train',
  runKind: 'rnn-train',
  description: 'train a recurrent cell from scratch on Penn Treebank (NT-ASGD) and report perplexity',
  options: [
    {
      flag: 'arch',
      kind: 'string',
      default: 'DARTS',
      help: 'the cell: a library name (DARTS, DARTS_V1, ENAS, penn_random, penn_pgd), a genotype string, a JSON file, or an `rnn search` run directory',
    },
    ...rnnModelOptions({ size: 850, dropoute: 0.1 }),
    ...rnnTrainingOptions({ batchSize: 64, epochs: 8000, wdecay: 8e-7 }),
    { flag: 'test-batch-size', kind: 'int', default: 1, min: 1, help: 'batch size of the final test evaluation' },
    {
      flag: 'nonmono',
      kind: 'int',
      default: 5,
      min: 1,
      help: 'switch to averaged SGD when validation has not improved on the best of all but the last N epochs',
    },
    { flag: 'max-seq-len-delta', kind: 'int', default: 20, min: 0, help: 'sequence lengths are capped at bptt + this' },
    ...jobOptions({ seed: 1267 }),
  ],
} as const satisfies CommandSpec;

export const RNN_TEST_COMMAND = {
  name: 'rnn test',
  description: 'evaluate a trained recurrent model (an `rnn train` run directory) on the test split: perplexity',
  options: [
    { flag: 'checkpoint', kind: 'path', arg: 'run-dir', required: true, help: 'the run directory of `sdarts rnn train`' },
    { flag: 'data', kind: 'path', help: "Penn Treebank folder (default: the run's)" },
    { flag: 'batch-size', kind: 'int', default: 1, min: 1, help: 'test batch size (the reference: 1)' },
    { flag: 'device', kind: 'device', help: "device ('cpu', 'cuda', 'cuda:N'; default: the run's)" },
    json,
  ],
} as const satisfies CommandSpec;

/** Descriptions of the command groups (the first word of a two-word command). */
export const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  data: 'datasets',
  nasbench: 'NAS-Bench-101 / NAS-Bench-1Shot1',
  rnn: 'recurrent cells on Penn Treebank',
  sweep: 'grids of jobs, locally or as SLURM job arrays',
  ...REPORT_COMMAND_GROUPS,
};

/** Every command, in the order of --help and docs/cli.md. */
export const COMMANDS = [
  SEARCH_COMMAND,
  TRAIN_COMMAND,
  TEST_COMMAND,
  DATA_DOWNLOAD_COMMAND,
  NASBENCH_QUERY_COMMAND,
  NASBENCH_SEARCH_COMMAND,
  NASBENCH_SCORE_COMMAND,
  RNN_SEARCH_COMMAND,
  RNN_TRAIN_COMMAND,
  RNN_TEST_COMMAND,
  ...SWEEP_COMMANDS,
  ...REPORT_COMMANDS,
] as const satisfies readonly CommandSpec[];

export type AnyCommand = (typeof COMMANDS)[number];
export type CommandName = AnyCommand['name'];
/** The validated options of a command. */
export type CommandConfig<N extends CommandName> = ConfigOf<Extract<AnyCommand, { name: N }>['options']>;
/** The commands that are jobs (a run directory, checkpoints, --resume). */
export type JobCommand = Extract<AnyCommand, { runKind: string }>;
