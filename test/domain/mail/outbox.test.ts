import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Updateable } from 'kysely';
import { type MailDispatcher, queueMail } from '../../../src/domain/mail/index.ts';
import { type MailTransport, smtpTransport } from '../../../src/infra/mail/index.ts';
import * as store from '../../../src/storage/index.ts';
import { type Database, type MailOutboxTable, openDatabase } from '../../../src/storage/index.ts';
import { appOn, testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import { outboxRow, queued, SmtpCatcher, sampleMail, testMailDispatcher } from '../../support/mail.ts';
import { plannedDatabase } from '../../support/query-plans.ts';

const from = 'Muster <no-reply@muster.test>';
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function catcher(options?: Parameters<typeof SmtpCatcher.start>[0]): Promise<SmtpCatcher> {
  const c = await SmtpCatcher.start(options);
  closers.push(() => c.close());
  return c;
}

function transportTo(server: SmtpCatcher): MailTransport {
  const t = smtpTransport({ url: server.url(), from });
  closers.push(() => t.close());
  return t;
}

describe('the mail outbox', () => {
  it('a claim settles only under its own lease: a claim whose lease was taken over changes nothing', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const id = await queued(db, sampleMail(org.id));

    const [first] = await store.claimDueMail(db, 'lease-a', { leaseSeconds: 60, limit: 10, orgId: org.id });
    assert.equal(first?.id, id);
    assert.equal(first?.locked_by, 'lease-a');
    assert.deepEqual(
      await store.claimDueMail(db, 'lease-b', { leaseSeconds: 60, limit: 10, orgId: org.id }),
      [],
      'a held mail is not claimed again',
    );

    // The first claim's lease runs out; another claim takes the mail.
    await db
      .updateTable('mail_outbox')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    const [second] = await store.claimDueMail(db, 'lease-b', { leaseSeconds: 60, limit: 10, orgId: org.id });
    assert.equal(second?.locked_by, 'lease-b');

    assert.equal(await store.markMailSent(db, id, 'lease-a'), false);
    assert.equal(await store.markMailFailed(db, id, 'lease-a', { error: 'late', retryAt: null }), false);
    await store.releaseMail(db, id, 'lease-a');
    const untouched = await outboxRow(db, id);
    assert.equal(untouched.state, 'queued');
    assert.equal(untouched.attempts, 0);
    assert.equal(untouched.locked_by, 'lease-b');

    assert.equal(
      await store.markMailFailed(db, id, 'lease-b', { error: 'x'.repeat(2000), retryAt: new Date() }),
      true,
    );
    const failed = await outboxRow(db, id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attempts, 1);
    assert.equal(failed.last_error?.length, 1000, 'the error is cut to what the column holds');
    assert.equal(failed.locked_by, null);
  });

  it("claims only what is due: not sent mail, not a retry still to come, not given-up mail, not another org's", async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const due = await queued(db, sampleMail(org.id));
    const later = await queued(db, sampleMail(org.id));
    const givenUp = await queued(db, sampleMail(org.id));
    const sent = await queued(db, sampleMail(org.id));
    const elsewhere = await queued(db, sampleMail(other.id));
    const set = (id: string, patch: Updateable<MailOutboxTable>) =>
      db.updateTable('mail_outbox').set(patch).where('id', '=', id).execute();
    await set(later, { state: 'failed', attempts: 1, next_attempt_at: new Date(Date.now() + 3600_000) });
    await set(givenUp, { state: 'failed', attempts: 8, next_attempt_at: null });
    await set(sent, { state: 'sent', attempts: 1, next_attempt_at: null, sent_at: new Date() });

    const claimed = await store.claimDueMail(db, 'lease-c', { leaseSeconds: 60, limit: 10, orgId: org.id });
    assert.deepEqual(
      claimed.map((r) => r.id),
      [due],
    );
    await store.releaseMail(db, due, 'lease-c');
    assert.deepEqual(
      await store.claimDueMail(db, 'lease-d', { leaseSeconds: 60, limit: 10, orgId: org.id, except: [due] }),
      [],
      'mail the claimer names as in hand is skipped',
    );
    const released = await store.claimDueMail(db, 'lease-e', { leaseSeconds: 60, limit: 10, orgId: org.id });
    assert.deepEqual(
      released.map((r) => r.id),
      [due],
      'a released mail is due again at once',
    );
    assert.equal((await outboxRow(db, elsewhere)).locked_by, null);
  });

  it('two dispatchers on one database never send one mail twice', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const server = await catcher({ latencyMs: 10 });
    // On a PostgreSQL server the second dispatcher has a connection pool of its own, as a second process would.
    let second: Database = t.database;
    if (process.env.MUSTER_TEST_DATABASE_URL) {
      second = await openDatabase({ url: process.env.MUSTER_TEST_DATABASE_URL, poolMax: 4 });
      closers.push(() => second.close());
    }
    const ids = await t.database.db.transaction().execute(async (trx) => {
      const made: string[] = [];
      for (let i = 0; i < 40; i += 1)
        made.push(await queueMail(trx, sampleMail(org.id, { subject: `mail ${i}` })));
      return made;
    });
    const dispatchers: MailDispatcher[] = [
      testMailDispatcher(t.database.db, transportTo(server), { concurrency: 4, pollMs: 5, orgId: org.id }),
      testMailDispatcher(second.db, transportTo(server), { concurrency: 4, pollMs: 5, orgId: org.id }),
    ];
    for (const d of dispatchers) d.start();
    try {
      await server.until((got) => got.length >= 40, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      for (const d of dispatchers) await d.stop();
    }

    const messageIds = server.received.map((m) => m.parsed.messageId);
    assert.equal(messageIds.length, 40);
    assert.equal(new Set(messageIds).size, 40, 'no mail twice');
    assert.deepEqual([...messageIds].sort(), ids.map((id) => `<${id}@muster.test>`).sort());
    for (const id of ids) {
      const row = await outboxRow(t.database.db, id);
      assert.equal(row.state, 'sent');
      assert.equal(row.attempts, 1);
    }
  });

  it('every statement the mail dispatcher makes can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    closers.push(() => database.close());
    const t = await appOn(database);
    const org = await makeOrg(t);
    const server = await catcher();
    server.answer = (n) => (n === 1 ? { code: 451, message: 'try later' } : 'accept');
    for (let i = 0; i < 3; i += 1) await queued(database.db, sampleMail(org.id, { subjectId: org.id }));
    seen.clear();

    const d = testMailDispatcher(database.db, transportTo(server));
    await d.drain(org.id);
    await d.drain();
    d.start();
    await d.stop();
    const [claimed] = await store.claimDueMail(database.db, 'lease-p', {
      leaseSeconds: 60,
      limit: 1,
      except: [org.id],
    });
    if (claimed) await store.releaseMail(database.db, claimed.id, 'lease-p');
    await store.latestMailOf(database.db, org.id, [org.id]);

    assert.ok(
      [...seen.keys()].filter((text) => text.includes('mail_outbox')).length >= 4,
      `only ${seen.size} statements seen`,
    );
    assert.deepEqual(await withoutIndex(), []);
  });
});
