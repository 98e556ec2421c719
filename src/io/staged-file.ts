/**
 * A file written sequentially under a temporary name in its target folder and
 * renamed over the target only on {@link StagedFile.commit} (atomic on one file
 * system), for writers that produce a file piece by piece (volume slabs) and
 * must never leave a half-written file at the target path.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class StagedFile {
  /** Bytes appended so far (the offset the next append starts at). */
  position = 0;
  private readonly fd: number;
  private readonly temporary: string;
  private open = true;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.temporary = join(dirname(path), `.${basename(path)}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
    this.fd = openSync(this.temporary, 'w');
  }

  get isOpen(): boolean {
    return this.open;
  }

  append(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.position + done);
    this.position += bytes.length;
  }

  /** Closes the file and renames it to its path. */
  commit(): void {
    this.open = false;
    closeSync(this.fd);
    renameSync(this.temporary, this.path);
  }

  /** Closes and removes the temporary file; nothing appears at the path. */
  discard(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
    rmSync(this.temporary, { force: true });
  }
}
