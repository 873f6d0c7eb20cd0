/**
 * Putting the journals of a sharded run back together (`pwcca merge`): every
 * shard of one plan present exactly once, all headers the same run, every
 * shard complete. What the records mean is the study's business; this module
 * only knows headers, shard numbers and record keys.
 */
import { basename } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { readJournal } from './journal.js';
import type { ShardPlan, ShardSpec } from './shards.js';

/** Where each file of a run is, relative to the root, and its size in bytes (the shard cost weight), by file id. */
export type FileFacts = ReadonlyMap<string, { readonly path: string; readonly size: number }>;

/**
 * File facts from a run identity's `files` list, which holds one entry per
 * plan file in plan order: the same numbers where the shard runs (read from
 * the disk) and where the parts are merged (read from the header).
 */
export function factsFromIdentity(files: readonly { readonly id: string }[], identities: unknown): FileFacts {
  const list = Array.isArray(identities) ? (identities as { path?: unknown; size?: unknown }[]) : [];
  if (list.length !== files.length || list.some((entry) => typeof entry?.path !== 'string' || typeof entry?.size !== 'number')) {
    throw new InputError(`the header lists ${list.length} input files, but the run has ${files.length}`, {
      hint: 'the parts were written by another version of pwcca or for other inputs; rerun the shards',
    });
  }
  return new Map(files.map((file, i) => [file.id, { path: list[i].path as string, size: list[i].size as number }]));
}

/** The header of a shard's journal: the run's identity plus which shard this is. */
export interface ShardHeader {
  readonly type: 'header';
  readonly schemaVersion: number;
  readonly command: string;
  /** The run's identity with `shard: { index, count }` added (see {@link withShard}). */
  readonly identity: Record<string, unknown> & { readonly shard?: ShardSpec };
  /** Anything else the study records for its report (not compared on resume). */
  readonly [field: string]: unknown;
}

/** One part file as read. */
export interface ShardPart {
  readonly path: string;
  readonly header: ShardHeader;
  readonly shard: ShardSpec;
  /** Item lines (everything after the header), in file order. */
  readonly records: readonly Record<string, unknown>[];
}

/** A run identity for one shard: the run's own identity, plus the shard, so a part resumes only as the same shard. */
export function withShard<T extends object>(identity: T, shard: ShardSpec): T & { shard: ShardSpec } {
  return { ...identity, shard: { index: shard.index, count: shard.count } };
}

/** The run's identity without the shard: equal for every part of one plan, and to the identity of the same run unsharded. */
export function withoutShard(identity: Record<string, unknown>): Record<string, unknown> {
  const { shard: _shard, ...rest } = identity;
  return rest;
}

/** Reads part files: each must be a pwcca journal; one without a shard counts as shard 1/1. */
export function loadShardParts(paths: readonly string[]): ShardPart[] {
  if (paths.length === 0) {
    throw new UsageError('merge needs the part files of a sharded run', { hint: 'e.g. pwcca merge out/part-*.ndjson --format json > result.json' });
  }
  return paths.map((path) => {
    let records: Record<string, unknown>[];
    try {
      records = readJournal(path).records;
    } catch (error) {
      const reason = error instanceof UsageError ? 'it has a line that is not JSON' : (error as Error).message;
      throw new InputError(`cannot read a part file: ${reason}`, { where: path, hint: 'pass the .ndjson files written by pwcca ... --shard K/S --out FILE.ndjson' });
    }
    const header = records[0] as ShardHeader | undefined;
    if (!header || header.type !== 'header' || typeof header.command !== 'string' || typeof header.identity !== 'object' || header.identity === null) {
      throw new InputError('not a pwcca journal: the first line is not a pwcca header', {
        where: path,
        hint: 'pass the .ndjson files written by pwcca ... --shard K/S --out FILE.ndjson',
      });
    }
    const shard = header.identity.shard ?? { index: 1, count: 1 };
    if (!Number.isSafeInteger(shard.index) || !Number.isSafeInteger(shard.count) || shard.index < 1 || shard.index > shard.count) {
      throw new InputError(`the header names shard ${JSON.stringify(shard)}, not K/S with 1 <= K <= S`, { where: path, hint: 'the file was not written by pwcca --shard; rerun that shard' });
    }
    return { path, header, shard, records: records.slice(1) };
  });
}

/** Top-level identity fields on which two headers differ, for the error message. */
function differingFields(x: Record<string, unknown>, y: Record<string, unknown>): string[] {
  const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  return fields.filter((field) => JSON.stringify(x[field]) !== JSON.stringify(y[field]));
}

/**
 * Checks that the parts are the shards of one run: one command and schema,
 * identical identities apart from the shard, one shard count. Returns the
 * shard count, the command and the common identity (without shard).
 */
export function checkSameRun(parts: readonly ShardPart[]): { command: string; schemaVersion: number; count: number; identity: Record<string, unknown> } {
  const first = parts[0];
  const identity = withoutShard(first.header.identity);
  for (const part of parts.slice(1)) {
    const pair = `${basename(first.path)} and ${basename(part.path)}`;
    if (part.header.command !== first.header.command) {
      throw new UsageError(`the parts come from different commands: ${first.header.command} in ${basename(first.path)}, ${part.header.command} in ${basename(part.path)}`, {
        hint: 'merge the parts of one run only',
      });
    }
    if (part.header.schemaVersion !== first.header.schemaVersion) {
      throw new UsageError(`the parts were written by different pwcca versions (schema ${first.header.schemaVersion} and ${part.header.schemaVersion}): ${pair}`, {
        hint: 'rerun the older shards with the same pwcca version as the others',
      });
    }
    if (part.shard.count !== first.shard.count) {
      throw new UsageError(`the parts belong to different splits: ${first.shard.count} shards in ${basename(first.path)}, ${part.shard.count} in ${basename(part.path)}`, {
        hint: 'merge the parts of one split (the same S in --shard K/S) only',
      });
    }
    const other = withoutShard(part.header.identity);
    const differ = differingFields(identity, other);
    if (differ.length > 0) {
      throw new UsageError(`the parts are not of the same run: their headers differ in ${differ.join(', ')} (${pair})`, {
        hint: 'every shard must run on the same inputs (same files, sizes and modification times) with the same options; rerun the odd ones',
      });
    }
  }
  return { command: first.header.command, schemaVersion: first.header.schemaVersion, count: first.shard.count, identity };
}

/**
 * The records of every shard, checked against the plan: each shard present
 * (a missing one is named, e.g. `shard 2/3 missing`), present twice only with
 * the same records, complete, and holding only its own items. Returns every
 * item line, shard by shard in file order (an item may have several lines,
 * e.g. one per method, or a later one that replaces an earlier one on
 * resume: the study reads them as it reads a resumed journal).
 *
 * `keyOf` gives the item key of a line (the key the plan uses), or null for
 * lines that are not items.
 */
export function collectShardRecords(
  parts: readonly ShardPart[],
  plan: ShardPlan,
  keyOf: (record: Record<string, unknown>) => string | null,
): Record<string, unknown>[] {
  const count = plan.shards.length;
  const byIndex = new Map<number, { part: ShardPart; lines: Record<string, unknown>[]; keys: Set<string> }>();
  for (const part of parts) {
    const lines: Record<string, unknown>[] = [];
    const keys = new Set<string>();
    for (const record of part.records) {
      const key = keyOf(record);
      if (key === null) continue;
      lines.push(record);
      keys.add(key);
    }
    const seen = byIndex.get(part.shard.index);
    if (seen === undefined) {
      byIndex.set(part.shard.index, { part, lines, keys });
      continue;
    }
    if (!sameItems(seen.lines, lines, keyOf)) {
      throw new UsageError(`shard ${part.shard.index}/${count} appears twice with different results: ${basename(seen.part.path)} and ${basename(part.path)}`, {
        hint: 'keep one of the two files (e.g. the one from the later rerun) and merge again',
      });
    }
  }
  const missing = plan.shards.map((shard) => shard.index).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    const names = missing.map((index) => `${index}/${count}`);
    throw new UsageError(`${names.length === 1 ? 'shard' : 'shards'} ${names.join(', ')} missing`, {
      hint: `run ${missing.length === 1 ? 'it' : 'them'} and merge again, e.g. PWCCA_SHARDS=${count} sbatch --array=${missing.join(',')} ... (or pwcca ... --shard ${names[0]} --out part-${missing[0]}.ndjson)`,
    });
  }
  const merged: Record<string, unknown>[] = [];
  for (const shard of plan.shards) {
    const { part, lines, keys } = byIndex.get(shard.index)!;
    const expected = new Set(shard.pairs.map((pair) => pair.key));
    const foreign = [...keys].filter((key) => !expected.has(key));
    if (foreign.length > 0) {
      throw new InputError(`shard ${shard.index}/${count} holds ${foreign.length} item(s) that belong to another shard, e.g. ${foreign[0]}`, {
        where: part.path,
        hint: 'the file was not written for this split; rerun that shard into a new file',
      });
    }
    const absent = shard.pairs.filter((pair) => !keys.has(pair.key));
    if (absent.length > 0) {
      throw new UsageError(`shard ${shard.index}/${count} is incomplete: ${shard.pairs.length - absent.length} of ${shard.pairs.length} items done`, {
        where: part.path,
        hint: `rerun that task: it continues where it stopped (--resume), e.g. PWCCA_SHARDS=${count} sbatch --array=${shard.index} ...`,
      });
    }
    merged.push(...lines);
  }
  return merged;
}

/** Whether two files of one shard hold the same items with the same final lines. */
function sameItems(x: readonly Record<string, unknown>[], y: readonly Record<string, unknown>[], keyOf: (record: Record<string, unknown>) => string | null): boolean {
  const last = (lines: readonly Record<string, unknown>[]) => {
    const byKey = new Map<string, string[]>();
    for (const line of lines) {
      const key = keyOf(line)!;
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key)!.push(JSON.stringify(line));
    }
    return byKey;
  };
  const [a, b] = [last(x), last(y)];
  return a.size === b.size && [...a].every(([key, texts]) => JSON.stringify(texts.sort()) === JSON.stringify(b.get(key)?.sort()));
}
