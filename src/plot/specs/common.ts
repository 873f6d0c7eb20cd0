import { UsageError } from '../../errors.js';

/**
 * Shared pieces of the Vega-Lite specs: the figure type, fonts, colour
 * schemes and label handling. Specs are plain JSON objects so that they can be
 * printed (`pwcca plot --spec`), embedded in a page, or compiled in Node.
 */

/** A Vega-Lite view or composition, as plain JSON. */
export type VlSpec = Record<string, unknown>;

/** One figure: a titled Vega-Lite view that can stand alone or sit in a grid. */
export interface Figure {
  /** Stable id, e.g. `heatmap-fc1-pwcca`, used for HTML anchors and tests. */
  id: string;
  /** What the figure shows (method, layer, variant, N). */
  title: string;
  /** The view, without `$schema` and `config` (see buildStandaloneSpec). */
  spec: VlSpec;
}

/** Options every figure builder takes. */
export interface FigureOptions {
  /** Plot-area width of one figure in pixels (a heatmap is square). */
  width?: number;
}

/** The font every figure uses; the PNG renderer loads the same face from the dejavu-fonts-ttf package. */
export const FONT_FAMILY = 'DejaVu Sans';

/** CSS font list: DejaVu Sans first (shipped for PNG), then what a browser has. */
export const FONT_STACK = `${FONT_FAMILY}, Verdana, Arial, sans-serif`;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Default plot-area width of a figure. */
export const DEFAULT_WIDTH = 360;

/** Labels longer than this are shortened in the middle on axes; tooltips keep them whole. */
export const LABEL_MAX_CHARS = 22;

/** Categorical colours that stay distinct for colour-blind readers (Okabe-Ito). */
export const GROUP_COLORS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#000000'];

/** Shared configuration: fonts, sizes, no view border. */
export function buildConfig(): VlSpec {
  return {
    font: FONT_STACK,
    view: { stroke: null },
    title: { fontSize: 13, fontWeight: 'bold', anchor: 'start', subtitleFontSize: 11, subtitleColor: '#444' },
    axis: { labelFontSize: 10, titleFontSize: 11 },
    legend: { labelFontSize: 10, titleFontSize: 11 },
    concat: { spacing: 40 },
  };
}

/**
 * A Vega expression that shortens `datum.label` (or `expr`) to `max`
 * characters by cutting the middle, so both ends (often the run and the
 * seed) stay visible.
 */
export function middleTruncateExpr(max: number = LABEL_MAX_CHARS, expr = 'datum.label'): string {
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `length(${expr}) > ${max} ? substring(${expr}, 0, ${head}) + '…' + substring(${expr}, length(${expr}) - ${tail}) : ${expr}`;
}

/** The same truncation in TypeScript (for titles and tests). */
export function truncateMiddle(text: string, max: number = LABEL_MAX_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}

/** Display name of a method. */
export function methodName(method: string): string {
  const names: Record<string, string> = { pwcca: 'PWCCA', cca: 'mean CCA', svcca: 'SVCCA', cka: 'CKA' };
  return names[method] ?? method;
}

/** Formats a number for a title: 3 significant decimals, p-values with an upper bound style. */
export function formatValue(value: number, digits = 3): string {
  return value.toFixed(digits);
}

/** Formats a p-value: `p = 0.012`, `p = 0.001`, `p < 1e-4` below 1e-4. */
export function formatP(p: number): string {
  if (p < 1e-4) return 'p < 1e-4';
  if (p < 0.001) return `p = ${p.toExponential(1)}`;
  return `p = ${p.toFixed(3)}`;
}

/**
 * Axis values for a long label list: every label up to 60, otherwise every
 * k-th so that the names stay readable (all of them remain in tooltips).
 */
export function axisValues(labels: readonly string[], maxShown = 60): string[] | undefined {
  if (labels.length <= maxShown) return undefined;
  const stride = Math.ceil(labels.length / maxShown);
  return labels.filter((_, i) => i % stride === 0);
}

/** Wraps a figure's view as a complete, standalone Vega-Lite spec. */
export function buildStandaloneSpec(figure: Figure): VlSpec {
  return { $schema: VEGA_LITE_SCHEMA, ...figure.spec, config: buildConfig() };
}

/**
 * Lays several figures out in a grid (`columns` per row) as one spec. One
 * figure is returned standalone.
 */
export function buildGridSpec(figures: readonly Figure[], columns = 2): VlSpec {
  if (figures.length === 1) return buildStandaloneSpec(figures[0]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    columns: Math.max(1, Math.min(columns, figures.length)),
    concat: figures.map((figure) => figure.spec),
    // Each figure keeps its own scales and legends: a grid of different layers must not share a colour legend by accident.
    resolve: {
      scale: { color: 'independent', strokeDash: 'independent', x: 'independent', y: 'independent' },
      legend: { color: 'independent', strokeDash: 'independent' },
    },
    config: buildConfig(),
  };
}

/** Which matrices and methods to draw. */
export interface SelectOptions extends FigureOptions {
  /** Only this layer (or network, for a cross-layer report). */
  layer?: string;
  /** Only this method. */
  method?: string;
}

/** Throws a usage error listing the choices when `wanted` is not among them. */
export function selectNamed<T>(items: readonly T[], nameOf: (item: T) => string, wanted: string | undefined, flag: string): T[] {
  if (wanted === undefined) return [...items];
  const found = items.filter((item) => nameOf(item) === wanted);
  if (found.length === 0) {
    const names = [...new Set(items.map(nameOf))];
    throw new UsageError(`${flag} ${wanted}: not in this report (it has ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''})`, {
      hint: `pick one of the names listed, or drop ${flag} to draw them all`,
    });
  }
  return found;
}


/** Axis names for a label list: shared lead and tail removed, the rest shortened in the middle. */
export interface ShortLabels {
  /** One per label, same order; unique when the labels are. */
  short: string[];
  /** What every label starts with and was dropped ('' when nothing was). */
  prefix: string;
  /** What every label ends with and was dropped. */
  suffix: string;
}

const SEPARATORS = /[/\\_.:\- ]/;

/**
 * Shortens labels for axes: a lead and a tail shared by every label (cut at
 * a separator such as `/`) carry no information on an axis, so they are
 * dropped (titles say what they were); what remains is shortened in the
 * middle to `max` characters. Falls back to middle truncation alone if that
 * would make two names equal.
 */
export function shortenLabels(labels: readonly string[], max: number = LABEL_MAX_CHARS): ShortLabels {
  let prefix = '';
  let suffix = '';
  if (labels.length >= 2) {
    let lead = labels.reduce((common, label) => {
      let i = 0;
      while (i < common.length && i < label.length && common[i] === label[i]) i++;
      return common.slice(0, i);
    });
    let tail = labels.reduce((common, label) => {
      let i = 0;
      while (i < common.length && i < label.length && common[common.length - 1 - i] === label[label.length - 1 - i]) i++;
      return common.slice(common.length - i);
    });
    // Cut only after a separator, so "gen1", "gen2" stay whole instead of becoming "1", "2".
    while (lead.length > 0 && !SEPARATORS.test(lead[lead.length - 1])) lead = lead.slice(0, -1);
    while (tail.length > 0 && !SEPARATORS.test(tail[0])) tail = tail.slice(1);
    if (labels.every((label) => label.length > lead.length + tail.length)) {
      prefix = lead;
      suffix = tail;
    }
  }
  const cut = labels.map((label) => truncateMiddle(label.slice(prefix.length, label.length - suffix.length), max));
  if (new Set(cut).size !== new Set(labels).size) return { short: labels.map((label) => truncateMiddle(label, max)), prefix: '', suffix: '' };
  return { short: cut, prefix, suffix };
}

/** A Vega expression mapping `datum.label` (a full label) to its short name. */
export function labelLookupExpr(labels: readonly string[], short: readonly string[]): string {
  if (labels.every((label, i) => label === short[i])) return 'datum.label';
  return `${JSON.stringify(short)}[indexof(${JSON.stringify(labels)}, datum.label)]`;
}
