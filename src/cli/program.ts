import { Command } from 'commander';
import { createRequire } from 'node:module';
import type { CliContext } from './context.js';

type Register = (program: Command, context: CliContext) => unknown;

/**
 * The commands, in the order `pwcca --help` lists them, each loaded only when
 * needed: a run loads the modules of its own command alone (about 100 ms less
 * start-up for `compare` than loading every command's studies, readers and
 * statistics), while help, an unknown command or no command load them all.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['compare', async () => (await import('./commands/compare.js')).registerCompare],
  ['pairwise', async () => (await import('./commands/pairwise.js')).registerPairwise],
  ['convergence', async () => (await import('./commands/convergence.js')).registerConvergence],
  ['plot', async () => (await import('./commands/plot.js')).registerPlot],
  ['merge', async () => (await import('./commands/merge.js')).registerMerge],
  ['plan', async () => (await import('./commands/plan.js')).registerPlan],
  ['timesteps', async () => (await import('./commands/timesteps.js')).registerTimesteps],
];

const EXIT_CODES = `
Exit codes:
  0  success
  1  internal error (a bug in pwcca: please report it)
  2  usage error (unknown flag, bad value)
  3  input error (unreadable file, bad shape or dtype, NaN/Inf, mismatched datapoints)
  4  numeric error (degenerate comparison: too few datapoints, all neurons constant)
  5  partial: a multi-pair run finished, but some pairs failed (see their error fields)`;

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

/**
 * The commander program; commands report through `context` and throw typed
 * errors. With `argv`, only the command it names is registered (all of them
 * when it names none).
 */
export async function buildProgram(context: CliContext, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('pwcca')
    .description('Compare neural-network representations with projection-weighted CCA, CCA and SVCCA')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES)
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride();
  const named = COMMANDS.filter(([name]) => name === argv[0]);
  for (const [, load] of named.length > 0 ? named : COMMANDS) (await load())(program, context);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    });
    command.showHelpAfterError('(run pwcca ' + command.name() + ' --help for usage)');
    command.addHelpText('after', EXIT_CODES);
  }
  return program;
}
