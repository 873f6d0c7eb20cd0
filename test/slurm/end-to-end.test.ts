/**
 * The promise on a real Slurm: the shipped array scripts run the
 * shards of a pairwise and a convergence run as the tasks of `sbatch
 * --array=1-3`, and `pwcca merge` of their parts equals one run, to the bit.
 * Runs on a throwaway single-node cluster (test/helpers/slurm.ts); skips,
 * saying why, where Slurm is not installed.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pwccaBin, repositoryRoot, runPwcca } from '../helpers/cli.js';
import { localSlurmUnavailable, useLocalSlurm } from '../helpers/slurm.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const unavailable = localSlurmUnavailable();
if (unavailable) console.warn(`skipping the Slurm end-to-end tests: ${unavailable}`);

const studies = [
  { command: 'pairwise', input: join(repositoryRoot, 'fixtures/pairwise/runs'), compare: ['pairs', 'layers'] },
  { command: 'convergence', input: join(repositoryRoot, 'fixtures/convergence'), compare: ['cells', 'table', 'summary'] },
] as const;

describe.skipIf(unavailable !== null)('shards as a Slurm job array, merged', () => {
  const cluster = useLocalSlurm();

  it.each(studies)('$command: sbatch --array=1-3 of the shipped script, then merge, equals one run', async ({ command, input, compare }) => {
    const work = temporaryFolder(`pwcca-slurm-${command}-`);
    const out = join(work, 'out');
    const script = join(repositoryRoot, `scripts/slurm/pwcca-${command}.sbatch`);
    const submitted = await cluster().run('sbatch', ['--array=1-3', '--wait', `--output=${join(work, 'task-%a.log')}`, script, input, out, '--jobs', '1'], {
      cwd: work,
      timeoutMs: 600_000,
      env: { PWCCA_BIN: pwccaBin },
    });
    const logs = () => readdirSync(work).filter((name) => name.endsWith('.log')).map((name) => `${name}:\n${readFileSync(join(work, name), 'utf8')}`).join('\n');
    expect(submitted.code, `sbatch failed (${submitted.code}): ${submitted.stderr}\n${logs()}\n${cluster().logs()}`).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['part-1.ndjson', 'part-2.ndjson', 'part-3.ndjson']);

    const parts = [1, 2, 3].map((k) => join(out, `part-${k}.ndjson`));
    const merged = runPwcca(['merge', ...parts, '--format', 'json', '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    const single = runPwcca([command, input, '--format', 'json', '--quiet', '--jobs', '1']);
    expect(single.code, single.stderr).toBe(0);
    const [got, want] = [JSON.parse(merged.stdout), JSON.parse(single.stdout)];
    // Equal JSON text of the numbers is equal doubles: the distances agree to the bit.
    for (const field of compare) expect(JSON.stringify(got[field]), field).toBe(JSON.stringify(want[field]));
  }, 900_000);
});
