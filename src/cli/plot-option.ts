import type { Command } from 'commander';
import { inferPlotFormat, writePlotFile } from '../plot/plot.js';

/** The `--plot FILE` flag of the commands that compute a report. */
export interface PlotFlag {
  plot?: string;
}

/** Adds `--plot FILE`: the figure of the report, next to the data (which still goes to stdout or --out). */
export function addPlotOption(command: Command): Command {
  return command.option('--plot <file>', 'also draw the figures of the report into FILE (.svg, .png, .html, or .json for the Vega-Lite spec); the data still goes to stdout or --out');
}

/** Checks the --plot file's format before a long run, so a typo fails at once. */
export function checkPlotFlag(flags: PlotFlag): void {
  if (flags.plot !== undefined) inferPlotFormat(flags.plot, undefined, '--plot');
}

/**
 * Draws the figure from the JSON text of the report, the same document
 * `--format json` writes, so `--plot` and `pwcca plot` give the same figure.
 */
export async function writeReportPlot(flags: PlotFlag, reportJson: () => string): Promise<void> {
  if (flags.plot === undefined) return;
  await writePlotFile(JSON.parse(reportJson()) as unknown, flags.plot);
}
