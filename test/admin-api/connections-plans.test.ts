import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  connectionForDomain,
  connectionsOfOrg,
  flagConnectionHealth,
  isDomainVerified,
  samlConnectionFor,
} from '../../src/domain/sources/index.ts';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import { appOn } from '../support/app.ts';
import {
  type ConnectionBody,
  freshDomain,
  makeJobsDue,
  startMetadataServer,
} from '../support/connections.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { plannedDatabase } from '../support/query-plans.ts';
import { samlWorld } from '../support/saml-fixtures.ts';
import { idpMetadataXml } from '../support/saml-idp.ts';

/**
 * Every statement the connection endpoints, their refresh job and the
 * sign-in lookups make must be able to use an index: with sequential scans
 * priced out, a plan that still scans a table sequentially has none.
 */
describe('query plans of connections', () => {
  it('every statement of the connection endpoints, the refresh and the sign-in lookups can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    const dns = await startDnsServer();
    const w = await samlWorld();
    const server = await startMetadataServer(idpMetadataXml(w.idp));
    after(async () => {
      await server.close();
      await dns.close();
      await database.close();
    });
    const t = await appOn(database, { allowInsecureLoopbackIssuers: true, dnsServers: [dns.address] });
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string };
    const base = `/api/v1/orgs/${org.id}/connections`;
    const [first, second, added] = [freshDomain(), freshDomain(), freshDomain()];
    const created = await t.admin.post(base, {
      protocol: 'saml',
      provider: 'okta',
      domains: [first, second],
      saml: { metadataUrl: server.url },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const c = created.body as ConnectionBody;
    const oidc = await t.admin.post(base, {
      protocol: 'oidc',
      provider: 'okta',
      domains: [freshDomain()],
      oidc: { issuer: 'https://okta.example.com', clientId: 'c', clientSecret: 's' },
    });
    assert.equal(oidc.status, 201, JSON.stringify(oidc.body));
    const token = c.domains.find((d) => d.domain === first)?.verification.value ?? '';
    dns.records.txt.set(`_muster-verification.${first}`, [token]);
    const steps = [
      () => t.admin.get(`${base}?limit=1`),
      () => t.admin.get(`${base}?limit=1&cursor=${Buffer.from(c.id).toString('base64url')}`),
      () => t.admin.get(`${base}/${c.id}`),
      () => t.admin.post(`${base}/${c.id}/domains/${first}/verify`),
      () => t.admin.patch(`${base}/${c.id}`, { name: 'Renamed', domains: [first, added] }),
      () => t.admin.patch(`${base}/${oidc.body.id}`, { oidc: { clientSecret: 'new' } }),
      () =>
        makeJobsDue(t, org.id, c.id)
          .then(() => t.runJobs(org.id))
          .then(() => ({ status: 200, body: {} })),
      () => t.http.get(`/sso/saml/${c.id}/metadata`),
      () => t.admin.patch(`${base}/${c.id}`, { saml: { certificates: [w.nextIdpKeys.certificate] } }),
      () => t.admin.delete(`${base}/${c.id}`),
    ];
    for (const [i, step] of steps.entries()) {
      const res = await step();
      assert.ok(res.status < 300, `step ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const keys = { secretBox: new SecretBox(developmentMasterKey), publicUrl: 'https://muster.test' };
    const again = await t.admin.post(base, {
      protocol: 'saml',
      provider: 'okta',
      domains: [first],
      saml: { metadataXml: idpMetadataXml(w.idp) },
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.ok(await samlConnectionFor(database.db, keys, again.body.id));
    assert.ok(await connectionForDomain(database.db, `ada@${first}`));
    assert.equal(await isDomainVerified(database.db, org.id, again.body.id, `ada@${first}`), false);
    assert.equal((await connectionsOfOrg(database.db, org.id)).length, 2);
    await flagConnectionHealth(database.db, org.id, again.body.id, { groupsTruncated: true });
    assert.ok(seen.size >= 20, `only ${seen.size} statements seen`);
    assert.deepEqual(await withoutIndex(), []);
  });
});
