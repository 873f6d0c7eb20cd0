import { InputError } from '../errors.js';

/**
 * The parts of pwcca's JSON reports (schema version 1) that the figures draw.
 * Only the fields read here are typed; a document may carry more.
 */

/** The schema version this module reads. */
export const PLOT_SCHEMA_VERSION = 1;

/** Mean and spread of the distances within one group. */
export interface WithinGroupStat {
  group: string;
  mean: number | null;
  std: number | null;
  count: number;
}

/** Mean and spread of the distances between two groups. */
export interface BetweenGroupStat {
  groupA: string;
  groupB: string;
  mean: number | null;
  std: number | null;
  count: number;
}

/** A permutation test of between-group minus within-group distance (by group labels). */
export interface GroupTest {
  groups: [string, string];
  statistic?: string;
  observed?: number;
  nullMean?: number;
  nullStd?: number;
  pValue: number;
  permutations?: number;
}

/** Hierarchical clustering of one matrix. `linkage` is the method name or a scipy-style linkage matrix. */
export interface ClusterResult {
  linkage?: string | number[][];
  /** The linkage method name when `linkage` holds the matrix. */
  method?: string;
  k?: number;
  assignments?: number[];
  /** Labels in the dendrogram's leaf order. */
  order?: string[];
}

/** One square matrix of a pairwise report: a layer (across networks), a network (across layers) or a T x T matrix. */
export interface PairwiseMatrix {
  /** What the rows and columns are taken across, e.g. "fc1" (a layer), "random/s1" (a network). */
  name: string;
  labels: string[];
  groups: (string | null)[];
  methods: Record<string, { distance: (number | null)[][] }>;
  groupStats?: Record<string, { within: WithinGroupStat[]; between: BetweenGroupStat[] }> | null;
  clusters?: Record<string, ClusterResult> | null;
  groupTest?: Record<string, GroupTest[]> | null;
}

/** A `pwcca pairwise --format json` document, normalised. */
export interface PairwiseDocument {
  command: 'pairwise';
  /** "layer" (networks compared per layer), "network" (--cross-layer) or "timestep". */
  scope: string;
  methods: string[];
  variant: string | null;
  matrices: PairwiseMatrix[];
  /** Datapoints per matrix name and method, from the pairs (min and max seen). */
  datapoints: Map<string, { min: number; max: number }>;
}

/** One row of the convergence table: distance to the reference at a step, over runs. */
export interface ConvergenceRow {
  layer: string;
  step: number;
  method: string;
  mean: number | null;
  std: number | null;
  runs: number;
}

/** Mean over runs of the stable and unstable directions' correlation at one step. */
export interface DirectionsMean {
  layer: string;
  step: number;
  stable: { mean: number | null; std: number | null; runs: number };
  unstable: { mean: number | null; std: number | null; runs: number };
}

/** A `pwcca convergence --format json` document. */
export interface ConvergenceDocument {
  command: 'convergence';
  methods: string[];
  variant: string | null;
  runs: string[];
  steps: number[];
  /** Layers in depth order. */
  layers: string[];
  referenceStep: number | null;
  threshold: number | null;
  table: ConvergenceRow[];
  summary: { layer: string; method: string; convergenceStep: number | null }[];
  directions: { requested: number; earlyStep: number; middleStep: number; mean: DirectionsMean[] } | null;
}

/** Permutation test of one method in a compare report. */
export interface MethodSignificance {
  observed: number;
  nullMean?: number;
  nullStd?: number;
  pValue: number;
  excess?: number;
  nullValues?: number[];
}

/** A `pwcca compare --format json` document. */
export interface CompareDocument {
  command: 'compare';
  method: string;
  variant: string | null;
  datapoints: number | null;
  inputs: { a: string | null; b: string | null };
  cca: { similarity: number; mean?: number; coefficients?: number[] } | null;
  pwcca: { similarity: number; weights?: number[] } | null;
  svcca: { similarity: number; coefficients?: number[] } | null;
  significance: { permutations: number | null; seed: number | null; methods: Record<string, MethodSignificance> } | null;
}

/** Any document `pwcca plot` draws. */
export type PlotDocument = PairwiseDocument | ConvergenceDocument | CompareDocument;

type Json = Record<string, unknown>;

const COMMANDS = ['compare', 'pairwise', 'convergence'];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a field path for messages, e.g. `layers[0].labels`. */
class Reader {
  constructor(private readonly source: string) {}

  fail(field: string, expected: string, seen: unknown): never {
    const shown = seen === undefined ? 'missing' : JSON.stringify(seen)?.slice(0, 60);
    throw new InputError(`not a pwcca report: expected ${field} to be ${expected}, saw ${shown}`, {
      where: this.source,
      hint: 'plot reads the JSON written by `pwcca compare|pairwise|convergence --format json`',
    });
  }

  object(value: unknown, field: string): Json {
    if (!isObject(value)) this.fail(field, 'an object', value);
    return value;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, 'an array', value);
    return value;
  }

  strings(value: unknown, field: string): string[] {
    const list = this.array(value, field);
    list.forEach((item, i) => {
      if (typeof item !== 'string') this.fail(`${field}[${i}]`, 'a string', item);
    });
    return list as string[];
  }

  numbers(value: unknown, field: string): number[] {
    const list = this.array(value, field);
    list.forEach((item, i) => {
      if (typeof item !== 'number' || !Number.isFinite(item)) this.fail(`${field}[${i}]`, 'a number', item);
    });
    return list as number[];
  }

  number(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'a number', value);
    return value;
  }

  optionalNumber(value: unknown): number | null {
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  optionalString(value: unknown): string | null {
    return typeof value === 'string' ? value : null;
  }
}

/**
 * Parses the text of a pwcca JSON report into the document the figures draw.
 * Throws an InputError naming the field it expected when the text is not a
 * pwcca report of schema version 1.
 */
export function parsePlotDocument(text: string, source: string): PlotDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`not JSON: ${(error as Error).message}`, {
      where: source,
      hint: 'plot reads the JSON written by `pwcca compare|pairwise|convergence --format json`',
    });
  }
  return buildPlotDocument(value, source);
}

/** Checks and normalises an already parsed report (see parsePlotDocument). */
export function buildPlotDocument(value: unknown, source: string): PlotDocument {
  const read = new Reader(source);
  const root = read.object(value, 'the document');
  if (root.schemaVersion === undefined) read.fail('schemaVersion', `${PLOT_SCHEMA_VERSION}`, undefined);
  if (root.schemaVersion !== PLOT_SCHEMA_VERSION) {
    throw new InputError(`unsupported report: schemaVersion ${JSON.stringify(root.schemaVersion)}, this pwcca reads schemaVersion ${PLOT_SCHEMA_VERSION}`, {
      where: source,
      hint: 'redo the report with this version of pwcca (`--format json`)',
    });
  }
  if (typeof root.command !== 'string' || !COMMANDS.includes(root.command)) read.fail('command', COMMANDS.map((c) => `"${c}"`).join(', ').replace(/, ([^,]*)$/, ' or $1'), root.command);
  if (root.command === 'pairwise') return buildPairwise(root, read);
  if (root.command === 'convergence') return buildConvergence(root, read);
  return buildCompare(root, read);
}

function buildPairwise(root: Json, read: Reader): PairwiseDocument {
  const scope = typeof root.scope === 'string' ? root.scope : 'layer';
  // The matrices sit under "layers" (per layer), "networks" (--cross-layer) or, for timesteps, whichever is present.
  const key = ['layers', 'networks', 'timesteps', 'matrices'].find((name) => Array.isArray(root[name]));
  if (key === undefined) read.fail(scope === 'network' ? 'networks' : 'layers', 'an array of matrices', undefined);
  const nameKey = key === 'networks' ? 'network' : 'layer';
  const matrices = read.array(root[key], key).map((entry, i): PairwiseMatrix => {
    const field = `${key}[${i}]`;
    const item = read.object(entry, field);
    const labels = read.strings(item.labels, `${field}.labels`);
    const methods = read.object(item.methods, `${field}.methods`);
    const checked: PairwiseMatrix['methods'] = {};
    for (const [method, result] of Object.entries(methods)) {
      const distance = read.array(read.object(result, `${field}.methods.${method}`).distance, `${field}.methods.${method}.distance`);
      if (distance.length !== labels.length) read.fail(`${field}.methods.${method}.distance`, `a ${labels.length} x ${labels.length} matrix`, `${distance.length} rows`);
      checked[method] = {
        distance: distance.map((row, r) => {
          const cells = read.array(row, `${field}.methods.${method}.distance[${r}]`);
          if (cells.length !== labels.length) read.fail(`${field}.methods.${method}.distance[${r}]`, `${labels.length} cells`, `${cells.length}`);
          return cells.map((cell, c) => (cell === null ? null : read.number(cell, `${field}.methods.${method}.distance[${r}][${c}]`)));
        }),
      };
    }
    const groups = Array.isArray(item.groups) ? item.groups.map((g) => (typeof g === 'string' ? g : null)) : labels.map(() => null);
    const name = [item[nameKey], item.layer, item.network, item.name].find((v) => typeof v === 'string') as string | undefined;
    return {
      name: name ?? `#${i + 1}`,
      labels,
      groups,
      methods: checked,
      groupStats: isObject(item.groupStats) ? (item.groupStats as PairwiseMatrix['groupStats']) : null,
      clusters: isObject(item.clusters) ? (item.clusters as PairwiseMatrix['clusters']) : null,
      groupTest: isObject(item.groupTest) ? (item.groupTest as PairwiseMatrix['groupTest']) : null,
    };
  });
  const options = isObject(root.options) ? root.options : {};
  const datapoints = new Map<string, { min: number; max: number }>();
  if (Array.isArray(root.pairs)) {
    for (const pair of root.pairs) {
      if (!isObject(pair) || typeof pair.datapoints !== 'number') continue;
      const name = [pair.layer, pair.network, pair.timestep].find((v) => typeof v === 'string' || typeof v === 'number');
      if (name === undefined) continue;
      const seen = datapoints.get(String(name));
      datapoints.set(String(name), seen ? { min: Math.min(seen.min, pair.datapoints), max: Math.max(seen.max, pair.datapoints) } : { min: pair.datapoints, max: pair.datapoints });
    }
  }
  const methods = Array.isArray(root.methods) ? read.strings(root.methods, 'methods') : [...new Set(matrices.flatMap((m) => Object.keys(m.methods)))];
  return { command: 'pairwise', scope, methods, variant: read.optionalString(options.variant), matrices, datapoints };
}

function buildConvergence(root: Json, read: Reader): ConvergenceDocument {
  const options = isObject(root.options) ? root.options : {};
  const layers = read.strings(root.layers, 'layers');
  const steps = read.numbers(root.steps, 'steps');
  const table = read.array(root.table, 'table').map((entry, i): ConvergenceRow => {
    const row = read.object(entry, `table[${i}]`);
    if (typeof row.layer !== 'string') read.fail(`table[${i}].layer`, 'a string', row.layer);
    if (typeof row.method !== 'string') read.fail(`table[${i}].method`, 'a string', row.method);
    return {
      layer: row.layer,
      method: row.method,
      step: read.number(row.step, `table[${i}].step`),
      mean: read.optionalNumber(row.mean),
      std: read.optionalNumber(row.std),
      runs: read.optionalNumber(row.runs) ?? 0,
    };
  });
  const summaryObject = isObject(root.summary) ? root.summary : {};
  const summary = (Array.isArray(summaryObject.layers) ? summaryObject.layers : []).filter(isObject).map((entry) => ({
    layer: String(entry.layer),
    method: String(entry.method),
    convergenceStep: read.optionalNumber(entry.convergenceStep),
  }));
  let directions: ConvergenceDocument['directions'] = null;
  if (isObject(root.directions)) {
    const d = root.directions;
    const stat = (value: unknown) => {
      const o = isObject(value) ? value : {};
      return { mean: read.optionalNumber(o.mean), std: read.optionalNumber(o.std), runs: read.optionalNumber(o.runs) ?? 0 };
    };
    directions = {
      requested: read.optionalNumber(d.requested) ?? 0,
      earlyStep: read.optionalNumber(d.earlyStep) ?? 0,
      middleStep: read.optionalNumber(d.middleStep) ?? 0,
      mean: read.array(d.mean, 'directions.mean').map((entry, i) => {
        const row = read.object(entry, `directions.mean[${i}]`);
        return { layer: String(row.layer), step: read.number(row.step, `directions.mean[${i}].step`), stable: stat(row.stable), unstable: stat(row.unstable) };
      }),
    };
  }
  const methods = Array.isArray(options.methods) ? read.strings(options.methods, 'options.methods') : [...new Set(table.map((r) => r.method))];
  return {
    command: 'convergence',
    methods,
    variant: read.optionalString(options.variant),
    runs: Array.isArray(root.runs) ? read.strings(root.runs, 'runs') : [],
    steps,
    layers,
    referenceStep: read.optionalNumber(root.referenceStep),
    threshold: read.optionalNumber(summaryObject.threshold) ?? read.optionalNumber(options.threshold),
    table,
    summary,
    directions,
  };
}

function buildCompare(root: Json, read: Reader): CompareDocument {
  const method = typeof root.method === 'string' ? root.method : 'pwcca';
  const part = (name: string) => (isObject(root[name]) ? (root[name] as Json) : null);
  const cca = part('cca');
  const pwcca = part('pwcca');
  const svcca = part('svcca');
  if (cca === null && pwcca === null && svcca === null && part('significance') === null) read.fail('cca', 'an object with the canonical correlations (or pwcca, svcca, significance)', undefined);
  const inputs = part('inputs') ?? {};
  const inputPath = (side: unknown) => (isObject(side) && typeof side.path === 'string' ? side.path : null);
  let significance: CompareDocument['significance'] = null;
  const sig = part('significance');
  if (sig !== null) {
    const methods: Record<string, MethodSignificance> = {};
    for (const [name, entry] of Object.entries(sig)) {
      if (!isObject(entry)) continue;
      methods[name] = {
        observed: read.number(entry.observed, `significance.${name}.observed`),
        pValue: read.number(entry.pValue, `significance.${name}.pValue`),
        nullMean: read.optionalNumber(entry.nullMean) ?? undefined,
        nullStd: read.optionalNumber(entry.nullStd) ?? undefined,
        excess: read.optionalNumber(entry.excess) ?? undefined,
        nullValues: entry.nullValues === undefined ? undefined : read.numbers(entry.nullValues, `significance.${name}.nullValues`),
      };
    }
    significance = { permutations: read.optionalNumber(sig.permutations), seed: read.optionalNumber(sig.seed), methods };
  }
  const similarity = (o: Json | null, name: string) => (o === null ? 0 : read.number(o.similarity, `${name}.similarity`));
  return {
    command: 'compare',
    method,
    variant: read.optionalString(root.variant),
    datapoints: read.optionalNumber(root.datapoints),
    inputs: { a: inputPath(inputs.a), b: inputPath(inputs.b) },
    cca:
      cca === null
        ? null
        : {
            similarity: similarity(cca, 'cca'),
            mean: read.optionalNumber(cca.mean) ?? undefined,
            coefficients: cca.coefficients === undefined ? undefined : read.numbers(cca.coefficients, 'cca.coefficients'),
          },
    pwcca: pwcca === null ? null : { similarity: similarity(pwcca, 'pwcca'), weights: pwcca.weights === undefined ? undefined : read.numbers(pwcca.weights, 'pwcca.weights') },
    svcca:
      svcca === null
        ? null
        : { similarity: similarity(svcca, 'svcca'), coefficients: svcca.coefficients === undefined ? undefined : read.numbers(svcca.coefficients, 'svcca.coefficients') },
    significance,
  };
}
