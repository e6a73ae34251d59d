import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import type { MailDispatcher, MailFailure } from '../../../src/domain/mail/index.ts';
import { type MailTransport, smtpTransport } from '../../../src/infra/mail/index.ts';
import type { Db, MailRow } from '../../../src/storage/index.ts';
import { testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import { outboxRow, queued, SmtpCatcher, sampleMail, testMailDispatcher } from '../../support/mail.ts';

const from = 'Muster <no-reply@muster.test>';
const catchers: SmtpCatcher[] = [];
const transports: MailTransport[] = [];
const running: MailDispatcher[] = [];
// The tests share a database: a dispatcher left running would send the next test's mail.
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});
after(async () => {
  for (const c of catchers) await c.close();
  for (const t of transports) t.close();
});

async function catcher(options?: Parameters<typeof SmtpCatcher.start>[0]): Promise<SmtpCatcher> {
  const c = await SmtpCatcher.start(options);
  catchers.push(c);
  return c;
}

function transportTo(server: SmtpCatcher): MailTransport {
  const t = smtpTransport({ url: server.url(), from, timeoutMs: 2000 });
  transports.push(t);
  return t;
}

function started(d: MailDispatcher): MailDispatcher {
  running.push(d);
  d.start();
  return d;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The retry time lies within ±10 % jitter of `delay` after the attempt, which ran between `before` and `after`. */
function assertRetryAfter(row: MailRow, delay: number, before: number, after: number): void {
  const at = row.next_attempt_at?.getTime();
  assert.ok(at !== undefined, 'a retry time is set');
  assert.ok(
    at >= before + delay * 0.9 - 5 && at <= after + delay * 1.1 + 5,
    `retry ${at - before} ms after the attempt started (${after - before} ms long), expected about ${delay} ms`,
  );
}

async function attempt(d: MailDispatcher, orgId: string): Promise<{ before: number; after: number }> {
  const before = Date.now();
  await d.drain(orgId);
  return { before, after: Date.now() };
}

async function dueAt(db: Db, id: string): Promise<void> {
  const row = await outboxRow(db, id);
  const wait = (row.next_attempt_at?.getTime() ?? Date.now()) - Date.now();
  if (wait > 0) await sleep(wait + 10);
}

describe('mail retries', () => {
  it('SMTP down: the attempt fails with the error and a retry time; the server comes back and the retry sends it', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const server = await catcher();
    await server.down();
    const id = await queued(db, sampleMail(org.id, { subject: 'second time lucky' }));
    const failures: MailFailure[] = [];
    const d = testMailDispatcher(db, transportTo(server), {
      retryBaseMs: 500,
      onFailed: (f) => failures.push(f),
    });

    const first = await attempt(d, org.id);
    const failed = await outboxRow(db, id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attempts, 1);
    assert.match(failed.last_error ?? '', /ECONNREFUSED/);
    assert.equal(failed.sent_at, null);
    assert.equal(failed.locked_by, null, 'the lease is let go');
    assertRetryAfter(failed, 500, first.before, first.after);
    assert.deepEqual(
      failures.map((f) => [f.mailId, f.orgId, f.kind, f.attempts]),
      [[id, org.id, 'invitation', 1]],
    );

    await server.up();
    // Not due yet: nothing is tried.
    assert.equal(await d.drain(org.id), 0);
    assert.equal(server.offered, 0);
    await dueAt(db, id);
    assert.equal(await d.drain(org.id), 1);

    assert.equal(server.received.length, 1);
    assert.equal(server.received[0]?.parsed.subject, 'second time lucky');
    const sent = await outboxRow(db, id);
    assert.equal(sent.state, 'sent');
    assert.equal(sent.attempts, 2);
    assert.equal(sent.last_error, null);
    assert.equal(sent.next_attempt_at, null);
    assert.ok(sent.sent_at && sent.sent_at.getTime() >= first.after - 1000);
    assert.equal(failures.length, 1);
  });

  it('a 4xx then a 5xx answer each fail an attempt, with the reply kept and the delay doubled; the third goes through', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const server = await catcher();
    server.answer = (n) =>
      n === 1
        ? { code: 451, message: 'Requested action aborted: local error in processing' }
        : n === 2
          ? { code: 554, message: 'Transaction failed: policy' }
          : 'accept';
    const id = await queued(db, sampleMail(org.id));
    const d = testMailDispatcher(db, transportTo(server), { retryBaseMs: 400 });

    const first = await attempt(d, org.id);
    const afterFirst = await outboxRow(db, id);
    assert.equal(afterFirst.state, 'failed');
    assert.equal(afterFirst.attempts, 1);
    assert.match(afterFirst.last_error ?? '', /451 .*local error in processing/);
    assertRetryAfter(afterFirst, 400, first.before, first.after);

    await dueAt(db, id);
    const second = await attempt(d, org.id);
    const afterSecond = await outboxRow(db, id);
    assert.equal(afterSecond.state, 'failed');
    assert.equal(afterSecond.attempts, 2);
    assert.match(afterSecond.last_error ?? '', /554 .*policy/);
    assertRetryAfter(afterSecond, 800, second.before, second.after);

    await dueAt(db, id);
    await d.drain(org.id);
    const sent = await outboxRow(db, id);
    assert.equal(sent.state, 'sent');
    assert.equal(sent.attempts, 3);
    assert.equal(server.offered, 3);
    assert.equal(server.received.length, 1);
  });

  it('gives up after maxAttempts: the mail stays failed with no retry time and is never tried again', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const server = await catcher();
    server.answer = () => ({ code: 421, message: 'Service not available' });
    const id = await queued(db, sampleMail(org.id));
    const failures: MailFailure[] = [];
    const d = testMailDispatcher(db, transportTo(server), {
      retryBaseMs: 20,
      maxAttempts: 3,
      onFailed: (f) => failures.push(f),
    });

    // A drain tries again as long as the mail is due: with retries this quick, one drain may make two attempts.
    for (let round = 0; round < 10 && (await outboxRow(db, id)).next_attempt_at !== null; round += 1) {
      await dueAt(db, id);
      await d.drain(org.id);
    }
    const row = await outboxRow(db, id);
    assert.equal(row.state, 'failed');
    assert.equal(row.attempts, 3);
    assert.equal(row.next_attempt_at, null, 'given up');
    assert.match(row.last_error ?? '', /421/);
    assert.deepEqual(
      failures.map((f) => [f.attempts, f.retryAt === null]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );

    // The server would take it now, but a given-up mail is not tried again.
    server.answer = () => 'accept';
    await sleep(100);
    assert.equal(await d.drain(org.id), 0);
    assert.equal(server.offered, 3);
    assert.equal((await outboxRow(db, id)).attempts, 3);
  });

  it('a running dispatcher retries through an outage and sends each mail once', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const server = await catcher();
    await server.down();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await queued(db, sampleMail(org.id, { subject: `mail ${i}` })));
    started(testMailDispatcher(db, transportTo(server), { retryBaseMs: 50, orgId: org.id }));

    await waitFor('every mail to fail at least twice', async () => {
      const rows = await Promise.all(ids.map((id) => outboxRow(db, id)));
      return rows.every((r) => r.state === 'failed' && r.attempts >= 2) ? rows : undefined;
    });
    await server.up();
    await server.until((got) => got.length >= 5);
    await sleep(200);

    assert.equal(server.received.length, 5);
    assert.deepEqual(
      server.received.map((m) => m.parsed.messageId).sort(),
      ids.map((id) => `<${id}@muster.test>`).sort(),
      'each mail once',
    );
    for (const id of ids) {
      const row = await outboxRow(db, id);
      assert.equal(row.state, 'sent');
      assert.ok(row.attempts >= 3, `attempts: ${row.attempts}`);
    }
  });

  it('stop finishes the send in hand and settles it', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    const server = await catcher({ latencyMs: 300 });
    const id = await queued(db, sampleMail(org.id));
    const d = testMailDispatcher(db, transportTo(server), { orgId: org.id });
    d.start();
    await waitFor('the server to be offered the mail', async () => (server.offered > 0 ? true : undefined));
    await d.stop();
    const row = await outboxRow(db, id);
    assert.equal(row.state, 'sent');
    assert.equal(server.received.length, 1);
  });

  it('a dispatcher that dies mid-send settles nothing; once its lease runs out the mail is sent again, under the same Message-ID', async () => {
    const t = await testApp();
    const db = t.database.db;
    const org = await makeOrg(t);
    // The server keeps the message 400 ms before it answers: the process dies before the answer.
    const server = await catcher({ latencyMs: 400 });
    const id = await queued(db, sampleMail(org.id));
    const crashed = testMailDispatcher(db, transportTo(server), { leaseSeconds: 2, orgId: org.id });
    crashed.start();
    await waitFor('the server to be offered the mail', async () => (server.offered > 0 ? true : undefined));
    await crashed.abandon();

    const held = await outboxRow(db, id);
    assert.equal(held.state, 'queued');
    assert.equal(held.attempts, 0);
    assert.ok(held.locked_by, 'the dead claim still holds the lease');
    const other = testMailDispatcher(db, transportTo(server), { leaseSeconds: 2 });
    assert.equal(await other.drain(org.id), 0, 'another process waits out the lease');

    await sleep(Math.max(0, (held.locked_until?.getTime() ?? 0) - Date.now()) + 50);
    assert.equal(await other.drain(org.id), 1);
    const row = await outboxRow(db, id);
    assert.equal(row.state, 'sent');
    assert.equal(row.attempts, 1);
    // At least once: the server may have taken the first copy; both carry the one Message-ID.
    assert.ok(server.received.length >= 1);
    assert.ok(server.received.every((m) => m.parsed.messageId === `<${id}@muster.test>`));
  });
});
