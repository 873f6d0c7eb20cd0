/**
 * Splits the pairs of a run into S shards that separate processes (a Slurm job
 * array, several machines) run independently and a merge puts back together.
 *
 * A shard is a block of the pair matrix, not a stripe: a stripe of rows reads
 * every file of the layer, a block of b x b pairs reads only 2b files, so with
 * n labels over S shards each shard reads about 2n / sqrt(S) files and the
 * preparation work repeated across shards stays small. The blocks come from
 * recursive bisection (a k-d tree over the pairs' (row, column) positions):
 * each region is cut in two, along whichever axis reads fewer files, at the
 * point where the two sides' estimated costs match their shard counts.
 *
 * Deterministic by construction: matrices, labels and pairs are put in one
 * canonical order (plain UTF-16 code-unit comparison, never the locale) before
 * anything else, costs are summed in that order, and ties go to the first
 * candidate, so the same inputs give the same shards on every machine whatever
 * order they were listed in. Pure: no I/O, no clock, no threads.
 */
import { UsageError } from '../errors.js';
import type { PairTask, SourceFile } from './types.js';

/** One row/column label of a matrix: a network (or layer, or checkpoint) and the file it reads. */
export interface ShardLabel {
  /** Unique within its matrix. */
  readonly name: string;
  /** File id (e.g. its path relative to the root): two labels naming the same file share its preparation within a shard. */
  readonly file: string;
  /**
   * Size of the file's matrix, proportional to datapoints x neurons (the
   * element count, or the file's bytes when only that is known). Only ratios
   * matter. Must be finite and >= 0.
   */
  readonly weight: number;
}

/** One comparison of a matrix, between two of its labels. */
export interface ShardPairInput {
  readonly a: string;
  readonly b: string;
  /** Stable id of the pair in journals; defaults to `JSON.stringify([matrix id, a, b])`. */
  readonly key?: string;
}

/**
 * A matrix of comparisons: a layer of a pairwise run (labels = networks, pairs
 * = every unordered pair), or a (run, layer) of a convergence run (labels =
 * steps and the reference step, pairs = each step against the reference).
 */
export interface ShardMatrix {
  /** Unique within the run (a layer name, or a JSON key of run and layer). */
  readonly id: string;
  readonly labels: readonly ShardLabel[];
  readonly pairs: readonly ShardPairInput[];
}

export interface ShardOptions {
  /**
   * Cost of preparing one file (reading, centring, whitening) relative to one
   * pair of the same size. A pair of weights wa, wb costs wa * wb; preparing a
   * file of weight w costs `prepareCost * w * w` (both are n d^2-like work for
   * n datapoints and d neurons). Default 1.
   */
  readonly prepareCost?: number;
}

/** One pair as a shard runs it. */
export interface ShardPair {
  readonly key: string;
  readonly matrix: string;
  readonly a: string;
  readonly b: string;
}

/** What one shard runs. */
export interface Shard {
  /** 1-based, as in `--shard K/S`. */
  readonly index: number;
  /** In canonical order (matrix, row, column). */
  readonly pairs: readonly ShardPair[];
  /** The distinct files its pairs read, sorted. */
  readonly files: readonly string[];
  /** Estimated cost: its pairs plus one preparation of each file it reads (same units as {@link ShardSummary.totalCost}). */
  readonly cost: number;
}

/** Numbers to print before a sharded run (`pwcca plan`). */
export interface ShardSummary {
  readonly shards: number;
  readonly pairs: number;
  /** Distinct files over all matrices. */
  readonly files: number;
  readonly pairsPerShard: { readonly min: number; readonly max: number };
  readonly filesPerShard: { readonly min: number; readonly max: number; readonly mean: number };
  /** Each shard's cost over the sum of all shards' costs: min, max (1/S when perfectly balanced). */
  readonly costShare: { readonly min: number; readonly max: number };
  /** Sum of the shards' estimated costs. */
  readonly totalCost: number;
  /** Estimated cost of the same pairs as one run (each file prepared once): totalCost over this is the work added by sharding. */
  readonly singleRunCost: number;
}

export interface ShardPlan {
  readonly shards: readonly Shard[];
  readonly summary: ShardSummary;
}

/** A shard chosen on the command line: `K/S`, 1 <= K <= S. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** Parses `--shard K/S` (1-based, e.g. `3/16`, as Slurm's `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`). */
export function parseShardSpec(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard takes K/S with 1 <= K <= S, got '${text}'`, {
      hint: 'e.g. --shard 3/16 for the third of 16 shards; in a Slurm array: --shard ${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT} with --array=1-16',
    });
  }
  return { index, count };
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A pair in canonical coordinates. */
interface Point {
  readonly matrix: number;
  /** Smaller and larger label position in the matrix's sorted labels. */
  readonly row: number;
  readonly col: number;
  /** Global file index of each side. */
  readonly fileA: number;
  readonly fileB: number;
  readonly cost: number;
  readonly pair: ShardPair;
}

/** Checks and orders the input; returns the pairs as points and each file's preparation cost. */
function canonicalPoints(matrices: readonly ShardMatrix[], prepareCost: number): { points: Point[]; fileIds: string[]; fileCost: Float64Array } {
  const sortedMatrices = [...matrices].sort((x, y) => compareText(x.id, y.id));
  const fileWeights = new Map<string, number>();
  for (let m = 0; m < sortedMatrices.length; m++) {
    const matrix = sortedMatrices[m];
    if (m > 0 && sortedMatrices[m - 1].id === matrix.id) throw new RangeError(`shards: matrix id '${matrix.id}' appears twice`);
    for (const label of matrix.labels) {
      if (!Number.isFinite(label.weight) || label.weight < 0) {
        throw new RangeError(`shards: label '${label.name}' of '${matrix.id}' has weight ${label.weight}; weights must be finite and >= 0`);
      }
      const seen = fileWeights.get(label.file);
      // A file listed twice keeps its largest weight, so input order cannot matter.
      fileWeights.set(label.file, seen === undefined ? label.weight : Math.max(seen, label.weight));
    }
  }
  const fileIds = [...fileWeights.keys()].sort(compareText);
  const fileIndex = new Map(fileIds.map((id, i) => [id, i]));
  const fileCost = Float64Array.from(fileIds, (id) => prepareCost * fileWeights.get(id)! * fileWeights.get(id)!);

  const points: Point[] = [];
  sortedMatrices.forEach((matrix, m) => {
    const labels = [...matrix.labels].sort((x, y) => compareText(x.name, y.name));
    const position = new Map<string, number>();
    labels.forEach((label, i) => {
      if (position.has(label.name)) throw new RangeError(`shards: label '${label.name}' appears twice in '${matrix.id}'`);
      position.set(label.name, i);
    });
    const seenKeys = new Set<string>();
    for (const pair of matrix.pairs) {
      const i = position.get(pair.a);
      const j = position.get(pair.b);
      if (i === undefined || j === undefined) throw new RangeError(`shards: pair (${pair.a}, ${pair.b}) of '${matrix.id}' names an unknown label`);
      if (i === j) throw new RangeError(`shards: pair (${pair.a}, ${pair.b}) of '${matrix.id}' compares a label with itself`);
      const key = pair.key ?? JSON.stringify([matrix.id, pair.a, pair.b]);
      if (seenKeys.has(key)) throw new RangeError(`shards: pair ${key} appears twice`);
      seenKeys.add(key);
      const [row, col] = i < j ? [i, j] : [j, i];
      const fileA = fileIndex.get(labels[i].file)!;
      const fileB = fileIndex.get(labels[j].file)!;
      points.push({ matrix: m, row, col, fileA, fileB, cost: labels[i].weight * labels[j].weight, pair: { key, matrix: matrix.id, a: pair.a, b: pair.b } });
    }
  });
  const byRow = (p: Point, q: Point) => p.matrix - q.matrix || p.row - q.row || p.col - q.col;
  points.sort(byRow);
  for (let k = 1; k < points.length; k++) {
    if (byRow(points[k - 1], points[k]) === 0) {
      throw new RangeError(`shards: pairs ${points[k - 1].pair.key} and ${points[k].pair.key} compare the same two labels`);
    }
  }
  const keys = new Set<string>();
  for (const point of points) {
    if (keys.has(point.pair.key)) throw new RangeError(`shards: pair key ${point.pair.key} is used by two matrices`);
    keys.add(point.pair.key);
  }
  return { points, fileIds, fileCost };
}

/** Cost of a list of points: their pair costs plus each distinct file once, summed in list order. */
function costOf(points: readonly Point[], scratch: Scratch): { cost: number; files: number } {
  const mark = scratch.nextMark();
  let cost = 0;
  let files = 0;
  for (const point of points) {
    const seen = scratch.visit(point, mark);
    cost += point.cost + seen.cost;
    files += seen.files;
  }
  return { cost, files };
}

interface Cut {
  /** Number of points, in this axis' order, that go left. */
  readonly at: number;
  /** Files read by the two sides together. */
  readonly files: number;
  /** |left * rightShards - right * leftShards|: 0 when the costs match the shard counts exactly. */
  readonly imbalance: number;
}

/**
 * The balanced cut of `order` into a left part for `leftShards` shards and a
 * right part for `rightShards`: prefix and suffix costs (pairs plus the files
 * each side reads) are scanned once each, and the cut with the costs closest
 * to the shard ratio wins (the first one on ties). Each side keeps at least as
 * many pairs as it has shards.
 */
function bestCut(order: readonly Point[], leftShards: number, rightShards: number, scratch: Scratch): Cut {
  const m = order.length;
  const prefixCost = new Float64Array(m + 1);
  const prefixFiles = new Int32Array(m + 1);
  const suffixCost = new Float64Array(m + 1);
  const suffixFiles = new Int32Array(m + 1);
  let mark = scratch.nextMark();
  for (let k = 0; k < m; k++) {
    const point = order[k];
    const seen = scratch.visit(point, mark);
    prefixCost[k + 1] = prefixCost[k] + point.cost + seen.cost;
    prefixFiles[k + 1] = prefixFiles[k] + seen.files;
  }
  mark = scratch.nextMark();
  for (let k = m - 1; k >= 0; k--) {
    const point = order[k];
    const seen = scratch.visit(point, mark);
    suffixCost[k] = suffixCost[k + 1] + point.cost + seen.cost;
    suffixFiles[k] = suffixFiles[k + 1] + seen.files;
  }
  const lowest = Math.min(leftShards, m);
  const highest = Math.max(lowest, m - Math.min(rightShards, m - lowest));
  let best: Cut | null = null;
  for (let at = lowest; at <= highest; at++) {
    const imbalance = Math.abs(prefixCost[at] * rightShards - suffixCost[at] * leftShards);
    if (best === null || imbalance < best.imbalance) best = { at, files: prefixFiles[at] + suffixFiles[at], imbalance };
  }
  return best!;
}

/** A reusable "seen" marker per file, so cost scans allocate nothing per point. */
interface Scratch {
  /** A fresh mark: no file is marked with it yet. */
  nextMark(): number;
  /** Marks the point's files with `mark`; returns the preparation cost and count of those not marked before. */
  visit(point: Point, mark: number): { readonly cost: number; readonly files: number };
}

function buildScratch(fileCost: Float64Array): Scratch {
  const stamp = new Int32Array(fileCost.length);
  let mark = 0;
  const seen = { cost: 0, files: 0 };
  return {
    nextMark: () => ++mark,
    visit(point, current) {
      seen.cost = 0;
      seen.files = 0;
      if (stamp[point.fileA] !== current) {
        stamp[point.fileA] = current;
        seen.cost += fileCost[point.fileA];
        seen.files++;
      }
      if (stamp[point.fileB] !== current) {
        stamp[point.fileB] = current;
        seen.cost += fileCost[point.fileB];
        seen.files++;
      }
      return seen;
    },
  };
}

/**
 * Bisects a region into `count` shards. The region is held in two orders,
 * (matrix, row, column) and (matrix, column, row): cutting the first at some
 * point is a horizontal cut of the block (or a cut between matrices), cutting
 * the second a vertical one. Both orders stay sorted when split, so nothing is
 * sorted twice.
 */
function bisect(
  byRow: readonly Point[],
  byCol: readonly Point[],
  count: number,
  scratch: Scratch,
  out: Point[][],
): void {
  if (count === 1) {
    out.push([...byRow]);
    return;
  }
  const leftShards = Math.floor(count / 2);
  const rightShards = count - leftShards;
  const rowCut = bestCut(byRow, leftShards, rightShards, scratch);
  const colCut = bestCut(byCol, leftShards, rightShards, scratch);
  // Fewer files read wins; both cuts are balanced to within one pair, so the tie-break on balance rarely matters.
  const useCol = colCut.files < rowCut.files || (colCut.files === rowCut.files && colCut.imbalance < rowCut.imbalance);
  const [order, cut] = useCol ? [byCol, colCut] : [byRow, rowCut];
  const left = new Set<Point>(order.slice(0, cut.at));
  const split = (points: readonly Point[]) => [points.filter((p) => left.has(p)), points.filter((p) => !left.has(p))];
  const [rowLeft, rowRight] = split(byRow);
  const [colLeft, colRight] = split(byCol);
  bisect(rowLeft, colLeft, leftShards, scratch, out);
  bisect(rowRight, colRight, rightShards, scratch, out);
}

/**
 * Splits the pairs of `matrices` into `count` shards: disjoint, together every
 * pair exactly once, each non-empty when there are at least `count` pairs,
 * balanced by estimated cost, each a block of its matrix, and the same for the
 * same input in any order. Throws RangeError on malformed input (duplicate
 * ids, unknown labels, negative weights): callers build it from a plan.
 */
export function buildShardPlan(matrices: readonly ShardMatrix[], count: number, options: ShardOptions = {}): ShardPlan {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`shards: the shard count must be a positive integer, got ${count}`);
  const prepareCost = options.prepareCost ?? 1;
  if (!Number.isFinite(prepareCost) || prepareCost < 0) throw new RangeError(`shards: prepareCost must be finite and >= 0, got ${prepareCost}`);
  const { points, fileIds, fileCost } = canonicalPoints(matrices, prepareCost);
  const byCol = [...points].sort((p, q) => p.matrix - q.matrix || p.col - q.col || p.row - q.row);
  const scratch = buildScratch(fileCost);
  const groups: Point[][] = [];
  bisect(points, byCol, count, scratch, groups);

  const shards: Shard[] = groups.map((group, k) => {
    const { cost } = costOf(group, scratch);
    const files = [...new Set(group.flatMap((p) => [p.fileA, p.fileB]))].sort((x, y) => x - y).map((f) => fileIds[f]);
    return { index: k + 1, pairs: group.map((p) => p.pair), files, cost };
  });
  return { shards, summary: summarize(shards, points, fileIds.length, scratch) };
}

function summarize(shards: readonly Shard[], points: readonly Point[], files: number, scratch: Scratch): ShardSummary {
  const totalCost = shards.reduce((sum, shard) => sum + shard.cost, 0);
  const share = (shard: Shard) => (totalCost > 0 ? shard.cost / totalCost : 1 / shards.length);
  const pairCounts = shards.map((shard) => shard.pairs.length);
  const fileCounts = shards.map((shard) => shard.files.length);
  return {
    shards: shards.length,
    pairs: points.length,
    files,
    pairsPerShard: { min: Math.min(...pairCounts), max: Math.max(...pairCounts) },
    filesPerShard: { min: Math.min(...fileCounts), max: Math.max(...fileCounts), mean: fileCounts.reduce((s, c) => s + c, 0) / shards.length },
    costShare: { min: Math.min(...shards.map(share)), max: Math.max(...shards.map(share)) },
    totalCost,
    singleRunCost: costOf(points, scratch).cost,
  };
}

/** The shard `spec` of a plan (the pairs `--shard K/S` runs). */
export function selectShard(plan: ShardPlan, spec: ShardSpec): Shard {
  if (spec.count !== plan.shards.length) {
    throw new RangeError(`shards: asked for shard ${spec.index}/${spec.count} of a plan with ${plan.shards.length} shards`);
  }
  return plan.shards[spec.index - 1];
}

/**
 * A study's plan restricted to one shard: the tasks whose keys the shard
 * holds, and only the files those tasks read. Pairwise and convergence plans
 * alike (any plan with tasks and files).
 */
export function restrictToShard<P extends { readonly tasks: readonly PairTask[]; readonly files: readonly SourceFile[] }>(plan: P, shard: Shard): P {
  const keys = new Set(shard.pairs.map((pair) => pair.key));
  const tasks = plan.tasks.filter((task) => keys.has(task.key));
  const used = new Set(tasks.flatMap((task) => [task.a, task.b]));
  return { ...plan, tasks, files: plan.files.filter((file) => used.has(file.id)) };
}
