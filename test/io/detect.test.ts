import { describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { InputError } from '../../src/errors.js';
import { detectFormat } from '../../src/io/detect.js';
import { buildNpy } from './helpers.js';

function errorOf(bytes: Uint8Array): InputError {
  try {
    detectFormat(bytes, 'x.bin');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

describe('detectFormat', () => {
  it('recognises npy, Arrow files and Arrow streams from their bytes', () => {
    const table = tableFromArrays({ a: new Float32Array([1, 2]) });
    expect(detectFormat(buildNpy([1, 1], 'f8', [0]), 'x')).toBe('npy');
    expect(detectFormat(tableToIPC(table, 'file'), 'x')).toBe('arrow-file');
    expect(detectFormat(tableToIPC(table, 'stream'), 'x')).toBe('arrow-stream');
    // Pre-1.0 streams: a bare, 8-byte-padded metadata length.
    expect(detectFormat(Uint8Array.of(0xb8, 0, 0, 0, 0x10, 0, 0, 0), 'x')).toBe('arrow-stream');
  });

  it('refuses pickles, never loading them', () => {
    for (const protocol of [2, 3, 4, 5]) {
      const error = errorOf(Uint8Array.of(0x80, protocol, 0x95, 0, 0, 0, 0, 0));
      expect(error.message).toMatch(/^a Python pickle, which pwcca never loads \(x\.bin\): first bytes 80 0/);
      expect(error.hint).toMatch(/np\.save/);
    }
  });

  it('recognises zip archives (.npz, torch.save), HDF5 and safetensors by content', () => {
    expect(detectFormat(ascii('PK\x03\x04\x14\x00\x00\x00'), 'x')).toBe('zip');
    expect(detectFormat(ascii('PK\x05\x06\x00\x00\x00\x00'), 'x')).toBe('zip');
    expect(detectFormat(ascii('\x89HDF\r\n\x1a\n'), 'x')).toBe('hdf5');
    // An HDF5 file with a 512-byte user block.
    const withUserBlock = new Uint8Array(1032);
    withUserBlock.set(ascii('\x89HDF\r\n\x1a\n'), 512);
    expect(detectFormat(withUserBlock, 'x')).toBe('hdf5');
    // safetensors: uint64 header length 16 (a multiple of 8, which alone would read as a legacy Arrow stream), then '{'.
    expect(detectFormat(ascii('\x10\x00\x00\x00\x00\x00\x00\x00{"a":{}}       '), 'x')).toBe('safetensors');
  });

  it('refuses legacy torch.save files with the re-save recipe', () => {
    const legacy = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e);
    const error = errorOf(legacy);
    expect(error.message).toMatch(/^a legacy torch\.save file/);
    expect(error.hint).toMatch(/torch\.save\(torch\.load\('old\.pt'\), 'new\.pt'\)/);
  });

  it('names Feather v1, Parquet, gzip and text files', () => {
    expect(errorOf(ascii('FEA1\x00\x00\x00\x00')).message).toMatch(/Feather v1/);
    expect(errorOf(ascii('PAR1\x15\x04\x15\x00')).message).toMatch(/Parquet/);
    expect(errorOf(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0)).message).toMatch(/gzip/);
    expect(errorOf(ascii('1.0,2.0,3.0\n')).message).toMatch(/text file/);
  });

  it('shows the first bytes and the supported formats for anything else', () => {
    const error = errorOf(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4));
    expect(error.message).toBe('unknown file format (x.bin): first bytes de ad be ef 01 02 03 04 ("........")');
    expect(error.hint).toMatch(/\.npy.*Arrow IPC files.*Arrow IPC streams/);
    expect(errorOf(new Uint8Array(0)).message).toMatch(/the file is empty/);
  });
});
