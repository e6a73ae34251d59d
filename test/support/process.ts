import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Muster as a user runs it: `npm start` in a process group of its own, for
 * tests of start-up, shutdown, crashes and restarts. Every group still
 * running when the test file ends is killed.
 */
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const adminToken = `start-test-${randomBytes(15).toString('hex')}`.slice(0, 40);

const scratchDirs: string[] = [];
const running = new Set<Run>();

after(async () => {
  for (const run of [...running]) {
    try {
      process.kill(-run.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    await within(run.closed, 5_000, 'a leftover npm start').catch(() => {});
  }
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'muster-start-'));
  scratchDirs.push(dir);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'DATABASE_URL' || key.startsWith('MUSTER_TEST_')) continue;
    env[key] = value;
  }
  return env;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Run {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  stdout(): string;
  stderr(): string;
  /** Settles once npm exited and every process holding its output (node included) is gone. */
  readonly closed: Promise<Exit>;
  exit: Exit | undefined;
}

/** `npm start` in its own process group, with these variables over the base environment (undefined removes). */
export function npmStart(port: number, vars: Record<string, string | undefined>): Run {
  const env = { ...baseEnv(), PORT: String(port), ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn' };
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete env[key as keyof typeof env];
    else env[key as keyof typeof env] = value;
  }
  const child = spawn('npm', ['start'], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('npm start did not spawn');
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const run: Run = {
    child,
    pid: child.pid,
    port,
    stdout: () => out,
    stderr: () => err,
    exit: undefined,
    closed: new Promise<Exit>((resolve) => {
      child.on('close', (code, signal) => {
        run.exit = { code, signal };
        running.delete(run);
        resolve(run.exit);
      });
    }),
  };
  running.add(run);
  return run;
}

export function describeRun(run: Run): string {
  return `exit ${JSON.stringify(run.exit)}\n--- stdout\n${run.stdout()}\n--- stderr\n${run.stderr()}`;
}

export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitReady(run: Run, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (run.exit) assert.fail(`npm start ended before it was ready\n${describeRun(run)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${run.port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  assert.fail(`/readyz was not 200 within ${ms} ms (${last})\n${describeRun(run)}`);
}

/** SIGTERM to npm, the shell and node; resolves with how the group ended. */
export async function stop(run: Run, ms = 15_000): Promise<Exit> {
  process.kill(-run.pid, 'SIGTERM');
  return within(run.closed, ms, 'exit after SIGTERM');
}

export function assertCleanStop(exit: Exit, run: Run): void {
  assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `not a clean stop\n${describeRun(run)}`);
}

/** What the program wrote to stderr, without the lines npm adds around a failing script. */
export function ownStderrLines(run: Run): string[] {
  return run
    .stderr()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.startsWith('npm ') && !line.startsWith('>'));
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export async function api(port: number, method: string, path: string, body?: object): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
