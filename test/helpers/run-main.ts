import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import type { CliRun } from './cli.js';

/**
 * Runs the CLI in this process through `main(argv, context)`, with captured
 * stdout/stderr, no colours and no terminal: the same code paths as the
 * binary without starting a process (worker threads still run dist/).
 */
export async function runMain(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const capture = () => {
    const chunks: Buffer[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = capture();
  const stderr = capture();
  const context: CliContext = { stdout: stdout.stream, stderr: stderr.stream, stdin: Readable.from([]), env: { NO_COLOR: '1', ...env } };
  const code = await main(argv, context);
  // Let the PassThroughs deliver what was written.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
