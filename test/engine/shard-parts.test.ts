import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { checkSameRun, collectShardRecords, factsFromIdentity, loadShardParts, withoutShard, withShard } from '../../src/engine/shard-parts.js';
import { buildShardPlan } from '../../src/engine/shards.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

/** Writes a journal: a header with `identity`, then `records`; returns its path. */
function writePart(folder: string, name: string, identity: Record<string, unknown>, records: readonly Record<string, unknown>[], command = 'pairwise'): string {
  const path = join(folder, name);
  const header = { type: 'header', schemaVersion: 1, command, identity };
  writeFileSync(path, [header, ...records].map((line) => `${JSON.stringify(line)}\n`).join(''));
  return path;
}

/** One matrix of four labels (six pairs) split in two. */
const plan = buildShardPlan(
  [
    {
      id: 'fc',
      labels: ['a', 'b', 'c', 'd'].map((name) => ({ name, file: `${name}.npy`, weight: 1 })),
      pairs: [
        ['a', 'b'],
        ['a', 'c'],
        ['a', 'd'],
        ['b', 'c'],
        ['b', 'd'],
        ['c', 'd'],
      ].map(([a, b]) => ({ a, b, key: `${a}${b}` })),
    },
  ],
  2,
);
const itemsOf = (index: number) => plan.shards[index - 1].pairs.map((pair) => ({ type: 'pair', key: pair.key, value: pair.key.length }));
const keyOf = (record: Record<string, unknown>) => (record.type === 'pair' ? (record.key as string) : null);

describe('shard journal headers', () => {
  it('adds the shard to an identity and takes it away again', () => {
    const identity = { files: [{ path: 'a.npy' }], variant: 'paper' };
    const sharded = withShard(identity, { index: 2, count: 3 });
    expect(sharded.shard).toEqual({ index: 2, count: 3 });
    expect(withoutShard(sharded)).toEqual(identity);
  });

  it('reads parts; a journal without a shard is shard 1/1', () => {
    const folder = temporaryFolder();
    const [part] = loadShardParts([writePart(folder, 'p.ndjson', { run: 1 }, [{ type: 'pair', key: 'ab' }])]);
    expect(part.shard).toEqual({ index: 1, count: 1 });
    expect(part.records).toEqual([{ type: 'pair', key: 'ab' }]);
  });

  it('refuses a shard number outside 1..S and a file that is not a journal, naming the file', () => {
    const folder = temporaryFolder();
    const bad = writePart(folder, 'bad.ndjson', { shard: { index: 4, count: 3 } }, []);
    expect(() => loadShardParts([bad])).toThrow(InputError);
    const text = join(folder, 'text.ndjson');
    writeFileSync(text, 'not json\n');
    expect(() => loadShardParts([text])).toThrow(/cannot read a part file: it has a line that is not JSON/);
    expect(() => loadShardParts([])).toThrow(UsageError);
  });

  it('finds the common identity of the parts, and names the field on which two differ', () => {
    const folder = temporaryFolder();
    const identity = { files: ['a'], compare: { variant: 'paper' } };
    const parts = loadShardParts([
      writePart(folder, 'p1.ndjson', withShard(identity, { index: 1, count: 2 }), []),
      writePart(folder, 'p2.ndjson', withShard(identity, { index: 2, count: 2 }), []),
    ]);
    expect(checkSameRun(parts)).toEqual({ command: 'pairwise', schemaVersion: 1, count: 2, identity });
    const other = loadShardParts([writePart(folder, 'p3.ndjson', withShard({ ...identity, compare: { variant: 'svcca' } }, { index: 2, count: 2 }), [])]);
    expect(() => checkSameRun([parts[0], ...other])).toThrow(/headers differ in compare \(p1\.ndjson and p3\.ndjson\)/);
  });
});

describe('collectShardRecords', () => {
  it('returns every item of every shard once they are all present and complete', () => {
    const folder = temporaryFolder();
    const parts = loadShardParts([1, 2].map((k) => writePart(folder, `p${k}.ndjson`, withShard({}, { index: k, count: 2 }), itemsOf(k))));
    const keys = collectShardRecords(parts, plan, keyOf).map((record) => record.key);
    expect([...keys].sort()).toEqual(['ab', 'ac', 'ad', 'bc', 'bd', 'cd']);
  });

  it('refuses a part holding another shard\'s item (a file renamed or written for another split)', () => {
    const folder = temporaryFolder();
    const parts = loadShardParts([
      writePart(folder, 'p1.ndjson', withShard({}, { index: 1, count: 2 }), [...itemsOf(1), itemsOf(2)[0]]),
      writePart(folder, 'p2.ndjson', withShard({}, { index: 2, count: 2 }), itemsOf(2)),
    ]);
    expect(() => collectShardRecords(parts, plan, keyOf)).toThrow(/shard 1\/2 holds 1 item\(s\) that belong to another shard/);
  });

  it('names every missing shard', () => {
    const three = buildShardPlan([{ id: 'm', labels: ['a', 'b', 'c'].map((name) => ({ name, file: name, weight: 1 })), pairs: [{ a: 'a', b: 'b' }, { a: 'a', b: 'c' }, { a: 'b', b: 'c' }] }], 3);
    const folder = temporaryFolder();
    const parts = loadShardParts([writePart(folder, 'p2.ndjson', withShard({}, { index: 2, count: 3 }), three.shards[1].pairs.map((pair) => ({ type: 'pair', key: pair.key })))]);
    expect(() => collectShardRecords(parts, three, keyOf)).toThrow(/^shards 1\/3, 3\/3 missing$/);
  });
});

describe('factsFromIdentity', () => {
  it('pairs each plan file with its entry in the header, in order', () => {
    const facts = factsFromIdentity([{ id: '/data/a.npy' }, { id: '/data/b.npy' }], [
      { path: 'a.npy', size: 10, mtimeMs: 1 },
      { path: 'b.npy', size: 20, mtimeMs: 2 },
    ]);
    expect(facts.get('/data/b.npy')).toEqual({ path: 'b.npy', size: 20 });
  });

  it('refuses a header that lists another number of files', () => {
    expect(() => factsFromIdentity([{ id: 'a' }], [])).toThrow(/lists 0 input files, but the run has 1/);
  });
});
