import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as pwcca from '../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('public API', () => {
  it('exports exactly the curated names', () => {
    expect(Object.keys(pwcca).sort()).toEqual(
      [
        'ExitCode',
        'InputError',
        'InternalError',
        'NumericError',
        'PwccaError',
        'REFERENCE_EPSILON',
        'SCHEMA_VERSION',
        'UsageError',
        'buildMatrix',
        'comparePrepared',
        'computeMoments',
        'crossCovariance',
        'listArrays',
        'loadMatrix',
        'meanCorrelation',
        'prepareFromMoments',
        'prepareSide',
        'runCompare',
        'runPairs',
        'runPairMoments',
        'buildPairwiseReport',
        'symmetricPwcca',
        'thresholdedMean',
        'discoverActivations',
        'discoverActivationArrays',
        'buildPairwisePlan',
        'runPairwise',
        'analysePairwise',
        'buildDistanceMatrices',
        'buildMeanMatrix',
        'discoverCheckpoints',
        'discoverCheckpointArrays',
        'planConvergence',
        'runConvergence',
      ].sort(),
    );
  });

  it('has no side effects on import (no output, no pending work)', () => {
    const script = `import(${JSON.stringify(resolve(root, 'dist/index.js'))}).then(() => {})`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
  });
});
