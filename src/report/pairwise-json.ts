import type { PairwiseMethod, PairwiseRecord } from '../studies/pairwise/run.js';
import type { PairwiseReport } from '../studies/pairwise/report.js';

/**
 * The JSON document of `pwcca pairwise` (schema version 1; also of
 * `pwcca timesteps`, whose `command` and `scope` come from `report.kind`): options, one
 * entry per matrix (`layers`, or `networks` with --cross-layer) with labels,
 * groups, distances by method, group statistics, clusters and metadata
 * correlations, one entry per pair and method, and warnings. The README
 * documents every field.
 */
export function buildPairwiseJson(report: PairwiseReport): Record<string, unknown> {
  const scopeKind = report.scopeKind;
  const failed = report.records.filter((record) => record.error).length;
  return {
    schemaVersion: report.schemaVersion,
    command: report.kind?.command ?? 'pairwise',
    scope: report.kind?.scope ?? scopeKind,
    mode: report.discovery.mode,
    ...(report.discovery.root !== undefined && { root: report.discovery.root }),
    methods: report.methods,
    options: report.options,
    summary: { pairs: report.records.length, ok: report.records.length - failed, failed },
    files: report.discovery.files,
    [scopeKind === 'layer' ? 'layers' : 'networks']: report.matrices.map((matrix) => ({
      [scopeKind]: matrix.scope,
      labels: matrix.labels,
      groups: matrix.groups,
      methods: matrix.methods,
      groupStats: matrix.groupStats ?? null,
      ...(matrix.groupTest && { groupTest: matrix.groupTest }),
      ...(matrix.cells && { cells: matrix.cells }),
      ...(matrix.clusters && { clusters: matrix.clusters }),
      ...(matrix.meta && { meta: matrix.meta }),
    })),
    ...(report.aggregate && {
      aggregate: {
        aggregate: report.aggregate.aggregate,
        layers: report.aggregate.layers,
        labels: report.aggregate.labels,
        groups: report.aggregate.groups,
        methods: report.aggregate.methods,
        groupStats: report.aggregate.groupStats ?? null,
        ...(report.aggregate.clusters && { clusters: report.aggregate.clusters }),
        ...(report.aggregate.meta && { meta: report.aggregate.meta }),
      },
    }),
    pairs: report.records.flatMap((record) => report.methods.map((method) => pairJson(record, method, scopeKind))),
    warnings: report.warnings,
  };
}

/** `pwcca pairwise --format json`: the document, pretty-printed, with a trailing newline. */
export function toPairwiseJson(report: PairwiseReport): string {
  return `${JSON.stringify(buildPairwiseJson(report), null, 2)}\n`;
}

function pairJson(record: PairwiseRecord, method: PairwiseMethod, scopeKind: string): Record<string, unknown> {
  const value = record.values?.[method];
  const pwcca = method === 'pwcca' ? record.values?.pwcca : undefined;
  return {
    [scopeKind]: record.scope,
    a: record.a,
    b: record.b,
    groupA: record.groupA,
    groupB: record.groupB,
    method,
    similarity: value?.similarity ?? null,
    distance: value?.distance ?? null,
    directional: pwcca ? pwcca.directional : null,
    ...(pwcca && { side: pwcca.side }),
    ...(method === 'svcca' && record.values?.svcca && { dims: record.values.svcca.dims }),
    ...(method === 'cka' && record.values?.cka && { debiased: record.values.cka.debiased }),
    ...(record.significance?.[method] && {
      pValue: record.significance[method].pValue,
      nullMean: record.significance[method].nullMean,
      nullStd: record.significance[method].nullStd,
      excess: record.significance[method].excess,
    }),
    ...(record.datapoints !== undefined && { datapoints: record.datapoints }),
    ...(record.ranks && { ranks: record.ranks }),
    ...(record.warnings && record.warnings.length > 0 && { warnings: record.warnings }),
    ...(record.error && { error: record.error }),
  };
}
