/** The parts of the `lz4js` package (plain JS, no bundled types) pwcca uses. */
declare module 'lz4js' {
  /** Decodes one LZ4 block `src[sIndex, sIndex + sLength)` into `dst` from `dIndex`; returns the new end of `dst`. */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  /** Compresses `src` into one LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}
