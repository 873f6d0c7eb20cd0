/**
 * Where a failure happened, appended to its message only for the files the
 * message does not name already: ` (a.npy)`, ` (a.npy vs b.npy)`, or ''.
 * A pair's location is `a vs b`; a message that names both needs neither.
 */
export function locationSuffix(message: string, where: string | undefined): string {
  if (where === undefined || where === '') return '';
  const missing = where.split(' vs ').filter((part) => !message.includes(part));
  return missing.length === 0 ? '' : ` (${missing.join(' vs ')})`;
}
