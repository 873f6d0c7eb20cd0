/**
 * Advance widths from a TrueType file, so that Vega lays out text in Node
 * (no canvas) with the widths the PNG renderer will draw: without them Vega
 * guesses 0.8 em per character and leaves wide gaps around titles and labels.
 * Reads the `head`, `hhea`, `hmtx` and `cmap` (format 4, the Basic
 * Multilingual Plane) tables; kerning is ignored.
 */

/** Widths of one font face. */
export interface FontMetrics {
  /** Width of `text` in pixels at `fontSize`. */
  measure(text: string, fontSize: number): number;
}

/** Parses the tables needed for advance widths from the bytes of a .ttf file. */
export function parseFontMetrics(bytes: Uint8Array): FontMetrics {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const count = view.getUint16(4);
  for (let i = 0; i < count; i++) {
    const record = 12 + i * 16;
    const tag = String.fromCharCode(...bytes.subarray(record, record + 4));
    tables.set(tag, view.getUint32(record + 8));
  }
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`font has no ${tag} table`);
    return offset;
  };
  const unitsPerEm = view.getUint16(table('head') + 18);
  const metricsCount = view.getUint16(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advanceOfGlyph = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, metricsCount - 1));
  const glyphOf = buildCmap4(view, table('cmap'));
  const cache = new Map<number, number>();
  const fallback = advanceOfGlyph(0);
  const advance = (code: number): number => {
    let width = cache.get(code);
    if (width === undefined) {
      const glyph = glyphOf(code);
      width = glyph === 0 ? fallback : advanceOfGlyph(glyph);
      cache.set(code, width);
    }
    return width;
  };
  return {
    measure(text: string, fontSize: number): number {
      let units = 0;
      for (const char of text) units += advance(char.codePointAt(0) as number);
      return (units * fontSize) / unitsPerEm;
    },
  };
}

/** The character-to-glyph lookup of the first Unicode BMP subtable (format 4). */
function buildCmap4(view: DataView, cmap: number): (code: number) => number {
  const subtables = view.getUint16(cmap + 2);
  let offset = -1;
  for (let i = 0; i < subtables; i++) {
    const platform = view.getUint16(cmap + 4 + i * 8);
    const encoding = view.getUint16(cmap + 6 + i * 8);
    const at = cmap + view.getUint32(cmap + 8 + i * 8);
    if (view.getUint16(at) === 4 && (platform === 0 || (platform === 3 && encoding === 1))) {
      offset = at;
      break;
    }
  }
  if (offset < 0) return () => 0;
  const segments = view.getUint16(offset + 6) / 2;
  const ends = offset + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const rangeOffsets = deltas + segments * 2;
  return (code: number): number => {
    if (code > 0xffff) return 0;
    for (let s = 0; s < segments; s++) {
      if (view.getUint16(ends + s * 2) < code) continue;
      const start = view.getUint16(starts + s * 2);
      if (start > code) return 0;
      const delta = view.getInt16(deltas + s * 2);
      const rangeOffset = view.getUint16(rangeOffsets + s * 2);
      if (rangeOffset === 0) return (code + delta) & 0xffff;
      const glyphAt = rangeOffsets + s * 2 + rangeOffset + (code - start) * 2;
      const glyph = view.getUint16(glyphAt);
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}
