import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ScimRequestLog } from '../../../src/domain/sources/index.ts';
import { MusterError } from '../../../src/errors.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { createDnsResolver } from '../../../src/infra/dns/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { type AdminApiDeps, findOperation, invokeOperation } from '../../../src/protocols/admin-api/index.ts';
import type { Principal } from '../../../src/protocols/http/index.ts';
import { generateSamlKeyPair } from '../../../src/protocols/saml/index.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { freshDomain, makeSamlConnection } from '../../support/connections.ts';
import { makeOrg } from '../../support/factories.ts';
import { idpMetadataXml, type TestIdp } from '../../support/saml-idp.ts';
import { makeDirectory } from '../../support/scim.ts';

/**
 * A setup link acts through the admin API as a principal of its own, which
 * reaches the connection it reserved and the directory it made, and
 * nothing else: not another connection of its org, not another org.
 */
describe('setup portal: what a setup link may do through the admin API', () => {
  let t: TestApp;
  let deps: AdminApiDeps;
  let idp: TestIdp;
  before(async () => {
    t = await testApp();
    deps = {
      db: t.database.db,
      publicUrl,
      scimRequestLog: new ScimRequestLog(t.database.db),
      sso: {
        secretBox: new SecretBox(developmentMasterKey),
        dns: createDnsResolver(),
        allowInsecureLoopback: false,
      },
      webhooks: { allowPrivateNetworks: false },
    };
    const keys = await generateSamlKeyPair({ commonName: 'scope idp' });
    idp = { entityId: 'https://idp.scope.test/saml', ssoUrl: 'https://idp.scope.test/sso', keys };
  });

  const call = (
    principal: Principal,
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    params: Record<string, string>,
    body?: unknown,
  ) => invokeOperation(deps, findOperation(method, path), principal, 'scope-test', { params, body });

  async function refused(promise: Promise<unknown>, what: string) {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof MusterError, `${what}: ${String(error)}`);
      assert.equal(error.code, 'forbidden', what);
      return true;
    });
  }

  const samlBody = () => ({
    protocol: 'saml',
    provider: 'okta',
    domains: [freshDomain()],
    saml: { metadataXml: idpMetadataXml(idp) },
  });

  it('makes and reads its own connection, and no other', async () => {
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const reserved = newId();
    const link: Principal = {
      kind: 'setup_link',
      orgId: org.id,
      linkId: newId(),
      features: ['sso', 'scim'],
      connectionId: reserved,
    };
    const own = { org: org.id };
    await refused(
      call(link, 'post', '/orgs/{org}/connections', own, samlBody()),
      'a connection without its reserved id',
    );
    await refused(
      call(link, 'post', '/orgs/{org}/connections', { ...own, reservedId: newId() }, samlBody()),
      'a connection with another id',
    );
    const made = await call(
      link,
      'post',
      '/orgs/{org}/connections',
      { ...own, reservedId: reserved },
      samlBody(),
    );
    assert.equal((made.encoded as { id: string }).id, reserved);
    const read = await call(link, 'get', '/orgs/{org}/connections/{connection}', {
      ...own,
      connection: reserved.toUpperCase(),
    });
    assert.equal((read.encoded as { id: string }).id, reserved);

    const neighbour = await makeSamlConnection(t, org.id, idp);
    await refused(
      call(link, 'get', '/orgs/{org}/connections/{connection}', { ...own, connection: neighbour.id }),
      'read another connection',
    );
    await refused(
      call(
        link,
        'patch',
        '/orgs/{org}/connections/{connection}',
        { ...own, connection: neighbour.id },
        { jit: false },
      ),
      'change another connection',
    );
    await refused(
      call(link, 'delete', '/orgs/{org}/connections/{connection}', { ...own, connection: reserved }),
      'delete its own connection',
    );
    await refused(call(link, 'get', '/orgs/{org}/connections', own), 'list the connections');
    await refused(
      call(link, 'post', '/orgs/{org}/connections/{connection}/domains/{domain}/verify', {
        ...own,
        connection: neighbour.id,
        domain: neighbour.domains[0]?.domain ?? '',
      }),
      "verify another connection's domain",
    );
    for (const [method, path] of [
      ['get', '/orgs/{org}'],
      ['get', '/orgs/{org}/members'],
      ['post', '/orgs/{org}/api-keys'],
      ['get', '/orgs/{org}/setup-links'],
      ['post', '/orgs/{org}/setup-links'],
      ['get', '/orgs/{org}/audit-events'],
      ['get', '/orgs/{org}/directories'],
    ] as const)
      await refused(call(link, method, path, own, {}), `${method} ${path}`);
    await refused(
      call(link, 'get', '/orgs/{org}/connections/{connection}', { org: other.id, connection: reserved }),
      'another org',
    );
    await refused(call(link, 'get', '/orgs', {}), 'the list of orgs');
  });

  it('makes one directory, then reaches it, its tokens and its log, and no other directory', async () => {
    const org = await makeOrg(t);
    const own = { org: org.id };
    const scimOnly: Principal = { kind: 'setup_link', orgId: org.id, linkId: newId(), features: ['scim'] };
    await refused(
      call(scimOnly, 'post', '/orgs/{org}/connections', { ...own, reservedId: newId() }, samlBody()),
      'a connection from a SCIM-only link',
    );
    const made = await call(scimOnly, 'post', '/orgs/{org}/directories', own, {
      name: 'Okta',
      provider: 'okta',
    });
    const dir = (made.encoded as { id: string }).id;
    const withDirectory: Principal = { ...scimOnly, directoryId: dir };
    await refused(
      call(withDirectory, 'post', '/orgs/{org}/directories', own, { name: 'Again', provider: 'okta' }),
      'a second directory',
    );
    for (const [method, path] of [
      ['get', '/orgs/{org}/directories/{dir}'],
      ['get', '/orgs/{org}/directories/{dir}/tokens'],
      ['get', '/orgs/{org}/directories/{dir}/requests'],
    ] as const)
      await call(withDirectory, method, path, { ...own, dir });
    const token = await call(withDirectory, 'post', '/orgs/{org}/directories/{dir}/tokens', { ...own, dir });
    await call(withDirectory, 'delete', '/orgs/{org}/directories/{dir}/tokens/{token}', {
      ...own,
      dir,
      token: (token.encoded as { id: string }).id,
    });
    const neighbour = await makeDirectory(t, org.id);
    for (const [method, path] of [
      ['get', '/orgs/{org}/directories/{dir}'],
      ['get', '/orgs/{org}/directories/{dir}/tokens'],
      ['post', '/orgs/{org}/directories/{dir}/tokens'],
      ['get', '/orgs/{org}/directories/{dir}/requests'],
      ['delete', '/orgs/{org}/directories/{dir}/tokens/{token}'],
    ] as const)
      await refused(
        call(withDirectory, method, path, { ...own, dir: neighbour.id, token: neighbour.tokenId }),
        `${method} ${path}`,
      );
    await refused(
      call(withDirectory, 'patch', '/orgs/{org}/directories/{dir}', { ...own, dir }, { name: 'x' }),
      'rename its directory',
    );
    await refused(
      call(withDirectory, 'delete', '/orgs/{org}/directories/{dir}', { ...own, dir }),
      'delete its directory',
    );
  });
});
