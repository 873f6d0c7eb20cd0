/**
 * pwcca as a library: load activation matrices, prepare sides once, and
 * compare them with PWCCA, CCA and SVCCA; discover, plan and run pairwise and
 * convergence studies. The CLI is built on exactly these.
 */
export { ExitCode, InputError, InternalError, NumericError, PwccaError, UsageError } from './errors.js';
export { buildMatrix, SCHEMA_VERSION, type Matrix, type MethodName, type ReadOptions } from './types.js';
export { listArrays, loadMatrix, type InputInfo, type LoadedMatrix, type LoadOptions } from './io/load.js';
export type { ArrayInfo } from './io/arrays.js';
export {
  computeMoments,
  crossCovariance,
  prepareFromMoments,
  prepareSide,
  type PreparedSide,
  type SideMoments,
} from './metrics/side.js';
export {
  comparePrepared,
  symmetricPwcca,
  type CompareOptions,
  type PairComparison,
  type PwccaVariant,
} from './metrics/compare.js';
export { meanCorrelation, thresholdedMean } from './metrics/cca.js';
export { REFERENCE_EPSILON, type SvccaOptions, type SvccaResult } from './metrics/svcca.js';
export { runCompare, type CompareReport, type CompareRunOptions } from './studies/compare.js';
export {
  runPairMoments,
  runPairs,
  type EngineOptions,
  type PairFailure,
  type PairMoments,
  type PairMomentsOutcome,
  type PairOutcome,
  type PairTask,
  type RunPairMomentsOptions,
  type RunPairsOptions,
  type RunStats,
  type SourceFile,
} from './engine/run-pairs.js';
export { discoverActivationArrays, discoverActivations, type Discovery } from './studies/pairwise/discover.js';
export { buildPairwisePlan, type PairwisePlan } from './studies/pairwise/plan.js';
export { runPairwise, type PairwiseOptions, type PairwiseRecord, type RunPairwiseOptions } from './studies/pairwise/run.js';
export { analysePairwise, buildDistanceMatrices, buildMeanMatrix, buildPairwiseReport, type PairwiseReport, type PairwiseReportOptions } from './studies/pairwise/report.js';
export { discoverCheckpointArrays, discoverCheckpoints, type CheckpointSet } from './studies/convergence/discover.js';
export { planConvergence, type ConvergencePlan } from './studies/convergence/plan.js';
export { runConvergence, type ConvergenceReport, type ConvergenceRunOptions } from './studies/convergence/run.js';
