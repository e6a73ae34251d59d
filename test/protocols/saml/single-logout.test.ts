import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import type supertest from 'supertest';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import {
  buildResponse,
  idpLogoutRequestXml,
  idpLogoutResponseXml,
  logoutRedirectQuery,
  providerAttributes,
  samlId,
  toFormValue,
} from '../../support/saml-idp.ts';

/**
 * SAML Single Logout through the app: the IdP signs a person out (its
 * LogoutRequest ends their sessions here), and a sign-out at Muster goes on
 * to the IdP and back.
 */
const sloUrl = 'https://idp.x.test/slo';

async function signedIn(t: TestApp) {
  const w = await samlWorld();
  const org = await makeOrg(t);
  const domain = `${org.slug}.x.test`;
  const created = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
    protocol: 'saml',
    provider: 'okta',
    domains: [domain],
    allowIdpInitiated: true,
    saml: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, sloUrl, certificates: [w.idp.keys.certificate] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const connection = created.body as { id: string; acsUrl: string; spEntityId: string };
  const email = `ada@${domain}`;
  const sessionIndex = samlId();
  const xml = await buildResponse(w.idp, {
    acsUrl: connection.acsUrl,
    audience: connection.spEntityId,
    now: new Date(),
    inResponseTo: null,
    nameId: email,
    sessionIndex,
    attributes: providerAttributes('okta', {
      email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada',
      groups: [],
    }),
  });
  const res = await t.http
    .post(`/sso/saml/${connection.id}/acs`)
    .type('form')
    .send(new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString());
  assert.equal(res.status, 303, res.text);
  const cookie = ((res.headers['set-cookie'] as unknown as string[]) ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  return { w, org, connection, email, sessionIndex, cookie };
}

const me = (t: TestApp, cookie: string) => t.http.get('/api/v1/me').set('Cookie', cookie);

function logoutRequest(
  w: Awaited<ReturnType<typeof samlWorld>>,
  connectionId: string,
  nameId: string,
  sessionIndexes: string[],
) {
  const xml = idpLogoutRequestXml(w.idp, {
    now: new Date(),
    destination: `https://muster.test/sso/saml/${connectionId}/slo`,
    nameId,
    sessionIndexes,
  });
  return logoutRedirectQuery(w.idp, xml, 'SAMLRequest', { relayState: 'idp-state' });
}

function messageIn(location: string, parameter: 'SAMLRequest' | 'SAMLResponse'): string {
  const url = new URL(location);
  assert.ok(url.searchParams.get('Signature'), 'the message is signed');
  return inflateRawSync(Buffer.from(url.searchParams.get(parameter) ?? '', 'base64')).toString();
}

describe('SAML Single Logout', () => {
  it("the IdP's LogoutRequest ends the person's session here, and the IdP gets a signed LogoutResponse", async () => {
    const t = await testApp();
    const { w, org, connection, email, sessionIndex, cookie } = await signedIn(t);
    assert.equal((await me(t, cookie)).status, 200);
    const query = logoutRequest(w, connection.id, email, [sessionIndex]);
    const res = await t.http.get(`/sso/saml/${connection.id}/slo?${query}`);
    assert.equal(res.status, 302, res.text);
    assert.ok((res.headers.location as string).startsWith(`${sloUrl}?`));
    const answer = messageIn(res.headers.location as string, 'SAMLResponse');
    assert.match(answer, /<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/);
    assert.equal(new URL(res.headers.location as string).searchParams.get('RelayState'), 'idp-state');
    assert.equal((await me(t, cookie)).status, 401);
    const revoked = await auditOf(t, org.id, 'session.revoked');
    assert.equal(revoked[0]?.after?.reason, 'idp_logout');
  });

  it('a LogoutRequest is answered once: the same one again is refused', async () => {
    const t = await testApp();
    const { w, connection, email, sessionIndex } = await signedIn(t);
    const query = logoutRequest(w, connection.id, email, [sessionIndex]);
    assert.equal((await t.http.get(`/sso/saml/${connection.id}/slo?${query}`)).status, 302);
    const again = await t.http.get(`/sso/saml/${connection.id}/slo?${query}`);
    assert.equal(again.status, 401, again.text);
    assert.match(again.headers['content-type'] ?? '', /text\/html/);
  });

  const forged: {
    name: string;
    query: (
      q: string,
      w: Awaited<ReturnType<typeof samlWorld>>,
      id: string,
      email: string,
      s: string,
    ) => string;
    status: number;
  }[] = [
    {
      name: 'a LogoutRequest signed by another key',
      status: 401,
      query: (_q, w, id, email, s) =>
        logoutRedirectQuery(
          w.idp,
          idpLogoutRequestXml(w.idp, {
            now: new Date(),
            destination: `https://muster.test/sso/saml/${id}/slo`,
            nameId: email,
            sessionIndexes: [s],
          }),
          'SAMLRequest',
          { signingKey: w.strangerKeys },
        ),
    },
    { name: 'an unsigned LogoutRequest', status: 401, query: (q) => q.replace(/&SigAlg=.*$/, '') },
    {
      name: 'a LogoutRequest whose NameID was changed after signing',
      status: 401,
      query: (q, w, id, _email, s) => {
        const other = logoutRequest(w, id, 'root@x.test', [s]);
        return `${other.split('&')[0]}&${q.split('&').slice(1).join('&')}`;
      },
    },
  ];
  for (const attack of forged) {
    it(`refuses ${attack.name}; the session holds`, async () => {
      const t = await testApp();
      const { w, connection, email, sessionIndex, cookie } = await signedIn(t);
      const query = attack.query(
        logoutRequest(w, connection.id, email, [sessionIndex]),
        w,
        connection.id,
        email,
        sessionIndex,
      );
      const res = await t.http.get(`/sso/saml/${connection.id}/slo?${query}`);
      assert.equal(res.status, attack.status, res.text);
      assert.equal((await me(t, cookie)).status, 200);
    });
  }

  it('a sign-out at Muster goes on to the IdP, whose LogoutResponse brings the browser to the returnTo', async () => {
    const t = await testApp();
    const { w, connection, email, cookie } = await signedIn(t);
    const out: supertest.Response = await t.http
      .post('/sso/logout')
      .set('Cookie', cookie)
      .set('Origin', 'https://muster.test')
      .type('form')
      .send('returnTo=/goodbye');
    assert.equal(out.status, 303, out.text);
    assert.ok((out.headers.location as string).startsWith(`${sloUrl}?`), out.headers.location);
    const request = messageIn(out.headers.location as string, 'SAMLRequest');
    assert.ok(request.includes(`>${email}</saml:NameID>`), request);
    const requestId = /\bID="([^"]+)"/.exec(request)?.[1] ?? '';
    assert.equal((await me(t, cookie)).status, 401, 'Muster ended its own session first');

    const response = idpLogoutResponseXml(w.idp, {
      now: new Date(),
      destination: `https://muster.test/sso/saml/${connection.id}/slo`,
      inResponseTo: requestId,
    });
    const back = await t.http.get(
      `/sso/saml/${connection.id}/slo?${logoutRedirectQuery(w.idp, response, 'SAMLResponse')}`,
    );
    assert.equal(back.status, 303, back.text);
    assert.equal(back.headers.location, 'https://muster.test/goodbye');
    const replayed = await t.http.get(
      `/sso/saml/${connection.id}/slo?${logoutRedirectQuery(w.idp, response, 'SAMLResponse')}`,
    );
    assert.equal(replayed.status, 401, 'a LogoutResponse is followed once');
  });

  it("a LogoutResponse whose InResponseTo is written in single quotes is followed too (it is XML's choice)", async () => {
    const t = await testApp();
    const { w, connection, cookie } = await signedIn(t);
    const out = await t.http
      .post('/sso/logout')
      .set('Cookie', cookie)
      .set('Origin', 'https://muster.test')
      .type('form')
      .send('returnTo=/goodbye');
    const requestId =
      /\bID="([^"]+)"/.exec(messageIn(out.headers.location as string, 'SAMLRequest'))?.[1] ?? '';
    const response = idpLogoutResponseXml(w.idp, {
      now: new Date(),
      destination: `https://muster.test/sso/saml/${connection.id}/slo`,
      inResponseTo: requestId,
    }).replace(`InResponseTo="${requestId}"`, `InResponseTo='${requestId}'`);
    assert.ok(response.includes(`InResponseTo='${requestId}'`));
    const back = await t.http.get(
      `/sso/saml/${connection.id}/slo?${logoutRedirectQuery(w.idp, response, 'SAMLResponse')}`,
    );
    assert.equal(back.status, 303, back.text);
    assert.equal(back.headers.location, 'https://muster.test/goodbye');
  });
});
