/**
 * Finding checkpoints for `pwcca convergence`: which runs, training steps and
 * layers there are, and the activation file of each (run, step, layer).
 *
 * Layouts (detected from the depth of the activation files under ROOT):
 * - two levels   `ROOT/<step>/<layer>.<ext>`        one run;
 * - three levels `ROOT/<run>/<step>/<layer>.<ext>`  several runs;
 * - four levels  `ROOT/<group>/<run>/<step>/<layer>.<ext>`  groups of runs
 *   (e.g. architectures, each with several seeds);
 * - with `byLayer` the step and layer levels swap: `ROOT/[<group>/][<run>/]<layer>/<step>.<ext>`.
 *   Without it the order of the last two levels is detected when the names
 *   tell it (see {@link detectByLayer}); steps are never taken from layer names;
 * - a multi-array file per step, `ROOT/[<run>/]<step>.pt` (or .npz,
 *   .safetensors, .h5): its keys are the layers ({@link discoverCheckpointArrays}).
 *
 * A step name (folder, or file stem with `byLayer`) must contain an integer;
 * the last integer in it is the step (`step_00042` -> 42, `epoch-3` -> 3,
 * `ckpt-1000` -> 1000, `epoch3_step1000` -> 1000).
 *
 * {@link parseStep} and {@link buildCheckpointSet} are pure (relative paths in,
 * labels out); {@link discoverCheckpoints} reads the disk.
 */
import { basename, join, resolve } from 'node:path';
import { InputError, UsageError } from '../../errors.js';
import { listContainerArrays } from '../../io/load.js';
import { formatShape } from '../../io/ndarray.js';
import { describeSkipped, fileStem, listActivationFiles, noActivationFiles, selectLayerArrays, type ActivationScan, type ArrayLister } from '../pairwise/discover.js';
import { compareNatural, sortNatural } from '../../stats/natural-sort.js';

/** One activation file of a checkpoint. */
export interface CheckpointFile {
  /** `group/run` with four levels. */
  readonly run: string;
  /** The run's group (four levels), else null. */
  readonly group: string | null;
  readonly step: number;
  readonly layer: string;
  readonly path: string;
  /** The folder or file name the step was read from (e.g. `step_00042`). */
  readonly stepName: string;
}

export interface CheckpointSet {
  /** 2: `<step>/<layer>` (one run); 3: `<run>/<step>/<layer>`; 4: `<group>/<run>/<step>/<layer>`. */
  readonly levels: 2 | 3 | 4;
  /** Whether the step and layer levels are swapped (`<layer>/<step>`). */
  readonly byLayer: boolean;
  /** Run labels in natural order; with two levels, the one run is named after ROOT's folder; with four, `group/run`. */
  readonly runs: readonly string[];
  /** Groups in natural order (four levels); empty otherwise. */
  readonly groups: readonly string[];
  /** Every step seen in any run, ascending. */
  readonly steps: readonly number[];
  /** Layers in depth order: the `layers` option's order, else natural order. */
  readonly layers: readonly string[];
  /** Every file used, by run, layer (in depth order) and step. */
  readonly files: readonly CheckpointFile[];
  /** Things the user should know: files ignored, steps or layers missing in some runs. */
  readonly warnings: readonly string[];
}

export interface CheckpointOptions {
  /** Layout `<layer>/<step>` (true) or `<step>/<layer>` (false); undefined: detected from the names. */
  readonly byLayer?: boolean;
  /** Layers to use, in depth order; other layers found are left out (with a warning). */
  readonly layers?: readonly string[];
}

/** The step integer of a folder or file-stem name (the last run of digits), or null when it has none. */
export function parseStep(name: string): number | null {
  const runs = name.match(/\d+/g);
  if (!runs) return null;
  const step = Number(runs[runs.length - 1]);
  return Number.isSafeInteger(step) ? step : null;
}

/**
 * Organises activation files found under ROOT, given their paths relative to
 * it (`/`-separated), into runs, steps and layers. Pure.
 *
 * @param root name used for messages and for the single run's label.
 */
export function buildCheckpointSet(
  relativePaths: readonly string[],
  options: CheckpointOptions & { root: string; join?: (relativePath: string) => string },
): CheckpointSet {
  const toPath = options.join ?? ((p: string) => p);
  return buildFromItems(
    relativePaths.map((relativePath) => {
      const parts = relativePath.split('/');
      parts[parts.length - 1] = fileStem(parts[parts.length - 1]);
      return { parts, relativePath, path: toPath(relativePath) };
    }),
    options,
    [],
  );
}

/**
 * One input of a checkpoint set: its name parts below ROOT (folders, then the
 * file's stem, then for a multi-array file the array's key) and its path.
 */
interface CheckpointItem {
  readonly parts: readonly string[];
  /** For messages: the path below ROOT (with `#KEY` for an array of a multi-array file). */
  readonly relativePath: string;
  readonly path: string;
}

function buildFromItems(items: readonly CheckpointItem[], options: CheckpointOptions & { root: string }, initialWarnings: readonly string[]): CheckpointSet {
  const warnings: string[] = [...initialWarnings];
  const relativePaths = items.map((item) => item.relativePath);
  const split = items.map((item) => item.parts);
  const depths = new Set(split.map((parts) => parts.length).filter((depth) => depth >= 2));
  const hintFor = (byLayer: boolean | undefined) => {
    const name = byLayer ? '<layer>/<step>' : '<step>/<layer>';
    return `lay checkpoints out as ROOT/${name}.npy (one run), ROOT/<run>/${name}.npy (several runs) or ROOT/<group>/<run>/${name}.npy${byLayer ? '' : ', or pass --by-layer for ROOT/<layer>/<step>.npy'}, or one multi-array file per step: ROOT/[<run>/]<step>.pt with one key per layer`;
  };
  if (depths.size === 0) {
    throw new UsageError(`no checkpoint folders under ${options.root}: found ${relativePaths.length} activation file(s) directly in it and none in subfolders`, {
      where: options.root,
      hint: hintFor(options.byLayer),
    });
  }
  if (depths.size > 1 || [...depths][0] > 4) {
    const example = (depth: number) => items.find((item) => item.parts.length === depth)?.relativePath;
    const seen = [...depths].sort().map((depth) => `${example(depth)} (${depth} levels)`);
    throw new UsageError(`checkpoint files under ${options.root} are at different or too many folder levels: ${seen.join(', ')}`, {
      where: options.root,
      hint: hintFor(options.byLayer),
    });
  }
  const levels = [...depths][0] as 2 | 3 | 4;
  const used = split.filter((parts) => parts.length === levels);
  const folderNames = used.map((parts) => parts[levels - 2]);
  const fileNames = used.map((parts) => parts[levels - 1]);
  if (options.byLayer !== undefined) checkOrientation(options.byLayer, folderNames, fileNames, options.root);
  const byLayer = options.byLayer ?? detectByLayer(folderNames, fileNames, options.root);
  const layoutName = byLayer ? '<layer>/<step>' : '<step>/<layer>';
  const top = items.filter((item) => item.parts.length === 1).map((item) => item.relativePath);
  if (top.length > 0) {
    warnings.push(`ignored ${top.length} file(s) directly in ${options.root} (${sortNatural(top).slice(0, 3).join(', ')}${top.length > 3 ? ', ...' : ''}): checkpoints must be in ${layoutName} folders`);
  }
  const singleRun = basename(resolve(options.root)) || options.root;

  // Step names and their integers; two names with the same integer within one run (and layer) are an error.
  const stepNames = new Map<string, string>();
  const files: CheckpointFile[] = [];
  for (const item of items) {
    const { parts, relativePath } = item;
    if (parts.length !== levels) continue;
    const run = levels === 2 ? singleRun : parts.slice(0, levels - 2).join('/');
    const group = levels === 4 ? parts[0] : null;
    const outer = parts[levels - 2];
    const inner = parts[levels - 1];
    const [stepName, layer] = byLayer ? [inner, outer] : [outer, inner];
    const step = parseStep(stepName);
    const stepLocation = byLayer ? relativePath : parts.slice(0, levels - 1).join('/');
    if (step === null) {
      throw new InputError(`no step number in the checkpoint name '${stepName}' (${join(options.root, stepLocation)})`, {
        where: join(options.root, stepLocation),
        hint: `a step ${byLayer ? 'file' : 'folder'} name must contain an integer (step_00042, 42, epoch-3, ckpt-1000); rename it or move it out of ${options.root}${byLayer ? '' : ' (or pass --by-layer if the folders are layers and the files steps)'}`,
      });
    }
    const tieKey = `${run}\u0000${byLayer ? layer : ''}\u0000${step}`;
    const other = stepNames.get(tieKey);
    if (other !== undefined && other !== stepName) {
      throw new InputError(`two checkpoint names have the same step ${step}: '${other}' and '${stepName}'${levels >= 3 ? ` in run ${run}` : ''}`, {
        where: options.root,
        hint: 'keep one folder (or file) per step, e.g. remove or rename one of them',
      });
    }
    stepNames.set(tieKey, stepName);
    files.push({ run, group, step, layer, path: item.path, stepName });
  }

  // One file per (run, step, layer): e.g. conv1.npy next to conv1.arrow.
  const seen = new Map<string, string>();
  for (const file of files) {
    const key = `${file.run}\u0000${file.step}\u0000${file.layer}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InputError(`two files for layer ${file.layer} at step ${file.step}: ${other} and ${file.path}`, {
        hint: 'keep one activation file per layer and step (e.g. only the .npy or only the .arrow)',
      });
    }
    seen.set(key, file.path);
  }

  const found = sortNatural(new Set(files.map((f) => f.layer)));
  const layers = chooseLayers(found, options.layers);
  const depth = new Map(layers.map((layer, i) => [layer, i]));
  const chosen = files.filter((f) => depth.has(f.layer));
  const runs = sortNatural(new Set(chosen.map((f) => f.run)));
  const groups = sortNatural(new Set(chosen.flatMap((f) => (f.group === null ? [] : [f.group]))));
  const steps = [...new Set(chosen.map((f) => f.step))].sort((p, q) => p - q);
  chosen.sort((p, q) => compareNatural(p.run, q.run) || depth.get(p.layer)! - depth.get(q.layer)! || p.step - q.step);
  warnings.push(...describeGaps(chosen, runs, steps, layers));
  return { levels, byLayer, runs, groups, steps, layers, files: chosen, warnings };
}

/** Finds the checkpoints under a folder (hidden files and non-activation files are skipped). */
export function discoverCheckpoints(root: string, options: CheckpointOptions = {}): CheckpointSet {
  const { files: found, warnings: scanWarnings } = listCheckpointFiles(root);
  const set = buildCheckpointSet(found, { ...options, root, join: (p) => join(root, ...p.split('/')) });
  return { ...set, warnings: [...scanWarnings, ...set.warnings] };
}

/**
 * {@link discoverCheckpoints}, with multi-array files (.npz, torch.save,
 * safetensors, HDF5) standing for a step whose keys are the layers:
 * `ROOT/<step>.pt` (one run) or `ROOT/<run>/<step>.pt`. Arrays that are not at
 * least 2-D with the file's common first axis are skipped, with one warning.
 */
export async function discoverCheckpointArrays(root: string, options: CheckpointOptions & { listArrays?: ArrayLister } = {}): Promise<CheckpointSet> {
  const list = options.listArrays ?? listContainerArrays;
  const items: CheckpointItem[] = [];
  const skipped: string[] = [];
  const scan = listCheckpointFiles(root);
  for (const relativePath of scan.files) {
    const path = join(root, ...relativePath.split('/'));
    const parts = relativePath.split('/');
    parts[parts.length - 1] = fileStem(parts[parts.length - 1]);
    const arrays = await list(path);
    if (arrays === null) {
      items.push({ parts, relativePath, path });
      continue;
    }
    const { layers, rest } = selectLayerArrays(arrays);
    skipped.push(...rest.map((array) => `${path}#${array.key} (${formatShape(array.shape)})`));
    for (const array of layers) items.push({ parts: [...parts, array.key], relativePath: `${relativePath}#${array.key}`, path: `${path}#${array.key}` });
  }
  return buildFromItems(items, { ...options, root }, [...scan.warnings, ...(skipped.length > 0 ? [describeSkipped(skipped)] : [])]);
}

function listCheckpointFiles(root: string): ActivationScan {
  const scan = listActivationFiles(root);
  if (scan.files.length === 0) throw noActivationFiles(root, 'ROOT/<step>/<layer>.npy (one run), ROOT/<run>/<step>/<layer>.npy, or ROOT/<step>.pt with one key per layer');
  return scan;
}

/** One-phrase name of the detected layout, e.g. `<run>/<step>/<layer>`. */
export function describeLayout(set: Pick<CheckpointSet, 'levels' | 'byLayer'>): string {
  const inner = set.byLayer ? '<layer>/<step>' : '<step>/<layer>';
  return set.levels === 4 ? `<group>/<run>/${inner}` : set.levels === 3 ? `<run>/${inner}` : inner;
}

/** Words that name a training step in a checkpoint name (`step_1000`, `epoch-3`, `ckpt42`). */
const STEP_WORDS = new Set(['step', 'steps', 'global', 'epoch', 'epochs', 'ep', 'iter', 'iters', 'iteration', 'iterations', 'it', 'ckpt', 'checkpoint', 'chkpt', 'snapshot', 'batch', 'update', 'updates', 'model', 'state']);

/** Whether a name is a step and nothing else: integers and step words (`1000`, `step_0042`, `epoch3_step1000`). */
function isStepName(name: string): boolean {
  if (!/\d/.test(name)) return false;
  return name
    .toLowerCase()
    .replace(/\d+/g, ' ')
    .split(/[-_. ]+/)
    .every((word) => word === '' || STEP_WORDS.has(word));
}

/**
 * Which of the last two levels holds the steps, from their names. Reading
 * the folders as steps can only go wrong silently when every folder name has
 * an integer (otherwise a folder without one stops the run), so then the
 * names must say it: files without any integer cannot be steps; else the
 * folders must be plainly steps (integers and step words such as `step`,
 * `epoch`, `ckpt`), or the files must be while the folders are not (`fc1/`
 * folders of `step_0000.npy` files are layers). Files read as steps are held
 * to the same test. Anything else is an error, never a guess: a layer read as
 * a step would give a wrong table with exit 0.
 *
 * @returns true when the folders are layers and the files steps.
 * @throws UsageError when the names do not tell.
 */
export function detectByLayer(folderNames: readonly string[], fileNames: readonly string[], root: string): boolean {
  const numbered = (name: string) => /\d/.test(name);
  const folders = [...new Set(folderNames)];
  const files = [...new Set(fileNames)];
  const foldersAreSteps = folders.every(isStepName);
  const filesAreSteps = files.every(isStepName);
  if (!folders.every(numbered)) {
    // Read as steps, a folder without an integer is an error that names it: safe, unless the files are plainly steps.
    return files.every(numbered) && filesAreSteps;
  }
  if (!files.some(numbered)) return false;
  if (foldersAreSteps && !filesAreSteps) return false;
  if (filesAreSteps && !foldersAreSteps) return true;
  const sample = (names: readonly string[]) => `${sortNatural(names).slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}`;
  throw new UsageError(
    `cannot tell steps from layers under ${root}: both the folder names (${sample(folders)}) and the file names (${sample(files)}) contain integers`,
    {
      where: root,
      hint: 'pass --by-layer if the folders are layers and the files steps (ROOT/<layer>/<step>.npy), or --no-by-layer if the folders are steps (ROOT/<step>/<layer>.npy)',
    },
  );
}

/**
 * An orientation given on the command line that the names plainly
 * contradict (`--by-layer` on `step_0/conv1.npy`: the folders are steps, the
 * files are not) would take steps from layer names: a usage error instead.
 */
function checkOrientation(byLayer: boolean, folderNames: readonly string[], fileNames: readonly string[], root: string): void {
  const folders = [...new Set(folderNames)];
  const files = [...new Set(fileNames)];
  const foldersAreSteps = folders.every(isStepName);
  const filesAreSteps = files.every(isStepName);
  if (foldersAreSteps === filesAreSteps || byLayer === filesAreSteps) return;
  const [steps, layers] = filesAreSteps ? [files, folders] : [folders, files];
  const sample = (names: readonly string[]) => `${sortNatural(names).slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}`;
  throw new UsageError(
    `${byLayer ? '--by-layer' : '--no-by-layer'} reads the ${byLayer ? 'files' : 'folders'} under ${root} as steps, but the ${filesAreSteps ? 'files' : 'folders'} (${sample(steps)}) are the steps and the ${filesAreSteps ? 'folders' : 'files'} (${sample(layers)}) the layers`,
    { where: root, hint: `leave out ${byLayer ? '--by-layer' : '--no-by-layer'}: the orientation is detected from these names` },
  );
}

function chooseLayers(found: readonly string[], wanted: readonly string[] | undefined): string[] {
  if (wanted === undefined || wanted.length === 0) return [...found];
  const duplicate = wanted.find((layer, i) => wanted.indexOf(layer) !== i);
  if (duplicate !== undefined) {
    throw new UsageError(`--layers names ${duplicate} twice`, { hint: 'list each layer once, in depth order' });
  }
  const missing = wanted.filter((layer) => !found.includes(layer));
  if (missing.length > 0) {
    throw new UsageError(`--layers names layer(s) not found: ${missing.join(', ')} (found: ${found.join(', ')})`, {
      hint: 'layer names are the activation file stems (or the layer folders with --by-layer)',
    });
  }
  // Layers the user did not select are not worth a warning: leaving them out is what --layers asks for.
  return [...wanted];
}

/** Warnings for steps a run lacks and for layers missing at some (run, step). */
function describeGaps(files: readonly CheckpointFile[], runs: readonly string[], steps: readonly number[], layers: readonly string[]): string[] {
  const warnings: string[] = [];
  const have = new Set(files.map((f) => `${f.run}\u0000${f.step}\u0000${f.layer}`));
  const runSteps = new Map<string, Set<number>>();
  for (const f of files) {
    if (!runSteps.has(f.run)) runSteps.set(f.run, new Set());
    runSteps.get(f.run)!.add(f.step);
  }
  const list = (values: readonly (string | number)[]) => `${values.slice(0, 5).join(', ')}${values.length > 5 ? ', ...' : ''}`;
  for (const run of runs) {
    const own = runSteps.get(run)!;
    const lacking = steps.filter((step) => !own.has(step));
    if (lacking.length > 0) {
      warnings.push(
        `run ${run} has no checkpoint for ${lacking.length} step(s) (${list(lacking)}): mean and std at those steps are over the runs that have them`,
      );
    }
    for (const step of own) {
      const gone = layers.filter((layer) => !have.has(`${run}\u0000${step}\u0000${layer}`));
      if (gone.length > 0) {
        warnings.push(`${runs.length > 1 ? `run ${run}, ` : ''}step ${step} has no file for layer(s) ${list(gone)}: those cells are left empty`);
      }
    }
  }
  return warnings;
}
