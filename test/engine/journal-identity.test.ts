import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileIdentity } from '../../src/engine/journal.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

describe('fileIdentity', () => {
  it('identifies a FILE#KEY input by the input and its file\'s size and time', () => {
    const folder = temporaryFolder('pwcca-identity-');
    const path = join(folder, 'acts.npz');
    writeFileSync(path, new Uint8Array(123));
    const identity = fileIdentity(`${path}#features/fc1#t=2`);
    expect(identity).toEqual({ path: `${path}#features/fc1#t=2`, size: 123, mtimeMs: Math.round(statSync(path).mtimeMs) });
    // A '#' that belongs to the file name stays part of it.
    const odd = join(folder, 'run#1.npy');
    writeFileSync(odd, new Uint8Array(7));
    expect(fileIdentity(odd).size).toBe(7);
  });
});
