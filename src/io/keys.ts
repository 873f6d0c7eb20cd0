/**
 * `FILE#KEY` and `FILE#t=K` references: which file, which array inside it,
 * and which timestep of a sequence array.
 *
 * Syntax: `FILE`, `FILE#KEY`, `FILE#t=K` or `FILE#KEY#t=K`. A `#` that is
 * part of an existing file's name stays part of the name: the longest prefix
 * of the reference (ending before a `#`) that names an existing path wins.
 */
import { InputError } from '../errors.js';
import type { ArrayEntry, ArrayInfo } from './arrays.js';
import { formatShape } from './ndarray.js';
import { printable } from './printable.js';

/** A parsed input reference. */
export interface InputRef {
  /** File path ('-' for standard input). */
  readonly path: string;
  /** Array inside the file; undefined selects the only array. */
  readonly key?: string;
  /** Timestep of a sequence array (needs a layout with a `t` axis). */
  readonly timestep?: number;
}

/**
 * Splits a reference into path, key and timestep. `exists` tells whether a
 * path exists (a file name may contain '#'); when no prefix exists the split
 * is at the first '#', so the error names the missing file.
 *
 * @throws InputError for a malformed `t=K`.
 */
export async function parseInputRef(ref: string, exists: (path: string) => Promise<boolean>): Promise<InputRef> {
  const candidates = pathCandidates(ref);
  for (const cut of candidates.slice(0, -1)) {
    if (await exists(cut < 0 ? ref : ref.slice(0, cut))) return splitAt(ref, cut);
  }
  return splitAt(ref, candidates[candidates.length - 1]);
}

/** {@link parseInputRef} with a synchronous `exists`. */
export function parseInputRefSync(ref: string, exists: (path: string) => boolean): InputRef {
  const candidates = pathCandidates(ref);
  for (const cut of candidates.slice(0, -1)) {
    if (exists(cut < 0 ? ref : ref.slice(0, cut))) return splitAt(ref, cut);
  }
  return splitAt(ref, candidates[candidates.length - 1]);
}

/**
 * Where the path may end, most preferred first (-1: the whole reference), the
 * last one being the fallback used without checking: the whole reference,
 * then each prefix ending before a '#', longest first, then the first '#'.
 */
function pathCandidates(ref: string): number[] {
  if (!ref.includes('#')) return [-1];
  if (ref.startsWith('-#')) return [1];
  const cuts: number[] = [];
  for (let at = ref.indexOf('#'); at >= 0; at = ref.indexOf('#', at + 1)) if (at > 0) cuts.push(at);
  return [-1, ...[...cuts].reverse(), cuts.length > 0 ? cuts[0] : -1];
}

function splitAt(ref: string, cut: number): InputRef {
  if (cut < 0) return { path: ref };
  return { path: ref.slice(0, cut), ...parseSelector(ref.slice(cut + 1), ref) };
}

/** `KEY`, `t=K` or `KEY#t=K`. */
function parseSelector(selector: string, ref: string): { key?: string; timestep?: number } {
  const match = /^(?:(.*)#)?t=(.*)$/s.exec(selector);
  if (!match) return selector === '' ? {} : { key: selector };
  if (!/^\d{1,9}$/.test(match[2])) {
    throw new InputError(`bad timestep in ${ref}: 't=${match[2]}' (expected t=K with K a whole number from 0)`, {
      where: ref,
      hint: 'write FILE#t=3 or FILE#KEY#t=3',
    });
  }
  const key = match[1];
  return { ...(key === undefined || key === '' ? {} : { key }), timestep: Number(match[2]) };
}

/**
 * The array a key selects: by its canonical key or an alias; with no key, the
 * file's only array.
 *
 * @throws InputError listing the keys (with shapes) when the key is missing,
 *   absent from the file, or the file holds no array.
 */
export function selectArray(entries: readonly ArrayEntry[], key: string | undefined, source: string): ArrayEntry {
  if (key === undefined) {
    if (entries.length === 1) return entries[0];
    if (entries.length === 0) {
      throw new InputError(`no numeric array in ${source}`, { where: source, hint: 'save at least one numeric array (tensor, dataset) in the file' });
    }
    throw new InputError(`${source} holds ${entries.length} arrays; choose one with FILE#KEY: ${describeArrays(entries)}`, {
      where: source,
      hint: `e.g. ${source}#${printable(entries[0].key)}`,
    });
  }
  const found = entries.find((entry) => entry.key === key) ?? entries.find((entry) => entry.aliases.includes(key));
  if (found) return found;
  throw new InputError(`no array '${printable(key)}' in ${source}; it holds ${entries.length === 0 ? 'no numeric array' : describeArrays(entries)}`, {
    where: source,
    hint: entries.length === 0 ? 'check the file' : `use one of these keys, e.g. ${source}#${printable(entries[0].key)}`,
  });
}

/** `fc1 (200x12 float32), fc2 (...)`, at most 20 listed. */
export function describeArrays(arrays: readonly ArrayInfo[]): string {
  const shown = arrays.slice(0, 20).map((array) => `${array.key === '' ? '(whole file)' : printable(array.key)} (${formatShape(array.shape)} ${array.dtype})`);
  return shown.join(', ') + (arrays.length > 20 ? `, and ${arrays.length - 20} more` : '');
}
