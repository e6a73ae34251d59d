import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import supertest from 'supertest';
import { developmentMasterKey } from '../../../src/infra/crypto/index.ts';
import { OperatorSessions } from '../../../src/protocols/console/viewer.ts';
import { adminToken, publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { freshDomain, makeSamlConnection } from '../../support/connections.ts';
import { ConsoleClient, consoleMember, csrfFor } from '../../support/console.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { makeMapping, pushGroup, pushUsers } from '../../support/mappings.ts';
import { type SamlWorld, samlWorld } from '../../support/saml-fixtures.ts';
import { idpMetadataXml } from '../../support/saml-idp.ts';
import { makeDirectory, patchOp, scimClient, user } from '../../support/scim.ts';
import { localMember } from '../login/support.ts';

/**
 * The console as an attacker meets it: another org's admin, a forged form,
 * a stale or forged cookie, an admin reaching for ownership, hostile names,
 * a secret looked for where it should not be, bodies too big, and
 * redirects pointed elsewhere. Each attack is a case of a table where the
 * attack has several doors.
 */

const csrfRefused = /The form expired or came from another site|This form must be sent from this site/;
const evilOrigin = 'https://evil.example';

/** Every change the admin API makes is audited: an org's audit count that did not move means nothing changed. */
async function auditCount(t: TestApp, orgId: string): Promise<number> {
  const res = await t.admin.get(`/api/v1/orgs/${orgId}/audit-events?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const count = (res.body.data as unknown[]).length;
  assert.ok(count < 200, 'a fixture org has fewer than 200 audit events');
  return count;
}

/** An org with one of everything the console shows, each named with `mark` so a page can be searched for it. */
async function furnish(t: TestApp, w: SamlWorld, mark: string) {
  const org = await makeOrg(t, `${mark} Org`);
  const team = await makeTeam(t, org.id, `${mark} Team`);
  const plain = await localMember(t, org.id, `${mark.toLowerCase()}-plain-${team.slug}@example.com`);
  const invited = await t.admin.post(`/api/v1/orgs/${org.id}/invitations`, {
    emails: [`${mark.toLowerCase()}-invitee-${team.slug}@partner.test`],
  });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const invitation = invited.body.invitations[0] as { id: string; acceptUrl: string };
  const dir = await makeDirectory(t, org.id, 'okta');
  const scim = scimClient(t, dir.id, dir.token);
  const users = await pushUsers(scim, [`${mark.toLowerCase()}-scim-${team.slug}@example.com`]);
  const group = await pushGroup(scim, `${mark} Group`, Object.values(users));
  const mapping = await makeMapping(t, org.id, {
    source: { directory: dir.id, group: `${mark} Group` },
    team: team.id,
  });
  // A mapping whose group was renamed in the IdP: the console offers to confirm the new name.
  const renamedGroup = await pushGroup(scim, `${mark} Old Name`);
  const renamed = await makeMapping(t, org.id, {
    source: { directory: dir.id, group: `${mark} Old Name` },
    role: 'member',
  });
  const patched = await scim.patch(
    `/Groups/${renamedGroup}`,
    patchOp({ op: 'replace', path: 'displayName', value: `${mark} New Name` }),
  );
  assert.ok([200, 204].includes(patched.status), JSON.stringify(patched.body));
  const connection = await makeSamlConnection(t, org.id, w.idp, { name: `${mark} Connection` });
  const link = await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['sso'] });
  assert.equal(link.status, 201, JSON.stringify(link.body));
  return {
    org,
    base: `/console/orgs/${org.slug}`,
    team,
    plain,
    invitation,
    dir,
    group,
    mapping,
    renamed,
    connection,
    link: link.body as { id: string; url: string },
  };
}

type Furnished = Awaited<ReturnType<typeof furnish>>;

/**
 * Every form of an org's console: the page that shows it, the action it
 * posts to, and fields that would change something were the post accepted.
 * `via` opens the page that carries the form, for forms that appear only in
 * the answer to another form (a preview's Save).
 */
interface FormCase {
  readonly name: string;
  readonly page: (f: Furnished) => string;
  readonly action: (f: Furnished) => string;
  readonly fields: (f: Furnished) => Record<string, string | string[]>;
  readonly via?: (c: ConsoleClient, f: Furnished) => Promise<supertest.Response>;
  readonly multipart?: boolean;
}

const previewOfNewMapping = (c: ConsoleClient, f: Furnished) =>
  c.submit(`${f.base}/mappings/new`, `${f.base}/mappings/preview`, {
    source: 'connection',
    connection: f.connection.id,
    group: 'claim-value',
    team: f.team.id,
  });
const previewOfChange = (c: ConsoleClient, f: Furnished) =>
  c.submit(`${f.base}/mappings/${f.mapping.id}/edit`, `${f.base}/mappings/${f.mapping.id}/preview`, {
    team: '',
    role: 'admin',
  });

const forms: readonly FormCase[] = [
  {
    name: 'team-create',
    page: (f) => `${f.base}/teams`,
    action: (f) => `${f.base}/teams`,
    fields: () => ({ name: 'Forged team' }),
  },
  {
    name: 'team-delete',
    page: (f) => `${f.base}/teams`,
    action: (f) => `${f.base}/teams/${f.team.id}/delete`,
    fields: () => ({}),
  },
  {
    name: 'member-role',
    page: (f) => `${f.base}/members/${f.plain}`,
    action: (f) => `${f.base}/members/${f.plain}/role`,
    fields: () => ({ role: 'admin' }),
  },
  {
    name: 'member-teams',
    page: (f) => `${f.base}/members/${f.plain}`,
    action: (f) => `${f.base}/members/${f.plain}/teams`,
    fields: (f) => ({ teams: [f.team.id] }),
  },
  {
    name: 'member-remove',
    page: (f) => `${f.base}/members/${f.plain}/remove`,
    action: (f) => `${f.base}/members/${f.plain}/remove`,
    fields: () => ({}),
  },
  {
    name: 'invitation-create',
    page: (f) => `${f.base}/invitations`,
    action: (f) => `${f.base}/invitations`,
    fields: () => ({ emails: 'forged@partner.test', role: 'admin' }),
  },
  {
    name: 'invitation-csv',
    page: (f) => `${f.base}/invitations`,
    action: (f) => `${f.base}/invitations/csv`,
    fields: () => ({}),
    multipart: true,
  },
  {
    name: 'invitation-resend',
    page: (f) => `${f.base}/invitations`,
    action: (f) => `${f.base}/invitations/${f.invitation.id}/resend`,
    fields: () => ({}),
  },
  {
    name: 'invitation-revoke',
    page: (f) => `${f.base}/invitations`,
    action: (f) => `${f.base}/invitations/${f.invitation.id}/revoke`,
    fields: () => ({}),
  },
  {
    name: 'mapping-preview',
    page: (f) => `${f.base}/mappings/new`,
    action: (f) => `${f.base}/mappings/preview`,
    fields: (f) => ({ source: 'connection', connection: f.connection.id, group: 'x' }),
  },
  {
    name: 'mapping-create',
    page: (f) => `${f.base}/mappings/new`,
    action: (f) => `${f.base}/mappings`,
    fields: (f) => ({ source: 'connection', connection: f.connection.id, group: 'forged', team: f.team.id }),
    via: previewOfNewMapping,
  },
  {
    name: 'mapping-change-preview',
    page: (f) => `${f.base}/mappings/${f.mapping.id}/edit`,
    action: (f) => `${f.base}/mappings/${f.mapping.id}/preview`,
    fields: () => ({ team: '', role: 'admin' }),
  },
  {
    name: 'mapping-update',
    page: (f) => `${f.base}/mappings/${f.mapping.id}/edit`,
    action: (f) => `${f.base}/mappings/${f.mapping.id}`,
    fields: () => ({ team: '', role: 'admin' }),
    via: previewOfChange,
  },
  {
    name: 'mapping-delete',
    page: (f) => `${f.base}/mappings/${f.mapping.id}/delete`,
    action: (f) => `${f.base}/mappings/${f.mapping.id}/delete`,
    fields: () => ({}),
  },
  {
    name: 'mapping-confirm',
    page: (f) => `${f.base}/mappings`,
    action: (f) => `${f.base}/mappings/${f.renamed.id}/confirm`,
    fields: () => ({}),
  },
  {
    name: 'connection-create',
    page: (f) => `${f.base}/connections/new`,
    action: (f) => `${f.base}/connections`,
    fields: () => ({
      protocol: 'oidc',
      name: 'Forged',
      provider: 'okta',
      domains: freshDomain(),
      issuer: 'https://idp.forged.test',
      clientId: 'forged',
      clientSecret: 'forged-secret',
    }),
  },
  {
    name: 'connection-metadata',
    page: (f) => `${f.base}/connections/${f.connection.id}`,
    action: (f) => `${f.base}/connections/${f.connection.id}/metadata`,
    fields: () => ({ metadataUrl: 'https://idp.forged.test/metadata' }),
  },
  {
    name: 'connection-options',
    page: (f) => `${f.base}/connections/${f.connection.id}`,
    action: (f) => `${f.base}/connections/${f.connection.id}/options`,
    fields: () => ({ allowIdpInitiated: 'yes' }),
  },
  {
    name: 'connection-delete',
    page: (f) => `${f.base}/connections/${f.connection.id}/delete`,
    action: (f) => `${f.base}/connections/${f.connection.id}/delete`,
    fields: () => ({ confirm: 'yes' }),
  },
  {
    name: 'directory-create',
    page: (f) => `${f.base}/directories`,
    action: (f) => `${f.base}/directories`,
    fields: () => ({ name: 'Forged', provider: 'okta' }),
  },
  {
    name: 'directory-token-rotate',
    page: (f) => `${f.base}/directories/${f.dir.id}`,
    action: (f) => `${f.base}/directories/${f.dir.id}/tokens`,
    fields: () => ({}),
  },
  {
    name: 'directory-token-revoke',
    page: (f) => `${f.base}/directories/${f.dir.id}`,
    action: (f) => `${f.base}/directories/${f.dir.id}/tokens/${f.dir.tokenId}/revoke`,
    fields: () => ({}),
  },
  {
    name: 'directory-delete',
    page: (f) => `${f.base}/directories/${f.dir.id}/delete`,
    action: (f) => `${f.base}/directories/${f.dir.id}/delete`,
    fields: () => ({ confirm: 'yes' }),
  },
  {
    name: 'setup-link-create',
    page: (f) => `${f.base}/setup-links`,
    action: (f) => `${f.base}/setup-links`,
    fields: () => ({ features: ['sso', 'scim'], expiresInHours: '1' }),
  },
  {
    name: 'setup-link-revoke',
    page: (f) => `${f.base}/setup-links`,
    action: (f) => `${f.base}/setup-links/${f.link.id}/revoke`,
    fields: () => ({}),
  },
];

/** The form's own CSRF field, as the page (or the answer that carries the form) gives it to this browser. */
async function tokenOf(c: ConsoleClient, f: Furnished, form: FormCase): Promise<string> {
  const page = form.via ? await form.via(c, f) : await c.get(form.page(f));
  assert.equal(page.status, 200, `${form.name}: ${page.text.slice(0, 300)}`);
  return csrfFor(page.text, form.action(f));
}

/** Posts a form's fields (a CSV file for the upload) with the given CSRF value and headers. */
async function post(
  t: TestApp,
  c: ConsoleClient,
  form: FormCase,
  action: string,
  fields: Record<string, string | string[]>,
  csrf: string | undefined,
  headers: Record<string, string> = {},
): Promise<supertest.Response> {
  if (form.multipart) {
    let request = supertest(t.app).post(action).set('Cookie', c.cookie).set(headers);
    if (csrf !== undefined) request = request.field('csrf', csrf);
    return request.attach('file', Buffer.from('email\nforged@partner.test\n'), 'invite.csv');
  }
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...fields, ...(csrf === undefined ? {} : { csrf }) }))
    for (const one of [v].flat()) body.append(k, one);
  return supertest(t.app)
    .post(action)
    .set('Cookie', c.cookie)
    .set(headers)
    .type('form')
    .send(body.toString());
}

/** What a refusal page must be: HTML of the console's own, the status, no stack, and no data of `hidden`. */
function assertRefusalPage(res: supertest.Response, statuses: readonly number[], what: string, hidden = '') {
  assert.ok(statuses.includes(res.status), `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(String(res.headers['content-type']), /^text\/html/, `${what}: a page, not JSON`);
  assert.doesNotMatch(res.text, /\n\s+at [^\n]+:\d+:\d+/, `${what}: no stack`);
  if (hidden) assert.ok(!res.text.includes(hidden), `${what}: nothing of the other org shows`);
}

describe('console attacks: another organization', () => {
  let t: TestApp;
  let a: Furnished;
  let b: Furnished;
  let admin: ConsoleClient;
  before(async () => {
    t = await testApp();
    const w = await samlWorld();
    a = await furnish(t, w, 'Alpha');
    b = await furnish(t, w, 'Bravo');
    admin = new ConsoleClient(t, (await consoleMember(t, a.org.id, 'admin')).cookie);
  });

  const bPages = (f: Furnished) => [
    '',
    '/members',
    `/members/${f.plain}`,
    `/members/${f.plain}/remove`,
    '/teams',
    '/invitations',
    '/mappings',
    '/mappings/new',
    `/mappings/${f.mapping.id}/edit`,
    `/mappings/${f.mapping.id}/delete`,
    '/connections',
    '/connections/new',
    `/connections/${f.connection.id}`,
    `/connections/${f.connection.id}/delete`,
    '/directories',
    `/directories/${f.dir.id}`,
    `/directories/${f.dir.id}/requests`,
    `/directories/${f.dir.id}/delete`,
    '/setup-links',
    '/audit',
  ];

  it("an admin of one org opening any page of another org's console is refused (403)", async () => {
    for (const path of bPages(b)) {
      const res = await admin.get(`${b.base}${path}`);
      assertRefusalPage(res, [403], `GET ${b.base}${path}`, 'Bravo');
      assert.match(res.text, /You administer another organization/);
    }
  });

  it("an admin of one org posting any form of another org's console is refused (403), changing nothing", async () => {
    const before = await auditCount(t, b.org.id);
    for (const form of forms) {
      const csrf = await tokenOf(admin, a, form);
      const res = await post(t, admin, form, form.action(b), form.fields(b), csrf);
      assertRefusalPage(res, [403], `${form.name} at ${form.action(b)}`, 'Bravo');
    }
    assert.equal(await auditCount(t, b.org.id), before, "nothing of the other org's changed");
  });

  it("another org's ids under one's own org in the path are not found (404), on every detail page", async () => {
    const paths = bPages(b).filter((p) => /[0-9a-f]{8}-/.test(p));
    assert.ok(paths.length >= 8);
    for (const path of paths) {
      const res = await admin.get(`${a.base}${path}`);
      assertRefusalPage(res, [404], `GET ${a.base}${path}`, 'Bravo');
    }
  });

  it("another org's ids in the path of one's own org's forms (with their valid CSRF fields) change nothing anywhere", async () => {
    const before = [await auditCount(t, a.org.id), await auditCount(t, b.org.id)];
    const bIds = (path: string) =>
      path
        .replace(a.team.id, b.team.id)
        .replace(a.plain, b.plain)
        .replace(a.invitation.id, b.invitation.id)
        .replace(a.mapping.id, b.mapping.id)
        .replace(a.renamed.id, b.renamed.id)
        .replace(a.connection.id, b.connection.id)
        .replace(a.dir.tokenId, b.dir.tokenId)
        .replace(a.dir.id, b.dir.id)
        .replace(a.link.id, b.link.id);
    let tried = 0;
    for (const form of forms) {
      const target = bIds(form.action(a));
      if (target === form.action(a)) continue;
      tried += 1;
      const csrf = await tokenOf(admin, a, form);
      const res = await post(t, admin, form, target, form.fields(a), csrf);
      assertRefusalPage(res, [404], `${form.name} at ${target}`, 'Bravo');
    }
    assert.ok(tried >= 15, `${tried} forms name an id`);
    assert.deepEqual([await auditCount(t, a.org.id), await auditCount(t, b.org.id)], before);
  });

  it("another org's team, directory or connection named in a form's fields is refused, changing nothing", async () => {
    const before = [await auditCount(t, a.org.id), await auditCount(t, b.org.id)];
    const cases: { name: string; page: string; action: string; fields: Record<string, string | string[]> }[] =
      [
        {
          name: "a member given the other org's team",
          page: `${a.base}/members/${a.plain}`,
          action: `${a.base}/members/${a.plain}/teams`,
          fields: { teams: [b.team.id] },
        },
        {
          name: "an invitation into the other org's team",
          page: `${a.base}/invitations`,
          action: `${a.base}/invitations`,
          fields: { emails: 'crossed@partner.test', teams: [b.team.id] },
        },
        {
          name: "a mapping of the other org's directory group",
          page: `${a.base}/mappings/new`,
          action: `${a.base}/mappings/preview`,
          fields: { source: 'directory', directory: b.dir.id, group: 'Bravo Group', team: a.team.id },
        },
        {
          name: "a mapping of the other org's connection",
          page: `${a.base}/mappings/new`,
          action: `${a.base}/mappings/preview`,
          fields: { source: 'connection', connection: b.connection.id, group: 'x', team: a.team.id },
        },
        {
          name: "a mapping into the other org's team",
          page: `${a.base}/mappings/new`,
          action: `${a.base}/mappings/preview`,
          fields: { source: 'connection', connection: a.connection.id, group: 'x', team: b.team.id },
        },
      ];
    for (const c of cases) {
      const res = await admin.submit(c.page, c.action, c.fields);
      assertRefusalPage(res, [400, 404, 422], c.name, 'Bravo');
      assert.match(res.text, /role="alert"/, c.name);
    }
    // The mapping's Save, posted straight with the other org's directory.
    const save = forms.find((f) => f.name === 'mapping-create') as FormCase;
    const csrf = await tokenOf(admin, a, save);
    const saved = await admin.post(`${a.base}/mappings`, {
      source: 'directory',
      directory: b.dir.id,
      group: 'Bravo Group',
      team: a.team.id,
      csrf,
    });
    assertRefusalPage(saved, [400, 404, 422], "a mapping of the other org's directory, saved", 'Bravo');
    assert.deepEqual([await auditCount(t, a.org.id), await auditCount(t, b.org.id)], before);
  });

  it('an admin cannot reach the operator’s pages: the list of orgs, or creating one', async () => {
    const home = await admin.get('/console');
    assert.equal(home.status, 303);
    assert.equal(home.headers.location, `${a.base}/members`);
    const created = await admin.post('/console/orgs', { name: 'Made by an admin' });
    assertRefusalPage(created, [403], 'POST /console/orgs as an admin');
    const orgs = await t.admin.get('/api/v1/orgs?limit=200');
    assert.ok(!(orgs.body.data as { name: string }[]).some((o) => o.name === 'Made by an admin'));
  });
});

describe('console attacks: forged forms (CSRF)', () => {
  let t: TestApp;
  let a: Furnished;
  let b: Furnished;
  let admin: ConsoleClient;
  let operator: ConsoleClient;
  before(async () => {
    t = await testApp();
    const w = await samlWorld();
    a = await furnish(t, w, 'Alpha');
    b = await furnish(t, w, 'Bravo');
    admin = new ConsoleClient(t, (await consoleMember(t, a.org.id, 'admin')).cookie);
    operator = new ConsoleClient(t, '');
    const signedIn = await operator.submit('/console', '/console/sign-in', { token: adminToken });
    assert.equal(signedIn.status, 303);
  });

  /** Every form is tried four ways; each must be refused with 403 and change nothing in either org. */
  async function refusedEverywhere(attempt: (form: FormCase) => Promise<supertest.Response>) {
    const before = [await auditCount(t, a.org.id), await auditCount(t, b.org.id)];
    for (const form of forms) {
      const res = await attempt(form);
      assertRefusalPage(res, [403], form.name);
      assert.match(res.text, csrfRefused, form.name);
    }
    assert.deepEqual([await auditCount(t, a.org.id), await auditCount(t, b.org.id)], before);
  }

  it('a console form posted without its CSRF field is refused', async () => {
    await admin.get(`${a.base}/teams`);
    await refusedEverywhere((form) => post(t, admin, form, form.action(a), form.fields(a), undefined));
  });

  it('a console form posted with the CSRF field of another of its forms is refused', async () => {
    const teamCreate = forms[0] as FormCase;
    const invite = forms.find((f) => f.name === 'invitation-create') as FormCase;
    const teamToken = await tokenOf(admin, a, teamCreate);
    const inviteToken = await tokenOf(admin, a, invite);
    await refusedEverywhere((form) =>
      post(t, admin, form, form.action(a), form.fields(a), form === teamCreate ? inviteToken : teamToken),
    );
  });

  it("a console form posted with the same form's CSRF field of another org is refused", async () => {
    // The operator reaches both orgs: only the token's binding to its org can tell them apart.
    await refusedEverywhere(async (form) =>
      post(t, operator, form, form.action(a), form.fields(a), await tokenOf(operator, b, form)),
    );
  });

  it('a console form posted from another site (a foreign Origin) is refused, even with its CSRF field', async () => {
    await refusedEverywhere(async (form) =>
      post(t, admin, form, form.action(a), form.fields(a), await tokenOf(admin, a, form), {
        Origin: evilOrigin,
      }),
    );
  });

  it('a CSRF field made for one browser does not work with another browser’s cookie', async () => {
    const teamCreate = forms[0] as FormCase;
    const csrf = await tokenOf(admin, a, teamCreate);
    const other = new ConsoleClient(t, (await consoleMember(t, a.org.id, 'admin')).cookie);
    await other.get(`${a.base}/teams`);
    const res = await other.post(`${a.base}/teams`, { name: 'Borrowed token', csrf });
    assertRefusalPage(res, [403], 'a borrowed token');
    const teams = await t.admin.get(`/api/v1/orgs/${a.org.id}/teams`);
    assert.ok(!(teams.body.data as { name: string }[]).some((x) => x.name === 'Borrowed token'));
  });

  const operatorForms: { name: string; page: string; action: string; fields: Record<string, string> }[] = [
    {
      name: 'the operator sign-in',
      page: '/console',
      action: '/console/sign-in',
      fields: { token: adminToken },
    },
    {
      name: "the operator's new organization",
      page: '/console',
      action: '/console/orgs',
      fields: { name: 'Forged Inc' },
    },
  ];

  for (const form of operatorForms) {
    it(`${form.name} is refused without its CSRF field, with another form's, and from another site`, async () => {
      const c = form.action === '/console/sign-in' ? new ConsoleClient(t, '') : operator;
      const own = csrfFor((await c.get(form.page)).text, form.action);
      const attempts: [string, Record<string, string>, Record<string, string>][] = [
        ['no CSRF field', { ...form.fields }, {}],
        ['a forged CSRF field', { ...form.fields, csrf: 'A'.repeat(43) }, {}],
        ['a foreign Origin', { ...form.fields, csrf: own }, { Origin: evilOrigin }],
      ];
      if (form.action === '/console/orgs')
        attempts.push([
          'the CSRF field of an org form',
          { ...form.fields, csrf: await tokenOf(c, a, forms[0] as FormCase) },
          {},
        ]);
      for (const [what, fields, headers] of attempts) {
        const res = await supertest(t.app)
          .post(form.action)
          .set('Cookie', c.cookie)
          .set(headers)
          .type('form')
          .send(new URLSearchParams(fields).toString());
        assertRefusalPage(res, [403], `${form.name}: ${what}`);
        const cookies = ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).join('\n');
        assert.doesNotMatch(cookies, /muster_console=[^;]/, `${form.name}: ${what}: no operator session`);
      }
      const orgs = await t.admin.get('/api/v1/orgs?limit=200');
      assert.ok(!(orgs.body.data as { name: string }[]).some((o) => o.name === 'Forged Inc'));
    });
  }

  it("the operator's sign-out is refused from another site, and works from the console's own pages", async () => {
    const c = new ConsoleClient(t, '');
    await c.submit('/console', '/console/sign-in', { token: adminToken });
    for (const headers of [{ Origin: evilOrigin }, { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }]) {
      const res = await supertest(t.app).post('/console/sign-out').set('Cookie', c.cookie).set(headers);
      assertRefusalPage(res, [403], `sign-out with ${JSON.stringify(headers)}`);
      assert.doesNotMatch(String(res.headers['set-cookie'] ?? ''), /muster_console=;/);
    }
    assert.match((await c.get('/console')).text, /<h1>Organizations<\/h1>/, 'still signed in');
    // A console page sends no Referer, so its own form is posted with Origin: null, marked same-origin.
    const out = await supertest(t.app)
      .post('/console/sign-out')
      .set('Cookie', c.cookie)
      .set({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' });
    assert.equal(out.status, 303);
    assert.match(String(out.headers['set-cookie']), /muster_console=;/);
  });

  it("an admin's Sign out button works as a browser posts it from a console page, and not from another site", async () => {
    const member = await consoleMember(t, a.org.id, 'admin');
    const page = await new ConsoleClient(t, member.cookie).get(`${a.base}/teams`);
    assert.match(page.text, /<form method="post" action="\/sso\/logout">/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const foreign = await supertest(t.app)
      .post('/sso/logout')
      .set('Cookie', member.cookie)
      .set({ Origin: 'null', 'Sec-Fetch-Site': 'cross-site' })
      .type('form')
      .send('returnTo=%2Fconsole');
    assert.equal(foreign.status, 403);
    assert.equal((await new ConsoleClient(t, member.cookie).get(`${a.base}/teams`)).status, 200);
    const out = await supertest(t.app)
      .post('/sso/logout')
      .set('Cookie', member.cookie)
      .set({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })
      .type('form')
      .send('returnTo=%2Fconsole');
    assert.equal(out.status, 303, out.text.slice(0, 300));
    assert.equal(out.headers.location, `${publicUrl}/console`);
    const after = await new ConsoleClient(t, member.cookie).get(`${a.base}/teams`);
    assert.match(after.text, /Operator sign-in/, 'the session ended: the console asks to sign in');
  });
});

describe('console attacks: sessions', () => {
  let t: TestApp;
  let a: Furnished;
  before(async () => {
    t = await testApp();
    a = await furnish(t, await samlWorld(), 'Alpha');
  });

  /** What a browser without a valid console session meets: the sign-in page for a GET, 401 for a post; no org data. */
  async function assertSignedOut(c: ConsoleClient, what: string) {
    for (const path of ['/console', `${a.base}/members`, `${a.base}/teams`, `${a.base}/audit`]) {
      const res = await c.get(path);
      assert.equal(res.status, 200, `${what}: GET ${path}`);
      assert.match(res.text, /Operator sign-in/, `${what}: GET ${path} asks to sign in`);
      assert.ok(!res.text.includes('Alpha'), `${what}: GET ${path} shows nothing of the org`);
    }
    const before = await auditCount(t, a.org.id);
    const posted = await c.post(`${a.base}/teams`, { name: 'Made signed out', csrf: 'A'.repeat(43) });
    assertRefusalPage(posted, [401], `${what}: a post`);
    const created = await c.post('/console/orgs', { name: 'Made signed out' });
    assertRefusalPage(created, [401], `${what}: the operator's post`);
    assert.equal(await auditCount(t, a.org.id), before, `${what}: nothing changed`);
  }

  it('a plain member is told the console is for owners and admins (403), on every page and post', async () => {
    const member = await consoleMember(t, a.org.id, 'member');
    const c = new ConsoleClient(t, member.cookie);
    const before = await auditCount(t, a.org.id);
    for (const path of [
      '/console',
      `${a.base}/members`,
      `${a.base}/setup-links`,
      `${a.base}/directories/${a.dir.id}`,
    ]) {
      const res = await c.get(path);
      assertRefusalPage(res, [403], `GET ${path}`, 'Alpha Team');
      assert.match(res.text, /for the owners and admins of an organization/);
    }
    for (const form of forms) {
      const res = await post(t, c, form, form.action(a), form.fields(a), 'A'.repeat(43));
      assertRefusalPage(res, [403], form.name);
    }
    assert.equal(await auditCount(t, a.org.id), before);
  });

  it('an admin demoted to member loses the console at the next request', async () => {
    const admin = await consoleMember(t, a.org.id, 'admin');
    const c = new ConsoleClient(t, admin.cookie);
    assert.equal((await c.get(`${a.base}/members`)).status, 200);
    const demoted = await t.admin.patch(`/api/v1/orgs/${a.org.id}/members/${admin.userId}`, {
      role: 'member',
    });
    assert.equal(demoted.status, 200);
    assertRefusalPage(await c.get(`${a.base}/members`), [403], 'the demoted admin');
  });

  it('an admin suspended by their SCIM directory: the old cookie opens nothing and changes nothing', async () => {
    const scim = scimClient(t, a.dir.id, a.dir.token);
    const email = `suspended-${a.team.slug}@example.com`;
    const pushed = await scim.post('/Users', user(email));
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    const members = await t.admin.get(`/api/v1/orgs/${a.org.id}/members?q=${encodeURIComponent(email)}`);
    const userId = (members.body.data as { id: string }[])[0]?.id as string;
    assert.equal(
      (await t.admin.patch(`/api/v1/orgs/${a.org.id}/members/${userId}`, { role: 'admin' })).status,
      200,
    );
    const { cookie } = await t.sessionFor(a.org.id, userId);
    const c = new ConsoleClient(t, cookie);
    assert.equal((await c.get(`${a.base}/members`)).status, 200, 'an admin before the suspension');
    const suspended = await scim.patch(
      `/Users/${pushed.body.id}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
    );
    assert.ok([200, 204].includes(suspended.status), JSON.stringify(suspended.body));
    await assertSignedOut(new ConsoleClient(t, cookie), 'a suspended admin');
  });

  it("a removed admin's old cookie opens nothing and changes nothing", async () => {
    const admin = await consoleMember(t, a.org.id, 'admin');
    assert.equal((await new ConsoleClient(t, admin.cookie).get(`${a.base}/teams`)).status, 200);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${a.org.id}/members/${admin.userId}`)).status, 204);
    await assertSignedOut(new ConsoleClient(t, admin.cookie), 'a removed admin');
  });

  /** The cookie an operator session would carry, minted by the console's own code with other keys or another clock. */
  function operatorCookie(options: { masterKey?: string; token?: string; now?: Date }): string {
    const sessions = new OperatorSessions(
      options.masterKey ?? developmentMasterKey,
      options.token ?? adminToken,
      publicUrl,
      () => options.now ?? new Date(),
    );
    let value = '';
    sessions.start({
      cookie: (_name: string, v: string) => {
        value = v;
      },
    } as unknown as Parameters<OperatorSessions['start']>[0]);
    return `muster_console=${value}`;
  }

  it('a valid operator cookie opens the list of organizations (the control for the forgeries below)', async () => {
    const res = await new ConsoleClient(t, operatorCookie({})).get('/console');
    assert.equal(res.status, 200);
    assert.match(res.text, /<h1>Organizations<\/h1>/);
  });

  const forgeries: [string, () => string][] = [
    [
      'an operator cookie with a tampered signature',
      () => operatorCookie({}).replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')),
    ],
    [
      'an operator cookie whose expiry was pushed back without re-signing',
      () => operatorCookie({}).replace(/=(\d+)\./, (_m, n: string) => `=${Number(n) + 3600}.`),
    ],
    [
      'an operator cookie that expired (minted 9 hours ago)',
      () => operatorCookie({ now: new Date(Date.now() - 9 * 3600_000) }),
    ],
    [
      'an operator cookie minted under another ADMIN_TOKEN',
      () => operatorCookie({ token: `${adminToken}-previous` }),
    ],
    [
      'an operator cookie minted under another MASTER_KEY',
      () => operatorCookie({ masterKey: 'another master key of enough length, 0123456789' }),
    ],
    [
      'an operator cookie without a signature',
      () => `muster_console=${Math.floor(Date.now() / 1000) + 3600}.`,
    ],
    ['an operator cookie of garbage', () => 'muster_console=operator'],
  ];

  for (const [name, cookie] of forgeries)
    it(`${name} is refused: the console asks to sign in`, async () => {
      await assertSignedOut(new ConsoleClient(t, cookie()), name);
    });

  it('the operator cookie is HttpOnly, Secure, SameSite=Lax, for /console only, for 8 hours; it opens nothing else', async () => {
    const c = new ConsoleClient(t, '');
    const res = await c.submit('/console', '/console/sign-in', { token: adminToken });
    assert.equal(res.status, 303);
    const line = ((res.headers['set-cookie'] as unknown as string[]) ?? []).find((l) =>
      l.startsWith('muster_console='),
    );
    assert.ok(line, 'the sign-in sets the operator cookie');
    assert.match(line, /; Path=\/console(;|$)/);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; Secure/);
    assert.match(line, /; SameSite=Lax/);
    assert.match(line, /; Max-Age=28800(;|$)/);
    assert.doesNotMatch(line, /; Domain=/i, 'host-only');
    const cookie = line.split(';')[0] as string;
    assert.equal((await supertest(t.app).get('/api/v1/orgs').set('Cookie', cookie)).status, 401);
    assert.equal((await supertest(t.app).get('/api/v1/me').set('Cookie', cookie)).status, 401);
  });

  it('a wrong admin token at the operator sign-in is refused (401) and starts no session', async () => {
    const c = new ConsoleClient(t, '');
    for (const token of [
      '',
      'x'.repeat(40),
      adminToken.slice(0, -1),
      `${adminToken}x`,
      adminToken.toUpperCase(),
    ]) {
      const res = await c.submit('/console', '/console/sign-in', { token });
      assert.equal(res.status, 401, JSON.stringify(token));
      assert.match(res.text, /role="alert">That is not the admin token/);
      assert.doesNotMatch(String(res.headers['set-cookie'] ?? ''), /muster_console=[^;]/);
      assert.ok(!res.text.includes(token) || token === '', 'the typed token is not echoed');
    }
  });
});

describe('console attacks: privilege', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  async function roleOf(orgId: string, userId: string) {
    const res = await t.admin.get(`/api/v1/orgs/${orgId}/members/${userId}`);
    assert.equal(res.status, 200);
    return { role: res.body.role as string, teams: (res.body.teams as unknown[]).length };
  }

  it('an admin (not an owner) cannot make, change or remove an owner through any console form', async () => {
    const org = await makeOrg(t, 'Ranks');
    const base = `/console/orgs/${org.slug}`;
    const team = await makeTeam(t, org.id, 'Ranks Team');
    const admin = await consoleMember(t, org.id, 'admin');
    const owner = await consoleMember(t, org.id, 'owner');
    const plain = await consoleMember(t, org.id, 'member');
    const c = new ConsoleClient(t, admin.cookie);
    const before = await auditCount(t, org.id);
    const attempts: [string, string, string, Record<string, string | string[]>, RegExp][] = [
      [
        'promote a member to owner',
        `${base}/members/${plain.userId}`,
        `${base}/members/${plain.userId}/role`,
        { role: 'owner' },
        /Only an owner can make an owner/,
      ],
      [
        'promote oneself to owner',
        `${base}/members/${admin.userId}`,
        `${base}/members/${admin.userId}/role`,
        { role: 'owner', pinned: 'yes' },
        /Only an owner can make an owner/,
      ],
      [
        'demote an owner',
        `${base}/members/${owner.userId}`,
        `${base}/members/${owner.userId}/role`,
        { role: 'member' },
        /Only an owner can change an owner/,
      ],
      [
        'pin an owner’s role as admin',
        `${base}/members/${owner.userId}`,
        `${base}/members/${owner.userId}/role`,
        { role: 'admin', pinned: 'yes' },
        /Only an owner can change an owner/,
      ],
      [
        'change an owner’s teams',
        `${base}/members/${owner.userId}`,
        `${base}/members/${owner.userId}/teams`,
        { teams: [team.id] },
        /Only an owner can change an owner/,
      ],
      [
        'remove an owner',
        `${base}/members/${owner.userId}/remove`,
        `${base}/members/${owner.userId}/remove`,
        {},
        /Only an owner can change an owner/,
      ],
    ];
    for (const [what, page, action, fields, refusal] of attempts) {
      const res = await c.submit(page, action, fields);
      assert.equal(res.status, 403, `${what}: ${res.text.slice(0, 300)}`);
      assert.match(res.text, refusal, what);
      assert.match(res.text, /role="alert"/, what);
    }
    assert.deepEqual(await roleOf(org.id, plain.userId), { role: 'member', teams: 0 });
    assert.deepEqual(await roleOf(org.id, admin.userId), { role: 'admin', teams: 0 });
    assert.deepEqual(await roleOf(org.id, owner.userId), { role: 'owner', teams: 0 });
    assert.equal(await auditCount(t, org.id), before, 'nothing changed');

    // The same forms work for an owner: the refusals above are about rank, not the forms.
    const asOwner = new ConsoleClient(t, owner.cookie);
    const made = await asOwner.submit(
      `${base}/members/${plain.userId}`,
      `${base}/members/${plain.userId}/role`,
      { role: 'owner' },
    );
    assert.equal(made.status, 303);
    assert.equal((await roleOf(org.id, plain.userId)).role, 'owner');
  });

  it('an admin cannot invite anyone as owner, from the form or a CSV file, nor map a group to the owner role', async () => {
    const org = await makeOrg(t, 'Invites');
    const base = `/console/orgs/${org.slug}`;
    const admin = await consoleMember(t, org.id, 'admin');
    const c = new ConsoleClient(t, admin.cookie);
    const dir = await makeDirectory(t, org.id, 'okta');
    await pushGroup(scimClient(t, dir.id, dir.token), 'Owners');
    const form = await c.submit(`${base}/invitations`, `${base}/invitations`, {
      emails: 'would-be-owner@partner.test',
      role: 'owner',
    });
    assert.ok([400, 403, 422].includes(form.status), `${form.status} ${form.text.slice(0, 300)}`);
    assert.match(form.text, /role="alert"/);
    const csrf = csrfFor((await c.get(`${base}/invitations`)).text, `${base}/invitations/csv`);
    const csv = await supertest(t.app)
      .post(`${base}/invitations/csv`)
      .set('Cookie', c.cookie)
      .field('csrf', csrf)
      .attach('file', Buffer.from('email,role\ncsv-owner@partner.test,owner\n'), 'owners.csv');
    assert.ok(!/Invited: <code/.test(csv.text), 'no invitation made from the file');
    assert.match(csv.text, /must be member or admin|role/);
    const mapped = await c.submit(
      `${base}/mappings/new?directory=${dir.id}&q=Own`,
      `${base}/mappings/preview`,
      {
        source: 'directory',
        directory: dir.id,
        group: 'Owners',
        role: 'owner',
      },
    );
    assert.ok([400, 422].includes(mapped.status), `${mapped.status}`);
    const invitations = await t.admin.get(`/api/v1/orgs/${org.id}/invitations`);
    assert.equal(invitations.body.data.length, 0, 'no invitation made');
    const mappings = await t.admin.get(`/api/v1/orgs/${org.id}/group-mappings`);
    assert.equal(mappings.body.data.length, 0, 'no mapping made');
  });
});

/** Every GET page of an org's console that `f` furnishes, with the audit log's older pages found by following them. */
async function everyPage(
  c: ConsoleClient,
  f: Furnished,
): Promise<{ path: string; res: supertest.Response }[]> {
  const paths = [
    '/console',
    `${f.base}/members`,
    `${f.base}/members/${f.plain}`,
    `${f.base}/members/${f.plain}/remove`,
    `${f.base}/teams`,
    `${f.base}/invitations`,
    `${f.base}/invitations?status=pending`,
    `${f.base}/mappings`,
    `${f.base}/mappings/new`,
    `${f.base}/mappings/new?directory=${f.dir.id}`,
    `${f.base}/mappings/${f.mapping.id}/edit`,
    `${f.base}/mappings/${f.mapping.id}/delete`,
    `${f.base}/connections`,
    `${f.base}/connections/new`,
    `${f.base}/connections/${f.connection.id}`,
    `${f.base}/connections/${f.connection.id}/delete`,
    `${f.base}/directories`,
    `${f.base}/directories/${f.dir.id}`,
    `${f.base}/directories/${f.dir.id}/requests`,
    `${f.base}/directories/${f.dir.id}/delete`,
    `${f.base}/setup-links`,
    `${f.base}/audit`,
  ];
  const pages: { path: string; res: supertest.Response }[] = [];
  for (const path of paths) {
    let res = await c.get(path);
    if (res.status === 303 && typeof res.headers.location === 'string')
      res = await c.get(res.headers.location);
    assert.equal(res.status, 200, `GET ${path}: ${res.text.slice(0, 300)}`);
    pages.push({ path, res });
  }
  let older = /<a href="([^"]+)">Older events<\/a>/.exec(pages.at(-1)?.res.text ?? '')?.[1];
  while (older) {
    const path = older.replace(/&amp;/g, '&');
    const res = await c.get(path);
    assert.equal(res.status, 200);
    pages.push({ path, res });
    older = /<a href="([^"]+)">Older events<\/a>/.exec(res.text)?.[1];
  }
  return pages;
}

const hostile = `Evil"><img src=x onerror=alert(1)><script>alert(1)</script>'`;
const hostileShown = '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

/** No hostile markup reaches a page as markup, and every link stays on Muster. */
function assertInert(text: string, what: string) {
  assert.doesNotMatch(text, /<script/i, `${what}: no script element`);
  assert.doesNotMatch(text, /<img/i, `${what}: no element from a value`);
  assert.ok(
    !text.includes(hostile.slice(0, 7)),
    `${what}: the value's quote stays escaped (no attribute breakout)`,
  );
  for (const [, href] of text.matchAll(/href="([^"]*)"/g)) {
    const target = (href ?? '').replace(/&amp;/g, '&');
    assert.ok(
      target.startsWith('/')
        ? !target.startsWith('//')
        : target.startsWith('#') || target.startsWith(`${publicUrl}/`),
      `${what}: the link ${target} stays on Muster`,
    );
    assert.doesNotMatch(target, /^\s*(javascript|data|vbscript):/i, `${what}: ${target}`);
  }
}

describe('console attacks: hostile values', () => {
  let t: TestApp;
  let w: SamlWorld;
  before(async () => {
    t = await testApp();
    w = await samlWorld();
  });

  it('hostile names from the API, SCIM and metadata are shown escaped on every page, and no link leaves Muster', async () => {
    const f = await furnish(t, w, 'Hostile');
    // The org, a team, a directory and a connection named by an admin; a user and a group pushed over SCIM.
    assert.equal((await t.admin.patch(`/api/v1/orgs/${f.org.id}`, { name: hostile })).status, 200);
    const team = await t.admin.post(`/api/v1/orgs/${f.org.id}/teams`, {
      name: hostile,
      description: hostile,
    });
    assert.equal(team.status, 201, JSON.stringify(team.body));
    const dir = await t.admin.post(`/api/v1/orgs/${f.org.id}/directories`, {
      name: hostile,
      provider: 'okta',
    });
    assert.equal(dir.status, 201, JSON.stringify(dir.body));
    const scim = scimClient(t, f.dir.id, f.dir.token);
    const pushed = await scim.post(
      '/Users',
      user(`hostile-${f.team.slug}@example.com`, {
        displayName: hostile,
        name: { givenName: hostile, familyName: hostile },
      }),
    );
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    await pushGroup(scim, hostile, [pushed.body.id as string]);
    await makeMapping(t, f.org.id, { source: { directory: f.dir.id, group: hostile }, team: team.body.id });
    const idp = { ...w.idp, entityId: `https://idp.hostile.test/${encodeURIComponent('x')}?q="><img src=x>` };
    const connection = await t.admin.post(`/api/v1/orgs/${f.org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      name: hostile,
      domains: [freshDomain()],
      saml: { metadataXml: idpMetadataXml(idp) },
    });
    assert.equal(connection.status, 201, JSON.stringify(connection.body));
    const invited = await t.admin.post(`/api/v1/orgs/${f.org.id}/invitations`, {
      emails: [`tagged-${f.team.slug}@partner.test`],
      tags: [{ key: 'note', value: hostile }],
      teams: [team.body.id],
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));

    const users = await t.admin.get(`/api/v1/orgs/${f.org.id}/members?q=hostile-`);
    const hostileUser = (users.body.data as { id: string }[])[0]?.id as string;
    const c = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'admin')).cookie);
    const pages = [
      ...(await everyPage(c, f)),
      { path: 'the hostile member', res: await c.get(`${f.base}/members/${hostileUser}`) },
      { path: 'the hostile connection', res: await c.get(`${f.base}/connections/${connection.body.id}`) },
      { path: 'the hostile directory', res: await c.get(`${f.base}/directories/${dir.body.id}`) },
      {
        path: 'the hostile group found',
        res: await c.get(`${f.base}/mappings/new?directory=${f.dir.id}&q=Ev`),
      },
    ];
    let shown = 0;
    for (const { path, res } of pages) {
      assert.equal(res.status, 200, path);
      assertInert(res.text, path);
      if (res.text.includes(hostileShown)) shown += 1;
    }
    assert.ok(shown >= 12, `the hostile value is on ${shown} pages, escaped`);
    const audit = pages.filter((p) => p.path.includes('/audit'));
    assert.ok(
      audit.some((p) => p.res.text.includes('Evil&quot;&gt;&lt;img')),
      'the audit log shows the value escaped',
    );

    const operator = new ConsoleClient(t, '');
    await operator.submit('/console', '/console/sign-in', { token: adminToken });
    const orgs = await operator.get('/console?limit=200');
    assertInert(orgs.text, 'the list of organizations');
  });

  it('hostile query values and typed form values are reflected escaped, never as markup', async () => {
    const f = await furnish(t, w, 'Echo');
    const c = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'admin')).cookie);
    const q = encodeURIComponent(hostile);
    const reflected = [
      `${f.base}/members?q=${q}`,
      `${f.base}/members?team=${q}&source=${q}&role=${q}&status=${q}`,
      `${f.base}/members?cursor=${q}`,
      `${f.base}/teams?cursor=${q}`,
      `${f.base}/invitations?status=${q}&cursor=${q}`,
      `${f.base}/mappings?status=${q}&cursor=${q}`,
      `${f.base}/mappings/new?directory=${f.dir.id}&q=${q}&group=${q}&team=${q}&role=${q}&source=${q}`,
      `${f.base}/mappings/${f.mapping.id}/edit?team=${q}&role=${q}`,
      `${f.base}/connections?cursor=${q}`,
      `${f.base}/directories?cursor=${q}`,
      `${f.base}/directories/${f.dir.id}/requests?cursor=${q}`,
      `${f.base}/setup-links?cursor=${q}`,
      `${f.base}/audit?action=${q}&targetId=${q}&cursor=${q}`,
    ];
    for (const path of reflected) {
      const res = await c.get(path);
      assert.ok(res.status < 500, `${path}: ${res.status}`);
      assertInert(res.text, path);
    }
    const typed: [string, string, string, Record<string, string | string[]>][] = [
      [
        'a team with a slug refused',
        `${f.base}/teams`,
        `${f.base}/teams`,
        { name: hostile, slug: hostile, description: hostile },
      ],
      [
        'invitations of hostile emails and tags',
        `${f.base}/invitations`,
        `${f.base}/invitations`,
        { emails: `${hostile}\nnot-an-email ${hostile}`, tags: `${hostile}=${hostile}`, message: hostile },
      ],
      [
        'a directory of a hostile provider',
        `${f.base}/directories`,
        `${f.base}/directories`,
        { name: hostile, provider: hostile },
      ],
      [
        'a connection of hostile settings',
        `${f.base}/connections/new`,
        `${f.base}/connections`,
        {
          protocol: 'oidc',
          name: hostile,
          provider: hostile,
          domains: hostile,
          issuer: hostile,
          clientId: hostile,
          clientSecret: 'x',
        },
      ],
      [
        'a mapping of a hostile claim',
        `${f.base}/mappings/new`,
        `${f.base}/mappings/preview`,
        { source: 'connection', connection: f.connection.id, group: hostile, team: hostile, role: hostile },
      ],
      [
        'a setup link of hostile features',
        `${f.base}/setup-links`,
        `${f.base}/setup-links`,
        { features: [hostile], expiresInHours: hostile },
      ],
      [
        'a member of a hostile role',
        `${f.base}/members/${f.plain}`,
        `${f.base}/members/${f.plain}/role`,
        { role: hostile },
      ],
    ];
    for (const [what, page, action, fields] of typed) {
      const res = await c.submit(page, action, fields);
      assert.ok(res.status >= 200 && res.status < 500, `${what}: ${res.status}`);
      assertInert(res.text, what);
    }
  });
});

/** The headers every console answer carries, page or refusal. */
function assertConsoleHeaders(res: supertest.Response, what: string) {
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /default-src 'none'/, `${what}: CSP`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP frame-ancestors`);
  assert.match(csp, /form-action 'self'/, `${what}: CSP form-action`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: CSP without unsafe-*`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.match(String(res.headers['strict-transport-security']), /max-age=\d{7,}/, `${what}: HSTS`);
  assert.equal(res.headers['cache-control'], 'no-store', `${what}: no-store`);
}

describe('console attacks: secrets', () => {
  let t: TestApp;
  let f: Furnished;
  let c: ConsoleClient;
  before(async () => {
    t = await testApp();
    f = await furnish(t, await samlWorld(), 'Secret');
    c = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'admin')).cookie);
  });

  /** The answer that shows a secret: the page itself, no-store, and the secret in no header. */
  function shownOnce(res: supertest.Response, secret: string, what: string) {
    assert.ok(res.status === 200 || res.status === 201, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
    assert.ok(res.text.includes(secret), `${what}: shown in the answer to its post`);
    assert.equal(res.headers['cache-control'], 'no-store', `${what}: never cached`);
    assert.equal(res.headers.location, undefined, `${what}: not behind a redirect`);
    const headers = JSON.stringify(res.headers);
    assert.ok(!headers.includes(secret), `${what}: in no header, cookie or Location`);
  }

  it('SCIM tokens, setup link URLs and invitation links are shown in the answer that made them, and in no later page', async () => {
    const secrets: [string, string][] = [];
    const directory = await c.submit(`${f.base}/directories`, `${f.base}/directories`, {
      name: 'Shown once',
      provider: 'okta',
    });
    const scimToken = /<dt>Bearer token<\/dt><dd>([^<]+)<\/dd>/.exec(directory.text)?.[1] ?? '';
    assert.ok(scimToken.length > 20);
    shownOnce(directory, scimToken, 'a new directory’s token');
    secrets.push(['a new directory’s token', scimToken]);

    const rotated = await c.submit(
      `${f.base}/directories/${f.dir.id}`,
      `${f.base}/directories/${f.dir.id}/tokens`,
      {},
    );
    const second = /<dt>Bearer token<\/dt><dd>([^<]+)<\/dd>/.exec(rotated.text)?.[1] ?? '';
    assert.ok(second.length > 20);
    shownOnce(rotated, second, 'a rotated token');
    secrets.push(['a rotated token', second]);

    const link = await c.submit(`${f.base}/setup-links`, `${f.base}/setup-links`, {
      features: ['sso', 'scim'],
      expiresInHours: '2',
    });
    const url = /<p class="secret">([^<]+)<\/p>/.exec(link.text)?.[1] ?? '';
    assert.match(url, /^https:\/\/muster\.test\/setup\/[A-Za-z0-9_-]{43}$/);
    shownOnce(link, url, 'a setup link');
    secrets.push(['a setup link', url.slice(url.lastIndexOf('/') + 1)]);

    const invited = await c.submit(`${f.base}/invitations`, `${f.base}/invitations`, {
      emails: 'once@partner.test',
    });
    const accept = /<code class="accept-url">([^<]+)<\/code>/.exec(invited.text)?.[1] ?? '';
    assert.match(accept, /\/invite\/[A-Za-z0-9_-]+$/);
    shownOnce(invited, accept, 'an invitation link');
    secrets.push(['an invitation link', accept.slice(accept.lastIndexOf('/') + 1)]);

    const csrf = csrfFor((await c.get(`${f.base}/invitations`)).text, `${f.base}/invitations/csv`);
    const csv = await supertest(t.app)
      .post(`${f.base}/invitations/csv`)
      .set('Cookie', c.cookie)
      .field('csrf', csrf)
      .attach('file', Buffer.from('email\ncsv-once@partner.test\n'), 'invite.csv');
    const fromCsv = /<code class="accept-url">([^<]+)<\/code>/.exec(csv.text)?.[1] ?? '';
    shownOnce(csv, fromCsv, 'an invitation link from a CSV file');
    secrets.push(['an invitation link from a CSV file', fromCsv.slice(fromCsv.lastIndexOf('/') + 1)]);

    await sql`update invitations set last_sent_at = now() - interval '2 minutes' where id = ${f.invitation.id}`.execute(
      t.database.db,
    );
    const resent = await c.submit(
      `${f.base}/invitations`,
      `${f.base}/invitations/${f.invitation.id}/resend`,
      {},
    );
    const fresh = /<p class="secret">([^<]+)<\/p>/.exec(resent.text)?.[1] ?? '';
    assert.match(fresh, /\/invite\/[A-Za-z0-9_-]+$/);
    shownOnce(resent, fresh, 'a resent invitation link');
    secrets.push(['a resent invitation link', fresh.slice(fresh.lastIndexOf('/') + 1)]);
    secrets.push([
      'the first invitation link',
      f.invitation.acceptUrl.slice(f.invitation.acceptUrl.lastIndexOf('/') + 1),
    ]);

    // Every page of the org afterwards, the audit log to its end: none carries any of them.
    const directoryId = /directories\/([0-9a-f-]{36})"/.exec(directory.text)?.[1] as string;
    const pages = [
      ...(await everyPage(c, f)),
      { path: 'the new directory', res: await c.get(`${f.base}/directories/${directoryId}`) },
    ];
    for (const { path, res } of pages)
      for (const [what, secret] of secrets)
        assert.ok(
          !res.text.includes(secret) && !JSON.stringify(res.headers).includes(secret),
          `${what} on ${path}`,
        );
    const audit = await t.admin.get(`/api/v1/orgs/${f.org.id}/audit-events?limit=200`);
    for (const [what, secret] of secrets)
      assert.ok(!JSON.stringify(audit.body).includes(secret), `${what} in the audit log`);
  });

  it('no notice cookie or redirect of a change names anything secret, and every page is no-store', async () => {
    const revoked = await c.submit(`${f.base}/setup-links`, `${f.base}/setup-links/${f.link.id}/revoke`, {});
    assert.equal(revoked.status, 303);
    assert.equal(revoked.headers['cache-control'], 'no-store');
    const notice = ((revoked.headers['set-cookie'] as unknown as string[]) ?? []).find((l) =>
      l.startsWith('muster_console_notice='),
    );
    assert.ok(notice);
    assert.match(notice, /HttpOnly/);
    assert.match(notice, /SameSite=Strict/);
    assert.match(notice, /Path=\/console/);
    const token = f.link.url.slice(f.link.url.lastIndexOf('/') + 1);
    assert.ok(!notice.includes(token) && !String(revoked.headers.location).includes(token));
    for (const { path, res } of await everyPage(c, f))
      assert.equal(res.headers['cache-control'], 'no-store', path);
  });
});

describe('console attacks: headers', () => {
  it('every console page and every refusal sends a strict CSP, no framing, nosniff, no Referer, HSTS and no-store', async () => {
    const t = await testApp();
    const w = await samlWorld();
    const f = await furnish(t, w, 'Headers');
    const other = await furnish(t, w, 'Elsewhere');
    const admin = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'admin')).cookie);
    for (const { path, res } of await everyPage(admin, f)) assertConsoleHeaders(res, path);
    const member = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'member')).cookie);
    const refusals: [string, () => Promise<supertest.Response>][] = [
      ['the sign-in page', () => new ConsoleClient(t, '').get('/console')],
      [
        'a wrong admin token',
        () => new ConsoleClient(t, '').submit('/console', '/console/sign-in', { token: 'x'.repeat(40) }),
      ],
      ["a plain member's 403", () => member.get(`${f.base}/members`)],
      ['another org (403)', () => admin.get(`${other.base}/members`)],
      ["another org's connection (404)", () => admin.get(`${f.base}/connections/${other.connection.id}`)],
      ['a page that does not exist (404)', () => admin.get(`${f.base}/nowhere`)],
      ['a forged form (403)', () => admin.post(`${f.base}/teams`, { name: 'x' })],
      ['a post signed out (401)', () => new ConsoleClient(t, '').post(`${f.base}/teams`, { name: 'x' })],
      [
        'a method the console does not take (405)',
        () => supertest(t.app).delete(`${f.base}/teams`).set('Cookie', admin.cookie),
      ],
      [
        'a refusal beside its form (409)',
        () => admin.submit(`${f.base}/teams`, `${f.base}/teams`, { name: 'Again', slug: f.team.slug }),
      ],
    ];
    for (const [what, request] of refusals) {
      const res = await request();
      assert.match(String(res.headers['content-type']), /^text\/html/, what);
      assertConsoleHeaders(res, what);
    }
  });
});

describe('console attacks: bodies and methods', () => {
  let t: TestApp;
  let f: Furnished;
  let c: ConsoleClient;
  before(async () => {
    t = await testApp();
    f = await furnish(t, await samlWorld(), 'Bodies');
    c = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'admin')).cookie);
  });

  it('a form over its size or field limits is refused with a page (413, 400), changing nothing', async () => {
    const before = await auditCount(t, f.org.id);
    const csrf = csrfFor((await c.get(`${f.base}/teams`)).text, `${f.base}/teams`);
    const many: Record<string, string> = { name: 'Too many', csrf };
    for (let i = 0; i < 250; i += 1) many[`f${i}`] = 'x';
    const cases: [string, () => Promise<supertest.Response>, number][] = [
      ['a form over 64 KiB', () => c.post(`${f.base}/teams`, { name: 'x'.repeat(70 * 1024), csrf }), 413],
      ['a form of 250 fields', () => c.post(`${f.base}/teams`, many), 400],
      [
        'an operator sign-in over 64 KiB',
        () => new ConsoleClient(t, '').post('/console/sign-in', { token: 'x'.repeat(70 * 1024) }),
        413,
      ],
      [
        'a connection’s metadata over its limit',
        () =>
          c.post(`${f.base}/connections/${f.connection.id}/metadata`, {
            metadataXml: 'x'.repeat(1200 * 1024),
            csrf,
          }),
        413,
      ],
      [
        'a JSON body instead of a form',
        () =>
          supertest(t.app).post(`${f.base}/teams`).set('Cookie', c.cookie).send({ name: 'As JSON', csrf }),
        403,
      ],
    ];
    for (const [what, send, status] of cases) {
      const res = await send();
      assertRefusalPage(res, [status], what);
      assert.match(res.text, /role="alert"/, what);
      assertConsoleHeaders(res, what);
    }
    assert.equal(await auditCount(t, f.org.id), before);
  });

  it('an upload too big, not text, without a file or of two files is refused beside the form, changing nothing', async () => {
    const upload = async (attach: (r: supertest.Test) => supertest.Test) => {
      const csrf = csrfFor((await c.get(`${f.base}/invitations`)).text, `${f.base}/invitations/csv`);
      return attach(
        supertest(t.app).post(`${f.base}/invitations/csv`).set('Cookie', c.cookie).field('csrf', csrf),
      );
    };
    const before = await auditCount(t, f.org.id);
    const cases: [string, (r: supertest.Test) => supertest.Test, number, RegExp][] = [
      [
        'a file over 1 MiB',
        (r) => r.attach('file', Buffer.alloc(1024 * 1024 + 10, 'a'), 'big.csv'),
        413,
        /larger than 1 MiB/,
      ],
      [
        'a binary file',
        (r) => r.attach('file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0xff]), 'image.csv'),
        400,
        /not CSV text/,
      ],
      ['no file', (r) => r, 400, /Choose a CSV file/],
      [
        'two files',
        (r) =>
          r
            .attach('file', Buffer.from('email\na@p.test\n'), 'a.csv')
            .attach('file', Buffer.from('email\nb@p.test\n'), 'b.csv'),
        400,
        /not a single CSV file/,
      ],
      [
        'a file under another field name',
        (r) => r.attach('upload', Buffer.from('email\na@p.test\n'), 'a.csv'),
        400,
        /not a single CSV file/,
      ],
    ];
    for (const [what, attach, status, reason] of cases) {
      const res = await upload(attach);
      assertRefusalPage(res, [status], what);
      assert.match(res.text, reason, what);
    }
    assert.equal(await auditCount(t, f.org.id), before);
  });

  it('methods the console does not take are 405 with Allow, signed in or not; unknown pages are 404 pages', async () => {
    const paths = [
      '/console',
      '/console/sign-in',
      `${f.base}/teams`,
      `${f.base}/teams/${f.team.id}/delete`,
      `${f.base}/members/${f.plain}`,
    ];
    for (const method of ['put', 'patch', 'delete'] as const)
      for (const path of paths)
        for (const cookie of [c.cookie, '']) {
          const res = await supertest(t.app)[method](path).set('Cookie', cookie);
          assertRefusalPage(res, [405], `${method.toUpperCase()} ${path}`);
          assert.equal(res.headers.allow, 'GET, HEAD, POST');
        }
    assert.equal(
      (await t.admin.get(`/api/v1/orgs/${f.org.id}/teams/${f.team.id}`)).status,
      200,
      'the team stays',
    );
    for (const path of [`${f.base}/nowhere`, `${f.base}/teams/${f.team.id}`, '/console/orgs']) {
      const res = await c.get(path);
      assertRefusalPage(res, [404], path);
    }
  });
});

describe('console attacks: redirects', () => {
  it('no returnTo, redirect or next value sends the browser off the console', async () => {
    const t = await testApp();
    const f = await furnish(t, await samlWorld(), 'Redirects');
    const admin = new ConsoleClient(t, (await consoleMember(t, f.org.id, 'admin')).cookie);
    const off = { returnTo: 'https://evil.example/', redirect: '//evil.example', next: '/\\evil.example' };
    const home = await admin.get(`/console?${new URLSearchParams(off)}`);
    assert.equal(home.headers.location, `${f.base}/members`);
    const operator = new ConsoleClient(t, '');
    const signedIn = await operator.submit('/console', '/console/sign-in', { token: adminToken, ...off });
    assert.equal(signedIn.headers.location, '/console');
    const out = await supertest(t.app)
      .post(`/console/sign-out?${new URLSearchParams(off)}`)
      .set('Cookie', operator.cookie)
      .type('form')
      .send(new URLSearchParams(off).toString());
    assert.equal(out.headers.location, '/console');
    const changes: [string, string, Record<string, string>][] = [
      [`${f.base}/teams`, `${f.base}/teams`, { name: 'Redirected', ...off }],
      [`${f.base}/members/${f.plain}`, `${f.base}/members/${f.plain}/role`, { role: 'admin', ...off }],
      [
        `${f.base}/connections/${f.connection.id}/delete`,
        `${f.base}/connections/${f.connection.id}/delete`,
        { ...off },
      ],
      [`${f.base}/setup-links`, `${f.base}/setup-links/${f.link.id}/revoke`, { ...off }],
      [`${f.base}/mappings`, `${f.base}/mappings/${f.renamed.id}/confirm`, { ...off }],
    ];
    for (const [page, action, fields] of changes) {
      const res = await admin.submit(page, action, fields);
      assert.equal(res.status, 303, `${action}: ${res.text.slice(0, 300)}`);
      assert.ok(String(res.headers.location).startsWith(`${f.base}/`), `${action} → ${res.headers.location}`);
    }
    const signIn = await new ConsoleClient(t, '').get(`/console?${new URLSearchParams(off)}`);
    const links = [...signIn.text.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(links.includes('/login?returnTo=%2Fconsole'), 'the sign-in comes back to the console');
    assertInert(signIn.text, 'the sign-in page');
  });
});
