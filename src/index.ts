/** sdarts — SmoothDARTS in TypeScript over LibTorch. Package entry. */
export * from './tensor/index.js';
export * as autograd from './tensor/autograd.js';
export { SdartsError } from './util/errors.js';
export { ERROR_CODES, EXIT_CODES, errorClass, isErrorCode, type ErrorClass, type ErrorCode, type ErrorInfo } from './util/error-codes.js';

// nn, optim
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { ntAsgdShouldSwitch, ntAsgdSwitchEpoch, withAveragedParams } from './optim/nt-asgd.js';

// data
export { loadDataset } from './data/dataset.js';
export type { ImageDataset } from './data/image-dataset.js';
export { loadEmbeddedFashionMnist, EMBEDDED_FASHION_MNIST_DIR } from './data/embedded.js';
export { downloadDataset } from './data/download.js';
export { SearchDataLoader } from './data/loader.js';
export { DataLoader } from './data/data-loader.js';
export { trainTransform, evalTransform } from './data/transforms.js';
export { NORMALIZATION, normalizationFor } from './data/normalization.js';

// search spaces, networks, genotypes
export { PRIMITIVES, type PrimitiveName } from './space/primitives.js';
export { getSpace, SPACE_NAMES, type SpaceName, type SearchSpace } from './space/spaces.js';
export { OPS } from './space/operations.js';
export { SearchNetwork, type SearchNetworkConfig } from './space/search-network.js';
export { NetworkCIFAR, countsTowardModelSize, type NetworkCIFARConfig, type NetworkCIFAROutput } from './space/eval-network.js';
export {
  formatGenotype,
  parseGenotype,
  genotypeToJSON,
  genotypeFromJSON,
  deriveGenotype,
  getGenotype,
  resolveGenotype,
  CNN_GENOTYPE_NAMES,
  resolveRnnGenotype,
  getRnnGenotype,
  formatRnnGenotype,
  parseRnnGenotype,
  RNN_GENOTYPE_NAMES,
  type Genotype,
  type RnnGenotype,
} from './space/genotype/index.js';
export * as oneshot from './space/oneshot/index.js';
// cell drawings (SVG, DOT), pure functions of a genotype
export {
  cnnCellGraph,
  genotypeGraphs,
  nasbenchGraph,
  rnnCellGraph,
  PARAMETER_FREE_OPS,
  layoutGraph,
  cellsToSvg,
  cellsToDot,
  type CellGraph,
  type GraphEdge,
  type GraphNode,
  type Layout,
  type PlacedEdge,
  type PlacedNode,
} from './space/draw/index.js';
export * as rnn from './space/rnn/index.js';

// search algorithms
export { Architect } from './search/architect.js';
export { searchStep, type SearchStepConfig, type SearchStepResult } from './search/search-step.js';
export {
  rnnSearchStep,
  regularizedLoss,
  type RecurrentSupernet,
  type RnnHidden,
  type RnnSearchBatch,
  type RnnStepConfig,
  type RnnStepResult,
} from './search/rnn-search-step.js';
export { rnnTrainStep, type RnnTrainStepConfig, type RnnTrainStepResult } from './run/rnn-train-step.js';
export { runRnnSearch, type RnnSearchConfig, type RnnSearchEvent } from './run/rnn-search-job.js';
export { PERTURBATIONS, type PerturbationName } from './search/perturbation.js';
export { clipSimplex_ } from './search/clip.js';
export { epsilonAt } from './search/epsilon-schedule.js';
export { largestHessianEigenvalue, exactHessianEigenvalue, hessianVectorProduct, ANALYSIS_DIAGONAL, type HessianEigenResult } from './search/hessian.js';
export { lanczosLargest, type LanczosResult, type LanczosOptions } from './search/lanczos.js';
export { oneShotEigenvalue } from './search/oneshot-eigenvalue.js';

// the runner: the same jobs the CLI runs, as async iterables of events
export { runSearch, type SearchConfig, type SearchEvent } from './run/search-job.js';
export { runTrain, testCheckpoint, type TrainConfig, type TrainEvent } from './run/train-job.js';
export { runNasbenchSearch, scoreRun, type NasbenchSearchConfig } from './run/nasbench-search-job.js';
export { runRnnTrain, MAX_ROLLBACKS, type RnnTrainConfig, type RnnTrainEvent, type RnnTrainOptions, type RnnOptimizerName } from './run/rnn-train-job.js';
export { testRnnCheckpoint, evaluateRnnModel, BEST_FILE, type RnnTestResult, type BestModelInfo } from './run/rnn-eval.js';
export type { EngineEvent } from './run/search-run.js';

// reports: a run directory read back, charts, the HTML report and comparison, PNG
export {
  readRun,
  architectureOf,
  parameterFreeCounts,
  type RunData,
  type RunStatus,
  type EpochPoint,
  type AlphaMatrix,
  type Architecture,
} from './report/run-data.js';
export { resolveArchitecture } from './report/architecture-arg.js';
export { lineChart, type ChartSpec, type Series } from './report/line-chart.js';
export { heatmap } from './report/heatmap.js';
export { buildReport, buildCompare, architectureSvg } from './report/report-html.js';
export { writeReport, writeCompare } from './report/report.js';
export { svgToPng } from './report/png.js';
export { phaseEvent, type PhaseEvent, type ProgressEvent, type JobPhase } from './run/phase-events.js';

// sweeps: grids of jobs (locally or as SLURM job arrays) and their summary tables
export { planSweep, type SweepPlan, type StagePlan, type FrozenPlan, type SweepCell } from './sweep/plan.js';
export { runSweep, type SweepEvent, type LocalRunOptions } from './sweep/local-backend.js';
export { summarize, type Summary, type SummaryGroup, type MetricStats } from './sweep/summarize.js';
export { formatSummary, type SummaryFormat } from './sweep/summary-format.js';
export { sweepStatus, type SweepStatus, type CellStatus } from './sweep/status.js';

// NAS-Bench-101 / 1Shot1 (pure TS)
export * as benchmark from './benchmark/index.js';
