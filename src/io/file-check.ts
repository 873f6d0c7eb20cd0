/**
 * What kind of file a path names, checked before anything opens it: opening a
 * named pipe (FIFO) blocks until some other process writes to it, and a device
 * such as /dev/zero never ends. Activation files are regular files; the one
 * exception is the anonymous pipe a shell passes for process substitution
 * (`pwcca compare <(zcat a.npy.gz) b.npy`), which is read like standard input.
 */
import { lstat, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { InputError } from '../errors.js';

/** How a checked path is read: a regular file at offsets, or an anonymous pipe as a stream. */
export type ReadableKind = 'file' | 'pipe';

/**
 * Checks that `path` is a regular file (symlinks followed) or an anonymous
 * pipe (`/dev/fd/N` from process substitution), without opening it.
 *
 * @throws InputError naming the path for missing or unreadable paths,
 *   folders, named pipes (FIFOs), sockets and devices.
 */
export async function checkRegularFile(path: string): Promise<ReadableKind> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw openError(path, error);
  }
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) {
    throw new InputError(`is a directory, not a file (${path})`, { where: path, hint: 'pass the path of an activation file (.npy, .npz, .pt, .safetensors, .h5, Arrow)' });
  }
  if ((stats.isFIFO() || stats.isSocket()) && (await isAnonymousPipe(path))) return 'pipe';
  const what = stats.isFIFO() ? 'a named pipe (FIFO)' : stats.isSocket() ? 'a socket' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : 'a special file';
  throw new InputError(`${what}, not a regular file (${path})`, {
    where: path,
    hint: 'pass a saved activation file; to read from a program, pipe it to standard input and pass - as the path',
  });
}

/**
 * True when `path` is a regular file (symlinks followed), for folder
 * discovery that skips pipes, sockets and devices; never throws.
 */
export async function isReadableRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Process substitution gives /dev/fd/N, a link to "pipe:[inode]"; a named FIFO is a node in a folder. */
async function isAnonymousPipe(path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return false;
    return /^(pipe|socket):\[\d+\]$/.test(await readlink(path));
  } catch {
    return false;
  }
}

/** The InputError for a path that cannot be opened or examined. */
export function openError(path: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const [what, hint] =
    code === 'ENOENT' ? ['file not found', 'check the path (relative paths start from the current directory)']
    : code === 'EACCES' || code === 'EPERM' ? ['permission denied', 'make the file readable (e.g. chmod +r) or copy it somewhere readable']
    : code === 'EISDIR' ? ['is a directory, not a file', 'pass the path of an activation file (.npy, .npz, .pt, .safetensors, .h5, Arrow)']
    : code === 'ELOOP' ? ['too many levels of symbolic links', 'the path is a symlink loop; point it at a real file']
    : [`cannot open file (${code ?? 'unknown error'})`, 'check the path and that the file is readable'];
  return new InputError(`${what} (${path})`, { where: path, hint, cause: error });
}
