import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireDataDirLock, DataDirLockedError } from '../../src/storage/lockfile.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'muster-lock-'));
  dirs.push(dir);
  return dir;
}

describe('the data directory lock', () => {
  it('is exclusive while held and free once released', () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    assert.equal(readFileSync(join(dir, 'muster.lock'), 'utf8'), String(process.pid));
    assert.throws(() => acquireDataDirLock(dir), DataDirLockedError);
    lock.release();
    acquireDataDirLock(dir).release();
  });

  it('refuses a directory held by another live process', () => {
    const dir = tempDir();
    // The parent process is alive for as long as this test runs.
    writeFileSync(join(dir, 'muster.lock'), String(process.ppid));
    assert.throws(() => acquireDataDirLock(dir), /in use by another Muster process/);
  });

  it('takes over a lock left by a process that died, or by an earlier process with our pid', () => {
    for (const stale of ['2147483646', String(process.pid)]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'muster.lock'), stale);
      const lock = acquireDataDirLock(dir);
      assert.equal(readFileSync(join(dir, 'muster.lock'), 'utf8'), String(process.pid));
      lock.release();
    }
  });
});
