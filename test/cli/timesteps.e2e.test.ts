/**
 * End-to-end: one `pwcca timesteps` run of the built binary (`npm test`
 * builds first), on worker threads: exit code, stderr, JSON on stdout.
 */
import { describe, expect, it } from 'vitest';
import { runPwcca } from '../helpers/cli.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { makeSequence, writeNtc } from '../studies/timesteps/helpers.js';

const temporaryFolder = useTemporaryFolders();

describe('pwcca timesteps (binary)', () => {
  it('prints the T x T matrix as JSON, computed on two worker threads', () => {
    const path = writeNtc(temporaryFolder('pwcca-timesteps-e2e-'), 'lstm', makeSequence(70, 6, 5, 3));
    const run = runPwcca(['timesteps', path, '--layout', 'ntc', '--format', 'json', '--jobs', '2', '--method', 'pwcca,cca']);
    expect(run.stderr).toMatch(/^pwcca: 1 sequence array \(shape 70x6x5\), 6 timesteps each, 15 pairs$/m);
    expect(run.stderr).toMatch(/^pwcca: 15 pairs: 15 ok, 0 failed$/m);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'timesteps', scope: 'timestep', methods: ['pwcca', 'cca'], summary: { pairs: 15, ok: 15, failed: 0 } });
    const distance: number[][] = doc.layers[0].methods.pwcca.distance;
    expect(distance).toHaveLength(6);
    distance.forEach((row, i) => row.forEach((value, j) => expect(value).toBe(distance[j][i])));
    expect(distance.flat().every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
