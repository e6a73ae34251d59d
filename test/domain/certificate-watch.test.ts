import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { warnExpiringCertificates } from '../../src/domain/sources/index.ts';
import { generateCertifiedKeyPair } from '../../src/infra/crypto/index.ts';
import { testApp } from '../support/app.ts';
import { type ConnectionBody, freshDomain } from '../support/connections.ts';
import { makeOrg } from '../support/factories.ts';
import { feedEvents } from '../support/feed.ts';

const day = 86_400_000;

async function certificate(validForDays: number): Promise<string> {
  return (await generateCertifiedKeyPair({ commonName: 'idp.example.com', validForDays })).certificate;
}

describe('certificate watch', () => {
  it('announces a SAML signing certificate ending within 30 days once, as certificate.expiring, and flags it', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const [soon, later] = [await certificate(10), await certificate(90)];
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [freshDomain()],
      saml: {
        entityId: 'https://idp.example.com',
        ssoUrl: 'https://idp.example.com/sso',
        certificates: [soon, later],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const connection = res.body as ConnectionBody;
    const [soonCert] = connection.saml?.certificates ?? [];
    assert.ok(soonCert);

    assert.ok((await warnExpiringCertificates(t.database.db)) >= 1);
    // Once: the next hourly pass says nothing more of it.
    await warnExpiringCertificates(t.database.db);
    const events = await feedEvents(t, org.id, 'certificate.expiring', 1);
    assert.equal(events.length, 1, JSON.stringify(events));
    const event = events[0] as unknown as {
      data: Record<string, unknown>;
      cause: { actor: { type: string } };
    };
    assert.equal(event.data.connectionId, connection.id);
    assert.equal(event.data.kind, 'idp_signing');
    assert.equal(event.data.fingerprint, soonCert.fingerprint);
    assert.ok(event.data.daysLeft === 9 || event.data.daysLeft === 10, String(event.data.daysLeft));
    assert.equal(event.cause.actor.type, 'system');

    const after = await t.admin.get(`/api/v1/orgs/${org.id}/connections/${connection.id}`);
    const flagged = after.body.health.certificatesExpiring as Record<string, { notAfter: string }>;
    assert.deepEqual(Object.keys(flagged), [soonCert.fingerprint]);

    // 25 days on, the 90-day certificate is not yet within 30 days; at 61 days it is. The pass runs over
    // every org (other test files' certificates too), so this org's own events are what is counted.
    const warnings = (atLeast: number) => feedEvents(t, org.id, 'certificate.expiring', atLeast);
    await warnExpiringCertificates(t.database.db, new Date(Date.now() + 25 * day));
    assert.equal((await warnings(1)).length, 1, 'nothing new 25 days on');
    await warnExpiringCertificates(t.database.db, new Date(Date.now() + 61 * day));
    const all = await warnings(2);
    assert.equal(all.length, 2);
    assert.equal(all[1]?.data.fingerprint, connection.saml?.certificates[1]?.fingerprint);
  });
});
