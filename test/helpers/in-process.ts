/**
 * Checks of multi-pair results against `pwcca compare` on the same two
 * files, through the CLI in-process (`runMain`).
 */
import { runMain } from './cli.js';

/** `pwcca compare a b --format json` (plus `flags`) in this process, parsed; fails the test on a non-zero exit. */
export async function compareJson(a: string, b: string, flags: readonly string[] = []): Promise<CompareDoc> {
  const run = await runMain(['compare', a, b, '--format', 'json', '--jobs', '1', ...flags]);
  if (run.code !== 0) throw new Error(`pwcca compare ${a} ${b} ${flags.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as CompareDoc;
}

/** The fields of `compare --format json` these tests read. */
export interface CompareDoc {
  readonly similarity: number;
  readonly distance: number;
  readonly cca: { readonly similarity: number };
  readonly pwcca: { readonly similarity: number; readonly directional: { a: number; b: number }; readonly sideTie: boolean };
}

/** PWCCA and CCA similarity of a pair by `compare`, in both argument orders. */
export async function compareBothOrders(a: string, b: string, flags: readonly string[] = []): Promise<{ ab: CompareDoc; ba: CompareDoc }> {
  return { ab: await compareJson(a, b, flags), ba: await compareJson(b, a, flags) };
}

/** A pairwise JSON document, as far as these tests read it. */
export interface PairwiseDoc {
  readonly scope: 'layer' | 'network';
  readonly files: ReadonlyArray<{ path: string; network: string; layer: string; group: string | null }>;
  readonly pairs: ReadonlyArray<Record<string, unknown> & { a: string; b: string; method: string; similarity: number | null }>;
  readonly [key: string]: unknown;
}

/**
 * Every PWCCA and CCA cell of a pairwise document that differs (by more than
 * 1e-12) from `compare` on the same two files in either argument order, as
 * readable lines; [] when all agree. Needs every pair to have a value.
 */
export async function pairwiseCellsAgainstCompare(doc: PairwiseDoc, flags: readonly string[] = []): Promise<string[]> {
  const path = (scope: string, label: string) =>
    doc.files.find((file) => (doc.scope === 'layer' ? file.layer === scope && file.network === label : file.network === scope && file.layer === label))!.path;
  const problems: string[] = [];
  const cache = new Map<string, { ab: CompareDoc; ba: CompareDoc }>();
  for (const pair of doc.pairs) {
    if (pair.method !== 'pwcca' && pair.method !== 'cca') continue;
    const scope = String(pair[doc.scope]);
    const [a, b] = [path(scope, pair.a), path(scope, pair.b)];
    const key = `${a}\u0000${b}`;
    if (!cache.has(key)) cache.set(key, await compareBothOrders(a, b, flags));
    const { ab, ba } = cache.get(key)!;
    const want = (doc: CompareDoc) => (pair.method === 'pwcca' ? doc.pwcca.similarity : doc.cca.similarity);
    for (const [order, expected] of [['a b', want(ab)], ['b a', want(ba)]] as const) {
      if (pair.similarity === null || Math.abs(pair.similarity - expected) > 1e-12) {
        problems.push(`${scope} ${pair.a} vs ${pair.b} ${pair.method}: cell ${pair.similarity}, compare ${order} ${expected}`);
      }
    }
  }
  return problems;
}

/** A convergence JSON document, as far as these tests read it. */
export interface ConvergenceDoc {
  readonly cells: ReadonlyArray<{ run: string; layer: string; step: number; method: string; similarity: number | null; reference: boolean; error?: unknown; group?: string }>;
  readonly [key: string]: unknown;
}

/**
 * Every computed PWCCA and CCA cell of a convergence document that differs
 * from `compare <step file> <reference file>` in either order; `pathOf` gives
 * the file of a (run, layer, step).
 */
export async function convergenceCellsAgainstCompare(
  doc: ConvergenceDoc,
  pathOf: (run: string, layer: string, step: number) => string,
  referenceStep: number,
  flags: readonly string[] = [],
): Promise<string[]> {
  const problems: string[] = [];
  for (const cell of doc.cells) {
    if (cell.reference || (cell.method !== 'pwcca' && cell.method !== 'cca')) continue;
    const { ab, ba } = await compareBothOrders(pathOf(cell.run, cell.layer, cell.step), pathOf(cell.run, cell.layer, referenceStep), flags);
    const want = (doc: CompareDoc) => (cell.method === 'pwcca' ? doc.pwcca.similarity : doc.cca.similarity);
    for (const [order, expected] of [['step ref', want(ab)], ['ref step', want(ba)]] as const) {
      if (cell.similarity === null || Math.abs(cell.similarity - expected) > 1e-12) {
        problems.push(`${cell.run} ${cell.layer} ${cell.step} ${cell.method}: cell ${cell.similarity}, compare ${order} ${expected}`);
      }
    }
  }
  return problems;
}
