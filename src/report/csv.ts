import type { CompareReport } from '../studies/compare.js';

/**
 * Quotes a CSV field when it needs it (RFC 4180). A text cell that a
 * spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a
 * tab or a carriage return: labels come from folder names, which anyone can
 * choose) gets a leading `'` and quotes, the OWASP rule for CSV injection.
 * Numbers are written as numbers.
 */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatNumber(value);
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** First characters that make a spreadsheet evaluate a cell. */
const FORMULA_START = /^[=+\-@\t\r]/;

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
  'cka_similarity',
  'cka_debiased',
  'permutations',
  'seed',
  'p_value',
  'null_mean',
  'null_std',
  'excess',
  'confidence_level',
  'resamples',
  'low',
  'high',
] as const;

/**
 * `pwcca compare --format csv`: a header line and one row. Empty cells where a
 * method or test was not computed. The test columns (p_value ... high) are
 * those of the reported method (`method`; PWCCA for `all`); JSON has every
 * method's.
 */
export function toCompareCsv(report: CompareReport, options: { header?: boolean } = {}): string {
  const c = report.comparison;
  const tested = report.method === 'all' ? 'pwcca' : report.method;
  const test = report.significance?.[tested];
  const interval = report.confidence?.[tested];
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
    c.cka?.similarity,
    c.cka?.debiased,
    report.significance?.permutations,
    report.significance?.seed ?? report.confidence?.seed,
    test?.pValue,
    test?.nullMean,
    test?.nullStd,
    test?.excess,
    report.confidence?.level,
    report.confidence?.resamples,
    interval?.low,
    interval?.high,
  ];
  return (options.header === false ? '' : csvLine([...COMPARE_CSV_COLUMNS])) + csvLine(row);
}
