import type { CompareReport } from '../studies/compare.js';

/**
 * The JSON document of `pwcca compare` (schema version 1). Field names follow
 * the oracle's expected.json where they mean the same thing; the README
 * documents every field.
 */
export function buildCompareJson(report: CompareReport): Record<string, unknown> {
  const { comparison: c } = report;
  return {
    schemaVersion: report.schemaVersion,
    command: 'compare',
    method: report.method,
    variant: report.variant,
    similarity: report.similarity,
    distance: report.distance,
    datapoints: c.datapoints,
    regularisation: c.regularisation,
    inputs: report.inputs,
    cca: {
      similarity: c.cca.similarity,
      distance: c.cca.distance,
      mean: c.cca.mean,
      meanThresholded: c.cca.meanThresholded,
      threshold: c.cca.threshold,
      coefficients: Array.from(c.cca.coefficients),
    },
    pwcca: {
      variant: c.pwcca.variant,
      similarity: c.pwcca.similarity,
      distance: c.pwcca.distance,
      side: c.pwcca.side,
      sideTie: c.pwcca.sideTie,
      weights: Array.from(c.pwcca.weights),
      directional: c.pwcca.directional,
      weightsUnique: c.pwcca.weightsUnique,
      similarityUnique: c.pwcca.similarityUnique,
    },
    ...(c.svcca && {
      svcca: {
        similarity: c.svcca.similarity,
        distance: c.svcca.distance,
        dims: c.svcca.dims,
        coefficients: Array.from(c.svcca.coefficients),
      },
    }),
    warnings: c.warnings,
  };
}

/** `pwcca compare --format json`: the document, pretty-printed, with a trailing newline. */
export function toCompareJson(report: CompareReport): string {
  return `${JSON.stringify(buildCompareJson(report), null, 2)}\n`;
}
