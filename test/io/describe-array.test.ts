import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { describeArray } from '../../src/io/load.js';
import { npyBytes } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { buildZip } from './format-builders.js';

const temporaryFolder = useTemporaryFolders();

let folder: string;
beforeAll(() => {
  folder = temporaryFolder('pwcca-describe-array-');
  writeFileSync(join(folder, 'one.npy'), npyBytes([4, 3, 2], new Float64Array(24)));
  writeFileSync(join(folder, 'two.npz'), buildZip({ 'rnn.npy': npyBytes([5, 7, 2], new Float64Array(70)), 'fc.npy': npyBytes([5, 2], new Float64Array(10)) }));
});

describe('describeArray', () => {
  it('gives the key, stored shape and dtype of what a reference selects, aliases included', async () => {
    expect(await describeArray(join(folder, 'one.npy'))).toEqual({ key: '', shape: [4, 3, 2], dtype: 'float64' });
    expect(await describeArray(join(folder, 'two.npz#rnn'))).toEqual({ key: 'rnn', shape: [5, 7, 2], dtype: 'float64' });
    expect(await describeArray(join(folder, 'two.npz#rnn.npy'))).toEqual({ key: 'rnn', shape: [5, 7, 2], dtype: 'float64' });
  });

  it('a missing or ambiguous key is an input error listing the keys', async () => {
    await expect(describeArray(join(folder, 'two.npz#gru'))).rejects.toThrow(InputError);
    await expect(describeArray(join(folder, 'two.npz#gru'))).rejects.toThrow(/no array 'gru' in .*two\.npz; it holds .*rnn \(5x7x2 float64\)/);
    await expect(describeArray(join(folder, 'two.npz'))).rejects.toThrow(/holds 2 arrays; choose one with FILE#KEY/);
  });
});
