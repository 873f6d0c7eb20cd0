import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSlurmUnavailable, useLocalSlurm } from '../helpers/slurm.js';

const unavailable = localSlurmUnavailable();
if (unavailable) console.warn(`skipping the local Slurm tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('a local single-node Slurm cluster', () => {
  const cluster = useLocalSlurm();
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pwcca-slurm-job-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('runs every task of a job array, each seeing its index and the array size', async () => {
    const script = join(work, 'array.sh');
    writeFileSync(script, '#!/bin/bash\necho "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" > "$1/task-$SLURM_ARRAY_TASK_ID.txt"\n');
    chmodSync(script, 0o755);
    const submitted = await cluster().run('sbatch', ['--array=1-4', '--wait', `--output=${join(work, 'slurm-%A_%a.out')}`, script, work], { cwd: work, timeoutMs: 180_000 });
    expect(submitted.code, `sbatch failed: ${submitted.stderr}\n${cluster().logs()}`).toBe(0);
    const outputs = readdirSync(work).filter((name) => name.startsWith('task-')).sort();
    expect(outputs.map((name) => `${name}: ${readFileSync(join(work, name), 'utf8').trim()}`)).toEqual([
      'task-1.txt: 1/4',
      'task-2.txt: 2/4',
      'task-3.txt: 3/4',
      'task-4.txt: 4/4',
    ]);
  }, 240_000);
});
