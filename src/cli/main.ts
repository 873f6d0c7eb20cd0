import { CommanderError } from 'commander';
import { ExitCode, PwccaError } from '../errors.js';
import { processContext, type CliContext } from './context.js';
import { locationSuffix } from '../report/location.js';
import { buildMessagePaint } from './output.js';
import { buildProgram } from './program.js';

/**
 * Runs the CLI and returns the exit code. The one place where errors become
 * messages: `pwcca: <what failed> (<file or pair>)` and a `hint:` line.
 */
export async function main(argv: readonly string[], context: CliContext = processContext()): Promise<number> {
  const program = await buildProgram(context, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode ?? ExitCode.ok;
  } catch (error) {
    const colorFlag = argv.includes('--no-color') ? false : argv.includes('--color') ? true : undefined;
    return reportError(error, context, colorFlag);
  }
}

function reportError(error: unknown, context: CliContext, colorFlag: boolean | undefined): number {
  const paint = buildMessagePaint(context, colorFlag);
  if (error instanceof CommanderError) {
    // Commander has already printed its message; help and version exit 0.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  if (error instanceof PwccaError) {
    // A pair's location is "a vs b"; the message often names both files already.
    context.stderr.write(`${paint.error('pwcca:')} ${error.message}${locationSuffix(error.message, error.where)}\n`);
    if (error.hint) context.stderr.write(`${paint.hint('hint:')} ${error.hint}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  context.stderr.write(`${paint.error('pwcca: internal error:')} ${message}\n`);
  context.stderr.write(`${paint.hint('hint:')} this is a bug in pwcca; please report it with the command you ran\n`);
  return ExitCode.internal;
}

/** Entry point of bin/pwcca.js. */
export async function run(): Promise<void> {
  // A reader that stops early (`pwcca ... | head`) closes the pipe: that ends
  // the run quietly, as for any Unix filter, instead of an unhandled EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
