import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerCompare } from './commands/compare.js';
import { registerConvergence } from './commands/convergence.js';
import { registerMerge } from './commands/merge.js';
import { registerPairwise } from './commands/pairwise.js';
import { registerPlot } from './commands/plot.js';
import { registerPlan } from './commands/plan.js';
import { registerTimesteps } from './commands/timesteps.js';
import type { CliContext } from './context.js';

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

/** The commander program; commands report through `context` and throw typed errors. */
export function buildProgram(context: CliContext): Command {
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
  registerCompare(program, context);
  registerPairwise(program, context);
  registerConvergence(program, context);
  registerPlot(program, context);
  registerMerge(program, context);
  registerPlan(program, context);
  registerTimesteps(program, context);
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
