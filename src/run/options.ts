/**
 * The option tables: one declaration per flag drives commander (the CLI), the typed config, validation
 * and the README/--help text. Names are the reference's flags in kebab-case with the same defaults.
 */
export type OptionKind = 'int' | 'float' | 'string' | 'bool' | 'choice' | 'path';

export interface OptionSpec {
  /** kebab-case flag name, without the leading dashes. */
  flag: string;
  kind: OptionKind;
  default?: number | string | boolean | null;
  choices?: readonly string[];
  min?: number;
  max?: number;
  help: string;
}

export const DEVICE_OPTIONS: OptionSpec[] = [
  { flag: 'device', kind: 'string', default: 'cpu', help: "device to run on: 'cpu', 'cuda' or 'cuda:N'" },
  { flag: 'threads', kind: 'int', default: 0, min: 0, help: 'LibTorch intra-op threads (0 = LibTorch default)' },
  { flag: 'seed', kind: 'int', default: 2, min: 0, help: 'random seed (model init, perturbations, data order; the reference uses 2 for search, 0 for train)' },
];

export const RUN_OPTIONS: OptionSpec[] = [
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
];

/** The flags every one-shot search shares (CNN cells and NAS-Bench-1Shot1), with per-command defaults. */
function supernetSearchOptions(d: {
  batchSize: number;
  epochs: number;
  layers: number;
  minChannels: number;
  analyzeEvery: number;
  analyzeHelp: string;
}): OptionSpec[] {
  return [
    { flag: 'dataset', kind: 'choice', default: 'cifar10', choices: ['cifar10', 'cifar100', 'svhn', 'fashion-mnist'], help: 'dataset' },
    { flag: 'data', kind: 'path', default: null, help: "dataset root in torchvision's layout (fashion-mnist: default = the embedded subset)" },
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
    {
      flag: 'perturb',
      kind: 'choice',
      default: 'none',
      choices: ['none', 'random', 'pgd_linf'],
      help: 'perturbation of the simplex weights: none (DARTS), random (SDARTS-RS), pgd_linf (SDARTS-ADV)',
    },
    { flag: 'epsilon-alpha', kind: 'float', default: 0.3, min: 0, help: 'final perturbation radius ε (ramped linearly from 0.03)' },
    { flag: 'pgd-steps', kind: 'int', default: 7, min: 1, help: 'PGD attack steps (step size 2ε/steps)' },
    { flag: 'pgd-random-start', kind: 'bool', default: true, help: 'PGD random start inside the ε-ball (--no-pgd-random-start to disable)' },
    { flag: 'analyze-every', kind: 'int', default: d.analyzeEvery, min: 0, help: d.analyzeHelp },
    {
      flag: 'batch-order',
      kind: 'choice',
      default: 'sdarts',
      choices: ['sdarts', 'reference'],
      help: "sample order: sdarts (its own seeded generator) or reference (LibTorch's generator as the reference's DataLoader + SubsetRandomSampler; augmentation off) — to compare a CPU search step by step with the original code",
    },
    { flag: 'limit-train', kind: 'int', default: 0, min: 0, help: 'use only the first N training images (0 = all; quick runs)' },
  ];
}

export const SEARCH_OPTIONS: OptionSpec[] = [
  {
    flag: 'space',
    kind: 'choice',
    default: 's1',
    choices: ['s1', 's2', 's3', 's4', 's5'],
    help: 'search space (S1-S4 from RobustDARTS, S5 = DARTS space without none)',
  },
  ...supernetSearchOptions({
    batchSize: 64,
    epochs: 50,
    layers: 8,
    minChannels: 2,
    analyzeEvery: 0,
    analyzeHelp:
      'every N epochs log λ_max, the largest eigenvalue of ∇²_α L_valid + 1e-3·I (Lanczos on exact Hessian-vector products; does not change the run; 0 = never)',
  }),
];

/** camelCase key of a flag: 'batch-size' → 'batchSize'. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `sdarts train` (evaluation of a cell from scratch, spec §2.10). */
export const TRAIN_OPTIONS: OptionSpec[] = [
  {
    flag: 'arch',
    kind: 'string',
    default: 'c100_s4_pgd',
    help: 'the cell: a library name (DARTS_V2, c10_s3_pgd, …), a genotype string in the DARTS format, a JSON file, or a search run directory',
  },
  { flag: 'dataset', kind: 'choice', default: 'cifar10', choices: ['cifar10', 'cifar100', 'svhn', 'fashion-mnist'], help: 'dataset' },
  { flag: 'data', kind: 'path', default: null, help: "dataset root in torchvision's layout (fashion-mnist: default = the embedded subset)" },
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
];

/** `sdarts nasbench search` (NAS-Bench-1Shot1, spec §4.3): the reference's flags and defaults. */
export const NASBENCH_SEARCH_OPTIONS: OptionSpec[] = [
  { flag: 'space', kind: 'choice', default: '1', choices: ['1', '2', '3'], help: 'NAS-Bench-1Shot1 search space' },
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
];
