/** Figures from pwcca's JSON reports: documents, Vega-Lite specs, rendering. */
export { PLOT_SCHEMA_VERSION, buildPlotDocument, parsePlotDocument } from './document.js';
export type { CompareDocument, ConvergenceDocument, PairwiseDocument, PairwiseMatrix, PlotDocument } from './document.js';
export { buildFigures } from './figures.js';
export { PLOT_FORMATS, buildPlotSpec, inferPlotFormat, renderPlot, writePlotFile } from './plot.js';
export type { PlotFormat, PlotOptions } from './plot.js';
export { buildGridSpec, buildStandaloneSpec } from './specs/common.js';
export type { Figure, FigureOptions, SelectOptions, VlSpec } from './specs/common.js';
