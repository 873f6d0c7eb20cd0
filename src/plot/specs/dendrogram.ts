import { InputError } from '../../errors.js';
import type { VlSpec } from './common.js';

/** One segment of a dendrogram in leaf units (x) and merge heights (y). */
export interface DendrogramSegment {
  x: number;
  x2: number;
  y: number;
  y2: number;
  /** Height of the merge the segment belongs to. */
  height: number;
  /** Number of leaves under that merge. */
  size: number;
}

/** Leaf order and drawing of a scipy-style linkage matrix. */
export interface Dendrogram {
  /** Label indices in leaf order (left to right). */
  order: number[];
  segments: DendrogramSegment[];
  maxHeight: number;
}

/**
 * Builds the dendrogram of a scipy-style linkage matrix `[[left, right,
 * height, size], ...]` over `n` leaves: `n - 1` rows; an index below `n` is a
 * leaf, `n + k` is the cluster made by row `k`. Leaves are placed at `i + 0.5`
 * in their traversal order (left child first, as scipy draws them), and a
 * merge sits above the middle of its two children.
 */
export function buildDendrogram(linkage: readonly (readonly number[])[], n: number, where = 'linkage'): Dendrogram {
  const bad = (what: string): never => {
    throw new InputError(`malformed linkage matrix: ${what}`, {
      where,
      hint: 'a linkage has n - 1 rows [left, right, height, size]; index n + k is the merge of row k',
    });
  };
  if (linkage.length !== n - 1) bad(`expected ${n - 1} rows for ${n} labels, saw ${linkage.length}`);
  const used = new Set<number>();
  linkage.forEach((row, k) => {
    if (!Array.isArray(row) || row.length < 3 || !row.slice(0, 3).every((v) => typeof v === 'number' && Number.isFinite(v))) bad(`row ${k} is not [left, right, height, size]`);
    for (const child of [row[0], row[1]]) {
      // A child must be a leaf or an earlier merge, used once: this also rules out cycles.
      if (!Number.isInteger(child) || child < 0 || child >= n + k || used.has(child)) bad(`row ${k} refers to ${child}`);
      used.add(child);
    }
  });
  const heights = linkage.map((row) => row[2]);
  const x = new Map<number, number>();
  const order: number[] = [];
  if (n === 1) return { order: [0], segments: [], maxHeight: 0 };
  // Iterative depth-first walk from the root (the last merge): leaves in left-to-right order.
  const stack = [n + n - 2];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (node < n) {
      x.set(node, order.length + 0.5);
      order.push(node);
    } else {
      const row = linkage[node - n];
      stack.push(row[1], row[0]);
    }
  }
  const segments: DendrogramSegment[] = [];
  const heightOf = (node: number) => (node < n ? 0 : heights[node - n]);
  linkage.forEach((row, k) => {
    const [left, right, height] = row;
    const xl = x.get(left) as number;
    const xr = x.get(right) as number;
    const size = row.length > 3 && Number.isFinite(row[3]) ? row[3] : 0;
    x.set(n + k, (xl + xr) / 2);
    segments.push({ x: xl, x2: xl, y: heightOf(left), y2: height, height, size });
    segments.push({ x: xr, x2: xr, y: heightOf(right), y2: height, height, size });
    segments.push({ x: xl, x2: xr, y: height, y2: height, height, size });
  });
  return { order, segments, maxHeight: Math.max(0, ...heights) };
}

/**
 * A dendrogram view to sit above a heatmap whose columns are in the same leaf
 * order: the x scale runs over [0, n] leaf units across the same width.
 */
export function buildDendrogramSpec(dendrogram: Dendrogram, n: number, width: number, height = 90): VlSpec {
  return {
    width,
    height,
    data: { values: dendrogram.segments },
    mark: { type: 'rule', strokeWidth: 1.2, color: '#333' },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: { domain: [0, n], nice: false, zero: false }, axis: null },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative', scale: { domain: [0, dendrogram.maxHeight || 1], nice: false }, axis: { title: 'merge height', tickCount: 3, grid: false } },
      y2: { field: 'y2' },
      tooltip: [
        { field: 'height', type: 'quantitative', title: 'merge height', format: '.4f' },
        { field: 'size', type: 'quantitative', title: 'leaves' },
      ],
    },
  };
}
