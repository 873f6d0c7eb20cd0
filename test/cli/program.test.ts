/**
 * The program loads the modules of the command it runs only: every command
 * is still listed by help, and a mistyped command is still suggested.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { processContext } from '../../src/cli/context.js';
import { runMain } from '../helpers/cli.js';

const ALL = ['compare', 'pairwise', 'convergence', 'plot', 'merge', 'plan', 'timesteps'];

describe('buildProgram', () => {
  it('registers only the command the arguments name, and every command otherwise', async () => {
    const names = async (argv: string[]) => (await buildProgram(processContext(), argv)).commands.map((command) => command.name());
    expect({
      compare: await names(['compare', 'a.npy', 'b.npy']),
      plan: await names(['plan', 'runs/']),
      none: await names([]),
      help: await names(['--help']),
      unknown: await names(['comapre']),
    }).toEqual({ compare: ['compare'], plan: ['plan'], none: ALL, help: ALL, unknown: ALL });
  });

  it('lists every command in help and suggests the nearest for a typo', async () => {
    const help = await runMain(['--help']);
    expect(help.code).toBe(0);
    for (const name of ALL) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const typo = await runMain(['comapre', 'a.npy', 'b.npy']);
    expect([typo.code, typo.stderr]).toEqual([2, expect.stringContaining('(Did you mean compare?)')]);
  });
});
