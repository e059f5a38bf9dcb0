import { closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Write a file so that readers only ever see the old content or the complete new content:
 * write to a temp file in the same directory, fsync it, rename over the target, fsync the directory.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    // The target could not be replaced (a directory, a vanished folder, no permission): leave no temp file behind.
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some filesystems do not allow fsync on a directory; the rename itself is still atomic.
  }
}
