/**
 * pwcca as a library: load activation matrices, prepare sides once, and
 * compare them with PWCCA, CCA and SVCCA; discover, plan and run pairwise and
 * convergence studies. The CLI is built on exactly these.
 */
export { ExitCode, InputError, InternalError, NumericError, PwccaError, UsageError } from './errors.js';
export { buildMatrix, type Matrix } from './types.js';
export { loadMatrix, type InputInfo, type LoadedMatrix } from './io/load.js';
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
export { runCompare, SCHEMA_VERSION, type CompareReport, type CompareRunOptions } from './run/compare.js';
export { runPairs, type PairOutcome, type PairTask, type RunPairsOptions, type SourceFile } from './run/runner.js';
export { discoverActivations, type Discovery } from './run/discover.js';
export { buildPairwisePlan, type PairwisePlan } from './run/pairwise-plan.js';
export { runPairwise, type PairwiseRecord, type RunPairwiseOptions } from './run/pairwise.js';
export { analysePairwise, buildDistanceMatrices } from './run/pairwise-result.js';
export { discoverCheckpoints, type CheckpointSet } from './run/steps.js';
export { planConvergence, type ConvergencePlan } from './run/convergence-plan.js';
export { runConvergence, type ConvergenceReport, type ConvergenceRunOptions } from './run/convergence.js';
