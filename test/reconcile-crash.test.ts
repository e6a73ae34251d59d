import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Db, migrate, openDatabase } from '../src/storage/index.ts';
import { closeTestDatabase, testDatabase } from './support/database.ts';
import {
  api,
  assertCleanStop,
  describeRun,
  freePort,
  npmStart,
  type Run,
  scratchDir,
  sleep,
  stop,
  waitReady,
} from './support/process.ts';
import { countRows, seedDirectoryGroup } from './support/seed.ts';

/**
 * Kills Muster (SIGKILL, no shutdown) in the middle of a mapping's
 * reconciliation and starts it again: the job resumes from its last
 * committed batch and ends with every member granted exactly once.
 */
const members = 3000;

after(closeTestDatabase);

interface Seeded {
  readonly orgId: string;
  readonly teamId: string;
  readonly directoryId: string;
  readonly groupName: string;
}

async function seed(db: Db): Promise<Seeded> {
  const orgId = randomUUID();
  const teamId = randomUUID();
  await sql`insert into orgs (id, name, slug) values (${orgId}, 'Crash', ${`crash-${orgId.slice(0, 8)}`})`.execute(
    db,
  );
  await sql`insert into teams (id, org_id, name, slug) values (${teamId}, ${orgId}, 'Platform', 'platform')`.execute(
    db,
  );
  const group = await seedDirectoryGroup(db, orgId, members);
  return { orgId, teamId, directoryId: group.directoryId, groupName: group.groupName };
}

async function jobOf(db: Db, orgId: string): Promise<{ state: string; done: number }> {
  const { rows } = await sql<{ state: string; done: number }>`
    select state, done from jobs where org_id = ${orgId} order by id desc limit 1
  `.execute(db);
  assert.ok(rows[0], 'the mapping has a job');
  return rows[0];
}

/** Polls the mapping until its reconciliation has done `least` or more, or finished. */
async function progressed(run: Run, path: string, least: number) {
  for (let i = 0; i < 3000; i += 1) {
    const res = await api(run.port, 'GET', path).catch((error: Error) =>
      assert.fail(`${error.message} ${String(error.cause)}\n${describeRun(run)}`),
    );
    const reconciliation = (res.body as { reconciliation: { state: string; done: number } }).reconciliation;
    if (reconciliation.done >= least || reconciliation.state === 'done') return reconciliation;
    await sleep(10);
  }
  assert.fail(`the reconciliation did not reach ${least}`);
}

async function crashAndResume(
  vars: Record<string, string | undefined>,
  db: () => Promise<Db>,
  release: () => Promise<void>,
) {
  const seeded = await seed(await db());
  await release();
  const first = npmStart(await freePort(), vars);
  await waitReady(first);
  const created = await api(first.port, 'POST', `/orgs/${seeded.orgId}/group-mappings`, {
    source: { directory: seeded.directoryId, group: seeded.groupName },
    team: seeded.teamId,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const path = `/orgs/${seeded.orgId}/group-mappings/${(created.body as { id: string }).id}`;
  const seen = await progressed(first, path, members / 5);
  assert.equal(seen.state, 'running', 'the kill must land while the job runs');
  process.kill(-first.pid, 'SIGKILL');
  await first.closed;

  const killed = await jobOf(await db(), seeded.orgId);
  assert.equal(killed.state, 'running');
  assert.ok(killed.done > 0 && killed.done < members, `killed at ${killed.done} of ${members}`);
  await release();

  const second = npmStart(await freePort(), vars);
  await waitReady(second);
  const finished = await progressed(second, path, members + 1);
  assert.equal(finished.state, 'done');
  const mapping = (await api(second.port, 'GET', path)).body as {
    reconciliation: { done: number; total: number; added: number };
  };
  assertCleanStop(await stop(second), second);

  const after = await db();
  const granted = await countRows(
    after,
    sql`select 1 from memberships where org_id = ${seeded.orgId} and team_id = ${seeded.teamId}`,
  );
  const events = await countRows(
    after,
    sql`select distinct target_id from audit_events where org_id = ${seeded.orgId} and action = 'membership.granted'`,
  );
  const allEvents = await countRows(
    after,
    sql`select 1 from audit_events where org_id = ${seeded.orgId} and action = 'membership.granted'`,
  );
  await release();
  assert.deepEqual(
    { granted, events, allEvents, added: mapping.reconciliation.added, done: mapping.reconciliation.done },
    { granted: members, events: members, allEvents: members, added: members, done: members },
  );
  assert.equal(mapping.reconciliation.total, members);
}

/** A killed process lingers until its parent reaps it; its lock on the data directory holds until then. */
async function lockHolderGone(dataDir: string): Promise<void> {
  const lock = join(dataDir, 'muster.lock');
  for (let i = 0; i < 100 && existsSync(lock); i += 1) {
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
}

describe('a reconciliation killed mid-way', { timeout: 240_000 }, () => {
  it('resumes at the next start on the embedded database: nothing lost, nothing doubled', async () => {
    const dataDir = scratchDir();
    let open: Awaited<ReturnType<typeof openDatabase>> | undefined;
    const db = async () => {
      await lockHolderGone(dataDir);
      open ??= await openDatabase({ dataDir });
      await migrate(open);
      return open.db;
    };
    const release = async () => {
      await open?.close();
      open = undefined;
    };
    await crashAndResume({ DATA_DIR: dataDir, DATABASE_URL: undefined, JOB_BATCH_SIZE: '10' }, db, release);
  });

  it('resumes on a PostgreSQL server once the dead process lease runs out', async (t) => {
    const url = process.env.MUSTER_TEST_DATABASE_URL;
    if (!url) {
      t.skip('MUSTER_TEST_DATABASE_URL is not set');
      return;
    }
    const database = await testDatabase();
    await crashAndResume(
      { DATABASE_URL: url, DATA_DIR: undefined, JOB_BATCH_SIZE: '10', JOB_LEASE_SECONDS: '1' },
      async () => database.db,
      async () => {},
    );
  });
});
