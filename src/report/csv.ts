import type { CompareReport } from '../studies/compare.js';

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' ? formatNumber(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Full float64 precision: the shortest text that reads back to the same number. */
export function formatNumber(value: number): string {
  return String(value);
}

/** One CSV line from fields. */
export function csvLine(fields: ReadonlyArray<string | number | undefined | null>): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** Column order of `pwcca compare --format csv`; stable, documented in the README. */
export const COMPARE_CSV_COLUMNS = [
  'a',
  'b',
  'method',
  'variant',
  'similarity',
  'distance',
  'pwcca_similarity',
  'pwcca_distance',
  'pwcca_side',
  'pwcca_a',
  'pwcca_b',
  'cca_mean',
  'cca_mean_thresholded',
  'svcca_similarity',
  'svcca_dims_a',
  'svcca_dims_b',
  'datapoints',
  'neurons_a',
  'neurons_b',
  'rank_a',
  'rank_b',
] as const;

/** `pwcca compare --format csv`: a header line and one row. Empty cells where a method was not computed. */
export function toCompareCsv(report: CompareReport, options: { header?: boolean } = {}): string {
  const c = report.comparison;
  const row = [
    report.inputs.a.path,
    report.inputs.b.path,
    report.method,
    report.variant,
    report.similarity,
    report.distance,
    c.pwcca.similarity,
    c.pwcca.distance,
    c.pwcca.side,
    c.pwcca.directional.a,
    c.pwcca.directional.b,
    c.cca.mean,
    c.cca.meanThresholded,
    c.svcca?.similarity,
    c.svcca?.dims.a,
    c.svcca?.dims.b,
    c.datapoints,
    report.inputs.a.neurons,
    report.inputs.b.neurons,
    report.inputs.a.rank,
    report.inputs.b.rank,
  ];
  return (options.header === false ? '' : csvLine([...COMPARE_CSV_COLUMNS])) + csvLine(row);
}
