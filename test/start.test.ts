import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import {
  api,
  assertCleanStop,
  describeRun,
  type Exit,
  freePort,
  npmStart,
  ownStderrLines,
  root,
  scratchDir,
  sleep,
  stop,
  waitReady,
  within,
} from './support/process.ts';

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
