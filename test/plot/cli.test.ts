/**
 * `pwcca plot` in-process through main(), and end to end on the built
 * binary with reports that pairwise, convergence and compare really write.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { repositoryRoot, runPwcca } from '../helpers/cli.js';
import { compareDocument, convergenceDocument, pairwiseDocument } from './documents.js';

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'pwcca-plot-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function plot(args: string[], stdin = ''): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const context: CliContext = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]), env: { NO_COLOR: '1' } };
  const code = await main(['plot', ...args], context);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function saved(name: string, value: unknown): string {
  const path = join(folder, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('pwcca plot (in process)', { timeout: 60_000 }, () => {
  test('writes SVG, PNG and HTML by extension, and prints the spec with --spec', async () => {
    const report = saved('p.json', pairwiseDocument({ linkage: true, groupTest: true }));
    for (const name of ['fig.svg', 'fig.png', 'fig.html']) {
      const run = await plot([report, '-o', join(folder, name)]);
      expect([run.code, run.stdout, run.stderr]).toEqual([0, '', '']);
    }
    expect(readFileSync(join(folder, 'fig.svg'), 'utf8')).toMatch(/^<svg[^>]+width="\d+"/);
    expect([...readFileSync(join(folder, 'fig.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(readFileSync(join(folder, 'fig.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    const spec = await plot([report, '--spec', '--layer', 'fc2']);
    expect(spec.code).toBe(0);
    const parsed = JSON.parse(spec.stdout) as { $schema: string; concat: unknown[] };
    expect(parsed.$schema).toMatch(/vega-lite/);
    expect(parsed.concat).toHaveLength(2);
  });

  test('reads the report from stdin with -, and --format svg writes to stdout', async () => {
    const run = await plot(['-', '--format', 'svg', '--method', 'pwcca'], JSON.stringify(convergenceDocument()));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^<svg/);
    expect(run.stdout).toContain('PWCCA distance to step 5000 against training step');
    const compare = await plot(['-', '--spec'], JSON.stringify(compareDocument({ significance: true })));
    expect(JSON.parse(compare.stdout).concat).toHaveLength(2);
  });

  test('bad input and flags: one line naming what was expected, and the exit code', async () => {
    const cases: [string[], string, number, RegExp][] = [
      [[saved('v2.json', { schemaVersion: 2, command: 'pairwise' }), '-o', join(folder, 'x.svg')], '', 3, /schemaVersion 2, this pwcca reads schemaVersion 1 \(.*v2\.json\)/],
      [['-', '-o', join(folder, 'x.svg')], '{"results": []}', 3, /not a pwcca report: expected schemaVersion to be 1, saw missing \(stdin\)/],
      [['-', '-o', join(folder, 'x.svg')], 'npy garbage', 3, /not JSON/],
      [[saved('p2.json', pairwiseDocument()), '-o', join(folder, 'x.pdf')], '', 2, /-o .*x\.pdf: cannot tell the figure format/],
      [[saved('p3.json', pairwiseDocument())], '', 2, /no output format: give -o FILE/],
      [[saved('p4.json', pairwiseDocument()), '--spec', '--layer', 'conv9'], '', 2, /--layer conv9: not in this report \(it has fc1, fc2\)/],
      [[join(folder, 'missing.json'), '-o', join(folder, 'x.svg')], '', 3, /cannot read the report: ENOENT/],
      [[saved('p5.json', pairwiseDocument()), '--spec', '--format', 'png'], '', 2, /--spec and --format png/],
    ];
    for (const [args, stdin, code, message] of cases) {
      const run = await plot(args, stdin);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code, stdout: '' });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/\nhint: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('pwcca plot (binary, real reports)', { timeout: 60_000 }, () => {
  const fixtures = join(repositoryRoot, 'fixtures');

  test.each([
    ['pairwise', ['pairwise', join(fixtures, 'pairwise/runs'), '--clusters', '2', '--format', 'json'], 'PWCCA distance between networks, layer fc1'],
    ['cross-layer', ['pairwise', join(fixtures, 'pairwise/runs'), '--cross-layer', '--format', 'json'], 'PWCCA distance between layers, network random/s1'],
    ['convergence', ['convergence', join(fixtures, 'convergence'), '--directions', '3', '--format', 'json'], 'Stable vs unstable directions (K = 3) against training step'],
    ['compare', ['compare', join(fixtures, 'oracle/small_f64/a.npy'), join(fixtures, 'oracle/small_f64/b.npy'), '--method', 'all', '--format', 'json'], 'Canonical correlations and PWCCA weights, small_f64/a.npy vs small_f64/b.npy'],
  ])('%s report -> SVG', (name, args, title) => {
    const report = runPwcca([...args, '--quiet']);
    expect(report.code).toBe(0);
    const path = saved(`${name}.json`, report.stdout);
    const run = runPwcca(['plot', path, '-o', join(folder, `${name}.svg`)]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(readFileSync(join(folder, `${name}.svg`), 'utf8')).toContain(`>${title}</text>`);
  });
});

describe('--plot on the commands that compute a report (binary)', { timeout: 120_000 }, () => {
  const fixtures = join(repositoryRoot, 'fixtures');

  test.each([
    ['pairwise', ['pairwise', join(fixtures, 'pairwise/runs'), '--clusters', '2']],
    ['convergence', ['convergence', join(fixtures, 'convergence'), '--directions', '3']],
    ['compare', ['compare', join(fixtures, 'oracle/small_f64/a.npy'), join(fixtures, 'oracle/small_f64/b.npy'), '--method', 'all']],
  ])('%s --plot: the data still on stdout, the figure the same as pwcca plot draws from that data', (name, args) => {
    const figure = join(folder, `${name}-direct.svg`);
    const run = runPwcca([...args, '--format', 'json', '--quiet', '--plot', figure]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const plain = runPwcca([...args, '--format', 'json', '--quiet']);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(plain.stdout));
    const redrawn = join(folder, `${name}-redrawn.svg`);
    expect(runPwcca(['plot', saved(`${name}-report.json`, run.stdout), '-o', redrawn]).code).toBe(0);
    expect(readFileSync(figure, 'utf8')).toBe(readFileSync(redrawn, 'utf8'));
  });

  test('a --plot file whose format is unknown fails before the run, with exit 2', () => {
    const run = runPwcca(['pairwise', join(fixtures, 'pairwise/runs'), '--plot', join(folder, 'fig.pdf')]);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toMatch(/--plot .*fig\.pdf: cannot tell the figure format/);
    expect(run.stderr).toMatch(/hint: give --plot a file name ending in .svg, .png, .html or .json/);
  });
});
