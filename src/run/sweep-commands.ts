/**
 * The sweep commands of the command table (src/run/commands.ts lists them in COMMANDS; their actions are in
 * src/cli/sweep-command.ts): `sweep run|status|resume|cell` and `summarize`.
 */
/** The formats of `sdarts summarize` (src/sweep/summary-format.ts). This file imports nothing, so the command table may take it in. */
export const SUMMARY_FORMATS = ['md', 'csv', 'json', 'html'] as const;

const json = { flag: 'json', kind: 'bool', default: false, help: 'machine-readable output (JSON)' } as const;
const sweepDir = { name: 'dir', help: 'the sweep directory (the --dir of `sdarts sweep run`)' } as const;

export const SWEEP_RUN_COMMAND = {
  name: 'sweep run',
  description: 'run a grid of jobs (search, train, nasbench search, …) from a plan: locally, N at a time, or as SLURM job arrays',
  options: [
    {
      flag: 'plan',
      kind: 'path',
      default: null,
      help: 'the plan: a JSON file with "stages": [{"command", "options", "grid", "after", "input", "where"}, …] (docs/sweep.md)',
    },
    { flag: 'command', kind: 'string', default: null, help: "or a one-stage plan from flags: the job command ('search', 'train', 'nasbench search', …)" },
    {
      flag: 'grid',
      kind: 'string',
      default: null,
      arg: 'key=v1,v2 …',
      help: 'with --command: the options to vary, e.g. "space=s2,s3 perturb=none,random seed=0,1"',
    },
    { flag: 'set', kind: 'string', default: null, arg: 'key=v …', help: 'with --command: options every cell gets, e.g. "dataset=fashion-mnist epochs=2"' },
    { flag: 'dir', kind: 'path', required: true, help: 'the sweep directory: sweep.json (the frozen plan) and one run directory per cell' },
    { flag: 'name', kind: 'string', default: null, help: "the sweep's name (SLURM job names; default: the plan's, else 'sweep')" },
    { flag: 'backend', kind: 'choice', default: 'local', choices: ['local', 'slurm'], help: 'where the cells run' },
    { flag: 'workers', kind: 'int', default: 1, min: 1, help: 'local: runs at a time (LibTorch threads are split between them)' },
    { flag: 'gpus', kind: 'string', default: null, arg: '0,1,…', help: 'local: GPU ids, one per worker (CUDA_VISIBLE_DEVICES); give the cells --device cuda' },
    { flag: 'partition', kind: 'string', default: null, help: 'slurm: --partition' },
    { flag: 'time', kind: 'string', default: null, help: 'slurm: --time per task, e.g. 24:00:00' },
    { flag: 'gres', kind: 'string', default: null, help: 'slurm: --gres, e.g. gpu:1' },
    { flag: 'account', kind: 'string', default: null, help: 'slurm: --account' },
    { flag: 'cpus-per-task', kind: 'int', default: null, min: 1, help: "slurm: --cpus-per-task (also the runs' --threads unless the plan sets it)" },
    { flag: 'mem', kind: 'string', default: null, help: 'slurm: --mem, e.g. 32G' },
    { flag: 'max-parallel', kind: 'int', default: null, min: 1, help: 'slurm: array tasks at a time (--array=…%N)' },
    {
      flag: 'signal-before',
      kind: 'int',
      default: 120,
      min: 0,
      help: 'slurm: SIGTERM this many seconds before the time limit, so that a run checkpoints (0 = off)',
    },
    {
      flag: 'sbatch',
      kind: 'string',
      default: null,
      arg: 'lines',
      help: 'slurm: extra #SBATCH lines, separated by \';\' (e.g. "--constraint=a100;--qos=long")',
    },
    {
      flag: 'dry-run',
      kind: 'bool',
      default: false,
      help: 'validate and list the cells (and print the sbatch scripts) without running or submitting anything',
    },
    json,
  ],
} as const;

export const SWEEP_STATUS_COMMAND = {
  name: 'sweep status',
  description: 'per cell: pending / running / done / failed / interrupted, from the run directories and squeue/sacct',
  arguments: [sweepDir],
  options: [json],
} as const;

export const SWEEP_RESUME_COMMAND = {
  name: 'sweep resume',
  description: 'run or resubmit every cell that is not done (from its checkpoint when it has one); a finished cell never runs twice',
  arguments: [sweepDir],
  options: [{ flag: 'workers', kind: 'int', default: null, min: 1, help: "local: runs at a time (default: the sweep's)" }, json],
} as const;

export const SWEEP_CELL_COMMAND = {
  name: 'sweep cell',
  description: "print one cell's sdarts command line now (a new run, --resume, or nothing when done); each SLURM task runs it",
  arguments: [sweepDir, { name: 'cell', help: 'the cell: <stage>/<name> or <stage>:<index>' }],
  options: [
    { flag: 'shell', kind: 'bool', default: false, help: 'quoted for a POSIX shell, without the leading `sdarts`' },
    { flag: 'threads', kind: 'int', default: 0, min: 0, help: 'add --threads N unless the plan sets it (0 = do not)' },
  ],
} as const;

export const SUMMARIZE_COMMAND = {
  name: 'summarize',
  description: "mean ± std over seeds per group of completed runs, laid out as the paper's tables (reads run directories only)",
  arguments: [{ name: 'dirs...', help: 'sweep directories, run directories, or folders holding runs' }],
  options: [
    { flag: 'by', kind: 'string', default: 'space,dataset,perturb', help: 'config keys to group by (comma-separated)' },
    {
      flag: 'format',
      kind: 'choice',
      default: 'md',
      choices: SUMMARY_FORMATS,
      help: 'md and html: one table per metric, methods × (space · dataset); csv and json: one row per group',
    },
  ],
} as const;

export const SWEEP_COMMANDS = [SWEEP_RUN_COMMAND, SWEEP_STATUS_COMMAND, SWEEP_RESUME_COMMAND, SWEEP_CELL_COMMAND, SUMMARIZE_COMMAND] as const;
