/**
 * Natural ordering of labels: numbers compare by value, so `s2` sorts before
 * `s10`, `layer9` before `layer10` and `lr-0.01` before `lr-0.1` (a decimal
 * point between digits belongs to the number; `1e-4` is read as 0.0001);
 * other text compares case-insensitively first. The order is total: labels
 * that tie on all of that (`s01` and `s1`) fall back on their code points.
 */
export function compareNatural(a: string, b: string): number {
  const left = tokenize(a);
  const right = tokenize(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const p = left[i];
    const q = right[i];
    if (typeof p === 'number' && typeof q === 'number') {
      if (p !== q) return p < q ? -1 : 1;
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

/**
 * Digits with an optional fraction (`0.01`) and exponent (`1e-4`, `2.5E+3`)
 * are one number; everything else is text. A sign is never part of a
 * number: in `lr-0.01` the dash separates words.
 */
const NUMBER_OR_TEXT = /\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\D+|\d+/g;

function tokenize(text: string): Array<string | number> {
  return (text.match(NUMBER_OR_TEXT) ?? []).map((part) => {
    if (!/^\d/.test(part)) return part;
    const value = Number(part);
    return Number.isFinite(value) ? value : part;
  });
}
