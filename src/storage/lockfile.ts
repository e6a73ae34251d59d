import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Directories this process holds: a lock file naming our own pid is otherwise stale
// (a restarted container often gets the same pid as the process that died).
const heldHere = new Set<string>();

/** An exclusive claim on a data directory, held for the life of the process. */
export function acquireDataDirLock(dataDir: string): { release: () => void } {
  const path = join(dataDir, 'muster.lock');
  if (heldHere.has(path)) throw new DataDirLockedError(`${dataDir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(path);
      let held = true;
      return {
        release: () => {
          if (!held) return;
          held = false;
          heldHere.delete(path);
          try {
            unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new DataDirLockedError(`${dataDir} is in use by another Muster process (pid ${pid})`);
      }
      // Left behind by a process that died: take it over.
      unlinkSync(path);
    }
  }
  throw new DataDirLockedError(`${dataDir} could not be locked`);
}
