import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { JobRunner } from '../../src/domain/jobs/index.ts';
import { reconcileHandler, reconcileKind } from '../../src/domain/mappings/index.ts';
import { advanceJob, claimJob } from '../../src/storage/index.ts';
import { type TestApp, testApp } from '../support/app.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';
import { countRows, seedDirectoryGroup } from '../support/seed.ts';

async function mapSeededGroup(t: TestApp, size: number) {
  const org = await makeOrg(t);
  const team = await makeTeam(t, org.id);
  const seeded = await seedDirectoryGroup(t.database.db, org.id, size);
  const res = await t.admin.post(`/api/v1/orgs/${org.id}/group-mappings`, {
    source: { directory: seeded.directoryId, group: seeded.groupName },
    team: team.id,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { org, team, mappingId: res.body.id as string, jobId: res.body.reconciliation.jobId as string };
}

const grantsOf = (t: TestApp, orgId: string, teamId: string) =>
  countRows(t.database.db, sql`select 1 from memberships where org_id = ${orgId} and team_id = ${teamId}`);

const grantEventsOf = (t: TestApp, orgId: string, mappingId: string) =>
  countRows(
    t.database.db,
    sql`select 1 from audit_events
         where org_id = ${orgId} and action = 'membership.granted' and after->>'mappingId' = ${mappingId}`,
  );

describe('background jobs', () => {
  it('a failed batch rolls back whole; the retry resumes after the last committed batch, nothing doubled', async () => {
    const t = await testApp();
    const { org, team, mappingId, jobId } = await mapSeededGroup(t, 95);
    let applies = 0;
    const flaky = new JobRunner(t.database.db, {
      handlers: {
        [reconcileKind]: {
          ...reconcileHandler,
          apply: async (trx, job, items) => {
            applies += 1;
            const result = await reconcileHandler.apply(trx, job, items);
            // The third batch did its work in its transaction, then the process "loses power".
            if (applies === 3) throw new Error('power cut');
            return result;
          },
        },
      },
      leaseSeconds: 30,
      batchSize: 10,
    });
    await flaky.drain(org.id);
    // No one held the mapping's grants yet; the first two batches of members committed 20 grants.
    assert.equal(await grantsOf(t, org.id, team.id), 20);
    const failed = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings/${mappingId}`);
    assert.equal(failed.body.reconciliation.state, 'queued');
    assert.equal(failed.body.reconciliation.done, 20);
    assert.equal(failed.body.reconciliation.added, 20);
    assert.equal(failed.body.reconciliation.error, 'The job failed; the server log has the cause');

    // The retry waits out its backoff; here it is due at once.
    await sql`update jobs set run_after = now() where id = ${jobId}`.execute(t.database.db);
    await t.runJobs(org.id);
    assert.equal(await grantsOf(t, org.id, team.id), 95);
    assert.equal(await grantEventsOf(t, org.id, mappingId), 95);
    const done = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings/${mappingId}`);
    assert.deepEqual(
      {
        state: done.body.reconciliation.state,
        done: done.body.reconciliation.done,
        total: done.body.reconciliation.total,
        added: done.body.reconciliation.added,
        error: done.body.reconciliation.error,
      },
      { state: 'done', done: 95, total: 95, added: 95, error: null },
    );
  });

  it('a runner whose lease ran out can commit nothing more; the runner that took over can', async () => {
    const t = await testApp();
    const { org, jobId } = await mapSeededGroup(t, 3);
    const db = t.database.db;
    const first = await claimJob(db, 'runner-a', 30, org.id);
    assert.equal(first?.id, jobId);
    assert.equal(
      await claimJob(db, 'runner-b', 30, org.id),
      undefined,
      'a job under a live lease is not shared',
    );
    await sql`update jobs set locked_until = now() - interval '1 second' where id = ${jobId}`.execute(db);
    const second = await claimJob(db, 'runner-b', 30, org.id);
    assert.equal(second?.id, jobId);
    assert.equal(second?.attempts, 2);
    const progress = { cursor: null, done: 1, finished: false, leaseSeconds: 30 };
    assert.equal(await advanceJob(db, jobId, 'runner-a', progress), false);
    assert.equal(await advanceJob(db, jobId, 'runner-b', progress), true);
  });

  it("a mapping's jobs run one at a time: a change queued while one runs waits for it", async () => {
    const t = await testApp();
    const { org, mappingId, jobId } = await mapSeededGroup(t, 3);
    const db = t.database.db;
    assert.equal((await claimJob(db, 'runner-a', 30, org.id))?.id, jobId);
    const other = await makeTeam(t, org.id, 'Other');
    const changed = await t.admin.patch(`/api/v1/orgs/${org.id}/group-mappings/${mappingId}`, {
      team: other.id,
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.notEqual(changed.body.reconciliation.jobId, jobId);
    assert.equal(await claimJob(db, 'runner-b', 30, org.id), undefined);
    await sql`update jobs set locked_until = now() - interval '1 second' where id = ${jobId}`.execute(db);
    await t.runJobs(org.id);
    assert.equal(await grantsOf(t, org.id, other.id), 3);
  });

  it('two changes before a run share one job', async () => {
    const t = await testApp();
    const { org, mappingId, jobId } = await mapSeededGroup(t, 2);
    const other = await makeTeam(t, org.id, 'Other');
    const changed = await t.admin.patch(`/api/v1/orgs/${org.id}/group-mappings/${mappingId}`, {
      team: other.id,
    });
    assert.equal(changed.body.reconciliation.jobId, jobId);
    assert.equal(await t.runJobs(org.id), 1);
    assert.equal(await grantsOf(t, org.id, other.id), 2);
  });
});
