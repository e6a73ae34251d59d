import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const adminToken = `start-test-${randomBytes(15).toString('hex')}`.slice(0, 40);

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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'muster-start-'));
  scratchDirs.push(dir);
  return dir;
}

function freePort(): Promise<number> {
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

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'DATABASE_URL' || key.startsWith('MUSTER_TEST_')) continue;
    env[key] = value;
  }
  return env;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Run {
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
function npmStart(port: number, vars: Record<string, string | undefined>): Run {
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

function describeRun(run: Run): string {
  return `exit ${JSON.stringify(run.exit)}\n--- stdout\n${run.stdout()}\n--- stderr\n${run.stderr()}`;
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
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

async function waitReady(run: Run, ms = 60_000): Promise<void> {
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
async function stop(run: Run, ms = 15_000): Promise<Exit> {
  process.kill(-run.pid, 'SIGTERM');
  return within(run.closed, ms, 'exit after SIGTERM');
}

function assertCleanStop(exit: Exit, run: Run): void {
  assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `not a clean stop\n${describeRun(run)}`);
}

/** What the program wrote to stderr, without the lines npm adds around a failing script. */
function ownStderrLines(run: Run): string[] {
  return run
    .stderr()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.startsWith('npm ') && !line.startsWith('>'));
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

async function api(port: number, method: string, path: string, body?: object): Promise<Answer> {
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

interface OrgBody {
  id: string;
  name: string;
  slug: string;
}

async function allOrgs(port: number): Promise<OrgBody[]> {
  const orgs: OrgBody[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page += 1) {
    const query: string = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : '?limit=200';
    const res = await api(port, 'GET', `/orgs${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as { data: OrgBody[]; nextCursor: string | null };
    orgs.push(...body.data);
    cursor = body.nextCursor;
    if (cursor === null) return orgs;
  }
  assert.fail('the org list did not end');
}

function slug(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

describe('npm start', { timeout: 240_000 }, () => {
  it('serves, stops on SIGTERM, and keeps its data across a restart', async () => {
    const dataDir = scratchDir();
    const port = await freePort();
    const first = npmStart(port, { DATA_DIR: dataDir });
    await waitReady(first);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(health.status, 200);
    const unauthenticated = await fetch(`http://127.0.0.1:${port}/api/v1/orgs`, {
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(unauthenticated.status, 401);

    const orgSlug = slug('quick-start');
    const created = await api(port, 'POST', '/orgs', { name: 'Quick Start', slug: orgSlug });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const org = created.body as OrgBody;
    assert.equal(org.slug, orgSlug);

    assertCleanStop(await stop(first), first);
    assert.ok(!existsSync(join(dataDir, 'muster.lock')), 'the DATA_DIR lock is released on stop');

    const second = npmStart(await freePort(), { DATA_DIR: dataDir });
    await waitReady(second);
    const found = await api(second.port, 'GET', `/orgs/${orgSlug}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(
      { id: (found.body as OrgBody).id, name: (found.body as OrgBody).name },
      { id: org.id, name: 'Quick Start' },
    );
    const byId = await api(second.port, 'GET', `/orgs/${org.id}`);
    assert.equal(byId.status, 200);
    assertCleanStop(await stop(second), second);
  });

  it('loses no committed write when SIGTERM arrives during writes', async (t) => {
    const dataDir = scratchDir();
    const port = await freePort();
    const run = npmStart(port, { DATA_DIR: dataDir });
    await waitReady(run);

    const total = 200;
    const inFlight = 8;
    const stopAfter = 50;
    const prefix = slug('storm');
    const committed: OrgBody[] = [];
    const otherStatuses: Array<{ i: number; status: number; body: unknown }> = [];
    let connectionErrors = 0;
    let answered = 0;
    let next = 0;
    let stopping: Promise<Exit> | undefined;

    const worker = async () => {
      while (next < total) {
        const i = next;
        next += 1;
        try {
          const res = await api(port, 'POST', '/orgs', { name: `Storm ${i}`, slug: `${prefix}-${i}` });
          answered += 1;
          if (res.status === 201) committed.push(res.body as OrgBody);
          else otherStatuses.push({ i, status: res.status, body: res.body });
        } catch {
          connectionErrors += 1;
        }
        if (answered >= stopAfter && !stopping) stopping = stop(run);
      }
    };
    await within(Promise.all(Array.from({ length: inFlight }, worker)), 60_000, 'the write storm');
    assert.ok(stopping, 'SIGTERM was sent');
    const exit = await stopping;
    assertCleanStop(exit, run);
    t.diagnostic(
      `${committed.length} created, ${otherStatuses.length} other answers, ${connectionErrors} connection errors`,
    );

    assert.deepEqual(otherStatuses, [], 'every answered create either committed (201) or never ran');
    assert.ok(committed.length >= stopAfter, `only ${committed.length} creates answered 201`);
    assert.equal(committed.length + otherStatuses.length + connectionErrors, total);
    assert.ok(connectionErrors > 0, 'the process stopped accepting before the storm ended');

    const again = npmStart(await freePort(), { DATA_DIR: dataDir });
    await waitReady(again);
    const stored = new Map((await allOrgs(again.port)).map((org) => [org.slug, org]));
    const missing = committed.filter((org) => stored.get(org.slug)?.id !== org.id).map((org) => org.slug);
    assert.deepEqual(missing, [], `${missing.length} of ${committed.length} committed orgs are gone`);
    assertCleanStop(await stop(again), again);
  });

  it('a second process on the same DATA_DIR refuses to start with one line naming DATA_DIR', async () => {
    const dataDir = scratchDir();
    const first = npmStart(await freePort(), { DATA_DIR: dataDir });
    await waitReady(first);

    const second = npmStart(await freePort(), { DATA_DIR: dataDir });
    const exit = await within(second.closed, 30_000, 'the second process');
    assert.notEqual(exit.code, 0, describeRun(second));
    assert.notEqual(exit.code, null, describeRun(second));
    const lines = ownStderrLines(second);
    assert.equal(lines.length, 1, describeRun(second));
    assert.match(lines[0] ?? '', /DATA_DIR/);

    assert.ok(existsSync(join(dataDir, 'muster.lock')), 'the first process keeps its lock');
    const still = await fetch(`http://127.0.0.1:${first.port}/readyz`, {
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(still.status, 200, 'the first process still serves');
    assertCleanStop(await stop(first), first);
  });

  for (const [setting, value] of [
    ['PORT', 'abc'],
    ['ADMIN_TOKEN', 'short'],
    ['WORKERS', '2'],
  ] as const) {
    it(`${setting}=${value} stops start-up with one line naming ${setting}`, async () => {
      const dataDir = scratchDir();
      const port = await freePort();
      const run = npmStart(port, { DATA_DIR: dataDir, [setting]: value });
      const exit = await within(run.closed, 20_000, `npm start with ${setting}=${value}`);
      assert.notEqual(exit.code, 0, describeRun(run));
      assert.notEqual(exit.code, null, describeRun(run));
      const lines = ownStderrLines(run);
      assert.equal(lines.length, 1, describeRun(run));
      assert.match(lines[0] ?? '', new RegExp(`^muster: invalid setting ${setting}: `));
      if (setting === 'ADMIN_TOKEN') assert.ok(!lines[0]?.includes(value), 'the token is not shown');
      assert.ok(!existsSync(join(dataDir, 'pgdata')), 'no database was opened');
    });
  }

  it('runs on a PostgreSQL server and keeps its data across a restart', async (t) => {
    const url = process.env.MUSTER_TEST_DATABASE_URL;
    if (!url) {
      t.skip('MUSTER_TEST_DATABASE_URL is not set');
      return;
    }
    const dataDirBefore = existsSync(join(root, 'data'));
    const first = npmStart(await freePort(), { DATABASE_URL: url, DATA_DIR: undefined });
    await waitReady(first);
    const orgSlug = slug('server');
    const created = await api(first.port, 'POST', '/orgs', { name: 'On A Server', slug: orgSlug });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assertCleanStop(await stop(first), first);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = await client.query('select id from orgs where slug = $1', [orgSlug]);
      assert.deepEqual(
        rows.rows.map((row: { id: string }) => row.id),
        [(created.body as OrgBody).id],
        'the org is stored on the server',
      );
    } finally {
      await client.end();
    }

    const second = npmStart(await freePort(), { DATABASE_URL: url, DATA_DIR: undefined });
    await waitReady(second);
    const found = await api(second.port, 'GET', `/orgs/${orgSlug}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal((found.body as OrgBody).id, (created.body as OrgBody).id);
    assertCleanStop(await stop(second), second);
    if (!dataDirBefore) assert.ok(!existsSync(join(root, 'data')), 'no embedded database was made');
  });

  it('with WORKERS=2 on a server, serves from two processes and replaces one that dies', async (t) => {
    const url = process.env.MUSTER_TEST_DATABASE_URL;
    if (!url) {
      t.skip('MUSTER_TEST_DATABASE_URL is not set');
      return;
    }
    const run = npmStart(await freePort(), {
      DATABASE_URL: url,
      DATA_DIR: undefined,
      WORKERS: '2',
      LOG_LEVEL: 'info',
    });
    await waitReady(run);
    const workers = async (count: number) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pids = [...run.stdout().matchAll(/Muster listening on [^\n]*"pid":(\d+)/g)].map((m) =>
          Number(m[1]),
        );
        if (pids.length >= count || Date.now() > deadline) return pids;
        await sleep(100);
      }
    };
    const [first, second] = await workers(2);
    assert.ok(first && second && first !== second, describeRun(run));
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`http://127.0.0.1:${run.port}/readyz`, { headers: { connection: 'close' } });
      assert.equal(res.status, 200);
    }
    process.kill(first, 'SIGKILL');
    const third = (await workers(3))[2];
    assert.ok(third && third !== first && third !== second, `a new worker started: ${describeRun(run)}`);
    const created = await api(run.port, 'POST', '/orgs', { name: 'Two Workers', slug: slug('workers') });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assertCleanStop(await stop(run), run);
  });
});
