import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern } from '../support/assertions.ts';
import { auditOf } from '../support/audit.ts';
import { type ConnectionBody, freshDomain, makeSamlConnection } from '../support/connections.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { makeOrg } from '../support/factories.ts';
import { type SamlWorld, samlWorld } from '../support/saml-fixtures.ts';

describe('POST /api/v1/orgs/{org}/connections/{connection}/domains/{domain}/verify', () => {
  let t: TestApp;
  let w: SamlWorld;
  let dns: TestDnsServer;
  before(async () => {
    dns = await startDnsServer();
    t = await testApp({ dnsServers: [dns.address] });
    w = await samlWorld();
  });
  after(() => dns.close());

  const verify = (org: string, c: ConnectionBody, domain: string) =>
    t.admin.post(`/api/v1/orgs/${org}/connections/${c.id}/domains/${encodeURIComponent(domain)}/verify`);

  it('verifies a domain whose TXT record holds its token, among other records', async () => {
    const org = await makeOrg(t);
    const domain = freshDomain();
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [domain] });
    const [d] = c.domains;
    assert.ok(d);
    dns.records.txt.set(d.verification.name, ['v=spf1 -all', d.verification.value]);
    const res = await verify(org.id, c, domain);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.domain, domain);
    assert.equal(res.body.verified, true);
    assert.match(res.body.verifiedAt, isoPattern);
    assert.deepEqual(res.body.verification, d.verification);
    const shown = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.equal(shown.domains[0]?.verified, true);
    const events = await auditOf(t, org.id, 'connection.domain_verified', c.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.after?.domain, domain);
    // Verified stays verified, even once the record is gone; no second event.
    dns.records.txt.delete(d.verification.name);
    assert.equal((await verify(org.id, c, domain)).body.verified, true);
    assert.equal((await auditOf(t, org.id, 'connection.domain_verified', c.id)).length, 1);
  });

  it('answers 422 with what was found: a wrong token, no record, or the token of another domain', async () => {
    const org = await makeOrg(t);
    const [a, b, none] = [freshDomain(), freshDomain(), freshDomain()];
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [a, b, none] });
    const token = (domain: string) => c.domains.find((d) => d.domain === domain)?.verification.value ?? '';
    const wrong = randomBytes(24).toString('base64url');
    dns.records.txt.set(`_muster-verification.${a}`, [wrong]);
    const res = await verify(org.id, c, a);
    assertError(res, 422, 'unprocessable');
    assert.match(res.body.error.message, new RegExp(`_muster-verification\\.${a.replace('.', '\\.')}`));
    assert.ok(JSON.stringify(res.body.error.details).includes(wrong));

    dns.records.txt.set(`_muster-verification.${b}`, [token(a)]);
    assertError(await verify(org.id, c, b), 422, 'unprocessable');

    const missing = await verify(org.id, c, none);
    assertError(missing, 422, 'unprocessable');
    assert.match(missing.body.error.message, /No TXT record/);

    // A prefix or a token with more around it is not the token.
    dns.records.txt.set(`_muster-verification.${none}`, [`${token(none)}x`, token(none).slice(1)]);
    assertError(await verify(org.id, c, none), 422, 'unprocessable');

    const shown = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.deepEqual(
      shown.domains.map((d) => d.verified),
      [false, false, false],
    );
    assert.deepEqual(await auditOf(t, org.id, 'connection.domain_verified'), []);
  });

  it('answers 422 when the DNS server fails, and 404 for a domain the connection does not have', async () => {
    const org = await makeOrg(t);
    const domain = freshDomain();
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [domain] });
    dns.records.servfail.add(`_muster-verification.${domain}`);
    const failed = await verify(org.id, c, domain);
    assertError(failed, 422, 'unprocessable');
    assert.match(failed.body.error.message, /DNS lookup/);
    assertError(await verify(org.id, c, freshDomain()), 404, 'not_found');
    assertError(await verify(org.id, c, 'not a domain'), 404, 'not_found');
  });

  it('verifies an internationalized domain, named either way', async () => {
    const org = await makeOrg(t);
    const label = `bücher-${randomBytes(4).toString('hex')}`;
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [`${label}.test`] });
    const [d] = c.domains;
    assert.ok(d);
    assert.match(d.domain, /^xn--/);
    assert.equal(d.verification.name, `_muster-verification.${d.domain}`);
    dns.records.txt.set(d.verification.name, [d.verification.value]);
    const res = await verify(org.id, c, `${label.toUpperCase()}.test`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.domain, d.domain);
  });
});
