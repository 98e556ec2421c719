/**
 * Output paths checked before a command does any work, and file-system
 * errors (errno) turned into one line.
 *
 * {@link checkOutputPath} refuses, with a {@link WavecvError} naming the flag,
 * an output that cannot be written: a file path that is an existing folder, a
 * folder path that is an existing file, a path under a regular file, and a
 * location whose nearest existing folder is not writable (a read-only file
 * system, or no permission). Whatever the check cannot foresee (a full disk,
 * a file system that turns read-only meanwhile) still surfaces as an errno
 * error from the write; {@link describeFileSystemError} gives its one line.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WavecvError } from '../errors.js';

/** What an output path must become: a file, or a folder (created when missing). */
export type OutputKind = 'file' | 'folder';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Checks that `path` can be written as a `kind` (see the module comment);
 * `argument` is the flag named in the error (e.g. `out`). Returns the
 * resolved path.
 */
export function checkOutputPath(path: string, kind: OutputKind, argument = 'out'): string {
  const target = resolve(path);
  const own = statOrUndefined(target);
  if (own?.isDirectory() && kind === 'file') throw new WavecvError(argument, path, 'a file to write (it is an existing folder)');
  if (own && !own.isDirectory() && kind === 'folder') throw new WavecvError(argument, path, 'a folder to write into (it is an existing file)');
  // the nearest existing ancestor must be a writable folder (for an existing target: the target's folder, or the folder itself)
  let ancestor = own?.isDirectory() ? target : dirname(target);
  let stats = statOrUndefined(ancestor);
  while (!stats && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    stats = statOrUndefined(ancestor);
  }
  if (stats && !stats.isDirectory()) throw new WavecvError(argument, path, `a path that can be created (${ancestor} is a file, not a folder)`);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch (error) {
    throw new WavecvError(argument, path, `a writable location (${ancestor}: ${describeErrno((error as NodeJS.ErrnoException).code) ?? 'not writable'})`);
  }
  return target;
}

const REASONS: Record<string, string> = {
  EEXIST: 'already exists',
  EISDIR: 'is a folder, expected a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
};

function describeErrno(code: string | undefined): string | undefined {
  return code === undefined ? undefined : REASONS[code];
}

/**
 * `<path>: <reason>` for an errno error of Node's file system calls (the path
 * it names, or the destination of a rename/copy), or undefined for any other
 * error.
 */
export function describeFileSystemError(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException & { dest?: string };
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.syscall !== 'string') return undefined;
  const reason = describeErrno(e.code) ?? `${e.code} (${e.syscall})`;
  const path = e.dest ?? e.path;
  return path === undefined ? `${e.syscall}: ${reason}` : `${path}: ${reason}`;
}
