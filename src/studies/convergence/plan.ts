/**
 * Which comparisons `pwcca convergence` runs: every (run, layer, step) against
 * the same run and layer at the reference step. Pure.
 */
import { UsageError } from '../../errors.js';
import { pairKey } from '../../types.js';
import type { PairTask, SourceFile } from '../../engine/run-pairs.js';
import { describeLayout, parseStep, type CheckpointFile, type CheckpointSet } from './discover.js';

/** `last` (default), `first`, or a step integer. */
export type ReferenceChoice = 'last' | 'first' | number;

/** One comparison: the layer at `step` (argument a) against the reference step (argument b). */
export interface ConvergenceTask extends PairTask {
  readonly run: string;
  readonly layer: string;
  readonly step: number;
}

/** A (run, layer) whose reference file is missing: its steps get no cells. */
export interface MissingReference {
  readonly run: string;
  readonly layer: string;
}

export interface ConvergencePlan {
  readonly referenceStep: number;
  /** Comparisons in run, layer (depth), step order, so each reference file is loaded once and dropped after its layer. */
  readonly tasks: readonly ConvergenceTask[];
  /** Every file the tasks need, by id (= path). */
  readonly files: readonly SourceFile[];
  /** The (run, layer) pairs that are at the reference step: their own cell is exactly 0. */
  readonly referenceCells: readonly CheckpointFile[];
  readonly missingReferences: readonly MissingReference[];
  readonly warnings: readonly string[];
}

/** Parses `--reference`: `last`, `first`, or a step (an integer, or a name containing one such as `step_00042`). */
export function parseReference(text: string): ReferenceChoice {
  const trimmed = text.trim();
  if (trimmed === 'last' || trimmed === 'first') return trimmed;
  const step = parseStep(trimmed);
  if (step === null) {
    throw new UsageError(`--reference takes last, first or a step number, got '${text}'`, { hint: 'e.g. --reference last, --reference 5000' });
  }
  return step;
}

/** The reference step for a choice among the steps found (ascending). */
export function resolveReferenceStep(steps: readonly number[], choice: ReferenceChoice = 'last'): number {
  if (steps.length === 0) throw new UsageError('no steps found', { hint: 'check the checkpoint folder' });
  if (choice === 'last') return steps[steps.length - 1];
  if (choice === 'first') return steps[0];
  if (!steps.includes(choice)) {
    const shown = steps.length > 12 ? [...steps.slice(0, 6), '...', ...steps.slice(-5)] : steps;
    throw new UsageError(`--reference ${choice}: no checkpoint has step ${choice} (steps found: ${shown.join(', ')})`, {
      hint: 'pass one of the steps found, or last / first',
    });
  }
  return choice;
}

/** Builds the comparisons of a checkpoint set. */
export function planConvergence(set: CheckpointSet, options: { reference?: ReferenceChoice } = {}): ConvergencePlan {
  const referenceStep = resolveReferenceStep(set.steps, options.reference ?? 'last');
  const warnings: string[] = [];
  const references = new Map<string, CheckpointFile>();
  for (const file of set.files) if (file.step === referenceStep) references.set(`${file.run}\u0000${file.layer}`, file);
  const tasks: ConvergenceTask[] = [];
  const needed = new Map<string, SourceFile>();
  const missing = new Map<string, MissingReference>();
  for (const file of set.files) {
    if (file.step === referenceStep) continue;
    const reference = references.get(`${file.run}\u0000${file.layer}`);
    if (!reference) {
      missing.set(`${file.run}\u0000${file.layer}`, { run: file.run, layer: file.layer });
      continue;
    }
    tasks.push({ key: taskKey(file.run, file.layer, file.step), a: file.path, b: reference.path, run: file.run, layer: file.layer, step: file.step });
    needed.set(file.path, { id: file.path, path: file.path });
    needed.set(reference.path, { id: reference.path, path: reference.path });
  }
  for (const { run, layer } of missing.values()) {
    warnings.push(`${set.runs.length > 1 ? `run ${run}, ` : ''}layer ${layer} has no file at the reference step ${referenceStep}: its cells are left empty`);
  }
  return {
    referenceStep,
    tasks,
    files: [...needed.values()],
    referenceCells: [...references.values()],
    missingReferences: [...missing.values()],
    warnings,
  };
}

/** Key of a (run, layer, step) comparison, in journals and maps. */
export function taskKey(run: string, layer: string, step: number): string {
  return pairKey(run, layer, step);
}

/** What was found, for the line printed before the run starts (e.g. `pwcca: 1 run, 8 steps, 4 layers, 28 comparisons`). */
export function describePlan(set: CheckpointSet, plan: ConvergencePlan, options: { root: string; done?: number }): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const steps = set.steps.length > 0 ? ` (${set.steps[0]}..${set.steps[set.steps.length - 1]})` : '';
  const layers = set.layers.length <= 6 ? ` (${set.layers.join(', ')})` : '';
  const done = options.done ? `, ${options.done} already done` : '';
  return (
    `${count(set.runs.length, 'run')}${set.groups.length > 0 ? ` in ${count(set.groups.length, 'group')}` : ''}, ${count(set.steps.length, 'step')}${steps}, ${count(set.layers.length, 'layer')}${layers}, ` +
    `${count(plan.tasks.length, 'comparison')}${done}; layout ${options.root}/${describeLayout(set)}, reference step ${plan.referenceStep}`
  );
}
