/**
 * End-to-end: a handful of runs of the built binary (bin/pwcca.js, built by
 * the suite's global setup), for what only a real process shows: exit codes,
 * standard input, a reader that closes the pipe early, and one-line errors
 * without stack traces. Command behaviour is tested in process
 * (test/cli/commands/).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pwccaBin, repositoryRoot, runPwcca } from '../helpers/cli.js';
import { npyBytes, writeMatrixNpy } from '../helpers/npy-file.js';
import { randomMatrix } from '../helpers/random.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const example = join(repositoryRoot, 'fixtures/oracle/small_f64');
const [a, b] = [join(example, 'a.npy'), join(example, 'b.npy')];

/** No line of a stack trace (`    at f (file:1:2)`). */
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('the pwcca binary', () => {
  it('exit 0: the table on stdout, nothing on stderr', () => {
    const run = runPwcca(['compare', a, b]);
    expect(run.code).toBe(0);
    // Equal ranks: the mean of both directions, the oracle's symmetric_distance 0.1250323.
    expect(run.stdout).toMatch(/^PWCCA\s+distance 0\.125032/m);
    expect(run.stderr).toBe('');
  });

  it('exit 2 for an unknown flag, exit 3 for a missing file: one line and a hint, no stack trace', () => {
    const usage = runPwcca(['compare', a, b, '--frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--frobnicate');
    const missing = runPwcca(['compare', join(example, 'missing.npy'), b]);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    const lines = missing.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^pwcca: .*missing\.npy/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^hint: /)]);
    noStack(usage.stderr + missing.stderr);
  });

  it('exit 5 when some pairs of a run fail, the rest on stdout', () => {
    const folder = temporaryFolder('pwcca-binary-');
    const files = [0, 1, 2].map((seed) => writeMatrixNpy(folder, `n${seed}.npy`, randomMatrix(60, 4, seed)));
    const truncated = join(folder, 'bad.npy');
    writeFileSync(truncated, npyBytes([60, 4], randomMatrix(60, 4, 9).data).subarray(0, 300));
    const run = runPwcca(['pairwise', ...files, truncated, '--format', 'csv', '-q']);
    expect(run.code).toBe(5);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1 + 6);
    expect(run.stderr).toMatch(/pwcca: failed: .*bad\.npy/);
    noStack(run.stderr);
  });

  it('reads standard input for -', () => {
    const fromFile = runPwcca(['compare', a, b, '--format', 'distance']);
    const fromStdin = runPwcca(['compare', '-', b, '--format', 'distance'], readFileSync(a));
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('ends quietly with exit 0 when the reader closes the pipe early', () => {
    const run = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${pwccaBin}" compare --help | head -1`], { encoding: 'utf8' });
    expect(run.stdout).toBe('Usage: pwcca compare [options] <a> <b>\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
