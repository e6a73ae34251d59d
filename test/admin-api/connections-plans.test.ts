import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import {
  connectionForDomain,
  connectionsOfOrg,
  flagConnectionHealth,
  isDomainVerified,
  samlConnectionFor,
} from '../../src/domain/sources/index.ts';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import { type Database, migrate, openDatabase } from '../../src/storage/index.ts';
import { appOn } from '../support/app.ts';
import {
  type ConnectionBody,
  freshDomain,
  makeJobsDue,
  startMetadataServer,
} from '../support/connections.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { samlWorld } from '../support/saml-fixtures.ts';
import { idpMetadataXml } from '../support/saml-idp.ts';

/**
 * Every statement the connection endpoints, their refresh job and the
 * sign-in lookups make must be able to use an index: with sequential scans
 * priced out, a plan that still scans a table sequentially has none.
 */
const seen = new Map<string, readonly unknown[]>();

async function open(): Promise<Database> {
  const onQuery = (sql: string, parameters: readonly unknown[]) => {
    if (/^\s*(select|update|delete|with)\b/i.test(sql) && !seen.has(sql)) seen.set(sql, parameters);
  };
  const image = process.env.MUSTER_TEST_PGLITE_IMAGE;
  if (image) return openDatabase({ memory: true, image: new Blob([readFileSync(image)]), onQuery });
  const database = await openDatabase({ memory: true, onQuery });
  await migrate(database);
  return database;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

async function withoutIndex(database: Database): Promise<string[]> {
  return database.withSession(async (session) => {
    await session.exec('set enable_seqscan = off');
    const found: string[] = [];
    for (const [sql, parameters] of seen) {
      const { rows } = await session.query(`explain (format json) ${sql}`, parameters);
      const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
      for (const table of seqScans(plan)) found.push(`${table}: ${sql}`);
    }
    await session.exec('reset enable_seqscan');
    return found;
  });
}

describe('query plans of connections', () => {
  it('every statement of the connection endpoints, the refresh and the sign-in lookups can use an index', async () => {
    const database = await open();
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
    assert.deepEqual(await withoutIndex(database), []);
  });
});
