import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { buildPlotDocument, type PlotDocument } from './document.js';
import { buildFigures } from './figures.js';
import { buildGridSpec, type Figure, type SelectOptions, type VlSpec } from './specs/common.js';

/** What `pwcca plot` can write. */
export type PlotFormat = 'svg' | 'png' | 'html' | 'spec';

export const PLOT_FORMATS: readonly PlotFormat[] = ['svg', 'png', 'html', 'spec'];

const EXTENSIONS: Record<string, PlotFormat> = { '.svg': 'svg', '.png': 'png', '.html': 'html', '.htm': 'html', '.json': 'spec' };

/**
 * The output format: `explicit` when given, else from the file extension
 * (.svg, .png, .html, .json = the Vega-Lite spec).
 */
export function inferPlotFormat(path: string | undefined, explicit?: PlotFormat, flag = '-o'): PlotFormat {
  if (explicit !== undefined) return explicit;
  if (path === undefined || path === '-') throw new UsageError('no output format: give -o FILE.svg|.png|.html, --format, or --spec', { hint: 'e.g. pwcca plot report.json -o figure.svg' });
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new UsageError(`${flag} ${path}: cannot tell the figure format: expected .svg, .png, .html or .json (the Vega-Lite spec)`, {
      hint: flag === '-o' ? 'rename the output or add --format svg|png|html|spec' : `give ${flag} a file name ending in .svg, .png, .html or .json`,
    });
  }
  return format;
}

/** Options of a plot. */
export interface PlotOptions extends SelectOptions {
  format: PlotFormat;
  /** Figures per row when several share one SVG/PNG (default 2). */
  columns?: number;
  /** PNG pixels per SVG pixel (default 2). */
  scale?: number;
  /** Title of the HTML page (default: from the report). */
  title?: string;
}

/** The figures and the one spec (a grid when several) a plot draws. */
export function buildPlotSpec(doc: PlotDocument, options: SelectOptions & { columns?: number } = {}, source = 'report'): { figures: Figure[]; spec: VlSpec } {
  const figures = buildFigures(doc, options, source);
  return { figures, spec: buildGridSpec(figures, options.columns ?? 2) };
}

function describe(doc: PlotDocument): string {
  if (doc.command === 'pairwise') return `pwcca pairwise: ${doc.matrices.length} ${doc.scope === 'network' ? 'networks (layer x layer)' : doc.scope === 'timestep' ? 'T x T matrices' : 'layers'}, methods ${doc.methods.join(', ')}`;
  if (doc.command === 'convergence') return `pwcca convergence: ${doc.runs.length} run(s), ${doc.layers.length} layers, steps ${doc.steps[0]}..${doc.steps[doc.steps.length - 1]}, reference step ${doc.referenceStep}`;
  return `pwcca compare: ${doc.inputs.a} vs ${doc.inputs.b}, N = ${doc.datapoints}`;
}

/**
 * Draws a report in one format: SVG or HTML text, PNG bytes, or the
 * Vega-Lite spec as JSON text. Loads the renderer (Vega, resvg) only when
 * needed.
 */
export async function renderPlot(doc: PlotDocument, options: PlotOptions, source = 'report'): Promise<string | Uint8Array> {
  const { figures, spec } = buildPlotSpec(doc, options, source);
  if (options.format === 'spec') return `${JSON.stringify(spec, null, 2)}\n`;
  const render = await import('./render.js');
  if (options.format === 'html') return render.toHtmlReport(figures, { title: options.title ?? `pwcca ${doc.command}: ${source}`, description: describe(doc) });
  const svg = await render.renderSvg(spec);
  if (options.format === 'svg') return svg;
  return render.renderPng(svg, { scale: options.scale });
}

/**
 * Writes the figure of a report object (as `toPairwiseJson` etc. produce it,
 * parsed) to `path`, the format from its extension. For `--plot FILE` on the
 * commands that compute the report.
 */
export async function writePlotFile(report: unknown, path: string, options: Partial<PlotOptions> = {}): Promise<void> {
  const doc = buildPlotDocument(report, path);
  const format = inferPlotFormat(path, options.format, '--plot');
  const data = await renderPlot(doc, { ...options, format }, path);
  try {
    await writeFile(path, data);
  } catch (error) {
    throw new InputError(`cannot write the figure: ${(error as Error).message}`, { where: path, hint: 'check that the folder exists and is writable' });
  }
}
