/**
 * Natural ordering of labels: digit runs compare by value, so `s2` sorts
 * before `s10` and `layer9` before `layer10`; other text compares by code
 * point, case-insensitively first.
 */
export function compareNatural(a: string, b: string): number {
  const left = tokenize(a);
  const right = tokenize(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const p = left[i];
    const q = right[i];
    if (typeof p === 'number' && typeof q === 'number') {
      if (p !== q) return p - q;
    } else if (typeof p === 'number') {
      return -1;
    } else if (typeof q === 'number') {
      return 1;
    } else {
      const folded = p.toLowerCase().localeCompare(q.toLowerCase(), 'en');
      if (folded !== 0) return folded;
    }
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy of `labels` in natural order. */
export function sortNatural(labels: Iterable<string>): string[] {
  return [...labels].sort(compareNatural);
}

function tokenize(text: string): Array<string | number> {
  return (text.match(/\d+|\D+/g) ?? []).map((part) => (/^\d/.test(part) ? Number(part) : part));
}
