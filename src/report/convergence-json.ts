import type { ConvergenceReport } from '../studies/convergence/run.js';

/**
 * The JSON document of `pwcca convergence` (schema version 1); the README
 * documents every field. `cells` holds every (run, layer, step, method);
 * `table` the same over runs (mean and population std of the distance);
 * `summary` the convergence step and area per layer and the bottom-up score
 * per method.
 */
export function buildConvergenceJson(report: ConvergenceReport): Record<string, unknown> {
  return {
    schemaVersion: report.schemaVersion,
    command: 'convergence',
    root: report.root,
    layout: report.layout,
    options: report.options,
    runs: report.runs,
    ...(report.groups.length > 0 && { groups: report.groups }),
    steps: report.steps,
    layers: report.layers,
    referenceStep: report.referenceStep,
    cells: report.cells,
    table: report.points,
    summary: report.summary,
    ...(report.directions && {
      directions: {
        requested: report.directions.requested,
        earlyStep: report.directions.earlyStep,
        middleStep: report.directions.middleStep,
        steps: report.directions.steps,
        tracks: report.directions.tracks,
        mean: report.directions.mean,
      },
    }),
    stats: { comparisons: report.stats.comparisons, resumed: report.stats.resumed, failed: report.stats.failed },
    warnings: report.warnings,
  };
}

/** `pwcca convergence --format json`: the document, pretty-printed, with a trailing newline. */
export function toConvergenceJson(report: ConvergenceReport): string {
  return `${JSON.stringify(buildConvergenceJson(report), null, 2)}\n`;
}
