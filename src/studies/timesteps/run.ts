/**
 * `pwcca timesteps`: the T x T matrices of a plan run as a pairwise study
 * (records, distance matrices, clusters), with each array read once and each
 * timestep's slice extracted and prepared once for all its pairs.
 */
import { SCHEMA_VERSION } from '../../types.js';
import { runPairwise, type PairwiseMethod, type PairwiseRun, type RunPairwiseOptions } from '../pairwise/run.js';
import { analysePairwise, buildDistanceMatrices, type PairwiseReport } from '../pairwise/report.js';
import type { SequenceDiscovery } from './discover.js';
import type { TimestepsPlan } from './plan.js';
import { withSliceLoaders } from './slices.js';

/** Options of a timesteps run: the pairwise study's, with the sequence layout required. */
export interface RunTimestepsOptions extends RunPairwiseOptions {
  /** Axis order of the arrays: n, c and t in any order (`ntc`, `nct`). */
  readonly layout: string;
}

/** Runs every pair of the plan through the pairwise study (one route: the engine). */
export async function runTimesteps(plan: TimestepsPlan, options: RunTimestepsOptions): Promise<PairwiseRun> {
  return runPairwise({ ...plan, files: withSliceLoaders(plan.files, options) }, options);
}

/** What a timesteps report records besides the numbers. */
export interface TimestepsReportOptions {
  readonly methods: readonly PairwiseMethod[];
  /** Cut each matrix into this many clusters (average linkage). */
  readonly clusters?: number;
  /** The options that produced the numbers, as given (JSON `options`). */
  readonly recorded: Readonly<Record<string, unknown>>;
}

/**
 * The report of a finished run, in the pairwise report's shape: `scope`
 * `timestep`, one matrix per sequence array (JSON `layers`, each named by
 * its array), labels `t0..`, no groups.
 */
export function buildTimestepsReport(
  discovery: SequenceDiscovery,
  plan: TimestepsPlan,
  run: Pick<PairwiseRun, 'records'>,
  options: TimestepsReportOptions,
): PairwiseReport {
  const analysed = analysePairwise(buildDistanceMatrices(plan, run.records, options.methods), { clusters: options.clusters });
  return {
    schemaVersion: SCHEMA_VERSION,
    scopeKind: plan.scopeKind,
    kind: { command: 'timesteps', scope: 'timestep', labels: 'timesteps' },
    methods: options.methods,
    options: options.recorded,
    discovery: {
      mode: discovery.mode,
      ...(discovery.root !== undefined && { root: discovery.root }),
      files: discovery.sequences.map((sequence) => ({
        path: sequence.ref,
        network: sequence.network,
        layer: sequence.layer,
        group: sequence.group,
        shape: [...sequence.shape],
        timesteps: sequence.timesteps,
      })),
    },
    matrices: analysed.matrices,
    records: run.records,
    warnings: [...discovery.warnings, ...plan.warnings, ...analysed.warnings],
  };
}
