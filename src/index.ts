/**
 * pwcca as a library: load activation matrices, prepare sides once, and
 * compare them with PWCCA, CCA and SVCCA. The CLI is built on exactly these.
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
