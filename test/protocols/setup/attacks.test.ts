import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import supertest from 'supertest';
import winston from 'winston';
import { buildApp } from '../../../src/app.ts';
import { ScimRequestLog } from '../../../src/domain/sources/index.ts';
import { MusterError } from '../../../src/errors.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { createDnsResolver } from '../../../src/infra/dns/index.ts';
import { createMetrics } from '../../../src/infra/metrics/index.ts';
import {
  type AdminApiDeps,
  allOperations,
  findOperation,
  invokeOperation,
} from '../../../src/protocols/admin-api/index.ts';
import type { Principal } from '../../../src/protocols/http/index.ts';
import { loggablePath } from '../../../src/protocols/http/request-context.ts';
import { adminToken, publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { type ConnectionBody, freshDomain, makeSamlConnection } from '../../support/connections.ts';
import { type ConsoleClient, csrfFor } from '../../support/console.ts';
import { startDnsServer, type TestDnsServer } from '../../support/dns-server.ts';
import { makeOrg } from '../../support/factories.ts';
import { type SamlWorld, samlWorld } from '../../support/saml-fixtures.ts';
import { buildResponse, idpMetadataXml, toFormValue } from '../../support/saml-idp.ts';
import { makeDirectory, scimClient, user } from '../../support/scim.ts';
import { chooseIdp, itAdmin, type MadeLink, makeSetupLink, postMetadata, reservedUrls } from './support.ts';

/**
 * The setup portal as an attacker meets it: a link used on another org's
 * things, forms with ids slipped in, a link that ended, forged forms,
 * hostile metadata and IdP answers, a token looked for where it should not
 * be, bodies too big, and redirects pointed elsewhere. The IT admin who
 * holds a link is trusted with that link's connection and directory, and
 * nothing else.
 */

const csrfRefused = /The form expired or came from another site|This form must be sent from this site/;
const evilOrigin = 'https://evil.example';
const secretOf = (page: string) => /<p class="secret">([^<]+)<\/p>/.exec(page)?.[1];

async function auditCount(t: TestApp, orgId: string): Promise<number> {
  const res = await t.admin.get(`/api/v1/orgs/${orgId}/audit-events?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.data as unknown[]).length;
}

/** What the portal must answer a refusal with: its own page (no JSON, no stack), the status. */
function assertPortalRefusal(
  res: supertest.Response,
  statuses: readonly number[],
  what: string,
  hidden = '',
) {
  assert.ok(statuses.includes(res.status), `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^text\/html/, `${what}: a page`);
  assert.doesNotMatch(res.text, /\n\s+at [^\n]+:\d+:\d+/, `${what}: no stack`);
  if (hidden) assert.ok(!res.text.includes(hidden), `${what}: nothing of the other org shows`);
}

/** The headers every portal answer carries, page, redirect or refusal. */
function assertPortalHeaders(res: supertest.Response, what: string) {
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: no-store`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.match(String(res.headers['strict-transport-security']), /max-age=\d{7,}/, `${what}: HSTS`);
  if (res.status >= 300 && res.status < 400) return;
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /default-src 'none'/, `${what}: CSP`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP frame-ancestors`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: CSP without unsafe-*`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
}

/**
 * An org whose IT admin went all the way through one link: okta over SAML,
 * a domain, the connection active, the SCIM directory made (its token
 * kept). Also a second link with OpenID Connect chosen and nothing made,
 * and a fresh link, so every portal form is on some page.
 */
async function portalWorld(t: TestApp, w: SamlWorld, mark: string) {
  const org = await makeOrg(t, `${mark} Org`);
  const link = await makeSetupLink(t, org.id, ['sso', 'scim']);
  const c = itAdmin(t);
  await chooseIdp(c, link, 'okta');
  const checked = await postMetadata(t, c, link, { xml: idpMetadataXml(w.idp) });
  assert.equal(checked.status, 303, checked.text.slice(0, 300));
  const domain = freshDomain(mark.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  const activated = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, { domains: domain });
  assert.equal(activated.status, 303, activated.text.slice(0, 300));
  const made = await c.submit(`${link.path}/scim`, `${link.path}/scim`, {});
  assert.equal(made.status, 200, made.text.slice(0, 300));
  const scimToken = secretOf(made.text) as string;
  const directoryId = (await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${link.id}`)).body
    .directoryId as string;
  assert.ok(scimToken && directoryId);
  const oidcLink = await makeSetupLink(t, org.id, ['sso', 'scim']);
  const oc = itAdmin(t);
  await chooseIdp(oc, oidcLink, 'entra', 'oidc');
  const fresh = await makeSetupLink(t, org.id, ['sso', 'scim']);
  return {
    org,
    link,
    c,
    domain,
    connectionId: link.connectionId as string,
    directoryId,
    scimToken,
    oidcLink,
    oc,
    fresh,
    fc: itAdmin(t),
  };
}

type World = Awaited<ReturnType<typeof portalWorld>>;

/** Every form of the portal: the link that shows it, its page, its action, and fields that would change something. */
interface PortalForm {
  readonly name: string;
  readonly on: (w: World) => { link: MadeLink; c: ConsoleClient };
  readonly page: string;
  readonly action: string;
  readonly fields: (w: World) => Record<string, string>;
  readonly multipart?: boolean;
}

const portalForms: readonly PortalForm[] = [
  {
    name: 'the choice of IdP',
    on: (w) => ({ link: w.fresh, c: w.fc }),
    page: '',
    action: '/idp',
    fields: () => ({ provider: 'okta', protocol: 'saml' }),
  },
  {
    name: 'the metadata check',
    on: (w) => ({ link: w.link, c: w.c }),
    page: '/sso',
    action: '/sso/metadata',
    fields: () => ({ url: 'https://idp.forged.test/metadata' }),
    multipart: true,
  },
  {
    name: 'the activation',
    on: (w) => ({ link: w.link, c: w.c }),
    page: '/sso',
    action: '/sso/activate',
    fields: () => ({}),
  },
  {
    name: 'the OIDC client',
    on: (w) => ({ link: w.oidcLink, c: w.oc }),
    page: '/sso',
    action: '/sso/oidc',
    fields: () => ({
      issuer: 'https://login.microsoftonline.com/7d0c1f3e-0000-4000-8000-000000000002/v2.0',
      clientId: 'forged',
      clientSecret: 'forged',
      domains: freshDomain('forged'),
    }),
  },
  {
    name: 'the domains',
    on: (w) => ({ link: w.link, c: w.c }),
    page: '/sso',
    action: '/sso/domains',
    fields: () => ({ domains: freshDomain('forged') }),
  },
  {
    name: 'the DNS check',
    on: (w) => ({ link: w.link, c: w.c }),
    page: '/sso',
    action: '/sso/verify',
    fields: (w) => ({ domain: w.domain }),
  },
  {
    name: 'the SCIM connection',
    on: (w) => ({ link: w.oidcLink, c: w.oc }),
    page: '/scim',
    action: '/scim',
    fields: () => ({}),
  },
  {
    name: 'a new SCIM token',
    on: (w) => ({ link: w.link, c: w.c }),
    page: '/scim',
    action: '/scim/token',
    fields: () => ({}),
  },
];

async function portalToken(w: World, form: PortalForm): Promise<string> {
  const { link, c } = form.on(w);
  const page = await c.get(`${link.path}${form.page}`);
  assert.equal(page.status, 200, `${form.name}: ${page.text.slice(0, 300)}`);
  return csrfFor(page.text, `${link.path}${form.action}`);
}

async function postPortal(
  t: TestApp,
  c: ConsoleClient,
  form: PortalForm,
  path: string,
  fields: Record<string, string>,
  csrf: string | undefined,
  headers: Record<string, string> = {},
): Promise<supertest.Response> {
  const all = { ...(csrf === undefined ? {} : { csrf }), ...fields };
  if (form.multipart) {
    let request = supertest(t.app).post(path).set('Cookie', c.cookie).set(headers);
    for (const [k, v] of Object.entries(all)) request = request.field(k, v);
    return request;
  }
  return supertest(t.app)
    .post(path)
    .set('Cookie', c.cookie)
    .set(headers)
    .type('form')
    .send(new URLSearchParams(all).toString());
}

/** What the link's org holds that a refused post must leave alone. */
async function snapshot(t: TestApp, w: World) {
  const connection = await t.admin.get(`/api/v1/orgs/${w.org.id}/connections/${w.connectionId}`);
  const tokens = await t.admin.get(`/api/v1/orgs/${w.org.id}/directories/${w.directoryId}/tokens`);
  const links = await t.admin.get(`/api/v1/orgs/${w.org.id}/setup-links`);
  return {
    audit: await auditCount(t, w.org.id),
    domains: (connection.body as ConnectionBody).domains.map((d) => [d.domain, d.verified]),
    tokens: (tokens.body.data as unknown[]).length,
    links: (links.body.data as { provider: string | null; directoryId: string | null }[]).map((l) => [
      l.provider,
      l.directoryId,
    ]),
    connections: (await t.admin.get(`/api/v1/orgs/${w.org.id}/connections`)).body.data.length,
    directories: (await t.admin.get(`/api/v1/orgs/${w.org.id}/directories`)).body.data.length,
  };
}

describe('setup portal attacks: what a link reaches', () => {
  let t: TestApp;
  let dns: TestDnsServer;
  let a: World;
  let b: World;
  let saml: SamlWorld;
  before(async () => {
    dns = await startDnsServer();
    t = await testApp({ dnsServers: [dns.address] });
    saml = await samlWorld();
    a = await portalWorld(t, saml, 'Alpha');
    b = await portalWorld(t, saml, 'Bravo');
  });
  after(() => dns.close());

  it("another org's (and its own org's other) connection and directory ids slipped into the forms change nothing of theirs", async () => {
    // Their domains' TXT records are published, so a check that reached them would verify them.
    const neighbour = await makeSamlConnection(t, a.org.id, saml.idp, {
      domains: [freshDomain('neighbour')],
    });
    const neighbourDir = await makeDirectory(t, a.org.id, 'okta');
    const bConnection = (await t.admin.get(`/api/v1/orgs/${b.org.id}/connections/${b.connectionId}`))
      .body as ConnectionBody;
    for (const d of [...bConnection.domains, ...neighbour.domains])
      dns.records.txt.set(d.verification.name, [d.verification.value]);
    const slipped = {
      org: b.org.id,
      connection: b.connectionId,
      connectionId: b.connectionId,
      reservedId: neighbour.id,
      dir: b.directoryId,
      directory: neighbourDir.id,
      directoryId: b.directoryId,
      link: b.link.id,
    };
    const before = [await snapshot(t, b), await auditCount(t, a.org.id)];
    const neighbourBefore = (await t.admin.get(`/api/v1/orgs/${a.org.id}/connections/${neighbour.id}`)).body;

    const attempts: [string, string, Record<string, string>, number[]][] = [
      [
        "verify the other org's domain",
        '/sso/verify',
        { domain: bConnection.domains[0]?.domain as string },
        [404],
      ],
      [
        "verify a neighbour connection's domain",
        '/sso/verify',
        { domain: neighbour.domains[0]?.domain as string },
        [404],
      ],
      [
        "claim the other org's domain",
        '/sso/domains',
        { domains: bConnection.domains[0]?.domain as string },
        [409],
      ],
      [
        "claim the neighbour's domain",
        '/sso/domains',
        { domains: neighbour.domains[0]?.domain as string },
        [409],
      ],
    ];
    for (const [what, action, fields, statuses] of attempts) {
      const res = await a.c.submit(`${a.link.path}/sso`, `${a.link.path}${action}`, {
        ...slipped,
        ...fields,
      });
      assertPortalRefusal(res, statuses, what, 'Bravo');
      assert.match(res.text, /role="alert"/, what);
    }
    // Forms that succeed act on the link's own connection and directory only.
    const ownDomain = freshDomain('own');
    const domains = await a.c.submit(`${a.link.path}/sso`, `${a.link.path}/sso/domains`, {
      ...slipped,
      domains: `${a.domain}, ${ownDomain}`,
    });
    assert.equal(domains.status, 303, domains.text.slice(0, 300));
    const token = await a.c.submit(`${a.link.path}/scim`, `${a.link.path}/scim/token`, slipped);
    assert.equal(token.status, 200, token.text.slice(0, 300));
    const own = (await t.admin.get(`/api/v1/orgs/${a.org.id}/connections/${a.connectionId}`))
      .body as ConnectionBody;
    assert.deepEqual(own.domains.map((d) => d.domain).sort(), [a.domain, ownDomain].sort());
    const ownTokens = await t.admin.get(`/api/v1/orgs/${a.org.id}/directories/${a.directoryId}/tokens`);
    assert.equal(ownTokens.body.data.length, 2, "the new token is the link's own directory's");

    assert.deepEqual([await snapshot(t, b), (await auditCount(t, a.org.id)) - 2], before);
    assert.deepEqual(
      (await t.admin.get(`/api/v1/orgs/${a.org.id}/connections/${neighbour.id}`)).body,
      neighbourBefore,
    );
    const neighbourTokens = await t.admin.get(
      `/api/v1/orgs/${a.org.id}/directories/${neighbourDir.id}/tokens`,
    );
    assert.equal(neighbourTokens.body.data.length, 1);
  });

  it("paths naming another org's or another link's things are no pages of the portal (404)", async () => {
    const paths = [
      `/connections/${b.connectionId}`,
      `/sso/${b.connectionId}`,
      `/scim/${b.directoryId}`,
      `/scim/${b.directoryId}/tokens`,
      `/directories/${b.directoryId}`,
      `/setup-links/${b.link.id}`,
      `/${b.link.token}`,
      '/sso/test-sign-in',
    ];
    for (const path of paths) {
      const res = await a.c.get(`${a.link.path}${path}`);
      assertPortalRefusal(res, [404], path, 'Bravo');
      assertPortalHeaders(res, path);
    }
    for (const path of [
      '/setup',
      '/setup/',
      `/setup/${b.link.token.slice(0, 42)}`,
      `/setup/${b.link.token}x`,
    ]) {
      const res = await supertest(t.app).get(path);
      assertPortalRefusal(res, [404], path, 'Bravo');
    }
  });

  it('a link for one feature opens nothing of the other, and makes nothing', async () => {
    const org = await makeOrg(t, 'Halves');
    const scimOnly = await makeSetupLink(t, org.id, ['scim']);
    const ssoOnly = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await chooseIdp(c, scimOnly, 'okta');
    await chooseIdp(c, ssoOnly, 'okta');
    const before = await auditCount(t, org.id);
    const tries: [MadeLink, string, string][] = [
      [scimOnly, 'get', '/sso'],
      [scimOnly, 'get', '/test-sign-in'],
      [scimOnly, 'post', '/sso/metadata'],
      [scimOnly, 'post', '/sso/activate'],
      [scimOnly, 'post', '/sso/oidc'],
      [scimOnly, 'post', '/sso/domains'],
      [scimOnly, 'post', '/sso/verify'],
      [ssoOnly, 'get', '/scim'],
      [ssoOnly, 'get', '/scim/test'],
      [ssoOnly, 'post', '/scim'],
      [ssoOnly, 'post', '/scim/token'],
    ];
    const start = await c.get(scimOnly.path);
    const csrf = /name="csrf" value="([^"]+)"/.exec(start.text)?.[1] ?? 'x';
    for (const [link, method, path] of tries) {
      const res =
        method === 'get'
          ? await c.get(`${link.path}${path}`)
          : await c.post(`${link.path}${path}`, {
              csrf,
              domains: freshDomain(),
              domain: 'x.test',
              issuer: 'https://idp.x.test',
              clientId: 'x',
              clientSecret: 'x',
            });
      assertPortalRefusal(res, [403, 404], `${method} ${path}`);
    }
    assert.equal(await auditCount(t, org.id), before, 'nothing changed');
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/connections`)).body.data.length, 0);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data.length, 0);
  });

  it('the setup principal is refused every admin API operation outside its allow-list', async () => {
    const deps: AdminApiDeps = {
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
    const allowed = new Set([
      'post /orgs/{org}/connections',
      'get /orgs/{org}/connections/{connection}',
      'patch /orgs/{org}/connections/{connection}',
      'post /orgs/{org}/connections/{connection}/domains/{domain}/verify',
      'post /orgs/{org}/directories',
      'get /orgs/{org}/directories/{dir}',
      'get /orgs/{org}/directories/{dir}/tokens',
      'post /orgs/{org}/directories/{dir}/tokens',
      'delete /orgs/{org}/directories/{dir}/tokens/{token}',
      'get /orgs/{org}/directories/{dir}/requests',
    ]);
    const principal: Principal = {
      kind: 'setup_link',
      orgId: a.org.id,
      linkId: a.link.id,
      features: ['sso', 'scim'],
      connectionId: a.connectionId,
      directoryId: a.directoryId,
    };
    // Every path value is the link's own where it has one: the operation itself is what is refused.
    const own: Record<string, string> = {
      org: a.org.id,
      connection: a.connectionId,
      dir: a.directoryId,
      reservedId: a.connectionId,
      domain: a.domain,
    };
    const refused = async (what: string, run: () => Promise<unknown>) =>
      assert.rejects(run, (error: unknown) => {
        assert.ok(error instanceof MusterError, `${what}: ${String(error)}`);
        assert.equal(error.code, 'forbidden', what);
        return true;
      });
    const before = [await auditCount(t, a.org.id), await auditCount(t, b.org.id)];
    let outside = 0;
    for (const op of allOperations) {
      const key = `${op.method} ${op.path}`;
      if (allowed.has(key)) continue;
      outside += 1;
      const params = Object.fromEntries(
        [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, own[name as string] ?? a.link.id]),
      );
      await refused(key, () => invokeOperation(deps, op, principal, 'attack', { params, body: {} }));
    }
    assert.ok(outside >= 30, `${outside} operations are outside the allow-list`);
    // The allowed ones, on the other org's or a neighbour's things.
    const elsewhere: [string, 'get' | 'post' | 'patch' | 'delete', string, Record<string, string>][] = [
      [
        "read the other org's connection",
        'get',
        '/orgs/{org}/connections/{connection}',
        { org: b.org.id, connection: b.connectionId },
      ],
      [
        "the other org's id with the link's own connection",
        'get',
        '/orgs/{org}/connections/{connection}',
        { org: b.org.id, connection: a.connectionId },
      ],
      [
        "change the other org's connection",
        'patch',
        '/orgs/{org}/connections/{connection}',
        { org: a.org.id, connection: b.connectionId },
      ],
      [
        "verify the other org's domain",
        'post',
        '/orgs/{org}/connections/{connection}/domains/{domain}/verify',
        { org: b.org.id, connection: b.connectionId, domain: b.domain },
      ],
      [
        "read the other org's directory",
        'get',
        '/orgs/{org}/directories/{dir}',
        { org: a.org.id, dir: b.directoryId },
      ],
      [
        "make a token for the other org's directory",
        'post',
        '/orgs/{org}/directories/{dir}/tokens',
        { org: b.org.id, dir: b.directoryId },
      ],
      [
        "read the other org's request log",
        'get',
        '/orgs/{org}/directories/{dir}/requests',
        { org: b.org.id, dir: a.directoryId },
      ],
      ['make a second directory', 'post', '/orgs/{org}/directories', { org: a.org.id }],
      [
        'make a connection under another id',
        'post',
        '/orgs/{org}/connections',
        { org: a.org.id, reservedId: b.connectionId },
      ],
    ];
    for (const [what, method, path, params] of elsewhere)
      await refused(what, () =>
        invokeOperation(deps, findOperation(method, path), principal, 'attack', {
          params,
          body: method === 'patch' ? { jit: false } : { name: 'x', provider: 'okta' },
        }),
      );
    assert.deepEqual([await auditCount(t, a.org.id), await auditCount(t, b.org.id)], before);
  });
});

describe('setup portal attacks: a link that ended', () => {
  let t: TestApp;
  let saml: SamlWorld;
  before(async () => {
    t = await testApp();
    saml = await samlWorld();
  });

  const ends: [string, (t: TestApp, w: World) => Promise<void>, RegExp][] = [
    [
      'revoked',
      async (t, w) => {
        for (const link of [w.link, w.oidcLink, w.fresh])
          assert.equal((await t.admin.delete(`/api/v1/orgs/${w.org.id}/setup-links/${link.id}`)).status, 200);
      },
      /This setup link was revoked/,
    ],
    [
      'expired',
      async (t, w) => {
        await t.database.db
          .updateTable('setup_links')
          .set({ expires_at: new Date(Date.now() - 1000) })
          .where('org_id', '=', w.org.id)
          .execute();
      },
      /This setup link has expired/,
    ],
  ];

  for (const [how, end, says] of ends)
    it(`a link ${how} after its forms were opened: every form and page answers 410 and changes nothing`, async () => {
      const w = await portalWorld(t, saml, `Ended ${how}`);
      const tokens = new Map<PortalForm, string>();
      for (const form of portalForms) tokens.set(form, await portalToken(w, form));
      await end(t, w);
      const before = await snapshot(t, w);
      for (const form of portalForms) {
        const { link, c } = form.on(w);
        const res = await postPortal(
          t,
          c,
          form,
          `${link.path}${form.action}`,
          form.fields(w),
          tokens.get(form),
        );
        assertPortalRefusal(res, [410], `${form.name} once ${how}`);
        assert.match(res.text, says, form.name);
        assertPortalHeaders(res, form.name);
      }
      for (const path of ['', '/sso', '/scim', '/scim/test', '/test-sign-in']) {
        const res = await w.c.get(`${w.link.path}${path}`);
        assertPortalRefusal(res, [410], `GET ${path || '/'} once ${how}`);
        assert.ok(!res.text.includes(w.domain), 'nothing of the setup shows');
      }
      assert.deepEqual(await snapshot(t, w), before);
    });
});

describe('setup portal attacks: forged forms (CSRF)', () => {
  let t: TestApp;
  let a: World;
  let b: World;
  before(async () => {
    t = await testApp();
    const saml = await samlWorld();
    a = await portalWorld(t, saml, 'Alpha');
    b = await portalWorld(t, saml, 'Bravo');
  });

  async function refusedEverywhere(attempt: (form: PortalForm) => Promise<supertest.Response>) {
    const before = [await snapshot(t, a), await snapshot(t, b)];
    for (const form of portalForms) {
      const res = await attempt(form);
      assertPortalRefusal(res, [403], form.name);
      assert.match(res.text, csrfRefused, form.name);
      assertPortalHeaders(res, form.name);
    }
    assert.deepEqual([await snapshot(t, a), await snapshot(t, b)], before);
  }

  const target = (form: PortalForm) => `${form.on(a).link.path}${form.action}`;

  it('a portal form posted without its CSRF field is refused', async () => {
    await refusedEverywhere((form) =>
      postPortal(t, form.on(a).c, form, target(form), form.fields(a), undefined),
    );
  });

  it('a portal form posted with the CSRF field of another of its forms is refused', async () => {
    const tokens = await Promise.all(portalForms.map((f) => portalToken(a, f)));
    await refusedEverywhere((form) => {
      const i = portalForms.indexOf(form);
      // Another form of the same link where the page has one; else the other link's token of the same browser.
      const sameLink = portalForms.findIndex((f, j) => j !== i && f.on(a).link === form.on(a).link);
      return postPortal(
        t,
        form.on(a).c,
        form,
        target(form),
        form.fields(a),
        tokens[sameLink >= 0 ? sameLink : (i + 1) % tokens.length],
      );
    });
  });

  it("a portal form posted with the same form's CSRF field of another link is refused", async () => {
    await refusedEverywhere(async (form) => {
      // The other org's link, opened in the same browser: one CSRF cookie, two links.
      const { c } = form.on(a);
      const otherLink = form.on(b).link;
      const page = await c.get(`${otherLink.path}${form.page}`);
      const csrf = csrfFor(page.text, `${otherLink.path}${form.action}`);
      return postPortal(t, c, form, target(form), form.fields(a), csrf);
    });
  });

  it('a portal form posted from another site (a foreign Origin) is refused, even with its CSRF field', async () => {
    await refusedEverywhere(async (form) =>
      postPortal(t, form.on(a).c, form, target(form), form.fields(a), await portalToken(a, form), {
        Origin: evilOrigin,
      }),
    );
  });
});

const hostile = `Evil"><img src=x onerror=alert(1)><script>alert(1)</script>'`;

function assertInert(text: string, what: string) {
  assert.doesNotMatch(text, /<script/i, `${what}: no script element`);
  assert.doesNotMatch(text, /<img/i, `${what}: no element from a value`);
  assert.ok(!text.includes(hostile.slice(0, 7)), `${what}: the value's quote stays escaped`);
  for (const [, href] of text.matchAll(/href="([^"]*)"/g)) {
    const link = (href ?? '').replace(/&amp;/g, '&');
    assert.ok(
      (link.startsWith('/') && !link.startsWith('//')) ||
        link.startsWith('#') ||
        link.startsWith(`${publicUrl}/`),
      `${what}: the link ${link} stays on Muster`,
    );
  }
}

describe('setup portal attacks: hostile values', () => {
  let t: TestApp;
  let dns: TestDnsServer;
  let saml: SamlWorld;
  before(async () => {
    dns = await startDnsServer();
    t = await testApp({ dnsServers: [dns.address] });
    saml = await samlWorld();
  });
  after(() => dns.close());

  it('a hostile org name, metadata, IdP answers and SCIM requests are shown escaped on every portal page', async () => {
    const w = await portalWorld(t, saml, 'Hostile');
    assert.equal((await t.admin.patch(`/api/v1/orgs/${w.org.id}`, { name: hostile })).status, 200);
    // A test sign-in whose answer carries hostile attribute names and values, groups and a hostile subject.
    const started = await supertest(t.app).get(`${w.link.path}/test-sign-in`).set('Cookie', w.c.cookie);
    assert.equal(started.status, 302, started.text.slice(0, 300));
    const xml = inflateRawSync(
      Buffer.from(new URL(String(started.headers.location)).searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString();
    const urls = reservedUrls(w.link, publicUrl);
    const answer = await buildResponse(saml.idp, {
      acsUrl: urls.acsUrl,
      audience: urls.spEntityId,
      now: new Date(),
      inResponseTo: /\bID="([^"]+)"/.exec(xml)?.[1] as string,
      nameId: `ada@${w.domain}`,
      attributes: {
        email: [`ada@${w.domain}`],
        firstName: [hostile],
        [hostile]: [hostile, 'javascript:alert(1)'],
        groups: [hostile, `${hostile} two`],
      },
    });
    const cookie = ((started.headers['set-cookie'] as unknown as string[]) ?? [])
      .map((l) => l.split(';')[0])
      .join('; ');
    const acs = await supertest(t.app)
      .post(`/sso/saml/${w.connectionId}/acs`)
      .type('form')
      .set('Cookie', cookie)
      .send(new URLSearchParams({ SAMLResponse: toFormValue(answer) }).toString());
    assert.equal(acs.status, 303, acs.text.slice(0, 300));
    // SCIM requests with hostile paths and filters, for the Test SCIM page.
    const scim = scimClient(t, w.directoryId, w.scimToken);
    await scim.get(`/Users/${encodeURIComponent(hostile)}`);
    await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${hostile}"`)}`);
    await scim.post(
      '/Users',
      user(`hostile@${w.domain}`, { displayName: hostile, name: { givenName: hostile } }),
    );
    // Metadata with a hostile entity id, checked (a warning names it) but not applied.
    const checked = await postMetadata(t, w.c, w.link, {
      xml: idpMetadataXml({ ...saml.idp, entityId: `https://idp.hostile.test/?q=${hostile}` }),
    });
    assert.equal(checked.status, 303);

    const pages: [string, supertest.Response][] = [];
    for (const path of ['', '/sso', '/scim', '/scim/test'])
      pages.push([path || '/', await w.c.get(`${w.link.path}${path}`)]);
    // A metadata URL that cannot be read, the finding naming it.
    const unread = await postMetadata(t, w.c, w.link, {
      url: `https://idp.hostile.test/${encodeURIComponent(hostile)}?x=${hostile}`,
    });
    assert.equal(unread.status, 303);
    pages.push(['an unreadable metadata URL', await w.c.get(`${w.link.path}/sso`)]);
    const typed: [string, string, Record<string, string>][] = [
      ['hostile domains', '/sso/domains', { domains: hostile }],
      ['a hostile domain to check', '/sso/verify', { domain: hostile }],
    ];
    for (const [what, action, fields] of typed)
      pages.push([what, await w.c.submit(`${w.link.path}/sso`, `${w.link.path}${action}`, fields)]);
    pages.push([
      'a hostile OIDC client',
      await w.oc.submit(`${w.oidcLink.path}/sso`, `${w.oidcLink.path}/sso/oidc`, {
        issuer: hostile,
        clientId: hostile,
        clientSecret: hostile,
        domains: hostile,
      }),
    ]);
    pages.push([
      'the choice of a hostile IdP',
      await w.fc.submit(w.fresh.path, `${w.fresh.path}/idp`, { provider: hostile, protocol: hostile }),
    ]);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${w.org.id}/setup-links/${w.fresh.id}`)).status, 200);
    pages.push(['the revoked page', await w.fc.get(w.fresh.path)]);

    let shown = 0;
    for (const [what, res] of pages) {
      assert.ok(res.status < 500, `${what}: ${res.status}`);
      assertInert(res.text, what);
      if (res.text.includes('&lt;img src=x onerror=alert(1)&gt;')) shown += 1;
    }
    assert.ok(shown >= 8, `the hostile value is on ${shown} pages, escaped`);
    const sso = pages.find(([what]) => what === '/sso')?.[1].text ?? '';
    assert.ok(
      sso.includes('<code>Evil&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'),
      'the test sign-in shows the values, escaped',
    );
    assert.ok(!sso.includes('href="javascript'), 'an attribute value is never a link');
  });
});

/** The app over the test database with a logger that keeps every line, as the process would write them. */
async function loggedApp(t: TestApp): Promise<{ t: TestApp; lines: string[] }> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  const app = buildApp({
    config: { bodyLimitBytes: 1024 * 1024, publicUrl },
    adminToken,
    db: t.database.db,
    logger,
    metrics: createMetrics(() => t.database.stats(), { defaultMetrics: false }),
  });
  return { t: { ...t, app, http: supertest.agent(app) }, lines };
}

describe('setup portal attacks: secrets', () => {
  it('the setup token is in no log line and no metric, whatever the request and its answer', async () => {
    const base = await testApp();
    const { t, lines } = await loggedApp(base);
    const org = await makeOrg(base, 'Logged');
    const link = await makeSetupLink(base, org.id, ['scim']);
    const c = itAdmin(t);
    const requests: [string, () => Promise<supertest.Response>][] = [
      ['the start page', () => c.get(link.path)],
      ['a forged form (403)', () => c.post(`${link.path}/idp`, { provider: 'okta' })],
      ['a step the link is not for (404)', () => c.get(`${link.path}/sso`)],
      ['a path that is no page (404)', () => c.get(`${link.path}/nowhere`)],
      ['a method the portal does not take (405)', () => supertest(t.app).delete(`${link.path}/idp`)],
      ['a form too big (413)', () => c.post(`${link.path}/idp`, { provider: 'x'.repeat(70 * 1024) })],
      ['the choice of IdP', () => c.submit(link.path, `${link.path}/idp`, { provider: 'okta' })],
      ['the SCIM step', () => c.get(`${link.path}/scim`)],
      ['the SCIM connection', () => c.submit(`${link.path}/scim`, `${link.path}/scim`, {})],
      ['the Test SCIM page', () => c.get(`${link.path}/scim/test`)],
      [
        'a metadata upload for a link without SSO',
        () => c.post(`${link.path}/sso/metadata`, { url: 'https://x.test' }),
      ],
    ];
    for (const [what, send] of requests) {
      const res = await send();
      assert.ok(res.status < 500, `${what}: ${res.status}`);
    }
    assert.equal((await base.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${link.id}`)).status, 200);
    assert.equal((await c.get(link.path)).status, 410);
    await new Promise((resolve) => setImmediate(resolve));
    const requestLines = lines.filter((l) => l.includes('"message":"request"'));
    assert.ok(requestLines.length >= requests.length, `${requestLines.length} request lines were written`);
    for (const line of lines) assert.ok(!line.includes(link.token), `a log line names the token: ${line}`);
    assert.ok(
      requestLines.some((l) => l.includes('"path":"/setup/:token/idp"') && l.includes('"status":403')),
    );
    const metrics = await t.http.get('/metrics');
    assert.ok(!metrics.text.includes(link.token), 'no metric label names the token');
    assert.equal(loggablePath(`/setup/${link.token}/scim/test`), '/setup/:token/scim/test');
  });

  it('a SCIM token made in the portal is shown in that answer only, and the setup token is in no audit entry', async () => {
    const t = await testApp();
    const w = await portalWorld(t, await samlWorld(), 'Secret');
    const made = await w.c.submit(`${w.link.path}/scim`, `${w.link.path}/scim/token`, {});
    const second = secretOf(made.text) as string;
    assert.match(second, /^muster_scim_/);
    assert.equal(made.headers['cache-control'], 'no-store');
    assert.equal(made.headers.location, undefined);
    for (const secret of [w.scimToken, second]) {
      assert.ok(!JSON.stringify(made.headers).includes(secret));
      for (const path of ['', '/sso', '/scim', '/scim/test']) {
        const page = await w.c.get(`${w.link.path}${path}`);
        assert.ok(!page.text.includes(secret), `a SCIM token on ${path || '/'}`);
      }
    }
    await supertest(t.app).get(`${w.link.path}/test-sign-in`).set('Cookie', w.c.cookie);
    const audit = await t.admin.get(`/api/v1/orgs/${w.org.id}/audit-events?limit=200`);
    const text = JSON.stringify(audit.body);
    assert.ok(!text.includes(w.link.token), 'the setup token');
    assert.ok(!text.includes(w.scimToken) && !text.includes(second), 'a SCIM token');
  });
});

describe('setup portal attacks: headers, bodies and methods', () => {
  let t: TestApp;
  let w: World;
  before(async () => {
    t = await testApp();
    w = await portalWorld(t, await samlWorld(), 'Bodies');
  });

  it('every portal page, redirect and refusal sends a strict CSP, no framing, nosniff, no Referer, HSTS and no-store', async () => {
    const answers: [string, () => Promise<supertest.Response>][] = [
      ['the start page', () => w.c.get(w.link.path)],
      ['the SSO step', () => w.c.get(`${w.link.path}/sso`)],
      ['the SCIM step', () => w.c.get(`${w.link.path}/scim`)],
      ['Test SCIM', () => w.c.get(`${w.link.path}/scim/test`)],
      ['the OIDC step', () => w.oc.get(`${w.oidcLink.path}/sso`)],
      [
        'a redirect after a change',
        () => w.c.submit(`${w.link.path}/sso`, `${w.link.path}/sso/domains`, { domains: w.domain }),
      ],
      [
        'the redirect to the IdP',
        () => supertest(t.app).get(`${w.link.path}/test-sign-in`).set('Cookie', w.c.cookie),
      ],
      ['an unknown link (404)', () => supertest(t.app).get(`/setup/${'A'.repeat(43)}`)],
      ['a forged form (403)', () => w.c.post(`${w.link.path}/sso/domains`, { domains: 'x.test' })],
      ['a path that is no page (404)', () => w.c.get(`${w.link.path}/nowhere`)],
      [
        'a refusal beside its form (409)',
        () =>
          w.fc
            .submit(w.fresh.path, `${w.fresh.path}/idp`, { provider: 'okta', protocol: 'saml' })
            .then(() =>
              w.c.submit(`${w.link.path}/sso`, `${w.link.path}/sso/domains`, { domains: freshDomain('x') }),
            ),
      ],
    ];
    for (const [what, send] of answers) {
      const res = await send();
      assertPortalHeaders(res, what);
    }
  });

  it('a form over its size or field limits, and a metadata upload too big, of two files or not text, are refused with a page', async () => {
    const before = await snapshot(t, w);
    const domainsToken = () =>
      w.c.get(`${w.link.path}/sso`).then((p) => csrfFor(p.text, `${w.link.path}/sso/domains`));
    const metadataToken = () =>
      w.c.get(`${w.link.path}/sso`).then((p) => csrfFor(p.text, `${w.link.path}/sso/metadata`));
    const many: Record<string, string> = { csrf: await domainsToken() };
    for (let i = 0; i < 60; i += 1) many[`f${i}`] = 'x';
    const multipart = async (attach: (r: supertest.Test) => supertest.Test) =>
      attach(
        supertest(t.app)
          .post(`${w.link.path}/sso/metadata`)
          .set('Cookie', w.c.cookie)
          .field('csrf', await metadataToken()),
      );
    const cases: [string, () => Promise<supertest.Response>, number, RegExp][] = [
      [
        'a form over 64 KiB',
        async () =>
          w.c.post(`${w.link.path}/sso/domains`, {
            csrf: await domainsToken(),
            domains: 'x'.repeat(70 * 1024),
          }),
        413,
        /larger than allowed/,
      ],
      [
        'a form of 60 fields',
        async () => w.c.post(`${w.link.path}/sso/domains`, many),
        400,
        /could not be read/,
      ],
      [
        'a JSON body instead of a form',
        async () =>
          supertest(t.app)
            .post(`${w.link.path}/sso/domains`)
            .set('Cookie', w.c.cookie)
            .send({ csrf: await domainsToken(), domains: 'x.test' }),
        403,
        csrfRefused,
      ],
      [
        'metadata over 1 MiB',
        () => multipart((r) => r.attach('file', Buffer.alloc(1024 * 1024 + 10, 'a'), 'big.xml')),
        400,
        /larger than 1 MiB/,
      ],
      [
        'metadata that is not text',
        () => multipart((r) => r.attach('file', Buffer.from([0x3c, 0x00, 0xff, 0xfe]), 'md.xml')),
        400,
        /not XML text/,
      ],
      [
        'two metadata files',
        () =>
          multipart((r) =>
            r.attach('file', Buffer.from('<a/>'), 'a.xml').attach('file', Buffer.from('<b/>'), 'b.xml'),
          ),
        400,
        /could not be read/,
      ],
      [
        'metadata given two ways',
        () =>
          multipart((r) =>
            r.field('url', 'https://idp.x.test/md').attach('file', Buffer.from('<a/>'), 'a.xml'),
          ),
        400,
        /one way only/,
      ],
    ];
    for (const [what, send, status, reason] of cases) {
      const res = await send();
      assertPortalRefusal(res, [status], what);
      assert.match(res.text, reason, what);
      assert.match(res.text, /role="alert"/, what);
      assertPortalHeaders(res, what);
    }
    assert.deepEqual(await snapshot(t, w), before);
  });

  it('methods the portal does not take are 405 pages with Allow', async () => {
    for (const method of ['put', 'patch', 'delete'] as const)
      for (const path of ['', '/idp', '/sso', '/sso/domains', '/scim/token']) {
        const res = await supertest(t.app)[method](`${w.link.path}${path}`).set('Cookie', w.c.cookie);
        assertPortalRefusal(res, [405], `${method.toUpperCase()} ${path || '/'}`);
        assert.equal(res.headers.allow, 'GET, HEAD, POST');
        assertPortalHeaders(res, `${method} ${path}`);
      }
  });
});

describe('setup portal attacks: redirects', () => {
  it('no returnTo, redirect or next value sends the IT admin off the portal, the test sign-in included', async () => {
    const t = await testApp();
    const saml = await samlWorld();
    const w = await portalWorld(t, saml, 'Redirects');
    const off = { returnTo: 'https://evil.example/', redirect: '//evil.example', next: '/\\evil.example' };
    const chose = await w.fc.submit(w.fresh.path, `${w.fresh.path}/idp`, {
      provider: 'okta',
      protocol: 'saml',
      ...off,
    });
    assert.equal(chose.headers.location, `${w.fresh.path}/sso`);
    const domains = await w.c.submit(`${w.link.path}/sso`, `${w.link.path}/sso/domains`, {
      domains: w.domain,
      ...off,
    });
    assert.equal(domains.headers.location, `${w.link.path}/sso#domains-section`);

    const started = await supertest(t.app)
      .get(`${w.link.path}/test-sign-in?${new URLSearchParams(off)}`)
      .set('Cookie', w.c.cookie);
    assert.equal(started.status, 302);
    const location = new URL(String(started.headers.location));
    assert.equal(`${location.origin}${location.pathname}`, saml.idp.ssoUrl, 'to the IdP, and nowhere else');
    assert.equal(location.searchParams.get('RelayState'), null, 'the way back is kept at Muster');
    const xml = inflateRawSync(
      Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString();
    const urls = reservedUrls(w.link, publicUrl);
    const answer = await buildResponse(saml.idp, {
      acsUrl: urls.acsUrl,
      audience: urls.spEntityId,
      now: new Date(),
      inResponseTo: /\bID="([^"]+)"/.exec(xml)?.[1] as string,
      nameId: `ada@${w.domain}`,
      attributes: { email: [`ada@${w.domain}`] },
    });
    const cookie = ((started.headers['set-cookie'] as unknown as string[]) ?? [])
      .map((l) => l.split(';')[0])
      .join('; ');
    const back = await supertest(t.app)
      .post(`/sso/saml/${w.connectionId}/acs`)
      .type('form')
      .set('Cookie', cookie)
      .send(
        new URLSearchParams({
          SAMLResponse: toFormValue(answer),
          RelayState: 'https://evil.example/',
        }).toString(),
      );
    assert.equal(back.status, 303, back.text.slice(0, 300));
    assert.equal(back.headers.location, `${publicUrl}/setup/return/${w.link.id}`);
    const home = await supertest(t.app).get(`/setup/return/${w.link.id}`).set('Cookie', cookie);
    assert.equal(home.headers.location, `${w.link.path}/sso#test`, 'back to the portal, and nowhere else');
  });
});
