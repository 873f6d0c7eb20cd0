import { Option, type Command } from 'commander';
import { open, writeFile } from 'node:fs/promises';
import { InputError, UsageError } from '../../errors.js';
import { parsePlotDocument } from '../../plot/document.js';
import { PLOT_FORMATS, inferPlotFormat, renderPlot, type PlotFormat } from '../../plot/plot.js';
import type { CliContext } from '../context.js';
import { parsePositiveInteger } from '../options.js';
import { writeData } from '../output.js';

interface PlotFlags {
  out?: string;
  format?: PlotFormat;
  spec?: boolean;
  layer?: string;
  method?: string;
  width?: number;
  columns: number;
  scale: number;
}

/** A report larger than this is not something pwcca wrote for plotting; refuse it instead of exhausting memory. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

const EXAMPLES = `
Examples:
  pwcca pairwise runs/ --format json > p.json && pwcca plot p.json -o fig.svg
  pwcca plot p.json -o report.html          one self-contained page, every figure, interactive
  pwcca plot p.json -o fig.png --layer fc1  one layer, raster for slides
  pwcca plot p.json --spec > fig.vl.json    the Vega-Lite spec, to restyle or embed
  pwcca convergence ckpt/ --format json | pwcca plot - -o curves.svg
  pwcca compare a.npy b.npy --format json | pwcca plot - -o coeffs.svg`;

async function readReport(path: string, context: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const tooLarge = () =>
    new InputError(`report too large for plotting: over ${MAX_REPORT_BYTES / 1024 / 1024} MiB`, { where: path, hint: 'plot reads the JSON written by `pwcca ... --format json`' });
  if (path === '-') {
    for await (const chunk of context.stdin) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size > MAX_REPORT_BYTES) throw tooLarge();
      chunks.push(buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InputError(`cannot read the report: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { where: path, hint: 'check the path' });
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile() && stats.size > MAX_REPORT_BYTES) throw tooLarge();
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      size += (chunk as Buffer).length;
      if (size > MAX_REPORT_BYTES) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read the report: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { where: path, hint: 'give a JSON file written by pwcca' });
  } finally {
    await handle.close();
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function writeBinary(data: Uint8Array, path: string): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (error) {
    throw new InputError(`cannot write the output file: ${(error as Error).message}`, { where: path, hint: 'check that the folder exists and is writable' });
  }
}

export function registerPlot(program: Command, context: CliContext): void {
  program
    .command('plot')
    .description('draw the figures of a pwcca JSON report (pairwise, convergence, compare) as SVG, PNG, HTML or a Vega-Lite spec')
    .argument('<file>', 'a report written with --format json, or - for stdin')
    .option('-o, --out <file>', 'output file; the format follows its extension: .svg, .png, .html, .json (the spec)')
    .addOption(new Option('--format <format>', 'output format (default: from the extension of --out)').choices([...PLOT_FORMATS]))
    .option('--spec', 'print the Vega-Lite spec (JSON) on stdout instead of drawing')
    .option('--layer <name>', 'only this layer (for a --cross-layer report: this network)')
    .option('--method <method>', 'only this method (pwcca, cca, svcca, ...)')
    .addOption(new Option('--width <px>', 'plot-area width of each figure in pixels (a heatmap is square)').argParser(parsePositiveInteger('--width')))
    .addOption(new Option('--columns <n>', 'figures per row when several share one SVG or PNG').argParser(parsePositiveInteger('--columns')).default(2))
    .addOption(new Option('--scale <k>', 'PNG pixels per SVG pixel').argParser(parsePositiveInteger('--scale')).default(2))
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, flags: PlotFlags) => {
      if (flags.spec && flags.format !== undefined && flags.format !== 'spec') throw new UsageError(`--spec and --format ${flags.format} ask for two different outputs`, { hint: 'keep one of them' });
      const format = inferPlotFormat(flags.out, flags.spec ? 'spec' : flags.format);
      if (format === 'png' && (flags.out === undefined || flags.out === '-') && context.stdout.isTTY) {
        throw new UsageError('PNG is binary: not writing it to a terminal', { hint: 'add -o figure.png, or redirect stdout to a file' });
      }
      if (flags.width !== undefined && flags.width > 4000) throw new UsageError(`--width ${flags.width}: at most 4000 pixels`, { hint: 'use --scale for a larger PNG' });
      if (flags.scale > 8) throw new UsageError(`--scale ${flags.scale}: at most 8`, { hint: 'a scale of 2 or 3 suits slides and print' });
      const source = file === '-' ? 'stdin' : file;
      const doc = parsePlotDocument(await readReport(file, context), source);
      const data = await renderPlot(doc, { format, layer: flags.layer, method: flags.method, width: flags.width, columns: flags.columns, scale: flags.scale }, source);
      if (typeof data === 'string') await writeData(data, flags.out, context);
      else if (flags.out === undefined || flags.out === '-') context.stdout.write(data);
      else await writeBinary(data, flags.out);
    });
}
