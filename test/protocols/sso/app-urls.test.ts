import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import { startSession } from '../../../src/domain/sessions/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { completeSignIn } from '../../../src/protocols/sso/index.ts';
import { publicUrl, testApp } from '../../support/app.ts';
import { assertError } from '../../support/assertions.ts';
import { auditOf } from '../../support/audit.ts';
import { makeApiKey, makeOrg } from '../../support/factories.ts';
import { applicationVerifier, pushMember, sessionCookieOf } from './support.ts';

describe("an org's app URLs", () => {
  it('are set by PATCH /orgs/{org}, normalised, shown in the org and audited', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const res = await t.as(key.key).patch(`/api/v1/orgs/${org.slug}`, {
      appUrls: [
        'https://App.Example.com/',
        'https://portal.example.org/tenant-a/',
        'http://localhost:3000',
        'https://app.example.com',
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.appUrls, [
      'https://app.example.com',
      'https://portal.example.org/tenant-a',
      'http://localhost:3000',
    ]);
    assert.deepEqual((await t.admin.get(`/api/v1/orgs/${org.id}`)).body.appUrls, res.body.appUrls);
    const [event] = await auditOf(t, org.id, 'org.updated');
    assert.deepEqual(event?.before?.appUrls, []);
    assert.deepEqual(event?.after?.appUrls, res.body.appUrls);
    const cleared = await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: [] });
    assert.deepEqual(cleared.body.appUrls, []);
  });

  it('refuses anything but https origins with an optional path (http for loopback only), at most 20', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const bad = [
      'http://app.example.com',
      'app.example.com',
      'https:app.example.com',
      '//app.example.com',
      'javascript:alert(1)',
      'ftp://app.example.com',
      'https://user:pass@app.example.com',
      'https://app.example.com/?next=1',
      'https://app.example.com/#x',
      'https://app.example.com/a b',
      'https://app.example.com\\@evil.com',
      'https://',
      `https://app.example.com/${'a'.repeat(2000)}`,
    ];
    for (const value of bad) {
      const res = await t.admin.patch(`/api/v1/orgs/${org.id}`, {
        appUrls: ['https://ok.example.com', value],
      });
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(
        res.body.error.details.map((d: { path: string }) => d.path),
        ['appUrls.1'],
        value,
      );
    }
    const many = Array.from({ length: 21 }, (_, i) => `https://app${i}.example.com`);
    assertError(await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: many }), 400, 'validation_failed');
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: 'https://app.example.com' }),
      400,
      'validation_failed',
    );
    assert.deepEqual((await t.admin.get(`/api/v1/orgs/${org.id}`)).body.appUrls, []);
  });
});

describe('completeSignIn', () => {
  it('sets the session cookie and sends the browser to an allowed returnTo, else the default page', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const { userId } = await pushMember(t, org.id, 'ada@example.com');
    const appUrls = ['https://app.example.com'];
    const flow = express();
    flow.get('/done', async (req, res) => {
      const session = await startSession(
        t.database.db,
        t.signingKeys,
        { orgId: org.id, userId, connectionId: null, loginId: newId() },
        { actor: { type: 'system', id: null } },
      );
      completeSignIn(
        res,
        { publicUrl, keys: t.signingKeys },
        {
          session,
          returnTo: typeof req.query.returnTo === 'string' ? req.query.returnTo : undefined,
          appUrls,
        },
      );
    });
    const app = await applicationVerifier(t, publicUrl);
    const cases: [string | undefined, string][] = [
      ['https://app.example.com/projects', 'https://app.example.com/projects'],
      ['/settings', `${publicUrl}/settings`],
      ['https://evil.example/', 'https://app.example.com/'],
      [undefined, 'https://app.example.com/'],
    ];
    for (const [returnTo, location] of cases) {
      const res = await supertest(flow).get(
        returnTo ? `/done?returnTo=${encodeURIComponent(returnTo)}` : '/done',
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, location);
      assert.equal(res.headers['cache-control'], 'no-store');
      const cookie = sessionCookieOf(res);
      assert.ok(cookie);
      assert.ok(cookie.has('httponly') && cookie.has('secure'));
      assert.equal(cookie.get('samesite'), 'Lax');
      assert.ok(Math.abs(Number(cookie.get('max-age')) - 8 * 3600) < 5);
      assert.equal((await app.verify(cookie.get('value') ?? '')).sub, userId);
    }
  });
});
