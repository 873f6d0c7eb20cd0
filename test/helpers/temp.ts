import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Temporary folders for one test file. Call at the top level of the file:
 * it returns a function that makes a fresh folder under the temp folder, and
 * removes every folder it made after the file's tests (the suite fails when
 * a test leaves anything behind; see test/global-setup.ts).
 */
export function useTemporaryFolders(): (prefix?: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  return (prefix = 'pwcca-test-') => {
    const folder = mkdtempSync(join(tmpdir(), prefix));
    made.push(folder);
    return folder;
  };
}
