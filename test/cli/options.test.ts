import { describe, expect, it } from 'vitest';
import { parseByteSize, parseMethodList } from '../../src/cli/options.js';
import { UsageError } from '../../src/errors.js';

describe('shared flags', () => {
  it('--max-memory takes sizes with binary suffixes', () => {
    expect(parseByteSize('2G')).toBe(2 * 2 ** 30);
    expect(parseByteSize('512M')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5gb')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('64KiB')).toBe(64 * 1024);
    expect(parseByteSize('1000')).toBe(1000);
    for (const bad of ['', 'G', '-1G', '0', '2X']) expect(() => parseByteSize(bad)).toThrow(UsageError);
  });

  it('--method takes a comma list in canonical order, or all', () => {
    expect(parseMethodList('cca,pwcca')).toEqual(['pwcca', 'cca']);
    expect(parseMethodList('svcca')).toEqual(['svcca']);
    expect(parseMethodList('all')).toEqual(['pwcca', 'cca', 'svcca', 'cka']);
    expect(() => parseMethodList('pwcca,rsa')).toThrow(/--method takes a comma list/);
    expect(() => parseMethodList(',')).toThrow(UsageError);
  });
});
