#!/usr/bin/env node
/**
 * The larger fuzz campaign (`npm run fuzz`, not part of `npm test`): runs the
 * fuzz tests of test/fuzz/ (every format plugged in with fuzzFormat) with
 * thousands of inputs per format and several random seeds, each seed in a
 * child process with a heap cap and a time limit, and prints the counts.
 *
 *   npm run fuzz                       # 3 seeds x 3000 inputs per format
 *   npm run fuzz -- --inputs 10000 --seeds 5 --heap-mb 1024 --timeout-s 1800
 *
 * Exit code 0 when every input gave a value or an InputError within bounds;
 * 1 when an input failed, a child ran out of memory or time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const inputs = option('inputs', 3000);
const seeds = option('seeds', 3);
const heapMb = option('heap-mb', 1024);
const timeoutS = option('timeout-s', 1800);

const folder = mkdtempSync(join(tmpdir(), 'pwcca-fuzz-'));
const totals = new Map();
let ok = true;
try {
  for (let seed = 1; seed <= seeds; seed++) {
    const report = join(folder, `seed-${seed}.jsonl`);
    const started = Date.now();
    const child = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/fuzz', '--reporter=dot'], {
      cwd: root,
      env: {
        ...process.env,
        PWCCA_FUZZ_INPUTS: String(inputs),
        PWCCA_FUZZ_SEED: String(seed),
        PWCCA_FUZZ_REPORT: report,
        // vitest runs tests in worker processes: they get the same heap cap.
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapMb}`.trim(),
      },
      encoding: 'utf8',
      timeout: timeoutS * 1000,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (child.error || child.status !== 0) {
      ok = false;
      const why = child.error?.code === 'ETIMEDOUT' ? `timed out after ${timeoutS} s` : child.signal ? `killed by ${child.signal}` : `exit ${child.status}`;
      process.stderr.write(`seed ${seed}: ${why}\n${(child.stdout ?? '').split('\n').filter((l) => /\+ |FAIL|Error/.test(l)).slice(0, 40).join('\n')}\n`);
    } else {
      process.stderr.write(`seed ${seed}: done in ${seconds} s\n`);
    }
    if (!existsSync(report)) continue;
    for (const line of readFileSync(report, 'utf8').split('\n').filter(Boolean)) {
      const counts = JSON.parse(line);
      const total = totals.get(counts.format) ?? { inputs: 0, read: 0, refused: 0, failed: 0, maxArrayBufferGrowth: 0, slowestMs: 0 };
      for (const key of ['inputs', 'read', 'refused', 'failed']) total[key] += counts[key];
      total.maxArrayBufferGrowth = Math.max(total.maxArrayBufferGrowth, counts.maxArrayBufferGrowth);
      total.slowestMs = Math.max(total.slowestMs, counts.slowestMs);
      totals.set(counts.format, total);
      if (counts.failed > 0) ok = false;
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

const rows = [['format', 'inputs', 'read', 'refused (exit 3)', 'failed', 'max buffer growth', 'slowest input']];
for (const [format, t] of totals) {
  rows.push([format, t.inputs, t.read, t.refused, t.failed, `${(t.maxArrayBufferGrowth / 1024).toFixed(0)} KiB`, `${t.slowestMs.toFixed(0)} ms`].map(String));
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
for (const row of rows) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i])).join('  ') + '\n');
process.stdout.write(`${seeds} seed(s), up to ${heapMb} MiB heap and ${timeoutS} s per seed: ${ok ? 'no failure' : 'FAILURES (see above)'}\n`);
process.exitCode = ok ? 0 : 1;
