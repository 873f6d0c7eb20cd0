/**
 * Finding activation files for multi-file commands (`pairwise`,
 * `convergence`): which files there are, and which network, layer and group
 * each one belongs to.
 *
 * Three layouts:
 * - a tree `ROOT/<network>/<layer>.<ext>`: the layer is the file stem, the
 *   network the folder path relative to ROOT; networks nested two or more deep
 *   (`ROOT/<group>/<network>/<layer>`) get their first path component as group;
 * - a flat folder `ROOT/<file>.<ext>`: every file is its own label;
 * - an explicit list of files: likewise.
 *
 * {@link classifyFiles} is pure (relative paths in, labels out);
 * {@link discoverActivations} reads the disk.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { compareNatural, sortNatural } from '../../stats/natural-sort.js';

/** File name endings read as activation files (.npy, Arrow IPC file/stream, Feather v2). */
export const ACTIVATION_EXTENSIONS = ['.npy', '.arrow', '.feather', '.arrows'] as const;

/** How the inputs were laid out. */
export type DiscoveryMode = 'tree' | 'flat' | 'list';

/** Layer name given to every file of a flat folder or an explicit list. */
export const FLAT_LAYER = 'all';

/** One activation file and where it belongs. */
export interface DiscoveredFile {
  readonly path: string;
  /** Network label: folder path relative to ROOT (`/`-separated), or the file's label in flat/list mode. */
  readonly network: string;
  /** Layer label: the file stem, or {@link FLAT_LAYER} in flat/list mode. */
  readonly layer: string;
  /** Group of the network, or null when it has none. */
  readonly group: string | null;
}

export interface Discovery {
  readonly mode: DiscoveryMode;
  /** The folder scanned (tree and flat modes). */
  readonly root?: string;
  /** Every file, sorted by network (in `networks` order) then layer in natural order. */
  readonly files: readonly DiscoveredFile[];
  /**
   * Network labels: by group (natural order, networks without a group last),
   * then naturally within the group; an explicit list keeps the order given.
   */
  readonly networks: readonly string[];
  /** Layer labels in natural order. */
  readonly layers: readonly string[];
  /** Group of each network (null when it has none). */
  readonly groups: ReadonlyMap<string, string | null>;
  /** Things the user should know (files ignored, networks without a group); gaps in layers are the plan's to report. */
  readonly warnings: readonly string[];
}

export interface DiscoverOptions {
  /**
   * Group of a network from its label: the first capture group of the first
   * match (the whole match when the pattern has no group). Replaces the
   * default (first path component of networks nested two deep).
   */
  readonly groupBy?: RegExp;
}

/** Whether a file name looks like an activation file. */
export function isActivationFile(name: string): boolean {
  const ext = extname(name).toLowerCase();
  return (ACTIVATION_EXTENSIONS as readonly string[]).includes(ext) && !name.startsWith('.');
}

/** The file name without its extension. */
export function fileStem(path: string): string {
  const name = basename(path);
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

/**
 * Labels files found under a folder, given their paths relative to it
 * (`/`-separated). Files directly in the folder make a flat set unless some
 * are in subfolders, in which case it is a tree and the top-level files are
 * ignored (with a warning). Pure.
 */
export function classifyFiles(relativePaths: readonly string[], options: DiscoverOptions & { root?: string; join?: (relativePath: string) => string } = {}): Discovery {
  const toPath = options.join ?? ((p: string) => p);
  const nested = relativePaths.filter((p) => p.includes('/'));
  const top = relativePaths.filter((p) => !p.includes('/'));
  const warnings: string[] = [];
  if (nested.length === 0) {
    const labelled = labelFiles(top.map(toPath), top);
    return finish('flat', labelled.map(({ path, label }) => ({ path, network: label, layer: FLAT_LAYER })), options, warnings);
  }
  if (top.length > 0) {
    warnings.push(
      `ignored ${top.length} file(s) directly in the folder (${sortNatural(top).slice(0, 3).join(', ')}${top.length > 3 ? ', ...' : ''}): in a ROOT/<network>/<layer> tree, files must be inside a network folder`,
    );
  }
  const entries = nested.map((relativePath) => {
    const parts = relativePath.split('/');
    const file = parts.pop()!;
    return { path: toPath(relativePath), network: parts.join('/'), layer: fileStem(file) };
  });
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const key = `${entry.network}\u0000${entry.layer}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new UsageError(`two files for layer ${entry.layer} of network ${entry.network}: ${other} and ${entry.path}`, {
        hint: 'keep one file per layer in each network folder (e.g. only the .npy or only the .arrow)',
      });
    }
    seen.set(key, entry.path);
  }
  return finish('tree', entries, options, warnings);
}

/**
 * Labels an explicit list of files: each is its own label (its stem;
 * files with the same stem are told apart by the shortest distinguishing
 * end of their paths). Pure.
 */
export function classifyFileList(paths: readonly string[], options: DiscoverOptions = {}): Discovery {
  const labelled = labelFiles(paths, paths);
  return finish('list', labelled.map(({ path, label }) => ({ path, network: label, layer: FLAT_LAYER })), options, []);
}

/**
 * Finds the activation files named on the command line: one folder (scanned
 * recursively; hidden files and folders skipped) or two or more files.
 */
export function discoverActivations(inputs: readonly string[], options: DiscoverOptions = {}): Discovery {
  if (inputs.length === 0) {
    throw new UsageError('no inputs', { hint: 'pass a folder (ROOT/<network>/<layer>.npy) or two or more activation files' });
  }
  if (inputs.includes('-')) {
    throw new UsageError('standard input (-) cannot be used with several files', { hint: 'save the activations to files and pass their paths' });
  }
  const kinds = inputs.map((input) => {
    try {
      return statSync(input).isDirectory() ? 'folder' : 'file';
    } catch {
      throw new UsageError(`no such file or folder: ${input}`, { where: input, hint: 'check the path' });
    }
  });
  if (kinds.includes('folder')) {
    if (inputs.length > 1) {
      throw new UsageError(`pass either one folder or a list of files, got ${inputs.length} inputs including a folder`, {
        hint: 'put the files under one folder (ROOT/<network>/<layer>.npy), or list the files themselves',
      });
    }
    const root = inputs[0];
    const found = listActivationFiles(root);
    if (found.length === 0) throw noActivationFiles(root, 'ROOT/<network>/<layer>.npy (or pass the files themselves)');
    return classifyFiles(found, { ...options, root, join: (p) => join(root, ...p.split('/')) });
  }
  if (inputs.length < 2) {
    throw new UsageError('pairwise needs at least two files, or a folder', {
      hint: 'pass a folder (ROOT/<network>/<layer>.npy) or two or more activation files',
    });
  }
  return classifyFileList(inputs, options);
}

/** Activation files under `root`, as sorted `/`-separated paths relative to it. */
export function listActivationFiles(root: string): string[] {
  const found: string[] = [];
  const visit = (folder: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw new UsageError(`cannot read the folder: ${(error as Error).message}`, { where: folder, hint: 'check the path and its permissions' });
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && safeIsDirectory(path));
      if (isDirectory) visit(path);
      else if (isActivationFile(entry.name)) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  visit(root);
  return found.sort(compareNatural);
}

/**
 * The error for a folder without activation files: what it holds instead
 * (`3 .pkl files, 2 .mat files`), so the user sees why nothing was read, and
 * how to get files pwcca reads.
 */
export function noActivationFiles(root: string, layout: string): UsageError {
  const counts = new Map<string, number>();
  let total = 0;
  const visit = (folder: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw new UsageError(`cannot read the folder: ${(error as Error).message}`, { where: folder, hint: 'check the path and its permissions' });
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && safeIsDirectory(path))) {
        if (depth < 8) visit(path, depth + 1);
        continue;
      }
      total++;
      const ext = extname(entry.name).toLowerCase() || '(no extension)';
      counts.set(ext, (counts.get(ext) ?? 0) + 1);
    }
  };
  visit(root, 0);
  const readable = ACTIVATION_EXTENSIONS.join(', ');
  if (total === 0) {
    return new UsageError(`no activation files under ${root}: the folder holds no files`, { where: root, hint: `save activations (${readable}) as ${layout}` });
  }
  const found = [...counts.entries()]
    .sort((p, q) => q[1] - p[1] || compareNatural(p[0], q[0]))
    .map(([ext, count]) => `${count} ${ext} file${count === 1 ? '' : 's'}`);
  const shown = found.length > 5 ? [...found.slice(0, 5), `${found.length - 5} other kinds`] : found;
  return new UsageError(`no activation files under ${root}: found ${shown.join(', ')}, none of which pwcca reads (it reads ${readable})`, {
    where: root,
    hint: `save each layer's activations with np.save(path, acts) (from torch: acts.detach().cpu().numpy()) or as Arrow/Feather, as ${layout}`,
  });
}

function safeIsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Stems as labels; duplicates get the shortest end of their path that tells them apart. */
function labelFiles(paths: readonly string[], names: readonly string[]): Array<{ path: string; label: string }> {
  const parts = names.map((name) => {
    const segments = name.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
    segments[segments.length - 1] = fileStem(segments[segments.length - 1]);
    return segments;
  });
  const labels = parts.map((segments) => segments[segments.length - 1]);
  for (let depth = 2; ; depth++) {
    const counts = new Map<string, number>();
    for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
    const clashing = labels.map((label) => counts.get(label)! > 1);
    if (!clashing.includes(true)) break;
    let grew = false;
    labels.forEach((_, i) => {
      if (clashing[i] && parts[i].length >= depth) {
        labels[i] = parts[i].slice(-depth).join('/');
        grew = true;
      }
    });
    if (!grew) {
      const index = clashing.indexOf(true);
      const twins = names.filter((_, i) => clashing[i] && labels[i] === labels[index]);
      throw new UsageError(`two inputs get the same label ${labels[index]}: ${twins.join(' and ')}`, {
        hint: 'list each file once, and keep one file per name (e.g. only the .npy or only the .arrow)',
      });
    }
  }
  return paths.map((path, i) => ({ path, label: labels[i] }));
}

function finish(
  mode: DiscoveryMode,
  entries: ReadonlyArray<{ path: string; network: string; layer: string }>,
  options: DiscoverOptions & { root?: string },
  warnings: string[],
): Discovery {
  const found = [...new Set(entries.map((e) => e.network))];
  const layers = sortNatural(new Set(entries.map((e) => e.layer)));
  const groups = new Map<string, string | null>();
  for (const network of found) groups.set(network, groupOf(network, mode, options.groupBy));
  // By group, then naturally within it; a list of files keeps the user's order.
  const networks = mode === 'list' ? found : [...found].sort((p, q) => compareGroups(groups.get(p)!, groups.get(q)!) || compareNatural(p, q));
  if (options.groupBy) {
    const ungrouped = networks.filter((network) => groups.get(network) === null);
    if (ungrouped.length === networks.length) {
      throw new UsageError(`--group-by ${options.groupBy.source} matches none of the ${networks.length} labels (e.g. ${networks[0]})`, {
        hint: 'the pattern is matched against each network label (its folder path under ROOT); use a capture group for the group name, e.g. --group-by "^(\\w+)_s\\d+"',
      });
    }
    if (ungrouped.length > 0) {
      warnings.push(`--group-by matches no group in ${ungrouped.length} network(s) (${ungrouped.slice(0, 3).join(', ')}${ungrouped.length > 3 ? ', ...' : ''}): they are left out of group statistics`);
    }
  }
  const position = new Map(networks.map((network, i) => [network, i]));
  const files = entries
    .map((entry) => ({ ...entry, group: groups.get(entry.network) ?? null }))
    .sort((p, q) => position.get(p.network)! - position.get(q.network)! || compareNatural(p.layer, q.layer));
  return { mode, ...(options.root !== undefined && { root: options.root }), files, networks, layers, groups, warnings };
}

/** Groups in natural order, networks without a group after every group. */
function compareGroups(p: string | null, q: string | null): number {
  if (p === q) return 0;
  if (p === null) return 1;
  if (q === null) return -1;
  return compareNatural(p, q);
}

function groupOf(network: string, mode: DiscoveryMode, groupBy: RegExp | undefined): string | null {
  if (groupBy) {
    const match = groupBy.exec(network);
    if (!match) return null;
    const group = match.length > 1 ? match.slice(1).find((g) => g !== undefined) : match[0];
    return group === undefined || group === '' ? null : group;
  }
  if (mode !== 'tree') return null;
  const slash = network.indexOf('/');
  return slash > 0 ? network.slice(0, slash) : null;
}
