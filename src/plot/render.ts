import { Resvg } from '@resvg/resvg-js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { InternalError } from '../errors.js';
import { FONT_FAMILY, buildStandaloneSpec, type Figure, type VlSpec } from './specs/common.js';
import { loadFontMetrics, loadFontPaths } from './fonts.js';

/**
 * Renders Vega-Lite specs without a browser: SVG through Vega's headless
 * view, PNG through resvg with the bundled DejaVu Sans, and a self-contained
 * HTML page that embeds Vega, Vega-Lite, vega-embed and the data.
 */

let metricsInstalled = false;

/**
 * Makes Vega measure text with DejaVu Sans' advance widths (Vega's own
 * fallback without a canvas guesses 0.8 em a character). Vega documents
 * replacing `textMetrics.width` for this purpose.
 */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const fonts = loadFontMetrics();
  const { textMetrics } = vega as unknown as { textMetrics: { width: (item: unknown, text?: unknown) => number } };
  textMetrics.width = (item: unknown, text?: unknown): number => {
    const mark = item as { fontSize?: number; fontWeight?: string | number; text?: unknown; limit?: number };
    const value = text ?? mark.text;
    const line = value === null || value === undefined ? '' : String(value).trim();
    const size = mark.fontSize ?? 11;
    const bold = mark.fontWeight === 'bold' || (typeof mark.fontWeight === 'number' && mark.fontWeight >= 600) || (typeof mark.fontWeight === 'string' && Number(mark.fontWeight) >= 600);
    return (bold ? fonts.bold : fonts.regular).measure(line, size);
  };
  metricsInstalled = true;
}

/** Compiles a Vega-Lite spec and renders it to an SVG string. */
export async function renderSvg(spec: VlSpec): Promise<string> {
  installTextMetrics();
  let vegaSpec;
  try {
    vegaSpec = compile(spec as unknown as TopLevelSpec).spec;
  } catch (error) {
    throw new InternalError(`the figure's Vega-Lite spec does not compile: ${(error as Error).message}`);
  }
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Width and height of an SVG as Vega writes them. */
export function svgSize(svg: string): { width: number; height: number } {
  const match = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!match) throw new InternalError('rendered SVG has no width and height');
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Rasterises an SVG to PNG at `scale` times its size, text in the bundled DejaVu Sans. */
export function renderPng(svg: string, options: { scale?: number } = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: 'white',
    font: { fontFiles: [loadFontPaths().regular, loadFontPaths().bold], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}

function libraryFile(name: 'vega' | 'vega-lite' | 'vega-embed', file: string): string {
  const require = createRequire(import.meta.url);
  // The packages export only their module entry; the browser bundles sit beside it in build/.
  return readFileSync(join(dirname(require.resolve(name)), file), 'utf8');
}

/** Inline <script> text must not close its element early. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Options of the HTML report. */
export interface HtmlOptions {
  /** Page title, e.g. the report's file name. */
  title: string;
  /** A line under the title (what the report is). */
  description?: string;
}

/**
 * One self-contained HTML page with every figure (each its own interactive
 * view with tooltips), the libraries and the data inline: it opens without a
 * network.
 */
export function toHtmlReport(figures: readonly Figure[], options: HtmlOptions): string {
  const specs = figures.map((figure) => buildStandaloneSpec(figure));
  const payload = JSON.stringify(specs).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const contents = figures.map((figure, i) => `<li><a href="#fig-${i}">${escapeHtml(figure.title)}</a></li>`).join('\n');
  const sections = figures.map((figure, i) => `<section id="fig-${i}" data-figure="${escapeHtml(figure.id)}"><div class="figure"></div></section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>
body { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.description { color: #555; margin: 0 0 12px; }
ol.contents { font-size: 13px; color: #333; }
main { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 28px 56px; }
.vg-tooltip { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; }
</style>
<script>${scriptSafe(libraryFile('vega', 'vega.min.js'))}</script>
<script>${scriptSafe(libraryFile('vega-lite', 'vega-lite.min.js'))}</script>
<script>${scriptSafe(libraryFile('vega-embed', 'vega-embed.min.js'))}</script>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
${options.description ? `<p class="description">${escapeHtml(options.description)}</p>` : ''}
<ol class="contents">
${contents}
</ol>
<main>
${sections}
</main>
<script>
const specs = ${payload};
const rendered = specs.map((spec, i) =>
  vegaEmbed(document.querySelector('#fig-' + i + ' .figure'), spec, { actions: { export: true, source: false, compiled: false, editor: false }, renderer: 'svg', tooltip: true })
);
Promise.all(rendered).then(() => { document.body.dataset.rendered = String(rendered.length); }, (error) => { console.error('pwcca plot: a figure failed to render:', error); });
</script>
</body>
</html>
`;
}
