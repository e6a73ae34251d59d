import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import supertest from 'supertest';
import { smtpTransport } from '../../../src/infra/mail/index.ts';
import { publicUrl, testApp } from '../../support/app.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { SmtpCatcher, testMailDispatcher } from '../../support/mail.ts';

const catchers: SmtpCatcher[] = [];
after(async () => {
  for (const c of catchers) await c.close();
});

function cookieOf(headers: Record<string, unknown>): string {
  const set = headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [String(set)] : [];
  return list.map((c: string) => c.split(';')[0]).join('; ');
}

describe('an invitation by mail, end to end', () => {
  it('is sent over SMTP, its link is followed from the received message, and it is accepted', async () => {
    const t = await testApp();
    const smtp = await SmtpCatcher.start();
    catchers.push(smtp);
    const org = await makeOrg(t, 'Acme');
    await makeTeam(t, org.id, 'Partners');
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, {
      emails: ['ada@partner.test'],
      teams: ['Partners'],
      message: 'See you Monday',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const invitation = res.body.invitations[0];
    const mailer = testMailDispatcher(
      t.database.db,
      smtpTransport({ url: smtp.url(), from: 'Muster <no-reply@muster.test>' }),
      {
        orgId: org.id,
      },
    );
    await mailer.drain(org.id);
    await smtp.until((got) => got.length === 1);
    const [mail] = smtp.received;
    assert.ok(mail);
    assert.deepEqual(mail.envelope.to, ['ada@partner.test']);
    assert.match(mail.parsed.subject ?? '', /Acme/);
    const text = mail.parsed.text ?? '';
    const htmlPart = String(mail.parsed.html);
    for (const part of [text, htmlPart]) {
      assert.match(part, /Acme/);
      assert.match(part, /Partners/);
      assert.match(part, /See you Monday/);
      assert.match(part, /UTC/, 'the expiry date');
    }
    const link = /https:\/\/muster\.test\/invite\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
    assert.equal(link, invitation.acceptUrl, 'the mail carries the link the admin was shown');
    assert.equal(
      (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${invitation.id}`)).body.delivery.state,
      'sent',
    );

    const path = new URL(link ?? '').pathname;
    const page = await supertest(t.app).get(path);
    assert.equal(page.status, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const accepted = await supertest(t.app)
      .post(`${path}/accept`)
      .set('Cookie', cookieOf(page.headers))
      .set('Origin', publicUrl)
      .type('form')
      .send({
        csrf,
        mode: 'create',
        password: 'correct horse battery staple',
        confirm: 'correct horse battery staple',
      });
    assert.equal(accepted.status, 303, accepted.text.slice(0, 300));
    assert.equal(
      (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${invitation.id}`)).body.status,
      'accepted',
    );
  });

  it('shows delivery failed with the error while SMTP is down, and sent after a later retry', async () => {
    const t = await testApp();
    const smtp = await SmtpCatcher.start();
    catchers.push(smtp);
    const org = await makeOrg(t);
    await smtp.down();
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, { emails: ['bob@partner.test'] });
    const id = res.body.invitations[0].id as string;
    const mailer = testMailDispatcher(
      t.database.db,
      smtpTransport({ url: smtp.url(), from: 'no-reply@muster.test' }),
      {
        orgId: org.id,
        retryBaseMs: 200,
      },
    );
    await mailer.drain(org.id);
    const failed = (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${id}`)).body.delivery;
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError, /ECONNREFUSED/);
    assert.ok(failed.nextAttemptAt, 'a retry is planned');
    await smtp.up();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await mailer.drain(org.id);
    await smtp.until((got) => got.length === 1);
    const sent = (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${id}`)).body.delivery;
    assert.equal(sent.state, 'sent');
    assert.equal(sent.attempts, 2);
  });
});
