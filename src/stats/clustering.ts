/**
 * Average-linkage (UPGMA) hierarchical clustering of a distance matrix, by
 * ml-hclust's AGNES (the PWCCA paper's Figure 5). Pure.
 */
import { agnes, type Cluster } from 'ml-hclust';

export interface Clustering {
  /** Number of clusters asked for, after capping at the number of labels. */
  readonly k: number;
  /** Cluster of each label (1-based); cluster 1 holds label 0, cluster 2 the first label not in cluster 1, ... */
  readonly assignments: readonly number[];
  /** Leaf order of the dendrogram (label indices): rows/columns in this order plot without crossing branches. */
  readonly order: readonly number[];
  /** Merge heights (average-linkage distances) of the dendrogram, ascending. */
  readonly heights: readonly number[];
  /**
   * The dendrogram as scipy.cluster.hierarchy.linkage returns it: n - 1 rows
   * `[left, right, height, size]` in merge order (ascending height); ids
   * below n are labels, id n + k is the cluster formed by row k; left < right.
   */
  readonly linkage: ReadonlyArray<readonly [number, number, number, number]>;
}

/**
 * Clusters the labels of a symmetric distance matrix (no missing cells) into
 * `k` clusters by cutting the average-linkage dendrogram.
 */
export function clusterDistances(distance: ReadonlyArray<ReadonlyArray<number>>, k: number): Clustering {
  const n = distance.length;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`the number of clusters must be a positive whole number, got ${k}`);
  if (n === 0) return { k: 0, assignments: [], order: [], heights: [], linkage: [] };
  for (const row of distance) {
    if (row.length !== n || row.some((value) => !Number.isFinite(value))) {
      throw new RangeError(`clustering needs a complete ${n} x ${n} distance matrix of finite numbers`);
    }
  }
  const kept = Math.min(k, n);
  if (n === 1) return { k: 1, assignments: [1], order: [0], heights: [], linkage: [] };
  const tree = agnes(distance.map((row) => [...row]), { method: 'average', isDistanceMatrix: true });
  const order = leafOrder(tree);
  const heights: number[] = [];
  tree.traverse((node: Cluster) => {
    if (!node.isLeaf) heights.push(node.height);
  });
  const assignments = new Array<number>(n).fill(0);
  // Number clusters by their first label (smallest index), so cluster 1 holds the first label.
  const clusters = tree
    .group(kept)
    .children.map((cluster: Cluster) => cluster.indices())
    .sort((p: number[], q: number[]) => Math.min(...p) - Math.min(...q));
  clusters.forEach((leaves: number[], c: number) => {
    for (const leaf of leaves) assignments[leaf] = c + 1;
  });
  return { k: clusters.length, assignments, order, heights: heights.sort((p, q) => p - q), linkage: linkageMatrix(tree, n) };
}

/**
 * The scipy-style linkage matrix of a binary dendrogram: internal nodes in
 * post-order (children before parents), then stably by height, numbered
 * n, n + 1, ... in that order.
 */
function linkageMatrix(root: Cluster, n: number): Array<[number, number, number, number]> {
  const internal: Cluster[] = [];
  const visit = (node: Cluster) => {
    if (node.isLeaf) return;
    node.children.forEach(visit);
    internal.push(node);
  };
  visit(root);
  const merged = internal.map((node, post) => ({ node, post })).sort((p, q) => p.node.height - q.node.height || p.post - q.post);
  const ids = new Map<Cluster, number>();
  const rows: Array<[number, number, number, number]> = [];
  merged.forEach(({ node }, k) => {
    if (node.children.length !== 2) throw new RangeError(`expected a binary dendrogram, got a node with ${node.children.length} children`);
    const [p, q] = node.children.map((child: Cluster) => (child.isLeaf ? child.index : ids.get(child)!));
    rows.push([Math.min(p, q), Math.max(p, q), node.height, node.size]);
    ids.set(node, n + k);
  });
  return rows;
}

/**
 * Leaves left to right, each node's children visited by their smallest label
 * index: any such order draws the dendrogram without crossings, and this one
 * is deterministic and keeps the first label on the left.
 */
function leafOrder(root: Cluster): number[] {
  const smallest = new Map<Cluster, number>();
  const minimum = (node: Cluster): number => {
    let value = smallest.get(node);
    if (value === undefined) {
      value = node.isLeaf ? node.index : Math.min(...node.children.map(minimum));
      smallest.set(node, value);
    }
    return value;
  };
  const order: number[] = [];
  const visit = (node: Cluster) => {
    if (node.isLeaf) order.push(node.index);
    else [...node.children].sort((p, q) => minimum(p) - minimum(q)).forEach(visit);
  };
  visit(root);
  return order;
}
