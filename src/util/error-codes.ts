/**
 * The error catalogue: every `ERR_SDARTS_*` code sdarts raises, declared once, with its class and
 * what it means. `SdartsError` (and the coded TypeError/RangeError helpers) accept only these codes,
 * so a new code is added here first; test/util/error-codes.test.ts checks that every code in src/
 * and native/ is catalogued and that none here is unused. The native addon raises three of them
 * itself (ERR_SDARTS_NATIVE_ARG, ERR_SDARTS_TORCH, ERR_SDARTS_OUT_OF_MEMORY, in native/common.cc).
 *
 * Classes, and the CLI's exit code for each (EXIT_CODES):
 *  - usage: bad input to sdarts (flags, config, arguments to a library function, an unknown name);
 *  - data: a file or dataset that is missing, damaged or not what was expected (the native addon's
 *    binary included), or a failed download;
 *  - internal: a bug in sdarts or LibTorch. Errors without a catalogued code are internal too.
 * Interruptions (SIGINT 130, SIGTERM 143) are not errors and have no code (src/cli/job-command.ts).
 */
export type ErrorClass = 'usage' | 'data' | 'internal';

/** The CLI exit code of each class. usage and data share 2: "fix what you gave sdarts, then retry". */
export const EXIT_CODES: Readonly<Record<ErrorClass, number>> = { usage: 2, data: 2, internal: 1 };

export interface ErrorInfo {
  readonly class: ErrorClass;
  /** One line: what went wrong, in general terms (the error's message says it in detail). */
  readonly meaning: string;
}

export const ERROR_CODES = {
  // Arguments of library functions (util, tensor, native).
  ERR_SDARTS_INVALID_ARG_TYPE: { class: 'usage', meaning: 'an argument has the wrong type' },
  ERR_SDARTS_OUT_OF_RANGE: { class: 'usage', meaning: 'an argument is outside its allowed range or shape' },
  ERR_SDARTS_NATIVE_ARG: { class: 'usage', meaning: 'the native addon rejected an argument of a tensor op' },
  ERR_SDARTS_TENSOR_DISPOSED: { class: 'usage', meaning: 'a disposed tensor was used' },
  ERR_SDARTS_TIDY_ASYNC: { class: 'usage', meaning: 'tidy() was given an async function' },
  ERR_SDARTS_NO_CUDA: { class: 'usage', meaning: 'a CUDA device was asked for but is not available' },
  ERR_SDARTS_OUT_OF_MEMORY: { class: 'usage', meaning: 'LibTorch ran out of memory (use a smaller batch or model)' },
  ERR_SDARTS_TORCH: { class: 'usage', meaning: 'LibTorch refused a tensor op (its message says why: shapes, dtypes, devices of the arguments)' },
  ERR_SDARTS_ADDON_LOAD: { class: 'data', meaning: 'the native addon file is missing or cannot be loaded (build it)' },
  ERR_SDARTS_ADDON_CONTRACT: { class: 'data', meaning: 'the native addon file is stale: it does not match src/tensor (rebuild it)' },
  // Files in PyTorch's formats (tensor, nn).
  ERR_SDARTS_FILE_NOT_FOUND: { class: 'data', meaning: 'a safetensors file cannot be read' },
  ERR_SDARTS_FILE_WRITE: { class: 'data', meaning: 'a safetensors file cannot be written (missing folder, no permission, disk full)' },
  ERR_SDARTS_SAFETENSORS_FORMAT: { class: 'data', meaning: 'a file is not a valid safetensors file' },
  ERR_SDARTS_STATE_DICT_KEYS: { class: 'data', meaning: "a state dict's keys do not match the module's" },
  ERR_SDARTS_STATE_DICT_SHAPE: { class: 'data', meaning: "a state dict's tensor has another shape than the module's" },
  // Optimizers and schedulers.
  ERR_SDARTS_OPTIM_EMPTY_PARAMS: { class: 'usage', meaning: 'an optimizer or parameter group got no parameters' },
  ERR_SDARTS_OPTIM_DUPLICATE_PARAM: { class: 'usage', meaning: 'a parameter appears in more than one group' },
  ERR_SDARTS_OPTIM_DISPOSED_PARAM: { class: 'usage', meaning: 'a parameter to optimize is a disposed tensor' },
  ERR_SDARTS_OPTIM_NON_LEAF: { class: 'usage', meaning: 'a parameter to optimize is not a leaf tensor' },
  ERR_SDARTS_OPTIM_NONFINITE_NORM: { class: 'usage', meaning: 'the gradient norm to clip is NaN or infinite (errorIfNonfinite)' },
  ERR_SDARTS_OPTIM_STATE_DICT: { class: 'data', meaning: 'an optimizer or scheduler state dict does not fit it' },
  // Datasets and data loaders.
  ERR_SDARTS_DATA_MISSING: { class: 'data', meaning: 'a dataset file is not there' },
  ERR_SDARTS_DATA_CORRUPT: { class: 'data', meaning: 'a dataset file is damaged or truncated' },
  ERR_SDARTS_DATA_FORMAT: { class: 'data', meaning: 'a dataset file is not in the expected format' },
  ERR_SDARTS_DATA_CHECKSUM: { class: 'data', meaning: 'a downloaded file does not have its published MD5' },
  ERR_SDARTS_DATA_DOWNLOAD: { class: 'data', meaning: 'a download failed or stopped' },
  ERR_SDARTS_DATA_NO_CUTOUT: { class: 'usage', meaning: 'a cutout probability was set on a transform without cutout' },
  ERR_SDARTS_DATA_RNG_STATE: { class: 'data', meaning: 'a saved random-generator state is from another generator' },
  ERR_SDARTS_DATA_LOADER_STATE: { class: 'data', meaning: 'a saved loader state does not fit this loader' },
  ERR_SDARTS_DATA_LOADER_EPOCH: { class: 'usage', meaning: 'a loader was asked for an epoch it has already started' },
  ERR_SDARTS_DATA_LOADER_STALE: { class: 'usage', meaning: 'a superseded epoch iterator was used' },
  // NAS-Bench-101.
  ERR_SDARTS_BENCHMARK_FILE: { class: 'data', meaning: 'the NAS-Bench-101 file cannot be opened or read' },
  ERR_SDARTS_BENCHMARK_DATA_LOSS: { class: 'data', meaning: 'the tfrecord container is corrupt or truncated' },
  ERR_SDARTS_BENCHMARK_BAD_RECORD: { class: 'data', meaning: 'a record is intact but not a NAS-Bench-101 row' },
  ERR_SDARTS_BENCHMARK_INVALID_SPEC: { class: 'usage', meaning: 'the matrix and ops cannot form a model spec' },
  ERR_SDARTS_BENCHMARK_OUT_OF_DOMAIN: { class: 'usage', meaning: 'a well-formed spec outside the NAS-Bench-101 space' },
  ERR_SDARTS_BENCHMARK_NOT_FOUND: { class: 'usage', meaning: 'the file has no record for this hash, spec or epoch budget' },
  // Search spaces and genotypes.
  ERR_SDARTS_SPACE_UNKNOWN: { class: 'usage', meaning: 'an unknown search space name' },
  ERR_SDARTS_SPACE_INVALID: { class: 'usage', meaning: 'a search space definition is inconsistent' },
  ERR_SDARTS_SPACE_CHANNELS: { class: 'usage', meaning: 'a channel count the operation cannot use' },
  ERR_SDARTS_SPACE_CONCAT: { class: 'usage', meaning: 'a reduction cell concatenates an input state' },
  ERR_SDARTS_SPACE_AUX_INPUT: { class: 'usage', meaning: 'the auxiliary head got an input of the wrong size' },
  ERR_SDARTS_SPACE_DROP_PATH_MASKS: { class: 'usage', meaning: 'fewer drop-path masks were given than branches' },
  ERR_SDARTS_GENOTYPE_UNKNOWN: { class: 'usage', meaning: 'an unknown genotype name' },
  ERR_SDARTS_GENOTYPE_PARSE: { class: 'usage', meaning: 'genotype text or JSON cannot be parsed' },
  ERR_SDARTS_GENOTYPE_INVALID: { class: 'usage', meaning: 'a parsed genotype is not a valid cell' },
  ERR_SDARTS_GENOTYPE_SHAPE: { class: 'usage', meaning: 'the architecture weights to derive a genotype from have the wrong shape' },
  ERR_SDARTS_GENOTYPE_NOT_FOUND: { class: 'data', meaning: 'a run directory holds no (final) genotype yet' },
  // Configuration, run directories, logs and checkpoints.
  ERR_SDARTS_CONFIG: { class: 'usage', meaning: 'invalid flags or configuration' },
  ERR_SDARTS_RUN_EXISTS: { class: 'usage', meaning: 'the --save directory already holds a run' },
  ERR_SDARTS_RUN_IN_USE: { class: 'usage', meaning: 'a run directory is in use by a running sdarts process (its run.lock)' },
  ERR_SDARTS_RUN_NOT_FOUND: { class: 'data', meaning: 'a directory is not a run directory, or lacks a file the command needs' },
  ERR_SDARTS_RUN_CORRUPT: { class: 'data', meaning: "a run's config.json is not valid JSON" },
  ERR_SDARTS_RUN_KIND: { class: 'data', meaning: 'a run directory holds a run of another command' },
  ERR_SDARTS_RUN_EVENTS_NOT_FOUND: { class: 'data', meaning: 'an events.jsonl cannot be read' },
  ERR_SDARTS_RUN_EVENTS_CORRUPT: { class: 'data', meaning: 'an events.jsonl line is not a JSON object' },
  ERR_SDARTS_RUN_EVENTS_SERIALIZE: { class: 'usage', meaning: 'an event to log is not JSON-serialisable' },
  ERR_SDARTS_RUN_EVENTS_CLOSED: { class: 'usage', meaning: 'an event was appended to a closed events log' },
  ERR_SDARTS_RUN_LOG_CLOSED: { class: 'usage', meaning: 'a line was written to a closed text log' },
  ERR_SDARTS_RUN_TENSORBOARD_OPEN: { class: 'data', meaning: 'a TensorBoard event file cannot be created' },
  ERR_SDARTS_RUN_TENSORBOARD_CLOSED: { class: 'usage', meaning: 'a scalar was written to a closed TensorBoard writer' },
  ERR_SDARTS_CHECKPOINT_MISSING: { class: 'data', meaning: 'a run directory has no checkpoint to resume from' },
  ERR_SDARTS_CHECKPOINT_CORRUPT: { class: 'data', meaning: 'a checkpoint file cannot be read' },
  ERR_SDARTS_CHECKPOINT_FOREIGN: { class: 'data', meaning: 'a checkpoint is not an sdarts checkpoint of this format version' },
  ERR_SDARTS_CHECKPOINT_CHECKSUM: { class: 'data', meaning: 'a checkpoint tensor or its JSON state does not match its checksum (damaged)' },
  ERR_SDARTS_CHECKPOINT_CONTENTS: { class: 'data', meaning: "a checkpoint's tensors or JSON state do not fit the run resuming from it" },
  ERR_SDARTS_RUN_CONFIG_INVALID: { class: 'data', meaning: "a run's config.json is valid JSON but not a complete run configuration" },
  ERR_SDARTS_RUN_DIVERGED: { class: 'usage', meaning: 'the training loss stayed NaN/Inf after rolling back to the last good checkpoint' },
  ERR_SDARTS_RESUME_FLAGS: { class: 'usage', meaning: "--resume was given flags that differ from the run's frozen configuration" },
  // Sweeps (src/sweep).
  ERR_SDARTS_SWEEP_PLAN: {
    class: 'usage',
    meaning: 'a sweep plan is invalid (an unknown option, a refused value, an empty grid, a clash …)',
  },
  ERR_SDARTS_SWEEP_OPTIONS: { class: 'usage', meaning: 'the options of a sweep command do not fit together' },
  ERR_SDARTS_SWEEP_EXISTS: { class: 'usage', meaning: 'the sweep directory already holds another sweep' },
  ERR_SDARTS_SWEEP_NOT_FOUND: { class: 'data', meaning: 'a directory is not a sweep directory (no sweep.json)' },
  ERR_SDARTS_SWEEP_CORRUPT: { class: 'data', meaning: "a sweep's sweep.json is damaged" },
  ERR_SDARTS_SWEEP_CELL: { class: 'usage', meaning: 'a sweep has no cell of that name' },
  ERR_SDARTS_SWEEP_UPSTREAM: { class: 'usage', meaning: 'a chained cell was run before the cell it builds on is done' },
  ERR_SDARTS_SWEEP_SLURM: { class: 'data', meaning: 'a SLURM command (sbatch, squeue) is missing or failed' },
  // Reports, comparisons and cell drawings (src/report/).
  ERR_SDARTS_REPORT_NOT_A_RUN: { class: 'usage', meaning: 'a directory given to report or compare is not a run directory' },
  ERR_SDARTS_REPORT_RUN_FILE: { class: 'data', meaning: "a run's JSON file (config, genotypes, alphas) is damaged" },
  ERR_SDARTS_REPORT_COMPARE_RUNS: { class: 'usage', meaning: 'compare was given fewer than two run directories' },
  ERR_SDARTS_REPORT_PNG: { class: 'data', meaning: 'the PNG rasteriser (@resvg/resvg-js) cannot be loaded' },
  ERR_SDARTS_REPORT_OUTPUT: { class: 'usage', meaning: 'a drawing format that needs an output file was asked for without one' },
} as const satisfies Record<`ERR_SDARTS_${string}`, ErrorInfo>;

/** A catalogued code: the only codes `SdartsError` and the coded-error helpers accept. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is in the catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The class of a catalogued code. */
export function errorClass(code: ErrorCode): ErrorClass {
  return ERROR_CODES[code].class;
}
