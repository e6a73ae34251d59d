import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { AddressObject } from 'mailparser';
import { generateCertifiedKeyPair } from '../../../src/infra/crypto/index.ts';
import { type MailTransport, smtpTransport } from '../../../src/infra/mail/index.ts';
import { testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import { outboxRow, queued, SmtpCatcher, sampleMail, testMailDispatcher } from '../../support/mail.ts';

const from = 'Muster <no-reply@muster.test>';
const catchers: SmtpCatcher[] = [];
const transports: MailTransport[] = [];
after(async () => {
  for (const c of catchers) await c.close();
  for (const t of transports) t.close();
});

async function catcher(options?: Parameters<typeof SmtpCatcher.start>[0]): Promise<SmtpCatcher> {
  const c = await SmtpCatcher.start(options);
  catchers.push(c);
  return c;
}

function transport(options: Parameters<typeof smtpTransport>[0]): MailTransport {
  const t = smtpTransport(options);
  transports.push(t);
  return t;
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));

describe('mail over SMTP', () => {
  it('hands a queued mail to the SMTP server with From, To, Subject and both parts, and marks it sent', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const server = await catcher();
    const mail = sampleMail(org.id, { subject: 'Join Ünïcode Org — today' });
    const id = await queued(t.database.db, mail);
    const before = await outboxRow(t.database.db, id);
    assert.equal(before.state, 'queued');

    const d = testMailDispatcher(t.database.db, transport({ url: server.url(), from }));
    assert.equal(await d.drain(org.id), 1);

    assert.equal(server.received.length, 1);
    const got = server.received[0];
    assert.ok(got);
    assert.equal(got.parsed.from?.value[0]?.address, 'no-reply@muster.test');
    assert.equal(got.parsed.from?.value[0]?.name, 'Muster');
    assert.deepEqual(addresses(got.parsed.to), [mail.to]);
    assert.equal(got.parsed.subject, mail.subject);
    assert.equal(got.parsed.text?.trim(), mail.text.trim());
    assert.equal(got.parsed.html, mail.html);
    assert.deepEqual(got.envelope, { from: 'no-reply@muster.test', to: [mail.to] });
    // The Message-ID is the outbox row's: a mail sent again after a crash reads as the same one.
    assert.equal(got.parsed.messageId, `<${id}@muster.test>`);
    assert.equal(got.parsed.headers.get('auto-submitted'), 'auto-generated');

    const row = await outboxRow(t.database.db, id);
    assert.equal(row.state, 'sent');
    assert.equal(row.attempts, 1);
    assert.equal(row.last_error, null);
    assert.equal(row.next_attempt_at, null);
    assert.equal(row.locked_by, null);
    assert.ok(row.sent_at && Math.abs(row.sent_at.getTime() - Date.now()) < 60_000);

    // Nothing is due any more: nothing is sent again.
    assert.equal(await d.drain(org.id), 0);
    assert.equal(server.offered, 1);
  });

  it("signs in with SMTP_URL's user and password; a wrong password fails the attempt without showing it", async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const server = await catcher({ auth: { user: 'mailer@muster.test', pass: 'c0rrect:h0rse/b@ttery' } });

    const good = await queued(t.database.db, sampleMail(org.id));
    const signedIn = transport({
      url: server.url({ user: 'mailer@muster.test', pass: 'c0rrect:h0rse/b@ttery' }),
      from,
    });
    await testMailDispatcher(t.database.db, signedIn).drain(org.id);
    assert.equal((await outboxRow(t.database.db, good)).state, 'sent');
    assert.equal(server.received[0]?.user, 'mailer@muster.test');

    const bad = await queued(t.database.db, sampleMail(org.id));
    const wrong = 'wr0ng-p4ssw0rd-s3cret';
    const refused = transport({ url: server.url({ user: 'mailer@muster.test', pass: wrong }), from });
    assert.ok(!refused.target.includes(wrong), 'the target a log shows holds no password');
    assert.equal(refused.target, `smtp://127.0.0.1:${server.port}`);
    await testMailDispatcher(t.database.db, refused).drain(org.id);
    const row = await outboxRow(t.database.db, bad);
    assert.equal(row.state, 'failed');
    assert.match(row.last_error ?? '', /EAUTH.*535/);
    assert.ok(!(row.last_error ?? '').includes(wrong), row.last_error ?? '');
    assert.equal(server.received.length, 1);
  });

  it('smtps:// speaks TLS from the first byte and checks the certificate', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const pair = await generateCertifiedKeyPair({ commonName: 'localhost' });
    const server = await catcher({ tls: { key: pair.privateKey, cert: pair.certificate } });
    assert.match(server.url(), /^smtps:\/\/localhost:\d+$/);

    // A certificate no CA vouches for is refused: the attempt fails.
    const untrusted = await queued(t.database.db, sampleMail(org.id));
    await testMailDispatcher(t.database.db, transport({ url: server.url(), from }), {
      retryBaseMs: 60_000,
    }).drain(org.id);
    const refused = await outboxRow(t.database.db, untrusted);
    assert.equal(refused.state, 'failed');
    assert.match(refused.last_error ?? '', /certificate/i);
    assert.equal(server.received.length, 0);

    // Trusted, the same server gets the mail.
    const trusted = await queued(t.database.db, sampleMail(org.id, { subject: 'over TLS' }));
    const tls = transport({ url: server.url(), from, tls: { ca: pair.certificate } });
    assert.equal(tls.target, `smtps://localhost:${server.port}`);
    await testMailDispatcher(t.database.db, tls).drain(org.id);
    assert.equal((await outboxRow(t.database.db, trusted)).state, 'sent');
    assert.deepEqual(
      server.received.map((m) => m.parsed.subject),
      ['over TLS'],
    );
  });

  it('a server that accepts the connection and never greets fails the attempt at the timeout', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;
    const id = await queued(t.database.db, sampleMail(org.id));

    const started = Date.now();
    await testMailDispatcher(
      t.database.db,
      transport({ url: `smtp://127.0.0.1:${port}`, from, timeoutMs: 300 }),
      { retryBaseMs: 60_000 },
    ).drain(org.id);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2000, `the attempt took ${took} ms`);
    const row = await outboxRow(t.database.db, id);
    assert.equal(row.state, 'failed');
    assert.match(row.last_error ?? '', /ETIMEDOUT|[Tt]imeout/);
    assert.equal(row.attempts, 1);
    assert.ok(row.next_attempt_at);
  });

  it('a send is cut at half the lease, so it settles before another process could claim the mail', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    // The server takes 3 s to answer the message; the lease is 1 s, so the send has 0.5 s.
    const server = await catcher({ latencyMs: 3000 });
    const id = await queued(t.database.db, sampleMail(org.id));
    const started = Date.now();
    await testMailDispatcher(t.database.db, transport({ url: server.url(), from }), {
      leaseSeconds: 1,
      retryBaseMs: 60_000,
    }).drain(org.id);
    const took = Date.now() - started;
    assert.ok(took < 2000, `the attempt took ${took} ms`);
    const row = await outboxRow(t.database.db, id);
    assert.equal(row.state, 'failed');
    assert.match(row.last_error ?? '', /EABORT|abort/i);
    assert.equal(row.attempts, 1);
  });
});
