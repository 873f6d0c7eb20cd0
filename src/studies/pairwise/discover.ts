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
 * Multi-array files (.npz, torch.save, safetensors, HDF5) stand for a network
 * whose keys are its layers ({@link discoverActivationArrays}): in a flat
 * folder or a list, `runs/<network>.npz` gives network `<network>` with one
 * layer per array; in a tree, a network folder holding one such file gets
 * one layer per key, and with several files, layers `<stem>/<key>`.
 *
 * {@link classifyFiles} is pure (relative paths in, labels out);
 * {@link discoverActivations} reads the disk (folders only), and
 * {@link discoverActivationArrays} also lists the arrays of multi-array files.
 */
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import type { ArrayInfo } from '../../io/arrays.js';
import { listContainerArrays, resolveRefSync } from '../../io/load.js';
import { formatShape } from '../../io/ndarray.js';
import { compareNatural, sortNatural } from '../../stats/natural-sort.js';

/**
 * File name endings read as activation files: .npy, Arrow IPC file/stream,
 * Feather v2, and the multi-array formats (.npz, torch.save, safetensors,
 * HDF5). The format itself is always recognised from the content.
 */
export const ACTIVATION_EXTENSIONS = ['.npy', '.arrow', '.feather', '.arrows', '.npz', '.pt', '.pth', '.bin', '.safetensors', '.h5', '.hdf5'] as const;

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
  return finishRaw(classifyFilesRaw(relativePaths, options));
}

/** Files labelled, before the summary (networks, layers, groups) is built. */
interface RawDiscovery {
  readonly mode: DiscoveryMode;
  readonly entries: ReadonlyArray<{ path: string; network: string; layer: string }>;
  readonly options: DiscoverOptions & { root?: string };
  readonly warnings: string[];
}

function finishRaw(raw: RawDiscovery): Discovery {
  return finish(raw.mode, raw.entries, raw.options, raw.warnings);
}

function classifyFilesRaw(relativePaths: readonly string[], options: DiscoverOptions & { root?: string; join?: (relativePath: string) => string }): RawDiscovery {
  const toPath = options.join ?? ((p: string) => p);
  const nested = relativePaths.filter((p) => p.includes('/'));
  const top = relativePaths.filter((p) => !p.includes('/'));
  const warnings: string[] = [];
  if (nested.length === 0) {
    const labelled = labelFiles(top.map(toPath), top);
    return { mode: 'flat', entries: labelled.map(({ path, label }) => ({ path, network: label, layer: FLAT_LAYER })), options, warnings };
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
  return { mode: 'tree', entries, options, warnings };
}

/**
 * Labels an explicit list of files: each is its own label (its stem;
 * files with the same stem are told apart by the shortest distinguishing
 * end of their paths). Pure.
 */
export function classifyFileList(paths: readonly string[], options: DiscoverOptions = {}): Discovery {
  return finishRaw(classifyFileListRaw(paths, options));
}

function classifyFileListRaw(paths: readonly string[], options: DiscoverOptions): RawDiscovery {
  const labelled = labelFiles(paths, paths, true);
  return { mode: 'list', entries: labelled.map(({ path, label }) => ({ path, network: label, layer: FLAT_LAYER })), options, warnings: [] };
}

/**
 * Finds the activation files named on the command line: one folder (scanned
 * recursively; hidden files and folders skipped) or two or more files.
 */
export function discoverActivations(inputs: readonly string[], options: DiscoverOptions = {}): Discovery {
  return finishRaw(discoverRaw(inputs, options));
}

/** Lists the arrays of a multi-array file, or null for a single-array file (see `listContainerArrays`). */
export type ArrayLister = (path: string) => Promise<ArrayInfo[] | null>;

/**
 * {@link discoverActivations}, with every multi-array file (.npz, torch.save,
 * safetensors, HDF5) standing for a network whose arrays are its layers
 * (inputs `FILE#KEY`). Arrays that are not at least 2-D with the file's
 * common first axis (its datapoints) are skipped, with one warning.
 */
export async function discoverActivationArrays(inputs: readonly string[], options: DiscoverOptions & { listArrays?: ArrayLister } = {}): Promise<Discovery> {
  return finishRaw(await expandArrayFiles(discoverRaw(inputs, options), options.listArrays ?? listContainerArrays));
}

async function expandArrayFiles(raw: RawDiscovery, list: ArrayLister): Promise<RawDiscovery> {
  const filesPerNetwork = new Map<string, number>();
  for (const entry of raw.entries) filesPerNetwork.set(entry.network, (filesPerNetwork.get(entry.network) ?? 0) + 1);
  const entries: Array<{ path: string; network: string; layer: string }> = [];
  const skipped: string[] = [];
  for (const entry of raw.entries) {
    // An input that already names its array (FILE#KEY) is used as given.
    const arrays = entry.path.includes('#') && resolveRefSync(entry.path).path !== entry.path ? null : await list(entry.path);
    if (arrays === null) {
      entries.push(entry);
      continue;
    }
    const { layers, rest } = selectLayerArrays(arrays);
    skipped.push(...rest.map((array) => `${entry.path}#${array.key} (${formatShape(array.shape)})`));
    for (const array of layers) {
      // Flat folders and lists: the file is the network. Trees: the key is the layer, prefixed by the
      // file's stem when the network folder holds several files.
      const layer = raw.mode !== 'tree' || filesPerNetwork.get(entry.network) === 1 ? array.key : `${entry.layer}/${array.key}`;
      entries.push({ path: `${entry.path}#${array.key}`, network: entry.network, layer });
    }
  }
  const warnings = [...raw.warnings];
  if (skipped.length > 0) warnings.push(describeSkipped(skipped));
  return { ...raw, entries, warnings };
}

/**
 * The arrays of a multi-array file usable as layers: at least 2-D, with the
 * first-axis size most of them share (the datapoints; on a tie, the first
 * array's). The rest are returned apart, to be reported.
 */
export function selectLayerArrays<T extends ArrayInfo>(arrays: readonly T[]): { layers: T[]; rest: T[] } {
  const candidates = arrays.filter((array) => array.shape.length >= 2 && !array.shape.includes(0));
  const counts = new Map<number, number>();
  for (const array of candidates) counts.set(array.shape[0], (counts.get(array.shape[0]) ?? 0) + 1);
  let rows = candidates.length > 0 ? candidates[0].shape[0] : -1;
  for (const [size, count] of counts) if (count > counts.get(rows)!) rows = size;
  const layers = candidates.filter((array) => array.shape[0] === rows);
  return { layers, rest: arrays.filter((array) => !layers.includes(array)) };
}

/** One warning for every array left out of multi-array files. */
export function describeSkipped(skipped: readonly string[]): string {
  return `skipped ${skipped.length} array(s) that are not 2-D or more with their file's datapoints as first axis: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`;
}

function discoverRaw(inputs: readonly string[], options: DiscoverOptions): RawDiscovery {
  if (inputs.length === 0) {
    throw new UsageError('no inputs', { hint: 'pass a folder (ROOT/<network>/<layer>.npy) or two or more activation files' });
  }
  if (inputs.includes('-')) {
    throw new UsageError('standard input (-) cannot be used with several files', { hint: 'save the activations to files and pass their paths' });
  }
  const kinds = inputs.map((input) => {
    try {
      return statSync(resolveRefSync(input).path).isDirectory() ? 'folder' : 'file';
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
    const { files: found, warnings: scanWarnings } = listActivationFiles(root);
    if (found.length === 0) throw noActivationFiles(root, 'ROOT/<network>/<layer>.npy (or pass the files themselves)');
    const raw = classifyFilesRaw(found, { ...options, root, join: (p) => join(root, ...p.split('/')) });
    return { ...raw, warnings: [...scanWarnings, ...raw.warnings] };
  }
  if (inputs.length < 2) {
    throw new UsageError('pairwise needs at least two files, or a folder', {
      hint: 'pass a folder (ROOT/<network>/<layer>.npy) or two or more activation files',
    });
  }
  return classifyFileListRaw(inputs, options);
}

/** What a folder scan found: activation files, and what it passed over. */
export interface ActivationScan {
  /** Sorted `/`-separated paths relative to the root. */
  readonly files: string[];
  /** Links not followed and entries that are not regular files, said once per scan. */
  readonly warnings: string[];
}

/**
 * Activation files under `root` (hidden entries skipped). Symbolic links to
 * files are read; links to folders are followed unless the folder is already
 * on the path being scanned or was scanned already (a link to `.` or `..`
 * would otherwise never end, or read the same networks many times over).
 * Entries that are not regular files (FIFOs, sockets, devices) are skipped:
 * reading one could block forever.
 */
export function listActivationFiles(root: string): ActivationScan {
  const files: string[] = [];
  const scanned = new Set<string>();
  let loops = 0;
  let notRegular: string[] = [];
  const visit = (folder: string, ancestors: readonly string[]) => {
    const real = realFolder(folder);
    if (containsScannedFolder(real, ancestors) || scanned.has(real)) {
      loops++;
      return;
    }
    scanned.add(real);
    for (const entry of visibleEntries(folder)) {
      const path = join(folder, entry.name);
      const kind = entry.isSymbolicLink() ? linkTargetKind(path) : entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other';
      if (kind === 'folder') visit(path, [...ancestors, real]);
      else if (!isActivationFile(entry.name)) continue;
      else if (kind === 'file') files.push(relative(root, path).split(sep).join('/'));
      else if (kind === 'other') notRegular.push(relative(root, path));
    }
  };
  visit(root, []);
  const warnings: string[] = [];
  if (loops > 0) {
    warnings.push(`skipped ${loops} link(s) to folders already on the path or already scanned under ${root}: each folder is read once`);
  }
  if (notRegular.length > 0) {
    notRegular = sortNatural(notRegular);
    warnings.push(
      `skipped ${notRegular.length} entr${notRegular.length === 1 ? 'y' : 'ies'} that are not regular files (${notRegular.slice(0, 3).join(', ')}${notRegular.length > 3 ? ', ...' : ''}): FIFOs, sockets and devices are never read`,
    );
  }
  return { files: files.sort(compareNatural), warnings };
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
    for (const entry of visibleEntries(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && linkTargetKind(path) === 'folder')) {
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

/** The entries of a folder that are not hidden (names starting with a dot). */
function visibleEntries(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.'));
  } catch (error) {
    throw new UsageError(`cannot read the folder: ${(error as Error).message}`, { where: folder, hint: 'check the path and its permissions' });
  }
}

/** Whether `real` is, or contains, a folder on the path being scanned (a link to `.`, or up the tree like `up -> ..`). */
function containsScannedFolder(real: string, ancestors: readonly string[]): boolean {
  return ancestors.some((folder) => folder === real || folder.startsWith(real + sep));
}

function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch (error) {
    throw new UsageError(`cannot read the folder: ${(error as Error).message}`, { where: folder, hint: 'check the path and its permissions' });
  }
}

/** What a symbolic link leads to; a dangling link counts as `missing`. */
function linkTargetKind(path: string): 'folder' | 'file' | 'other' | 'missing' {
  try {
    const stats = statSync(path);
    return stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/** Stems as labels; duplicates get the shortest end of their path that tells them apart. */
function labelFiles(paths: readonly string[], names: readonly string[], refs = false): Array<{ path: string; label: string }> {
  const parts = names.map((name) => {
    // FILE#KEY (#t=K): the file's stem, then the selector, e.g. run1#fc1.
    const ref = refs && name.includes('#') ? resolveRefSync(name) : { path: name };
    const selector = ref.path === name ? '' : name.slice(ref.path.length);
    const segments = ref.path.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
    segments[segments.length - 1] = fileStem(segments[segments.length - 1]) + selector;
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

/**
 * A discovery from files already labelled (e.g. saved in a shard's journal
 * header): the same summary (networks, layers, groups, order) as the scan
 * that labelled them gave. Pure.
 */
export function discoveryFromEntries(
  mode: DiscoveryMode,
  entries: ReadonlyArray<{ path: string; network: string; layer: string }>,
  options: DiscoverOptions & { root?: string } = {},
): Discovery {
  return finish(mode, entries, options, []);
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
