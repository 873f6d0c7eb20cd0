import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { createProgress } from '../../src/cli/progress.js';

/** A context whose stderr claims to be a terminal (or not) and keeps what was written. */
function capture(isTTY: boolean): { context: CliContext; text: () => string } {
  const stderr = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  const chunks: string[] = [];
  stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const context: CliContext = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {} };
  return { context, text: () => chunks.join('') };
}

describe('createProgress', () => {
  it('draws on a terminal, and starts a new bar when the label changes', async () => {
    const { context, text } = capture(true);
    const progress = createProgress(context, { label: 'pairs' });
    progress.update(1000, 3000, 'rows read');
    progress.update(3000, 3000, 'rows read');
    progress.update(1, 4);
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    const out = text();
    expect(out).toMatch(/rows read \[.*\] 3000\/3000/);
    expect(out).toMatch(/pairs \[.*\] 1\/4/);
    expect(out.indexOf('rows read')).toBeLessThan(out.indexOf('pairs ['));
  });

  it('writes nothing when stderr is not a terminal, or with --quiet', async () => {
    for (const [isTTY, quiet] of [[false, false], [true, true]] as const) {
      const { context, text } = capture(isTTY);
      const progress = createProgress(context, { label: 'pairs', quiet });
      progress.update(1, 2);
      progress.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(text()).toBe('');
    }
  });
});
