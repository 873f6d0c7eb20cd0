import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeData } from '../../src/cli/output.js';
import { ExitCode, InputError } from '../../src/errors.js';

const context = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {} };

describe('writing --out files', () => {
  it('turns a full disk into an input error (exit 3) whose hint says what to do', async () => {
    const failure = await writeData('x\n', '/dev/full', context).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InputError);
    expect(failure).toMatchObject({ exitCode: ExitCode.input, where: '/dev/full', message: expect.stringMatching(/ENOSPC/) });
    expect((failure as InputError).hint).toMatch(/disk .*full.*--resume/);
  });

  it('says when the folder does not exist', async () => {
    const failure = await writeData('x\n', '/nonexistent-folder/out.csv', context).catch((error: unknown) => error);
    expect((failure as InputError).hint).toMatch(/folder does not exist/);
  });
});
