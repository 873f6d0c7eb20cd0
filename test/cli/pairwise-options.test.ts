import { describe, expect, it } from 'vitest';
import { parseByteSize, parseMethods } from '../../src/cli/commands/pairwise.js';
import { UsageError } from '../../src/errors.js';

describe('pairwise flags', () => {
  it('--max-memory takes sizes with binary suffixes', () => {
    expect(parseByteSize('2G')).toBe(2 * 2 ** 30);
    expect(parseByteSize('512M')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5gb')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('64KiB')).toBe(64 * 1024);
    expect(parseByteSize('1000')).toBe(1000);
    for (const bad of ['', 'G', '-1G', '0', '2X']) expect(() => parseByteSize(bad)).toThrow(UsageError);
  });

  it('--method takes a comma list in canonical order, or all', () => {
    expect(parseMethods('cca,pwcca')).toEqual(['pwcca', 'cca']);
    expect(parseMethods('svcca')).toEqual(['svcca']);
    expect(parseMethods('all')).toEqual(['pwcca', 'cca', 'svcca']);
    expect(() => parseMethods('pwcca,cka')).toThrow(/--method takes a comma list/);
    expect(() => parseMethods(',')).toThrow(UsageError);
  });
});
