/**
 * A run of very many pairs says how big it is before its pair list is built,
 * and on a terminal waits for --yes (or a shard) instead of starting days of
 * work by accident.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { countPairs, outlinePairwisePlan } from '../../../src/studies/pairwise/plan.js';
import { discoverActivations } from '../../../src/studies/pairwise/discover.js';
import { LARGE_RUN_PAIRS } from '../../../src/cli/commands/pairwise.js';
import { runMain } from '../../helpers/cli.js';
import { npyBytes } from '../../helpers/npy-file.js';
import { seededRandom } from '../../helpers/random.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const FILES = 450; // 101,025 pairs: just over the threshold
let root: string;

beforeAll(() => {
  root = temporaryFolder('pwcca-size-');
  const random = seededRandom(3);
  for (let f = 0; f < FILES; f++) {
    writeFileSync(join(root, `net${f}.npy`), npyBytes([12, 2], Array.from({ length: 24 }, () => random())));
  }
});

describe('large pairwise runs', () => {
  it('counts the pairs from the outline, without listing them', () => {
    const outline = outlinePairwisePlan(discoverActivations([root]));
    expect(countPairs(outline.matrices)).toBe((FILES * (FILES - 1)) / 2);
    expect(countPairs(outline.matrices)).toBeGreaterThanOrEqual(LARGE_RUN_PAIRS);
  });

  it('on a terminal, stops before the run with the pair count and an estimate, pointing at --yes and shards', async () => {
    const run = await runMain(['pairwise', root], undefined, {}, { tty: true });
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/this run compares 101,025 pairs of 450 files, about .+ on \d+ thread\(s\) of this machine: pass --yes to start it\nhint: pwcca plan .* --shards 64/);
  });

  it('a shard of it, or a script (no terminal), is not asked', async () => {
    const shard = await runMain(['pairwise', root, '--shard', '1/2000', '--out', join(temporaryFolder('pwcca-size-'), 'part.ndjson')], undefined, {}, { tty: true });
    expect(shard.stderr).toMatch(/planning 101,025 pairs of 450 files/);
    expect(shard.code).toBe(0);
  });
});
